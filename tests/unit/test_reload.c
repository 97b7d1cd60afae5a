/* Unit tests for gateway/reload: what a reload refuses, in the log's words and the reply's,
 * and the reply's summary line; with conf/'s restart check and merge (test_conf.c) these
 * are the reload's decisions, I/O-free. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "gateway/reload.h"

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
