/* Unit tests for the Prometheus metrics (gateway/metrics.c): the exposition text after known
 * calls (counts by direction, trunk and cause; RTP and fax sums; gauges from span and trunk
 * rows; label escaping; HELP and TYPE per family), the bound on label sets, and the HTTP
 * page over a real socket: 200 with the published text, 404 elsewhere, a bad address refused;
 * the status page and its document on the same port, and who needs its token. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "gateway/cdr.h"
#include "gateway/metrics.h"

static void setup(void)
{
	log_set_all(LL_ERROR);
}

TestSuite(metrics, .init = setup);

static struct cdr_rec call(const char *dir, const char *trunk, int cause, bool answered)
{
	struct cdr_rec r = { .cause = cause, .answer_us = answered ? 1 : 0, .have_rtp = answered,
			     .rtp_sent = 100, .rtp_received = 90, .rtp_lost = 3 };

	snprintf(r.direction, sizeof(r.direction), "%s", dir);
	snprintf(r.trunk, sizeof(r.trunk), "%s", trunk);
	return r;
}

static char *render(struct metrics *m, const struct metrics_gauges *g)
{
	struct ctl_buf b = { 0 };

	metrics_render(m, g, &b);
	ctl_buf_printf(&b, "%s", "");
	cr_assert(!b.failed);
	return b.data;
}

#define HAS(text, line) cr_expect_not_null(strstr(text, line "\n"), "no '%s' in:\n%s", line, text)

Test(metrics, counts_calls_by_labels_and_sums_media)
{
	struct metrics *m = NULL;
	struct ctl_span_row spans[] = { { 2, "E1", "pri_cpe", "up", 1, 3, 30, false },
					{ 5, "T1", "fxs", "alarm", -1, 0, 24, false } };
	struct ctl_trunk_row trunks[] = { { "peer", "sip:127.0.0.1:5070", "udp", "off", -1, 1 },
					  { "car\"x", "sip:10.0.0.1", "udp", "registered", 0, 0 } };
	struct metrics_gauges g = { .calls_active = 1, .spans = spans, .nspans = 2,
				    .trunks = trunks, .ntrunks = 2, .fds = 42,
				    .media_events_dropped = 5, .cdr_on = 1, .cdr_written = 4 };
	struct cdr_rec r;

	cr_assert_eq(metrics_alloc(&m), 0);
	for (int i = 0; i < 3; i++) {
		r = call("tdm-sip", "peer", 16, true);
		metrics_count_call(m, &r);
	}
	r = call("tdm-sip", "peer", 17, false);
	metrics_count_call(m, &r);
	r = call("sip-tdm", "car\"x", 16, true);
	r.have_fax = true;
	snprintf(r.fax_transport, sizeof(r.fax_transport), "t38");
	r.fax_pages = 3;
	r.fax_code = 0;
	metrics_count_call(m, &r);
	r = call("sip-tdm", "car\"x", 16, true);
	r.have_fax = true;
	snprintf(r.fax_transport, sizeof(r.fax_transport), "passthrough");
	r.fax_pages = 1;
	r.fax_code = 48;
	metrics_count_call(m, &r);

	char *t = render(m, &g);
	HAS(t, "# TYPE strowger_calls_total counter");
	HAS(t, "strowger_calls_active 1");
	HAS(t, "strowger_calls_total{direction=\"tdm-sip\",trunk=\"peer\",cause=\"16\"} 3");
	HAS(t, "strowger_calls_total{direction=\"tdm-sip\",trunk=\"peer\",cause=\"17\"} 1");
	HAS(t, "strowger_calls_answered_total{direction=\"tdm-sip\",trunk=\"peer\",cause=\"17\"} 0");
	HAS(t, "strowger_calls_total{direction=\"sip-tdm\",trunk=\"car\\\"x\",cause=\"16\"} 2");
	HAS(t, "strowger_span_up{span=\"2\"} 1");
	HAS(t, "strowger_span_up{span=\"5\"} 0");
	HAS(t, "strowger_span_dchannel_up{span=\"2\"} 1");
	cr_expect_null(strstr(t, "strowger_span_dchannel_up{span=\"5\"}"), "analog has no D-channel");
	HAS(t, "strowger_span_channels_in_use{span=\"2\"} 3");
	HAS(t, "strowger_span_channels{span=\"5\"} 24");
	HAS(t, "strowger_trunk_registered{trunk=\"car\\\"x\"} 1");
	cr_expect_null(strstr(t, "strowger_trunk_registered{trunk=\"peer\"}"), "peer does not register");
	HAS(t, "strowger_trunk_options_up{trunk=\"car\\\"x\"} 0");
	HAS(t, "strowger_trunk_calls{trunk=\"peer\"} 1");
	HAS(t, "strowger_rtp_packets_sent_total 500");
	HAS(t, "strowger_rtp_packets_lost_total 15");
	HAS(t, "strowger_fax_calls_total{transport=\"t38\"} 1");
	HAS(t, "strowger_fax_calls_total{transport=\"passthrough\"} 1");
	HAS(t, "strowger_fax_pages_total 4");
	HAS(t, "strowger_fax_failures_total 1");
	HAS(t, "strowger_media_events_dropped_total 5");
	HAS(t, "strowger_cdr_written_total 4");
	HAS(t, "process_open_fds 42");
	/* Every sample's family was announced. */
	char *full = render(m, &g);
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char name[96], type[128];
		size_t n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, line);
		snprintf(type, sizeof(type), "# TYPE %s ", name);
		if (!strstr(full, type)) {	/* a histogram's series: its family's name */
			for (const char *suffix = "_bucket\0_sum\0_count\0"; *suffix;
			     suffix += strlen(suffix) + 1) {
				size_t sl = strlen(suffix);
				if (n > sl && !strcmp(name + n - sl, suffix)) {
					snprintf(type, sizeof(type), "# TYPE %.*s histogram",
						 (int)(n - sl), name);
					break;
				}
			}
		}
		cr_expect(strstr(full, type) != NULL, "no TYPE for %s", name);
	}
	free(full);
	free(t);
	metrics_free(m);
}

Test(metrics, histograms_of_setup_jitter_and_rtt)
{
	struct metrics *m = NULL;
	struct metrics_gauges g = { .rss_bytes = 12345678, .vsize_bytes = 99999999 };
	const double setup_ms[] = { 0.3, 0.8, 3, 30, 5000, -1 };
	const char *const dirs[] = { "tdm-sip", "tdm-sip", "tdm-sip", "tdm-sip", "tdm-sip",
				     "tdm-sip" };
	struct cdr_rec r;

	cr_assert_eq(metrics_alloc(&m), 0);
	for (unsigned i = 0; i < 6; i++) {
		r = call(dirs[i], "peer", 16, true);
		r.setup_relay_ms = setup_ms[i];	/* -1: never passed on, not observed */
		r.jitter_ms = 1.5 * i;
		r.rtt_ms = i < 2 ? -1 : 40;	/* -1: no RTCP report */
		metrics_count_call(m, &r);
	}
	/* directions beyond the fourth share "other" */
	const char *const more[] = { "sip-tdm", "tdm-tdm", "x-1", "x-2", "x-3" };
	for (unsigned i = 0; i < 5; i++) {
		r = call(more[i], "peer", 16, false);
		r.have_rtp = false;
		r.setup_relay_ms = 1.5;
		metrics_count_call(m, &r);
	}

	char *t = render(m, &g);
	HAS(t, "# TYPE strowger_call_setup_relay_seconds histogram");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"0.0005\"} 1");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"0.001\"} 2");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"0.005\"} 3");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"0.05\"} 4");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"2.5\"} 4");
	HAS(t, "strowger_call_setup_relay_seconds_bucket{direction=\"tdm-sip\",le=\"+Inf\"} 5");
	HAS(t, "strowger_call_setup_relay_seconds_count{direction=\"tdm-sip\"} 5");
	HAS(t, "strowger_call_setup_relay_seconds_sum{direction=\"tdm-sip\"} 5.0341");
	HAS(t, "strowger_call_setup_relay_seconds_count{direction=\"sip-tdm\"} 1");
	HAS(t, "strowger_call_setup_relay_seconds_count{direction=\"tdm-tdm\"} 1");
	HAS(t, "strowger_call_setup_relay_seconds_count{direction=\"other\"} 3");
	cr_expect_null(strstr(t, "seconds_count{direction=\"x-1\"}"), "%s", t);
	/* jitter 0, 1.5, 3, 4.5, 6, 7.5 ms */
	HAS(t, "strowger_rtp_jitter_seconds_bucket{le=\"0.001\"} 1");
	HAS(t, "strowger_rtp_jitter_seconds_bucket{le=\"0.005\"} 4");
	HAS(t, "strowger_rtp_jitter_seconds_bucket{le=\"0.01\"} 6");
	HAS(t, "strowger_rtp_jitter_seconds_count 6");
	HAS(t, "strowger_rtcp_rtt_seconds_bucket{le=\"0.02\"} 0");
	HAS(t, "strowger_rtcp_rtt_seconds_bucket{le=\"0.05\"} 4");
	HAS(t, "strowger_rtcp_rtt_seconds_count 4");
	HAS(t, "process_resident_memory_bytes 12345678");
	HAS(t, "process_virtual_memory_bytes 99999999");
	free(t);
	metrics_free(m);
}

Test(metrics, label_sets_are_bounded)
{
	struct metrics *m = NULL;
	struct metrics_gauges g = { 0 };
	char trunk[32];

	cr_assert_eq(metrics_alloc(&m), 0);
	for (int i = 0; i < METRICS_MAX_SERIES + 50; i++) {
		snprintf(trunk, sizeof(trunk), "t%d", i);
		struct cdr_rec r = call("tdm-sip", trunk, 16, false);
		metrics_count_call(m, &r);
	}
	char *t = render(m, &g);
	unsigned n = 0;
	for (char *p = t; (p = strstr(p, "\nstrowger_calls_total{")); p++)
		n++;
	cr_expect_leq(n, METRICS_MAX_SERIES);
	HAS(t, "strowger_calls_total{direction=\"tdm-sip\",trunk=\"other\",cause=\"0\"} 52");
	free(t);
	metrics_free(m);
}

/* A whole HTTP/1.0 exchange; the response in buf. */
/* GET path from addr:port (IPv4 or IPv6 numeric); the whole response into buf. */
static void http_get_at(const char *addr, uint16_t port, const char *path, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	bool v6 = strchr(addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	char req[128];
	size_t k = 0;
	ssize_t n;

	cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, addr, v6 ? (void *)&sa6.sin6_addr :
			       (void *)&sa.sin_addr), 1);
	cr_assert_eq(connect(fd, v6 ? (struct sockaddr *)&sa6 : (struct sockaddr *)&sa,
			     v6 ? sizeof(sa6) : sizeof(sa)), 0, "%s", strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while (k + 1 < len && (n = recv(fd, buf + k, len - k - 1, 0)) > 0)
		k += (size_t)n;
	buf[k] = '\0';
	close(fd);
}

static void http_get(uint16_t port, const char *path, char *buf, size_t len)
{
	http_get_at("127.0.0.1", port, path, buf, len);
}

Test(metrics, http_serves_the_published_page)
{
	struct metrics *m = NULL;
	struct ctl_buf b = { 0 };
	char resp[4096];

	cr_assert_eq(metrics_alloc(&m), 0);
	cr_expect_eq(metrics_listen(m, "localhost:19100"), EINVAL);
	cr_expect_eq(metrics_listen(m, "127.0.0.1"), EINVAL);
	cr_expect_eq(metrics_listen(m, "127.0.0.1:0"), EINVAL);
	cr_assert_eq(metrics_listen(m, "127.0.0.1:19100"), 0);
	http_get(19100, "/metrics", resp, sizeof(resp));
	cr_expect(!strncmp(resp, "HTTP/1.0 503", 12) || !strncmp(resp, "HTTP/1.1 503", 12),
		  "nothing published yet: %s", resp);
	ctl_buf_printf(&b, "strowger_calls_active 7\n");
	metrics_publish(m, METRICS_DOC_METRICS, &b);
	cr_expect_null(b.data);
	http_get(19100, "/metrics", resp, sizeof(resp));
	cr_expect(strstr(resp, " 200 OK\r\n"), "%s", resp);
	cr_expect(strstr(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "%s", resp);
	cr_expect(strstr(resp, "\r\n\r\nstrowger_calls_active 7\n"), "%s", resp);
	http_get(19100, "/nothing-here", resp, sizeof(resp));
	cr_expect(strstr(resp, " 404 "), "%s", resp);
	metrics_free(m);
}

Test(metrics, http_serves_the_status_page_and_its_document)
{
	struct metrics *m = NULL;
	struct ctl_buf b = { 0 };
	char resp[4096];

	cr_assert_eq(metrics_alloc(&m), 0);
	metrics_set_token(m, "s3cret");		/* loopback needs none */
	cr_assert_eq(metrics_listen(m, "127.0.0.1:19101"), 0);
	http_get(19101, "/", resp, sizeof(resp));
	cr_expect(strstr(resp, " 200 OK\r\n"), "%s", resp);
	cr_expect(strstr(resp, "Content-Type: text/html; charset=utf-8\r\n"), "%s", resp);
	cr_expect(strstr(resp, "<title>Strowger status</title>"), "%s", resp);
	http_get(19101, "/status.json", resp, sizeof(resp));
	cr_expect(strstr(resp, " 503 "), "nothing published yet: %s", resp);
	ctl_buf_printf(&b, "{\"time\":1}\n");
	metrics_publish(m, METRICS_DOC_STATUS, &b);
	http_get(19101, "/status.json", resp, sizeof(resp));
	cr_expect(strstr(resp, " 200 OK\r\n"), "%s", resp);
	cr_expect(strstr(resp, "Content-Type: application/json\r\n"), "%s", resp);
	cr_expect(strstr(resp, "\r\n\r\n{\"time\":1}\n"), "%s", resp);
	http_get(19101, "/metrics", resp, sizeof(resp));
	cr_expect(strstr(resp, " 503 "), "the metrics document is another one: %s", resp);
	metrics_free(m);
}

Test(metrics, status_page_token_applies_off_loopback_only)
{
	cr_expect(metrics_token_ok("", false, NULL, NULL), "no token set: open");
	cr_expect(metrics_token_ok(NULL, false, NULL, NULL));
	cr_expect(metrics_token_ok("s3cret", true, NULL, NULL), "loopback: open");
	cr_expect(!metrics_token_ok("s3cret", false, NULL, NULL));
	cr_expect(metrics_token_ok("s3cret", false, "s3cret", NULL));
	cr_expect(!metrics_token_ok("s3cret", false, "s3cre", NULL));
	cr_expect(!metrics_token_ok("s3cret", false, "s3crett", NULL));
	cr_expect(metrics_token_ok("s3cret", false, NULL, "Bearer s3cret"));
	cr_expect(!metrics_token_ok("s3cret", false, NULL, "Basic s3cret"));
	cr_expect(!metrics_token_ok("s3cret", false, "", "Bearer "));
}

Test(metrics, listens_on_ipv6_loopback_too)
{
	struct metrics *m = NULL;
	struct ctl_buf b = { 0 };
	char resp[4096];

	cr_assert_eq(metrics_alloc(&m), 0);
	cr_expect_eq(metrics_listen(m, "[::1"), EINVAL);
	cr_expect_eq(metrics_listen(m, "::1:19102"), EINVAL);
	cr_assert_eq(metrics_listen(m, "[::1]:19102"), 0);
	ctl_buf_printf(&b, "strowger_calls_active 3\n");
	metrics_publish(m, METRICS_DOC_METRICS, &b);
	http_get_at("::1", 19102, "/metrics", resp, sizeof(resp));
	cr_expect(strstr(resp, "\r\n\r\nstrowger_calls_active 3\n"), "%s", resp);
	metrics_free(m);
}
