/* A media channel's packet transport: what turns the pipeline's RTP packets (and the
 * engine's RTCP reports) into datagrams for the wire and back. Plain RTP over UDP
 * (transport_rtp.c), or SRTP/SRTCP (RFC 3711, transport_srtp.c), which encrypts and
 * authenticates in seal/open, keeping the same packets on either side. The transport does
 * no I/O: the engine owns the sockets and moves the bytes. */
#ifndef STROWGER_MEDIA_TRANSPORT_H
#define STROWGER_MEDIA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rtp.h"
#include "media/te.h"

/* [bytes] most any seal() appends: libsrtp2's SRTP_MAX_TRAILER_LEN (tag + MKI), + 4 for
 * SRTCP's E-flag and index (RFC 3711 §3.4); transport_srtp.c checks it. */
#define TRANSPORT_MAX_OVERHEAD 148

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
	 * EPROTONOSUPPORT for a payload type not accepted, EACCES for a packet that failed
	 * authentication (tampered, or another key), EALREADY for a replayed one (RFC 3711
	 * §3.3.2), or another errno value for a malformed packet (all: count it and drop it). */
	int (*open)(struct media_transport *t, uint8_t *pkt, size_t len, struct media_rx *rx);
	/* The same for one compound RTCP packet (SRTCP, RFC 3711 §3.4): seal in place with
	 * cap bytes of room; open in place, *len becomes the plain packet's length. */
	int (*seal_rtcp)(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap);
	int (*open_rtcp)(struct media_transport *t, uint8_t *pkt, size_t *len);
	/* Release what the transport holds (its keys wiped) and the transport itself, when
	 * it was allocated (SRTP); the embedded plain RTP one has nothing to free. */
	void (*free)(struct media_transport *t);
};

/* Plain RTP is embedded in its channel; a variant with state (SRTP keys) is allocated with
 * this struct first and its state after. */
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

/* Why open() refused a packet, for a log line: "an unexpected payload type"... */
const char *transport_strerror(int err);

/* SRTP (RFC 3711) keyed by SDES (RFC 4568); see engine.h media_srtp_params. Return 0,
 * EINVAL (suite), ENOMEM, or EIO (libsrtp2 refused the keys). */
struct media_srtp_params;
extern const struct media_transport_ops transport_srtp_ops;
int transport_srtp_alloc(struct media_transport **tp, const struct media_transport_pts *pts,
			 const struct media_srtp_params *p);
/* Does t (an SRTP transport) run with exactly these keys? (A re-offer with the same key
 * keeps the session: RFC 4568 §7.1.4; its rollover counter and replay list go on.) */
bool transport_srtp_same(const struct media_transport *t, const struct media_srtp_params *p);

#endif
