/* SDES (RFC 4568): a=crypto lines read and written, the SRTP policy of offer/answer. */
#include "sip/sdp_crypto.h"
#include "sip/sdp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static const char *const suite_names[SDP_CRYPTO_SUITE_COUNT] = {
	[SDP_CRYPTO_NONE] = "none",
	[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
	[SDP_CRYPTO_AEAD_AES_128_GCM] = "AEAD_AES_128_GCM",
};

unsigned sdp_crypto_key_len(enum sdp_crypto_suite suite)
{
	switch (suite) {
	case SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80:
	case SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32:
		return 30;	/* 128-bit key, 112-bit salt (RFC 4568 §6.2.1) */
	case SDP_CRYPTO_AEAD_AES_128_GCM:
		return 28;	/* 128-bit key, 96-bit salt (RFC 7714 §12) */
	default:
		return 0;
	}
}

const char *sdp_crypto_suite_name(enum sdp_crypto_suite suite)
{
	return (unsigned)suite < SDP_CRYPTO_SUITE_COUNT ? suite_names[suite] : "?";
}

enum sdp_crypto_suite sdp_crypto_suite_from_name(const char *name, size_t len)
{
	for (int s = SDP_CRYPTO_NONE + 1; s < SDP_CRYPTO_SUITE_COUNT; s++)
		if (strlen(suite_names[s]) == len && !strncmp(name, suite_names[s], len))
			return (enum sdp_crypto_suite)s;
	return SDP_CRYPTO_NONE;
}

int sdp_crypto_suites_parse(const char *text, enum sdp_crypto_suite *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SDP_CRYPTO_MAX; i++)
		out[i] = SDP_CRYPTO_NONE;
	while (text && *text) {
		size_t len;
		enum sdp_crypto_suite s;

		text += strspn(text, " \t,");
		len = strcspn(text, " \t,");
		if (!len)
			break;
		s = sdp_crypto_suite_from_name(text, len);
		if (s == SDP_CRYPTO_NONE || n == SDP_CRYPTO_MAX)
			return EINVAL;
		for (unsigned i = 0; i < n; i++)
			if (out[i] == s)
				return EINVAL;
		out[n++] = s;
		text += len;
	}
	return n ? 0 : EINVAL;
}

/* ---- base64 (RFC 4648 §4), as RFC 4568 §6.1 encodes key ‖ salt ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Decode len chars (padding optional); return the byte count, or -1 (junk, too long). */
static int b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	while (len && s[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)n;
}

static void b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* ---- a=crypto (RFC 4568 §9.1 grammar) ---- */

static bool all_digits(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* key-info of the SRTP key method: key-salt ["|" lifetime] ["|" mki-value ":" mki-length] */
static int key_info_parse(struct sdp_crypto *c, const char *s, size_t len)
{
	const char *bar = memchr(s, '|', len);
	size_t klen = bar ? (size_t)(bar - s) : len;
	int n;

	if (c->n_keys++)	/* a second key: kept out of c->key */
		return 0;
	n = b64_decode(s, klen, c->key, sizeof c->key);
	if (n < 0)
		return EBADMSG;
	c->key_len = (unsigned)n;
	while (bar) {
		const char *f = bar + 1, *end = s + len;
		size_t flen;

		bar = memchr(f, '|', (size_t)(end - f));
		flen = bar ? (size_t)(bar - f) : (size_t)(end - f);
		const char *colon = memchr(f, ':', flen);
		if (colon) {		/* MKI:length */
			if (!all_digits(f, (size_t)(colon - f)) ||
			    !all_digits(colon + 1, (size_t)(f + flen - colon - 1)))
				return EBADMSG;
			c->mki = true;
		} else if (flen > 2 && !strncmp(f, "2^", 2) && all_digits(f + 2, flen - 2)) {
			unsigned e = (unsigned)strtoul(f + 2, NULL, 10);

			c->lifetime = e < 64 ? (uint64_t)1 << e : UINT64_MAX;
		} else if (all_digits(f, flen)) {
			c->lifetime = strtoull(f, NULL, 10);
		} else {
			return EBADMSG;
		}
	}
	return 0;
}

int sdp_crypto_parse(struct sdp_crypto *c, const char *value)
{
	const char *p = value;
	size_t n;

	if (!c || !value)
		return EINVAL;
	memset(c, 0, sizeof *c);
	n = strspn(p, "0123456789");				/* tag = 1*9DIGIT */
	if (n == 0 || n > 9 || (p[n] != ' ' && p[n] != '\t'))
		return EBADMSG;
	c->tag = (unsigned)strtoul(p, NULL, 10);
	p += n;
	p += strspn(p, " \t");
	n = strcspn(p, " \t");					/* crypto-suite */
	if (!n)
		return EBADMSG;
	c->suite = sdp_crypto_suite_from_name(p, n);
	p += n;
	if (*p != ' ' && *p != '\t')
		return EBADMSG;
	p += strspn(p, " \t");
	n = strcspn(p, " \t\r\n");				/* key-params */
	if (!n)
		return EBADMSG;
	for (const char *kp = p, *end = p + n; kp < end;) {
		const char *semi = memchr(kp, ';', (size_t)(end - kp));
		size_t klen = semi ? (size_t)(semi - kp) : (size_t)(end - kp);

		/* key-param = key-method ":" key-info; "inline" the only method (§6.1) */
		if (klen < 8 || strncasecmp(kp, "inline:", 7))
			return EBADMSG;
		if (key_info_parse(c, kp + 7, klen - 7))
			return EBADMSG;
		kp += klen + (semi ? 1 : 0);
	}
	p += n;
	p += strspn(p, " \t\r\n");
	c->session_params = *p != '\0';
	c->usable = c->suite != SDP_CRYPTO_NONE && c->n_keys == 1 &&
		    c->key_len == sdp_crypto_key_len(c->suite) && !c->mki && !c->session_params;
	return 0;
}

int sdp_crypto_format(const struct sdp_crypto *c, char *buf, size_t size)
{
	char key[64];
	int n;

	if (!c || !buf || c->suite == SDP_CRYPTO_NONE || c->suite >= SDP_CRYPTO_SUITE_COUNT ||
	    c->key_len != sdp_crypto_key_len(c->suite) || c->tag == 0 || c->tag > 999999999)
		return EINVAL;
	b64_encode(c->key, c->key_len, key);
	n = snprintf(buf, size, "%u %s inline:%s", c->tag, suite_names[c->suite], key);
	explicit_bzero(key, sizeof key);
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

int sdp_crypto_new(struct sdp_crypto *c, unsigned tag, enum sdp_crypto_suite suite)
{
	unsigned len = sdp_crypto_key_len(suite);

	if (!c || !len)
		return EINVAL;
	memset(c, 0, sizeof *c);
	if (getrandom(c->key, len, 0) != (ssize_t)len)
		return errno ? errno : EIO;
	c->tag = tag;
	c->suite = suite;
	c->key_len = len;
	c->n_keys = 1;
	c->usable = true;
	return 0;
}

/* ---- policy ---- */

int sdp_crypto_state_init(struct sdp_crypto_state *cs, enum sdp_srtp_policy policy,
			  const enum sdp_crypto_suite *suites)
{
	static const enum sdp_crypto_suite dflt[] = { SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80,
		SDP_CRYPTO_AEAD_AES_128_GCM, SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32 };

	memset(cs, 0, sizeof *cs);
	if ((unsigned)policy > SDP_SRTP_MANDATORY)
		return EINVAL;
	cs->policy = policy;
	for (unsigned i = 0; suites && i < SDP_CRYPTO_MAX && suites[i] != SDP_CRYPTO_NONE; i++) {
		if (!sdp_crypto_key_len(suites[i]))
			return EINVAL;
		cs->suites[cs->n_suites++] = suites[i];
	}
	if (!cs->n_suites) {
		memcpy(cs->suites, dflt, sizeof dflt);
		cs->n_suites = sizeof dflt / sizeof dflt[0];
	}
	return 0;
}

static bool suite_allowed(const struct sdp_crypto_state *cs, enum sdp_crypto_suite s)
{
	for (unsigned i = 0; i < cs->n_suites; i++)
		if (cs->suites[i] == s)
			return true;
	return false;
}

int sdp_crypto_offer(const struct sdp_crypto_state *cs, struct sdp_crypto_lines *out)
{
	memset(out, 0, sizeof *out);
	out->proto = cs->policy == SDP_SRTP_MANDATORY ? "RTP/SAVP" : "RTP/AVP";
	if (cs->policy == SDP_SRTP_OFF)
		return 0;
	for (unsigned i = 0; i < cs->n_suites; i++) {
		struct sdp_crypto *c = &out->lines[out->n];

		if (cs->cur.suite == cs->suites[i]) {	/* keep the running key (§7.1.4) */
			memset(c, 0, sizeof *c);
			c->tag = i + 1;
			c->suite = cs->suites[i];
			c->key_len = sdp_crypto_key_len(c->suite);
			memcpy(c->key, cs->cur.tx_key, c->key_len);
			c->n_keys = 1;
			c->usable = true;
		} else {
			int err = sdp_crypto_new(c, i + 1, cs->suites[i]);

			if (err)
				return err;
		}
		out->n++;
	}
	return 0;
}

static bool is_proto(const struct sdp_stream *st, const char *proto)
{
	return !strcasecmp(st->proto, proto);
}

int sdp_crypto_stream_ok(const struct sdp_crypto_state *cs, const struct sdp_stream *st,
			 const struct sdp_crypto **chosen, const char **why)
{
	bool savp = is_proto(st, "RTP/SAVP"), avp = is_proto(st, "RTP/AVP");

	*chosen = NULL;
	/* srtp off, or not RTP at all: *why stays as it was ("no RTP/AVP audio stream") */
	if (!savp && !avp)
		return ENOTSUP;
	if (cs->policy == SDP_SRTP_OFF)
		return avp ? 0 : ENOTSUP;
	/* RFC 4568 §7.1.2: the first line in the offerer's order we can use */
	for (unsigned i = 0; i < st->n_crypto; i++) {
		const struct sdp_crypto *c = &st->crypto[i];

		if (c->usable && suite_allowed(cs, c->suite)) {
			*chosen = c;
			return 0;
		}
	}
	if (avp && cs->policy == SDP_SRTP_OPTIONAL)
		return 0;	/* plain RTP */
	*why = st->n_crypto ? "no a=crypto line with a suite we allow (srtp_suites)" :
	       avp ? "plain RTP/AVP offered, srtp is mandatory" : "RTP/SAVP without a=crypto";
	return ENOTSUP;
}

int sdp_crypto_answer(const struct sdp_crypto_state *cs, const struct sdp_stream *st,
		      const struct sdp_crypto *chosen, struct sdp_crypto_lines *out,
		      struct sdp_srtp_keys *keys)
{
	const struct sdp_srtp_keys *cur = &cs->cur;
	struct sdp_crypto *ours = &out->lines[0];
	unsigned klen;

	memset(out, 0, sizeof *out);
	memset(keys, 0, sizeof *keys);
	out->proto = is_proto(st, "RTP/SAVP") ? "RTP/SAVP" : "RTP/AVP";
	if (!chosen)
		return 0;
	klen = sdp_crypto_key_len(chosen->suite);
	if (cur->suite == chosen->suite && cur->tag == chosen->tag &&
	    !memcmp(cur->rx_key, chosen->key, klen)) {
		/* the same key again: the session goes on with ours (RFC 4568 §7.1.4) */
		memset(ours, 0, sizeof *ours);
		ours->tag = chosen->tag;
		ours->suite = chosen->suite;
		ours->key_len = klen;
		memcpy(ours->key, cur->tx_key, klen);
		ours->n_keys = 1;
		ours->usable = true;
	} else {
		int err = sdp_crypto_new(ours, chosen->tag, chosen->suite);

		if (err)
			return err;
	}
	out->n = 1;
	keys->suite = chosen->suite;
	keys->tag = chosen->tag;
	memcpy(keys->tx_key, ours->key, klen);
	memcpy(keys->rx_key, chosen->key, klen);
	return 0;
}

int sdp_crypto_take_answer(const struct sdp_crypto_lines *off, const struct sdp_stream *st,
			   struct sdp_srtp_keys *keys, const char **why)
{
	memset(keys, 0, sizeof *keys);
	if (!off->n)
		return 0;	/* plain RTP offered: crypto lines in the answer mean nothing */
	for (unsigned i = 0; i < st->n_crypto; i++) {
		const struct sdp_crypto *c = &st->crypto[i];

		for (unsigned k = 0; k < off->n; k++) {
			const struct sdp_crypto *o = &off->lines[k];

			if (c->tag != o->tag || c->suite != o->suite || !c->usable)
				continue;
			keys->suite = c->suite;
			keys->tag = c->tag;
			memcpy(keys->tx_key, o->key, o->key_len);
			memcpy(keys->rx_key, c->key, c->key_len);
			return 0;
		}
	}
	if (!strcmp(off->proto, "RTP/AVP") && !st->n_crypto)
		return 0;	/* best-effort SRTP declined: plain RTP */
	*why = st->n_crypto ? "the answer's a=crypto names no line we offered" :
	       "the answer has no a=crypto line (SRTP is mandatory)";
	return ENOTSUP;
}
