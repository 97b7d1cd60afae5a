/* T.38 image stream attributes in SDP (ITU-T T.38 Annex D): read, answer, write. */
#include "sip/sdp_t38.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define T38_DEF_BITRATE  14400	/* [bit/s] V.17, the fastest SpanDSP's gateway runs */
#define T38_DEF_BUFFER   2000	/* [octets] */
#define T38_DEF_DATAGRAM 400	/* [octets] room for a primary and its redundancy */
#define T38_MAX_VERSION  3

enum attr {
	A_VERSION, A_BITRATE, A_RATE, A_BUFFER, A_DATAGRAM, A_EC, A_FILL, A_MMR, A_JBIG, A_NONE
};

static const char *const attr_names[] = {
	[A_VERSION] = "T38FaxVersion",
	[A_BITRATE] = "T38MaxBitRate",	/* also seen as T38maxBitRate: names ignore case */
	[A_RATE] = "T38FaxRateManagement",
	[A_BUFFER] = "T38FaxMaxBuffer",
	[A_DATAGRAM] = "T38FaxMaxDatagram",
	[A_EC] = "T38FaxUdpEC",
	[A_FILL] = "T38FaxFillBitRemoval",
	[A_MMR] = "T38FaxTranscodingMMR",
	[A_JBIG] = "T38FaxTranscodingJBIG",
};

static const char *const ec_names[] = {
	[SDP_T38_EC_NONE] = "t38UDPNoEC",
	[SDP_T38_EC_REDUNDANCY] = "t38UDPRedundancy",
	[SDP_T38_EC_FEC] = "t38UDPFEC",
};

const char *sdp_t38_ec_name(enum sdp_t38_ec ec)
{
	return (unsigned)ec < 3 ? ec_names[ec] : "?";
}

/* A decimal value of at most 9 digits filling [p, end). */
static int number(const char *p, const char *end, unsigned *v)
{
	unsigned x = 0;

	if (p == end || end - p > 9)
		return EBADMSG;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return EBADMSG;
		x = x * 10 + (unsigned)(*p - '0');
	}
	*v = x;
	return 0;
}

static bool word_is(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) == n && strncasecmp(p, w, n) == 0;
}

/* One "a=name[:value]" line body [p, end). Unknown names are not ours: 0. */
static int attr_line(struct sdp_t38 *t, const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *nend = colon ? colon : end, *v = colon ? colon + 1 : end;
	enum attr a;
	unsigned x;

	while (v < end && *v == ' ')
		v++;
	while (end > v && end[-1] == ' ')
		end--;
	for (a = 0; a < A_NONE; a++)
		if (word_is(p, nend, attr_names[a]))
			break;
	switch (a) {
	case A_VERSION:
		if (number(v, end, &x) || x > 255)
			return EBADMSG;
		t->version = x;
		return 0;
	case A_BITRATE:
		return number(v, end, &t->max_bitrate);
	case A_BUFFER:
		return number(v, end, &t->max_buffer);
	case A_DATAGRAM:
		return number(v, end, &t->max_datagram);
	case A_RATE:
		if (word_is(v, end, "transferredTCF"))
			t->rate_mgmt = SDP_T38_TRANSFERRED_TCF;
		else if (word_is(v, end, "localTCF"))
			t->rate_mgmt = SDP_T38_LOCAL_TCF;
		else
			return EBADMSG;
		return 0;
	case A_EC:
		for (unsigned e = 0; e < 3; e++)
			if (word_is(v, end, ec_names[e])) {
				t->ec = (enum sdp_t38_ec)e;
				return 0;
			}
		return EBADMSG;
	case A_FILL:
	case A_MMR:
	case A_JBIG: {
		/* Annex D: present means true; ":0"/":1" are common in the field. */
		bool on = !(v < end) || !word_is(v, end, "0");
		bool *f = a == A_FILL ? &t->fill_bit_removal :
			  a == A_MMR ? &t->transcoding_mmr : &t->transcoding_jbig;

		*f = on;
		return 0;
	}
	default:
		return 0;
	}
}

/* "image PORT[/n] udptl t38": the m= line body after "m=". */
static bool is_t38_mline(const char *p, const char *end)
{
	const char *w[4];
	size_t wl[4];
	unsigned n = 0;

	while (p < end && n < 4) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		w[n] = p;
		while (p < end && *p != ' ')
			p++;
		wl[n] = (size_t)(p - w[n]);
		n++;
	}
	while (p < end && *p == ' ')
		p++;
	return n == 4 && p == end && word_is(w[0], w[0] + wl[0], "image") &&
	       word_is(w[2], w[2] + wl[2], "udptl") && word_is(w[3], w[3] + wl[3], "t38");
}

int sdp_t38_parse(struct sdp_t38 *t, const char *text, size_t len, unsigned stream)
{
	const char *p = text, *end = text + len;
	unsigned m = 0;
	bool in = false, found = false;

	if (!t || !text)
		return EINVAL;
	memset(t, 0, sizeof(*t));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end, *le = eol ? eol : end;
		int ret;

		if (le > p && le[-1] == '\r')
			le--;
		if (le - p >= 2 && p[0] == 'm' && p[1] == '=') {
			in = m++ == stream;
			if (in) {
				if (!is_t38_mline(p + 2, le))
					return ENOTSUP;
				found = true;
			}
		} else if (in && le - p >= 2 && p[0] == 'a' && p[1] == '=') {
			ret = attr_line(t, p + 2, le);
			if (ret)
				return ret;
		}
		p = next;
	}
	return found ? 0 : ENOENT;
}

static unsigned or_default(unsigned v, unsigned def)
{
	return v ? v : def;
}

void sdp_t38_offer(const struct sdp_t38_local *l, struct sdp_t38 *o)
{
	memset(o, 0, sizeof(*o));
	o->version = l->max_version > T38_MAX_VERSION ? T38_MAX_VERSION : l->max_version;
	o->max_bitrate = or_default(l->max_bitrate, T38_DEF_BITRATE);
	o->rate_mgmt = SDP_T38_TRANSFERRED_TCF;	/* T.38 §9: the UDP choice */
	o->max_buffer = or_default(l->max_buffer, T38_DEF_BUFFER);
	o->max_datagram = or_default(l->max_datagram, T38_DEF_DATAGRAM);
	o->ec = l->send_fec ? SDP_T38_EC_FEC :
		l->no_redundancy ? SDP_T38_EC_NONE : SDP_T38_EC_REDUNDANCY;
}

int sdp_t38_answer(const struct sdp_t38 *offer, const struct sdp_t38_local *local,
		   struct sdp_t38 *ans)
{
	struct sdp_t38 ours;

	if (!offer || !local || !ans || offer->version > T38_MAX_VERSION)
		return EINVAL;
	sdp_t38_offer(local, &ours);
	*ans = ours;
	/* The answer may lower the version and the bit rate, never raise them. */
	if (offer->version < ours.version)
		ans->version = offer->version;
	if (offer->max_bitrate && offer->max_bitrate < ours.max_bitrate)
		ans->max_bitrate = offer->max_bitrate;
	/* Rate management is the offerer's choice, echoed. */
	ans->rate_mgmt = offer->rate_mgmt;
	/* Error correction: the offered one, or the next we can send (FEC → redundancy). */
	ans->ec = offer->ec;
	if (ans->ec == SDP_T38_EC_FEC && !local->send_fec)
		ans->ec = SDP_T38_EC_REDUNDANCY;
	if (ans->ec == SDP_T38_EC_REDUNDANCY && local->no_redundancy)
		ans->ec = SDP_T38_EC_NONE;
	/* SpanDSP's gateway does none of the three: they are answered false. */
	ans->fill_bit_removal = ans->transcoding_mmr = ans->transcoding_jbig = false;
	return 0;
}

int sdp_t38_format(const struct sdp_t38 *t, unsigned port, char *buf, size_t size,
		   size_t *lenp)
{
	static const char *const rate[] = { "transferredTCF", "localTCF" };
	int n;

	if (!t || !buf || port > 65535 || (unsigned)t->rate_mgmt > 1 || (unsigned)t->ec > 2)
		return EINVAL;
	if (port == 0)
		n = snprintf(buf, size, "m=image 0 udptl t38\r\n");
	else
		n = snprintf(buf, size,
			     "m=image %u udptl t38\r\n"
			     "a=T38FaxVersion:%u\r\n"
			     "a=T38MaxBitRate:%u\r\n"
			     "a=T38FaxRateManagement:%s\r\n"
			     "a=T38FaxMaxBuffer:%u\r\n"
			     "a=T38FaxMaxDatagram:%u\r\n"
			     "a=T38FaxUdpEC:%s\r\n"
			     "%s%s%s",
			     port, t->version, t->max_bitrate, rate[t->rate_mgmt], t->max_buffer,
			     t->max_datagram, ec_names[t->ec],
			     t->fill_bit_removal ? "a=T38FaxFillBitRemoval\r\n" : "",
			     t->transcoding_mmr ? "a=T38FaxTranscodingMMR\r\n" : "",
			     t->transcoding_jbig ? "a=T38FaxTranscodingJBIG\r\n" : "");
	if (n < 0 || (size_t)n >= size)
		return ENOSPC;
	if (lenp)
		*lenp = (size_t)n;
	return 0;
}
