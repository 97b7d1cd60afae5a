/* Adaptive jitter buffer for fixed-duration audio frames (one RTP packet = one frame).
 * I/O-free: the caller passes arrival and playout times. Interarrival jitter per
 * RFC 3550 §6.4.1 / §A.8 sets the target depth between the configured bounds. */
#ifndef STROWGER_MEDIA_JBUF_H
#define STROWGER_MEDIA_JBUF_H

#include <stddef.h>
#include <stdint.h>

struct jbuf;

struct jbuf_params {
	unsigned frame_ms;	/* [ms] duration of one frame/packet, e.g. 20 */
	unsigned min_ms;	/* [ms] smallest target depth, ≥ frame_ms (e.g. 20) */
	unsigned max_ms;	/* [ms] largest depth (e.g. 200); more is dropped */
	unsigned clock_rate;	/* [Hz] RTP clock, 8000 for G.711 */
	size_t max_payload;	/* [bytes] largest frame stored, e.g. 160 */
};

/* A received packet as the buffer sees it. */
struct jbuf_pkt {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;		/* [samples] RTP timestamp */
	const uint8_t *data;
	size_t len;		/* [bytes] ≤ max_payload */
};

enum jbuf_result {
	JBUF_FRAME,	/* a frame was copied out */
	JBUF_CONCEAL,	/* a frame is missing (lost, late, or the buffer is growing): conceal */
	JBUF_IDLE,	/* no stream, or buffering before playout: play silence */
};

struct jbuf_stats {
	uint64_t put;		/* packets stored */
	uint64_t played;	/* frames returned */
	uint64_t dup;		/* duplicates dropped */
	uint64_t late;		/* arrived after their playout time: dropped */
	uint64_t lost;		/* concealed and skipped: never arrived in time */
	uint64_t held;		/* concealed while the buffer grew (playout held back) */
	uint64_t shrunk;	/* frames dropped to shrink the buffer */
	uint64_t overflow;	/* frames dropped above max_ms */
	uint64_t resync;	/* restarts: SSRC change, sequence jump */
	uint64_t ts_jumps;	/* timestamp discontinuities (jitter estimate restarted) */
	uint64_t invalid;	/* too large, or out of window and awaiting confirmation */
	uint32_t jitter;	/* [samples] RFC 3550 interarrival jitter estimate */
	unsigned target_ms;	/* [ms] current target depth */
	int level_ms;		/* [ms] frames buffered beyond the next one at the last get */
};

/* Create a buffer. Return 0, EINVAL (bad params) or ENOMEM. */
int jbuf_alloc(struct jbuf **jbp, const struct jbuf_params *p);
void jbuf_free(struct jbuf *jb);

/* Forget the stream: the next packet starts a new one. */
void jbuf_reset(struct jbuf *jb);

/*
 * Offer a packet that arrived at now_us (monotonic [µs]). Return 0 if stored, or:
 *   EALREADY  duplicate of a buffered packet      ETIME   too late: its frame was played
 *   ERANGE    sequence far out of window: dropped until a second packet confirms the
 *             jump (RFC 3550 §A.1 probation), then the buffer resyncs to it
 *   EMSGSIZE  larger than max_payload
 */
int jbuf_put(struct jbuf *jb, const struct jbuf_pkt *pkt, uint64_t now_us);

/*
 * Take the frame due now; call once per frame interval (paced by the TDM clock).
 * On JBUF_FRAME, copies it to out (≥ max_payload bytes) and sets *lenp.
 */
enum jbuf_result jbuf_get(struct jbuf *jb, uint64_t now_us, uint8_t *out, size_t *lenp);

void jbuf_stats(const struct jbuf *jb, struct jbuf_stats *st);

#endif
