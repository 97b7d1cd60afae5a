/* TDM → network DTMF stage: detects digits in B-channel audio and, with a telephone-event
 * PT, keeps their tones out of the outgoing audio (one frame held back so the frame before
 * a detection can be silenced too) and drives the RFC 4733 sender; without one the tones
 * stay in the audio (the peer's only way to hear the digit) and are only reported.
 * I/O-free: a frame and the time in, what to send
 * and what to report out. */
#ifndef STROWGER_MEDIA_STAGE_DTMF_H
#define STROWGER_MEDIA_STAGE_DTMF_H

#include <stdbool.h>
#include <stdint.h>

#include "media/dtmf.h"
#include "media/g711.h"
#include "media/te.h"

#define STAGE_FRAME		160	/* [samples] 20 ms */
#define STAGE_DTMF_MAX_EV	4	/* detector events per frame */
#define STAGE_DTMF_MAX_PKTS	((STAGE_DTMF_MAX_EV + 1) * TE_TX_MAX_PKTS)

struct stage_dtmf {
	struct dtmf_det *det;		/* NULL: off, audio passes through */
	bool held_valid, held_tone;
	int te_pt;			/* send digits as RFC 4733; ≤ 0: tones stay in the audio */
	char digit;			/* in progress, for duration */
	uint64_t digit_start_us;	/* [µs] */
	struct te_tx te;
	uint8_t held[STAGE_FRAME];	/* audio held one frame, TDM law */
};

struct stage_dtmf_event {
	bool end;
	char digit;
	unsigned duration_ms;		/* [ms] on end */
};

/* What one frame produced, in the order to act on it: the event packets, then the audio. */
struct stage_dtmf_out {
	unsigned npkt;
	struct te_pkt pkt[STAGE_DTMF_MAX_PKTS];	/* RFC 4733 packets to send */
	const uint8_t *audio;		/* a frame to send (TDM law): frame, or NULL */
	uint8_t frame[STAGE_FRAME];
	bool skip;			/* no audio: its time passes, the next starts a talkspurt */
	unsigned nev;
	struct stage_dtmf_event ev[STAGE_DTMF_MAX_EV];
};

/* detect: allocate the detector (else audio only passes). Return 0 or ENOMEM. */
int stage_dtmf_init(struct stage_dtmf *s, bool detect, int te_pt);
void stage_dtmf_release(struct stage_dtmf *s);
/* Change the RFC 4733 PT (≤ 0: stop sending; an event in progress is dropped). */
void stage_dtmf_set_te_pt(struct stage_dtmf *s, int te_pt);

/* One B-channel frame (law) at now [µs]; ts: the outgoing stream's timestamp of the next
 * audio packet. *o is filled (only npkt, nev, audio and skip are read by the caller). */
void stage_dtmf_frame(struct stage_dtmf *s, const uint8_t *in, enum g711_law law, uint32_t ts,
		      uint64_t now, struct stage_dtmf_out *o);

#endif
