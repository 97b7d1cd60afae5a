/* Unit tests for sip/sdp_crypto (SDES, RFC 4568): a=crypto parsing and printing with the
 * RFC's own examples, keys from getrandom, suite lists; and through sip/sdp the srtp
 * policy matrix (off/optional/mandatory × plain, best-effort and SAVP offers), our offers,
 * answers to them, and re-keying on a re-offer (RFC 4568 §7.1.4). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/sdp.h"
#include "sip/sdp_crypto.h"

#define L(x) x "\r\n"
#define HEAD(ver) L("v=0") L("o=- 5 " #ver " IN IP4 198.51.100.7") L("s=-") \
	L("c=IN IP4 198.51.100.7") L("t=0 0")

/* RFC 4568 §9.1 (its example offer and answer) and §5.1 (session parameters) */
#define RFC_OFFER "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"
#define RFC_ANSWER "1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32"
#define RFC_FEC "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP"
/* no MKI, as peers send them in practice */
#define K1 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define K2 "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"
#define KGCM "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA=="	/* 28 bytes */

Test(sdp_crypto, rfc4568_examples)
{
	struct sdp_crypto c;

	cr_assert_eq(sdp_crypto_parse(&c, RFC_OFFER), 0);
	cr_expect_eq(c.tag, 1);
	cr_expect_eq(c.suite, SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80);
	cr_expect_eq(c.key_len, 30);
	cr_expect_eq(memcmp(c.key, "=-n@%^x!B", 9), 0, "base64 of key||salt");
	cr_expect_eq(c.lifetime, 1u << 20);
	cr_expect(c.mki);
	cr_expect(!c.usable, "MKI: not used by us");
	cr_assert_eq(sdp_crypto_parse(&c, RFC_ANSWER), 0);
	cr_expect_eq(c.key_len, 30);
	cr_assert_eq(sdp_crypto_parse(&c, RFC_FEC), 0);
	cr_expect(c.session_params);
	cr_expect(!c.usable);

	cr_assert_eq(sdp_crypto_parse(&c, "7 AES_CM_128_HMAC_SHA1_32 inline:" K2), 0);
	cr_expect_eq(c.tag, 7);
	cr_expect_eq(c.suite, SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32);
	cr_expect(c.usable);
	cr_expect_eq(c.lifetime, 0);
	cr_assert_eq(sdp_crypto_parse(&c, "2 AEAD_AES_128_GCM inline:" KGCM "|1048576"), 0);
	cr_expect_eq(c.key_len, 28);
	cr_expect_eq(c.lifetime, 1048576);
	cr_expect(c.usable);
	cr_expect_eq(memcmp(c.key, "1234567890123456789012345678", 28), 0);

	/* a wrong length for the suite, an unknown suite, two keys: parsed, not usable */
	cr_assert_eq(sdp_crypto_parse(&c, "1 AEAD_AES_128_GCM inline:" K1), 0);
	cr_expect(!c.usable);
	cr_assert_eq(sdp_crypto_parse(&c, "1 F8_128_HMAC_SHA1_80 inline:" K1), 0);
	cr_expect_eq(c.suite, SDP_CRYPTO_NONE);
	cr_expect(!c.usable);
	cr_assert_eq(sdp_crypto_parse(&c, "1 AES_CM_128_HMAC_SHA1_80 inline:" K1 ";inline:" K2), 0);
	cr_expect_eq(c.n_keys, 2);
	cr_expect(!c.usable);

	/* not the grammar */
	const char *bad[] = { "", "x AES_CM_128_HMAC_SHA1_80 inline:" K1,
			      "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" K1,
			      "1 AES_CM_128_HMAC_SHA1_80", "1 AES_CM_128_HMAC_SHA1_80 inline:@@@@",
			      "1 AES_CM_128_HMAC_SHA1_80 uri:" K1,
			      "1 AES_CM_128_HMAC_SHA1_80 inline:" K1 "|junk",
			      "1 AES_CM_128_HMAC_SHA1_80 inline:" K1 "|1:x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(sdp_crypto_parse(&c, bad[i]), EBADMSG, "'%s'", bad[i]);
}

Test(sdp_crypto, print_parse_round_trip_and_new_keys)
{
	struct sdp_crypto a, b, c;
	char text[SDP_CRYPTO_TEXT_MAX];

	cr_assert_eq(sdp_crypto_parse(&a, "3 AES_CM_128_HMAC_SHA1_80 inline:" K1), 0);
	cr_assert_eq(sdp_crypto_format(&a, text, sizeof text), 0);
	cr_expect_str_eq(text, "3 AES_CM_128_HMAC_SHA1_80 inline:" K1);
	cr_assert_eq(sdp_crypto_parse(&a, "2 AEAD_AES_128_GCM inline:" KGCM), 0);
	cr_assert_eq(sdp_crypto_format(&a, text, sizeof text), 0);
	cr_expect_str_eq(text, "2 AEAD_AES_128_GCM inline:" KGCM);
	cr_expect_eq(sdp_crypto_format(&a, text, 20), ENOSPC);

	for (int s = SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80; s < SDP_CRYPTO_SUITE_COUNT; s++) {
		cr_assert_eq(sdp_crypto_new(&a, 5, s), 0);
		cr_assert_eq(sdp_crypto_new(&b, 5, s), 0);
		cr_expect_eq(a.key_len, s == SDP_CRYPTO_AEAD_AES_128_GCM ? 28u : 30u);
		cr_expect_neq(memcmp(a.key, b.key, a.key_len), 0, "two keys alike");
		cr_assert_eq(sdp_crypto_format(&a, text, sizeof text), 0);
		cr_assert_eq(sdp_crypto_parse(&c, text), 0);
		cr_expect(c.usable, "%s", text);
		cr_expect_eq(c.suite, s);
		cr_expect_eq(memcmp(c.key, a.key, a.key_len), 0);
	}
	cr_expect_eq(sdp_crypto_new(&a, 1, SDP_CRYPTO_NONE), EINVAL);
}

Test(sdp_crypto, suite_lists)
{
	enum sdp_crypto_suite s[SDP_CRYPTO_MAX];

	cr_assert_eq(sdp_crypto_suites_parse("AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_32", s), 0);
	cr_expect_eq(s[0], SDP_CRYPTO_AEAD_AES_128_GCM);
	cr_expect_eq(s[1], SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32);
	cr_expect_eq(s[2], SDP_CRYPTO_NONE);
	cr_expect_eq(sdp_crypto_suites_parse("AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_80", s),
		     EINVAL);
	cr_expect_eq(sdp_crypto_suites_parse("AES_256_CM_HMAC_SHA1_80", s), EINVAL);
	cr_expect_eq(sdp_crypto_suites_parse("", s), EINVAL);
}

/* ---- offer/answer through sip/sdp ---- */

static struct sdp_oa *mk(enum sdp_srtp_policy pol, enum sdp_crypto_suite only)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1,
				   .sess_version = 1, .srtp = pol, .srtp_suites = { only } };
	struct sdp_oa *oa = NULL;

	cr_assert_eq(sdp_oa_alloc(&oa, &p), 0);
	return oa;
}

#define M_AVP L("m=audio 5000 RTP/AVP 0") L("a=rtpmap:0 PCMU/8000")
#define M_SAVP L("m=audio 5000 RTP/SAVP 0") L("a=rtpmap:0 PCMU/8000")
#define CRYPTO(line) L("a=crypto:" line)

enum outcome { PLAIN, SRTP, REFUSED };

static void expect_answer(enum sdp_srtp_policy pol, const char *offer, enum outcome want,
			  const char *proto)
{
	struct sdp_oa *oa = mk(pol, SDP_CRYPTO_NONE);
	char out[SDP_TEXT_MAX];
	struct sdp_neg neg;
	struct sdp_error err = { 0 };
	int rc = sdp_oa_answer(oa, offer, strlen(offer), out, sizeof out, NULL, &neg, &err);

	if (want == REFUSED) {
		/* 488 either way; off says what it always said */
		cr_expect_eq(rc, ENOTSUP, "policy %d: %s", pol, offer);
		cr_expect_eq(err.code, pol == SDP_SRTP_OFF ? SDP_E_NO_AUDIO : SDP_E_NO_CRYPTO,
			     "policy %d: %s (%s)", pol, sdp_errcode_name(err.code), err.msg);
	} else {
		cr_assert_eq(rc, 0, "policy %d: %s: %s", pol, offer, err.msg);
		cr_expect_eq(neg.srtp.suite != SDP_CRYPTO_NONE, want == SRTP, "policy %d: %s",
			     pol, offer);
		cr_expect_eq(strstr(out, "a=crypto:") != NULL, want == SRTP, "%s", out);
		char m[64];
		snprintf(m, sizeof m, "m=audio 4000 %s 0", proto);
		cr_expect(strstr(out, m), "want '%s' in\n%s", m, out);
	}
	sdp_oa_free(oa);
}

Test(sdp_crypto, answer_policy_matrix)
{
	const char *avp = HEAD(1) M_AVP;
	const char *avp_c = HEAD(1) M_AVP CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K1);
	const char *savp = HEAD(1) M_SAVP CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K1);
	const char *savp_none = HEAD(1) M_SAVP;
	const char *savp_mki = HEAD(1) M_SAVP CRYPTO(RFC_OFFER);

	expect_answer(SDP_SRTP_OFF, avp, PLAIN, "RTP/AVP");
	expect_answer(SDP_SRTP_OFF, avp_c, PLAIN, "RTP/AVP");
	expect_answer(SDP_SRTP_OFF, savp, REFUSED, NULL);
	expect_answer(SDP_SRTP_OPTIONAL, avp, PLAIN, "RTP/AVP");
	expect_answer(SDP_SRTP_OPTIONAL, avp_c, SRTP, "RTP/AVP");
	expect_answer(SDP_SRTP_OPTIONAL, savp, SRTP, "RTP/SAVP");
	expect_answer(SDP_SRTP_OPTIONAL, savp_none, REFUSED, NULL);
	expect_answer(SDP_SRTP_MANDATORY, avp, REFUSED, NULL);
	expect_answer(SDP_SRTP_MANDATORY, avp_c, SRTP, "RTP/AVP");
	expect_answer(SDP_SRTP_MANDATORY, savp, SRTP, "RTP/SAVP");
	expect_answer(SDP_SRTP_MANDATORY, savp_mki, REFUSED, NULL);
	expect_answer(SDP_SRTP_MANDATORY, savp_none, REFUSED, NULL);
}

/* The answerer takes the first line of the offerer's order whose suite it allows, answers
 * its tag and suite with a key of its own, and the keys are the right way round. */
Test(sdp_crypto, answer_picks_and_keys)
{
	struct sdp_oa *oa = mk(SDP_SRTP_MANDATORY, SDP_CRYPTO_AEAD_AES_128_GCM);
	const char *offer = HEAD(1) M_SAVP CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K1)
			    CRYPTO("2 AEAD_AES_128_GCM inline:" KGCM);
	char out[SDP_TEXT_MAX];
	struct sdp_neg neg;
	struct sdp_desc d;
	struct sdp_error err = { 0 };

	cr_assert_eq(sdp_oa_answer(oa, offer, strlen(offer), out, sizeof out, NULL, &neg, &err),
		     0, "%s", err.msg);
	cr_expect_eq(neg.srtp.suite, SDP_CRYPTO_AEAD_AES_128_GCM);
	cr_expect_eq(neg.srtp.tag, 2);
	cr_expect_eq(memcmp(neg.srtp.rx_key, "1234567890123456789012345678", 28), 0);
	cr_assert_eq(sdp_desc_parse(&d, out, strlen(out), &err), 0);
	cr_assert_eq(d.streams[0].n_crypto, 1, "%s", out);
	cr_expect_eq(d.streams[0].crypto[0].tag, 2);
	cr_expect_eq(memcmp(d.streams[0].crypto[0].key, neg.srtp.tx_key, 28), 0,
		     "our answer carries the key we send with");
	cr_expect_neq(memcmp(neg.srtp.tx_key, neg.srtp.rx_key, 28), 0);
	sdp_oa_free(oa);
}

Test(sdp_crypto, our_offers_and_their_answers)
{
	struct sdp_oa *oa;
	char out[SDP_TEXT_MAX];
	struct sdp_neg neg;
	struct sdp_desc d;
	struct sdp_error err = { 0 };

	oa = mk(SDP_SRTP_OFF, SDP_CRYPTO_NONE);
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	cr_expect(strstr(out, "m=audio 4000 RTP/AVP "));
	cr_expect(!strstr(out, "a=crypto"));
	sdp_oa_free(oa);

	oa = mk(SDP_SRTP_OPTIONAL, SDP_CRYPTO_NONE);
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	cr_expect(strstr(out, "m=audio 4000 RTP/AVP "), "best effort: %s", out);
	cr_assert_eq(sdp_desc_parse(&d, out, strlen(out), &err), 0);
	cr_expect_eq(d.streams[0].n_crypto, 3);
	cr_expect_eq(d.streams[0].crypto[0].suite, SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80);
	cr_expect_eq(d.streams[0].crypto[1].suite, SDP_CRYPTO_AEAD_AES_128_GCM);
	cr_expect_eq(d.streams[0].crypto[2].suite, SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32);
	/* a plain answer: RTP */
	const char *plain = HEAD(1) M_AVP;
	cr_assert_eq(sdp_oa_process_answer(oa, plain, strlen(plain), &neg, &err), 0, "%s", err.msg);
	cr_expect_eq(neg.srtp.suite, SDP_CRYPTO_NONE);
	sdp_oa_free(oa);

	oa = mk(SDP_SRTP_MANDATORY, SDP_CRYPTO_NONE);
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	cr_expect(strstr(out, "m=audio 4000 RTP/SAVP "), "%s", out);
	cr_assert_eq(sdp_desc_parse(&d, out, strlen(out), &err), 0);
	cr_assert_eq(d.streams[0].n_crypto, 3);
	const struct sdp_crypto offered_gcm = d.streams[0].crypto[1];
	cr_expect_eq(offered_gcm.tag, 2);
	/* no crypto in the answer: the call cannot go on */
	const char *bare = HEAD(1) M_SAVP;
	cr_expect_eq(sdp_oa_process_answer(oa, bare, strlen(bare), &neg, &err), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_CRYPTO);
	/* a tag we did not offer */
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	const char *foreign = HEAD(1) M_SAVP CRYPTO("9 AES_CM_128_HMAC_SHA1_80 inline:" K2);
	cr_expect_eq(sdp_oa_process_answer(oa, foreign, strlen(foreign), &neg, &err), ENOTSUP);
	/* tag 2, GCM: taken, our GCM key to send, theirs to receive */
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	cr_assert_eq(sdp_desc_parse(&d, out, strlen(out), &err), 0);
	const struct sdp_crypto ours = d.streams[0].crypto[1];
	const char *ok = HEAD(1) M_SAVP CRYPTO("2 AEAD_AES_128_GCM inline:" KGCM);
	cr_assert_eq(sdp_oa_process_answer(oa, ok, strlen(ok), &neg, &err), 0, "%s", err.msg);
	cr_expect_eq(neg.srtp.suite, SDP_CRYPTO_AEAD_AES_128_GCM);
	cr_expect_eq(memcmp(neg.srtp.tx_key, ours.key, 28), 0);
	cr_expect_eq(memcmp(neg.srtp.rx_key, "1234567890123456789012345678", 28), 0);
	/* our re-offer (hold, refresh) repeats the running key for that suite */
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof out, NULL, &err), 0);
	cr_assert_eq(sdp_desc_parse(&d, out, strlen(out), &err), 0);
	cr_expect_eq(memcmp(d.streams[0].crypto[1].key, ours.key, 28), 0, "key kept");
	sdp_oa_cancel_offer(oa);
	sdp_oa_free(oa);
}

/* RFC 4568 §7.1.4: a re-offer with the same key keeps the session (and our key); a new key
 * starts a new session, and we answer with a new key of ours. */
Test(sdp_crypto, rekey_on_reoffer)
{
	struct sdp_oa *oa = mk(SDP_SRTP_MANDATORY, SDP_CRYPTO_NONE);
	char out[SDP_TEXT_MAX];
	struct sdp_neg n1, n2, n3;
	struct sdp_error err = { 0 };
	const char *o1 = HEAD(1) M_SAVP CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K1);
	const char *o2 = HEAD(2) M_SAVP L("a=sendonly") CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K1);
	const char *o3 = HEAD(3) M_SAVP CRYPTO("1 AES_CM_128_HMAC_SHA1_80 inline:" K2);

	cr_assert_eq(sdp_oa_answer(oa, o1, strlen(o1), out, sizeof out, NULL, &n1, &err), 0);
	cr_assert_eq(sdp_oa_answer(oa, o2, strlen(o2), out, sizeof out, NULL, &n2, &err), 0);
	cr_expect_eq(memcmp(&n1.srtp, &n2.srtp, sizeof n1.srtp), 0, "same key: same session");
	cr_assert_eq(sdp_oa_answer(oa, o3, strlen(o3), out, sizeof out, NULL, &n3, &err), 0);
	cr_expect_neq(memcmp(n3.srtp.rx_key, n1.srtp.rx_key, 30), 0);
	cr_expect_neq(memcmp(n3.srtp.tx_key, n1.srtp.tx_key, 30), 0, "we re-key too");
	sdp_oa_free(oa);
}
