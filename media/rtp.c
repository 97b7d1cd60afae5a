/* RTP header encode/decode and packetiser (RFC 3550 §5.1, §5.3.1). */
#include "media/rtp.h"

#include <errno.h>
#include <string.h>

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t rtp_peek_ssrc(const uint8_t *buf)
{
	return get32(buf + 8);
}

int rtp_decode(struct rtp_hdr *h, const uint8_t *buf, size_t len, const uint8_t **payload,
	       size_t *plen)
{
	size_t off, end = len;

	if (!h || !buf || !payload || !plen)
		return EINVAL;
	if (len < RTP_HDR_LEN)
		return EMSGSIZE;
	if (buf[0] >> 6 != RTP_VERSION)
		return EPROTO;
	h->cc = buf[0] & 0x0F;
	h->ext = buf[0] & 0x10;
	h->marker = buf[1] & 0x80;
	h->pt = buf[1] & 0x7F;
	h->seq = get16(buf + 2);
	h->ts = get32(buf + 4);
	h->ssrc = get32(buf + 8);
	off = RTP_HDR_LEN;
	if (len - off < 4u * h->cc)
		return EMSGSIZE;
	for (unsigned i = 0; i < h->cc; i++, off += 4)
		h->csrc[i] = get32(buf + off);
	h->ext_profile = 0;
	h->ext_words = 0;
	h->ext_data = NULL;
	if (h->ext) {
		/* §5.3.1: 16-bit profile field, 16-bit length in words, then the data. */
		if (len - off < 4)
			return EMSGSIZE;
		h->ext_profile = get16(buf + off);
		h->ext_words = get16(buf + off + 2);
		off += 4;
		if (len - off < 4u * h->ext_words)
			return EMSGSIZE;
		h->ext_data = buf + off;
		off += 4u * h->ext_words;
	}
	h->pad_len = 0;
	if (buf[0] & 0x20) {
		/* §5.1: the last octet counts the padding octets, itself included. */
		uint8_t n = buf[len - 1];

		if (n == 0 || n > len - off)
			return EBADMSG;
		h->pad_len = n;
		end -= n;
	}
	*payload = buf + off;
	*plen = end - off;
	return 0;
}

size_t rtp_hdr_len(const struct rtp_hdr *h)
{
	return RTP_HDR_LEN + 4u * h->cc + (h->ext ? 4u + 4u * h->ext_words : 0);
}

int rtp_encode(const struct rtp_hdr *h, const uint8_t *payload, size_t plen, uint8_t *buf,
	       size_t size, size_t *lenp)
{
	size_t off, total;

	if (!h || !buf || !lenp || h->cc > RTP_MAX_CSRC || h->pt > 127 ||
	    (plen && !payload) || (h->ext && h->ext_words && !h->ext_data))
		return EINVAL;
	off = rtp_hdr_len(h);
	total = off + plen + h->pad_len;
	if (total > size)
		return EMSGSIZE;
	if (payload != buf + off && plen)
		memmove(buf + off, payload, plen);
	buf[0] = (uint8_t)(RTP_VERSION << 6 | (h->pad_len ? 0x20 : 0) | (h->ext ? 0x10 : 0) |
			   h->cc);
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
	put16(buf + 2, h->seq);
	put32(buf + 4, h->ts);
	put32(buf + 8, h->ssrc);
	for (unsigned i = 0; i < h->cc; i++)
		put32(buf + RTP_HDR_LEN + 4 * i, h->csrc[i]);
	if (h->ext) {
		uint8_t *e = buf + RTP_HDR_LEN + 4u * h->cc;

		put16(e, h->ext_profile);
		put16(e + 2, h->ext_words);
		if (h->ext_words)
			memcpy(e + 4, h->ext_data, 4u * h->ext_words);
	}
	if (h->pad_len) {
		memset(buf + off + plen, 0, h->pad_len - 1u);
		buf[total - 1] = h->pad_len;
	}
	*lenp = total;
	return 0;
}

void rtp_packetiser_init(struct rtp_packetiser *p, uint8_t pt, uint32_t ssrc, uint16_t seq0,
			 uint32_t ts0)
{
	p->ssrc = ssrc;
	p->seq = seq0;
	p->ts = ts0;
	p->pt = pt & 0x7F;
	p->talkspurt = true;
}

static void write_fixed(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
			uint32_t ssrc)
{
	buf[0] = RTP_VERSION << 6;
	buf[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7F));
	put16(buf + 2, seq);
	put32(buf + 4, ts);
	put32(buf + 8, ssrc);
}

size_t rtp_packetiser_next(struct rtp_packetiser *p, uint8_t *buf, uint32_t samples)
{
	write_fixed(buf, p->pt, p->talkspurt, p->seq, p->ts, p->ssrc);
	p->talkspurt = false;
	p->seq++;
	p->ts += samples;
	return RTP_HDR_LEN;
}

size_t rtp_packetiser_other(struct rtp_packetiser *p, uint8_t *buf, uint8_t pt, uint32_t ts,
			    bool marker)
{
	write_fixed(buf, pt, marker, p->seq, ts, p->ssrc);
	p->seq++;
	return RTP_HDR_LEN;
}

void rtp_packetiser_skip(struct rtp_packetiser *p, uint32_t samples)
{
	p->ts += samples;
	p->talkspurt = true;
}
