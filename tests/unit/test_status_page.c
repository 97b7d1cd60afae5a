/* Unit tests for gateway/status_page.c: the /status.json document is the control socket's
 * own JSON replies under their command's name, plus 60 minutes of history in which finished
 * calls are counted by the minute they ended (older minutes forgotten); the page is built in. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/cdr.h"
#include "gateway/ctl_cmd.h"
#include "gateway/status_page.h"

static unsigned f_spans(void *arg, struct ctl_span_row *rows, unsigned max)
{
	(void)arg;
	if (max)
		rows[0] = (struct ctl_span_row){ 2, "E1", "pri_net", "up", 1, 1, 30, false };
	return 1;
}

static unsigned f_calls(void *arg, struct ctl_call_row *rows, unsigned max)
{
	(void)arg;
	if (max)
		rows[0] = (struct ctl_call_row){ .id = 9, .dir = "tdm->sip", .state = "ACTIVE",
						 .chan = "span 2 ch 1", .trunk = "peer",
						 .called = "4930121", .calling = "5551000",
						 .billed_ms = -1, .codec = "PCMA", .fax = "-" };
	return 1;
}

static unsigned f_trunks(void *arg, struct ctl_trunk_row *rows, unsigned max)
{
	(void)arg;
	if (max)
		rows[0] = (struct ctl_trunk_row){ "peer", "sip:127.0.0.1:5070", "udp", "off", 1, 1 };
	return 1;
}

static unsigned f_channels(void *arg, unsigned span, struct ctl_chan_row *rows, unsigned max)
{
	(void)arg;
	(void)span;
	if (max)
		rows[0] = (struct ctl_chan_row){ 2, 1, "busy", 9, "alaw" };
	return 1;
}

static const struct ctl_ops ops = { .spans = f_spans, .calls = f_calls, .trunks = f_trunks,
				    .channels = f_channels };

static struct cdr_rec ended(int64_t end_s, bool answered, uint64_t received, int64_t lost)
{
	return (struct cdr_rec){ .end_us = end_s * 1000000, .answer_us = answered ? 1 : 0,
				 .have_rtp = true, .rtp_received = received, .rtp_lost = lost };
}

static char *document(const struct status_history *h, int64_t now)
{
	struct ctl_buf b = { 0 };

	status_page_json(&ops, NULL, h, now, &b);
	ctl_buf_printf(&b, "%s", "");
	cr_assert(!b.failed);
	return b.data;
}

#define HAS(doc, s) cr_expect_not_null(strstr(doc, s), "no '%s' in:\n%s", s, doc)

Test(status_page, document_holds_each_show_reply_and_the_hour)
{
	struct status_history h = { 0 };
	const int64_t now = 1796436650;		/* 2026-12-05 08:50:50 UTC */
	const int64_t minute = now / 60 * 60;
	char want[256];
	struct cdr_rec r;

	r = ended(now - 5, true, 1000, 10);
	status_history_count(&h, &r);
	r = ended(now - 20, false, 0, 0);
	status_history_count(&h, &r);
	r = ended(now - 60, true, 500, 0);
	status_history_count(&h, &r);
	r = ended(now - 3600, true, 7, 7);	/* an hour ago: off the chart */
	status_history_count(&h, &r);

	char *doc = document(&h, now);
	snprintf(want, sizeof(want), "{\"time\":%lld,\"show_spans\":{\"spans\":[{\"span\":2,",
		 (long long)now);
	cr_expect(!strncmp(doc, want, strlen(want)), "%s", doc);
	HAS(doc, ",\"show_channels\":{\"channels\":[{\"span\":2,\"channel\":1,\"state\":\"busy\","
		 "\"call\":9,\"law\":\"alaw\"}]}");
	HAS(doc, ",\"show_trunks\":{\"trunks\":[{\"name\":\"peer\",");
	HAS(doc, ",\"show_calls\":{\"calls\":[{\"id\":9,");
	HAS(doc, "\"called\":\"4930121\",\"calling\":\"5551000\"");
	snprintf(want, sizeof(want), "{\"minute\":%lld,\"calls\":2,\"answered\":1,"
		 "\"rtp_received\":1000,\"rtp_lost\":10}]}\n", (long long)minute);
	HAS(doc, want);
	snprintf(want, sizeof(want), "{\"minute\":%lld,\"calls\":1,\"answered\":1,"
		 "\"rtp_received\":500,\"rtp_lost\":0},", (long long)(minute - 60));
	HAS(doc, want);
	/* 60 minutes, oldest first, the one an hour ago empty */
	snprintf(want, sizeof(want), "\"history\":[{\"minute\":%lld,\"calls\":0,",
		 (long long)(minute - 59 * 60));
	HAS(doc, want);
	cr_expect_null(strstr(doc, "\"rtp_lost\":7"), "%s", doc);
	unsigned n = 0;
	for (const char *p = doc; (p = strstr(p, "{\"minute\":")); p++)
		n++;
	cr_expect_eq(n, STATUS_HISTORY_MIN);
	free(doc);

	/* an hour later every slot is stale: all zero */
	doc = document(&h, now + 3600);
	cr_expect_null(strstr(doc, "\"calls\":1,"), "%s", doc);
	cr_expect_null(strstr(doc, "\"calls\":2,"), "%s", doc);
	free(doc);
}

Test(status_page, the_page_is_built_in)
{
	cr_expect_not_null(strstr(status_page_html, "<title>Strowger status</title>"));
	cr_expect_not_null(strstr(status_page_html, "status.json"));
	cr_expect_not_null(strstr(status_page_html, "</html>"));
}
