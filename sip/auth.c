/* Digest authentication of received requests (RFC 3261 §22.4, RFC 2617 §3): nonces, checks. */
#include "sip/auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/su_md5.h>
#include <sofia-sip/url.h>

/* A nonce: 12 hex digits of the issue time [ms], 8 of a counter, 32 of the MAC over those
 * first 20 characters. */
#define NONCE_TS_HEX	12
#define NONCE_CTR_HEX	8
#define NONCE_BODY	(NONCE_TS_HEX + NONCE_CTR_HEX)
#define NONCE_LEN	(NONCE_BODY + 32)
#define LIFETIME_MAX	3600	/* [s] */

struct replay_slot {
	uint8_t response[16];		/* the accepted digest */
	uint64_t expires;		/* [ms] when its nonce expires; 0: free */
};

struct sip_auth {
	char realm[SIP_AUTH_REALM_MAX + 1];
	uint64_t lifetime;		/* [ms] */
	uint8_t secret[SIP_AUTH_SECRET_LEN];
	uint32_t counter;		/* nonces issued */
	struct replay_slot replay[SIP_AUTH_REPLAY_SLOTS];	/* a ring, oldest next */
	unsigned replay_next;
};

/* The directives of a digest-response (RFC 2617 §3.2.2) we read; each may appear once. */
static const char *const directives[] = {
	"username", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "opaque",
	"qop", "nc",
};

/* ---- Small helpers ---------------------------------------------------------------------- */

void sip_auth_hmac_md5(const uint8_t *key, size_t keylen, const void *data, size_t len,
		       uint8_t mac[16])
{
	uint8_t k[64] = { 0 }, pad[64], inner[SU_MD5_DIGEST_SIZE];
	su_md5_t md5;

	if (keylen > sizeof(k)) {	/* RFC 2104 §2: a long key is hashed first */
		su_md5_init(&md5);
		su_md5_update(&md5, key, keylen);
		su_md5_digest(&md5, k);
	} else if (keylen) {
		memcpy(k, key, keylen);
	}
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x36;
	su_md5_init(&md5);
	su_md5_update(&md5, pad, sizeof(pad));
	su_md5_update(&md5, data, len);
	su_md5_digest(&md5, inner);
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x5c;
	su_md5_init(&md5);
	su_md5_update(&md5, pad, sizeof(pad));
	su_md5_update(&md5, inner, sizeof(inner));
	su_md5_digest(&md5, mac);
	su_md5_deinit(&md5);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits (either case) into n/2 bytes; false if any is not one. */
static bool hex_decode(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

/* Compare without a data-dependent early exit: the time taken tells nothing. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* Printable ASCII for a log line; anything else becomes '?'. */
static void user_for_log(const char *user, char out[SIP_AUTH_USER_LOG_MAX])
{
	size_t o = 0;

	for (; user && *user && o + 1 < SIP_AUTH_USER_LOG_MAX; user++)
		out[o++] = *user > 0x20 && *user < 0x7f ? *user : '?';
	out[o] = '\0';
}

/* ---- The digest (RFC 2617 §3.2.2) ------------------------------------------------------- */

/* Every directive at most once, each parameter of bounded size. */
static const char *check_form(const char *const *params)
{
	static const char *const dup[] = {
		"duplicate username", "duplicate realm", "duplicate nonce", "duplicate uri",
		"duplicate response", "duplicate algorithm", "duplicate cnonce",
		"duplicate opaque", "duplicate qop", "duplicate nc",
	};
	_Static_assert(sizeof(dup) == sizeof(directives), "one message per directive");
	unsigned seen[sizeof(directives) / sizeof(directives[0])] = { 0 };

	for (const char *const *p = params; *p; p++) {
		size_t name = strcspn(*p, "=");
		if (strlen(*p) > SIP_AUTH_VALUE_MAX + name + 1)
			return "overlong parameter";
		for (unsigned i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
			if (strlen(directives[i]) == name && !strncasecmp(*p, directives[i], name) &&
			    seen[i]++)
				return dup[i];
	}
	return NULL;
}

/* Parse and check the form of a digest-response into ar (zeroed first, so that the
 * username is there to log even when something else is wrong); NULL or why not. */
static const char *parse_response(su_home_t *home, const char *const *params,
				  auth_response_t *ar)
{
	const char *why;

	memset(ar, 0, sizeof(*ar));
	ar->ar_size = sizeof(*ar);
	if (!params || !params[0])
		return "no parameters";
	if (auth_digest_response_get(home, ar, (char const *const *)params) < 0)
		return "unparsable parameters";
	why = check_form(params);
	if (why)
		return why;
	if (!ar->ar_username || !ar->ar_username[0])
		return "missing username";
	if (!ar->ar_realm)
		return "missing realm";
	if (!ar->ar_nonce || !ar->ar_nonce[0])
		return "missing nonce";
	if (!ar->ar_uri || !ar->ar_uri[0])
		return "missing uri";
	if (!ar->ar_response || !ar->ar_response[0])
		return "missing response";
	if (!is_hex(ar->ar_response, 32))
		return "response is not 32 hex digits";
	if (ar->ar_algorithm && strcasecmp(ar->ar_algorithm, "MD5"))
		return "unsupported algorithm";
	if (ar->ar_qop) {
		/* We offer qop="auth" only; RFC 2617 §3.2.2 then wants nc and cnonce. */
		if (strcasecmp(ar->ar_qop, "auth"))
			return "unsupported qop";
		if (!ar->ar_nc)
			return "qop=auth without nc";
		if (!is_hex(ar->ar_nc, 8))
			return "nc is not 8 hex digits";
		if (!ar->ar_cnonce || !ar->ar_cnonce[0])
			return "qop=auth without cnonce";
	}
	return NULL;
}

/* The response password gives, as 16 bytes. */
static void expected_response(auth_response_t *ar, const char *method, const char *password,
			      uint8_t out[16])
{
	auth_hexmd5_t ha1, resp;

	auth_digest_a1(ar, ha1, password);
	auth_digest_response(ar, resp, ha1, method, NULL, 0);
	(void)hex_decode(resp, 32, out);
	memset(ha1, 0, sizeof(ha1));
}

int sip_auth_digest_check(const char *const *params, const char *method,
			  const char *password)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	auth_response_t ar[1];
	uint8_t want[16], got[16];
	int rc = EBADMSG;

	if (!method || !password || parse_response(home, params, ar))
		goto out;
	expected_response(ar, method, password, want);
	(void)hex_decode(ar->ar_response, 32, got);
	rc = same_bytes(want, got, sizeof(want)) ? 0 : EACCES;
out:
	su_home_deinit(home);
	return rc;
}

/* ---- Nonces ------------------------------------------------------------------------------ */

static void nonce_mac_hex(const struct sip_auth *a, const char *body, char out[33])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t mac[16];

	sip_auth_hmac_md5(a->secret, sizeof(a->secret), body, NONCE_BODY, mac);
	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = digits[mac[i] >> 4];
		out[2 * i + 1] = digits[mac[i] & 15];
	}
	out[32] = '\0';
}

/* Ours (MAC verifies, issued no later than now)? Its issue time [ms] into *issued. */
static bool nonce_valid(const struct sip_auth *a, const char *nonce, uint64_t now,
			uint64_t *issued)
{
	char mac[33];
	uint8_t m1[16], m2[16];
	uint64_t ts = 0;

	if (!is_hex(nonce, NONCE_LEN))
		return false;
	nonce_mac_hex(a, nonce, mac);
	if (!hex_decode(nonce + NONCE_BODY, 32, m1) || !hex_decode(mac, 32, m2) ||
	    !same_bytes(m1, m2, sizeof(m1)))
		return false;
	for (unsigned i = 0; i < NONCE_TS_HEX; i++)
		ts = ts << 4 | (uint64_t)hexval(nonce[i]);
	if (ts > now)
		return false;
	*issued = ts;
	return true;
}

int sip_auth_challenge(struct sip_auth *a, uint64_t now, bool stale, char *buf, size_t len)
{
	char nonce[NONCE_LEN + 1];
	int n;

	if (!a || !buf)
		return EINVAL;
	snprintf(nonce, sizeof(nonce), "%012" PRIx64 "%08" PRIx32,
		 now & UINT64_C(0xffffffffffff), a->counter++);
	nonce_mac_hex(a, nonce, nonce + NONCE_BODY);
	n = snprintf(buf, len, "Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, qop=\"auth\"%s",
		     a->realm, nonce, stale ? ", stale=true" : "");
	return n < 0 || (size_t)n >= len ? ENOSPC : 0;
}

/* ---- Replay ------------------------------------------------------------------------------ */

static bool replay_seen(const struct sip_auth *a, const uint8_t resp[16], uint64_t now)
{
	for (unsigned i = 0; i < SIP_AUTH_REPLAY_SLOTS; i++)
		if (a->replay[i].expires > now && same_bytes(a->replay[i].response, resp, 16))
			return true;
	return false;
}

/* Entries are added in time order with the same lifetime, so the ring's next slot is the
 * one that expires first. Should it still be live (more accepted credentials per lifetime
 * than slots), it is overwritten: the bound on memory wins over that replay's detection. */
static void replay_add(struct sip_auth *a, const uint8_t resp[16], uint64_t expires)
{
	struct replay_slot *s = &a->replay[a->replay_next];

	memcpy(s->response, resp, 16);
	s->expires = expires;
	a->replay_next = (a->replay_next + 1) % SIP_AUTH_REPLAY_SLOTS;
}

/* ---- Verification ------------------------------------------------------------------------ */

/* The uri directive names the request's own Request-URI (RFC 2617 §3.2.2.5): the same text,
 * or equal URIs by RFC 3261 §19.1.4 (Sofia-SIP's url_cmp_all). */
static bool uri_matches(su_home_t *home, const char *digest_uri, const char *request_uri)
{
	if (!strcmp(digest_uri, request_uri))
		return true;
	url_t *a = url_make(home, digest_uri), *b = url_make(home, request_uri);
	return a && b && a->url_type != url_invalid && a->url_type != url_unknown &&
	       url_cmp_all(a, b) == 0;
}

void sip_auth_verify(struct sip_auth *a, uint64_t now, const struct sip_auth_request *rq,
		     sip_auth_password_h *pwh, void *arg, struct sip_auth_verdict *v)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	auth_response_t ar[1];
	uint8_t want[16], got[16];
	uint64_t issued = 0;
	const char *password;

	v->result = SIP_AUTH_REJECT;
	v->user[0] = '\0';
	if (!a || !rq || !rq->method || !rq->uri || !pwh) {
		v->reason = "internal error: bad arguments";
		goto out;
	}
	if (!rq->scheme || strcasecmp(rq->scheme, "Digest")) {
		v->reason = "not Digest credentials";
		goto out;
	}
	v->reason = parse_response(home, rq->params, ar);
	user_for_log(ar->ar_username, v->user);
	if (v->reason)
		goto out;
	if (strcmp(ar->ar_realm, a->realm)) {
		v->reason = "wrong realm";
		goto out;
	}
	if (!nonce_valid(a, ar->ar_nonce, now, &issued)) {
		v->reason = "unknown nonce";
		goto out;
	}
	if (!uri_matches(home, ar->ar_uri, rq->uri)) {
		v->reason = "uri does not match the Request-URI";
		goto out;
	}
	password = pwh(ar->ar_username, arg);
	if (!password) {
		v->reason = "unknown user";
		goto out;
	}
	expected_response(ar, rq->method, password, want);
	(void)hex_decode(ar->ar_response, 32, got);
	if (!same_bytes(want, got, sizeof(want))) {
		v->reason = "wrong password";
		goto out;
	}
	/* RFC 2617 §3.2.1: stale only when the digest is right, the nonce merely old. */
	if (now - issued > a->lifetime) {
		v->result = SIP_AUTH_STALE;
		v->reason = "nonce expired";
		goto out;
	}
	if (replay_seen(a, got, now)) {
		v->reason = "credentials replayed";
		goto out;
	}
	replay_add(a, got, issued + a->lifetime + 1);
	v->result = SIP_AUTH_OK;
	v->reason = "authenticated";
out:
	su_home_deinit(home);
}

/* ---- Lifecycle ----------------------------------------------------------------------------- */

int sip_auth_alloc(struct sip_auth **ap, const struct sip_auth_params *p)
{
	struct sip_auth *a;

	if (!ap || !p || !p->realm || !p->realm[0] || !p->secret || !p->nonce_lifetime ||
	    p->nonce_lifetime > LIFETIME_MAX || strlen(p->realm) > SIP_AUTH_REALM_MAX)
		return EINVAL;
	for (const char *s = p->realm; *s; s++)	/* it goes between quotes as it is */
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	snprintf(a->realm, sizeof(a->realm), "%s", p->realm);
	a->lifetime = (uint64_t)p->nonce_lifetime * 1000;
	memcpy(a->secret, p->secret, sizeof(a->secret));
	*ap = a;
	return 0;
}

void sip_auth_free(struct sip_auth *a)
{
	if (!a)
		return;
	memset(a->secret, 0, sizeof(a->secret));
	free(a);
}
