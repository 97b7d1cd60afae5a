/* A message-waiting subscription (RFC 3842 §4, RFC 6665): SUBSCRIBE Event: message-summary
 * for an address-of-record at a trunk, digest with the subscriber's credentials, refreshed
 * by Sofia-SIP before it expires, renewed after a failure or a terminated subscription
 * (retry seconds later). Each NOTIFY in it is answered 200 and its body (sip/mwi.h) handed to
 * the owner; a malformed one is answered 400 and dropped. An FXS port registered as its own
 * user subscribes with `mwi = subscribe` (gateway/leg_fxs.c). Signalling thread only. */
#ifndef STROWGER_SIP_MWI_SUB_H
#define STROWGER_SIP_MWI_SUB_H

#include <stdbool.h>

#include "sip/ua.h"

struct mwi_summary;
struct sip_mwi_sub;
struct sip_trunk;

typedef void (sip_mwi_h)(const struct mwi_summary *s, void *arg);

struct sip_mwi_sub_params {
	const char *name;		/* for logs: "port 5:1 (trunk pbx)" */
	const char *user;		/* the AOR's user (Request-URI, To, From); required */
	const char *auth_user;		/* digest user; NULL: user */
	const char *password;		/* NULL: none */
	const char *contact_user;	/* NULL: auth_user or user */
	unsigned expires;		/* [s] asked for (default 3600) */
	unsigned retry;			/* [s] before subscribing again after a failure
					 * (default 60) */
	sip_mwi_h *mwih;		/* required */
	void *arg;
};

/* Subscribe at trunk (its proxy; the trunk must outlive the subscription). Return 0,
 * EINVAL or ENOMEM. */
int sip_mwi_sub_alloc(struct sip_mwi_sub **sp, struct sipua *ua, struct sip_trunk *trunk,
		      const struct sip_mwi_sub_params *p);
/* Drop the handle (no un-SUBSCRIBE) and free. NULL is a no-op. */
void sip_mwi_sub_free(struct sip_mwi_sub *s);
/* Whether a 2xx holds the subscription now. */
bool sip_mwi_sub_active(const struct sip_mwi_sub *s);
/* NOTIFYs taken so far. */
unsigned sip_mwi_sub_notifies(const struct sip_mwi_sub *s);

/* ---- For sip/ua.c only -------------------------------------------------------------- */
struct nua_handle_s;
struct sip_s;
void sip_mwi_sub_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
			   struct nua_handle_s *nh, const struct sip_s *sip, void *tags);

#endif
