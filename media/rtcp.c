/* RTCP compound packets (RFC 3550 §6) and receiver statistics (§A.1, §A.3). */
#include "media/rtcp.h"

#include <errno.h>
#include <string.h>

#define RTCP_VERSION	2
#define MIN_SEQUENTIAL	2	/* §A.1 */
#define MAX_DROPOUT	3000
#define MAX_MISORDER	100
#define RTP_SEQ_MOD	(1u << 16)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Common header (§6.4.1): V=2, P=0, count, PT, length in 32-bit words minus one. */
static void put_hdr(uint8_t *p, unsigned count, uint8_t pt, size_t len)
{
	p[0] = (uint8_t)(RTCP_VERSION << 6 | count);
	p[1] = pt;
	put16(p + 2, (uint16_t)(len / 4 - 1));
}

static void put_block(uint8_t *p, const struct rtcp_report_block *rb)
{
	uint32_t lost = (uint32_t)rb->lost & 0xffffff;

	put32(p, rb->ssrc);
	put32(p + 4, (uint32_t)rb->fraction << 24 | lost);
	put32(p + 8, rb->ext_max_seq);
	put32(p + 12, rb->jitter);
	put32(p + 16, rb->lsr);
	put32(p + 20, rb->dlsr);
}

int rtcp_build(const struct rtcp_build_params *p, uint8_t *buf, size_t size, size_t *lenp)
{
	size_t cn = 0, rlen, slen = 0, need;
	uint8_t *q;

	if (!p || !buf || !lenp)
		return EINVAL;
	if (p->cname) {
		cn = strlen(p->cname);
		if (cn > RTCP_CNAME_MAX)
			return EINVAL;
		/* header, SSRC, item type + length + text, ≥ 1 null octet to a word boundary */
		slen = 8 + ((2 + cn + 1 + 3) & ~(size_t)3);
	}
	rlen = (p->sr ? 28 : 8) + (p->rb ? 24 : 0);
	need = rlen + slen + (p->bye ? 8 : 0);
	if (need > size)
		return EMSGSIZE;

	q = buf;
	put_hdr(q, p->rb ? 1 : 0, p->sr ? RTCP_PT_SR : RTCP_PT_RR, rlen);
	put32(q + 4, p->ssrc);
	q += 8;
	if (p->sr) {
		put32(q, (uint32_t)(p->sr->ntp >> 32));
		put32(q + 4, (uint32_t)p->sr->ntp);
		put32(q + 8, p->sr->rtp_ts);
		put32(q + 12, p->sr->packets);
		put32(q + 16, p->sr->octets);
		q += 20;
	}
	if (p->rb) {
		put_block(q, p->rb);
		q += 24;
	}
	if (p->cname) {
		memset(q, 0, slen);
		put_hdr(q, 1, RTCP_PT_SDES, slen);
		put32(q + 4, p->ssrc);
		q[8] = RTCP_SDES_CNAME;
		q[9] = (uint8_t)cn;
		memcpy(q + 10, p->cname, cn);
		q += slen;
	}
	if (p->bye) {
		put_hdr(q, 1, RTCP_PT_BYE, 8);
		put32(q + 4, p->ssrc);
		q += 8;
	}
	*lenp = (size_t)(q - buf);
	return 0;
}

static void get_block(struct rtcp_report_block *rb, const uint8_t *p)
{
	uint32_t w = get32(p + 4);

	rb->ssrc = get32(p);
	rb->fraction = (uint8_t)(w >> 24);
	/* sign-extend the 24-bit count */
	rb->lost = (int32_t)((w & 0xffffff) ^ 0x800000) - 0x800000;
	rb->ext_max_seq = get32(p + 8);
	rb->jitter = get32(p + 12);
	rb->lsr = get32(p + 16);
	rb->dlsr = get32(p + 20);
}

/* SR or RR body at p (plen bytes after the common header, count blocks). */
static int parse_report(struct rtcp_info *info, const uint8_t *p, size_t plen, unsigned count,
			bool sr, bool first, uint32_t our_ssrc)
{
	size_t fixed = sr ? 24 : 4;

	if (plen < fixed + 24u * count)
		return EBADMSG;
	if (first) {
		info->ssrc = get32(p);
		info->sr = sr;
		if (sr) {
			info->si.ntp = (uint64_t)get32(p + 4) << 32 | get32(p + 8);
			info->si.rtp_ts = get32(p + 12);
			info->si.packets = get32(p + 16);
			info->si.octets = get32(p + 20);
		}
	}
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *b = p + fixed + 24u * i;

		if (!info->have_rb && get32(b) == our_ssrc) {
			get_block(&info->rb, b);
			info->have_rb = true;
		}
	}
	return 0;
}

int rtcp_parse(struct rtcp_info *info, const uint8_t *buf, size_t len, uint32_t our_ssrc)
{
	size_t off = 0;

	if (!info || (!buf && len))
		return EINVAL;
	memset(info, 0, sizeof(*info));
	if (len < 8)
		return EMSGSIZE;
	/* §A.2: the first packet is SR or RR, without padding. */
	if ((buf[0] >> 6) != RTCP_VERSION)
		return EPROTO;
	if (buf[1] != RTCP_PT_SR && buf[1] != RTCP_PT_RR)
		return EPROTO;
	if (buf[0] & 0x20)
		return EBADMSG;
	while (off < len) {
		const uint8_t *p = buf + off;
		size_t plen, body;
		unsigned count;
		int err;

		if (len - off < 4)
			return EMSGSIZE;
		if ((p[0] >> 6) != RTCP_VERSION)
			return EPROTO;
		plen = ((size_t)get16(p + 2) + 1) * 4;
		if (plen > len - off)
			return EMSGSIZE;
		count = p[0] & 0x1f;
		body = plen - 4;
		if (p[0] & 0x20) {
			/* padding: only in the last packet, count within it */
			uint8_t pad = buf[len - 1];

			if (off + plen != len || pad == 0 || pad > body)
				return EBADMSG;
			body -= pad;
		}
		err = 0;
		switch (p[1]) {
		case RTCP_PT_SR:
		case RTCP_PT_RR:
			err = parse_report(info, p + 4, body, count, p[1] == RTCP_PT_SR, off == 0,
					   our_ssrc);
			break;
		case RTCP_PT_BYE:
			for (unsigned i = 0; i < count && 4u * (i + 1) <= body; i++)
				if (get32(p + 4 + 4 * i) == info->ssrc)
					info->bye = true;
			break;
		default:	/* SDES, APP and others: not needed here */
			break;
		}
		if (err)
			return err;
		off += plen;
	}
	return 0;
}

int64_t rtcp_rtt(const struct rtcp_report_block *rb, uint64_t arrival_ntp)
{
	int32_t rtt;

	if (!rb || !rb->lsr)
		return -1;
	rtt = (int32_t)(rtcp_ntp_mid(arrival_ntp) - rb->lsr - rb->dlsr);
	return rtt < 0 ? -1 : rtt;
}

/* ---- §A.1 ---- */

static void init_seq(struct rtcp_source *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;	/* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

void rtcp_source_init(struct rtcp_source *s, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	init_seq(s, seq);
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = MIN_SEQUENTIAL;
}

bool rtcp_source_update(struct rtcp_source *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	/* Source is not valid until MIN_SEQUENTIAL packets with sequential sequence numbers
	 * have been received. */
	if (s->probation) {
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				return true;
			}
		} else {
			s->probation = MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	}
	if (udelta < MAX_DROPOUT) {
		/* in order, with permissible gap */
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;	/* wrapped */
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* the sequence number made a very large jump */
		if (seq == s->bad_seq) {
			/* Two sequential packets: assume the other side restarted without
			 * telling us, so just re-sync (i.e. pretend this was the first). */
			init_seq(s, seq);
		} else {
			s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
			return false;
		}
	} else {
		/* duplicate or reordered packet */
	}
	s->received++;
	return true;
}

static uint32_t ext_max(const struct rtcp_source *s)
{
	return s->cycles + s->max_seq;
}

int64_t rtcp_source_lost(const struct rtcp_source *s)
{
	int64_t expected = (int64_t)ext_max(s) - s->base_seq + 1;

	return expected - s->received;
}

/* §A.3 */
void rtcp_source_report(struct rtcp_source *s, struct rtcp_report_block *rb)
{
	uint32_t expected = ext_max(s) - s->base_seq + 1;
	int64_t lost = rtcp_source_lost(s);
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	int64_t lost_interval = (int64_t)expected_interval - received_interval;

	/* clamp at 0x7fffff for positive loss and 0x800000 for negative loss */
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	else if (lost < -0x800000)
		lost = -0x800000;
	rb->lost = (int32_t)lost;
	s->expected_prior = expected;
	s->received_prior = s->received;
	if (expected_interval == 0 || lost_interval <= 0)
		rb->fraction = 0;
	else if (lost_interval >= expected_interval)
		rb->fraction = 255;	/* all lost: 256/256 does not fit the octet */
	else
		rb->fraction = (uint8_t)(((uint64_t)lost_interval << 8) / expected_interval);
	rb->ext_max_seq = ext_max(s);
}
