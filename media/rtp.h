/* RTP fixed header encode/decode and a packetiser (RFC 3550 §5.1, §5.3.1). I/O-free. */
#ifndef STROWGER_MEDIA_RTP_H
#define STROWGER_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION	2
#define RTP_HDR_LEN	12	/* [bytes] fixed header */
#define RTP_MAX_CSRC	15

/* A decoded (or to-be-encoded) RTP header. On decode, ext_data points into the packet. */
struct rtp_hdr {
	bool marker;
	uint8_t pt;			/* payload type 0..127 */
	uint16_t seq;
	uint32_t ts;			/* [samples of the payload clock] */
	uint32_t ssrc;
	uint8_t cc;			/* CSRC count 0..15 */
	uint32_t csrc[RTP_MAX_CSRC];
	bool ext;			/* X: a header extension follows the CSRCs (§5.3.1) */
	uint16_t ext_profile;		/* "defined by profile" field */
	uint16_t ext_words;		/* [32-bit words] extension length, excluding its header */
	const uint8_t *ext_data;	/* ext_words*4 bytes */
	uint8_t pad_len;		/* [bytes] P: padding at the end, including its count byte */
};

/*
 * Decode and validate the packet buf (len bytes). On success fill *h, and point
 * *payload and *plen at the payload (padding removed). Never reads outside buf.
 * Return 0, or:
 *   EMSGSIZE  truncated: shorter than the fixed header, CSRC list or extension
 *   EPROTO    version is not 2
 *   EBADMSG   padding count of 0 or larger than what follows the header
 */
int rtp_decode(struct rtp_hdr *h, const uint8_t *buf, size_t len, const uint8_t **payload,
	       size_t *plen);

/* The SSRC of a packet of at least RTP_HDR_LEN bytes, before any validation (SRTP leaves
 * the header in the clear, RFC 3711 §3.1). */
uint32_t rtp_peek_ssrc(const uint8_t *buf);

/*
 * Encode h followed by plen bytes of payload (and h->pad_len bytes of padding if non-zero)
 * into buf of size bytes; *lenp gets the packet length. payload may already sit at
 * buf + rtp_hdr_len(h) (then it is not copied). Return 0, EINVAL (bad cc/pt) or EMSGSIZE.
 */
int rtp_encode(const struct rtp_hdr *h, const uint8_t *payload, size_t plen, uint8_t *buf,
	       size_t size, size_t *lenp);

/* Bytes taken by the header h (fixed part, CSRCs and extension). */
size_t rtp_hdr_len(const struct rtp_hdr *h);

/* Serial-number difference a - b in the 16-bit sequence space (RFC 1982): > 0 if a is later. */
static inline int16_t rtp_seq_diff(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b);
}

/*
 * A sending stream: keeps SSRC, sequence number and timestamp (all initial values passed
 * in, normally random, RFC 3550 §5.1) and sets the marker bit on the first packet of a
 * talkspurt (RFC 3551 §4.1). Embed it in its owner.
 */
struct rtp_packetiser {
	uint32_t ssrc;
	uint16_t seq;			/* of the next packet */
	uint32_t ts;			/* [samples] timestamp of the next packet's first sample */
	uint8_t pt;
	bool talkspurt;			/* next packet starts a talkspurt: set M */
};

void rtp_packetiser_init(struct rtp_packetiser *p, uint8_t pt, uint32_t ssrc, uint16_t seq0,
			 uint32_t ts0);

/* Write the 12-byte header of the next audio packet carrying `samples` samples to buf, then
 * advance seq by 1 and ts by samples. Return the header length (RTP_HDR_LEN). */
size_t rtp_packetiser_next(struct rtp_packetiser *p, uint8_t *buf, uint32_t samples);

/* Write the 12-byte header of a packet with its own pt/ts/marker (e.g. an RFC 4733 event
 * sharing the stream's sequence space); advance seq only. Return RTP_HDR_LEN. */
size_t rtp_packetiser_other(struct rtp_packetiser *p, uint8_t *buf, uint8_t pt, uint32_t ts,
			    bool marker);

/* `samples` are not sent (silence suppression, or audio replaced by events): advance the
 * timestamp and mark the next audio packet as a talkspurt start. */
void rtp_packetiser_skip(struct rtp_packetiser *p, uint32_t samples);

/* Mark the next audio packet as the start of a talkspurt. */
static inline void rtp_packetiser_talkspurt(struct rtp_packetiser *p)
{
	p->talkspurt = true;
}

#endif
