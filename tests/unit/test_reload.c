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
