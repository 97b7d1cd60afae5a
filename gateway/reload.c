/* Live reload (SIGHUP, strowgerctl reload): read the file again and apply what can change
 * without dropping a call.
 *
 * All or nothing at the file: a file that does not parse or validate, or whose routes do
 * not build, changes nothing. Then, per part: routes are replaced as a whole (a call up
 * keeps the copy it took, gateway/call_route.c note_route); trunks are added, changed in
 * place (re-registering when the registration data changed) or removed (retired: their
 * calls hold a reference and finish, gateway/gw_trunk.c); groups are rebuilt where they
 * changed, added or removed, their spans taking their channels from the new group's table
 * with the channels of their calls busy there (the calls go on; the next hunt is the new
 * group's); [general] options, spans and ports take only their reloadable options, and the
 * rest is refused by name ("span 2: signalling changed; restart needed") while the other
 * parts still apply. A group that holds a span waiting for a restart waits with it. */
#include "gateway/gw.h"
#include "gateway/reload.h"

#include "common/log.h"
#include "gateway/cause.h"
#include "gateway/legs.h"
#include "gateway/pri_link.h"
#include "gateway/route.h"
#include "gateway/span_group.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void out_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

unsigned reload_refusals(const char *restart, char *log, size_t loglen, char *brief,
			 size_t brieflen)
{
	char copy[2048], *save = NULL;
	unsigned n = 0;

	if (log && loglen)
		log[0] = '\0';
	if (brief && brieflen)
		brief[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", restart ? restart : "");
	/* conf_restart_needed() lines: "[span 2] signalling", "[group pbx] added" */
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *close = strchr(l, ']');
		const char *what = close ? close + 1 : l, *title = l[0] == '[' ? l + 1 : l;

		if (close)
			*close = '\0';
		while (*what == ' ')
			what++;
		bool whole = !strcmp(what, "added") || !strcmp(what, "removed") ||
			     !strcmp(what, "changed") || strchr(what, ' ');
		if (log && loglen)
			out_add(log, loglen, "%s: %s%s; restart needed\n", title, what,
				whole ? "" : " changed");
		if (brief && brieflen)
			out_add(brief, brieflen, "%s%s %s", n ? ", " : "", title, what);
		n++;
	}
	if (n && brief && brieflen)
		out_add(brief, brieflen, " (restart needed)");
	return n;
}

void reload_summary_format(const struct reload_summary *s, char *buf, size_t len)
{
	snprintf(buf, len, "reloaded: %u trunk%s changed, %u added, %u removed; %u route%s",
		 s->trunks_changed, s->trunks_changed == 1 ? "" : "s", s->trunks_added,
		 s->trunks_removed, s->routes, s->routes == 1 ? "" : "s");
	if (s->groups_changed || s->groups_added || s->groups_removed)
		out_add(buf, len, "; groups: %u changed, %u added, %u removed", s->groups_changed,
			s->groups_added, s->groups_removed);
	if (s->refused[0])
		out_add(buf, len, "; refused: %s", s->refused);
	if (s->failed[0])
		out_add(buf, len, "; failed: %s", s->failed);
}

static int build_routing(const struct conf *conf, struct route_table **rtp,
			 struct cause_map **cmp, char *why, size_t whylen)
{
	char err[256] = "", dir[CONF_STR_MAX];
	const char *slash = strrchr(conf->path, '/');

	/* "match = @ported.txt" is read next to the config file */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - conf->path) : 0, conf->path);
	struct route_table_params rp = {
		.routes = conf->routes, .nroutes = conf->nroutes, .dir = dir, .err = err,
		.errlen = sizeof(err),
	};
	int e = route_table_alloc(rtp, &rp);

	if (e) {
		snprintf(why, whylen, "routes: %s", err[0] ? err : strerror(e));
		return e;
	}
	e = cause_map_alloc(cmp);
	if (!e && conf->general.cause_map[0])
		e = cause_map_override(*cmp, conf->general.cause_map, err, sizeof(err));
	if (e) {
		snprintf(why, whylen, "cause_map: %s", err[0] ? err : strerror(e));
		route_table_free(*rtp);
		cause_map_free(*cmp);
		*rtp = NULL;
		*cmp = NULL;
	}
	return e;
}

int gw_build_routing(const struct conf *conf, struct route_table **rtp, struct cause_map **cmp)
{
	char why[320];
	int e = build_routing(conf, rtp, cmp, why, sizeof(why));

	if (e)
		LOGE(LS_CONF, "%s", why);
	return e;
}

/* Trunks: removed ones retire, changed ones change in place, new ones start. */
static void apply_trunks(struct daemon *d, const struct conf *next, struct reload_summary *s)
{
	for (unsigned i = d->ntrunks; i-- > 0;) {
		struct gw_trunk *gt = d->trunks[i];
		if (!conf_trunk_find(next, gt->name)) {
			gw_trunk_remove(d, gt);
			s->trunks_removed++;
		}
	}
	for (unsigned i = 0; i < next->ntrunks; i++) {
		const struct conf_trunk *ct = &next->trunks[i];
		struct gw_trunk *gt = gw_trunk_get(d, ct->name);
		bool rereg = false;

		if (!gt) {
			if (gw_trunk_add(d, ct))
				out_add(s->failed, sizeof(s->failed), "%strunk %s not started",
					s->failed[0] ? ", " : "", ct->name);
			else
				s->trunks_added++;
			continue;
		}
		if (conf_trunk_equal(&gt->conf, ct))
			continue;
		if (gw_trunk_change(d, gt, ct, &rereg)) {
			out_add(s->failed, sizeof(s->failed), "%strunk %s unchanged",
				s->failed[0] ? ", " : "", ct->name);
			continue;
		}
		s->trunks_changed++;
		s->trunks_reregistered += rereg;
		LOGN(LS_CONF, "trunk %s: changed%s", ct->name, rereg ? ", registering again" : "");
	}
}

static struct span_group *group_in(struct span_group *const *groups, unsigned n, unsigned span)
{
	for (unsigned i = 0; i < n; i++)
		if (span_group_has(groups[i], span))
			return groups[i];
	return NULL;
}

/* Move every PRI span to its group's table in groups (the calls up keep their channels
 * busy there: pri_link_set_chans). On a failure the spans moved go back. */
static int move_links(struct daemon *d, struct span_group *const *groups, unsigned n)
{
	unsigned moved;
	int err = 0;

	for (moved = 0; moved < d->nlinks; moved++) {
		unsigned span = pri_link_span(d->links[moved]);
		struct span_group *from = gw_group_of_span(d, span), *to = group_in(groups, n, span);

		if (!to) {
			err = ENOENT;
			break;
		}
		if (from != to && (err = pri_link_set_chans(d->links[moved], span_group_chans(to))))
			break;
	}
	if (err)
		while (moved-- > 0) {
			unsigned span = pri_link_span(d->links[moved]);
			(void)pri_link_set_chans(d->links[moved],
						 span_group_chans(gw_group_of_span(d, span)));
		}
	return err;
}

static bool is_span_group(const char *name)
{
	return !strncmp(name, "span ", 5);	/* a span's group of one: not a [group] */
}

/* Groups: those the config (merged: conf_reload_merge) runs as before are kept with their
 * state; the others are built anew and the spans move to them, their calls going on. */
static void apply_groups(struct daemon *d, const struct conf *conf, struct reload_summary *s)
{
	unsigned max = conf->ngroups + conf->nspans, n = 0, built = 0;
	struct span_group_def *defs = calloc(max ? max : 1, sizeof(*defs));
	struct span_group **groups = calloc(max ? max : 1, sizeof(*groups));
	bool *keep = calloc(d->ngroups ? d->ngroups : 1, sizeof(*keep));
	bool *fresh = calloc(max ? max : 1, sizeof(*fresh));
	int err = defs && groups && keep && fresh ? 0 : ENOMEM;

	if (!err)
		n = span_group_defs(conf, defs, max);
	for (unsigned i = 0; i < n && !err; i++) {
		for (unsigned j = 0; j < d->ngroups && !groups[i]; j++)
			if (!keep[j] && span_group_is(d->groups[j], &defs[i])) {
				groups[i] = d->groups[j];
				keep[j] = true;
			}
		if (!groups[i]) {
			err = span_group_alloc_def(&groups[i], &defs[i]);
			fresh[i] = !err;
			built += !err;
		}
	}
	if (!err && built)
		err = move_links(d, groups, n);
	if (err) {
		LOGE(LS_CONF, "groups: %s: the spans stay grouped as they were", strerror(err));
		out_add(s->failed, sizeof(s->failed), "%sgroups unchanged",
			s->failed[0] ? ", " : "");
		for (unsigned i = 0; i < n; i++)
			if (fresh[i])
				span_group_free(groups[i]);
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		char what[96];

		if (!fresh[i])
			continue;
		span_group_describe(groups[i], what, sizeof(what));
		bool was = gw_group_find(d, defs[i].name) != NULL;
		LOGN(LS_CONF, "%s%s: %s: %s", is_span_group(defs[i].name) ? "" : "group ",
		     defs[i].name, was ? "changed" : "added", what);
		if (!is_span_group(defs[i].name))
			was ? s->groups_changed++ : s->groups_added++;
	}
	for (unsigned j = 0; j < d->ngroups; j++) {
		const char *name = span_group_name(d->groups[j]);
		bool gone = true;

		if (keep[j])
			continue;
		for (unsigned i = 0; i < n && gone; i++)
			gone = strcmp(name, defs[i].name) != 0;
		if (gone) {
			LOGN(LS_CONF, "%s%s: removed", is_span_group(name) ? "" : "group ", name);
			s->groups_removed += !is_span_group(name);
		}
		span_group_free(d->groups[j]);
	}
	free(d->groups);
	d->groups = groups;
	d->ngroups = n;
	groups = NULL;
out:
	free(groups);
	free(defs);
	free(keep);
	free(fresh);
}

int gw_reload(struct daemon *d, char *reply, size_t len)
{
	struct conf_errors errs = { 0 };
	struct conf *next = NULL;
	struct route_table *routes;
	struct cause_map *causes;
	struct reload_summary s = { 0 };
	char restart[2048], log[2048], why[320];
	int err;

	LOGN(LS_CONF, "reloading %s", d->conf_path);
	err = conf_load(&next, d->conf_path, &errs);
	if (err) {
		snprintf(reply, len, "reload failed, nothing changed:");
		for (unsigned i = 0; i < errs.count; i++) {
			LOGE(LS_CONF, "%s", errs.msgs[i]);
			out_add(reply, len, "%s%s", i ? "; " : " ", errs.msgs[i]);
		}
		if (!errs.count)
			out_add(reply, len, " %s: %s", d->conf_path, strerror(err));
		LOGE(LS_CONF, "reload failed (%u error%s): still running the previous configuration",
		     errs.count, errs.count == 1 ? "" : "s");
		conf_errors_clear(&errs);
		return err;
	}
	conf_errors_clear(&errs);
	if (build_routing(next, &routes, &causes, why, sizeof(why))) {
		LOGE(LS_CONF, "%s", why);
		LOGE(LS_CONF, "reload failed: still running the previous configuration");
		snprintf(reply, len, "reload failed, nothing changed: %s", why);
		conf_free(next);
		return EINVAL;
	}
	(void)conf_restart_needed(d->conf, next, restart, sizeof(restart));
	/* What cannot change keeps running as it is; the rest of the file applies. */
	err = conf_reload_merge(d->conf, next);
	if (err) {
		route_table_free(routes);
		cause_map_free(causes);
		conf_free(next);
		snprintf(reply, len, "reload failed, nothing changed: %s", strerror(err));
		return err;
	}
	s.nrefused = reload_refusals(restart, log, sizeof(log), s.refused, sizeof(s.refused));
	for (char *save = NULL, *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		LOGW(LS_CONF, "reload: %s", l);

	apply_trunks(d, next, &s);
	apply_groups(d, next, &s);
	/* The route table copies its routes: calls in progress keep their own copies. */
	route_table_carry(routes, d->routes);
	route_table_free(d->routes);
	cause_map_free(d->causes);
	d->routes = routes;
	d->causes = causes;
	conf_free(d->conf);
	d->conf = next;
	leg_fxs_ports_reload(d);
	leg_fxo_ports_reload(d);
	s.routes = next->nroutes;
	reload_summary_format(&s, reply, len);
	LOGN(LS_CONF, "reload done: %s", strncmp(reply, "reloaded: ", 10) ? reply : reply + 10);
	return 0;
}
