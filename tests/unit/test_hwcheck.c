/* gateway/hwcheck: [span] sections against DAHDI's recorded reports of the guest's spans
 * (tests/unit/fixtures/dahdi/) and a real E1 card's; the exact line for each mistake. */
#include "conf/conf.h"
#include "gateway/hwcheck.h"
#include "tdm/dahdi_report.h"
#include "tests/unit/dahdi_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

struct lines {
	unsigned n, errors;
	char text[8][1024];
	enum hwcheck_level level[8];
};

static void collect(enum hwcheck_level level, const char *line, void *arg)
{
	struct lines *l = arg;
	cr_assert_lt(l->n, 8u);
	snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	l->level[l->n++] = level;
	l->errors += level == HWCHECK_ERROR;
}

static const char *spantype;	/* sysfs spantype to add to the next check's report */

/* Check the one [span] of text against the fixture (NULL: no such span). */
static unsigned check(const char *text, const char *fixture, struct lines *l)
{
	struct conf *conf = NULL;
	struct conf_errors errs = {0};
	struct dahdi_report_span rs;
	int no_line = 0;

	memset(l, 0, sizeof(*l));
	cr_assert_eq(conf_load_string(&conf, text, "strowger.conf", &errs), 0, "%s",
		     errs.count ? errs.msgs[0] : "");
	conf_errors_clear(&errs);
	if (fixture)
		dahdi_fixture_parse(&rs, fixture);
	if (fixture && spantype)
		cr_assert_eq(dahdi_report_set_attr(&rs, "spantype", spantype), 0);
	spantype = NULL;
	unsigned e = hwcheck_span("strowger.conf", &conf->spans[0], fixture ? &rs : NULL,
				  &no_line, collect, l);
	conf_free(conf);
	cr_assert_eq(e, l->errors);
	return e;
}

Test(hwcheck, guest_gateway_spans_agree)
{
	struct lines l;
	cr_assert_eq(check("[span 2]\ntype = e1\nsignalling = pri_cpe\n", "guest-proc-2.txt", &l), 0);
	cr_assert_eq(l.n, 0u, "%s", l.text[0]);
	cr_assert_eq(check("[span 4]\ntype = t1\nsignalling = pri_net\n", "guest-proc-4.txt", &l), 0);
	cr_assert_eq(check("[span 5]\ntype = t1\nsignalling = fxs\n", "guest-proc-5.txt", &l), 0);
	cr_assert_eq(check("[span 6]\ntype = t1\nsignalling = fxo\n", "guest-proc-6.txt", &l), 0);
	cr_assert_eq(l.n, 0u);
}

Test(hwcheck, wrong_type_by_channel_count)
{
	struct lines l;
	cr_assert_eq(check("[span 4]\ntype = e1\nsignalling = pri_cpe\n", "guest-proc-4.txt", &l), 1);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 4: type = e1, but /proc/dahdi/4 is a T1 "
			 "(by its channel count, 24 channels): set type = t1 here or fix span=4 in "
			 "/etc/dahdi/system.conf");
	cr_assert_eq(check("\n[span 2]\ntype = t1\nsignalling = pri_cpe\n", "guest-proc-2.txt", &l), 1);
	cr_assert(strstr(l.text[0], "strowger.conf:2: span 2: type = t1, but /proc/dahdi/2 is an E1"));
}

Test(hwcheck, wrong_type_by_line_configuration)
{
	struct lines l;
	cr_assert_eq(check("[span 1]\ntype = t1\nsignalling = pri_cpe\nchannels = 1-23\n"
			   "dchannel = 24\n", "te410p-e1.txt", &l), 1);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 1: type = t1, but /proc/dahdi/1 is an "
			 "E1 (by its line configuration CCS/HDB3/CRC4, 31 channels): set type = e1 "
			 "here or fix span=1 in /etc/dahdi/system.conf");
}

Test(hwcheck, wrong_dchannel)
{
	struct lines l;
	cr_assert_eq(check("[span 4]\ntype = t1\nsignalling = pri_cpe\nchannels = 2-24\n"
			   "dchannel = 1\n", "guest-proc-4.txt", &l), 2);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 4: dchannel = 1, but /proc/dahdi/4 "
			 "shows position 1 (channel 87) as Clear, not HDLC: DAHDI's D-channel is "
			 "position 24 (channel 110); dchannel here and dchan= in "
			 "/etc/dahdi/system.conf must name the same channel");
	cr_assert_str_eq(l.text[1], "strowger.conf:1: span 4: channels are B-channels, but "
			 "/proc/dahdi/4 shows position 24 (channel 110) as HDLCFCS: they must be "
			 "bchan= (Clear) in /etc/dahdi/system.conf");
}

Test(hwcheck, fxs_fxo_signalling)
{
	struct lines l;
	cr_assert_eq(check("[span 5]\ntype = t1\nsignalling = fxo\n", "guest-proc-5.txt", &l), 1);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 5: signalling = fxo needs FXS "
			 "signalling (the port faces an exchange), but /proc/dahdi/5 shows position 1 "
			 "(channel 111) as FXOKS (and 23 more): use fxsks= (or fxsls=, fxsgs=) for "
			 "them in /etc/dahdi/system.conf");
	cr_assert_eq(check("[span 2]\ntype = e1\nsignalling = fxs\n", "guest-proc-2.txt", &l), 1);
	cr_assert(strstr(l.text[0], "as Clear (and 29 more)"), "%s", l.text[0]);
}

Test(hwcheck, missing_span_is_a_warning)
{
	struct lines l;
	cr_assert_eq(check("[span 9]\ntype = e1\nsignalling = pri_cpe\n", NULL, &l), 0);
	cr_assert_eq(l.n, 1u);
	cr_assert_eq(l.level[0], HWCHECK_WARN);
	cr_assert(!strncmp(l.text[0], "strowger.conf:1: span 9: DAHDI has no such span (no "
			   "/proc/dahdi/9)", 58), "%s", l.text[0]);
}

Test(hwcheck, card_e1_timing_source_and_hardhdlc)
{
	struct lines l;
	cr_assert_eq(check("[span 1]\ntype = e1\nsignalling = pri_cpe\n", "te410p-e1.txt", &l), 0);
	cr_assert_eq(l.n, 1u);
	cr_assert_eq(l.level[0], HWCHECK_NOTICE);
	cr_assert_str_eq(l.text[0], "span 1: DAHDI takes its timing from this span "
			 "(/proc/dahdi/1: ClockSource)");
}

Test(hwcheck, positions_beyond_the_span)
{
	struct lines l;
	/* An analog card with 4 ports named as a T1 of 24. */
	cr_assert_eq(check("[span 1]\ntype = t1\nsignalling = fxs\n", "tdm410p-analog.txt", &l), 1);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 1: position 24 is configured, but "
			 "/proc/dahdi/1 has only 4 channels");
}

Test(hwcheck, analog_card)
{
	struct lines l;
	spantype = "FXS";
	cr_assert_eq(check("[span 1]\ntype = t1\nsignalling = fxs\nchannels = 1-2\n",
			   "tdm410p-analog.txt", &l), 0);
	cr_assert_eq(l.n, 1u, "%s", l.text[0]);	/* the MASTER notice */
	spantype = "FXS";
	cr_assert_eq(check("[span 1]\ntype = t1\nsignalling = fxs\nchannels = 1-3\n",
			   "tdm410p-analog.txt", &l), 1);
	cr_assert(strstr(l.text[0], "shows position 3 (channel 3) as FXSKS:"), "%s", l.text[0]);
	spantype = "FXS";
	cr_assert_eq(check("[span 1]\ntype = t1\nsignalling = pri_cpe\n", "tdm410p-analog.txt",
			   &l), 1);
	cr_assert_str_eq(l.text[0], "strowger.conf:1: span 1: signalling = pri_cpe, but "
			 "/proc/dahdi/1 is an analog span (spantype FXS): a PRI needs an E1 or T1 span");
}
