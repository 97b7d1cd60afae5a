/* SDES: SRTP keys in SDP (RFC 4568), free of I/O but for the key generator (getrandom).
 *
 *   a=crypto:<tag> <crypto-suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>]
 *            [<session-params>]
 *
 * Each side's a=crypto carries the key it SENDS with (RFC 4568 §6.1); the answerer picks
 * one line of the offer (the first with a suite it allows) and answers with the same tag
 * and suite and its own key. A line with MKI, several keys or session parameters is parsed
 * but not usable here (we run one key, no MKI, libsrtp's defaults). Keys are never logged.
 *
 * Policy per trunk (enum sdp_srtp_policy):
 *   off        offer RTP/AVP, no crypto; take only RTP/AVP streams (an RTP/SAVP-only offer
 *              gets 488)
 *   optional   offer RTP/AVP with a=crypto lines (best-effort SRTP, the common practice of
 *              draft-ietf-mmusic-best-effort-srtp: a plain peer answers without crypto and
 *              the call runs RTP, an SRTP peer answers a crypto line); take RTP/SAVP with
 *              a usable crypto line, RTP/AVP with one (SRTP) or without (plain RTP)
 *   mandatory  offer RTP/SAVP with a=crypto lines; take only streams with a usable crypto
 *              line (RTP/SAVP, or RTP/AVP with crypto: the media is SRTP either way); a
 *              plain RTP/AVP offer gets 488, an answer without crypto fails the call
 * Re-keying (RFC 4568 §7.1.4): an offer whose chosen line has the same tag, suite and key
 * as the running session keeps it (and our key); a new key starts a new session and we
 * answer with a new key of ours. Our own re-offers repeat our running key. */
#ifndef STROWGER_SDP_CRYPTO_H
#define STROWGER_SDP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDP_CRYPTO_MAX     4	/* a=crypto lines kept per m= line, suites per trunk */
#define SDP_CRYPTO_KEY_MAX 30	/* [bytes] master key ‖ salt */
#define SDP_CRYPTO_TEXT_MAX 128	/* one a=crypto value as text */

enum sdp_crypto_suite {
	SDP_CRYPTO_NONE = 0,			/* plain RTP / an unknown suite */
	SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80,	/* RFC 4568 §6.2.1 */
	SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32,	/* RFC 4568 §6.2.2 */
	SDP_CRYPTO_AEAD_AES_128_GCM,		/* RFC 7714 §12 */
	SDP_CRYPTO_SUITE_COUNT
};

enum sdp_srtp_policy { SDP_SRTP_OFF = 0, SDP_SRTP_OPTIONAL, SDP_SRTP_MANDATORY };

/* One a=crypto line. */
struct sdp_crypto {
	unsigned tag;				/* 1..999999999 */
	enum sdp_crypto_suite suite;		/* NONE: a suite we do not know */
	uint8_t key[SDP_CRYPTO_KEY_MAX];	/* master key ‖ master salt */
	unsigned key_len;			/* [bytes] as decoded */
	uint64_t lifetime;			/* [packets] 0: not given */
	bool mki;				/* an MKI was given */
	unsigned n_keys;			/* inline key-params on the line */
	bool session_params;			/* session parameters were given */
	bool usable;				/* known suite, one key of its length, no MKI,
						 * no session parameters */
};

/* The keys of an SRTP session as negotiated: suite NONE is plain RTP. */
struct sdp_srtp_keys {
	enum sdp_crypto_suite suite;
	unsigned tag;
	uint8_t tx_key[SDP_CRYPTO_KEY_MAX];	/* ours (our a=crypto) */
	uint8_t rx_key[SDP_CRYPTO_KEY_MAX];	/* the peer's */
};

/* [bytes] master key ‖ salt of a suite: 30 (AES-CM), 28 (GCM); 0 for NONE. */
unsigned sdp_crypto_key_len(enum sdp_crypto_suite suite);
const char *sdp_crypto_suite_name(enum sdp_crypto_suite suite);	/* "AES_CM_128_HMAC_SHA1_80" */
/* A suite by name (case-sensitive, as RFC 4568 §10.3.2.1 registers them), or NONE. */
enum sdp_crypto_suite sdp_crypto_suite_from_name(const char *name, size_t len);
/* "AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM" into out (SDP_CRYPTO_MAX entries, the rest
 * NONE). Return 0, or EINVAL (an unknown or repeated suite, none at all). */
int sdp_crypto_suites_parse(const char *text, enum sdp_crypto_suite *out);

/* Parse the value of an a=crypto attribute (after "crypto:"). Return 0 (see c->usable),
 * or EBADMSG (not the RFC 4568 §9.1 grammar). */
int sdp_crypto_parse(struct sdp_crypto *c, const char *value);
/* "TAG SUITE inline:KEY" into buf. Return 0, EINVAL (no suite, wrong key length), ENOSPC. */
int sdp_crypto_format(const struct sdp_crypto *c, char *buf, size_t size);
/* A line with a fresh key from the kernel's CSPRNG. Return 0, EINVAL, or getrandom's errno. */
int sdp_crypto_new(struct sdp_crypto *c, unsigned tag, enum sdp_crypto_suite suite);

/* ---- offer/answer (sip/sdp.c) ---------------------------------------------------------- */

/* A dialog's SDES state: the policy, its suites, the running session. */
struct sdp_crypto_state {
	enum sdp_srtp_policy policy;
	enum sdp_crypto_suite suites[SDP_CRYPTO_MAX];	/* preference order */
	unsigned n_suites;
	struct sdp_srtp_keys cur;			/* running session; suite NONE: none */
};

/* What our m= line carries: its transport and our a=crypto lines. */
struct sdp_crypto_lines {
	const char *proto;				/* "RTP/AVP" or "RTP/SAVP" */
	unsigned n;
	struct sdp_crypto lines[SDP_CRYPTO_MAX];
};

/* suites: NONE-terminated preference (all NONE: AES_CM_128_HMAC_SHA1_80,
 * AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_32). Return 0 or EINVAL. */
int sdp_crypto_state_init(struct sdp_crypto_state *cs, enum sdp_srtp_policy policy,
			  const enum sdp_crypto_suite *suites);
/* Our offer's lines: one per suite, tags 1.., the running key repeated for its suite.
 * Return 0 or getrandom's errno. */
int sdp_crypto_offer(const struct sdp_crypto_state *cs, struct sdp_crypto_lines *out);

struct sdp_stream;
/* May we take this offered stream (proto, crypto lines) under the policy? Return 0 with
 * *chosen the line to answer (NULL: plain RTP), or ENOTSUP with the reason in why (left
 * alone when srtp is off or the stream is not RTP: the stream is simply not ours). */
int sdp_crypto_stream_ok(const struct sdp_crypto_state *cs, const struct sdp_stream *st,
			 const struct sdp_crypto **chosen, const char **why);
/* Our answer's line to chosen (NULL: none) and the keys: ours kept when the peer's key is
 * the running one, else new. out->proto echoes the offer's. Return 0 or getrandom's errno. */
int sdp_crypto_answer(const struct sdp_crypto_state *cs, const struct sdp_stream *st,
		      const struct sdp_crypto *chosen, struct sdp_crypto_lines *out,
		      struct sdp_srtp_keys *keys);
/* The answer to our offer (off: what we offered): one line with a tag we offered and its
 * suite, or none when our offer allowed plain RTP. Return 0 with *keys, or ENOTSUP (no or
 * a foreign crypto line where one is required: why says which). */
int sdp_crypto_take_answer(const struct sdp_crypto_lines *off, const struct sdp_stream *st,
			   struct sdp_srtp_keys *keys, const char **why);

#endif
