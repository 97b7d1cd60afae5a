/* The T.38 gateway stage (ITU-T T.38): fax audio on the B-channel ⇄ IFP packets in UDPTL
 * datagrams. SpanDSP's t38_gateway demodulates and remodulates (V.17, V.29, V.27ter; ECM as
 * allowed); media/udptl numbers, protects and recovers the IFP packets; a t30_observe reads
 * the T.30 control frames of both directions for the fax report. I/O-free: audio, datagrams
 * and the time in; datagrams out through send_h, audio out from to_tdm. */
#ifndef STROWGER_MEDIA_STAGE_T38GW_H
#define STROWGER_MEDIA_STAGE_T38GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/engine.h"
#include "media/t30_observe.h"

#define STAGE_T38GW_FRAME	160	/* [samples] 20 ms at 8 kHz */
#define STAGE_T38GW_DATAGRAM	1500	/* [octets] largest datagram sent or taken */
#define STAGE_T38GW_MAX_DATAGRAM_DEFAULT 400	/* [octets] when the peer named none */

/* One datagram to the peer. Return 0 or an errno value (counted as a send failure). */
typedef int (stage_t38gw_send_h)(void *arg, const uint8_t *dg, size_t len);

struct t38_gateway_state_s;
struct udptl;

struct stage_t38gw {
	struct t38_gateway_state_s *gw;
	struct udptl *u;
	stage_t38gw_send_h *send_h;
	void *arg;
	struct media_t38_params p;
	uint64_t last_rx_us;		/* [µs] last datagram taken */
	bool held;			/* datagrams since the last flush: a gap may be held */
	uint64_t sent, send_failed;	/* datagrams */
	uint64_t now;			/* [µs] the caller's time, for the tail repeats */
	/* The datagram that ended a burst, sent again every 20 ms a few times while nothing
	 * follows it (no later datagram carries it as redundancy). */
	unsigned tail_left;
	uint64_t tail_due;		/* [µs] */
	size_t tail_len;
	struct t30_observe obs;
	uint8_t tail[STAGE_T38GW_DATAGRAM];
};

/* Start a session with fresh state (p: as media_t38_params; max_datagram 0 → 400,
 * redundancies capped at UDPTL_MAX_REDUNDANCY). Return 0, EINVAL or ENOMEM. */
int stage_t38gw_init(struct stage_t38gw *s, const struct media_t38_params *p,
		     stage_t38gw_send_h *send_h, void *arg);
void stage_t38gw_release(struct stage_t38gw *s);
/* The peer's T38FaxMaxDatagram changed (a re-INVITE that keeps the session). */
void stage_t38gw_set_max_datagram(struct stage_t38gw *s, unsigned max_datagram);
/* Whether p describes the session that runs (a refresh keeps it; anything else restarts). */
bool stage_t38gw_same(const struct stage_t38gw *s, const struct media_t38_params *p);

/* One B-channel frame (160 linear samples) at now [µs]; IFP packets leave through send_h. */
void stage_t38gw_from_tdm(struct stage_t38gw *s, const int16_t *in, uint64_t now);
/* The frame to play to the B-channel now (always 160 samples: silence when idle). */
void stage_t38gw_to_tdm(struct stage_t38gw *s, int16_t *out, uint64_t now);
/* One datagram from the peer. Return 0, or EBADMSG (malformed: counted and dropped). */
int stage_t38gw_from_net(struct stage_t38gw *s, const uint8_t *dg, size_t len, uint64_t now);

/* The fax so far: the T.30 observer's view and the UDPTL counters (valid, t38 set). */
void stage_t38gw_report(const struct stage_t38gw *s, struct media_fax_report *r);

#endif
