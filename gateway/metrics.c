/* Prometheus metrics (gateway/metrics.h): counters, the exposition text, the HTTP port. */
#include "gateway/metrics.h"

#include "common/log.h"
#include "conf/conf.h"
#include "gateway/cdr.h"
#include "gateway/status_page.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define HTTP_MAX_CLIENTS 16
#define HTTP_TIMEOUT_S 10

struct call_series {
	char direction[16];
	char trunk[64];
	int cause;
	uint64_t calls, answered;
};

/* A Prometheus histogram: counts per upper bound (cumulative when rendered), +Inf last. */
#define HIST_MAX_BOUNDS 12
struct histogram {
	const double *bounds;		/* ascending, [s] */
	unsigned nbounds;
	uint64_t counts[HIST_MAX_BOUNDS];
	uint64_t count;
	double sum;
};

static const double setup_bounds[] = { 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
					0.25, 0.5, 1, 2.5 };
static const double jitter_bounds[] = { 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2 };
static const double rtt_bounds[] = { 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2 };
#define NBOUNDS(a) (sizeof(a) / sizeof((a)[0]))

#define SETUP_DIRECTIONS 4		/* tdm-sip, sip-tdm, tdm-tdm; the rest "other" */

struct metrics {
	struct call_series *series;
	unsigned nseries;
	struct {
		char direction[16];
		struct histogram h;
	} setup[SETUP_DIRECTIONS];
	unsigned nsetup;
	struct histogram jitter, rtt;
	uint64_t rtp_sent, rtp_received, rtp_lost;
	uint64_t fax_calls_t38, fax_calls_pass, fax_pages, fax_failures;

	struct MHD_Daemon *http;
	char token[128];		/* the status page's, for clients not on loopback */
	pthread_mutex_t lock;
	struct doc {			/* under lock: the last published text */
		char *data;
		size_t len;
	} docs[METRICS_DOC_COUNT];
};

int metrics_alloc(struct metrics **mp)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return ENOMEM;
	m->series = calloc(METRICS_MAX_SERIES, sizeof(*m->series));
	if (!m->series) {
		free(m);
		return ENOMEM;
	}
	m->jitter = (struct histogram){ .bounds = jitter_bounds, .nbounds = NBOUNDS(jitter_bounds) };
	m->rtt = (struct histogram){ .bounds = rtt_bounds, .nbounds = NBOUNDS(rtt_bounds) };
	pthread_mutex_init(&m->lock, NULL);
	*mp = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->http)
		MHD_stop_daemon(m->http);	/* joins its thread: no scrape runs after this */
	pthread_mutex_destroy(&m->lock);
	for (unsigned i = 0; i < METRICS_DOC_COUNT; i++)
		free(m->docs[i].data);
	free(m->series);
	free(m);
}

static struct call_series *series_of(struct metrics *m, const char *dir, const char *trunk,
				     int cause)
{
	for (unsigned i = 0; i < m->nseries; i++) {
		struct call_series *s = &m->series[i];

		if (s->cause == cause && !strcmp(s->direction, dir) && !strcmp(s->trunk, trunk))
			return s;
	}
	/* Bounded: a storm of odd causes on many trunks must not grow the page without end.
	 * The last two places are kept for trunk="other" (both directions). */
	if (m->nseries >= METRICS_MAX_SERIES - 2) {
		trunk = "other";
		cause = 0;
		for (unsigned i = 0; i < m->nseries; i++)
			if (!strcmp(m->series[i].trunk, "other") && !strcmp(m->series[i].direction, dir))
				return &m->series[i];
		if (m->nseries == METRICS_MAX_SERIES)
			return &m->series[METRICS_MAX_SERIES - 1];
	}
	struct call_series *s = &m->series[m->nseries++];
	snprintf(s->direction, sizeof(s->direction), "%s", dir);
	snprintf(s->trunk, sizeof(s->trunk), "%s", trunk);
	s->cause = cause;
	return s;
}

static void observe(struct histogram *h, double v)
{
	for (unsigned i = 0; i < h->nbounds; i++)
		if (v <= h->bounds[i]) {
			h->counts[i]++;
			break;
		}
	h->count++;
	h->sum += v;
}

static struct histogram *setup_of(struct metrics *m, const char *dir)
{
	unsigned i = 0;

	while (i < m->nsetup && strcmp(m->setup[i].direction, dir) &&
	       strcmp(m->setup[i].direction, "other"))
		i++;
	if (i == m->nsetup) {
		m->nsetup++;
		snprintf(m->setup[i].direction, sizeof(m->setup[i].direction), "%s",
			 i == SETUP_DIRECTIONS - 1 ? "other" : dir);
		m->setup[i].h = (struct histogram){ .bounds = setup_bounds,
						    .nbounds = NBOUNDS(setup_bounds) };
	}
	return &m->setup[i].h;
}

void metrics_count_call(struct metrics *m, const struct cdr_rec *r)
{
	struct call_series *s = series_of(m, r->direction, r->trunk, r->cause);

	if (r->setup_relay_ms >= 0)
		observe(setup_of(m, r->direction), r->setup_relay_ms / 1000);
	if (r->have_rtp && r->rtp_received)
		observe(&m->jitter, r->jitter_ms / 1000);
	if (r->have_rtp && r->rtt_ms >= 0)
		observe(&m->rtt, r->rtt_ms / 1000);

	s->calls++;
	if (r->answer_us)
		s->answered++;
	if (r->have_rtp) {
		m->rtp_sent += r->rtp_sent;
		m->rtp_received += r->rtp_received;
		m->rtp_lost += r->rtp_lost > 0 ? (uint64_t)r->rtp_lost : 0;
	}
	if (r->have_fax) {
		if (!strcmp(r->fax_transport, "t38"))
			m->fax_calls_t38++;
		else
			m->fax_calls_pass++;
		m->fax_pages += r->fax_pages;
		if (r->fax_code)
			m->fax_failures++;
	}
}

/* ---- the text format ------------------------------------------------------------------- */

/* A label value: backslash, quote and newline escaped (exposition format 0.0.4). */
static void label(struct ctl_buf *out, const char *name, const char *v, bool first)
{
	ctl_buf_printf(out, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = v; *p; p++) {
		if (*p == '\\' || *p == '"')
			ctl_buf_printf(out, "\\%c", *p);
		else if (*p == '\n')
			ctl_buf_printf(out, "\\n");
		else
			ctl_buf_printf(out, "%c", *p);
	}
	ctl_buf_printf(out, "\"");
}

static void family(struct ctl_buf *out, const char *name, const char *type, const char *help)
{
	ctl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name_bucket{[lname="lval",]le="B"} cumulative counts, then _sum and _count. */
static void histogram(struct ctl_buf *out, const char *name, const char *lname, const char *lval,
		      const struct histogram *h)
{
	uint64_t cum = 0;

	for (unsigned i = 0; i <= h->nbounds; i++) {
		char le[32];

		if (i < h->nbounds) {
			cum += h->counts[i];
			snprintf(le, sizeof(le), "%g", h->bounds[i]);
		} else {
			cum = h->count;
			snprintf(le, sizeof(le), "+Inf");
		}
		ctl_buf_printf(out, "%s_bucket{", name);
		if (lname)
			label(out, lname, lval, true);
		label(out, "le", le, !lname);
		ctl_buf_printf(out, "} %" PRIu64 "\n", cum);
	}
	ctl_buf_printf(out, "%s_sum", name);
	if (lname) {
		ctl_buf_printf(out, "{");
		label(out, lname, lval, true);
		ctl_buf_printf(out, "}");
	}
	ctl_buf_printf(out, " %.9g\n%s_count", h->sum, name);
	if (lname) {
		ctl_buf_printf(out, "{");
		label(out, lname, lval, true);
		ctl_buf_printf(out, "}");
	}
	ctl_buf_printf(out, " %" PRIu64 "\n", h->count);
}

void metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct ctl_buf *out)
{
	char num[16];

	family(out, "strowger_calls_active", "gauge", "Calls not yet freed.");
	ctl_buf_printf(out, "strowger_calls_active %u\n", g->calls_active);

	family(out, "strowger_calls_total", "counter",
	       "Finished calls by direction, SIP trunk and Q.850 cause.");
	for (unsigned i = 0; i < m->nseries; i++) {
		const struct call_series *s = &m->series[i];

		snprintf(num, sizeof(num), "%d", s->cause);
		ctl_buf_printf(out, "strowger_calls_total{");
		label(out, "direction", s->direction, true);
		label(out, "trunk", s->trunk, false);
		label(out, "cause", num, false);
		ctl_buf_printf(out, "} %" PRIu64 "\n", s->calls);
	}
	family(out, "strowger_calls_answered_total", "counter",
	       "Finished calls that were answered, by direction, SIP trunk and Q.850 cause.");
	for (unsigned i = 0; i < m->nseries; i++) {
		const struct call_series *s = &m->series[i];

		snprintf(num, sizeof(num), "%d", s->cause);
		ctl_buf_printf(out, "strowger_calls_answered_total{");
		label(out, "direction", s->direction, true);
		label(out, "trunk", s->trunk, false);
		label(out, "cause", num, false);
		ctl_buf_printf(out, "} %" PRIu64 "\n", s->answered);
	}

	family(out, "strowger_call_setup_relay_seconds", "histogram",
	       "From a call's arrival to passing it on (SETUP or INVITE sent), by direction.");
	for (unsigned i = 0; i < m->nsetup; i++)
		histogram(out, "strowger_call_setup_relay_seconds", "direction",
			  m->setup[i].direction, &m->setup[i].h);

	family(out, "strowger_span_up", "gauge", "1 if the span is present and not in alarm.");
	for (unsigned i = 0; i < g->nspans; i++)
		ctl_buf_printf(out, "strowger_span_up{span=\"%u\"} %d\n", g->spans[i].number,
			       !strcmp(g->spans[i].alarm, "up"));
	family(out, "strowger_span_dchannel_up", "gauge", "1 if the PRI span's D-channel is up.");
	for (unsigned i = 0; i < g->nspans; i++)
		if (g->spans[i].dchan_up >= 0)
			ctl_buf_printf(out, "strowger_span_dchannel_up{span=\"%u\"} %d\n",
				       g->spans[i].number, g->spans[i].dchan_up);
	family(out, "strowger_span_channels_in_use", "gauge", "B-channels carrying a call.");
	for (unsigned i = 0; i < g->nspans; i++)
		ctl_buf_printf(out, "strowger_span_channels_in_use{span=\"%u\"} %u\n",
			       g->spans[i].number, g->spans[i].bchans_used);
	family(out, "strowger_span_channels", "gauge", "B-channels configured on the span.");
	for (unsigned i = 0; i < g->nspans; i++)
		ctl_buf_printf(out, "strowger_span_channels{span=\"%u\"} %u\n", g->spans[i].number,
			       g->spans[i].bchans_total);

	family(out, "strowger_trunk_registered", "gauge",
	       "1 if the trunk's registration is current (trunks that register).");
	for (unsigned i = 0; i < g->ntrunks; i++) {
		if (!strcmp(g->trunks[i].reg, "off"))
			continue;
		ctl_buf_printf(out, "strowger_trunk_registered{");
		label(out, "trunk", g->trunks[i].name, true);
		ctl_buf_printf(out, "} %d\n", !strcmp(g->trunks[i].reg, "registered"));
	}
	family(out, "strowger_trunk_options_up", "gauge",
	       "1 if the trunk answers OPTIONS (trunks with a keepalive).");
	for (unsigned i = 0; i < g->ntrunks; i++) {
		if (g->trunks[i].options_up < 0)
			continue;
		ctl_buf_printf(out, "strowger_trunk_options_up{");
		label(out, "trunk", g->trunks[i].name, true);
		ctl_buf_printf(out, "} %d\n", g->trunks[i].options_up);
	}
	family(out, "strowger_trunk_calls", "gauge", "Calls on the trunk now.");
	for (unsigned i = 0; i < g->ntrunks; i++) {
		ctl_buf_printf(out, "strowger_trunk_calls{");
		label(out, "trunk", g->trunks[i].name, true);
		ctl_buf_printf(out, "} %u\n", g->trunks[i].calls);
	}

	family(out, "strowger_rtp_packets_sent_total", "counter", "RTP packets sent by finished calls.");
	ctl_buf_printf(out, "strowger_rtp_packets_sent_total %" PRIu64 "\n", m->rtp_sent);
	family(out, "strowger_rtp_packets_received_total", "counter",
	       "RTP packets received by finished calls.");
	ctl_buf_printf(out, "strowger_rtp_packets_received_total %" PRIu64 "\n", m->rtp_received);
	family(out, "strowger_rtp_packets_lost_total", "counter",
	       "RTP packets lost toward us in finished calls (RFC 3550 A.3).");
	ctl_buf_printf(out, "strowger_rtp_packets_lost_total %" PRIu64 "\n", m->rtp_lost);

	family(out, "strowger_rtp_jitter_seconds", "histogram",
	       "Interarrival jitter at the end of finished calls that received RTP (RFC 3550 6.4.1).");
	histogram(out, "strowger_rtp_jitter_seconds", NULL, NULL, &m->jitter);
	family(out, "strowger_rtcp_rtt_seconds", "histogram",
	       "Round-trip time from the far end's RTCP reports, finished calls that had one.");
	histogram(out, "strowger_rtcp_rtt_seconds", NULL, NULL, &m->rtt);

	family(out, "strowger_fax_calls_total", "counter", "Finished calls that carried fax.");
	ctl_buf_printf(out, "strowger_fax_calls_total{transport=\"t38\"} %" PRIu64 "\n"
		       "strowger_fax_calls_total{transport=\"passthrough\"} %" PRIu64 "\n",
		       m->fax_calls_t38, m->fax_calls_pass);
	family(out, "strowger_fax_pages_total", "counter", "Fax pages of finished calls.");
	ctl_buf_printf(out, "strowger_fax_pages_total %" PRIu64 "\n", m->fax_pages);
	family(out, "strowger_fax_failures_total", "counter",
	       "Faxes that ended with a T.30 error.");
	ctl_buf_printf(out, "strowger_fax_failures_total %" PRIu64 "\n", m->fax_failures);

	family(out, "strowger_media_events_dropped_total", "counter",
	       "Media engine events lost to a full queue.");
	ctl_buf_printf(out, "strowger_media_events_dropped_total %" PRIu64 "\n",
		       g->media_events_dropped);
	if (g->cdr_on) {
		family(out, "strowger_cdr_written_total", "counter", "CDR rows committed.");
		ctl_buf_printf(out, "strowger_cdr_written_total %" PRIu64 "\n", g->cdr_written);
		family(out, "strowger_cdr_dropped_total", "counter",
		       "CDRs dropped: the writer's queue was full.");
		ctl_buf_printf(out, "strowger_cdr_dropped_total %" PRIu64 "\n", g->cdr_dropped);
	}
	family(out, "process_open_fds", "gauge", "Number of open file descriptors.");
	ctl_buf_printf(out, "process_open_fds %u\n", g->fds);
	if (g->rss_bytes) {
		family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
		ctl_buf_printf(out, "process_resident_memory_bytes %" PRIu64 "\n", g->rss_bytes);
		family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
		ctl_buf_printf(out, "process_virtual_memory_bytes %" PRIu64 "\n", g->vsize_bytes);
	}
}

/* ---- HTTP ------------------------------------------------------------------------------ */

bool metrics_token_ok(const char *token, bool loopback, const char *query, const char *auth)
{
	if (loopback || !token || !token[0])
		return true;
	return (query && !strcmp(query, token)) ||
	       (auth && !strncmp(auth, "Bearer ", 7) && !strcmp(auth + 7, token));
}

static bool allowed(const struct metrics *m, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	bool loopback = sa && ((sa->sa_family == AF_INET &&
				(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127) ||
			       (sa->sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)));

	return metrics_token_ok(m->token, loopback,
				MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token"),
				MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION));
}

static const struct {
	const char *path, *type;
	int doc;			/* enum metrics_doc; -1: the built-in status page */
	bool guarded;			/* the token applies */
} routes[] = {
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8", METRICS_DOC_METRICS, false },
	{ "/status.json", "application/json", METRICS_DOC_STATUS, true },
	{ "/", "text/html; charset=utf-8", -1, true },
};

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *t)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(t), (void *)t, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **ctx)
{
	struct metrics *m = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	unsigned r = 0;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)ctx;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	while (r < sizeof(routes) / sizeof(routes[0]) && strcmp(url, routes[r].path))
		r++;
	if (r == sizeof(routes) / sizeof(routes[0]))
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (routes[r].guarded && !allowed(m, conn))
		return reply_text(conn, MHD_HTTP_FORBIDDEN, "a token is needed (?token=)\n");
	if (routes[r].doc < 0) {
		resp = MHD_create_response_from_buffer(strlen(status_page_html),
						       (void *)status_page_html,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		const struct doc *d = &m->docs[routes[r].doc];

		pthread_mutex_lock(&m->lock);
		if (d->data && (body = malloc(d->len ? d->len : 1))) {
			memcpy(body, d->data, d->len);
			len = d->len;
		}
		pthread_mutex_unlock(&m->lock);
		if (!body)
			return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n");
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, routes[r].type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics_listen(struct metrics *m, const char *addr)
{
	struct sockaddr_storage sa;
	unsigned len;

	if (conf_listen_addr(addr, &sa, &len))
		return EINVAL;
	m->http = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				   (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				   ntohs(((struct sockaddr_in *)&sa)->sin_port), NULL, NULL,
				   on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CLIENTS,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
				   MHD_OPTION_END);
	if (!m->http)
		return errno == EADDRINUSE ? EADDRINUSE : EIO;
	return 0;
}

void metrics_publish(struct metrics *m, enum metrics_doc doc, struct ctl_buf *out)
{
	char *old;

	if (out->failed) {
		ctl_buf_free(out);
		return;		/* keep the last good page */
	}
	pthread_mutex_lock(&m->lock);
	old = m->docs[doc].data;
	m->docs[doc].data = out->data;
	m->docs[doc].len = out->len;
	pthread_mutex_unlock(&m->lock);
	free(old);
	*out = (struct ctl_buf){ 0 };
}

void metrics_set_token(struct metrics *m, const char *token)
{
	snprintf(m->token, sizeof(m->token), "%s", token ? token : "");
}
