/* Received G.711 audio of any packetisation (RFC 4566 a=ptime: 10, 20, 30, 40 ms or other
 * multiples of a sample) cut or joined into the 20 ms frames the jitter buffer and the
 * B-channel take. I/O-free: a packet in, the frames it completes out.
 *
 * A stream of 20 ms packets passes as it is (one packet, one frame, its own sequence
 * number). Any other size is placed by its RTP timestamp (RFC 3550 §5.1: the sampling
 * instant of its first octet) on a grid of 160-sample frames starting at the stream's
 * first packet; each frame gets a sequence number of its own (the grid's index), so the
 * jitter buffer's ordering, loss and duplicate handling work on frames. A frame that
 * a packet fills only in part waits for the rest; the next packet that does not fill it
 * sends it on with silence in the gap (a lost half). A timestamp jump between
 * consecutive sequence numbers (silence suppression, a sender's clock restart) restarts
 * the grid where the frames left off. */
#ifndef STROWGER_MEDIA_REFRAME_H
#define STROWGER_MEDIA_REFRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "media/jbuf.h"

#define REFRAME_FRAME		160	/* [samples] 20 ms: one B-channel block */
#define REFRAME_MAX_SAMPLES	640	/* [samples] 80 ms: the longest packet taken */
/* [frames] out of one packet: a waiting frame sent on, and a misaligned longest packet. */
#define REFRAME_MAX_OUT		(REFRAME_MAX_SAMPLES / REFRAME_FRAME + 2)

struct reframe {
	bool started;
	bool split;			/* the stream is not 20 ms packets: frames on the grid */
	uint32_t ssrc;
	uint16_t last_seq;		/* of the last packet taken */
	uint32_t next_ts;		/* [samples] timestamp just after the last packet */
	uint32_t base_ts;		/* [samples] where frame 0 of the grid starts */
	uint16_t base_seq;		/* frame 0's sequence number */
	uint32_t hi_idx;		/* one past the highest frame index sent or waiting */
	bool pend;			/* a frame filled in part waits */
	uint32_t pend_idx;
	uint8_t pend_buf[REFRAME_FRAME];
};

struct reframe_out {
	unsigned n;
	struct jbuf_pkt f[REFRAME_MAX_OUT];	/* data: into the packet or into buf */
	uint8_t buf[REFRAME_MAX_OUT][REFRAME_FRAME];
};

void reframe_init(struct reframe *r);
/* Forget the stream (the jitter buffer was flushed): the next packet starts anew. */
static inline void reframe_reset(struct reframe *r)
{
	reframe_init(r);
}

/* One received audio packet (payload pl of len octets = samples, silence: the stream's
 * law's silence octet for a gap in a frame). Fills *out with the frames it completes, in
 * order, to put into the jitter buffer. Return 0, EMSGSIZE (longer than
 * REFRAME_MAX_SAMPLES or empty) or ETIME (before the grid's start: a straggler of a
 * restarted stream); nothing is sent on then. */
int reframe_packet(struct reframe *r, uint32_t ssrc, uint16_t seq, uint32_t ts,
		   const uint8_t *pl, size_t len, uint8_t silence, struct reframe_out *out);

#endif
