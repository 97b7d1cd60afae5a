/* Unit tests for the Prometheus metrics (gateway/metrics.c): the exposition text after known
 * calls (counts by direction, trunk and cause; RTP and fax sums; gauges from span and trunk
 * rows; label escaping; HELP and TYPE per family), the bound on label sets, and the HTTP
 * page over a real socket: 200 with the published text, 404 elsewhere, a bad address refused. */
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
		cr_expect(strstr(full, type) != NULL, "no TYPE for %s", name);
	}
	free(full);
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
static void http_get(uint16_t port, const char *path, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char req[128];
	size_t k = 0;
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
	cr_assert_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while (k + 1 < len && (n = recv(fd, buf + k, len - k - 1, 0)) > 0)
		k += (size_t)n;
	buf[k] = '\0';
	close(fd);
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
	metrics_publish(m, &b);
	cr_expect_null(b.data);
	http_get(19100, "/metrics", resp, sizeof(resp));
	cr_expect(strstr(resp, " 200 OK\r\n"), "%s", resp);
	cr_expect(strstr(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), "%s", resp);
	cr_expect(strstr(resp, "\r\n\r\nstrowger_calls_active 7\n"), "%s", resp);
	http_get(19100, "/", resp, sizeof(resp));
	cr_expect(strstr(resp, " 404 "), "%s", resp);
	metrics_free(m);
}
