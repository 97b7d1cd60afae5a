/* The control socket's view of the daemon: the rows of the control protocol
 * (gateway/ctl_cmd.h) filled from the running spans, calls and trunks. */
#include "gateway/gw.h"

#include "common/log.h"
#include "gateway/cdr.h"
#include "gateway/ctl.h"
#include "gateway/ctl_daemon.h"
#include "gateway/leg.h"
#include "gateway/legs.h"
#include "gateway/pri_link.h"
#include "gateway/route.h"
#include "gateway/span_group.h"
#include "gateway/status.h"
#include "sip/trunk.h"
#include "tdm/bchan.h"
#include "tdm/pri.h"
#include "tdm/span.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sig_names[] = {
	[SIG_PRI_CPE] = "pri_cpe", [SIG_PRI_NET] = "pri_net", [SIG_FXS] = "fxs", [SIG_FXO] = "fxo",
};

static unsigned ctl_spans(void *arg, struct ctl_span_row *rows, unsigned max)
{
	struct daemon *d = arg;
	unsigned n = 0;

	for (unsigned i = 0; i < d->nspans; i++, n++) {
		unsigned number = tdm_span_number(d->spans[i]);
		const struct conf_span *cs = conf_span_find(d->conf, number);
		struct span_group *g = gw_group_of_span(d, number);
		struct pri_link *link = gw_link_find(d, number);
		struct pri_span *ps = link ? pri_link_pri(link) : NULL;

		if (n >= max || !cs)
			continue;
		struct ctl_span_row *r = &rows[n];
		*r = (struct ctl_span_row){
			.number = number,
			.type = cs->type == SPAN_E1 ? "E1" : "T1",
			.sig = sig_names[cs->sig],
			.alarm = tdm_span_state_name(tdm_span_state(d->spans[i])),
			.dchan_up = link ? ps && pri_span_dchan_up(ps) : -1,
			.bchans_total = (unsigned)__builtin_popcount(cs->bchans),
			.blocked = gw_span_blocked(d, number),
		};
		for (unsigned pos = 1; g && pos <= TDM_MAX_POS; pos++) {
			enum bchan_state st;
			struct bchan_ref ref = { number, pos };

			if ((cs->bchans & (1u << pos)) &&
			    !bchan_state(span_group_chans(g), ref, &st) && st == BCHAN_BUSY)
				r->bchans_used++;
		}
	}
	return n;
}

/* Fill the parts of a row one leg knows: its channel or its trunk, its codec. */
static void leg_row(const struct leg *l, struct ctl_call_row *r)
{
	const char *trunk = leg_sip_trunk(l), *codec = leg_sip_codec(l);

	if (!l)
		return;
	if (l->ops->line_side)
		l->ops->tag(l, r->chan, sizeof(r->chan));
	if (trunk && trunk[0])
		snprintf(r->trunk, sizeof(r->trunk), "%s", trunk);
	if (codec)
		r->codec = codec;
	if (leg_sip_fax(l))
		r->fax = leg_sip_fax(l);
	if (leg_sip_call_id(l) && leg_sip_call_id(l)[0])
		snprintf(r->sip_call_id, sizeof(r->sip_call_id), "%s", leg_sip_call_id(l));
}

/* "tdm: span 2 ch 1, call, Q.931 active": a leg's side and state. */
static void leg_state(const struct leg *l, char *buf, size_t len)
{
	char st[112] = "";

	if (!l)
		return;
	l->ops->debug(l, st, sizeof(st));
	snprintf(buf, len, "%s: %s%s", l->ops->side, st, l->live ? "" : " (gone)");
}

static unsigned ctl_calls(void *arg, struct ctl_call_row *rows, unsigned max)
{
	struct daemon *d = arg;
	unsigned n = 0;

	for (struct call *c = call_next(&d->calls, NULL); c; c = call_next(&d->calls, c), n++) {
		const struct leg *a = call_leg_a(c), *b = call_leg_b(c);
		const struct call_info *ci = call_info(c);

		if (n >= max)
			continue;
		struct ctl_call_row *r = &rows[n];
		*r = (struct ctl_call_row){ .id = call_id(c), .state = call_state_name(call_state(c)),
					    .age_ms = call_age_ms(c), .billed_ms = call_billed_ms(c),
					    .chan = "-", .trunk = "-" };
		snprintf(r->dir, sizeof(r->dir), "%s->%s", a ? a->ops->side : "?",
			 b ? b->ops->side : "?");
		snprintf(r->called, sizeof(r->called), "%s", ci->called);
		snprintf(r->calling, sizeof(r->calling), "%s", ci->calling);
		leg_row(a, r);
		leg_row(b, r);
		leg_state(a, r->leg_a, sizeof(r->leg_a));
		leg_state(b, r->leg_b, sizeof(r->leg_b));
	}
	return n;
}

/* The call on B-channel span/pos: the one whose line leg names it (leg_pri.c's tag). */
static uint64_t call_on(struct daemon *d, unsigned span, unsigned pos)
{
	char want[48];

	snprintf(want, sizeof(want), "span %u ch %u", span, pos);
	for (struct call *c = call_next(&d->calls, NULL); c; c = call_next(&d->calls, c)) {
		const struct leg *legs[2] = { call_leg_a(c), call_leg_b(c) };

		for (unsigned i = 0; i < 2; i++) {
			char tag[48] = "";

			if (!legs[i] || !legs[i]->live || !legs[i]->ops->line_side)
				continue;
			legs[i]->ops->tag(legs[i], tag, sizeof(tag));
			if (!strcmp(tag, want))
				return call_id(c);
		}
	}
	return 0;
}

static unsigned ctl_channels(void *arg, unsigned span, struct ctl_chan_row *rows, unsigned max)
{
	struct daemon *d = arg;
	unsigned n = 0;

	for (unsigned i = 0; i < d->nspans; i++) {
		unsigned number = tdm_span_number(d->spans[i]);
		const struct conf_span *cs = conf_span_find(d->conf, number);
		struct span_group *g = gw_group_of_span(d, number);
		bool up = tdm_span_state(d->spans[i]) == TDM_SPAN_UP;

		if (!cs || !g || (span && span != number))
			continue;
		for (unsigned pos = 1; pos <= TDM_MAX_POS; pos++) {
			enum bchan_state st;
			struct bchan_ref ref = { number, pos };

			if (!(cs->bchans & (1u << pos)) ||
			    bchan_state(span_group_chans(g), ref, &st))
				continue;
			if (n < max)
				rows[n] = (struct ctl_chan_row){
					.span = number, .chan = pos,
					/* A free channel on a span in alarm takes no call. */
					.state = !up && st == BCHAN_FREE ? "alarm" : bchan_state_name(st),
					.call_id = st == BCHAN_BUSY ? call_on(d, number, pos) : 0,
					.law = cs->law == LAW_ALAW ? "alaw" : "ulaw",
				};
			n++;
		}
	}
	return n;
}

static int ctl_cdr_tail(void *arg, struct cdr_rec *rows, unsigned max)
{
	struct daemon *d = arg;

	return d->cdr ? (int)cdr_writer_tail(d->cdr, rows, max) : -1;
}

static void trunk_row(struct daemon *d, const struct gw_trunk *gt, struct ctl_trunk_row *r)
{
	const struct sip_trunk *t = gt->trunk;
	const struct conf_trunk *ct = &gt->conf;

	*r = (struct ctl_trunk_row){
		.name = gt->name,
		.proxy = ct->proxy,
		.transport = sip_transport_name(sip_trunk_transport(t)),
		/* a removed trunk's calls finish: say so rather than its registration */
		.reg = gt->removed ? "removed" : !ct->registration ? "off" :
		       sip_trunk_reg_state_name(sip_trunk_reg_state(t)),
		.options_up = gt->removed || !ct->keepalive ? -1 : sip_trunk_is_up(t),
	};
	for (struct call *c = call_next(&d->calls, NULL); c; c = call_next(&d->calls, c)) {
		const char *ta = leg_sip_trunk(call_leg_a(c)), *tb = leg_sip_trunk(call_leg_b(c));

		if ((ta && !strcmp(ta, r->name)) || (tb && !strcmp(tb, r->name)))
			r->calls++;
	}
}

static unsigned ctl_trunks(void *arg, struct ctl_trunk_row *rows, unsigned max)
{
	struct daemon *d = arg;
	unsigned n = 0;

	for (unsigned i = 0; i < d->ntrunks; i++, n++)
		if (n < max)
			trunk_row(d, d->trunks[i], &rows[n]);
	for (const struct gw_trunk *gt = d->retired; gt; gt = gt->next, n++)
		if (n < max)
			trunk_row(d, gt, &rows[n]);
	return n;
}

static unsigned ctl_ports(void *arg, struct ctl_port_row *rows, unsigned max)
{
	return gw_port_rows(arg, rows, max);
}

static int ctl_reload(void *arg, char *reply, size_t len)
{
	return gw_daemon_reload(arg, reply, len);
}

static int ctl_span_block(void *arg, unsigned span, bool block)
{
	struct daemon *d = arg;

	if (!gw_span_find(d, span) || span >= MAINT_SPANS_MAX)
		return ENOENT;
	if (!gw_link_find(d, span))
		return EINVAL;	/* analog ports: each port is its own line */
	if (block == gw_span_blocked(d, span))
		return 0;
	if (block)
		d->blocked[span / 32] |= 1u << (span % 32);
	else
		d->blocked[span / 32] &= ~(1u << (span % 32));
	gw_save_blocked_spans(d);
	LOGN(LS_MAIN, "span %u %s from the control socket%s", span, block ? "blocked" : "unblocked",
	     block ? ": no new calls either way, calls up finish" : "");
	return 0;
}

static unsigned ctl_routes(void *arg, struct ctl_route_row *rows, unsigned max)
{
	struct daemon *d = arg;
	unsigned n = route_table_size(d->routes);

	for (unsigned i = 0; i < n && i < max; i++) {
		const struct conf_route *cr = route_table_route(d->routes, i);
		struct ctl_route_row *r = &rows[i];
		unsigned nd = cr->dest.n ? cr->dest.n : 1;

		*r = (struct ctl_route_row){ .name = cr->name, .match = cr->match,
					     .strip = cr->strip, .prepend = cr->prepend,
					     .calls = route_table_calls(d->routes, i) };
		route_endpoint_str(&cr->from, r->from, sizeof(r->from));
		for (unsigned k = 0; k < nd; k++) {
			char ep[CONF_NAME_MAX + 16];
			size_t used = strlen(r->to);

			route_endpoint_str(&cr->dest.ep[k], ep, sizeof(ep));
			snprintf(r->to + used, sizeof(r->to) - used, "%s%s", k ? ", " : "", ep);
		}
	}
	return n;
}

static void ctl_status(void *arg, struct ctl_status *st)
{
	gw_status_get(arg, st);
}

static int ctl_hangup(void *arg, bool all, uint64_t id, int cause)
{
	struct daemon *d = arg;
	struct call *c = all ? call_next(&d->calls, NULL) : call_find(&d->calls, id);
	int n = 0;

	if (!c)
		return all ? 0 : -1;
	while (c) {
		/* call_clear() may free c: step first. */
		struct call *next = all ? call_next(&d->calls, c) : NULL;

		if (call_state(c) != CALL_CLEARING) {
			CLOG(LL_NOTICE, c, "hangup from the control socket, cause %d", cause);
			call_clear(c, cause, "gateway");
			n++;
		}
		c = next;
	}
	return n;
}

/* A call id of show calls names its SIP leg's Call-ID; anything else is taken as one. */
static const char *sip_call_id_of(struct daemon *d, const char *what)
{
	char *end;
	unsigned long long id = strtoull(what, &end, 10);
	struct call *c = what[0] >= '0' && what[0] <= '9' && !*end ? call_find(&d->calls, id)
								     : NULL;

	for (int i = 0; c && i < 2; i++) {
		const struct leg *l = i ? call_leg_b(c) : call_leg_a(c);
		if (l && leg_sip_call_id(l) && leg_sip_call_id(l)[0])
			return leg_sip_call_id(l);
	}
	return what;
}

static int ctl_trace(void *arg, bool on, const char *scope, const char *what, const char *path,
		     char *reply, size_t len)
{
	struct daemon *d = arg;
	const struct conf_general *g = &d->conf->general;
	int err;

	if (!d->ua) {
		snprintf(reply, len, "SIP is not running");
		return -1;
	}
	if (!scope) {
		sipua_trace_describe(d->ua, reply, len);
		return 0;
	}
	if (!on) {
		uint64_t msgs = 0;
		if (sipua_trace_off(d->ua, &msgs)) {
			snprintf(reply, len, "no trace is on");
			return -1;
		}
		snprintf(reply, len, "trace off: %" PRIu64 " messages", msgs);
		return 0;
	}
	if (!path || !path[0])
		path = g->trace_file;
	if (!path[0]) {
		snprintf(reply, len, "no file: say 'file PATH' or set trace_file");
		return -1;
	}
	struct sipua_trace_spec s = {
		.scope = !strcmp(scope, "trunk") ? SIPUA_TRACE_TRUNK
			 : !strcmp(scope, "call") ? SIPUA_TRACE_CALL : SIPUA_TRACE_ALL,
		.what = what && !strcmp(scope, "call") ? sip_call_id_of(d, what) : what,
		.path = path,
		.max_bytes = (uint64_t)g->trace_max_mb << 20,
	};
	err = sipua_trace_on(d->ua, &s);
	if (err == ENOENT)
		snprintf(reply, len, "no trunk '%s' (see show trunks)", what);
	else if (err)
		snprintf(reply, len, "cannot trace to %s: %s", path, strerror(err));
	else
		snprintf(reply, len, "trace on: %s%s%s to %s", scope, s.what ? " " : "",
			 s.what ? s.what : "", path);
	return err ? -1 : 0;
}

static const struct ctl_ops daemon_ctl_ops = {
	.spans = ctl_spans,
	.calls = ctl_calls,
	.trunks = ctl_trunks,
	.ports = ctl_ports,
	.channels = ctl_channels,
	.cdr_tail = ctl_cdr_tail,
	.status = ctl_status,
	.hangup = ctl_hangup,
	.reload = ctl_reload,
	.span_block = ctl_span_block,
	.routes = ctl_routes,
	.trace = ctl_trace,
};

const struct ctl_ops *gw_ctl_ops(void)
{
	return &daemon_ctl_ops;
}

void gw_ctl_start(struct daemon *d)
{
	const struct conf_general *g = &d->conf->general;
	struct ctl_params p = {
		.path = g->control_socket[0] ? g->control_socket : CTL_DEFAULT_PATH,
		.mode = (mode_t)strtoul(g->control_mode[0] ? g->control_mode : "0660", NULL, 8),
		.ops = &daemon_ctl_ops,
		.arg = d,
	};
	int err = ctl_alloc(&d->ctl, d->root, &p);

	/* Calls matter more than the console: run without it, loudly. */
	if (err)
		LOGE(LS_MAIN, "control socket %s: %s: running without it (strowgerctl will not "
		     "connect)", p.path, strerror(err));
	else
		LOGI(LS_MAIN, "control socket on %s (mode %04o)", p.path, (unsigned)p.mode);
}

void gw_ctl_stop(struct daemon *d)
{
	ctl_free(d->ctl);
	d->ctl = NULL;
}
