/* One SIP registration (RFC 3261 §10.2): REGISTER, digest, refresh, back-off, withdrawal. */
#define SU_TIMER_ARG_T struct sip_reg

#include "sip/reg.h"

#include "common/clock.h"
#include "common/log.h"
#include "sip/trunk.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_wait.h>

#define URI_MAX			512
#define EXPIRES_DEFAULT		3600	/* [s] */
#define RETRY_MIN_DEFAULT	1	/* [s] */
#define RETRY_MAX_DEFAULT	60	/* [s] */

struct sip_reg {
	struct sip_hctx ctx;		/* first: the magic of nh */
	struct sipua *ua;
	struct sip_trunk *trunk;	/* the registrar: its proxy and transport */
	char *name;
	char *user, *auth_user, *password, *contact_user;
	unsigned expires;		/* [s] asked for */
	unsigned retry_min, retry_max;	/* [s] */
	sip_reg_h *evh;
	void *arg;

	enum sip_reg_state state;
	nua_handle_t *nh;		/* the binding's REGISTER handle */
	nua_handle_t *old_nh;		/* a binding being withdrawn after a change */
	bool withdrawing;		/* nh's Expires 0 is outstanding (kept) */
	bool auth_tried;		/* credentials sent since the last 2xx */
	unsigned backoff;		/* [s] next retry delay */
	unsigned granted;		/* [s] at the last 2xx */
	uint64_t expires_at;		/* [us] monotonic */
	su_timer_t *timer;		/* retry */
};

static const char *const state_names[] = {
	[SIP_REG_UNREGISTERED] = "unregistered",
	[SIP_REG_REGISTERING] = "registering",
	[SIP_REG_REGISTERED] = "registered",
	[SIP_REG_WAIT] = "waiting to retry",
};

const char *sip_reg_state_name(enum sip_reg_state s)
{
	return (unsigned)s <= SIP_REG_WAIT ? state_names[s] : "?";
}

static void set_state(struct sip_reg *r, enum sip_reg_state s)
{
	if (s == r->state)
		return;
	LOGD(LS_SIP, "%s: registration %s -> %s", r->name, state_names[r->state], state_names[s]);
	r->state = s;
	if (s != SIP_REG_REGISTERED)
		r->expires_at = 0;
}

static void noop_evh(struct sip_reg *r, enum sip_reg_event ev, int status, const char *phrase,
		     unsigned secs, void *arg)
{
	(void)r, (void)ev, (void)status, (void)phrase, (void)secs, (void)arg;
}

int sip_digest_auth_str(const char *realm, const char *user, const char *password, char *buf,
			size_t len)
{
	if (!user || !password)
		return ENOENT;
	bool quoted = realm[0] == '"';
	int n = snprintf(buf, len, "Digest:%s%s%s:%s:%s", quoted ? "" : "\"", realm,
			 quoted ? "" : "\"", user, password);
	return n < 0 || (size_t)n >= len ? ENOSPC : 0;
}

int sip_digest_answer(const struct sip_s *sip, int status, const char *user,
		      const char *password, char *buf, size_t len, const char **realmp)
{
	const msg_param_t *params = NULL;

	if (!sip)
		return ENOENT;
	if (status == 407 && sip->sip_proxy_authenticate)
		params = sip->sip_proxy_authenticate->au_params;
	else if (sip->sip_www_authenticate)
		params = sip->sip_www_authenticate->au_params;
	const char *realm = params ? msg_params_find(params, "realm=") : NULL;
	if (realmp)
		*realmp = realm;
	return realm ? sip_digest_auth_str(realm, user, password, buf, len) : ENOENT;
}

static void drop_handle(nua_handle_t **nh)
{
	if (!*nh)
		return;
	nua_handle_bind(*nh, NULL);
	nua_handle_destroy(*nh);
	*nh = NULL;
}

/* ---- REGISTER --------------------------------------------------------------------------- */

void sip_reg_start(struct sip_reg *r)
{
	char aor[URI_MAX], registrar[URI_MAX], expires[16];
	enum sip_transport tp = sip_trunk_transport(r->trunk);

	su_timer_reset(r->timer);
	drop_handle(&r->nh);
	r->withdrawing = false;
	if (sip_trunk_aor(r->trunk, r->user, aor, sizeof(aor)) ||
	    sip_trunk_uri(r->trunk, NULL, registrar, sizeof(registrar)))
		return;	/* sizes checked at alloc */
	snprintf(expires, sizeof(expires), "%u", r->expires);
	r->auth_tried = false;
	r->nh = nua_handle(sipua_nua(r->ua), &r->ctx, SIPTAG_TO_STR(aor), SIPTAG_FROM_STR(aor),
			   TAG_IF(tp != SIP_TP_UDP, NUTAG_M_PARAMS(sip_contact_params(tp))),
			   TAG_END());
	if (!r->nh) {
		LOGE(LS_SIP, "%s: cannot create a REGISTER handle", r->name);
		return;
	}
	set_state(r, SIP_REG_REGISTERING);
	LOGI(LS_SIP, "%s: REGISTER %s to %s (expires %s s)", r->name, aor, registrar, expires);
	nua_register(r->nh, NUTAG_REGISTRAR(registrar), SIPTAG_EXPIRES_STR(expires),
		     NUTAG_M_USERNAME(r->contact_user), TAG_END());
}

static void retry_timer(su_root_magic_t *magic, su_timer_t *timer, struct sip_reg *r)
{
	(void)magic;
	(void)timer;
	sip_reg_start(r);
}

static void failed(struct sip_reg *r, int status, const char *phrase)
{
	unsigned retry_in = r->backoff;

	LOGW(LS_SIP, "%s: registration failed: %d %s, retry in %u s", r->name, status,
	     phrase ? phrase : "", retry_in);
	drop_handle(&r->nh);
	set_state(r, SIP_REG_WAIT);
	su_timer_set_interval(r->timer, retry_timer, r, retry_in * 1000);
	r->backoff = r->backoff * 2 > r->retry_max ? r->retry_max : r->backoff * 2;
	r->evh(r, SIP_REG_EV_FAILED, status, phrase, retry_in, r->arg);
}

/* The expiry the registrar granted: our Contact's expires param, else Expires (§10.2.4). */
static unsigned granted_expires(const struct sip_reg *r, const sip_t *sip)
{
	unsigned best = 0;

	for (const sip_contact_t *m = sip ? sip->sip_contact : NULL; m; m = m->m_next) {
		if (!m->m_expires)
			continue;
		if (m->m_url->url_user && strcmp(m->m_url->url_user, r->contact_user))
			continue;	/* another binding of the AOR */
		unsigned v = (unsigned)strtoul(m->m_expires, NULL, 10);
		if (!best || v < best)
			best = v;
	}
	if (!best && sip && sip->sip_expires)
		best = (unsigned)sip->sip_expires->ex_delta;
	return best ? best : r->expires;
}

static void response(struct sip_reg *r, int status, const char *phrase, const sip_t *sip)
{
	if (status < 200)
		return;
	if (r->withdrawing && (r->auth_tried || (status != 401 && status != 407))) {
		/* the withdrawal's answer: whatever it is, we are done with the registrar */
		LOGN(LS_SIP, "%s: registration withdrawn (%d %s)", r->name, status,
		     phrase ? phrase : "");
		r->withdrawing = false;
		set_state(r, SIP_REG_UNREGISTERED);
		return;
	}
	if (status < 300) {
		unsigned exp = granted_expires(r, sip);
		r->auth_tried = false;
		r->backoff = r->retry_min;
		r->granted = exp;
		if (r->state != SIP_REG_REGISTERED) {
			set_state(r, SIP_REG_REGISTERED);
			r->expires_at = clock_now_us() + (uint64_t)exp * 1000000u;
			LOGN(LS_SIP, "%s: registered (expires %u s)", r->name, exp);
			r->evh(r, SIP_REG_EV_REGISTERED, status, phrase, exp, r->arg);
		} else {
			r->expires_at = clock_now_us() + (uint64_t)exp * 1000000u;
			LOGD(LS_SIP, "%s: registration refreshed (expires %u s)", r->name, exp);
		}
		return;
	}
	char auth[512];
	const char *realm = NULL;
	if ((status == 401 || status == 407) && !r->auth_tried &&
	    !sip_digest_answer(sip, status, r->auth_user, r->password, auth, sizeof(auth),
			       &realm)) {
		r->auth_tried = true;
		LOGI(LS_SIP, "%s: challenged by realm %s, sending credentials as %s", r->name,
		     realm, r->auth_user);
		nua_authenticate(r->nh, NUTAG_AUTH(auth), TAG_END());
		return;
	}
	if (r->withdrawing) {
		r->withdrawing = false;
		set_state(r, SIP_REG_UNREGISTERED);
		return;
	}
	failed(r, status, phrase);
}

void sip_reg_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
		       struct nua_handle_s *nh, const struct sip_s *sip)
{
	struct sip_reg *r = (struct sip_reg *)((char *)ctx - offsetof(struct sip_reg, ctx));

	/* a withdrawal (nua_unregister) answers as nua_r_unregister */
	if ((event == nua_r_register || event == nua_r_unregister) && nh == r->nh)
		response(r, status, phrase, sip);
	else
		LOGD(LS_SIP, "%s: %s %d %s", r->name, nua_event_name(event), status,
		     phrase ? phrase : "");
}

bool sip_reg_withdraw(struct sip_reg *r, bool keep)
{
	bool sent = false;

	su_timer_reset(r->timer);
	if (!r->nh) {
		set_state(r, SIP_REG_UNREGISTERED);
		return false;
	}
	if (r->state == SIP_REG_REGISTERED || r->state == SIP_REG_REGISTERING) {
		LOGI(LS_SIP, "%s: withdrawing the registration (REGISTER, Expires 0)", r->name);
		r->auth_tried = false;
		nua_unregister(r->nh, TAG_END());
		sent = true;
	}
	if (keep) {
		r->withdrawing = sent;
		if (!sent)
			set_state(r, SIP_REG_UNREGISTERED);
		return sent;
	}
	drop_handle(&r->old_nh);
	r->old_nh = sent ? r->nh : NULL;
	if (!sent)
		drop_handle(&r->nh);
	r->nh = NULL;
	set_state(r, SIP_REG_UNREGISTERED);
	return sent;
}

bool sip_reg_withdrawing(const struct sip_reg *r)
{
	return r && r->withdrawing;
}

/* ---- Lifecycle -------------------------------------------------------------------------- */

struct reg_strings {
	char *user, *auth_user, *password, *contact_user;
};

static void strings_free(struct reg_strings *s)
{
	free(s->user);
	free(s->auth_user);
	free(s->password);
	free(s->contact_user);
}

/* Copy p's strings, defaults filled in, after checking the AOR fits. */
static int strings_dup(struct sip_trunk *trunk, const struct sip_reg_params *p,
		       struct reg_strings *s)
{
	char aor[URI_MAX];

	memset(s, 0, sizeof(*s));
	if (!p->user || !p->user[0] || sip_trunk_aor(trunk, p->user, aor, sizeof(aor)))
		return EINVAL;
	const char *au = p->auth_user && p->auth_user[0] ? p->auth_user : p->user;
	const char *cu = p->contact_user && p->contact_user[0] ? p->contact_user : au;
	s->user = strdup(p->user);
	s->auth_user = strdup(au);
	s->contact_user = strdup(cu);
	s->password = p->password ? strdup(p->password) : NULL;
	if (!s->user || !s->auth_user || !s->contact_user || (p->password && !s->password)) {
		strings_free(s);
		return ENOMEM;
	}
	return 0;
}

static void strings_take(struct sip_reg *r, struct reg_strings *s)
{
	free(r->user);
	free(r->auth_user);
	free(r->password);
	free(r->contact_user);
	r->user = s->user;
	r->auth_user = s->auth_user;
	r->password = s->password;
	r->contact_user = s->contact_user;
}

static void take_numbers(struct sip_reg *r, const struct sip_reg_params *p)
{
	r->expires = p->expires ? p->expires : EXPIRES_DEFAULT;
	r->retry_min = p->retry_min ? p->retry_min : RETRY_MIN_DEFAULT;
	r->retry_max = p->retry_max ? p->retry_max : RETRY_MAX_DEFAULT;
	if (r->retry_max < r->retry_min)
		r->retry_max = r->retry_min;
	r->backoff = r->retry_min;
}

int sip_reg_set(struct sip_reg *r, const struct sip_reg_params *p)
{
	struct reg_strings s;

	if (!r || !p)
		return EINVAL;
	int err = strings_dup(r->trunk, p, &s);
	if (err)
		return err;
	strings_take(r, &s);
	take_numbers(r, p);
	return 0;
}

int sip_reg_alloc(struct sip_reg **rp, struct sipua *ua, struct sip_trunk *trunk,
		  const struct sip_reg_params *p)
{
	struct reg_strings s;
	struct sip_reg *r;
	int err;

	if (!rp || !ua || !trunk || !p)
		return EINVAL;
	err = strings_dup(trunk, p, &s);
	if (err)
		return err;
	r = calloc(1, sizeof(*r));
	if (!r) {
		strings_free(&s);
		return ENOMEM;
	}
	r->ctx.kind = SIP_HK_REGISTER;
	r->ua = ua;
	r->trunk = trunk;
	r->evh = p->evh ? p->evh : noop_evh;
	r->arg = p->arg;
	strings_take(r, &s);
	take_numbers(r, p);
	r->name = strdup(p->name ? p->name : r->user);
	r->timer = su_timer_create(su_root_task(sipua_root(ua)), 0);
	if (!r->name || !r->timer) {
		sip_reg_free(r);
		return ENOMEM;
	}
	*rp = r;
	return 0;
}

void sip_reg_free(struct sip_reg *r)
{
	if (!r)
		return;
	if (r->timer)
		su_timer_destroy(r->timer);
	drop_handle(&r->nh);
	drop_handle(&r->old_nh);
	struct reg_strings s = { 0 };
	strings_take(r, &s);
	free(r->name);
	free(r);
}

enum sip_reg_state sip_reg_state(const struct sip_reg *r)
{
	return r ? r->state : SIP_REG_UNREGISTERED;
}

const char *sip_reg_user(const struct sip_reg *r)
{
	return r->user;
}

const char *sip_reg_contact_user(const struct sip_reg *r)
{
	return r->contact_user;
}

unsigned sip_reg_expires(const struct sip_reg *r)
{
	return r->granted;
}

uint64_t sip_reg_expires_at(const struct sip_reg *r)
{
	return r->state == SIP_REG_REGISTERED ? r->expires_at : 0;
}
