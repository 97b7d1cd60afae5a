/* Unit tests for gateway/ctl_cmd: the control protocol's core against fixed rows. Parsing
 * (words, errors, numbers and causes), the exact formatting of each show command, hangup's
 * arguments reaching the daemon, and log level changing the live levels. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "gateway/cdr.h"
#include "gateway/ctl_cmd.h"

struct fake {
	unsigned nspans, ncalls, ntrunks, nchans, nroutes;
	int reload_rc;			/* what reload answers */
	unsigned reloads;
	unsigned block_span;		/* what span block asked */
	int block;			/* 1 block, 0 unblock, -1 not asked */
	int ncdrs;			/* -1: CDRs off */
	unsigned chan_span;		/* what show channels asked for */
	/* what hangup was asked */
	int hangups;
	bool all;
	uint64_t id;
	int cause;
};

static unsigned f_spans(void *arg, struct ctl_span_row *rows, unsigned max)
{
	struct fake *f = arg;
	static const struct ctl_span_row fixed[] = {
		{ 1, "E1", "pri_cpe", "up", 1, 3, 30, false },
		{ 2, "T1", "pri_net", "alarm", 0, 0, 23, true },
		{ 5, "T1", "fxs", "absent", -1, 0, 24, false },
	};
	for (unsigned i = 0; i < f->nspans && i < max; i++)
		rows[i] = fixed[i % 3];
	return f->nspans;
}

static unsigned f_calls(void *arg, struct ctl_call_row *rows, unsigned max)
{
	struct fake *f = arg;

	for (unsigned i = 0; i < f->ncalls && i < max; i++) {
		rows[i] = (struct ctl_call_row){ .id = 7 + i, .dir = "tdm->sip", .state = "ACTIVE",
						 .chan = "span 1 ch 3", .trunk = "carrier",
						 .called = "+4930123", .calling = "",
						 .age_ms = 3723500, .codec = "PCMA",
						 .billed_ms = i ? -1 : 3719000, .fax = "voice",
						 .leg_a = "tdm: span 1 ch 3, call",
						 .leg_b = "sip: out, confirmed",
						 .sip_call_id = "c\"1" };
	}
	return f->ncalls;
}

static unsigned f_trunks(void *arg, struct ctl_trunk_row *rows, unsigned max)
{
	struct fake *f = arg;

	for (unsigned i = 0; i < f->ntrunks && i < max; i++)
		rows[i] = (struct ctl_trunk_row){ "carrier", "sip:127.0.0.1:5070", "udp",
						  "registered", i ? -1 : 0, 2 };
	return f->ntrunks;
}

static void f_status(void *arg, struct ctl_status *st)
{
	*st = (struct ctl_status){ .calls = 1, .calls_created = 42, .media_channels = 1,
				   .bchan_in_use = 1, .fds = 20, .sockets = 8, .dahdi_fds = 4,
				   .dchan_up = "1,2" };
}

static int f_hangup(void *arg, bool all, uint64_t id, int cause)
{
	struct fake *f = arg;

	f->hangups++;
	f->all = all;
	f->id = id;
	f->cause = cause;
	return all ? 3 : id == 7 ? 1 : -1;
}

static unsigned f_channels(void *arg, unsigned span, struct ctl_chan_row *rows, unsigned max)
{
	struct fake *f = arg;

	f->chan_span = span;
	if (span > 2)
		return 0;
	for (unsigned i = 0; i < f->nchans && i < max; i++)
		rows[i] = (struct ctl_chan_row){ 2, i + 1, i ? "free" : "busy", i ? 0 : 7, "alaw" };
	return f->nchans;
}

static int f_cdr_tail(void *arg, struct cdr_rec *rows, unsigned max)
{
	struct fake *f = arg;
	int n = f->ncdrs < (int)max ? f->ncdrs : (int)max;

	for (int i = 0; i < n; i++) {
		rows[i] = (struct cdr_rec){ .call_id = 40 + (uint64_t)i,
					    .start_us = 1796436585123000LL,
					    .answer_us = 1796436587000000LL,
					    .end_us = 1796436650000000LL, .duration_ms = 64877,
					    .billsec_ms = 63000, .span = 2, .channel = 1,
					    .cause = 16, .sip_status = 200 };
		snprintf(rows[i].direction, sizeof(rows[i].direction), "tdm-sip");
		snprintf(rows[i].line, sizeof(rows[i].line), "span 2 ch 1");
		snprintf(rows[i].trunk, sizeof(rows[i].trunk), "peer");
		snprintf(rows[i].called, sizeof(rows[i].called), "4930123");
		snprintf(rows[i].calling, sizeof(rows[i].calling), "a\"b\\c");
		snprintf(rows[i].cleared_by, sizeof(rows[i].cleared_by), "tdm");
	}
	return f->ncdrs < 0 ? -1 : n;
}

static int f_reload(void *arg, char *reply, size_t len)
{
	struct fake *f = arg;

	f->reloads++;
	snprintf(reply, len, f->reload_rc ? "reload failed, nothing changed: t.conf:3: bad" :
		 "reloaded: 1 trunk changed, 0 added, 0 removed; 2 routes");
	return f->reload_rc;
}

static int f_span_block(void *arg, unsigned span, bool block)
{
	struct fake *f = arg;

	f->block_span = span;
	f->block = block;
	return span == 1 ? 0 : span == 5 ? EINVAL : ENOENT;
}

static unsigned f_routes(void *arg, struct ctl_route_row *rows, unsigned max)
{
	struct fake *f = arg;
	static const struct ctl_route_row fixed[] = {
		{ "to-carrier", "span 2", "0049, 0030", "trunk carrier, trunk backup", 1, "+", 12 },
		{ "in", "trunk carrier", "", "group pbx", 0, "", 0 },
	};
	for (unsigned i = 0; i < f->nroutes && i < max; i++)
		rows[i] = fixed[i % 2];
	return f->nroutes;
}

/* The last trace request: "on all - PATH", "off", "show" */
static char trace_req[256];

static int f_trace(void *arg, bool on, const char *scope, const char *what, const char *path,
		   char *reply, size_t len)
{
	(void)arg;
	if (!scope)
		snprintf(trace_req, sizeof(trace_req), "show");
	else if (!on)
		snprintf(trace_req, sizeof(trace_req), "off");
	else
		snprintf(trace_req, sizeof(trace_req), "on %s %s %s", scope, what ? what : "-",
			 path ? path : "-");
	if (what && !strcmp(what, "nosuch")) {
		snprintf(reply, len, "no trunk 'nosuch'");
		return -1;
	}
	snprintf(reply, len, "ok");
	return 0;
}

static unsigned f_ports(void *arg, struct ctl_port_row *rows, unsigned max)
{
	static const struct ctl_port_row fixed[] = {
		{ .span = 5, .pos = 1, .kind = "fxs", .number = "2001", .offhook = true,
		  .state = "connected", .reg = "registered", .user = "line01", .expires = 3412,
		  .call_id = 12 },
		{ .span = 5, .pos = 2, .kind = "fxs", .number = "2002", .ringing = true,
		  .state = "ringing", .reg = "failed", .user = "line02", .expires = -1 },
		{ .span = 7, .pos = 1, .kind = "fxo", .state = "idle", .reg = "-", .expires = -1 },
	};
	(void)arg;
	for (unsigned i = 0; i < 3 && i < max; i++)
		rows[i] = fixed[i];
	return 3;
}

static const struct ctl_ops ops = { f_spans, f_calls, f_trunks, f_status, f_hangup,
				    f_channels, f_cdr_tail, f_reload, f_span_block, f_routes,
				    f_trace, f_ports };

/* Run line; return the reply (caller frees) and the status in *rc. */
static char *run(struct fake *f, const char *line, int *rc)
{
	struct ctl_buf b = { 0 };

	*rc = ctl_cmd_run(&ops, f, line, &b);
	cr_assert(!b.failed);
	cr_assert(b.len >= 2 && !memcmp(b.data + b.len - 2, "\n\n", 2),
		  "every reply ends with an empty line: '%.*s'", (int)b.len, b.data);
	/* only the last line is empty */
	cr_assert_null(memmem(b.data, b.len - 2, "\n\n", 2));
	ctl_buf_printf(&b, "%s", "");	/* NUL-terminated */
	return b.data;
}

static void expect(struct fake *f, const char *line, int rc, const char *reply)
{
	int got;
	char *r = run(f, line, &got);

	cr_expect_eq(got, rc, "'%s': rc %d", line, got);
	cr_expect_str_eq(r, reply, "'%s'", line);
	free(r);
}

Test(ctl_cmd, unknown_and_malformed_requests_are_errors)
{
	struct fake f = { 0 };
	char longline[CTL_LINE_MAX + 10];

	expect(&f, "x", -1, "error: unknown command 'x' (try help)\n\n");
	expect(&f, "show", -1, "error: unknown command 'show' (try help)\n\n");
	expect(&f, "show nothing", -1, "error: unknown command 'show nothing' (try help)\n\n");
	expect(&f, "show calls extra", -1, "error: 'show calls' takes no arguments\n\n");
	expect(&f, "show tatus x", -1, "error: unknown command 'show tatus' (try help)\n\n");
	expect(&f, "show span x", -1, "error: unknown command 'show span' (try help)\n\n");
	expect(&f, "", -1, "error: empty request (try help)\n\n");
	expect(&f, "   \t ", -1, "error: empty request (try help)\n\n");
	expect(&f, "show\x01spans", -1, "error: request is not printable text (try help)\n\n");
	expect(&f, "show sp\xc3\xa4ns", -1, "error: request is not printable text (try help)\n\n");
	expect(&f, "a b c d e f g h i", -1, "error: too many words (try help)\n\n");
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	expect(&f, longline, -1, "error: request longer than 511 bytes\n\n");
	cr_expect_eq(f.hangups, 0);
}

Test(ctl_cmd, words_may_be_separated_by_any_blanks)
{
	struct fake f = { 0 };
	int rc;
	char *r = run(&f, "  show \t status\r", &rc);

	cr_expect_eq(rc, 0);
	cr_expect(!strncmp(r, "calls=1\n", 8), "%s", r);
	free(r);
}

Test(ctl_cmd, show_spans_formats_each_span)
{
	struct fake f = { .nspans = 3 };

	expect(&f, "show spans", 0,
	       "SPAN  TYPE SIG      ALARM   DCHAN  BCHANS  MAINT\n"
	       "1     E1   pri_cpe  up      up     3/30    -\n"
	       "2     T1   pri_net  alarm   down   0/23    blocked\n"
	       "5     T1   fxs      absent  -      0/24    -\n\n");
}

Test(ctl_cmd, show_spans_says_when_rows_are_left_out)
{
	struct fake f = { .nspans = 70 };
	int rc;
	char *r = run(&f, "show spans", &rc);

	cr_expect_eq(rc, 0);
	cr_expect_not_null(strstr(r, "(6 more not shown)\n\n"), "%s", r);
	free(r);
}

Test(ctl_cmd, show_calls_formats_duration_and_missing_numbers)
{
	struct fake f = { .ncalls = 2 };

	expect(&f, "show calls", 0,
	       "ID     DIR       STATE    CHANNEL      TRUNK        CALLED               "
	       "CALLING              DURATION  BILLED    CODEC  FAX\n"
	       "7      tdm->sip  ACTIVE   span 1 ch 3  carrier      +4930123             "
	       "-                    1:02:03   1:01:59   PCMA   voice\n"
	       "8      tdm->sip  ACTIVE   span 1 ch 3  carrier      +4930123             "
	       "-                    1:02:03   -         PCMA   voice\n"
	       "2 calls\n\n");
	f.ncalls = 0;
	expect(&f, "show calls", 0,
	       "ID     DIR       STATE    CHANNEL      TRUNK        CALLED               "
	       "CALLING              DURATION  BILLED    CODEC  FAX\n0 calls\n\n");
}

Test(ctl_cmd, show_trunks_and_status)
{
	struct fake f = { .ntrunks = 2 };

	expect(&f, "show trunks", 0,
	       "TRUNK            PROXY                        TP    REGISTRATION      OPTIONS CALLS\n"
	       "carrier          sip:127.0.0.1:5070           udp   registered        down    2\n"
	       "carrier          sip:127.0.0.1:5070           udp   registered        -       2\n\n");
	expect(&f, "show status", 0,
	       "calls=1\ncalls_created=42\nmedia_channels=1\nbchan_in_use=1\nfds=20\n"
	       "sockets=8\ndahdi_fds=4\ndchan_up=1,2\n\n");
}

/* The port state dump: hook, ringing, line state, registration with its user and the
 * seconds left, call; aligned, and as JSON. */
Test(ctl_cmd, show_ports)
{
	struct fake f = { 0 };

	expect(&f, "show ports", 0,
	       "PORT    KIND NUMBER     HOOK RINGING STATE       REGISTRATION               CALL\n"
	       "5:1     fxs  2001       off  no      connected   registered line01 3412s    12\n"
	       "5:2     fxs  2002       on   yes     ringing     failed line02              -\n"
	       "7:1     fxo  -          on   no      idle        -                          -\n\n");
	expect(&f, "show ports --json", 0,
	       "{\"ports\":[{\"port\":\"5:1\",\"kind\":\"fxs\",\"number\":\"2001\",\"hook\":"
	       "\"off\",\"ringing\":false,\"state\":\"connected\",\"registration\":"
	       "\"registered\",\"user\":\"line01\",\"expires\":3412,\"call\":12},"
	       "{\"port\":\"5:2\",\"kind\":\"fxs\",\"number\":\"2002\",\"hook\":\"on\","
	       "\"ringing\":true,\"state\":\"ringing\",\"registration\":\"failed\",\"user\":"
	       "\"line02\",\"call\":0},{\"port\":\"7:1\",\"kind\":\"fxo\",\"number\":\"\","
	       "\"hook\":\"on\",\"ringing\":false,\"state\":\"idle\",\"registration\":\"-\","
	       "\"user\":\"\",\"call\":0}]}\n\n");
	expect(&f, "show ports 5", -1, "error: 'show ports' takes no arguments\n\n");
}

Test(ctl_cmd, hangup_passes_id_and_cause)
{
	struct fake f = { 0 };

	expect(&f, "hangup 7", 0, "cleared 1 call with cause 16\n\n");
	cr_expect(!f.all && f.id == 7 && f.cause == 16);
	expect(&f, "hangup all 17", 0, "cleared 3 calls with cause 17\n\n");
	cr_expect(f.all && f.cause == 17);
	expect(&f, "hangup 8 21", -1, "error: no call 8\n\n");
	cr_expect(f.id == 8 && f.cause == 21);
	cr_expect_eq(f.hangups, 3);
	/* refused before the daemon is asked */
	expect(&f, "hangup", -1, "error: usage: hangup CALLID|all [CAUSE]\n\n");
	expect(&f, "hangup 1 2 3", -1, "error: usage: hangup CALLID|all [CAUSE]\n\n");
	expect(&f, "hangup x", -1, "error: 'x' is not a call id (see show calls)\n\n");
	expect(&f, "hangup -1", -1, "error: '-1' is not a call id (see show calls)\n\n");
	expect(&f, "hangup 0", -1, "error: '0' is not a call id (see show calls)\n\n");
	expect(&f, "hangup 99999999999999999999", -1,
	       "error: '99999999999999999999' is not a call id (see show calls)\n\n");
	expect(&f, "hangup 7 128", -1, "error: '128' is not a Q.850 cause (1..127)\n\n");
	expect(&f, "hangup 7 0", -1, "error: '0' is not a Q.850 cause (1..127)\n\n");
	expect(&f, "hangup 7 16x", -1, "error: '16x' is not a Q.850 cause (1..127)\n\n");
	cr_expect_eq(f.hangups, 3);
}

Test(ctl_cmd, log_level_sets_the_live_level)
{
	struct fake f = { 0 };
	int before = log_levels[LS_SIP], other = log_levels[LS_PRI];

	expect(&f, "log level sip debug", 0, "log level sip debug\n\n");
	cr_expect_eq(log_levels[LS_SIP], LL_DEBUG);
	cr_expect_eq(log_levels[LS_PRI], other, "only the named subsystem changes");
	expect(&f, "log level sip error", 0, "log level sip error\n\n");
	cr_expect_eq(log_levels[LS_SIP], LL_ERROR);
	expect(&f, "log level sip loud", -1,
	       "error: unknown level 'loud' (error, warn, notice, info, debug)\n\n");
	expect(&f, "log level nosuch debug", -1,
	       "error: unknown subsystem 'nosuch' (main conf tdm pri sip sdp rtp jb dsp call srtp, all)\n\n");
	expect(&f, "log level sip", -1, "error: usage: log level SUBSYS|all LEVEL\n\n");
	cr_expect_eq(log_levels[LS_SIP], LL_ERROR, "a refused request changes nothing");
	expect(&f, "log level all warn", 0, "log level all warn\n\n");
	for (int s = 0; s < LS_COUNT; s++)
		cr_expect_eq(log_levels[s], LL_WARN);
	log_set_all((enum log_level)before);
	log_levels[LS_PRI] = other;
}

Test(ctl_cmd, help_lists_every_command)
{
	struct fake f = { 0 };
	int rc;
	char *r = run(&f, "help", &rc);

	cr_expect_eq(rc, 0);
	for (const char *c = "show spans\0show calls\0show trunks\0show status\0hangup \0"
			     "log level \0help\0show channels\0cdr tail\0--json\0show routes\0"
			     "reload\0span block|unblock N\0show ports\0"; *c; c += strlen(c) + 1)
		cr_expect_not_null(strstr(r, c), "help lacks '%s'", c);
	free(r);
}

Test(ctl_cmd, buffer_grows_and_consumes)
{
	struct ctl_buf b = { 0 };
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctl_buf_printf(&b, "a%s", big);
	ctl_buf_printf(&b, "b%d", 12);
	cr_assert_eq(b.len, 4 + sizeof(big) - 1);
	cr_expect_eq(b.data[0], 'a');
	cr_expect(!memcmp(b.data + b.len - 3, "b12", 3));
	ctl_buf_consume(&b, b.len - 3);
	cr_expect(b.len == 3 && !memcmp(b.data, "b12", 3));
	ctl_buf_consume(&b, 10);
	cr_expect_eq(b.len, 0);
	ctl_buf_free(&b);
}

Test(ctl_cmd, json_replies_are_one_line_with_escaped_strings)
{
	struct fake f = { .nspans = 2, .ncalls = 2, .ntrunks = 1 };

	expect(&f, "show spans --json", 0,
	       "{\"spans\":[{\"span\":1,\"type\":\"E1\",\"signalling\":\"pri_cpe\",\"alarm\":\"up\","
	       "\"dchan_up\":true,\"bchans_used\":3,\"bchans_total\":30,\"blocked\":false},"
	       "{\"span\":2,\"type\":\"T1\",\"signalling\":\"pri_net\",\"alarm\":\"alarm\","
	       "\"dchan_up\":false,\"bchans_used\":0,\"bchans_total\":23,\"blocked\":true}]}\n\n");
	expect(&f, "--json show calls", 0,
	       "{\"calls\":[{\"id\":7,\"direction\":\"tdm->sip\",\"state\":\"ACTIVE\",\"channel\":"
	       "\"span 1 ch 3\",\"trunk\":\"carrier\",\"called\":\"+4930123\",\"calling\":\"\","
	       "\"duration_ms\":3723500,\"billsec_ms\":3719000,\"codec\":\"PCMA\",\"fax\":\"voice\","
	       "\"sip_call_id\":\"c\\\"1\",\"legs\":[\"tdm: span 1 ch 3, call\",\"sip: out, "
	       "confirmed\"]},{\"id\":8,\"direction\":\"tdm->sip\",\"state\":\"ACTIVE\",\"channel\":"
	       "\"span 1 ch 3\",\"trunk\":\"carrier\",\"called\":\"+4930123\",\"calling\":\"\","
	       "\"duration_ms\":3723500,\"codec\":\"PCMA\",\"fax\":\"voice\",\"sip_call_id\":"
	       "\"c\\\"1\",\"legs\":[\"tdm: span 1 ch 3, call\",\"sip: out, confirmed\"]}],"
	       "\"count\":2}\n\n");
	expect(&f, "show trunks --json", 0,
	       "{\"trunks\":[{\"name\":\"carrier\",\"proxy\":\"sip:127.0.0.1:5070\",\"transport\":"
	       "\"udp\",\"registration\":\"registered\",\"options_up\":false,\"calls\":2}]}\n\n");
	expect(&f, "show status --json", 0,
	       "{\"calls\":1,\"calls_created\":42,\"media_channels\":1,\"bchan_in_use\":1,"
	       "\"fds\":20,\"sockets\":8,\"dahdi_fds\":4,\"dchan_up\":\"1,2\"}\n\n");
	/* errors stay errors */
	expect(&f, "show nothing --json", -1, "error: unknown command 'show nothing' (try help)\n\n");
	expect(&f, "--json", -1, "error: empty request (try help)\n\n");
}

Test(ctl_cmd, show_channels_all_or_one_span)
{
	struct fake f = { .nchans = 2 };

	expect(&f, "show channels", 0,
	       "SPAN  CH   STATE  CALL   LAW\n"
	       "2     1    busy   7      alaw\n"
	       "2     2    free   -      alaw\n\n");
	cr_expect_eq(f.chan_span, 0);
	expect(&f, "show channels span 2 --json", 0,
	       "{\"channels\":[{\"span\":2,\"channel\":1,\"state\":\"busy\",\"call\":7,\"law\":"
	       "\"alaw\"},{\"span\":2,\"channel\":2,\"state\":\"free\",\"law\":\"alaw\"}]}\n\n");
	cr_expect_eq(f.chan_span, 2);
	expect(&f, "show channels span 9", -1, "error: no PRI span 9 (see show spans)\n\n");
	expect(&f, "show channels span", -1, "error: usage: show channels [span N]\n\n");
	expect(&f, "show channels span 0", -1, "error: usage: show channels [span N]\n\n");
	expect(&f, "show channels 2", -1, "error: usage: show channels [span N]\n\n");
}

Test(ctl_cmd, cdr_tail_lists_the_last_records)
{
	struct fake f = { .ncdrs = 30 };
	int rc;
	char *r = run(&f, "cdr tail", &rc);

	cr_expect_eq(rc, 0);
	static const char head[] = "ID     START (UTC)              DIR       CHANNEL      TRUNK      "
			   "CALLED           CALLING          DURATION  BILLED    CAUSE BY\n"
			   "40     2026-12-05T02:09:45.123Z tdm-sip   span 2 ch 1  peer       "
			   "4930123          a\"b\\c            0:01:04   0:01:03   16    tdm\n";

	cr_expect(!strncmp(r, head, strlen(head)), "%s", r);
	cr_expect_not_null(strstr(r, "\n10 records\n\n"), "default 10: %s", r);
	free(r);
	expect(&f, "cdr tail 1 --json", 0,
	       "{\"cdrs\":[{\"call_id\":40,\"start_time\":\"2026-12-05T02:09:45.123Z\","
	       "\"answer_time\":\"2026-12-05T02:09:47.000Z\",\"end_time\":"
	       "\"2026-12-05T02:10:50.000Z\",\"duration_ms\":64877,\"billsec_ms\":63000,"
	       "\"direction\":\"tdm-sip\",\"span\":2,\"channel\":1,\"line\":\"span 2 ch 1\","
	       "\"trunk\":\"peer\",\"called\":\"4930123\",\"calling\":\"a\\\"b\\\\c\","
	       "\"presentation\":\"\",\"sip_call_id\":\"\",\"cause\":16,\"cause_name\":\"\","
	       "\"sip_status\":200,\"cleared_by\":\"tdm\",\"codec\":\"\"}]}\n\n");
	expect(&f, "cdr tail 0", -1, "error: usage: cdr tail [N] (N 1..100)\n\n");
	expect(&f, "cdr tail 101", -1, "error: usage: cdr tail [N] (N 1..100)\n\n");
	expect(&f, "cdr head", -1, "error: unknown command 'cdr head' (try help)\n\n");
	f.ncdrs = -1;
	expect(&f, "cdr tail", -1, "error: CDRs are off ([general] cdr_db)\n\n");
}

/* ---- reload, span block, show routes ---------------------------------------------------- */

Test(ctl_cmd, reload_replies_with_the_summary_or_the_error)
{
	struct fake f = { 0 };

	expect(&f, "reload", 0, "reloaded: 1 trunk changed, 0 added, 0 removed; 2 routes\n\n");
	f.reload_rc = EINVAL;
	expect(&f, "reload", -1, "error: reload failed, nothing changed: t.conf:3: bad\n\n");
	cr_expect_eq(f.reloads, 2);
	expect(&f, "reload now", -1, "error: 'reload' takes no arguments\n\n");
	cr_expect_eq(f.reloads, 2);
}

Test(ctl_cmd, span_block_and_unblock)
{
	struct fake f = { .block = -1 };

	expect(&f, "span block 1", 0, "span 1 blocked: no new calls; calls up finish\n\n");
	cr_expect(f.block_span == 1 && f.block == 1);
	expect(&f, "span unblock 1", 0, "span 1 unblocked\n\n");
	cr_expect(f.block_span == 1 && f.block == 0);
	expect(&f, "span block 9", -1, "error: no span 9 running (see show spans)\n\n");
	expect(&f, "span block 5", -1, "error: span 5 is not a PRI span\n\n");
	f.block = -1;
	for (const char *bad = "span\0span block\0span block 0\0span block 256\0span block x\0"
			       "span lock 1\0span block 1 2\0"; *bad; bad += strlen(bad) + 1)
		expect(&f, bad, -1, "error: usage: span block|unblock N\n\n");
	cr_expect_eq(f.block, -1, "a bad request reached the daemon");
}

Test(ctl_cmd, show_routes_aligns_columns_to_the_longest_value)
{
	struct fake f = { .nroutes = 2 };

	expect(&f, "show routes", 0,
	       "ROUTE      FROM          MATCH      TO                          STRIP PREPEND  CALLS\n"
	       "to-carrier span 2        0049, 0030 trunk carrier, trunk backup 1     +        12\n"
	       "in         trunk carrier *          group pbx                   0     -        0\n"
	       "2 routes\n\n");
	expect(&f, "show routes extra", -1, "error: 'show routes' takes no arguments\n\n");
}

Test(ctl_cmd, show_routes_json_lists_destinations)
{
	struct fake f = { .nroutes = 2 };

	expect(&f, "show routes --json", 0,
	       "{\"routes\":[{\"name\":\"to-carrier\",\"from\":\"span 2\",\"match\":\"0049, 0030\","
	       "\"to\":[\"trunk carrier\",\"trunk backup\"],\"strip\":1,\"prepend\":\"+\","
	       "\"calls\":12},{\"name\":\"in\",\"from\":\"trunk carrier\",\"match\":\"\","
	       "\"to\":[\"group pbx\"],\"strip\":0,\"prepend\":\"\",\"calls\":0}]}\n\n");
}

Test(ctl_cmd, new_commands_without_the_daemon_ops_say_so)
{
	/* a daemon that has none of the three */
	static const struct ctl_ops old = { .spans = f_spans, .calls = f_calls,
					    .trunks = f_trunks, .status = f_status,
					    .hangup = f_hangup };
	struct ctl_buf out = { 0 };

	cr_expect_eq(ctl_cmd_run(&old, NULL, "reload", &out), -1);
	cr_expect_eq(ctl_cmd_run(&old, NULL, "span block 1", &out), -1);
	cr_expect_eq(ctl_cmd_run(&old, NULL, "show routes", &out), -1);
	ctl_buf_printf(&out, "%s", "");	/* NUL-terminated */
	cr_expect_str_eq(out.data, "error: reload is not available\n\n"
				   "error: span block is not available\n\n"
				   "error: show routes is not available\n\n");
	ctl_buf_free(&out);
}

Test(ctl_cmd, trace_on_off_and_its_scopes)
{
	struct fake f = { 0 };

	expect(&f, "trace on", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "on all - -");
	expect(&f, "trace on all file /tmp/a.pcap", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "on all - /tmp/a.pcap");
	expect(&f, "trace on trunk carrier", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "on trunk carrier -");
	expect(&f, "trace on call 17 file /tmp/b.pcap", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "on call 17 /tmp/b.pcap");
	expect(&f, "trace off", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "off");
	expect(&f, "trace", 0, "ok\n\n");
	cr_expect_str_eq(trace_req, "show");
	expect(&f, "trace on trunk nosuch", -1, "error: no trunk 'nosuch'\n\n");
	trace_req[0] = '\0';
	static const char usage[] = "error: usage: trace on [all | trunk NAME | call ID] "
				    "[file PATH] | trace off | trace\n\n";
	expect(&f, "trace on trunk", -1, usage);
	expect(&f, "trace on file", -1, usage);
	expect(&f, "trace on call 1 file /x extra", -1, usage);
	expect(&f, "trace off now", -1, usage);
	expect(&f, "trace maybe", -1, usage);
	cr_expect_str_eq(trace_req, "", "a malformed request reached the daemon");
}
