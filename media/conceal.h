/* Packet loss concealment of a received G.711 stream: SpanDSP's PLC, given the received
 * audio it keeps as history only when a loss begins (its only use), not on every frame.
 * The output is the same as feeding it every frame. I/O-free: frames in, frames out. */
#ifndef STROWGER_MEDIA_CONCEAL_H
#define STROWGER_MEDIA_CONCEAL_H

#include <spandsp.h>
#include <stdint.h>

#include "media/g711.h"

#define CONCEAL_FRAME	160	/* [samples] 20 ms at 8 kHz */

struct conceal {
	unsigned unseen;		/* 0-2: frames of last[] the PLC has not had */
	unsigned newest;		/* index in last[] of the newest frame */
	enum g711_law last_law[2];
	uint8_t last[2][CONCEAL_FRAME];	/* the last frames played, as received */
	plc_state_t plc;		/* 280 samples of history: two frames cover it */
};

void conceal_init(struct conceal *c);

/* A received frame in law from: out (may be in) gets it in law to. The first frame after
 * a loss is faded in from the concealment, as SpanDSP's plc_rx() does. */
void conceal_frame(struct conceal *c, enum g711_law from, enum g711_law to,
		   const uint8_t *in, uint8_t *out);

/* A frame is missing: out gets SpanDSP's fill-in, in law to (fading to silence after
 * 50 ms of loss). */
void conceal_fill(struct conceal *c, enum g711_law to, uint8_t *out);

#endif
