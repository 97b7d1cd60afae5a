/* The daemon: configuration, the signalling loop, spans, signals. */
#define SU_ROOT_MAGIC_T  struct daemon
#define SU_WAKEUP_ARG_T  void
#define SU_TIMER_ARG_T   void

#include "gateway/daemon.h"

#include "common/log.h"
#include "conf/conf.h"
#include "tdm/span.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#define MAX_WATCHES 512

/* One fd the loop watches for DAHDI events (POLLPRI). */
struct watch {
	int fd;
	int index;		/* su_root registration, > 0 */
	struct tdm_span *span;
};

struct daemon {
	const char *conf_path;
	struct conf *conf;
	su_root_t *root;
	su_timer_t *poll_timer;
	int sigfd;
	int sig_index;
	struct tdm_span **spans;
	unsigned nspans;
	struct watch watches[MAX_WATCHES];
	unsigned nwatches;
};

void daemon_apply_logging(const struct conf *conf)
{
	char err[128];

	log_open((enum log_target)conf->general.log_target);
	log_set_all((enum log_level)conf->general.log_level);
	/* conf/ validated the list; a failure here is a bug in one of the two. */
	if (log_set_levels(conf->general.log_levels, err, sizeof(err)))
		LOGE(LS_CONF, "log_levels: %s", err);
}

static int on_dahdi_event(struct daemon *d, su_wait_t *w, void *arg)
{
	struct watch *wt = arg;

	(void)su_wait_events(w, wt->fd);
	tdm_span_handle_event(wt->span, wt->fd);
	return 0;
}

static void on_span_fd(struct tdm_span *span, int fd, bool added, void *arg)
{
	struct daemon *d = arg;

	if (added) {
		su_wait_t w;

		if (d->nwatches == MAX_WATCHES) {
			LOGE(LS_MAIN, "span %u: more than %d event fds, fd %d not watched",
			     tdm_span_number(span), MAX_WATCHES, fd);
			return;
		}
		struct watch *wt = &d->watches[d->nwatches];
		if (su_wait_create(&w, fd, POLLPRI) < 0) {
			LOGE(LS_MAIN, "span %u: cannot watch fd %d", tdm_span_number(span), fd);
			return;
		}
		/* The loop hands back the argument: the watch slot, stable until removed. */
		int index = su_root_register(d->root, &w, on_dahdi_event, wt, 0);
		if (index <= 0) {
			su_wait_destroy(&w);
			LOGE(LS_MAIN, "span %u: cannot register fd %d", tdm_span_number(span), fd);
			return;
		}
		*wt = (struct watch){ .fd = fd, .index = index, .span = span };
		d->nwatches++;
		return;
	}
	for (unsigned i = 0; i < d->nwatches; i++) {
		if (d->watches[i].fd != fd)
			continue;
		su_root_deregister(d->root, d->watches[i].index);
		/* Keep slots dense; re-register the moved one so its argument stays right. */
		struct watch last = d->watches[--d->nwatches];
		if (i != d->nwatches) {
			su_root_deregister(d->root, last.index);
			d->watches[i] = last;
			su_wait_t w;
			if (su_wait_create(&w, last.fd, POLLPRI) == 0) {
				d->watches[i].index = su_root_register(d->root, &w, on_dahdi_event,
								       &d->watches[i], 0);
				if (d->watches[i].index <= 0)
					su_wait_destroy(&w);
			}
		}
		return;
	}
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

static int open_spans(struct daemon *d)
{
	const struct conf *conf = d->conf;

	d->spans = calloc(conf->nspans ? conf->nspans : 1, sizeof(*d->spans));
	if (!d->spans)
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
			.fdh = on_span_fd,
			.arg = d,
		};
		int err = tdm_span_alloc(&d->spans[d->nspans], &p);
		if (err) {
			LOGE(LS_TDM, "span %u: %s", cs->number, strerror(err));
			return err;
		}
		d->nspans++;
	}
	poll_spans(d);
	return 0;
}

/* SIGHUP: re-read the file. A broken file changes nothing; options that need a restart
 * are named and left as they run; the rest takes effect now. */
static void reload(struct daemon *d)
{
	struct conf_errors errs = {0};
	struct conf *next = NULL;
	char restart[1024];

	LOGN(LS_CONF, "SIGHUP: reloading %s", d->conf_path);
	if (conf_load(&next, d->conf_path, &errs)) {
		for (unsigned i = 0; i < errs.count; i++)
			LOGE(LS_CONF, "%s", errs.msgs[i]);
		LOGE(LS_CONF, "reload failed (%u error%s): still running the previous configuration",
		     errs.count, errs.count == 1 ? "" : "s");
		conf_errors_clear(&errs);
		return;
	}
	conf_errors_clear(&errs);

	unsigned n = conf_restart_needed(d->conf, next, restart, sizeof(restart));
	if (n) {
		for (char *save = NULL, *l = strtok_r(restart, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			LOGW(LS_CONF, "reload: %s changed: takes effect after a restart", l);
		/* Keep what runs; take the reloadable parts of the new file. */
		d->conf->general.log_target = next->general.log_target;
		d->conf->general.log_level = next->general.log_level;
		memcpy(d->conf->general.log_levels, next->general.log_levels,
		       sizeof(d->conf->general.log_levels));
		d->conf->general.alarm_poll_ms = next->general.alarm_poll_ms;
		struct conf_route *routes = d->conf->routes;
		unsigned nroutes = d->conf->nroutes;
		d->conf->routes = next->routes;
		d->conf->nroutes = next->nroutes;
		next->routes = routes;
		next->nroutes = nroutes;
		conf_free(next);
	} else {
		conf_free(d->conf);
		d->conf = next;
	}
	daemon_apply_logging(d->conf);
	su_timer_set_interval(d->poll_timer, on_poll_timer, NULL, d->conf->general.alarm_poll_ms);
	LOGN(LS_CONF, "reload done: %u route%s", d->conf->nroutes, d->conf->nroutes == 1 ? "" : "s");
}

static int on_signal(struct daemon *d, su_wait_t *w, void *arg)
{
	struct signalfd_siginfo si;

	(void)su_wait_events(w, d->sigfd);
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			LOGN(LS_MAIN, "%s: stopping", strsignal((int)si.ssi_signo));
			su_root_break(d->root);
			break;
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
	d->sigfd = -1;
	if (su_init() != 0) {
		free(d);
		return ENOMEM;
	}
	d->root = su_root_create(d);
	if (!d->root) {
		err = ENOMEM;
		goto out;
	}
	/* One signalling thread (DESIGN.md §2). */
	su_root_threading(d->root, 0);
	err = setup_signals(d);
	if (err)
		goto out;
	d->poll_timer = su_timer_create(su_root_task(d->root), 0);
	if (!d->poll_timer || su_timer_set_interval(d->poll_timer, on_poll_timer, NULL,
						    d->conf->general.alarm_poll_ms)) {
		err = ENOMEM;
		goto out;
	}
	err = open_spans(d);
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
	LOGN(LS_MAIN, "running: %u span%s, %u trunk%s, %u route%s", d->conf->nspans,
	     d->conf->nspans == 1 ? "" : "s", d->conf->ntrunks, d->conf->ntrunks == 1 ? "" : "s",
	     d->conf->nroutes, d->conf->nroutes == 1 ? "" : "s");
	su_root_run(d->root);
	return 0;
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->nspans; i++)
		tdm_span_free(d->spans[i]);
	free(d->spans);
	if (d->poll_timer)
		su_timer_destroy(d->poll_timer);
	if (d->root) {
		if (d->sig_index > 0)
			su_root_deregister(d->root, d->sig_index);
		su_root_destroy(d->root);
	}
	if (d->sigfd >= 0)
		close(d->sigfd);
	conf_free(d->conf);
	su_deinit();
	free(d);
}
