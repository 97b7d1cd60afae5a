/* The daemon's SIP trunks as calls see them: settings and the sip/trunk object, reference
 * counted so that a reload can change or remove a trunk under live calls. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/log.h"
#include "sip/trunk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WITHDRAW_POLL_MS 250	/* [ms] a removed trunk waits for its REGISTER Expires 0 ... */
#define WITHDRAW_TRIES	 20	/* ... this often (5 s) before it is freed anyway */

static struct sip_trunk_params trunk_params(const struct conf_trunk *ct)
{
	return (struct sip_trunk_params){
		.name = ct->name,
		.proxy = ct->proxy,
		.transport = ct->transport == TRANSPORT_TLS ? SIP_TP_TLS
			     : ct->transport == TRANSPORT_TCP ? SIP_TP_TCP : SIP_TP_UDP,
		.username = ct->username[0] ? ct->username : NULL,
		.password = ct->password,
		.do_register = ct->registration,
		.expires = ct->expires,
		.keepalive = ct->keepalive,
		.inbound_auth = ct->inbound_auth,
	};
}

struct gw_trunk *gw_trunk_get(struct daemon *d, const char *name)
{
	for (unsigned i = 0; name && i < d->ntrunks; i++)
		if (!strcmp(d->trunks[i]->name, name))
			return d->trunks[i];
	return NULL;
}

struct sip_trunk *gw_trunk_find(struct daemon *d, const char *name)
{
	struct gw_trunk *gt = gw_trunk_get(d, name);

	return gt ? gt->trunk : NULL;
}

int gw_trunk_add(struct daemon *d, const struct conf_trunk *ct)
{
	struct sip_trunk_params tp = trunk_params(ct);
	struct gw_trunk **grown, *gt;
	int err;

	grown = realloc(d->trunks, (d->ntrunks + 1) * sizeof(*grown));
	if (!grown)
		return ENOMEM;
	d->trunks = grown;
	gt = calloc(1, sizeof(*gt));
	if (!gt)
		return ENOMEM;
	err = sip_trunk_alloc(&gt->trunk, d->ua, &tp);
	if (err) {
		LOGE(LS_SIP, "trunk %s: cannot start: %s", ct->name, strerror(err));
		free(gt);
		return err;
	}
	snprintf(gt->name, sizeof(gt->name), "%s", ct->name);
	gt->conf = *ct;
	gt->d = d;
	gt->refs = 1;		/* the daemon's, until a reload removes it */
	d->trunks[d->ntrunks++] = gt;
	return 0;
}

int gw_trunk_change(struct daemon *d, struct gw_trunk *gt, const struct conf_trunk *ct,
		    bool *reregistered)
{
	struct sip_trunk_params tp = trunk_params(ct);
	bool rereg = false;
	int err = sip_trunk_update(gt->trunk, &tp, &rereg);

	if (reregistered)
		*reregistered = rereg;
	if (err) {
		LOGE(LS_CONF, "trunk %s: cannot apply the change: %s", gt->name, strerror(err));
		return err;
	}
	if (rereg || strcmp(ct->proxy, gt->conf.proxy) || ct->transport != gt->conf.transport)
		leg_fxs_trunk_changed(d, gt->name, false);	/* its registered ports too */
	/* The SIP legs read the settings from here: new calls get them; a call up keeps its
	 * dialog (From, route set) and takes what it reads later (fax, SRTP on re-INVITE). */
	gt->conf = *ct;
	return 0;
}

struct gw_trunk *gw_trunk_ref(struct gw_trunk *gt)
{
	if (gt)
		gt->refs++;
	return gt;
}

static void retired_unlink(struct gw_trunk *gt)
{
	for (struct gw_trunk **pp = &gt->d->retired; *pp; pp = &(*pp)->next) {
		if (*pp == gt) {
			*pp = gt->next;
			return;
		}
	}
}

static void trunk_destroy(struct gw_trunk *gt)
{
	if (gt->timer)
		su_timer_destroy(gt->timer);
	sip_trunk_free(gt->trunk);
	free(gt);
}

static void on_withdraw_poll(struct daemon *d, su_timer_t *t, void *arg)
{
	struct gw_trunk *gt = arg;

	(void)d;
	(void)t;
	if (sip_trunk_withdrawing(gt->trunk) && ++gt->polls < WITHDRAW_TRIES &&
	    !gw_timer_arm(gt->d, &gt->timer, on_withdraw_poll, gt, WITHDRAW_POLL_MS))
		return;
	if (sip_trunk_withdrawing(gt->trunk))
		LOGW(LS_SIP, "trunk %s: the registrar did not answer the withdrawal", gt->name);
	LOGI(LS_SIP, "trunk %s: last call gone, freed", gt->name);
	retired_unlink(gt);
	trunk_destroy(gt);
}

void gw_trunk_unref(struct gw_trunk *gt)
{
	if (!gt || --gt->refs)
		return;
	STROWGER_ASSERT(gt->removed);
	/* Let the REGISTER with Expires 0 be answered (and challenged) before the handle goes;
	 * the loop runs us again, never inside the caller's stack. */
	if (gw_timer_arm(gt->d, &gt->timer, on_withdraw_poll, gt, 0)) {
		retired_unlink(gt);
		trunk_destroy(gt);
	}
}

void gw_trunk_remove(struct daemon *d, struct gw_trunk *gt)
{
	for (unsigned i = 0; i < d->ntrunks; i++) {
		if (d->trunks[i] != gt)
			continue;
		memmove(&d->trunks[i], &d->trunks[i + 1], (d->ntrunks - i - 1) * sizeof(gt));
		d->ntrunks--;
		break;
	}
	gt->removed = true;
	leg_fxs_trunk_changed(d, gt->name, true);
	gt->next = d->retired;
	d->retired = gt;
	sip_trunk_retire(gt->trunk);
	if (gt->refs > 1)
		LOGN(LS_CONF, "trunk %s: removed; %u call%s on it finish first", gt->name,
		     gt->refs - 1, gt->refs == 2 ? "" : "s");
	gw_trunk_unref(gt);
}

void gw_trunks_free(struct daemon *d)
{
	/* At stop: the calls are freed; whatever still waits goes now. */
	while (d->retired) {
		struct gw_trunk *gt = d->retired;
		d->retired = gt->next;
		trunk_destroy(gt);
	}
	for (unsigned i = 0; i < d->ntrunks; i++)
		trunk_destroy(d->trunks[i]);
	free(d->trunks);
	d->trunks = NULL;
	d->ntrunks = 0;
}
