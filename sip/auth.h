/* Digest authentication of requests we receive as UAS: RFC 3261 §22.4 over RFC 2617 §3
 * (MD5, qop "auth" or none; RFC 7616 §3.4 computes the same for MD5).
 *
 * I/O-free: the caller passes the time, the secret, the request's method, Request-URI and
 * Authorization parameters as Sofia-SIP parsed them, and a function that finds a user's
 * password. Sofia-SIP's <sofia-sip/auth_digest.h> parses the parameters and computes the
 * digest; this module adds the policy around it.
 *
 * Nonces are stateless: hex of the issue time [ms], a counter and HMAC-MD5 (RFC 2104) of
 * both under a random secret; one is accepted only if its MAC verifies and it is younger
 * than the lifetime. An older one with a correct digest gets a new challenge with
 * stale=true (RFC 2617 §3.2.1). Credentials once accepted are remembered until their nonce
 * expires (a bounded table), so the same Authorization replayed within the lifetime is
 * refused.
 */
#ifndef STROWGER_SIP_AUTH_H
#define STROWGER_SIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_AUTH_SECRET_LEN	32	/* [bytes] of the nonce key (getrandom) */
#define SIP_AUTH_REALM_MAX	128	/* [chars] of a realm, without quotes */
#define SIP_AUTH_VALUE_MAX	256	/* [chars] of one credential parameter; longer: refused */
#define SIP_AUTH_CHALLENGE_MAX	512	/* a buffer this large holds any challenge */
#define SIP_AUTH_USER_LOG_MAX	64	/* [chars] of the user name kept for logs */
#define SIP_AUTH_REPLAY_SLOTS	1024	/* credentials remembered against replay */

struct sip_auth;

struct sip_auth_params {
	const char *realm;		/* protection domain (RFC 3261 §22.1); no '"' or '\' */
	unsigned nonce_lifetime;	/* [s] a nonce is good this long, 1..3600 */
	const uint8_t *secret;		/* SIP_AUTH_SECRET_LEN random bytes, copied */
};

/* Return 0, EINVAL (bad realm, lifetime or secret) or ENOMEM. */
int sip_auth_alloc(struct sip_auth **ap, const struct sip_auth_params *p);
void sip_auth_free(struct sip_auth *a);

/* The WWW-Authenticate value for a 401 with a fresh nonce issued at now [ms, any monotonic
 * clock, the one verify is given]:
 *   Digest realm="R", nonce="N", algorithm=MD5, qop="auth"[, stale=true]
 * Return 0 or ENOSPC. */
int sip_auth_challenge(struct sip_auth *a, uint64_t now, bool stale, char *buf, size_t len);

/* The password of user, or NULL when no such user may authenticate. */
typedef const char *(sip_auth_password_h)(const char *user, void *arg);

struct sip_auth_request {
	const char *method;		/* "INVITE" */
	const char *uri;		/* the Request-URI as text */
	const char *scheme;		/* the Authorization header's scheme, "Digest" */
	const char *const *params;	/* its parameters, "name=value" (values as received,
					 * quoted or not), NULL-terminated */
};

enum sip_auth_result {
	SIP_AUTH_OK,			/* user authenticated */
	SIP_AUTH_STALE,			/* right digest, expired nonce: 401 with stale=true */
	SIP_AUTH_REJECT,		/* anything else: 403 */
};

struct sip_auth_verdict {
	enum sip_auth_result result;
	const char *reason;		/* static text for the log, "wrong password" ... */
	char user[SIP_AUTH_USER_LOG_MAX];	/* the username given, printable ASCII only,
					 * cut to fit (for logs); "" when there was none */
};

/* Check the credentials of one request at time now [ms]. pwh(user, arg) is asked for the
 * password of the username given, once, after the form, realm, nonce MAC and uri have been
 * checked. On SIP_AUTH_OK the credentials are remembered against replay. */
void sip_auth_verify(struct sip_auth *a, uint64_t now, const struct sip_auth_request *rq,
		     sip_auth_password_h *pwh, void *arg, struct sip_auth_verdict *v);

/* The digest alone (RFC 2617 §3.2.2), no nonce or realm policy: whether params hold a
 * well-formed response that password gives for method. For exact vectors (RFC 2617 §3.5).
 * Return 0, EBADMSG (malformed or incomplete parameters) or EACCES (wrong response). */
int sip_auth_digest_check(const char *const *params, const char *method,
			  const char *password);

/* HMAC-MD5 (RFC 2104) over Sofia-SIP's MD5; exposed for its RFC 2202 test vectors. */
void sip_auth_hmac_md5(const uint8_t *key, size_t keylen, const void *data, size_t len,
		       uint8_t mac[16]);

#endif
