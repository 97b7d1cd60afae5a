/* sip/auth: digest authentication of received requests. RFC 2617 §3.5 and RFC 2202 vectors,
 * our nonces (lifetime, stale, forgery, replay) on an injected clock, and every malformed
 * or incomplete Authorization we could think of. Headers are parsed by Sofia-SIP's own
 * parser, as the UA receives them; the client side of the digest is computed here by hand
 * (RFC 2617 §3.2.2.1), independently of the code under test. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/su_md5.h>

#include "sip/auth.h"

#define REALM	"strowger.test"
#define RURI	"sip:5550100@127.0.0.1:5060"
#define T0	1000000		/* [ms] the clock when the test starts */

static const uint8_t secret[SIP_AUTH_SECRET_LEN] = "0123456789abcdef0123456789abcde";

static struct {
	struct sip_auth *auth;
	su_home_t home[1];
	unsigned pw_calls;
	char pw_user[512];
} S;

static void setup(void)
{
	struct sip_auth_params p = { .realm = REALM, .nonce_lifetime = 30, .secret = secret };

	su_home_init(S.home);
	cr_assert_eq(sip_auth_alloc(&S.auth, &p), 0);
}

static void teardown(void)
{
	sip_auth_free(S.auth);
	su_home_deinit(S.home);
	memset(&S, 0, sizeof(S));
}

TestSuite(sip_auth, .init = setup, .fini = teardown);

static const char *passwords(const char *user, void *arg)
{
	(void)arg;
	S.pw_calls++;
	snprintf(S.pw_user, sizeof(S.pw_user), "%s", user);
	if (!strcmp(user, "alice"))
		return "secret";
	if (!strcmp(user, "bob"))
		return "Circle Of Life";
	return NULL;
}

static void md5_hex(char out[33], const char *text)
{
	su_md5_t md5;

	su_md5_init(&md5);
	su_md5_strupdate(&md5, text);
	su_md5_hexdigest(&md5, out);
}

/* RFC 2617 §3.2.2.1: what a client sends as response. qop NULL: the RFC 2069 form. */
static void client_response(char out[33], const char *user, const char *realm,
			    const char *password, const char *method, const char *uri,
			    const char *nonce, const char *qop, const char *nc, const char *cnonce)
{
	char a1[1024], a2[1024], ha1[33], ha2[33], kd[2048];

	snprintf(a1, sizeof(a1), "%s:%s:%s", user, realm, password);
	snprintf(a2, sizeof(a2), "%s:%s", method, uri);
	md5_hex(ha1, a1);
	md5_hex(ha2, a2);
	if (qop)
		snprintf(kd, sizeof(kd), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	else
		snprintf(kd, sizeof(kd), "%s:%s:%s", ha1, nonce, ha2);
	md5_hex(out, kd);
}

/* A fresh nonce of ours, issued at now. */
static void nonce_at(uint64_t now, char nonce[128])
{
	char ch[SIP_AUTH_CHALLENGE_MAX];

	cr_assert_eq(sip_auth_challenge(S.auth, now, false, ch, sizeof(ch)), 0);
	const char *p = strstr(ch, "nonce=\"");
	cr_assert_not_null(p, "%s", ch);
	p += 7;
	size_t n = strcspn(p, "\"");
	cr_assert_lt(n, 128);
	memcpy(nonce, p, n);
	nonce[n] = '\0';
}

/* An Authorization header value, parsed by Sofia-SIP; NULL if Sofia refuses it. */
static const msg_auth_t *parse_hdr(const char *value)
{
	return sip_authorization_make(S.home, value);
}

static struct sip_auth_verdict verify_at(uint64_t now, const char *value, const char *method,
					 const char *ruri)
{
	struct sip_auth_verdict v;
	const msg_auth_t *au = parse_hdr(value);

	cr_assert_not_null(au, "Sofia-SIP refused: %s", value);
	struct sip_auth_request rq = { .method = method, .uri = ruri, .scheme = au->au_scheme,
				       .params = au->au_params };
	memset(&v, 0xa5, sizeof(v));
	sip_auth_verify(S.auth, now, &rq, passwords, NULL, &v);
	return v;
}

static struct sip_auth_verdict verify(const char *value)
{
	return verify_at(T0 + 100, value, "INVITE", RURI);
}

/* Authorization as a SIP UA answering our challenge with qop=auth would send it. */
static char *good_hdr(const char *nonce, const char *user, const char *password,
		      const char *nc, const char *cnonce)
{
	char resp[33];

	client_response(resp, user, REALM, password, "INVITE", RURI, nonce, "auth", nc, cnonce);
	return su_sprintf(S.home, "Digest username=\"%s\", realm=\"" REALM "\", nonce=\"%s\", "
			  "uri=\"" RURI "\", response=\"%s\", algorithm=MD5, cnonce=\"%s\", "
			  "qop=auth, nc=%s", user, nonce, resp, cnonce, nc);
}

#define expect_reject(v, why) do {                                                       \
		cr_expect_eq((v).result, SIP_AUTH_REJECT, "result %d", (v).result);        \
		cr_expect_str_eq((v).reason, why);                                         \
	} while (0)

/* ---- Exact vectors ------------------------------------------------------------------------ */

/* RFC 2617 §3.5: "Mufasa" / "Circle Of Life", GET /dir/index.html, qop=auth. */
static const char *const rfc2617_params[] = {
	"username=\"Mufasa\"",
	"realm=\"testrealm@host.com\"",
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
	"uri=\"/dir/index.html\"",
	"qop=auth",
	"nc=00000001",
	"cnonce=\"0a4f113b\"",
	"response=\"6629fae49393a05397450978507c4ef1\"",
	"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
	NULL,
};

Test(sip_auth, rfc2617_section_3_5_vector)
{
	cr_expect_eq(sip_auth_digest_check(rfc2617_params, "GET", "Circle Of Life"), 0);
	cr_expect_eq(sip_auth_digest_check(rfc2617_params, "GET", "Circle of Life"), EACCES);
	cr_expect_eq(sip_auth_digest_check(rfc2617_params, "POST", "Circle Of Life"), EACCES);
	cr_expect_eq(sip_auth_digest_check(rfc2617_params, NULL, "Circle Of Life"), EBADMSG);

	/* Each input of the hash matters: change one at a time. */
	static const char *const changed[][2] = {
		{ "nc=00000001", "nc=00000002" },
		{ "cnonce=\"0a4f113b\"", "cnonce=\"0a4f113c\"" },
		{ "uri=\"/dir/index.html\"", "uri=\"/dir/index.htm\"" },
		{ "username=\"Mufasa\"", "username=\"mufasa\"" },
		{ "realm=\"testrealm@host.com\"", "realm=\"testrealm@host.org\"" },
		{ "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
		  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c094\"" },
	};
	for (unsigned c = 0; c < sizeof(changed) / sizeof(changed[0]); c++) {
		const char *p[10];
		for (unsigned i = 0; i < 10; i++)
			p[i] = rfc2617_params[i] && !strcmp(rfc2617_params[i], changed[c][0])
				       ? changed[c][1] : rfc2617_params[i];
		cr_expect_eq(sip_auth_digest_check(p, "GET", "Circle Of Life"), EACCES, "%s",
			     changed[c][1]);
	}
}

/* The same exchange through Sofia-SIP's header parser, and the response in capitals. */
Test(sip_auth, rfc2617_vector_through_the_parser)
{
	const msg_auth_t *au = parse_hdr(
		"Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
		"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
		"qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
		"response=\"6629FAE49393A05397450978507C4EF1\", "
		"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");

	cr_assert_not_null(au);
	cr_expect_str_eq(au->au_scheme, "Digest");
	cr_expect_eq(sip_auth_digest_check(au->au_params, "GET", "Circle Of Life"), 0);
}

/* RFC 2069 form (no qop), which RFC 2617 §3.2.2.1 keeps: response = KD(H(A1), nonce:H(A2)). */
Test(sip_auth, no_qop_vector)
{
	char resp[33], r[64];

	client_response(resp, "Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
			"/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL, NULL, NULL);
	snprintf(r, sizeof(r), "response=\"%s\"", resp);
	const char *p[] = { "username=\"Mufasa\"", "realm=\"testrealm@host.com\"",
			    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
			    "uri=\"/dir/index.html\"", r, NULL };
	cr_expect_eq(sip_auth_digest_check(p, "GET", "Circle Of Life"), 0);
	cr_expect_eq(sip_auth_digest_check(p, "GET", "Circle Of Lif"), EACCES);
	/* The qop=auth response of §3.5 is not the no-qop one. */
	p[4] = "response=\"6629fae49393a05397450978507c4ef1\"";
	cr_expect_eq(sip_auth_digest_check(p, "GET", "Circle Of Life"), EACCES);
}

static void hmac_hex(const uint8_t *key, size_t keylen, const char *data, char out[33])
{
	uint8_t mac[16];

	sip_auth_hmac_md5(key, keylen, data, strlen(data), mac);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* RFC 2202 §2, test cases 1, 2 and 6 (a key longer than the block is hashed first). */
Test(sip_auth, hmac_md5_rfc2202)
{
	uint8_t k1[16], k6[80];
	char out[33];

	memset(k1, 0x0b, sizeof(k1));
	hmac_hex(k1, sizeof(k1), "Hi There", out);
	cr_expect_str_eq(out, "9294727a3638bb1c13f48ef8158bfc9d");
	hmac_hex((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", out);
	cr_expect_str_eq(out, "750c783e6ab0b503eaa86e310a5db738");
	memset(k6, 0xaa, sizeof(k6));
	hmac_hex(k6, sizeof(k6), "Test Using Larger Than Block-Size Key - Hash Key First", out);
	cr_expect_str_eq(out, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

/* ---- The challenge ---------------------------------------------------------------------- */

Test(sip_auth, challenge_format)
{
	char ch[SIP_AUTH_CHALLENGE_MAX], ch2[SIP_AUTH_CHALLENGE_MAX];
	char want[SIP_AUTH_CHALLENGE_MAX];
	char nonce[128];

	cr_assert_eq(sip_auth_challenge(S.auth, T0, false, ch, sizeof(ch)), 0);
	const char *n = strstr(ch, "nonce=\"") + 7;
	snprintf(nonce, sizeof(nonce), "%.*s", (int)strcspn(n, "\""), n);
	cr_expect_eq(strlen(nonce), 52, "%s", nonce);
	cr_expect_eq(strspn(nonce, "0123456789abcdef"), 52, "%s", nonce);
	snprintf(want, sizeof(want), "Digest realm=\"" REALM "\", nonce=\"%s\", algorithm=MD5, "
		 "qop=\"auth\"", nonce);
	cr_expect_str_eq(ch, want);

	/* A second challenge in the same millisecond has another nonce; stale is said. */
	cr_assert_eq(sip_auth_challenge(S.auth, T0, true, ch2, sizeof(ch2)), 0);
	cr_expect_str_neq(ch, ch2);
	size_t l = strlen(ch2);
	cr_expect(l > 12 && !strcmp(ch2 + l - 12, ", stale=true"), "%s", ch2);

	cr_expect_eq(sip_auth_challenge(S.auth, T0, false, ch, 40), ENOSPC);
	cr_expect_eq(sip_auth_challenge(NULL, T0, false, ch, sizeof(ch)), EINVAL);
}

/* A client, Sofia-SIP's own parser of challenges, reads ours as MD5 with qop auth. */
Test(sip_auth, challenge_read_by_a_client)
{
	char ch[SIP_AUTH_CHALLENGE_MAX];
	auth_challenge_t ac[1] = { { .ac_size = sizeof(ac[0]) } };

	cr_assert_eq(sip_auth_challenge(S.auth, T0, true, ch, sizeof(ch)), 0);
	msg_auth_t *www = sip_www_authenticate_make(S.home, ch);
	cr_assert_not_null(www, "%s", ch);
	cr_assert_geq(auth_digest_challenge_get(S.home, ac, www->au_params), 4);
	cr_expect_str_eq(ac->ac_realm, REALM);
	cr_expect_eq(strlen(ac->ac_nonce), 52);
	cr_expect(ac->ac_md5);
	cr_expect(ac->ac_auth);
	cr_expect(!ac->ac_auth_int);
	cr_expect(ac->ac_stale);
}

Test(sip_auth, alloc_params)
{
	struct sip_auth *a = NULL;
	struct sip_auth_params p = { .realm = "x", .nonce_lifetime = 30, .secret = secret };

	cr_expect_eq(sip_auth_alloc(NULL, &p), EINVAL);
	cr_expect_eq(sip_auth_alloc(&a, NULL), EINVAL);
	p.realm = "";
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL, "empty realm");
	p.realm = "a\"b";
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL, "quote in the realm");
	p.realm = "a\\b";
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL, "backslash in the realm");
	p.realm = "a\rb";
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL, "CR in the realm");
	char longrealm[SIP_AUTH_REALM_MAX + 2];
	memset(longrealm, 'r', sizeof(longrealm) - 1);
	longrealm[sizeof(longrealm) - 1] = '\0';
	p.realm = longrealm;
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL, "realm too long");
	longrealm[SIP_AUTH_REALM_MAX] = '\0';
	cr_expect_eq(sip_auth_alloc(&a, &p), 0, "realm of the longest length");
	sip_auth_free(a);
	p.realm = "ok";
	p.nonce_lifetime = 0;
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL);
	p.nonce_lifetime = 3601;
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL);
	p.nonce_lifetime = 3600;
	p.secret = NULL;
	cr_expect_eq(sip_auth_alloc(&a, &p), EINVAL);
	sip_auth_free(NULL);
}

/* ---- Verification: the good cases ----------------------------------------------------- */

Test(sip_auth, qop_auth_accepted)
{
	char nonce[128];

	nonce_at(T0, nonce);
	struct sip_auth_verdict v = verify(good_hdr(nonce, "alice", "secret", "00000001",
						    "0a4f113b"));
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
	cr_expect_str_eq(v.user, "alice");
	cr_expect_eq(S.pw_calls, 1);
	cr_expect_str_eq(S.pw_user, "alice");

	/* The same nonce again with the next nc (RFC 2617 §3.2.2): a new request, accepted. */
	v = verify(good_hdr(nonce, "alice", "secret", "00000002", "0a4f113b"));
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
	/* Another user of the same nonce. */
	v = verify(good_hdr(nonce, "bob", "Circle Of Life", "00000001", "77"));
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
	cr_expect_str_eq(v.user, "bob");
}

Test(sip_auth, no_qop_accepted)
{
	char nonce[128], resp[33];

	nonce_at(T0, nonce);
	client_response(resp, "alice", REALM, "secret", "INVITE", RURI, nonce, NULL, NULL, NULL);
	struct sip_auth_verdict v = verify(su_sprintf(S.home,
		"Digest username=\"alice\",realm=\"" REALM "\",nonce=\"%s\",uri=\"" RURI "\","
		"response=\"%s\"", nonce, resp));
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
}

/* The uri directive may spell the Request-URI differently as long as it is the same URI
 * (RFC 3261 §19.1.4: the host is case-insensitive). */
Test(sip_auth, equivalent_uri_accepted)
{
	char nonce[128], resp[33];
	const char *uri = "sip:5550100@EXAMPLE.test:5060";

	nonce_at(T0, nonce);
	client_response(resp, "alice", REALM, "secret", "INVITE", uri, nonce, "auth",
			"00000001", "c");
	struct sip_auth_verdict v = verify_at(T0, su_sprintf(S.home,
		"Digest username=\"alice\", realm=\"" REALM "\", nonce=\"%s\", uri=\"%s\", "
		"response=\"%s\", qop=auth, nc=00000001, cnonce=\"c\"", nonce, uri, resp),
		"INVITE", "sip:5550100@example.test:5060");
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
}

/* ---- Nonces: lifetime, stale, forgery, replay ------------------------------------------ */

Test(sip_auth, nonce_lifetime_and_stale)
{
	char nonce[128];

	nonce_at(T0, nonce);
	const char *h = good_hdr(nonce, "alice", "secret", "00000001", "a");
	struct sip_auth_verdict v = verify_at(T0 + 30000, h, "INVITE", RURI);
	cr_expect_eq(v.result, SIP_AUTH_OK, "at the end of the lifetime: %s", v.reason);

	h = good_hdr(nonce, "alice", "secret", "00000002", "a");
	v = verify_at(T0 + 30001, h, "INVITE", RURI);
	cr_expect_eq(v.result, SIP_AUTH_STALE, "%s", v.reason);
	cr_expect_str_eq(v.reason, "nonce expired");
	cr_expect_str_eq(v.user, "alice");

	/* stale=true only for a right digest (RFC 2617 §3.2.1): else it is just refused. */
	v = verify_at(T0 + 60000, good_hdr(nonce, "alice", "wrong", "00000003", "a"), "INVITE",
		      RURI);
	expect_reject(v, "wrong password");
}

Test(sip_auth, replayed_credentials_refused)
{
	char nonce[128];

	nonce_at(T0, nonce);
	const char *h = good_hdr(nonce, "alice", "secret", "00000001", "a");
	struct sip_auth_verdict v = verify_at(T0 + 10, h, "INVITE", RURI);
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);
	v = verify_at(T0 + 20, h, "INVITE", RURI);
	expect_reject(v, "credentials replayed");
	v = verify_at(T0 + 29999, h, "INVITE", RURI);
	expect_reject(v, "credentials replayed");
	/* Beyond the lifetime the same credentials are stale: a new challenge, never a call. */
	v = verify_at(T0 + 30001, h, "INVITE", RURI);
	cr_expect_eq(v.result, SIP_AUTH_STALE, "%s", v.reason);
}

/* The table is bounded: past SIP_AUTH_REPLAY_SLOTS accepted credentials within one lifetime
 * the oldest is forgotten (documented in sip/auth.c), the newer ones are still refused. */
Test(sip_auth, replay_table_is_bounded)
{
	char nonce[128], nc[9];

	nonce_at(T0, nonce);
	const char *first = good_hdr(nonce, "alice", "secret", "00000001", "a");
	cr_assert_eq(verify(first).result, SIP_AUTH_OK);
	const char *last = NULL;
	for (unsigned i = 2; i <= SIP_AUTH_REPLAY_SLOTS + 1; i++) {
		snprintf(nc, sizeof(nc), "%08x", i);
		last = good_hdr(nonce, "alice", "secret", nc, "a");
		cr_assert_eq(verify(last).result, SIP_AUTH_OK, "nc %s", nc);
	}
	expect_reject(verify(last), "credentials replayed");
	cr_expect_eq(verify(first).result, SIP_AUTH_OK, "the oldest was overwritten");
}

Test(sip_auth, foreign_and_forged_nonces)
{
	char nonce[128], forged[160];

	/* Not ours at all: the RFC's example nonce, or nothing like one. */
	expect_reject(verify(good_hdr("dcd98b7102dd2f0e8b11d0f600bfb0c093", "alice", "secret",
				      "00000001", "a")), "unknown nonce");
	expect_reject(verify(good_hdr("x", "alice", "secret", "00000001", "a")),
		      "unknown nonce");

	/* Ours with the issue time moved on by one (to make it live longer): the MAC fails. */
	nonce_at(T0, nonce);
	snprintf(forged, sizeof(forged), "%s", nonce);
	forged[11] = forged[11] == 'f' ? 'e' : forged[11] == '9' ? 'a' : (char)(forged[11] + 1);
	expect_reject(verify(good_hdr(forged, "alice", "secret", "00000001", "a")),
		      "unknown nonce");
	/* Cut short, or with a digit more. */
	snprintf(forged, sizeof(forged), "%.51s", nonce);
	expect_reject(verify(good_hdr(forged, "alice", "secret", "00000001", "a")),
		      "unknown nonce");
	snprintf(forged, sizeof(forged), "%s0", nonce);
	expect_reject(verify(good_hdr(forged, "alice", "secret", "00000001", "a")),
		      "unknown nonce");

	/* Issued by another gateway (another secret). */
	struct sip_auth *other = NULL;
	uint8_t s2[SIP_AUTH_SECRET_LEN] = { 1 };
	struct sip_auth_params p = { .realm = REALM, .nonce_lifetime = 30, .secret = s2 };
	char ch[SIP_AUTH_CHALLENGE_MAX];
	cr_assert_eq(sip_auth_alloc(&other, &p), 0);
	cr_assert_eq(sip_auth_challenge(other, T0, false, ch, sizeof(ch)), 0);
	sip_auth_free(other);
	const char *n = strstr(ch, "nonce=\"") + 7;
	snprintf(forged, sizeof(forged), "%.*s", (int)strcspn(n, "\""), n);
	expect_reject(verify(good_hdr(forged, "alice", "secret", "00000001", "a")),
		      "unknown nonce");

	/* One from the future (a clock that went back): not ours either. */
	nonce_at(T0 + 5000, nonce);
	expect_reject(verify_at(T0, good_hdr(nonce, "alice", "secret", "00000001", "a"),
				"INVITE", RURI), "unknown nonce");
	/* The password is never looked up for a nonce not ours. */
	cr_expect_eq(S.pw_calls, 0);
}

/* ---- Verification: refusals ------------------------------------------------------------- */

Test(sip_auth, wrong_password_unknown_user_wrong_realm)
{
	char nonce[128], resp[33];

	nonce_at(T0, nonce);
	expect_reject(verify(good_hdr(nonce, "alice", "Secret", "00000001", "a")),
		      "wrong password");
	struct sip_auth_verdict v = verify(good_hdr(nonce, "mallory", "secret", "00000001", "a"));
	expect_reject(v, "unknown user");
	cr_expect_str_eq(v.user, "mallory");

	/* Right password, but hashed with (and claiming) another realm. */
	client_response(resp, "alice", "other", "secret", "INVITE", RURI, nonce, NULL, NULL,
			NULL);
	expect_reject(verify(su_sprintf(S.home, "Digest username=\"alice\", realm=\"other\", "
					"nonce=\"%s\", uri=\"" RURI "\", response=\"%s\"",
					nonce, resp)), "wrong realm");
	/* Claiming our realm while hashed with another: just a wrong digest. */
	expect_reject(verify(su_sprintf(S.home, "Digest username=\"alice\", realm=\"" REALM "\", "
					"nonce=\"%s\", uri=\"" RURI "\", response=\"%s\"",
					nonce, resp)), "wrong password");
}

/* Credentials for another request: another Request-URI or another method. */
Test(sip_auth, wrong_uri_or_method)
{
	char nonce[128];

	nonce_at(T0, nonce);
	const char *h = good_hdr(nonce, "alice", "secret", "00000001", "a");
	expect_reject(verify_at(T0, h, "INVITE", "sip:5550199@127.0.0.1:5060"),
		      "uri does not match the Request-URI");
	expect_reject(verify_at(T0, h, "INVITE", "sip:5550100@127.0.0.1:5061"),
		      "uri does not match the Request-URI");
	expect_reject(verify_at(T0, h, "INVITE", "not a uri"),
		      "uri does not match the Request-URI");
	expect_reject(verify_at(T0, h, "REGISTER", RURI), "wrong password");
}

/* One directive left out at a time. */
Test(sip_auth, missing_directives)
{
	static const struct { const char *drop, *why; } cases[] = {
		{ "username", "missing username" },
		{ "realm", "missing realm" },
		{ "nonce", "missing nonce" },
		{ "uri", "missing uri" },
		{ "response", "missing response" },
		{ "nc", "qop=auth without nc" },
		{ "cnonce", "qop=auth without cnonce" },
	};
	char nonce[128];

	nonce_at(T0, nonce);
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const msg_auth_t *au = parse_hdr(good_hdr(nonce, "alice", "secret", "00000001",
							  "a"));
		cr_assert_not_null(au);
		const char *p[16];
		unsigned n = 0;
		size_t dl = strlen(cases[c].drop);
		for (unsigned i = 0; au->au_params[i]; i++)
			if (strncmp(au->au_params[i], cases[c].drop, dl) || au->au_params[i][dl] != '=')
				p[n++] = au->au_params[i];
		p[n] = NULL;
		cr_assert_lt(n, 10, "%s was dropped", cases[c].drop);
		struct sip_auth_request rq = { "INVITE", RURI, "Digest", p };
		struct sip_auth_verdict v;
		sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
		expect_reject(v, cases[c].why);
		cr_expect_eq(sip_auth_digest_check(p, "INVITE", "secret"), EBADMSG, "%s",
			     cases[c].drop);
	}
	cr_expect_eq(S.pw_calls, 0);
}

/* Values of the wrong form. */
Test(sip_auth, malformed_directives)
{
	static const struct { const char *hdr, *why; } cases[] = {
		{ "Digest username=\"\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\"", "missing username" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\"", "missing nonce" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"\", "
		  "response=\"6629fae49393a05397450978507c4ef1\"", "missing uri" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef\"", "response is not 32 hex digits" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1a\"",
		  "response is not 32 hex digits" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4efg\"",
		  "response is not 32 hex digits" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5-sess, "
		  "qop=auth, nc=00000001, cnonce=\"c\"", "unsupported algorithm" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", algorithm=SHA-256",
		  "unsupported algorithm" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", qop=auth-int, nc=00000001, "
		  "cnonce=\"c\"", "unsupported qop" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=1, cnonce=\"c\"",
		  "nc is not 8 hex digits" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=0000000x, "
		  "cnonce=\"c\"", "nc is not 8 hex digits" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", uri=\"" RURI "\", "
		  "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, nc=00000001, "
		  "cnonce=\"\"", "qop=auth without cnonce" },
		{ "Digest username=\"alice\", realm=\"" REALM "\", nonce=\"n\", nonce=\"m\", "
		  "uri=\"" RURI "\", response=\"6629fae49393a05397450978507c4ef1\"",
		  "duplicate nonce" },
		{ "Digest username=\"alice\", username=\"bob\", realm=\"" REALM "\", nonce=\"n\", "
		  "uri=\"" RURI "\", response=\"6629fae49393a05397450978507c4ef1\"",
		  "duplicate username" },
		{ "Basic YWxpY2U6c2VjcmV0", "not Digest credentials" },
		{ "Digest garbage", "missing username" },
		{ "Digest a=b, c=d", "missing username" },
	};

	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const msg_auth_t *au = parse_hdr(cases[c].hdr);
		cr_assert_not_null(au, "Sofia-SIP refused case %u: %s", c, cases[c].hdr);
		struct sip_auth_request rq = { "INVITE", RURI, au->au_scheme, au->au_params };
		struct sip_auth_verdict v;
		sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
		cr_expect_eq(v.result, SIP_AUTH_REJECT, "case %u", c);
		cr_expect_str_eq(v.reason, cases[c].why, "case %u: %s", c, cases[c].hdr);
	}
	cr_expect_eq(S.pw_calls, 0, "no password looked up for malformed credentials");
}

/* Parameter lists no parser would give, and overlong values. */
Test(sip_auth, garbage_and_overlong)
{
	struct sip_auth_verdict v;
	struct sip_auth_request rq = { "INVITE", RURI, "Digest", NULL };
	static const char *const empty[] = { NULL };
	static const char *const odd[] = { "=", "username", "=\"\"", "realm=", NULL };

	sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
	expect_reject(v, "no parameters");
	rq.params = empty;
	sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
	expect_reject(v, "no parameters");
	rq.params = odd;
	sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
	expect_reject(v, "missing username");
	rq.scheme = NULL;
	sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
	expect_reject(v, "not Digest credentials");
	sip_auth_verify(S.auth, T0, NULL, passwords, NULL, &v);
	cr_expect_eq(v.result, SIP_AUTH_REJECT);
	cr_expect_eq(sip_auth_digest_check(NULL, "INVITE", "x"), EBADMSG);

	/* A cnonce just too long, then a user name of 10000 characters. */
	char nonce[128], big[SIP_AUTH_VALUE_MAX + 2];
	nonce_at(T0, nonce);
	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	v = verify(good_hdr(nonce, "alice", "secret", "00000001", big));
	expect_reject(v, "overlong parameter");
	big[SIP_AUTH_VALUE_MAX - 2] = '\0';	/* quotes included: the longest allowed */
	v = verify(good_hdr(nonce, "alice", "secret", "00000001", big));
	cr_expect_eq(v.result, SIP_AUTH_OK, "%s", v.reason);

	char *huge = malloc(10001);
	cr_assert_not_null(huge);
	memset(huge, 'u', 10000);
	huge[10000] = '\0';
	v = verify(good_hdr(nonce, huge, "secret", "00000001", "a"));
	free(huge);
	expect_reject(v, "overlong parameter");
	cr_expect_eq(strlen(v.user), SIP_AUTH_USER_LOG_MAX - 1, "cut for the log");
	cr_expect_eq(S.pw_calls, 1);
}

/* What reaches a log line is printable ASCII only. */
Test(sip_auth, user_name_made_printable_for_logs)
{
	static const char *const p[] = { "username=\"al\\\"ice\x01\x7f\xc3\xa9 x\"", NULL };
	struct sip_auth_request rq = { "INVITE", RURI, "Digest", p };
	struct sip_auth_verdict v;

	sip_auth_verify(S.auth, T0, &rq, passwords, NULL, &v);
	expect_reject(v, "missing realm");
	cr_expect_str_eq(v.user, "al\"ice?????x");
}

/* Random parameter lists and random header text (fixed seed): refused, never a crash, never
 * a password asked for a nonce that is not ours. ASan/UBSan watch the reads. */
Test(sip_auth, random_input_is_refused)
{
	static const char alphabet[] = "abcdefnorsuqi=\",\\ :/@0123456789\x01\xff";
	static const char *const names[] = { "username=", "realm=", "nonce=", "uri=",
					     "response=", "qop=", "nc=", "cnonce=",
					     "algorithm=", "" };
	unsigned seed = 1234;
	char nonce[128];

	nonce_at(T0, nonce);
	for (unsigned iter = 0; iter < 3000; iter++) {
		char bufs[8][160];
		const char *p[9];
		unsigned n = (unsigned)rand_r(&seed) % 9;
		for (unsigned i = 0; i < n; i++) {
			const char *name = names[(unsigned)rand_r(&seed) % 10];
			size_t len = strlen(name), vlen = (unsigned)rand_r(&seed) % 60;
			memcpy(bufs[i], name, len);
			for (size_t k = 0; k < vlen; k++)
				bufs[i][len + k] = alphabet[(unsigned)rand_r(&seed) %
							    (sizeof(alphabet) - 1)];
			bufs[i][len + vlen] = '\0';
			if (iter % 7 == 0 && !strcmp(name, "nonce="))	/* sometimes ours */
				snprintf(bufs[i], sizeof(bufs[i]), "nonce=\"%s\"", nonce);
			p[i] = bufs[i];
		}
		p[n] = NULL;
		struct sip_auth_request rq = { "INVITE", RURI, "Digest", p };
		struct sip_auth_verdict v;
		sip_auth_verify(S.auth, T0 + 1, &rq, passwords, NULL, &v);
		cr_assert_eq(v.result, SIP_AUTH_REJECT, "iteration %u: %s", iter, v.reason);
		cr_assert_not_null(v.reason);
		cr_assert_lt(strlen(v.user), SIP_AUTH_USER_LOG_MAX);
		(void)sip_auth_digest_check(p, "INVITE", "secret");

		/* The same bytes as one header value, through Sofia-SIP's parser. */
		char hdr[1400] = "Digest ";
		for (unsigned i = 0; i < n; i++) {
			strcat(hdr, p[i]);
			strcat(hdr, i + 1 < n ? "," : "");
		}
		const msg_auth_t *au = sip_authorization_make(S.home, hdr);
		if (au) {
			struct sip_auth_request r2 = { "INVITE", RURI, au->au_scheme,
						       au->au_params };
			sip_auth_verify(S.auth, T0 + 1, &r2, passwords, NULL, &v);
			cr_assert_eq(v.result, SIP_AUTH_REJECT, "iteration %u: %s", iter, hdr);
		}
	}
	cr_expect_eq(S.pw_calls, 0, "a password was looked up");
}
