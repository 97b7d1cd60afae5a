/* A DAHDI span: channels, alarms, state changes. */
#include "tdm/span.h"

#include "common/clock.h"
#include "common/log.h"
#include "tdm/dahdi.h"

#include <dahdi/user.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tdm_chan {
	unsigned pos;		/* span position, 1-based */
	unsigned channo;	/* DAHDI global channel number, 0 until resolved */
	int fd;			/* -1 while closed */
	bool dchan;
	bool open_failed;	/* logged once per failure streak */
};

struct tdm_span {
	struct tdm_span_params p;
	char *dahdi_dir;
	enum tdm_span_state state;
	int alarms;		/* DAHDI_ALARM_* bits last seen */
	int last_err;		/* errno of the last failed SPANSTAT, to log once */
	int ctl;		/* <dahdi_dir>/ctl, kept open between polls; -1 if not */
	bool seen;		/* state has been reported at least once */
	unsigned reported_open;	/* open channels when state was last logged */
	struct tdm_chan chans[TDM_MAX_POS + 1];
	unsigned nchans;
	struct dahdi_span_counts counts;	/* line error counters last logged */
	bool counts_seen;
	uint64_t counts_logged_us;	/* [µs] when they were last logged */
};

/* A line taking errors changes its counters on every poll: at most one line per minute per
 * span, each with what accumulated since the last. */
#define COUNTS_LOG_INTERVAL_US (60u * 1000000u)

static void log_counts(struct tdm_span *span, const struct dahdi_span_counts *now)
{
	static const struct dahdi_span_counts zero;
	char buf[256];
	uint64_t t = clock_now_us();

	if (!span->counts_seen) {
		span->counts_seen = true;
		span->counts = *now;
		if (*dahdi_counts_delta_str(&zero, now, buf, sizeof(buf)))
			LOGN(LS_TDM, "span %u: line error counters at start: %s", span->p.number, buf);
		return;
	}
	if (!memcmp(&span->counts, now, sizeof(*now)) ||
	    (span->counts_logged_us && t - span->counts_logged_us < COUNTS_LOG_INTERVAL_US))
		return;
	LOGW(LS_TDM, "span %u: line errors: %s", span->p.number,
	     dahdi_counts_delta_str(&span->counts, now, buf, sizeof(buf)));
	span->counts = *now;
	span->counts_logged_us = t;
}

static void noop_state(struct tdm_span *s, enum tdm_span_state st, void *a) { }
static void noop_fd(struct tdm_span *s, int fd, bool d, bool added, void *a) { }

const char *tdm_span_state_name(enum tdm_span_state state)
{
	static const char *const names[] = {
		[TDM_SPAN_ABSENT] = "absent", [TDM_SPAN_ALARM] = "alarm", [TDM_SPAN_UP] = "up",
	};
	return (unsigned)state < 3 ? names[state] : "?";
}

static bool is_event_chan(const struct tdm_span *span, const struct tdm_chan *c)
{
	return span->p.sig == TDM_SIG_ANALOG || c->dchan;
}

int tdm_span_alloc(struct tdm_span **spanp, const struct tdm_span_params *p)
{
	struct tdm_span *span;

	if (!spanp || !p || !p->number || !p->dahdi_dir)
		return EINVAL;
	if (p->dchannel > TDM_MAX_POS || (p->bchans & 1u))
		return EINVAL;
	span = calloc(1, sizeof(*span));
	if (!span)
		return ENOMEM;
	span->p = *p;
	span->dahdi_dir = strdup(p->dahdi_dir);
	if (!span->dahdi_dir) {
		free(span);
		return ENOMEM;
	}
	span->p.dahdi_dir = span->dahdi_dir;
	if (!span->p.stateh)
		span->p.stateh = noop_state;
	if (!span->p.fdh)
		span->p.fdh = noop_fd;
	for (unsigned pos = 1; pos <= TDM_MAX_POS; pos++) {
		bool d = pos == p->dchannel;
		if (!d && !(p->bchans & (1u << pos)))
			continue;
		span->chans[span->nchans++] = (struct tdm_chan){ .pos = pos, .fd = -1, .dchan = d };
	}
	span->state = TDM_SPAN_ABSENT;
	span->ctl = -1;
	*spanp = span;
	return 0;
}

static void close_chan(struct tdm_span *span, struct tdm_chan *c)
{
	if (c->fd < 0)
		return;
	if (is_event_chan(span, c))
		span->p.fdh(span, c->fd, c->dchan, false, span->p.arg);
	close(c->fd);
	c->fd = -1;
}

void tdm_span_free(struct tdm_span *span)
{
	if (!span)
		return;
	for (unsigned i = 0; i < span->nchans; i++)
		close_chan(span, &span->chans[i]);
	if (span->ctl >= 0)
		close(span->ctl);
	free(span->dahdi_dir);
	free(span);
}

static void set_state(struct tdm_span *span, enum tdm_span_state state, int alarms)
{
	char a[64], b[64];

	unsigned open = tdm_span_open_channels(span);

	if (span->seen && state == span->state && alarms == span->alarms &&
	    (state != TDM_SPAN_UP || open == span->reported_open))
		return;
	span->reported_open = open;
	if (state == TDM_SPAN_UP && span->seen && span->state == TDM_SPAN_ALARM)
		LOGN(LS_TDM, "span %u: alarm cleared (was %s), span up", span->p.number,
		     dahdi_alarm_str(span->alarms, b, sizeof(b)));
	else if (state == TDM_SPAN_UP)
		LOGN(LS_TDM, "span %u: up, %u of %u channels open", span->p.number, open,
		     span->nchans);
	else if (state == TDM_SPAN_ALARM)
		LOGW(LS_TDM, "span %u: in alarm %s, span unusable", span->p.number,
		     dahdi_alarm_str(alarms, a, sizeof(a)));
	bool changed = !span->seen || state != span->state;
	span->seen = true;
	span->state = state;
	span->alarms = alarms;
	if (changed)
		span->p.stateh(span, state, span->p.arg);
}

/* "1-15,17-31" for the positions set in mask. */
static const char *pos_list(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned p = 1; p <= TDM_MAX_POS && used < len; p++) {
		if (!(mask & (1u << p)))
			continue;
		unsigned q = p;
		while (q < TDM_MAX_POS && (mask & (1u << (q + 1))))
			q++;
		int n = q > p ? snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", p, q)
			      : snprintf(buf + used, len - used, "%s%u", used ? "," : "", p);
		used += n > 0 ? (size_t)n : 0;
		p = q;
	}
	return buf;
}

/* Resolve channel numbers and open what is closed. Failures are logged once per streak,
 * one line per reason with the channels it hit: a span of 31 unconfigured channels is one
 * line, not 31. */
static void open_channels(struct tdm_span *span)
{
	unsigned chan_of_pos[TDM_MAX_POS + 1];
	struct open_fail { int err; uint32_t mask; } fails[4];
	unsigned nfails = 0;
	uint32_t opened = 0, recovered = 0;
	char list[96];
	int err;

	bool need = false;
	for (unsigned i = 0; i < span->nchans; i++)
		need |= span->chans[i].fd < 0;
	if (!need)
		return;
	err = dahdi_span_channels(span->dahdi_dir, span->p.number, chan_of_pos, TDM_MAX_POS);
	if (err) {
		LOGE(LS_TDM, "span %u: cannot list its channels: %s", span->p.number, strerror(err));
		return;
	}
	for (unsigned i = 0; i < span->nchans; i++) {
		struct tdm_chan *c = &span->chans[i];

		if (c->fd >= 0)
			continue;
		c->channo = chan_of_pos[c->pos];
		err = c->channo ? dahdi_chan_open(&c->fd, span->dahdi_dir, c->channo,
						  c->dchan ? DAHDI_MODE_HDLC : DAHDI_MODE_AUDIO)
				: ENODEV;
		if (err) {
			if (c->open_failed)
				continue;
			c->open_failed = true;
			if (c->dchan || !c->channo) {
				LOGE(LS_TDM, "span %u ch %u (dahdi %u): cannot open %s: %s", span->p.number,
				     c->pos, c->channo, c->dchan ? "D-channel" : "channel",
				     c->channo ? strerror(err) : "the span has no such channel");
				continue;
			}
			unsigned k = 0;
			while (k < nfails && fails[k].err != err)
				k++;
			if (k == nfails && nfails < 4)
				fails[nfails++] = (struct open_fail){ .err = err, .mask = 0 };
			if (k < nfails)
				fails[k].mask |= 1u << c->pos;
			continue;
		}
		if (c->open_failed)
			recovered |= 1u << c->pos;
		c->open_failed = false;
		opened |= 1u << c->pos;
		if (is_event_chan(span, c))
			span->p.fdh(span, c->fd, c->dchan, true, span->p.arg);
	}
	for (unsigned k = 0; k < nfails; k++) {
		unsigned first = 0;
		for (unsigned i = 0; i < span->nchans && !first; i++)
			if (fails[k].mask & (1u << span->chans[i].pos))
				first = span->chans[i].channo;
		LOGE(LS_TDM, "span %u ch %s (dahdi %u...): cannot open channel: %s%s", span->p.number,
		     pos_list(fails[k].mask, list, sizeof(list)), first, strerror(fails[k].err),
		     fails[k].err == ENXIO ? " (not configured: run dahdi_cfg)" : "");
	}
	if (recovered)
		LOGN(LS_TDM, "span %u ch %s: opened after earlier failure", span->p.number,
		     pos_list(recovered, list, sizeof(list)));
	if (opened)
		LOGD(LS_TDM, "span %u ch %s: open", span->p.number, pos_list(opened, list, sizeof(list)));
}

/* Errors of a span status query that say the span (or DAHDI) is not there. Anything else
 * (EMFILE, ENFILE, ENOMEM, EAGAIN...) says nothing about the span: a process short of fds
 * for a moment must not drop the calls of a healthy span. */
static bool span_missing(int err)
{
	return err == ENOENT || err == ENXIO || err == EINVAL || err == ENODEV;
}

/* The span's status through the kept ctl fd, opened on first use and again after a
 * failure that may have made it stale (DAHDI reloaded). */
static int span_stat(struct tdm_span *span, struct dahdi_span_info *info)
{
	int err = 0;

	if (span->ctl < 0)
		err = dahdi_ctl_open(span->dahdi_dir, &span->ctl);
	if (!err)
		err = dahdi_span_stat_fd(span->ctl, span->p.number, info);
	if (err && err != ENXIO && err != EINVAL && span->ctl >= 0) {
		close(span->ctl);
		span->ctl = -1;
	}
	return err;
}

void tdm_span_poll(struct tdm_span *span)
{
	struct dahdi_span_info info;
	int err = span_stat(span, &info);

	if (err && !span_missing(err)) {
		if (err != span->last_err)
			LOGW(LS_TDM, "span %u: cannot read span status: %s (span left as it is, "
			     "retrying)", span->p.number, strerror(err));
		span->last_err = err;
		return;
	}
	if (err) {
		if (err != span->last_err) {
			if (err == ENOENT)
				LOGE(LS_TDM, "span %u: %s/ctl does not exist (is DAHDI loaded?)",
				     span->p.number, span->dahdi_dir);
			else if (err == EINVAL || err == ENXIO)
				LOGE(LS_TDM, "span %u: DAHDI has no such span", span->p.number);
			else
				LOGE(LS_TDM, "span %u: cannot read span status: %s", span->p.number,
				     strerror(err));
		}
		span->last_err = err;
		/* Channels of a vanished span are dead: close them, reopen when it returns. */
		for (unsigned i = 0; i < span->nchans; i++)
			close_chan(span, &span->chans[i]);
		set_state(span, TDM_SPAN_ABSENT, 0);
		return;
	}
	if (span->last_err && span_missing(span->last_err))
		LOGN(LS_TDM, "span %u: found (%s)", span->p.number, info.desc);
	else if (span->last_err)
		LOGN(LS_TDM, "span %u: status readable again", span->p.number);
	span->last_err = 0;
	open_channels(span);
	set_state(span, info.alarms ? TDM_SPAN_ALARM : TDM_SPAN_UP, info.alarms);
	log_counts(span, &info.counts);
}

void tdm_span_handle_event(struct tdm_span *span, int fd)
{
	int event, err;

	/* Drain every queued event; alarms re-read the span status rather than trusting
	 * the order of events. */
	for (int n = 0; n < 16; n++) {
		err = dahdi_get_event(fd, &event);
		if (err) {
			LOGW(LS_TDM, "span %u: DAHDI_GETEVENT on fd %d: %s", span->p.number, fd,
			     strerror(err));
			return;
		}
		switch (event) {
		case DAHDI_EVENT_NONE:
			return;
		case DAHDI_EVENT_ALARM:
		case DAHDI_EVENT_NOALARM:
			tdm_span_poll(span);
			break;
		default:
			LOGD(LS_TDM, "span %u: event %d on fd %d", span->p.number, event, fd);
			if (span->p.sig == TDM_SIG_ANALOG && span->p.evh)
				for (unsigned i = 0; i < span->nchans; i++)
					if (span->chans[i].fd == fd)
						span->p.evh(span, span->chans[i].pos, fd, event,
							    span->p.arg);
			break;
		}
	}
}

int tdm_span_chan_fd(const struct tdm_span *span, unsigned pos)
{
	for (unsigned i = 0; i < span->nchans; i++)
		if (span->chans[i].pos == pos)
			return span->chans[i].fd;
	return -1;
}

enum tdm_span_state tdm_span_state(const struct tdm_span *span)
{
	return span->state;
}

unsigned tdm_span_number(const struct tdm_span *span)
{
	return span->p.number;
}

unsigned tdm_span_open_channels(const struct tdm_span *span)
{
	unsigned n = 0;

	for (unsigned i = 0; i < span->nchans; i++)
		n += span->chans[i].fd >= 0;
	return n;
}
