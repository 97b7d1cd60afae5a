/* The daemon: configuration, the signalling loop, spans, trunks, media, signals. */
#include "gateway/gw.h"
#include "gateway/daemon.h"

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/legs.h"
#include "gateway/cause.h"
#include "gateway/cdr_daemon.h"
#include "gateway/ctl_daemon.h"
#include "gateway/pri_link.h"
#include "gateway/reload.h"
#include "gateway/route.h"
#include "gateway/service.h"
#include "gateway/span_group.h"
#include "gateway/status.h"
#include "media/engine.h"
#include "sip/mwi.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tdm/dahdi.h"
#include "tdm/span.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sofia-sip/su.h>

#define STOP_GRACE_MS 3000	/* [ms] for calls to clear on SIGTERM before we stop anyway */

bool gw_span_blocked(const struct daemon *d, unsigned span)
{
	return span < MAINT_SPANS_MAX && (d->blocked[span / 32] & (1u << (span % 32)));
}

struct tdm_span *gw_span_find(struct daemon *d, unsigned span)
{
	for (unsigned i = 0; i < d->nspans; i++)
		if (tdm_span_number(d->spans[i]) == span)
			return d->spans[i];
	return NULL;
}

struct pri_link *gw_link_find(struct daemon *d, unsigned span)
{
	for (unsigned i = 0; i < d->nlinks; i++)
		if (pri_link_span(d->links[i]) == span)
			return d->links[i];
	return NULL;
}

struct span_group *gw_group_find(struct daemon *d, const char *name)
{
	/* A span's group of one is called "span N": never a valid [group] name. */
	for (unsigned i = 0; i < d->ngroups; i++)
		if (!strcmp(span_group_name(d->groups[i]), name))
			return d->groups[i];
	return NULL;
}

struct span_group *gw_group_of_span(struct daemon *d, unsigned span)
{
	for (unsigned i = 0; i < d->ngroups; i++)
		if (span_group_has(d->groups[i], span))
			return d->groups[i];
	return NULL;
}

static struct pri_link *link_of_span(struct daemon *d, const struct tdm_span *span)
{
	return gw_link_find(d, tdm_span_number(span));
}

void daemon_apply_logging(const struct conf *conf)
{
	char err[128];

	log_open((enum log_target)conf->general.log_target);
	log_set_all((enum log_level)conf->general.log_level);
	/* conf/ validated the list; a failure here is a bug in one of the two. */
	if (log_set_levels(conf->general.log_levels, err, sizeof(err)))
		LOGE(LS_CONF, "log_levels: %s", err);
}

/* ---- DAHDI fds in the loop ------------------------------------------------------------- */

static int on_dahdi_fd(struct daemon *d, su_wait_t *w, void *arg)
{
	struct watch *wt = arg;
	int revents = su_wait_events(w, wt->fd);

	/* Events first: with one pending, a read of the D-channel fails (ELAST). */
	if (revents & POLLPRI)
		tdm_span_handle_event(wt->span, wt->fd);
	if ((revents & POLLIN) && wt->link)
		pri_link_on_readable(wt->link);
	else if ((revents & POLLIN) &&
		 !leg_fxs_on_readable(d, tdm_span_number(wt->span), wt->fd))
		(void)leg_fxo_on_readable(d, tdm_span_number(wt->span), wt->fd);
	return 0;
}

void gw_port_reading(struct daemon *d, int fd, bool *reading, bool on)
{
	if (*reading == on || fd < 0)
		return;
	if (on)
		(void)dahdi_chan_flush(fd);
	if (gw_watch_audio(d, fd, on) == 0)
		*reading = on;
}

unsigned gw_port_echocan(struct daemon *d, unsigned span, unsigned pos, int fd, bool *on_now,
			 bool on)
{
	const struct conf_span *cs = conf_span_find(d->conf, span);

	if (*on_now != on)
		*on_now = tdm_echocan(d, span, pos, fd, on);
	return *on_now && cs ? cs->echocancel_taps : 0;
}

int gw_timer_arm(struct daemon *d, su_timer_t **t, su_timer_f f, void *arg, unsigned ms)
{
	if (!*t)
		*t = su_timer_create(su_root_task(d->root), 0);
	if (!*t || su_timer_set_interval(*t, f, arg, ms))
		return ENOMEM;
	return 0;
}

int gw_watch_audio(struct daemon *d, int fd, bool on)
{
	for (unsigned i = 0; i < d->nwatches; i++) {
		struct watch *wt = &d->watches[i];
		if (wt->fd != fd || wt->link)
			continue;
		wt->audio = on;
		return su_root_eventmask(d->root, wt->index, fd, on ? POLLIN | POLLPRI : POLLPRI) < 0 ?
			EIO : 0;
	}
	return ENOENT;
}

/* An analog channel's hook, ringing or dialling event. */
static void on_span_chan_event(struct tdm_span *span, unsigned pos, int fd, int event, void *arg)
{
	struct daemon *d = arg;

	if (!leg_fxs_on_event(d, tdm_span_number(span), pos, event) &&
	    !leg_fxo_on_event(d, tdm_span_number(span), pos, event))
		LOGD(LS_TDM, "span %u ch %u: event %d: not a configured port", tdm_span_number(span),
		     pos, event);
}

static int watch_add(struct daemon *d, struct watch *wt)
{
	su_wait_t w;
	int events = wt->link || wt->audio ? (POLLIN | POLLPRI) : POLLPRI;

	if (su_wait_create(&w, wt->fd, events) < 0)
		return ENOMEM;
	/* The loop hands back the argument: the watch slot, stable until removed. */
	wt->index = su_root_register(d->root, &w, on_dahdi_fd, wt, 0);
	if (wt->index <= 0) {
		su_wait_destroy(&w);
		return ENOMEM;
	}
	return 0;
}

static void on_span_fd(struct tdm_span *span, int fd, bool dchan, bool added, void *arg)
{
	struct daemon *d = arg;
	struct pri_link *link = dchan ? link_of_span(d, span) : NULL;

	if (added) {
		if (d->nwatches == MAX_WATCHES) {
			LOGE(LS_MAIN, "span %u: more than %d event fds, fd %d not watched",
			     tdm_span_number(span), MAX_WATCHES, fd);
			return;
		}
		struct watch *wt = &d->watches[d->nwatches];
		*wt = (struct watch){ .fd = fd, .span = span, .link = link };
		if (watch_add(d, wt)) {
			LOGE(LS_MAIN, "span %u: cannot watch fd %d", tdm_span_number(span), fd);
			return;
		}
		d->nwatches++;
		if (link)
			pri_link_attach(link, fd);
		return;
	}
	if (link)
		pri_link_detach(link);
	for (unsigned i = 0; i < d->nwatches; i++) {
		if (d->watches[i].fd != fd)
			continue;
		su_root_deregister(d->root, d->watches[i].index);
		/* Keep slots dense; re-register the moved one so its argument stays right. */
		struct watch last = d->watches[--d->nwatches];
		if (i != d->nwatches) {
			su_root_deregister(d->root, last.index);
			d->watches[i] = last;
			if (watch_add(d, &d->watches[i]))
				LOGE(LS_MAIN, "span %u: lost the watch on fd %d",
				     tdm_span_number(last.span), last.fd);
		}
		return;
	}
}

static void on_span_state(struct tdm_span *span, enum tdm_span_state state, void *arg)
{
	struct pri_link *link = link_of_span(arg, span);

	if (link)
		pri_link_set_alarm(link, state != TDM_SPAN_UP);
}

static void poll_spans(struct daemon *d)
{
	for (unsigned i = 0; i < d->nspans; i++)
		tdm_span_poll(d->spans[i]);
}

/* su_timer_set_interval() fires once; re-arm here so a reload can change the interval. */
static void on_poll_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	poll_spans(d);
	su_timer_set_interval(t, on_poll_timer, NULL, d->conf->general.alarm_poll_ms);
}

static void on_prepoll(struct daemon *d, su_root_t *root)
{
	pri_link_prepoll(d);
}

/* One shared channel table per [group], and one per PRI span in no group: tdm/pri takes
 * its channels from it, gateway/call places calls through it. */
static int build_groups(struct daemon *d)
{
	const struct conf *conf = d->conf;
	unsigned max = conf->ngroups + conf->nspans, n;
	struct span_group_def *defs = calloc(max ? max : 1, sizeof(*defs));
	int err = 0;

	d->groups = calloc(max ? max : 1, sizeof(*d->groups));
	if (!d->groups || !defs) {
		free(defs);
		return ENOMEM;
	}
	n = span_group_defs(conf, defs, max);
	for (unsigned i = 0; i < n && !err; i++) {
		err = span_group_alloc_def(&d->groups[d->ngroups], &defs[i]);
		if (err) {
			LOGE(LS_CONF, "%s: %s", defs[i].name, strerror(err));
			break;
		}
		d->ngroups++;
		if (i < conf->ngroups) {
			char what[96];

			span_group_describe(d->groups[i], what, sizeof(what));
			LOGI(LS_CALL, "group %s: %s", defs[i].name, what);
		}
	}
	free(defs);
	return err;
}

static int open_spans(struct daemon *d)
{
	const struct conf *conf = d->conf;
	unsigned n = conf->nspans ? conf->nspans : 1;

	int err = build_groups(d);

	if (err)
		return err;
	d->spans = calloc(n, sizeof(*d->spans));
	d->links = calloc(n, sizeof(*d->links));
	if (!d->spans || !d->links)
		return ENOMEM;
	for (unsigned i = 0; i < conf->nspans; i++) {
		const struct conf_span *cs = &conf->spans[i];
		bool pri = cs->sig == SIG_PRI_CPE || cs->sig == SIG_PRI_NET;
		struct tdm_span_params p = {
			.number = cs->number,
			.sig = pri ? TDM_SIG_PRI : TDM_SIG_ANALOG,
			.bchans = cs->bchans,
			.dchannel = pri ? cs->dchannel : 0,
			.dahdi_dir = conf->general.dahdi_dir,
			.stateh = on_span_state,
			.fdh = on_span_fd,
			.evh = on_span_chan_event,
			.arg = d,
		};
		err = tdm_span_alloc(&d->spans[d->nspans], &p);
		if (err) {
			LOGE(LS_TDM, "span %u: %s", cs->number, strerror(err));
			return err;
		}
		d->nspans++;
		if (!pri)
			continue;	/* its [port]s: leg_fxs_ports_alloc(), leg_fxo_ports_alloc() */
		err = pri_link_alloc(&d->links[d->nlinks], d, cs, d->spans[d->nspans - 1],
				     span_group_chans(gw_group_of_span(d, cs->number)));
		if (err) {
			LOGE(LS_PRI, "span %u: %s", cs->number, strerror(err));
			return err;
		}
		d->nlinks++;
	}
	poll_spans(d);
	err = leg_fxs_ports_alloc(d);
	return err ? err : leg_fxo_ports_alloc(d);
}

/* ---- SIP ------------------------------------------------------------------------------- */

static void on_sip_event(const struct sipua_event *ev, void *arg)
{
	leg_sip_on_event(arg, ev);
}

static int on_sip_mwi(const char *trunk, const char *user, const struct mwi_summary *s,
		      void *arg)
{
	return leg_fxs_mwi(arg, trunk, user, s->waiting);
}

/* OPTIONS from a dispatcher gets 200 only while some span is up (present, no alarm). */
static bool sip_ready(void *arg)
{
	struct daemon *d = arg;

	for (unsigned i = 0; i < d->nspans; i++)
		if (tdm_span_state(d->spans[i]) == TDM_SPAN_UP)
			return true;
	return false;
}

/* TLS listens only when some trunk uses it: no certificate needed otherwise. */
static bool uses_tls(const struct conf *conf)
{
	for (unsigned i = 0; i < conf->ntrunks; i++)
		if (conf->trunks[i].transport == TRANSPORT_TLS)
			return true;
	return false;
}

static int start_sip(struct daemon *d)
{
	const struct conf *conf = d->conf;
	struct sipua_params up = {
		.root = d->root,
		.addr = conf->general.sip_address,
		.external_addr = conf->general.external_address,
		.port = (uint16_t)conf->general.sip_port,
		.max_calls = conf->general.max_calls,
		.auth_realm = conf->general.auth_realm,
		.nonce_lifetime = conf->general.auth_nonce_lifetime,
		.tls_port = uses_tls(conf) ? (uint16_t)conf->general.sip_tls_port : 0,
		.tls_cert = conf->general.tls_cert,
		.tls_key = conf->general.tls_key,
		.tls_ca = conf->general.tls_ca,
		.tls_verify = conf->general.tls_verify,
		.dns_server = conf->general.dns_server,
		.evh = on_sip_event,
		.ready = sip_ready,
		.mwi = on_sip_mwi,
		.arg = d,
	};
	int err = sipua_alloc(&d->ua, &up);

	if (err) {
		LOGE(LS_SIP, "cannot start SIP on %s:%u (port in use, or not an address of this "
		     "host?): %s", up.addr, up.port, strerror(err));
		return err;
	}
	for (unsigned i = 0; i < conf->ntrunks; i++) {
		err = gw_trunk_add(d, &conf->trunks[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- media ----------------------------------------------------------------------------- */

static int on_media_events(struct daemon *d, su_wait_t *w, void *arg)
{
	struct media_event ev;

	(void)su_wait_events(w, media_engine_event_fd(d->media));
	while (media_engine_event_get(d->media, &ev) == 0)
		route_media_event(d, &ev);
	return 0;
}

static int start_media(struct daemon *d)
{
	struct media_engine_params mp = { .rtp_timeout_ms = 0 };
	su_wait_t w;
	int err = media_engine_alloc(&d->media, &mp);

	if (err) {
		LOGE(LS_RTP, "cannot start the media engine: %s", strerror(err));
		return err;
	}
	if (su_wait_create(&w, media_engine_event_fd(d->media), SU_WAIT_IN) < 0)
		return ENOMEM;
	d->media_index = su_root_register(d->root, &w, on_media_events, NULL, 0);
	if (d->media_index <= 0) {
		su_wait_destroy(&w);
		return ENOMEM;
	}
	return 0;
}

/* ---- reload and stop ------------------------------------------------------------------- */

int gw_daemon_reload(struct daemon *d, char *reply, size_t len)
{
	int err;

	service_reloading();
	err = gw_reload(d, reply, len);
	if (!err) {
		daemon_apply_logging(d->conf);
		su_timer_set_interval(d->poll_timer, on_poll_timer, NULL,
				      d->conf->general.alarm_poll_ms);
	}
	service_ready("running");
	return err;
}

static void on_stop_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	if (d->calls.ncalls)
		LOGW(LS_MAIN, "stopping with %u call%s not yet cleared", d->calls.ncalls,
		     d->calls.ncalls == 1 ? "" : "s");
	su_root_break(d->root);
}

static void stop(struct daemon *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	service_stopping();
	if (!d->calls.ncalls) {
		su_root_break(d->root);
		return;
	}
	/* Clear calls properly (BYE, DISCONNECT) and give the far ends a moment to answer. */
	LOGN(LS_MAIN, "clearing %u call%s before stopping", d->calls.ncalls,
	     d->calls.ncalls == 1 ? "" : "s");
	call_clear_all(&d->calls, CAUSE_TEMPORARY_FAILURE);
	d->stop_timer = su_timer_create(su_root_task(d->root), 0);
	if (!d->stop_timer || su_timer_set_interval(d->stop_timer, on_stop_timer, NULL,
						    STOP_GRACE_MS))
		su_root_break(d->root);
}

static int on_signal(struct daemon *d, su_wait_t *w, void *arg)
{
	struct signalfd_siginfo si;

	(void)su_wait_events(w, d->sigfd);
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP: {
			char reply[2048];
			LOGN(LS_CONF, "SIGHUP: reloading");
			(void)gw_daemon_reload(d, reply, sizeof(reply));
			break;
		}
		case SIGTERM:
		case SIGINT:
			LOGN(LS_MAIN, "%s: stopping", strsignal((int)si.ssi_signo));
			stop(d);
			break;
		case SIGUSR1: {
			int err = gw_status_write(d, d->status_path);
			if (err)
				LOGE(LS_MAIN, "SIGUSR1: cannot write the status to %s: %s",
				     d->status_path, strerror(err));
			break;
		}
		}
	}
	return 0;
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;
	su_wait_t w;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return errno;
	/* A peer that vanishes must not kill us through a write on a dead socket. */
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return errno;
	if (su_wait_create(&w, d->sigfd, SU_WAIT_IN) < 0)
		return ENOMEM;
	d->sig_index = su_root_register(d->root, &w, on_signal, NULL, 0);
	if (d->sig_index <= 0) {
		su_wait_destroy(&w);
		return ENOMEM;
	}
	return 0;
}

static bool state_file_on(const struct conf *conf)
{
	return conf->general.state_file[0] && strcmp(conf->general.state_file, "off");
}

/* The spans an operator blocked before this start stay blocked (gateway/maint_state.h). */
static void load_blocked_spans(struct daemon *d)
{
	const char *path = d->conf->general.state_file;
	uint32_t blocked[MAINT_WORDS];
	char err[256];
	int rc;

	if (!state_file_on(d->conf))
		return;
	rc = maint_state_load(path, blocked, err, sizeof(err));
	if (rc) {
		LOGE(LS_MAIN, "state_file %s: %s: no span is kept blocked", path, err);
		return;
	}
	for (unsigned s = 1; s < MAINT_SPANS_MAX; s++) {
		if (!(blocked[s / 32] & (1u << (s % 32))))
			continue;
		if (!gw_link_find(d, s)) {
			LOGW(LS_MAIN, "state_file %s: span %u was blocked but is no PRI span now: "
			     "dropped", path, s);
			continue;
		}
		d->blocked[s / 32] |= 1u << (s % 32);
		LOGN(LS_MAIN, "span %u blocked, as it was before the restart (state_file %s): "
		     "\"strowgerctl span unblock %u\" takes it back into service", s, path, s);
	}
}

void gw_save_blocked_spans(struct daemon *d)
{
	int rc;

	if (!state_file_on(d->conf))
		return;
	rc = maint_state_save(d->conf->general.state_file, d->blocked);
	if (rc)
		LOGE(LS_MAIN, "state_file %s: %s: the span blocks are not kept across a restart",
		     d->conf->general.state_file, strerror(rc));
}

int daemon_alloc(struct daemon **dp, const struct daemon_params *p)
{
	struct daemon *d;
	int err;

	if (!dp || !p || !p->conf || !p->conf_path)
		return EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return ENOMEM;
	d->conf_path = p->conf_path;
	d->conf = p->conf;
	d->status_path = p->status_path ? p->status_path : STATUS_DEFAULT_PATH;
	d->sigfd = -1;
	route_env_init(d);
	if (su_init() != 0) {
		free(d);
		return ENOMEM;
	}
	d->root = su_root_create(d);
	if (!d->root) {
		err = ENOMEM;
		goto out;
	}
	/* One signalling thread (docs/architecture.md §2). */
	su_root_threading(d->root, 0);
	err = setup_signals(d);
	if (err)
		goto out;
	err = gw_build_routing(d->conf, &d->routes, &d->causes);
	if (err)
		goto out;
	err = start_media(d);
	if (err)
		goto out;
	err = start_sip(d);
	if (err)
		goto out;
	d->poll_timer = su_timer_create(su_root_task(d->root), 0);
	if (!d->poll_timer || su_timer_set_interval(d->poll_timer, on_poll_timer, NULL,
						    d->conf->general.alarm_poll_ms)) {
		err = ENOMEM;
		goto out;
	}
	if (su_root_add_prepoll(d->root, on_prepoll, d)) {
		err = ENOMEM;
		goto out;
	}
	err = open_spans(d);
	if (!err) {
		load_blocked_spans(d);
		gw_ctl_start(d);
		gw_cdr_start(d);
		gw_metrics_start(d);
	}
out:
	if (err) {
		d->conf = NULL;	/* the caller still owns it on failure */
		daemon_free(d);
		return err;
	}
	*dp = d;
	return 0;
}

int daemon_run(struct daemon *d)
{
	LOGN(LS_MAIN, "running: %u span%s, %u trunk%s, %u route%s, SIP on %s:%u",
	     d->conf->nspans, d->conf->nspans == 1 ? "" : "s", d->conf->ntrunks,
	     d->conf->ntrunks == 1 ? "" : "s", d->conf->nroutes, d->conf->nroutes == 1 ? "" : "s",
	     d->conf->general.sip_address, d->conf->general.sip_port);
	su_root_run(d->root);
	LOGN(LS_MAIN, "calls: %llu from spans, %llu from trunks, %llu answered, %llu not answered",
	     (unsigned long long)d->stats.calls_in_tdm, (unsigned long long)d->stats.calls_in_sip,
	     (unsigned long long)d->calls.answered, (unsigned long long)d->calls.failed);
	return 0;
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	gw_ctl_stop(d);
	gw_metrics_stop(d);	/* its thread reads nothing of ours, but the timer is the loop's */
	/* sipua_free() below turns the loop until nua has shut down (seconds, with a
	 * transaction outstanding): none of our callbacks may run after this point. */
	if (d->root) {
		su_root_remove_prepoll(d->root);
		if (d->sig_index > 0)
			su_root_deregister(d->root, d->sig_index);
		if (d->media_index > 0)
			su_root_deregister(d->root, d->media_index);
	}
	d->sig_index = d->media_index = 0;
	if (d->poll_timer)
		su_timer_destroy(d->poll_timer);
	if (d->stop_timer)
		su_timer_destroy(d->stop_timer);
	d->poll_timer = d->stop_timer = NULL;

	/* Media first: the engine borrows B-channel fds and owns nothing of the calls. */
	media_engine_free(d->media);
	d->media = NULL;
	call_free_all(&d->calls);
	leg_fxs_ports_free(d);	/* after the calls: a port outlives its legs */
	leg_fxo_ports_free(d);
	gw_cdr_stop(d);		/* after the calls: their last records are queued */
	/* Spans before links: closing a D-channel detaches its link. */
	for (unsigned i = 0; i < d->nspans; i++)
		tdm_span_free(d->spans[i]);
	free(d->spans);
	for (unsigned i = 0; i < d->nlinks; i++)
		pri_link_free(d->links[i]);
	free(d->links);
	/* After the links: their D-channels mark spans of these tables down as they go. */
	for (unsigned i = 0; i < d->ngroups; i++)
		span_group_free(d->groups[i]);
	free(d->groups);
	gw_trunks_free(d);
	sipua_free(d->ua);
	route_table_free(d->routes);
	cause_map_free(d->causes);
	if (d->root)
		su_root_destroy(d->root);
	if (d->sigfd >= 0)
		close(d->sigfd);
	conf_free(d->conf);
	su_deinit();
	free(d);
}
