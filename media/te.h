/* RFC 4733 telephone-events: the §2.3 payload codec, a sender (§2.5.1) and a receiver
 * (§2.5.2). I/O-free: the sender runs on the RTP clock of the stream it shares, the
 * receiver on an injected monotonic time; both return packets/events to their caller. */
#ifndef STROWGER_MEDIA_TE_H
#define STROWGER_MEDIA_TE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TE_PAYLOAD_LEN	4	/* [bytes] one event report (§2.3) */
#define TE_MAX_VOLUME	63	/* [-dBm0] 6-bit field */
#define TE_MAX_DURATION	0xFFFFu	/* [samples] 16-bit field; longer events are segmented */

/* §2.3: one event report. The R bit is sent as 0 and ignored on receipt (§2.3.3). */
struct te_payload {
	uint8_t event;		/* §3.2 code: 0-9, 10 '*', 11 '#', 12-15 A-D */
	bool end;		/* E: the event (or segment) has ended */
	uint8_t volume;		/* [-dBm0] 0..63 */
	uint16_t duration;	/* [samples of the RTP clock] since the packet's timestamp */
};

/* Write p as 4 bytes to buf (size bytes). Return 0, EINVAL (volume > 63) or EMSGSIZE. */
int te_encode(const struct te_payload *p, uint8_t *buf, size_t size);

/*
 * Decode the payload buf (len bytes, RTP padding already removed). Return 0, or
 *   EMSGSIZE  shorter than 4 bytes
 *   EBADMSG   not a multiple of 4 bytes (only the first report is decoded otherwise:
 *             several reports in one packet need RFC 2198 redundancy, another PT)
 * Duration 0 decodes; whether it is acceptable is the receiver's decision (§2.5.2.1).
 */
int te_decode(struct te_payload *p, const uint8_t *buf, size_t len);

/* ---- sender (§2.5.1) ---- */

struct te_tx_params {
	uint8_t volume;			/* [-dBm0] reported volume; 0 → 10 */
	uint32_t update_samples;	/* [samples] update/retransmission interval; 0 → 400
					 * (50 ms at 8 kHz) */
	uint16_t max_duration;		/* [samples] segment length (§2.5.1.3); 0 → 0xFFFF */
	uint8_t end_count;		/* final packets per event or segment (§2.5.1.4); 0 → 3 */
};

/* An event packet to send: RTP marker and timestamp; SSRC, sequence number and PT come
 * from the audio stream whose sequence space it shares (rtp_packetiser_other()). */
struct te_pkt {
	uint32_t ts;		/* [samples] RTP timestamp: start of the event or segment */
	bool marker;		/* M: first packet of a new event (§2.5.1.1) */
	struct te_payload pl;
};

#define TE_TX_MAX_PKTS	8	/* most packets one te_tx_* call returns */

/*
 * The sender. Times are RTP timestamps ("now" is the end of the audio the caller has
 * accounted for), so durations are exact in the stream's clock.
 *  - start: the first packet (M set) carries the event's start timestamp and the duration
 *    so far; with duration 0 it waits for the first tick that has some.
 *  - updates: due every update_samples from the previous packet; with a caller ticking
 *    every 160 samples and a 400-sample interval they go out at 60/40 ms alternately,
 *    50 ms on average, each with the duration at the time it is sent.
 *  - end: the final duration with E, then end_count-1 retransmissions at the update
 *    interval. A new start first flushes retransmissions still pending, back to back.
 *  - long events (§2.5.1.3): past max_duration a packet reports max_duration without E
 *    (sent end_count times, as a segment's final packet), and a new segment starts at
 *    ts + max_duration without M.
 * Embed it in its owner; all state is in the struct.
 */
struct te_tx {
	struct te_tx_params p;
	bool active;		/* an event is in progress */
	bool sent;		/* a packet of the current event has been sent */
	uint8_t event;
	uint32_t seg_ts;	/* [samples] start of the current segment */
	uint32_t next_due;	/* [samples] next update */
	struct te_pkt final;	/* last final packet, for retransmission */
	uint8_t final_left;	/* retransmissions still to send */
	uint32_t final_due;	/* [samples] */
};

void te_tx_init(struct te_tx *s, const struct te_tx_params *p);

/* An event starts at timestamp ts; now ≥ ts. Packets to send go to out (TE_TX_MAX_PKTS
 * room); return how many. An event still active is ended at now first. */
unsigned te_tx_start(struct te_tx *s, uint8_t event, uint32_t ts, uint32_t now,
		     struct te_pkt *out);
/* The event ended at now. Return the packets to send (the first final packet). */
unsigned te_tx_stop(struct te_tx *s, uint32_t now, struct te_pkt *out);
/* Time has advanced to now: updates, segment ends, retransmissions that are due. */
unsigned te_tx_tick(struct te_tx *s, uint32_t now, struct te_pkt *out);

/* True while te_tx_tick() may have something to do (event active or retransmissions
 * pending): the caller need not tick otherwise. */
static inline bool te_tx_busy(const struct te_tx *s)
{
	return s->active || s->final_left;
}

/* ---- receiver (§2.5.2) ---- */

#define TE_RX_TIMEOUT_US 200000u	/* [µs] default: no packet this long ends an event */

struct te_rx_event {
	bool end;		/* false: event started; true: it ended */
	uint8_t event;
	uint8_t volume;		/* [-dBm0] of the last report */
	uint32_t duration;	/* [samples] on end: total over all segments */
	bool timed_out;		/* on end: no end packet arrived (lost): ended by timeout */
};

#define TE_RX_MAX_EVENTS 3	/* most events one te_rx_* call returns */

/*
 * The receiver. A new event is recognised by a new timestamp (§2.5.2.1), whatever the M
 * bit says, so a lost first packet costs only latency: the first update starts it.
 * Duplicates and retransmitted end packets (same timestamp as an event already ended)
 * and late packets (an older timestamp) are ignored; a report with duration 0 is ignored
 * (DTMF events are not states, §2.3.5). A packet of the same event whose timestamp lies
 * within or right at the end of the current segment continues the event (§2.5.1.3
 * segments). A different timestamp while an event is active ends it (its last reported
 * duration) and starts the new one. An event whose end packets are all lost ends when no
 * packet has arrived for timeout_us: te_rx_tick() reports it, with its last duration.
 * An SSRC change forgets the previous stream (ending its active event).
 */
struct te_rx {
	uint64_t timeout_us;
	bool active;		/* an event is in progress */
	bool have_last;		/* last_ts is valid */
	uint32_t ssrc;
	uint8_t event, volume;
	uint32_t seg_ts;	/* [samples] timestamp of the current segment */
	uint32_t seg_dur;	/* [samples] longest duration reported for it */
	uint32_t base;		/* [samples] duration of the previous segments */
	uint32_t last_ts;	/* timestamp of the last event (segment) that ended */
	uint64_t last_rx_us;	/* [µs] last packet of the active event */
};

/* timeout_us: 0 → TE_RX_TIMEOUT_US. */
void te_rx_init(struct te_rx *r, uint64_t timeout_us);

/* A packet arrived at now_us: its SSRC and timestamp and its decoded payload. Events go
 * to out (TE_RX_MAX_EVENTS room); return how many. */
unsigned te_rx_packet(struct te_rx *r, uint32_t ssrc, uint32_t ts, const struct te_payload *p,
		      uint64_t now_us, struct te_rx_event *out);
/* Time passed: the end of an event whose packets stopped (0 or 1 event). */
unsigned te_rx_tick(struct te_rx *r, uint64_t now_us, struct te_rx_event *out);

#endif
