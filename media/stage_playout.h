/* Network → TDM playout stage: the jitter buffer, packet loss concealment and law
 * conversion of received audio, and RFC 4733 digits received played as tones in its
 * place. I/O-free: packets and the time in, one B-channel frame per tick out. */
#ifndef STROWGER_MEDIA_STAGE_PLAYOUT_H
#define STROWGER_MEDIA_STAGE_PLAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "media/conceal.h"
#include "media/dtmf.h"
#include "media/g711.h"
#include "media/jbuf.h"
#include "media/te.h"
#include "media/transport.h"

#define STAGE_PLAYOUT_MAX_EV TE_RX_MAX_EVENTS

struct stage_playout {
	struct jbuf *jb;
	bool playing;			/* gen has something: ask it each frame */
	struct dtmf_gen *gen;		/* plays received events */
	struct te_rx terx;		/* events in */
	struct conceal cc;		/* PLC (its history: only on a loss) */
};

/* A digit received as RFC 4733 events (its start, or its end). */
struct stage_playout_event {
	bool end;
	char digit;
	unsigned duration_ms;		/* [ms] on end, from the events */
	bool timed_out;			/* on end: its end packets were lost */
};

struct stage_playout_events {
	unsigned n;
	struct stage_playout_event ev[STAGE_PLAYOUT_MAX_EV];
};

/* Return 0 or ENOMEM (jp: the jitter buffer's bounds). */
int stage_playout_init(struct stage_playout *s, const struct jbuf_params *jp);
void stage_playout_release(struct stage_playout *s);
/* On hold (RFC 3264 recvonly/inactive from us): play nothing stale when resuming. */
void stage_playout_flush(struct stage_playout *s);

/* A received audio packet (rx from transport open) at now [µs]. */
void stage_playout_audio(struct stage_playout *s, const struct media_rx *rx, uint64_t now);
/* A received RFC 4733 packet: digits start or end (into *evs, n set). */
void stage_playout_event(struct stage_playout *s, const struct media_rx *rx, uint64_t now,
			 struct stage_playout_events *evs);
/* The frame to write to the B-channel now, in tdm law (rtp_law: the stream's); digits
 * ended by timeout into *evs. Return what the jitter buffer had. */
enum jbuf_result stage_playout_frame(struct stage_playout *s, uint64_t now,
				     enum g711_law rtp_law, enum g711_law tdm_law, uint8_t *out,
				     struct stage_playout_events *evs);

#endif
