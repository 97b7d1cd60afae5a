/* One SIP registration: a binding of an address-of-record at a trunk's registrar.
 *
 * REGISTER per RFC 3261 §10.2 with To and From the AOR (sip:user@trunk-host), a Contact
 * whose user part names who registers (a trunk's username, an analog port's user), digest
 * authentication (§22.2, RFC 2617) with the registration's own credentials, the realm from
 * the challenge. Sofia-SIP refreshes the binding before it expires (§10.2.4). A failed
 * registration is retried with exponential back-off (retry_min doubling to retry_max): a
 * registrar that refuses us should not be hammered. A trunk has one (sip/trunk.h); so may
 * every analog port that registers as its own SIP user (gateway/leg_fxs.c). Runs on the
 * signalling thread, as the UA does.
 */
#ifndef STROWGER_SIP_REG_H
#define STROWGER_SIP_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/ua.h"

struct sip_reg;
struct sip_trunk;

enum sip_reg_state {
	SIP_REG_UNREGISTERED,		/* not started, withdrawn, or off */
	SIP_REG_REGISTERING,		/* REGISTER outstanding */
	SIP_REG_REGISTERED,		/* the registrar's 2xx holds */
	SIP_REG_WAIT,			/* failed; the retry timer runs */
};

/* "unregistered", "registering", "registered", "waiting to retry" */
const char *sip_reg_state_name(enum sip_reg_state s);

/* What happened to a registration: REGISTERED (first 2xx; expires) or FAILED (status,
 * phrase, retry_in). Refreshes are not reported. */
enum sip_reg_event { SIP_REG_EV_REGISTERED, SIP_REG_EV_FAILED };
typedef void (sip_reg_h)(struct sip_reg *r, enum sip_reg_event ev, int status,
			 const char *phrase, unsigned secs, void *arg);

struct sip_reg_params {
	const char *name;		/* for logs: "trunk pbx", "port 3:1" */
	const char *user;		/* the AOR's user part (To, From); required */
	const char *auth_user;		/* digest user; NULL: user */
	const char *password;		/* digest password; NULL: none (a challenge fails) */
	const char *contact_user;	/* Contact user part; NULL: auth_user or user */
	unsigned expires;		/* [s] asked for (default 3600) */
	unsigned retry_min;		/* [s] first retry delay (default 1) */
	unsigned retry_max;		/* [s] longest (default 60) */
	sip_reg_h *evh;			/* NULL: no-op */
	void *arg;
};

/* A registration of p->user at trunk's registrar (its proxy and transport, read when each
 * REGISTER goes out). Not started: see sip_reg_start(). The trunk must outlive it.
 * Return 0, EINVAL (no user, AOR too long) or ENOMEM. */
int sip_reg_alloc(struct sip_reg **rp, struct sipua *ua, struct sip_trunk *trunk,
		  const struct sip_reg_params *p);
/* Stop the timer, drop the handles (no un-REGISTER is sent) and free. NULL is a no-op. */
void sip_reg_free(struct sip_reg *r);

/* Send REGISTER (again, with fresh back-off). */
void sip_reg_start(struct sip_reg *r);
/* Withdraw the binding (§10.2.2: REGISTER with Expires 0) if there is one or one is being
 * made; stop retrying. keep: the handle stays (its answer ends the withdrawal, see
 * sip_reg_withdrawing()); else it is set aside, destroyed at the next withdrawal or at free,
 * and the state is UNREGISTERED at once. Return whether a REGISTER went out. */
bool sip_reg_withdraw(struct sip_reg *r, bool keep);
/* A kept withdrawal's REGISTER is not answered yet. */
bool sip_reg_withdrawing(const struct sip_reg *r);
/* New credentials and expiry (user must be set); takes effect at the next sip_reg_start().
 * Return 0, EINVAL or ENOMEM (nothing changed). */
int sip_reg_set(struct sip_reg *r, const struct sip_reg_params *p);

enum sip_reg_state sip_reg_state(const struct sip_reg *r);
const char *sip_reg_user(const struct sip_reg *r);
/* The Contact's user part (what a request for this binding has in its Request-URI). */
const char *sip_reg_contact_user(const struct sip_reg *r);
/* [s] the registrar granted at the last 2xx (0 before), and the monotonic time [us] the
 * binding runs out at (0 when not registered). */
unsigned sip_reg_expires(const struct sip_reg *r);
uint64_t sip_reg_expires_at(const struct sip_reg *r);

/* NUTAG_AUTH string "Digest:\"realm\":user:password" for a challenge's realm (quoted or
 * not). 0, ENOENT (user or password NULL) or ENOSPC. */
int sip_digest_auth_str(const char *realm, const char *user, const char *password, char *buf,
			size_t len);

struct sip_s;
/* The NUTAG_AUTH string answering the 401 or 407 (status) in sip with user/password (the
 * realm from its WWW- or Proxy-Authenticate, RFC 3261 §22.2). 0, ENOENT (no challenge or
 * no credentials) or ENOSPC; *realm (if realm) the challenge's, as quoted there. */
int sip_digest_answer(const struct sip_s *sip, int status, const char *user,
		      const char *password, char *buf, size_t len, const char **realm);

/* ---- For sip/ua.c only -------------------------------------------------------------- */
struct nua_handle_s;
/* A response on a registration's handle (ctx kind SIP_HK_REGISTER). */
void sip_reg_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
		       struct nua_handle_s *nh, const struct sip_s *sip);

#endif
