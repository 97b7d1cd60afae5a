/* gateway/genconf: system.conf and [span] sections from DAHDI's recorded reports of the
 * guest's spans and of real cards; the generated [span] sections load and agree with the
 * report (hwcheck finds nothing). */
#include "conf/conf.h"
#include "gateway/genconf.h"
#include "gateway/hwcheck.h"
#include "tests/unit/dahdi_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void gen(struct genconf_span *g, unsigned n, char **sys, char **spans)
{
	size_t a, b;
	FILE *fs = open_memstream(sys, &a), *fo = open_memstream(spans, &b);
	const char *why = "";
	cr_assert_eq(genconf_write(g, n, "de", fs, fo, &why), 0, "%s", why);
	fclose(fs);
	fclose(fo);
}

static void on_line(enum hwcheck_level level, const char *line, void *arg)
{
	cr_assert_neq(level, HWCHECK_ERROR, "%s", line);
	(*(unsigned *)arg)++;
}

Test(genconf, guest_gateway_spans)
{
	struct genconf_span g[3] = {
		{.role = GENCONF_CARRIER, .e1 = -1, .timing = -1, .crc4 = 1},
		{.role = GENCONF_PBX, .e1 = -1, .timing = -1, .switchtype = "dms100"},
		{.role = GENCONF_FXS, .e1 = -1, .timing = -1},
	};
	char *sys, *spans;
	dahdi_fixture_parse(&g[0].rs, "guest-proc-2.txt");
	dahdi_fixture_parse(&g[1].rs, "guest-proc-4.txt");
	dahdi_fixture_parse(&g[2].rs, "guest-proc-5.txt");
	gen(g, 3, &sys, &spans);
	cr_assert(strstr(sys, "\nspan=2,1,0,ccs,hdb3,crc4\nbchan=32-46,48-62\ndchan=47\n"
			 "alaw=32-46,48-62\n"), "%s", sys);
	cr_assert(strstr(sys, "\nspan=4,0,0,esf,b8zs\nbchan=87-109\ndchan=110\n\n"), "%s", sys);
	cr_assert(strstr(sys, "\nspan=5,0,0,esf,b8zs\nfxoks=111-134\n"), "%s", sys);
	cr_assert(strstr(sys, "\nloadzone=de\ndefaultzone=de\n"));
	cr_assert(strstr(spans, "[span 2]\ntype = e1\nsignalling = pri_cpe\nswitchtype = euroisdn\n"
			 "channels = 1-15,17-31\ndchannel = 16\n"), "%s", spans);
	cr_assert(strstr(spans, "[span 4]\ntype = t1\nsignalling = pri_net\nswitchtype = dms100\n"
			 "channels = 1-23\ndchannel = 24\n"), "%s", spans);
	cr_assert(strstr(spans, "[span 5]\ntype = t1\nsignalling = fxs\nchannels = 1-24\n"));

	/* The sections load, and agree with the reports they came from. */
	struct conf *conf = NULL;
	struct conf_errors errs = {0};
	cr_assert_eq(conf_load_string(&conf, spans, "spans.conf", &errs), 0, "%s",
		     errs.count ? errs.msgs[0] : "");
	conf_errors_clear(&errs);
	cr_assert_eq(conf->nspans, 3u);
	unsigned lines = 0;
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(hwcheck_span("spans.conf", &conf->spans[i], &g[i].rs, NULL, on_line,
					  &lines), 0);
	conf_free(conf);
	free(sys);
	free(spans);
}

Test(genconf, card_choices)
{
	struct genconf_span g[2] = {
		{.role = GENCONF_CARRIER, .e1 = -1, .timing = 2, .crc4 = 0, .lbo = 0},
		{.role = GENCONF_CARRIER, .e1 = -1, .timing = -1, .d4ami = 1, .lbo = 3},
	};
	char *sys, *spans;
	dahdi_fixture_parse(&g[0].rs, "te410p-e1.txt");
	dahdi_fixture_parse(&g[1].rs, "te205p-t1.txt");
	gen(g, 2, &sys, &spans);
	cr_assert(strstr(sys, "\nspan=1,2,0,ccs,hdb3\nbchan=1-15,17-31\ndchan=16\n"), "%s", sys);
	/* The second carrier span is the first without a priority given: 1. */
	cr_assert(strstr(sys, "\nspan=2,1,3,d4,ami\nbchan=32-54\ndchan=55\n"), "%s", sys);
	free(sys);
	free(spans);
}

Test(genconf, refuses_what_it_cannot_tell)
{
	struct genconf_span g = {.role = GENCONF_CARRIER, .e1 = -1, .timing = -1};
	char *sys, *spans;
	size_t a, b;
	const char *why = NULL;
	dahdi_fixture_parse(&g.rs, "tdm410p-analog.txt");
	FILE *fs = open_memstream(&sys, &a), *fo = open_memstream(&spans, &b);
	cr_assert_eq(genconf_write(&g, 1, "us", fs, fo, &why), EINVAL);
	cr_assert_str_eq(why, "span 1: DAHDI does not tell whether it is E1 or T1: give e1 or t1");
	g.e1 = 1;
	cr_assert_eq(genconf_write(&g, 1, "us", fs, fo, &why), EINVAL);
	cr_assert_str_eq(why, "span 1: an E1 PRI needs 31 channels, DAHDI shows 4");
	fclose(fs);
	fclose(fo);
	free(sys);
	free(spans);
}
