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
/* packets per frame: the detector's events, an event sent on request, the tick */
#define STAGE_DTMF_MAX_PKTS	((STAGE_DTMF_MAX_EV + 2) * TE_TX_MAX_PKTS)

struct stage_dtmf {
	struct dtmf_det *det;		/* NULL: off, audio passes through */
	bool held_valid, held_tone;
	int te_pt;			/* send digits as RFC 4733; ≤ 0: tones stay in the audio */
	char digit;			/* in progress, for duration */
	uint64_t digit_start_us;	/* [µs] */
	struct te_tx te;
	/* an event asked for by stage_dtmf_send_event (a hook flash), not a detected digit */
	bool req_wait, req_on;
	uint8_t req_event;
	unsigned req_frames;		/* [frames] waiting: its length; on: still to go */
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

/* Send an RFC 4733 event of ms [ms] that the line signalled otherwise (a hook flash: event
 * 16), from the next frame on (after a digit being sent), its time taken from the audio
 * like a digit's. Return 0, ENOTCONN (no telephone-event PT) or EBUSY (one is waiting). */
int stage_dtmf_send_event(struct stage_dtmf *s, uint8_t event, unsigned ms);

/* One B-channel frame (law) at now [µs]; ts: the outgoing stream's timestamp of the next
 * audio packet. *o is filled (only npkt, nev, audio and skip are read by the caller). */
void stage_dtmf_frame(struct stage_dtmf *s, const uint8_t *in, enum g711_law law, uint32_t ts,
		      uint64_t now, struct stage_dtmf_out *o);

#endif
