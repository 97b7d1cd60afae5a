/* A media channel's packet transport: what turns the pipeline's RTP packets into datagrams
 * for the wire and back. Plain RTP over UDP today (transport_rtp.c); SRTP (RFC 3711) will
 * encrypt and authenticate in seal/open, keeping the same packets on either side. The
 * transport does no I/O: the engine owns the sockets and moves the bytes. */
#ifndef STROWGER_MEDIA_TRANSPORT_H
#define STROWGER_MEDIA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rtp.h"
#include "media/te.h"

#define TRANSPORT_MAX_OVERHEAD 16	/* [bytes] most any seal() appends (SRTP auth tag) */

enum media_rx_kind {
	MEDIA_RX_AUDIO,		/* the stream's audio payload type */
	MEDIA_RX_EVENT,		/* RFC 4733 telephone-event, decoded into tev */
};

/* One received packet, opened and parsed. pl points into the caller's buffer. */
struct media_rx {
	enum media_rx_kind kind;
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t plen;			/* [bytes] */
	struct te_payload tev;		/* MEDIA_RX_EVENT */
};

/* Which payload types a transport accepts (set at add, changed by modify). */
struct media_transport_pts {
	uint8_t pt;			/* audio */
	int rx_te_pt;			/* telephone-event; ≤ 0: none */
};

struct media_transport;

struct media_transport_ops {
	const char *name;
	/* A packet built by the pipeline (len bytes in pkt, cap bytes of room) made ready
	 * for the wire, in place. Return 0, or an errno value: do not send it. */
	int (*seal)(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap);
	/* A datagram from the wire: check, open in place and parse into *rx. Return 0,
	 * EPROTONOSUPPORT for a payload type not accepted, or another errno value for a
	 * malformed packet (both: count it and drop it). */
	int (*open)(struct media_transport *t, uint8_t *pkt, size_t len, struct media_rx *rx);
};

/* Embedded in its channel; a variant with state (SRTP keys) adds it after these fields. */
struct media_transport {
	const struct media_transport_ops *ops;
	struct media_transport_pts pts;
};

/* Plain RTP (RFC 3550) over UDP. */
extern const struct media_transport_ops transport_rtp_ops;
void transport_rtp_init(struct media_transport *t, const struct media_transport_pts *pts);

/* The parsing every RTP-based transport shares, after it unprotected the packet: RTP
 * header checks (RFC 3550 §A.1), payload type against pts, RFC 4733 payload decoding. */
int transport_rtp_parse(const struct media_transport_pts *pts, const uint8_t *pkt, size_t len,
			struct media_rx *rx);

#endif
