/* The control protocol's core (gateway/ctl_cmd.h): parse one request, format its reply.
 * No I/O here, so tests drive it with fixed rows. */
#include "gateway/ctl_cmd.h"

#include "common/log.h"
#include "gateway/cdr.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 9	/* 8 and --json */

/* ---- the reply buffer ------------------------------------------------------------------ */

static void buf_vprintf(struct ctl_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!b->data || b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->data = p;
		b->cap = cap;
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->data);
	*b = (struct ctl_buf){ 0 };
}

void ctl_buf_consume(struct ctl_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int ctl_cmd_error(struct ctl_buf *out, const char *fmt, ...)
{
	va_list ap;

	ctl_buf_printf(out, "error: ");
	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	ctl_buf_printf(out, "\n\n");
	return -1;
}

static int done(struct ctl_buf *out)
{
	ctl_buf_printf(out, "\n");
	return 0;
}

/* ---- commands -------------------------------------------------------------------------- */

static void more_rows(struct ctl_buf *out, unsigned n, unsigned shown)
{
	if (n > shown)
		ctl_buf_printf(out, "(%u more not shown)\n", n - shown);
}

static const char *updown(int v)
{
	return v < 0 ? "-" : v ? "up" : "down";
}

static bool parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *v);

/* ---- JSON (RFC 8259): one line, so the empty line still ends the reply ---------------- */

static void json_str(struct ctl_buf *out, const char *s)
{
	ctl_buf_printf(out, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			ctl_buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			ctl_buf_printf(out, "\\u%04x", *p);
		else
			ctl_buf_printf(out, "%c", *p);
	}
	ctl_buf_printf(out, "\"");
}

/* "key":"value" with a comma before unless first. */
static void json_kv(struct ctl_buf *out, bool first, const char *k, const char *v)
{
	ctl_buf_printf(out, "%s\"%s\":", first ? "" : ",", k);
	json_str(out, v);
}

/* Closes the object and the reply: a "more" count when rows were left out. */
static int json_done(struct ctl_buf *out, unsigned n, unsigned shown)
{
	if (n > shown)
		ctl_buf_printf(out, ",\"not_shown\":%u", n - shown);
	ctl_buf_printf(out, "}\n\n");
	return 0;
}

static int show_spans(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_span_row rows[64];
	unsigned n = ops->spans(arg, rows, 64), shown = n < 64 ? n : 64;

	if (json) {
		ctl_buf_printf(out, "{\"spans\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_span_row *r = &rows[i];

			ctl_buf_printf(out, "%s{\"span\":%u", i ? "," : "", r->number);
			json_kv(out, false, "type", r->type);
			json_kv(out, false, "signalling", r->sig);
			json_kv(out, false, "alarm", r->alarm);
			if (r->dchan_up >= 0)
				ctl_buf_printf(out, ",\"dchan_up\":%s", r->dchan_up ? "true" : "false");
			ctl_buf_printf(out, ",\"bchans_used\":%u,\"bchans_total\":%u,\"blocked\":%s}",
				       r->bchans_used, r->bchans_total, r->blocked ? "true" : "false");
		}
		ctl_buf_printf(out, "]");
		return json_done(out, n, shown);
	}
	ctl_buf_printf(out, "%-5s %-4s %-8s %-7s %-6s %-7s %s\n", "SPAN", "TYPE", "SIG", "ALARM",
		       "DCHAN", "BCHANS", "MAINT");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_span_row *r = &rows[i];
		char b[24];

		snprintf(b, sizeof(b), "%u/%u", r->bchans_used, r->bchans_total);
		ctl_buf_printf(out, "%-5u %-4s %-8s %-7s %-6s %-7s %s\n", r->number, r->type, r->sig,
			       r->alarm, updown(r->dchan_up), b, r->blocked ? "blocked" : "-");
	}
	more_rows(out, n, shown);
	return done(out);
}

static void format_duration(double ms, char *buf, size_t len)
{
	unsigned long s = ms > 0 ? (unsigned long)(ms / 1000) : 0;

	snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

static int show_calls(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_call_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n, shown;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->calls(arg, rows, CTL_MAX_ROWS);
	shown = n < CTL_MAX_ROWS ? n : CTL_MAX_ROWS;
	if (json) {
		ctl_buf_printf(out, "{\"calls\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_call_row *r = &rows[i];

			ctl_buf_printf(out, "%s{\"id\":%" PRIu64, i ? "," : "", r->id);
			json_kv(out, false, "direction", r->dir);
			json_kv(out, false, "state", r->state);
			json_kv(out, false, "channel", r->chan);
			json_kv(out, false, "trunk", r->trunk);
			json_kv(out, false, "called", r->called);
			json_kv(out, false, "calling", r->calling);
			ctl_buf_printf(out, ",\"duration_ms\":%.0f", r->age_ms);
			if (r->billed_ms >= 0)
				ctl_buf_printf(out, ",\"billsec_ms\":%.0f", r->billed_ms);
			json_kv(out, false, "codec", r->codec ? r->codec : "-");
			json_kv(out, false, "fax", r->fax ? r->fax : "-");
			json_kv(out, false, "sip_call_id", r->sip_call_id);
			ctl_buf_printf(out, ",\"legs\":[");
			json_str(out, r->leg_a);
			if (r->leg_b[0]) {
				ctl_buf_printf(out, ",");
				json_str(out, r->leg_b);
			}
			ctl_buf_printf(out, "]}");
		}
		ctl_buf_printf(out, "],\"count\":%u", n);
		free(rows);
		return json_done(out, n, shown);
	}
	ctl_buf_printf(out, "%-6s %-9s %-8s %-12s %-12s %-20s %-20s %-9s %-9s %-6s %s\n", "ID",
		       "DIR", "STATE", "CHANNEL", "TRUNK", "CALLED", "CALLING", "DURATION",
		       "BILLED", "CODEC", "FAX");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_call_row *r = &rows[i];
		char dur[32], billed[32] = "-";

		format_duration(r->age_ms, dur, sizeof(dur));
		if (r->billed_ms >= 0)
			format_duration(r->billed_ms, billed, sizeof(billed));
		ctl_buf_printf(out, "%-6" PRIu64 " %-9s %-8s %-12s %-12s %-20s %-20s %-9s %-9s %-6s "
			       "%s\n", r->id, r->dir, r->state, r->chan, r->trunk,
			       r->called[0] ? r->called : "-", r->calling[0] ? r->calling : "-",
			       dur, billed, r->codec ? r->codec : "-", r->fax ? r->fax : "-");
	}
	more_rows(out, n, shown);
	ctl_buf_printf(out, "%u call%s\n", n, n == 1 ? "" : "s");
	free(rows);
	return done(out);
}

/* show channels [span N] */
static int show_channels(const struct ctl_ops *ops, void *arg, unsigned span, bool json,
			 struct ctl_buf *out)
{
	struct ctl_chan_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n, shown;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->channels(arg, span, rows, CTL_MAX_ROWS);
	shown = n < CTL_MAX_ROWS ? n : CTL_MAX_ROWS;
	if (span && !n) {
		free(rows);
		return ctl_cmd_error(out, "no PRI span %u (see show spans)", span);
	}
	if (json) {
		ctl_buf_printf(out, "{\"channels\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_chan_row *r = &rows[i];

			ctl_buf_printf(out, "%s{\"span\":%u,\"channel\":%u", i ? "," : "", r->span,
				       r->chan);
			json_kv(out, false, "state", r->state);
			if (r->call_id)
				ctl_buf_printf(out, ",\"call\":%" PRIu64, r->call_id);
			json_kv(out, false, "law", r->law);
			ctl_buf_printf(out, "}");
		}
		ctl_buf_printf(out, "]");
		free(rows);
		return json_done(out, n, shown);
	}
	ctl_buf_printf(out, "%-5s %-4s %-6s %-6s %s\n", "SPAN", "CH", "STATE", "CALL", "LAW");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_chan_row *r = &rows[i];
		char id[24] = "-";

		if (r->call_id)
			snprintf(id, sizeof(id), "%" PRIu64, r->call_id);
		ctl_buf_printf(out, "%-5u %-4u %-6s %-6s %s\n", r->span, r->chan, r->state, id,
			       r->law);
	}
	more_rows(out, n, shown);
	free(rows);
	return done(out);
}

/* cdr tail [N]: the last committed records. */
static int cdr_tail(const struct ctl_ops *ops, void *arg, unsigned max, bool json,
		    struct ctl_buf *out)
{
	struct cdr_rec *rows = calloc(CDR_TAIL_MAX, sizeof(*rows));
	int n;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->cdr_tail(arg, rows, max);
	if (n < 0) {
		free(rows);
		return ctl_cmd_error(out, "CDRs are off ([general] cdr_db)");
	}
	if (json)
		ctl_buf_printf(out, "{\"cdrs\":[");
	else
		ctl_buf_printf(out, "%-6s %-24s %-9s %-12s %-10s %-16s %-16s %-9s %-9s %-5s %s\n",
			       "ID", "START (UTC)", "DIR", "CHANNEL", "TRUNK", "CALLED", "CALLING",
			       "DURATION", "BILLED", "CAUSE", "BY");
	for (int i = 0; i < n; i++) {
		const struct cdr_rec *r = &rows[i];
		char start[CDR_TIME_LEN], t[CDR_TIME_LEN];

		cdr_format_time(r->start_us, start, sizeof(start));
		if (!json) {
			char dur[32], billed[32];

			format_duration((double)r->duration_ms, dur, sizeof(dur));
			format_duration((double)r->billsec_ms, billed, sizeof(billed));
			ctl_buf_printf(out, "%-6" PRIu64 " %-24s %-9s %-12s %-10s %-16s %-16s %-9s "
				       "%-9s %-5d %s\n", r->call_id, start, r->direction,
				       r->line[0] ? r->line : "-", r->trunk[0] ? r->trunk : "-",
				       r->called[0] ? r->called : "-",
				       r->calling[0] ? r->calling : "-", dur, billed, r->cause,
				       r->cleared_by[0] ? r->cleared_by : "-");
			continue;
		}
		ctl_buf_printf(out, "%s{\"call_id\":%" PRIu64, i ? "," : "", r->call_id);
		json_kv(out, false, "start_time", start);
		cdr_format_time(r->answer_us, t, sizeof(t));
		if (t[0])
			json_kv(out, false, "answer_time", t);
		cdr_format_time(r->end_us, t, sizeof(t));
		json_kv(out, false, "end_time", t);
		ctl_buf_printf(out, ",\"duration_ms\":%" PRId64 ",\"billsec_ms\":%" PRId64,
			       r->duration_ms, r->billsec_ms);
		json_kv(out, false, "direction", r->direction);
		if (r->span)
			ctl_buf_printf(out, ",\"span\":%u,\"channel\":%u", r->span, r->channel);
		json_kv(out, false, "line", r->line);
		json_kv(out, false, "trunk", r->trunk);
		json_kv(out, false, "called", r->called);
		json_kv(out, false, "calling", r->calling);
		json_kv(out, false, "presentation", r->presentation);
		json_kv(out, false, "sip_call_id", r->sip_call_id);
		ctl_buf_printf(out, ",\"cause\":%d", r->cause);
		json_kv(out, false, "cause_name", r->cause_name);
		ctl_buf_printf(out, ",\"sip_status\":%d", r->sip_status);
		json_kv(out, false, "cleared_by", r->cleared_by);
		json_kv(out, false, "codec", r->codec);
		if (r->have_rtp)
			ctl_buf_printf(out, ",\"rtp_sent\":%" PRIu64 ",\"rtp_received\":%" PRIu64
				       ",\"rtp_lost\":%" PRId64 ",\"jitter_ms\":%.1f,\"rtt_ms\":%.1f",
				       r->rtp_sent, r->rtp_received, r->rtp_lost, r->jitter_ms,
				       r->rtt_ms);
		if (r->have_fax) {
			json_kv(out, false, "fax", r->fax_transport);
			ctl_buf_printf(out, ",\"fax_pages\":%u,\"fax_rate\":%u,\"fax_ecm\":%s,"
				       "\"fax_code\":%d", r->fax_pages, r->fax_rate,
				       r->fax_ecm ? "true" : "false", r->fax_code);
		}
		ctl_buf_printf(out, "}");
	}
	free(rows);
	if (json) {
		ctl_buf_printf(out, "]");
		return json_done(out, 0, 0);
	}
	ctl_buf_printf(out, "%d record%s\n", n, n == 1 ? "" : "s");
	return done(out);
}

static int show_trunks(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_trunk_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n, shown;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->trunks(arg, rows, CTL_MAX_ROWS);
	shown = n < CTL_MAX_ROWS ? n : CTL_MAX_ROWS;
	if (json) {
		ctl_buf_printf(out, "{\"trunks\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_trunk_row *r = &rows[i];

			ctl_buf_printf(out, "%s{", i ? "," : "");
			json_kv(out, true, "name", r->name);
			json_kv(out, false, "proxy", r->proxy);
			json_kv(out, false, "transport", r->transport);
			json_kv(out, false, "registration", r->reg);
			if (r->options_up >= 0)
				ctl_buf_printf(out, ",\"options_up\":%s",
					       r->options_up ? "true" : "false");
			ctl_buf_printf(out, ",\"calls\":%u}", r->calls);
		}
		ctl_buf_printf(out, "]");
		free(rows);
		return json_done(out, n, shown);
	}
	ctl_buf_printf(out, "%-16s %-28s %-5s %-17s %-7s %s\n", "TRUNK", "PROXY", "TP",
		       "REGISTRATION", "OPTIONS", "CALLS");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_trunk_row *r = &rows[i];

		ctl_buf_printf(out, "%-16s %-28s %-5s %-17s %-7s %u\n", r->name, r->proxy,
			       r->transport, r->reg, updown(r->options_up), r->calls);
	}
	more_rows(out, n, shown);
	free(rows);
	return done(out);
}

static int show_ports(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_port_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n, shown;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->ports ? ops->ports(arg, rows, CTL_MAX_ROWS) : 0;
	shown = n < CTL_MAX_ROWS ? n : CTL_MAX_ROWS;
	if (json) {
		ctl_buf_printf(out, "{\"ports\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_port_row *r = &rows[i];
			char port[24];

			snprintf(port, sizeof(port), "%u:%u", r->span, r->pos);
			ctl_buf_printf(out, "%s{", i ? "," : "");
			json_kv(out, true, "port", port);
			json_kv(out, false, "kind", r->kind);
			json_kv(out, false, "number", r->number);
			json_kv(out, false, "hook", r->offhook ? "off" : "on");
			ctl_buf_printf(out, ",\"ringing\":%s", r->ringing ? "true" : "false");
			json_kv(out, false, "state", r->state);
			json_kv(out, false, "registration", r->reg);
			json_kv(out, false, "user", r->user);
			if (r->expires >= 0)
				ctl_buf_printf(out, ",\"expires\":%d", r->expires);
			ctl_buf_printf(out, ",\"call\":%llu}", (unsigned long long)r->call_id);
		}
		ctl_buf_printf(out, "]");
		free(rows);
		return json_done(out, n, shown);
	}
	ctl_buf_printf(out, "%-7s %-4s %-10s %-4s %-7s %-11s %-26s %s\n", "PORT", "KIND",
		       "NUMBER", "HOOK", "RINGING", "STATE", "REGISTRATION", "CALL");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_port_row *r = &rows[i];
		char port[24], reg[96], call[24];

		snprintf(port, sizeof(port), "%u:%u", r->span, r->pos);
		if (r->expires >= 0)
			snprintf(reg, sizeof(reg), "%s %s %ds", r->reg, r->user, r->expires);
		else if (r->user[0])
			snprintf(reg, sizeof(reg), "%s %s", r->reg, r->user);
		else
			snprintf(reg, sizeof(reg), "%s", r->reg);
		if (r->call_id)
			snprintf(call, sizeof(call), "%llu", (unsigned long long)r->call_id);
		else
			snprintf(call, sizeof(call), "-");
		ctl_buf_printf(out, "%-7s %-4s %-10s %-4s %-7s %-11s %-26s %s\n", port, r->kind,
			       r->number[0] ? r->number : "-", r->offhook ? "off" : "on",
			       r->ringing ? "yes" : "no", r->state, reg, call);
	}
	more_rows(out, n, shown);
	free(rows);
	return done(out);
}

static int show_routes(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_route_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n, shown, wname = 5, wfrom = 4, wmatch = 5, wto = 2;

	if (!rows)
		return ctl_cmd_error(out, "out of memory");
	n = ops->routes(arg, rows, CTL_MAX_ROWS);
	shown = n < CTL_MAX_ROWS ? n : CTL_MAX_ROWS;
	if (json) {
		ctl_buf_printf(out, "{\"routes\":[");
		for (unsigned i = 0; i < shown; i++) {
			const struct ctl_route_row *r = &rows[i];

			ctl_buf_printf(out, "%s{", i ? "," : "");
			json_kv(out, true, "name", r->name);
			json_kv(out, false, "from", r->from);
			json_kv(out, false, "match", r->match);
			ctl_buf_printf(out, ",\"to\":[");
			/* the list as written, one string per destination */
			char to[sizeof(r->to)], *save = NULL;
			snprintf(to, sizeof(to), "%s", r->to);
			bool first = true;
			for (char *t = strtok_r(to, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				while (*t == ' ')
					t++;
				ctl_buf_printf(out, "%s", first ? "" : ",");
				json_str(out, t);
				first = false;
			}
			ctl_buf_printf(out, "],\"strip\":%u", r->strip);
			json_kv(out, false, "prepend", r->prepend);
			ctl_buf_printf(out, ",\"calls\":%" PRIu64 "}", r->calls);
		}
		ctl_buf_printf(out, "]");
		free(rows);
		return json_done(out, n, shown);
	}
	/* Columns as wide as their longest value: names and lists vary a lot. */
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_route_row *r = &rows[i];
		unsigned l;

		if ((l = (unsigned)strlen(r->name)) > wname)
			wname = l;
		if ((l = (unsigned)strlen(r->from)) > wfrom)
			wfrom = l;
		if ((l = (unsigned)strlen(r->match)) > wmatch)
			wmatch = l;
		if ((l = (unsigned)strlen(r->to)) > wto)
			wto = l;
	}
	ctl_buf_printf(out, "%-*s %-*s %-*s %-*s %-5s %-8s %s\n", (int)wname, "ROUTE", (int)wfrom,
		       "FROM", (int)wmatch, "MATCH", (int)wto, "TO", "STRIP", "PREPEND", "CALLS");
	for (unsigned i = 0; i < shown; i++) {
		const struct ctl_route_row *r = &rows[i];

		ctl_buf_printf(out, "%-*s %-*s %-*s %-*s %-5u %-8s %" PRIu64 "\n", (int)wname,
			       r->name, (int)wfrom, r->from, (int)wmatch,
			       r->match[0] ? r->match : "*", (int)wto, r->to, r->strip,
			       r->prepend[0] ? r->prepend : "-", r->calls);
	}
	more_rows(out, n, shown);
	ctl_buf_printf(out, "%u route%s\n", n, n == 1 ? "" : "s");
	free(rows);
	return done(out);
}

static int reload(const struct ctl_ops *ops, void *arg, struct ctl_buf *out)
{
	char reply[2048] = "";

	if (!ops->reload)
		return ctl_cmd_error(out, "reload is not available");
	if (ops->reload(arg, reply, sizeof(reply)))
		return ctl_cmd_error(out, "%s", reply[0] ? reply : "reload failed");
	ctl_buf_printf(out, "%s\n", reply);
	return done(out);
}

/* span block|unblock N */
static int span_block(const struct ctl_ops *ops, void *arg, char **w, int n,
		      struct ctl_buf *out)
{
	uint64_t span;
	bool block;

	if (n != 3 || (strcmp(w[1], "block") && strcmp(w[1], "unblock")) ||
	    !parse_num(w[2], 1, 255, &span))
		return ctl_cmd_error(out, "usage: span block|unblock N");
	if (!ops->span_block)
		return ctl_cmd_error(out, "span block is not available");
	block = !strcmp(w[1], "block");
	switch (ops->span_block(arg, (unsigned)span, block)) {
	case 0:
		break;
	case ENOENT:
		return ctl_cmd_error(out, "no span %u running (see show spans)", (unsigned)span);
	case EINVAL:
		return ctl_cmd_error(out, "span %u is not a PRI span", (unsigned)span);
	default:
		return ctl_cmd_error(out, "span %u: cannot %s it", (unsigned)span, w[1]);
	}
	ctl_buf_printf(out, block ? "span %u blocked: no new calls; calls up finish\n" :
		       "span %u unblocked\n", (unsigned)span);
	return done(out);
}

static int show_status(const struct ctl_ops *ops, void *arg, bool json, struct ctl_buf *out)
{
	struct ctl_status st = { .dchan_up = "-" };

	ops->status(arg, &st);
	if (json) {
		ctl_buf_printf(out, "{\"calls\":%u,\"calls_created\":%" PRIu64 ",\"media_channels\":%u,"
			       "\"bchan_in_use\":%u,\"fds\":%u,\"sockets\":%u,\"dahdi_fds\":%u",
			       st.calls, st.calls_created, st.media_channels, st.bchan_in_use,
			       st.fds, st.sockets, st.dahdi_fds);
		json_kv(out, false, "dchan_up", st.dchan_up[0] ? st.dchan_up : "-");
		return json_done(out, 0, 0);
	}
	/* The status file's keys (gateway/status.h), one per line: easy to read and to grep. */
	ctl_buf_printf(out, "calls=%u\ncalls_created=%" PRIu64 "\nmedia_channels=%u\n"
		       "bchan_in_use=%u\nfds=%u\nsockets=%u\ndahdi_fds=%u\ndchan_up=%s\n",
		       st.calls, st.calls_created, st.media_channels, st.bchan_in_use, st.fds,
		       st.sockets, st.dahdi_fds, st.dchan_up[0] ? st.dchan_up : "-");
	return done(out);
}

/* A whole decimal number in [min, max]. */
static bool parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return false;
	*v = x;
	return true;
}

static int hangup(const struct ctl_ops *ops, void *arg, char **w, int n, struct ctl_buf *out)
{
	uint64_t id = 0, cause = 16;	/* Q.850 16: normal call clearing */
	bool all;
	int cleared;

	if (n < 2 || n > 3)
		return ctl_cmd_error(out, "usage: hangup CALLID|all [CAUSE]");
	all = !strcmp(w[1], "all");
	if (!all && !parse_num(w[1], 1, UINT64_MAX, &id))
		return ctl_cmd_error(out, "'%s' is not a call id (see show calls)", w[1]);
	if (n == 3 && !parse_num(w[2], 1, 127, &cause))
		return ctl_cmd_error(out, "'%s' is not a Q.850 cause (1..127)", w[2]);
	cleared = ops->hangup(arg, all, id, (int)cause);
	if (cleared < 0)
		return ctl_cmd_error(out, "no call %" PRIu64, id);
	ctl_buf_printf(out, "cleared %d call%s with cause %d\n", cleared, cleared == 1 ? "" : "s",
		       (int)cause);
	return done(out);
}

static int log_level(char **w, int n, struct ctl_buf *out)
{
	char spec[64], err[128];
	int lvl;

	if (n != 4)
		return ctl_cmd_error(out, "usage: log level SUBSYS|all LEVEL");
	lvl = log_level_parse(w[3]);
	if (lvl < 0)
		return ctl_cmd_error(out, "unknown level '%s' (error, warn, notice, info, debug)",
				     w[3]);
	if (!strcmp(w[2], "all")) {
		log_set_all((enum log_level)lvl);
	} else {
		if (log_ss_parse(w[2]) < 0) {
			char names[256];
			size_t k = 0;

			names[0] = '\0';
			for (int s = 0; s < LS_COUNT && k < sizeof(names); s++)
				k += (size_t)snprintf(names + k, sizeof(names) - k, "%s%s",
						      s ? " " : "", log_ss_name((enum log_ss)s));
			return ctl_cmd_error(out, "unknown subsystem '%s' (%s, all)", w[2], names);
		}
		snprintf(spec, sizeof(spec), "%s=%s", w[2], w[3]);
		if (log_set_levels(spec, err, sizeof(err)))
			return ctl_cmd_error(out, "%s", err);
	}
	ctl_buf_printf(out, "log level %s %s\n", w[2], log_level_name((enum log_level)lvl));
	return done(out);
}

/* trace on [all | trunk NAME | call ID] [file PATH] | trace off | trace */
static int trace(const struct ctl_ops *ops, void *arg, char **w, int n, struct ctl_buf *out)
{
	static const char usage[] = "usage: trace on [all | trunk NAME | call ID] [file PATH] | "
				    "trace off | trace";
	const char *scope = "all", *what = NULL, *path = NULL;
	char reply[512];
	int i = 2, err;

	if (!ops->trace)
		return ctl_cmd_error(out, "trace is not available");
	if (n == 1) {
		err = ops->trace(arg, false, NULL, NULL, NULL, reply, sizeof(reply));
	} else if (!strcmp(w[1], "off") && n == 2) {
		err = ops->trace(arg, false, "off", NULL, NULL, reply, sizeof(reply));
	} else if (!strcmp(w[1], "on")) {
		if (i < n && !strcmp(w[i], "all")) {
			i++;
		} else if (i + 1 < n && (!strcmp(w[i], "trunk") || !strcmp(w[i], "call"))) {
			scope = w[i];
			what = w[i + 1];
			i += 2;
		}
		if (i + 1 < n && !strcmp(w[i], "file")) {
			path = w[i + 1];
			i += 2;
		}
		if (i != n)
			return ctl_cmd_error(out, "%s", usage);
		err = ops->trace(arg, true, scope, what, path, reply, sizeof(reply));
	} else {
		return ctl_cmd_error(out, "%s", usage);
	}
	if (err)
		return ctl_cmd_error(out, "%s", reply);
	ctl_buf_printf(out, "%s\n", reply);
	return done(out);
}

static int help(struct ctl_buf *out)
{
	ctl_buf_printf(out,
		"show spans                 spans: alarm state, D-channel, B-channels in use\n"
		"show channels [span N]     B-channels: state, the call on each, law\n"
		"show calls                 calls: direction, state, channel, trunk, numbers, time,\n"
		"                           billed time (since the answer), codec, fax\n"
		"show trunks                SIP trunks: registration, OPTIONS keepalive, calls\n"
		"show status                resource counts (as in the SIGUSR1 status file)\n"
		"show routes                routes in the order tried: from, match, to, rewrite, calls\n"
		"show ports                 analog ports: hook, ringing, line state, SIP\n"
		"                           registration (user, seconds left), call\n"
		"reload                     read the configuration again (as SIGHUP) and say what\n"
		"                           changed, or why nothing did\n"
		"span block|unblock N       maintenance: no new calls on PRI span N either way\n"
		"hangup CALLID|all [CAUSE]  clear calls with a Q.850 cause (default 16)\n"
		"cdr tail [N]               the last N call records written (default 10)\n"
		"... --json                 a show or cdr reply as one line of JSON\n"
		"log level SUBSYS|all LEVEL set a log level (error warn notice info debug)\n"
		"trace on [all|trunk NAME|call ID] [file PATH]\n"
		"                           SIP messages into a pcap file (default trace_file)\n"
		"trace off | trace          stop it | what is traced\n"
		"help                       this list\n");
	return done(out);
}

int ctl_cmd_run(const struct ctl_ops *ops, void *arg, const char *line, struct ctl_buf *out)
{
	char copy[CTL_LINE_MAX], *w[MAX_WORDS], *save = NULL;
	int n = 0;

	if (strlen(line) >= sizeof(copy))
		return ctl_cmd_error(out, "request longer than %d bytes", CTL_LINE_MAX - 1);
	for (const char *p = line; *p; p++)
		if (!isprint((unsigned char)*p) && *p != '\t' && *p != '\r')
			return ctl_cmd_error(out, "request is not printable text (try help)");
	strcpy(copy, line);
	for (char *t = strtok_r(copy, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return ctl_cmd_error(out, "too many words (try help)");
		w[n++] = t;
	}
	/* --json anywhere: the same request, answered in JSON. */
	bool json = false;
	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "--json")) {
			json = true;
			memmove(&w[i], &w[i + 1], (size_t)(n - i - 1) * sizeof(w[0]));
			n--;
			i--;
		}
	}
	if (!n)
		return ctl_cmd_error(out, "empty request (try help)");
	if (n > MAX_WORDS - 1)
		return ctl_cmd_error(out, "too many words (try help)");
	if (!strcmp(w[0], "help") && n == 1)
		return help(out);
	if (!strcmp(w[0], "show") && n > 2 && (!strcmp(w[1], "spans") || !strcmp(w[1], "calls") ||
					       !strcmp(w[1], "trunks") || !strcmp(w[1], "status") ||
					       !strcmp(w[1], "routes") || !strcmp(w[1], "ports")))
		return ctl_cmd_error(out, "'show %s' takes no arguments", w[1]);
	if (!strcmp(w[0], "show") && n == 2) {
		if (!strcmp(w[1], "spans"))
			return show_spans(ops, arg, json, out);
		if (!strcmp(w[1], "calls"))
			return show_calls(ops, arg, json, out);
		if (!strcmp(w[1], "trunks"))
			return show_trunks(ops, arg, json, out);
		if (!strcmp(w[1], "ports"))
			return show_ports(ops, arg, json, out);
		if (!strcmp(w[1], "status"))
			return show_status(ops, arg, json, out);
		if (!strcmp(w[1], "routes")) {
			if (!ops->routes)
				return ctl_cmd_error(out, "show routes is not available");
			return show_routes(ops, arg, json, out);
		}
	}
	if (!strcmp(w[0], "reload")) {
		if (n != 1)
			return ctl_cmd_error(out, "'reload' takes no arguments");
		return reload(ops, arg, out);
	}
	if (!strcmp(w[0], "span"))
		return span_block(ops, arg, w, n, out);
	if (!strcmp(w[0], "show") && n >= 2 && !strcmp(w[1], "channels")) {
		uint64_t span = 0;

		if (!ops->channels)
			return ctl_cmd_error(out, "show channels is not available");
		if (n != 2 && (n != 4 || strcmp(w[2], "span") || !parse_num(w[3], 1, 255, &span)))
			return ctl_cmd_error(out, "usage: show channels [span N]");
		return show_channels(ops, arg, (unsigned)span, json, out);
	}
	if (!strcmp(w[0], "cdr") && n >= 2 && !strcmp(w[1], "tail")) {
		uint64_t max = 10;

		if (!ops->cdr_tail)
			return ctl_cmd_error(out, "cdr tail is not available");
		if (n > 3 || (n == 3 && !parse_num(w[2], 1, CDR_TAIL_MAX, &max)))
			return ctl_cmd_error(out, "usage: cdr tail [N] (N 1..%d)", CDR_TAIL_MAX);
		return cdr_tail(ops, arg, (unsigned)max, json, out);
	}
	if (!strcmp(w[0], "hangup"))
		return hangup(ops, arg, w, n, out);
	if (!strcmp(w[0], "log") && n >= 2 && !strcmp(w[1], "level"))
		return log_level(w, n, out);
	if (!strcmp(w[0], "trace"))
		return trace(ops, arg, w, n, out);
	if (n >= 2 && (!strcmp(w[0], "show") || !strcmp(w[0], "log") || !strcmp(w[0], "cdr")))
		return ctl_cmd_error(out, "unknown command '%s %s' (try help)", w[0], w[1]);
	return ctl_cmd_error(out, "unknown command '%s' (try help)", w[0]);
}
