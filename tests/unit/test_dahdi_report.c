/* tdm/dahdi_report: DAHDI's span reports parsed from recorded outputs: the guest's looped
 * dynamic spans (tests/unit/fixtures/dahdi/guest-*, captured from DAHDI 2.11.1 in the qemu
 * guest) and real cards' output written in dahdi_seq_show()'s format. */
#include "tdm/dahdi.h"
#include "tdm/dahdi_report.h"
#include "tests/unit/dahdi_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The "== attr\nvalue" dump the capture script wrote of a span's sysfs directory. */
static void apply_sysfs(struct dahdi_report_span *s, const char *name)
{
	static char buf[4096];
	dahdi_fixture_load(name, buf, sizeof(buf));
	for (char *p = strstr(buf, "== "); p; p = strstr(p, "== ")) {
		char *attr = p + 3, *nl = strchr(attr, '\n');
		cr_assert_not_null(nl);
		*nl = '\0';
		char *val = nl + 1, *vend = strchr(val, '\n');
		cr_assert_not_null(vend);
		*vend = '\0';
		cr_assert_eq(dahdi_report_set_attr(s, attr, val), 0, "attr %s=%s", attr, val);
		p = vend + 1;
	}
}

Test(dahdi_report, guest_e1_gateway_span)
{
	struct dahdi_report_span s;
	dahdi_fixture_parse(&s, "guest-proc-2.txt");
	cr_assert_eq(s.spanno, 2);
	cr_assert_str_eq(s.name, "DYN/loc/1:1");
	cr_assert_str_eq(s.desc, "Dynamic 'loc' span at '1:1'");
	cr_assert_eq(s.lineconfig, 0u, "dynamic spans keep no line configuration");
	cr_assert_eq(s.alarms, 0u);
	cr_assert(!s.sync_master);
	cr_assert_eq(s.nchans, 31u);
	cr_assert_eq(s.chans[0].channo, 32u);
	cr_assert_str_eq(s.chans[0].name, "DYN/loc/1:1/1");
	cr_assert_eq(s.chans[0].sig, DR_SIG_CLEAR);
	cr_assert_eq(s.chans[15].channo, 47u);
	cr_assert_str_eq(s.chans[15].sig_name, "HDLCFCS");
	cr_assert_eq(s.chans[15].sig, DR_SIG_HDLC);
	cr_assert_eq(s.chans[30].channo, 62u);
	for (unsigned i = 0; i < s.nchans; i++)
		cr_assert(!s.chans[i].in_use);
}

Test(dahdi_report, guest_t1_and_cas_spans)
{
	struct dahdi_report_span s;
	dahdi_fixture_parse(&s, "guest-proc-4.txt");
	cr_assert_eq(s.spanno, 4);
	cr_assert_eq(s.nchans, 24u);
	cr_assert_eq(s.chans[23].channo, 110u);
	cr_assert_eq(s.chans[23].sig, DR_SIG_HDLC);
	cr_assert_eq(s.chans[22].sig, DR_SIG_CLEAR);

	dahdi_fixture_parse(&s, "guest-proc-5.txt");
	cr_assert_eq(s.nchans, 24u);
	for (unsigned i = 0; i < 24; i++) {
		cr_assert_eq(s.chans[i].sig, DR_SIG_FXO, "ch %u", i + 1);
		cr_assert_str_eq(s.chans[i].sig_name, "FXOKS");
	}
	dahdi_fixture_parse(&s, "guest-proc-6.txt");
	cr_assert_eq(s.chans[0].channo, 135u);
	cr_assert_eq(s.chans[0].sig, DR_SIG_FXS);
}

Test(dahdi_report, guest_sysfs_dynamic_span_tells_no_type)
{
	struct dahdi_report_span s;
	const char *from;
	dahdi_fixture_parse(&s, "guest-proc-4.txt");
	apply_sysfs(&s, "guest-sys-span-4.txt");
	cr_assert_str_eq(s.spantype, "DYNAMIC");
	cr_assert_eq(s.lineconfig, 0u);
	cr_assert_eq(dahdi_report_type(&s, &from), DR_TYPE_UNKNOWN);
	cr_assert_str_eq(from, "nothing");
}

Test(dahdi_report, e1_card_line_alarms_counters)
{
	struct dahdi_report_span s;
	const char *from;
	char buf[32];
	dahdi_fixture_parse(&s, "te410p-e1.txt");
	cr_assert_str_eq(s.name, "TE4/0/1");
	cr_assert_str_eq(s.desc, "T4XXP (PCI) Card 0 Span 1");
	cr_assert(s.sync_master);
	cr_assert(s.clock_source);
	cr_assert_eq(s.lineconfig, DR_LINE_CCS | DR_LINE_HDB3 | DR_LINE_CRC4);
	cr_assert_str_eq(dahdi_report_line_str(s.lineconfig, buf, sizeof(buf)), "CCS/HDB3/CRC4");
	cr_assert_eq(s.alarms, DR_ALARM_RED);
	cr_assert_eq(s.counts.bpv, 7u);
	cr_assert_eq(s.counts.crc4, 12u);
	cr_assert_eq(s.counts.ebit, 2u);
	cr_assert_eq(s.counts.fas, 5u);
	cr_assert_eq(s.counts.timingslips, 3u);
	cr_assert_eq(s.counts.irqmisses, 0u);
	cr_assert_eq(s.nchans, 31u);
	cr_assert_str_eq(s.chans[15].sig_name, "Hardware-assisted HDLC");
	cr_assert_eq(s.chans[15].sig, DR_SIG_HDLC);
	cr_assert(s.chans[15].in_use);
	cr_assert_eq(s.chans[0].sig, DR_SIG_CLEAR);
	cr_assert(s.chans[0].in_use, "(In use) before (EC: ...)");
	cr_assert_eq(dahdi_report_type(&s, &from), DR_TYPE_E1);
	cr_assert_str_eq(from, "its line configuration");
	/* The sysfs spantype wins over the line configuration. */
	cr_assert_eq(dahdi_report_set_attr(&s, "spantype", "T1\n"), 0);
	cr_assert_eq(dahdi_report_type(&s, &from), DR_TYPE_T1);
	cr_assert_str_eq(from, "its spantype");
}

Test(dahdi_report, t1_card_yellow)
{
	struct dahdi_report_span s;
	dahdi_fixture_parse(&s, "te205p-t1.txt");
	cr_assert_eq(s.spanno, 2);
	cr_assert(!s.sync_master);
	cr_assert_eq(s.lineconfig, DR_LINE_ESF | DR_LINE_B8ZS);
	cr_assert_eq(s.alarms, DR_ALARM_YELLOW);
	cr_assert_eq(s.nchans, 24u);
	cr_assert_eq(s.chans[0].channo, 32u);
	cr_assert_eq(s.chans[23].sig, DR_SIG_HDLC);
	cr_assert_eq(dahdi_report_type(&s, NULL), DR_TYPE_T1);
}

Test(dahdi_report, analog_card)
{
	struct dahdi_report_span s;
	dahdi_fixture_parse(&s, "tdm410p-analog.txt");
	cr_assert_str_eq(s.desc, "Wildcard TDM410P");
	cr_assert_eq(s.nchans, 4u);
	cr_assert_eq(s.chans[0].sig, DR_SIG_FXO);
	cr_assert(s.chans[0].in_use);
	cr_assert(!s.chans[1].in_use);
	cr_assert_eq(s.chans[2].sig, DR_SIG_FXS);
	cr_assert_eq(s.chans[3].sig, DR_SIG_UNCONFIGURED);
	cr_assert_eq(dahdi_report_type(&s, NULL), DR_TYPE_UNKNOWN);
	cr_assert_eq(dahdi_report_set_attr(&s, "spantype", "FXS"), 0);
	cr_assert_eq(dahdi_report_type(&s, NULL), DR_TYPE_ANALOG);
}

Test(dahdi_report, malformed)
{
	struct dahdi_report_span s;
	static const char *bad[] = {"", "Spam 1: x \"\"\n", "Span x: y\n", "Span 0: y \"\"\n"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dahdi_report_parse_proc(&s, bad[i], strlen(bad[i])), EINVAL, "%u", i);
	/* Unconfigured channels, a line with only a number, no trailing newline. */
	const char *t = "Span 3: X/1 \"\" \n\n\t   7 X/1/1 \n\t   8 X/1/2 Unconfigured";
	cr_assert_eq(dahdi_report_parse_proc(&s, t, strlen(t)), 0);
	cr_assert_eq(s.nchans, 2u);
	cr_assert_eq(s.chans[0].sig, DR_SIG_UNCONFIGURED);
	cr_assert_str_eq(s.chans[0].sig_name, "");
	cr_assert_str_eq(s.chans[1].sig_name, "Unconfigured");
	cr_assert_eq(dahdi_report_set_attr(&s, "lineconfig", "CCS/BOGUS\n"), EINVAL);
}

Test(dahdi_report, too_many_channels)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "Span 1: A \"\" \n\n");
	for (int c = 1; c <= DAHDI_REPORT_MAX_CHANS + 1; c++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\t%4d A/%d Clear \n", c, c);
	struct dahdi_report_span s;
	cr_assert_eq(dahdi_report_parse_proc(&s, buf, (size_t)n), E2BIG);
}

Test(dahdi_report, counters_delta)
{
	struct dahdi_span_counts a = {.bpv = 4, .crc4 = 10, .fe = 2}, b = a;
	char buf[128];
	cr_assert_str_eq(dahdi_counts_delta_str(&a, &b, buf, sizeof(buf)), "");
	b.bpv = 7;
	b.crc4 = 12;
	b.irqmisses = 1;
	b.slips = 2;
	cr_assert_str_eq(dahdi_counts_delta_str(&a, &b, buf, sizeof(buf)),
			 "bpv +3 (7), crc4 +2 (12), irqmisses +1 (1), slips +2 (2)");
	b = a;
	b.fe = 0;
	cr_assert_str_eq(dahdi_counts_delta_str(&a, &b, buf, sizeof(buf)), "framing reset (0)");
	char small[12];
	b.bpv = 100;
	dahdi_counts_delta_str(&a, &b, small, sizeof(small));
	cr_assert_lt(strlen(small), sizeof(small));
}
