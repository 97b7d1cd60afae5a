/* SDP text -> struct sdp_desc through Sofia-SIP's parser (RFC 4566), plus shared helpers. */
#include "sip/sdp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sdp.h>

#include "common/log.h"

/* Bodies larger than this are refused before Sofia sees them; a gateway's SDP is < 2 KB. */
#define SDP_PARSE_MAX 65536

static const struct {
	const char *name;
	int errnum;
} errcodes[SDP_E_COUNT] = {
	[SDP_E_NONE]        = { "SDP_E_NONE", 0 },
	[SDP_E_SYNTAX]      = { "SDP_E_SYNTAX", EBADMSG },
	[SDP_E_NO_CONN]     = { "SDP_E_NO_CONN", EBADMSG },
	[SDP_E_BAD_ADDR]    = { "SDP_E_BAD_ADDR", EBADMSG },
	[SDP_E_BAD_PORT]    = { "SDP_E_BAD_PORT", EBADMSG },
	[SDP_E_TOO_MANY]    = { "SDP_E_TOO_MANY", EBADMSG },
	[SDP_E_NO_AUDIO]    = { "SDP_E_NO_AUDIO", ENOTSUP },
	[SDP_E_NO_CODEC]    = { "SDP_E_NO_CODEC", ENOTSUP },
	[SDP_E_REJECTED]    = { "SDP_E_REJECTED", ENOTSUP },
	[SDP_E_MCOUNT]      = { "SDP_E_MCOUNT", EPROTO },
	[SDP_E_NOT_OFFERED] = { "SDP_E_NOT_OFFERED", EPROTO },
	[SDP_E_STATE]       = { "SDP_E_STATE", EBUSY },
	[SDP_E_NOSPACE]     = { "SDP_E_NOSPACE", ENOSPC },
	[SDP_E_INVAL]       = { "SDP_E_INVAL", EINVAL },
	[SDP_E_NO_CRYPTO]   = { "SDP_E_NO_CRYPTO", ENOTSUP },
};

const char *sdp_errcode_name(enum sdp_errcode code)
{
	return (unsigned)code < SDP_E_COUNT ? errcodes[code].name : "?";
}

int sdp_fail(struct sdp_error *err, enum sdp_errcode code, const char *fmt, ...)
{
	STROWGER_ASSERT((unsigned)code < SDP_E_COUNT);
	if (err) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errcodes[code].errnum;
}

/* --- directions ------------------------------------------------------------------------ */

static const char *const dir_names[] = {
	[SDP_DIR_SENDRECV] = "sendrecv", [SDP_DIR_SENDONLY] = "sendonly",
	[SDP_DIR_RECVONLY] = "recvonly", [SDP_DIR_INACTIVE] = "inactive",
};

const char *sdp_dir_name(enum sdp_dir dir)
{
	return (unsigned)dir <= SDP_DIR_INACTIVE ? dir_names[dir] : "?";
}

unsigned sdp_dir_bits(enum sdp_dir dir)
{
	switch (dir) {
	case SDP_DIR_SENDRECV: return SDP_BIT_SEND | SDP_BIT_RECV;
	case SDP_DIR_SENDONLY: return SDP_BIT_SEND;
	case SDP_DIR_RECVONLY: return SDP_BIT_RECV;
	case SDP_DIR_INACTIVE: return 0;
	}
	return 0;
}

enum sdp_dir sdp_dir_from_bits(unsigned bits)
{
	switch (bits & (SDP_BIT_SEND | SDP_BIT_RECV)) {
	case SDP_BIT_SEND | SDP_BIT_RECV: return SDP_DIR_SENDRECV;
	case SDP_BIT_SEND: return SDP_DIR_SENDONLY;
	case SDP_BIT_RECV: return SDP_DIR_RECVONLY;
	default: return SDP_DIR_INACTIVE;
	}
}

unsigned sdp_dir_bits_reverse(unsigned bits)
{
	return ((bits & SDP_BIT_SEND) ? SDP_BIT_RECV : 0) |
	       ((bits & SDP_BIT_RECV) ? SDP_BIT_SEND : 0);
}

/* Return 1 and set *dir if name is a direction attribute (RFC 4566 §6). */
static int dir_attr(const char *name, enum sdp_dir *dir)
{
	for (unsigned i = 0; i <= SDP_DIR_INACTIVE; i++) {
		if (!strcasecmp(name, dir_names[i])) {
			*dir = (enum sdp_dir)i;
			return 1;
		}
	}
	return 0;
}

/* --- telephone-event lists (RFC 4733 §2.4.1) --------------------------------------------- */

static void ev_set(struct sdp_events *ev, unsigned e)
{
	ev->map[e / 8] |= (uint8_t)(1u << (e % 8));
}

static int ev_has(const struct sdp_events *ev, unsigned e)
{
	return (ev->map[e / 8] >> (e % 8)) & 1;
}

/* An event number 0..255 at *s; advance *s. */
static int ev_number(const char **s, unsigned *out)
{
	const char *p = *s;
	unsigned v = 0;

	if (*p < '0' || *p > '9')
		return EINVAL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > 255)
			return EINVAL;
		p++;
	}
	*s = p;
	*out = v;
	return 0;
}

int sdp_events_parse(struct sdp_events *ev, const char *text)
{
	const char *p = text;

	memset(ev, 0, sizeof(*ev));
	if (!p)
		return EINVAL;
	for (;;) {
		unsigned lo, hi;

		while (*p == ' ')
			p++;
		if (ev_number(&p, &lo))
			return EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (ev_number(&p, &hi) || hi < lo)
				return EINVAL;
		}
		for (unsigned e = lo; e <= hi; e++)
			ev_set(ev, e);
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return EINVAL;
	}
}

void sdp_events_format(const struct sdp_events *ev, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned e = 0; e < 256; e++) {
		unsigned hi = e;
		int n;

		if (!ev_has(ev, e))
			continue;
		while (hi < 255 && ev_has(ev, hi + 1))
			hi++;
		if (hi == e)
			n = snprintf(buf + len, size - len, "%s%u", len ? "," : "", e);
		else
			n = snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", e, hi);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = '\0';	/* cut at the last whole item */
			return;
		}
		len += (size_t)n;
		e = hi;
	}
}

int sdp_events_intersect(struct sdp_events *a, const struct sdp_events *b)
{
	int any = 0;

	for (unsigned i = 0; i < sizeof(a->map); i++) {
		a->map[i] &= b->map[i];
		any |= a->map[i] != 0;
	}
	return any;
}

/* --- parsing ------------------------------------------------------------------------------ */

static void copy_str(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src ? src : "");
}

/* Append a format token to an m= line's list, dropping tokens that no longer fit. */
static void fmts_add(char *fmts, const char *tok)
{
	size_t len = strlen(fmts), n = strlen(tok);

	if (len + (len ? 1 : 0) + n + 1 > SDP_FMTS_MAX)
		return;
	if (len)
		fmts[len++] = ' ';
	memcpy(fmts + len, tok, n + 1);
}

static enum sdp_kind kind_of(const sdp_media_t *m)
{
	switch (m->m_type) {
	case sdp_media_audio: return SDP_KIND_AUDIO;
	case sdp_media_video: return SDP_KIND_VIDEO;
	case sdp_media_image: return SDP_KIND_IMAGE;
	default: return SDP_KIND_OTHER;
	}
}

/* Validate the c= that applies to stream number idx (1-based in messages) and fill it in:
 * a unicast IPv4/IPv6 literal matching its address type. RFC 4566 allows an FQDN; the media
 * layer needs an address, and no SBC we meet sends names. */
static int conn_apply(struct sdp_stream *st, const sdp_connection_t *c, unsigned idx,
		      struct sdp_error *err)
{
	unsigned char bin[16];
	const char *a = c->c_address;

	if (!a || !*a)
		return sdp_fail(err, SDP_E_BAD_ADDR, "m= line %u: c= without an address", idx);
	if (c->c_nettype != sdp_net_in)
		return sdp_fail(err, SDP_E_BAD_ADDR, "m= line %u: c= network type is not IN",
				idx);
	if (strlen(a) >= SDP_ADDR_MAX)
		return sdp_fail(err, SDP_E_BAD_ADDR, "m= line %u: c= address too long", idx);
	if (c->c_addrtype == sdp_addr_ip4 && inet_pton(AF_INET, a, bin) == 1) {
		if (bin[0] >= 224 && bin[0] <= 239)
			return sdp_fail(err, SDP_E_BAD_ADDR,
					"m= line %u: multicast c=%s not supported", idx, a);
		st->af = SDP_AF_IP4;
		st->null_addr = !memcmp(bin, "\0\0\0\0", 4);
	} else if (c->c_addrtype == sdp_addr_ip6 && inet_pton(AF_INET6, a, bin) == 1) {
		static const unsigned char zero[16];

		if (bin[0] == 0xff)
			return sdp_fail(err, SDP_E_BAD_ADDR,
					"m= line %u: multicast c=%s not supported", idx, a);
		st->af = SDP_AF_IP6;
		/* "::" is not in RFC 3264 §8.4, but it can no more be sent to than 0.0.0.0. */
		st->null_addr = !memcmp(bin, zero, 16);
	} else {
		return sdp_fail(err, SDP_E_BAD_ADDR,
				"m= line %u: c=%s is not an %s address literal", idx, a,
				c->c_addrtype == sdp_addr_ip6 ? "IP6" : "IP4");
	}
	copy_str(st->addr, sizeof(st->addr), a);
	return 0;
}

static unsigned ptime_attr(const sdp_attribute_t *a)
{
	for (; a; a = a->a_next) {
		if (a->a_name && !strcasecmp(a->a_name, "ptime") && a->a_value) {
			char *end;
			unsigned long v = strtoul(a->a_value, &end, 10);

			if (end != a->a_value && v <= 1000)
				return (unsigned)v;
			return 0;
		}
	}
	return 0;
}

static void payloads_fill(struct sdp_stream *st, const sdp_media_t *m)
{
	char tok[8];

	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
		struct sdp_payload *pl;

		snprintf(tok, sizeof(tok), "%u", (unsigned)rm->rm_pt);
		fmts_add(st->fmts, tok);
		if (st->n_payloads == SDP_MAX_PAYLOADS)
			continue;	/* kept in fmts, not interpreted */
		pl = &st->payloads[st->n_payloads++];
		pl->pt = (uint8_t)rm->rm_pt;
		copy_str(pl->encoding, sizeof(pl->encoding), rm->rm_encoding);
		pl->clock_rate = rm->rm_rate <= UINT32_MAX ? (uint32_t)rm->rm_rate : 0;
		pl->channels = 1;
		if (rm->rm_params && *rm->rm_params) {
			unsigned long ch = strtoul(rm->rm_params, NULL, 10);

			pl->channels = ch >= 1 && ch <= 255 ? (uint8_t)ch : 0;
		}
		copy_str(pl->fmtp, sizeof(pl->fmtp), rm->rm_fmtp);

		/* RFC 4733 §7.1.1: telephone-event at the audio clock rate. */
		if (st->te_pt < 0 && !strcasecmp(pl->encoding, "telephone-event") &&
		    pl->clock_rate == 8000) {
			struct sdp_events ev;

			if (!rm->rm_fmtp)	/* RFC 4733 §2.4.1: no fmtp means 0-15 */
				(void)sdp_events_parse(&ev, "0-15");
			else if (sdp_events_parse(&ev, rm->rm_fmtp))
				continue;	/* unreadable list: not usable */
			st->te_pt = pl->pt;
			sdp_events_format(&ev, st->te_events, sizeof(st->te_events));
		}
	}
	for (const sdp_list_t *l = m->m_format; l; l = l->l_next)
		if (l->l_text)
			fmts_add(st->fmts, l->l_text);
}

/* a=crypto lines (RFC 4568 §9.1); one that does not parse is ignored (§7.1.2: the
 * answerer takes a line it understands). */
static void crypto_fill(struct sdp_stream *st, const sdp_attribute_t *a)
{
	for (; a && st->n_crypto < SDP_CRYPTO_MAX; a = a->a_next)
		if (a->a_name && !strcasecmp(a->a_name, "crypto") && a->a_value &&
		    !sdp_crypto_parse(&st->crypto[st->n_crypto], a->a_value))
			st->n_crypto++;
}

static int stream_fill(struct sdp_stream *st, const sdp_session_t *sess, const sdp_media_t *m,
		       unsigned idx, enum sdp_dir sess_dir, unsigned sess_ptime,
		       struct sdp_error *err)
{
	const sdp_connection_t *c;
	int ret;

	memset(st, 0, sizeof(*st));
	st->te_pt = -1;
	st->kind = kind_of(m);
	/* Kept whole or not at all: an answer echoes them (RFC 3264 §6). */
	if (!m->m_type_name || strlen(m->m_type_name) >= sizeof(st->media) ||
	    !m->m_proto_name || strlen(m->m_proto_name) >= sizeof(st->proto))
		return sdp_fail(err, SDP_E_SYNTAX, "m= line %u: media or transport name too long",
				idx);
	copy_str(st->media, sizeof(st->media), m->m_type_name);
	copy_str(st->proto, sizeof(st->proto), m->m_proto_name);
	if (m->m_port > 65535)
		return sdp_fail(err, SDP_E_BAD_PORT, "m= line %u: port %lu out of range", idx,
				m->m_port);
	st->port = (uint16_t)m->m_port;
	st->rejected = st->port == 0 || m->m_rejected;

	/* RFC 4566 §6: a media-level direction overrides the session-level one. */
	st->dir = sess_dir;
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next)
		if (a->a_name && dir_attr(a->a_name, &st->dir))
			break;
	st->ptime = ptime_attr(m->m_attributes);
	if (!st->ptime)
		st->ptime = sess_ptime;	/* not in RFC 4566 at session level, but seen */
	payloads_fill(st, m);
	crypto_fill(st, m->m_attributes);

	/* RFC 4566 §5.7: c= in every m= section or at session level. A rejected stream
	 * needs none, and a bad one there does not matter. */
	c = m->m_connections ? m->m_connections : sess->sdp_connection;
	if (st->rejected)
		return 0;
	if (!c)
		return sdp_fail(err, SDP_E_NO_CONN, "m= line %u (%s): no c= line", idx,
				st->media);
	ret = conn_apply(st, c, idx, err);
	return ret;
}

static int desc_fill(struct sdp_desc *desc, const sdp_session_t *sess, struct sdp_error *err)
{
	enum sdp_dir sess_dir = SDP_DIR_SENDRECV;
	unsigned idx = 0;
	int ret;

	if (!sess->sdp_origin)
		return sdp_fail(err, SDP_E_SYNTAX, "no o= line");
	copy_str(desc->username, sizeof(desc->username), sess->sdp_origin->o_username);
	desc->sess_id = sess->sdp_origin->o_id;
	desc->sess_version = sess->sdp_origin->o_version;

	for (const sdp_attribute_t *a = sess->sdp_attributes; a; a = a->a_next)
		if (a->a_name && dir_attr(a->a_name, &sess_dir))
			break;

	for (const sdp_media_t *m = sess->sdp_media; m; m = m->m_next) {
		if (idx == SDP_MAX_STREAMS)
			return sdp_fail(err, SDP_E_TOO_MANY, "more than %u m= lines",
					SDP_MAX_STREAMS);
		ret = stream_fill(&desc->streams[idx], sess, m, idx + 1, sess_dir,
				  ptime_attr(sess->sdp_attributes), err);
		if (ret)
			return ret;
		desc->n_streams = ++idx;
	}
	return 0;
}

/* RFC 4566 §9 token-char, the same set as Sofia's TOKEN. */
static bool is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-!#$%&'*+.^_`{|}~", c));
}

/* Skip a run of chars accepted by ok(); return how many. */
static size_t span(const char *s, const char *end, bool (*ok)(unsigned char))
{
	const char *p = s;

	while (p < end && ok((unsigned char)*p))
		p++;
	return (size_t)(p - s);
}

static bool is_digit_char(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static size_t blanks(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (size_t)(p - s);
}

/* One m= line against RFC 4566 §5.14: media SP port ["/" integer] SP proto *(SP fmt),
 * proto = token *("/" token).
 * Sofia 1.12.11 loops forever, allocating until memory runs out, on a non-RTP m= line whose
 * format list holds two non-token characters in a row ("m=image 1 udptl t38//x"): a remote
 * could take the gateway down with one INVITE. So every m= line is checked here first. */
static bool mline_ok(const char *p, const char *end)
{
	size_t n;

	if ((n = span(p, end, is_token_char)) == 0)		/* media */
		return false;
	p += n;
	if ((n = blanks(p, end)) == 0)
		return false;
	p += n;
	if ((n = span(p, end, is_digit_char)) == 0)		/* port */
		return false;
	p += n;
	if (p < end && *p == '/') {					/* number of ports */
		p++;
		if ((n = span(p, end, is_digit_char)) == 0)
			return false;
		p += n;
	}
	if ((n = blanks(p, end)) == 0)
		return false;
	p += n;
	for (;;) {							/* proto */
		if ((n = span(p, end, is_token_char)) == 0)
			return false;
		p += n;
		if (p == end || *p != '/')
			break;
		p++;
	}
	while (p < end) {						/* fmt list */
		if ((n = blanks(p, end)) == 0)
			return false;
		p += n;
		p += span(p, end, is_token_char);
	}
	return true;
}

/* Find the m= lines as Sofia splits them (any run of CR/LF ends a line, leading blanks
 * are skipped) and check each. Return the 1-based number of the first bad one, or 0. */
static unsigned mlines_check(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	unsigned mno = 0;

	while (p < end) {
		const char *eol = p;

		while (eol < end && *eol != '\r' && *eol != '\n')
			eol++;
		p += blanks(p, eol);
		if (eol - p >= 2 && p[0] == 'm' && p[1] == '=') {
			mno++;
			p += 2;
			p += blanks(p, eol);
			if (!mline_ok(p, eol))
				return mno;
		}
		p = eol;
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
	return 0;
}

/* RFC 4566 §6 a=rtpmap:<payload type> <encoding name>/<clock rate>[/<parameters>]. */
static bool rtpmap_ok(const char *p, const char *end)
{
	size_t n;

	if ((n = span(p, end, is_digit_char)) == 0 || n > 3)
		return false;
	p += n;
	if ((n = blanks(p, end)) == 0)
		return false;
	p += n;
	if ((n = span(p, end, is_token_char)) == 0)
		return false;
	p += n;
	if (p == end || *p++ != '/')
		return false;
	if ((n = span(p, end, is_digit_char)) == 0)
		return false;
	p += n;
	return p == end || *p == '/' || *p == ' ' || *p == '\t';
}

/* Is this line one Sofia would refuse the whole description for, though it only carries
 * an attribute or a bandwidth we can do without? RFC 4566 §5.13: a receiver ignores an
 * attribute it does not understand; we go one step further and skip one it cannot read
 * (a=rtpmap without a clock rate, a= without a name, b= without a number). */
static bool line_skippable(const char *p, const char *eol)
{
	size_t n;

	if (eol - p < 2 || p[1] != '=')
		return false;
	if (p[0] == 'b') {				/* §5.8 b=<bwtype>:<bandwidth> */
		p += 2;
		if ((n = span(p, eol, is_token_char)) == 0)
			return true;
		p += n;
		if (p == eol || *p++ != ':')
			return true;
		return span(p, eol, is_digit_char) != (size_t)(eol - p) || p == eol;
	}
	if (p[0] != 'a')
		return false;
	p += 2;						/* §5.13 a=<attribute>[:<value>] */
	if ((n = span(p, eol, is_token_char)) == 0)
		return true;
	if (n == 6 && !strncasecmp(p, "rtpmap", 6) && p + n < eol && p[n] == ':')
		return !rtpmap_ok(p + 7, eol);
	return false;
}

/* Copy text to out (room for len + 1) without the lines line_skippable() finds. Return
 * the number skipped; the first one's text in first. */
static unsigned lines_clean(const char *text, size_t len, char *out, size_t *out_len,
			    char *first, size_t first_size)
{
	const char *p = text, *end = text + len;
	unsigned skipped = 0;
	size_t o = 0;

	while (p < end) {
		const char *eol = p;

		while (eol < end && *eol != '\r' && *eol != '\n')
			eol++;
		const char *q = p + blanks(p, eol);
		bool kept = !line_skippable(q, eol);
		if (kept) {
			memcpy(out + o, p, (size_t)(eol - p));
			o += (size_t)(eol - p);
		} else if (!skipped++) {
			snprintf(first, first_size, "%.*s", (int)(eol - q), q);
		}
		p = eol;		/* one line end: CRLF, CR or LF, copied as it was */
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		if (kept) {
			memcpy(out + o, eol, (size_t)(p - eol));
			o += (size_t)(p - eol);
		}
	}
	out[o] = '\0';
	*out_len = o;
	return skipped;
}

int sdp_desc_parse(struct sdp_desc *desc, const char *text, size_t len, struct sdp_error *err)
{
	unsigned bad;

	su_home_t home[1] = { SU_HOME_INIT(home) };
	sdp_parser_t *parser;
	sdp_session_t *sess;
	int ret;

	if (err) {
		err->code = SDP_E_NONE;
		err->msg[0] = '\0';
	}
	if (!desc || (!text && len))
		return sdp_fail(err, SDP_E_INVAL, "no description or text");
	memset(desc, 0, sizeof(*desc));
	if (len == 0)
		return sdp_fail(err, SDP_E_SYNTAX, "empty SDP");
	if (len > SDP_PARSE_MAX)
		return sdp_fail(err, SDP_E_SYNTAX, "SDP of %zu bytes is too large", len);
	if (memchr(text, '\0', len))
		return sdp_fail(err, SDP_E_SYNTAX, "NUL byte in SDP");
	char *clean = malloc(len + 1), first[80] = "";
	size_t clean_len;
	if (!clean)
		return sdp_fail(err, SDP_E_INVAL, "out of memory");
	unsigned skipped = lines_clean(text, len, clean, &clean_len, first, sizeof(first));
	if (skipped)
		LOGI(LS_SDP, "parse: skipped %u unreadable attribute line%s (first: \"%s\")",
		     skipped, skipped == 1 ? "" : "s", first);
	text = clean;
	len = clean_len;
	bad = mlines_check(text, len);
	if (bad) {
		free(clean);
		return sdp_fail(err, SDP_E_SYNTAX, "m= line %u is not <media> <port> <proto> <fmt>...",
				bad);
	}

	/* Our own checks replace Sofia's sanity check (sdp_f_insane) so that each failure
	 * gets its own code; direction attributes stay attributes (sdp_f_mode_manual). */
	parser = sdp_parse(home, text, (issize_t)len, sdp_f_insane | sdp_f_mode_manual);
	sess = sdp_session(parser);
	if (!sess) {
		const char *why = parser ? sdp_parsing_error(parser) : NULL;

		ret = why ? sdp_fail(err, SDP_E_SYNTAX, "unreadable SDP: %s", why)
			  : sdp_fail(err, SDP_E_SYNTAX, "unreadable SDP");
	} else {
		ret = desc_fill(desc, sess, err);
	}
	if (parser)
		sdp_parser_free(parser);
	su_home_deinit(home);
	free(clean);
	if (ret)
		LOGD(LS_SDP, "parse: %s", err ? err->msg : "failed");
	return ret;
}
