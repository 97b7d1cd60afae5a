/* Unit tests for gateway/reload: what a reload refuses, in the log's words and the reply's,
 * and the reply's summary line; with conf/'s restart check and merge (test_conf.c) these
 * are the reload's decisions, I/O-free. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "gateway/reload.h"
#include "gateway/span_group.h"

static struct conf *load(const char *text)
{
	struct conf_errors errs = { 0 };
	struct conf *c = NULL;

	cr_assert_eq(conf_load_string(&c, text, "t.conf", &errs), 0);
	conf_errors_clear(&errs);
	return c;
}

Test(reload, refusals_name_the_span_and_the_option)
{
	char log[512], brief[256];

	cr_assert_eq(reload_refusals("[span 2] signalling\n[span 3] removed\n[port] sections added "
				     "or removed\n", log, sizeof(log), brief, sizeof(brief)), 3);
	cr_expect_str_eq(log, "span 2: signalling changed; restart needed\n"
			      "span 3: removed; restart needed\n"
			      "port: sections added or removed; restart needed\n");
	cr_expect_str_eq(brief, "span 2 signalling, span 3 removed, port sections added or "
				"removed (restart needed)");
	cr_expect_eq(reload_refusals("", log, sizeof(log), brief, sizeof(brief)), 0);
	cr_expect_str_eq(log, "");
	cr_expect_str_eq(brief, "");
	/* either buffer may be left out; a short one is cut, the count stays */
	cr_expect_eq(reload_refusals("[span 2] law\n[span 4] law\n", NULL, 0, brief, 12), 2);
	cr_expect_str_eq(brief, "span 2 law,");
}

Test(reload, refusals_from_a_real_diff)
{
	struct conf *a = load("[span 2]\ntype = e1\nsignalling = pri_cpe\n"
			      "[trunk t]\nproxy = sip:127.0.0.1\n[route r]\nto = trunk t\n");
	struct conf *b = load("[span 2]\ntype = e1\nsignalling = pri_cpe\nlaw = ulaw\n"
			      "echocancel = no\n"
			      "[trunk t]\nproxy = sip:127.0.0.9\nfrom_user = x\n[trunk u]\n"
			      "proxy = sip:127.0.0.2\n[route r]\nto = trunk u\n");
	char restart[512], brief[256];

	cr_assert_eq(conf_restart_needed(a, b, restart, sizeof(restart)), 1, "%s", restart);
	cr_assert_eq(reload_refusals(restart, NULL, 0, brief, sizeof(brief)), 1);
	cr_expect_str_eq(brief, "span 2 law (restart needed)");
	conf_free(a);
	conf_free(b);
}

Test(reload, summary_counts_and_refusals)
{
	struct reload_summary s = { .trunks_changed = 2, .trunks_added = 1, .routes = 7 };
	char buf[256];

	reload_summary_format(&s, buf, sizeof(buf));
	cr_expect_str_eq(buf, "reloaded: 2 trunks changed, 1 added, 0 removed; 7 routes");
	s = (struct reload_summary){ .trunks_changed = 1, .trunks_removed = 1, .routes = 1 };
	snprintf(s.refused, sizeof(s.refused), "span 3 signalling (restart needed)");
	snprintf(s.failed, sizeof(s.failed), "trunk x not started");
	reload_summary_format(&s, buf, sizeof(buf));
	cr_expect_str_eq(buf, "reloaded: 1 trunk changed, 0 added, 1 removed; 1 route; refused: "
			      "span 3 signalling (restart needed); failed: trunk x not started");
	s = (struct reload_summary){ .groups_changed = 1, .groups_removed = 2, .routes = 3 };
	reload_summary_format(&s, buf, sizeof(buf));
	cr_expect_str_eq(buf, "reloaded: 0 trunks changed, 0 added, 0 removed; 3 routes; groups: "
			      "1 changed, 0 added, 2 removed");
}

/* A [port] section's timers, caller ID, call waiting and FXO destination reload; its tone
 * zone (loaded into DAHDI per channel), dial plan and registration need a restart, and a
 * section whose positions moved keeps everything. */
Test(reload, port_options_reload_but_not_the_zone)
{
	static const char *spans = "[span 5]\ntype = t1\nsignalling = fxs\n"
				   "[span 7]\ntype = t1\nsignalling = fxo\nchannels = 1-4\n"
				   "[trunk t]\nproxy = sip:127.0.0.1\n[trunk u]\nproxy = sip:127.0.0.2\n"
				   "[route r]\nto = trunk t\n";
	char a_text[1024], b_text[1024], restart[512], brief[256];

	snprintf(a_text, sizeof(a_text), "%s[port 5:1-8]\nnumber = 2001\nring_timeout = 20\n"
		 "caller_id = bell202\ncall_waiting = yes\n[port 7:1-4]\nto = trunk t\n"
		 "dial_delay_ms = 1000\n", spans);
	snprintf(b_text, sizeof(b_text), "%s[port 5:1-8]\nnumber = 2001\nring_timeout = 7\n"
		 "caller_id = v23\ncall_waiting = no\ntone_zone = de\n[port 7:1-4]\nto = trunk u\n"
		 "dial_delay_ms = 300\n", spans);
	struct conf *a = load(a_text), *b = load(b_text);

	cr_assert_eq(conf_restart_needed(a, b, restart, sizeof(restart)), 1, "%s", restart);
	cr_assert_eq(reload_refusals(restart, NULL, 0, brief, sizeof(brief)), 1);
	cr_expect_str_eq(brief, "port 5:1-8 tone_zone (restart needed)");
	cr_assert_eq(conf_reload_merge(a, b), 0);
	cr_expect_eq(b->ports[0].ring_timeout, 7);
	cr_expect_eq(b->ports[0].caller_id, CID_V23);
	cr_expect_eq(b->ports[0].call_waiting, false);
	cr_expect_str_eq(b->ports[0].tone_zone, "us", "the zone changed without a restart");
	cr_expect_str_eq(b->ports[1].to.trunk, "u");
	cr_expect_eq(b->ports[1].dial_delay_ms, 300);

	/* a port's own copy (gateway/leg_fxs.c) takes the same options, keeps the rest */
	struct conf_port copy = a->ports[0];
	conf_port_take_reloadable(&copy, &b->ports[0]);
	cr_expect_eq(copy.ring_timeout, 7);
	cr_expect_str_eq(copy.tone_zone, "us");
	conf_free(a);
	conf_free(b);

	/* positions moved: a restart, and nothing of the section taken */
	a = load(a_text);
	snprintf(b_text, sizeof(b_text), "%s[port 5:1-4]\nnumber = 2001\nring_timeout = 7\n"
		 "[port 7:1-4]\nto = trunk t\n", spans);
	b = load(b_text);
	cr_assert_eq(conf_restart_needed(a, b, restart, sizeof(restart)), 1, "%s", restart);
	cr_assert_eq(conf_reload_merge(a, b), 0);
	cr_expect_eq(b->ports[0].ring_timeout, 20);
	conf_free(a);
	conf_free(b);
}

/* ---- groups ---------------------------------------------------------------------------- */

#define PRI3 "[span 2]\ntype = e1\nsignalling = pri_cpe\n" \
	     "[span 4]\ntype = e1\nsignalling = pri_cpe\n" \
	     "[span 7]\ntype = e1\nsignalling = pri_net\n"

/* What the daemon runs after a reload from a to b: the merged config's groups, as
 * "name:spans:hunt" words ("pbx:4,2:2 span 7:7:1"). */
static void reload_groups(const char *a_text, const char *b_text, char *out, size_t len,
			  char *restart, size_t rlen)
{
	struct conf *a = load(a_text), *b = load(b_text);
	struct span_group_def defs[8];
	unsigned n;

	(void)conf_restart_needed(a, b, restart, (unsigned)rlen);
	cr_assert_eq(conf_reload_merge(a, b), 0);
	n = span_group_defs(b, defs, 8);
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s:", i ? " " : "", defs[i].name);
		for (unsigned k = 0; k < defs[i].nspans; k++) {
			used = strlen(out);
			snprintf(out + used, len - used, "%s%u", k ? "," : "", defs[i].spans[k]->number);
		}
		used = strlen(out);
		snprintf(out + used, len - used, ":%d", (int)defs[i].hunt);
	}
	conf_free(a);
	conf_free(b);
}

Test(reload, group_hunt_changes_live)
{
	char got[256], restart[256];

	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\n",
		      PRI3 "[group pbx]\nspans = 2, 4\nhunt = descending\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect_str_eq(restart, "");
	cr_expect_str_eq(got, "pbx:2,4:1 span 7:7:0");
	/* order of the spans too */
	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\n",
		      PRI3 "[group pbx]\nspans = 4, 2\nhunt = roundrobin\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect_str_eq(restart, "");
	cr_expect_str_eq(got, "pbx:4,2:2 span 7:7:0");
}

/* A group added over spans that were plain: the group's hunt, not the spans' own (which
 * the new file may no longer set: the group decides it). */
Test(reload, group_added_over_plain_spans)
{
	char got[256], restart[256];
	struct conf_errors errs = { 0 };
	struct conf *c = NULL;

	reload_groups("[span 2]\ntype = e1\nsignalling = pri_cpe\n"
		      "[span 4]\ntype = e1\nsignalling = pri_cpe\nhunt = descending\n"
		      "[span 7]\ntype = e1\nsignalling = pri_net\n",
		      PRI3 "[group new]\nspans = 7, 4\nhunt = roundrobin\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect_str_eq(restart, "");
	cr_expect_str_eq(got, "new:7,4:2 span 2:2:0");
	/* the new file may not keep a span's hunt under a group: refused whole, as at start */
	cr_expect_neq(conf_load_string(&c, "[span 2]\ntype = e1\nsignalling = pri_cpe\n"
				       "[span 4]\ntype = e1\nsignalling = pri_cpe\nhunt = descending\n"
				       "[span 7]\ntype = e1\nsignalling = pri_net\n"
				       "[group new]\nspans = 7, 4\n", "t.conf", &errs), 0);
	cr_assert_geq(errs.count, 1);
	cr_expect(strstr(errs.msgs[0], "hunt: span 4 is in group 'new'"), "%s", errs.msgs[0]);
	conf_errors_clear(&errs);
}

/* A group removed: its spans are plain spans again, each with its own hunt. */
Test(reload, group_removed_leaves_plain_spans)
{
	char got[256], restart[256];

	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\nhunt = descending\n",
		      "[span 2]\ntype = e1\nsignalling = pri_cpe\nhunt = roundrobin\n"
		      "[span 4]\ntype = e1\nsignalling = pri_cpe\n"
		      "[span 7]\ntype = e1\nsignalling = pri_net\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect_str_eq(restart, "");
	cr_expect_str_eq(got, "span 2:2:2 span 4:4:0 span 7:7:0");
}

Test(reload, span_moves_between_groups)
{
	char got[256], restart[256];

	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\n[group far]\nspans = 7\n",
		      PRI3 "[group pbx]\nspans = 2\n[group far]\nspans = 7, 4\n", got,
		      sizeof(got), restart, sizeof(restart));
	cr_expect_str_eq(restart, "");
	cr_expect_str_eq(got, "pbx:2:0 far:7,4:0");
}

/* A group over a span that is added (or changes signalling) waits with the span for the
 * restart; the groups run on as they were, and the reply names both. */
Test(reload, group_over_a_new_span_waits_for_the_restart)
{
	char got[256], restart[256], brief[256];

	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\n",
		      PRI3 "[span 9]\ntype = e1\nsignalling = pri_cpe\n"
		      "[group pbx]\nspans = 2, 4, 9\n[group far]\nspans = 7\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect_str_eq(restart, "[span 9] added\n[group pbx] waits for span 9\n"
				  "[group far] waits for span 9\n");
	cr_expect_str_eq(got, "pbx:2,4:0 span 7:7:0");
	cr_assert_eq(reload_refusals(restart, NULL, 0, brief, sizeof(brief)), 3);
	cr_expect_str_eq(brief, "span 9 added, group pbx waits for span 9, group far waits for "
				"span 9 (restart needed)");
	/* a span of the group turned analog: the same */
	reload_groups(PRI3 "[group pbx]\nspans = 2, 4\n",
		      "[span 2]\ntype = e1\nsignalling = pri_cpe\n"
		      "[span 4]\ntype = e1\nsignalling = fxs\n"
		      "[span 7]\ntype = e1\nsignalling = pri_net\n", got, sizeof(got),
		      restart, sizeof(restart));
	cr_expect(strstr(restart, "[group pbx] waits for span 4\n"), "%s", restart);
	cr_expect_str_eq(got, "pbx:2,4:0 span 7:7:0");
}

/* The daemon keeps a group that runs as the merged config says (its channel table and its
 * state) and builds the others anew (gateway/reload.c apply_groups). */
Test(reload, unchanged_groups_are_kept)
{
	struct conf *a = load(PRI3 "[group pbx]\nspans = 2, 4\n[group far]\nspans = 7\n");
	struct conf *b = load(PRI3 "[group pbx]\nspans = 2, 4\n[group far]\nspans = 7\n"
			      "hunt = descending\n");
	struct span_group_def da[4], db[4];
	struct span_group *g[2];
	char what[96];

	cr_assert_eq(span_group_defs(a, da, 4), 2);
	cr_assert_eq(conf_reload_merge(a, b), 0);
	cr_assert_eq(span_group_defs(b, db, 4), 2);
	for (unsigned i = 0; i < 2; i++)
		cr_assert_eq(span_group_alloc_def(&g[i], &da[i]), 0);
	cr_expect(span_group_is(g[0], &db[0]), "pbx is the same: kept");
	cr_expect_not(span_group_is(g[1], &db[1]), "far's hunt changed: built anew");
	span_group_describe(g[0], what, sizeof(what));
	cr_expect_str_eq(what, "2 spans, 60 B-channels, hunt ascending");
	/* the room given is a limit, the count is the config's */
	cr_expect_eq(span_group_defs(b, db, 1), 2);
	for (unsigned i = 0; i < 2; i++)
		span_group_free(g[i]);
	conf_free(a);
	conf_free(b);
}
