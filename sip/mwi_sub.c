/* A message-waiting subscription (RFC 3842 §4): SUBSCRIBE, digest, NOTIFYs, renewal. */
#define SU_TIMER_ARG_T struct sip_mwi_sub

#include "sip/mwi_sub.h"

#include "common/log.h"
#include "sip/mwi.h"
#include "sip/reg.h"
#include "sip/trunk.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_wait.h>

#define URI_MAX			512
#define EXPIRES_DEFAULT		3600	/* [s] */
#define RETRY_DEFAULT		60	/* [s] */

struct sip_mwi_sub {
	struct sip_hctx ctx;		/* first: the magic of nh */
	struct sipua *ua;
	struct sip_trunk *trunk;
	char *name, *user, *auth_user, *password, *contact_user;
	unsigned expires, retry;	/* [s] */
	sip_mwi_h *mwih;
	void *arg;
	nua_handle_t *nh;
	bool auth_tried;
	bool active;			/* a 2xx holds it */
	unsigned notifies;
	su_timer_t *timer;		/* renewal after a failure */
};

static void drop(struct sip_mwi_sub *s)
{
	if (!s->nh)
		return;
	nua_handle_bind(s->nh, NULL);
	nua_handle_destroy(s->nh);
	s->nh = NULL;
	s->active = false;
}

static void subscribe(struct sip_mwi_sub *s)
{
	char aor[URI_MAX], ruri[URI_MAX], expires[16];
	enum sip_transport tp = sip_trunk_transport(s->trunk);

	drop(s);
	if (sip_trunk_aor(s->trunk, s->user, aor, sizeof(aor)) ||
	    sip_trunk_uri(s->trunk, s->user, ruri, sizeof(ruri)))
		return;	/* checked at alloc */
	snprintf(expires, sizeof(expires), "%u", s->expires);
	s->auth_tried = false;
	s->nh = nua_handle(sipua_nua(s->ua), &s->ctx, SIPTAG_TO_STR(aor), SIPTAG_FROM_STR(aor),
			   TAG_IF(tp != SIP_TP_UDP, NUTAG_M_PARAMS(sip_contact_params(tp))),
			   TAG_END());
	if (!s->nh) {
		LOGE(LS_SIP, "%s: cannot create a SUBSCRIBE handle", s->name);
		return;
	}
	LOGI(LS_SIP, "%s: SUBSCRIBE %s, message-summary (expires %s s)", s->name, ruri, expires);
	nua_subscribe(s->nh, NUTAG_URL(ruri), SIPTAG_EVENT_STR("message-summary"),
		      SIPTAG_ACCEPT_STR("application/simple-message-summary"),
		      SIPTAG_EXPIRES_STR(expires), NUTAG_M_USERNAME(s->contact_user), TAG_END());
}

static void retry_timer(su_root_magic_t *magic, su_timer_t *timer, struct sip_mwi_sub *s)
{
	(void)magic;
	(void)timer;
	subscribe(s);
}

static void failed(struct sip_mwi_sub *s, int status, const char *phrase)
{
	LOGW(LS_SIP, "%s: message-waiting subscription failed: %d %s, again in %u s", s->name,
	     status, phrase ? phrase : "", s->retry);
	drop(s);
	su_timer_set_interval(s->timer, retry_timer, s, s->retry * 1000);
}

static void on_response(struct sip_mwi_sub *s, int status, const char *phrase, const sip_t *sip)
{
	if (status < 200)
		return;
	if (status < 300) {
		if (!s->active)
			LOGN(LS_SIP, "%s: subscribed to message-summary (%d)", s->name, status);
		s->active = true;
		s->auth_tried = false;
		return;
	}
	char auth[512];
	if ((status == 401 || status == 407) && !s->auth_tried &&
	    !sip_digest_answer(sip, status, s->auth_user, s->password, auth, sizeof(auth),
			       NULL)) {
		s->auth_tried = true;
		nua_authenticate(s->nh, NUTAG_AUTH(auth), TAG_END());
		return;
	}
	failed(s, status, phrase);
}

/* A NOTIFY in the subscription (RFC 6665 §4.1.3): ours to answer (NUTAG_APPL_METHOD). */
static void on_notify(struct sip_mwi_sub *s, nua_handle_t *nh, const sip_t *sip)
{
	struct mwi_summary ms;
	char err[128];
	const char *body = sip && sip->sip_payload ? sip->sip_payload->pl_data : NULL;
	size_t len = sip && sip->sip_payload ? sip->sip_payload->pl_len : 0;
	bool terminated = sip && sip->sip_subscription_state &&
			  !strcasecmp(sip->sip_subscription_state->ss_substate, "terminated");

	/* a NOTIFY without a body only says the subscription's state (§4.1.3) */
	if (len && mwi_summary_parse(body, len, &ms, err, sizeof(err))) {
		LOGN(LS_SIP, "%s: NOTIFY with an unreadable message-summary (%s): 400", s->name,
		     err);
		nua_respond(nh, 400, "Bad message-summary", NUTAG_WITH_THIS(sipua_nua(s->ua)),
			    TAG_END());
	} else {
		nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(sipua_nua(s->ua)), TAG_END());
		if (len) {
			s->notifies++;
			s->mwih(&ms, s->arg);
		}
	}
	if (terminated) {
		LOGN(LS_SIP, "%s: the notifier ended the subscription; again in %u s", s->name,
		     s->retry);
		s->active = false;
		su_timer_set_interval(s->timer, retry_timer, s, s->retry * 1000);
	}
}

void sip_mwi_sub_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
			   struct nua_handle_s *nh, const struct sip_s *sip, void *tags)
{
	struct sip_mwi_sub *s = (struct sip_mwi_sub *)((char *)ctx -
						      offsetof(struct sip_mwi_sub, ctx));

	(void)tags;
	if (nh != s->nh) {
		if (event == nua_i_notify)
			nua_respond(nh, 481, "Subscription does not exist",
				    NUTAG_WITH_THIS(sipua_nua(s->ua)), TAG_END());
		return;
	}
	switch (event) {
	case nua_r_subscribe:
		on_response(s, status, phrase, sip);
		break;
	case nua_i_notify:
		on_notify(s, nh, sip);
		break;
	default:
		LOGD(LS_SIP, "%s: %s %d %s", s->name, nua_event_name(event), status,
		     phrase ? phrase : "");
		break;
	}
}

int sip_mwi_sub_alloc(struct sip_mwi_sub **sp, struct sipua *ua, struct sip_trunk *trunk,
		      const struct sip_mwi_sub_params *p)
{
	char aor[URI_MAX];
	struct sip_mwi_sub *s;

	if (!sp || !ua || !trunk || !p || !p->user || !p->user[0] || !p->mwih ||
	    sip_trunk_uri(trunk, p->user, aor, sizeof(aor)))
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->ctx.kind = SIP_HK_SUBSCRIBE;
	s->ua = ua;
	s->trunk = trunk;
	s->mwih = p->mwih;
	s->arg = p->arg;
	s->expires = p->expires ? p->expires : EXPIRES_DEFAULT;
	s->retry = p->retry ? p->retry : RETRY_DEFAULT;
	const char *au = p->auth_user && p->auth_user[0] ? p->auth_user : p->user;
	s->name = strdup(p->name ? p->name : p->user);
	s->user = strdup(p->user);
	s->auth_user = strdup(au);
	s->contact_user = strdup(p->contact_user && p->contact_user[0] ? p->contact_user : au);
	s->password = p->password ? strdup(p->password) : NULL;
	s->timer = su_timer_create(su_root_task(sipua_root(ua)), 0);
	if (!s->name || !s->user || !s->auth_user || !s->contact_user ||
	    (p->password && !s->password) || !s->timer) {
		sip_mwi_sub_free(s);
		return ENOMEM;
	}
	subscribe(s);
	*sp = s;
	return 0;
}

void sip_mwi_sub_free(struct sip_mwi_sub *s)
{
	if (!s)
		return;
	if (s->timer)
		su_timer_destroy(s->timer);
	drop(s);
	free(s->name);
	free(s->user);
	free(s->auth_user);
	free(s->contact_user);
	free(s->password);
	free(s);
}

bool sip_mwi_sub_active(const struct sip_mwi_sub *s)
{
	return s && s->active;
}

unsigned sip_mwi_sub_notifies(const struct sip_mwi_sub *s)
{
	return s ? s->notifies : 0;
}
