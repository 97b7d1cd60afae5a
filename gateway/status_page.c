/* The status page (gateway/status_page.h): the HTML built in, the document it polls. */
#include "gateway/status_page.h"

#include "gateway/cdr.h"

#include <inttypes.h>
#include <string.h>

/* The HTML file itself, assembled into read-only data (gateway/module.mk makes this object
 * depend on it): the page stays a file a web developer can open and edit. */
__asm__(".section .rodata\n"
	".global status_page_html\n"
	".type status_page_html, @object\n"
	"status_page_html:\n"
	".incbin \"gateway/status_page.html\"\n"
	".byte 0\n"
	".size status_page_html, . - status_page_html\n"
	".previous\n");

void status_history_count(struct status_history *h, const struct cdr_rec *r)
{
	int64_t minute = r->end_us / 1000000 / 60 * 60;
	struct status_minute *m = &h->m[(minute / 60) % STATUS_HISTORY_MIN];

	if (minute <= 0 || m->minute > minute)
		return;		/* older than the hour the slot now holds */
	if (m->minute != minute)
		*m = (struct status_minute){ .minute = minute };
	m->calls++;
	if (r->answer_us)
		m->answered++;
	if (r->have_rtp) {
		m->rtp_received += r->rtp_received;
		m->rtp_lost += r->rtp_lost > 0 ? (uint64_t)r->rtp_lost : 0;
	}
}

/* A control command's JSON reply, its two closing newlines dropped, as the value of key. */
static void show(const struct ctl_ops *ops, void *arg, const char *key, const char *cmd,
		 struct ctl_buf *out)
{
	struct ctl_buf reply = { 0 };

	ctl_buf_printf(out, ",\"%s\":", key);
	if (ctl_cmd_run(ops, arg, cmd, &reply) || reply.failed || !reply.len ||
	    reply.data[0] != '{') {
		ctl_buf_printf(out, "null");
	} else {
		while (reply.len && reply.data[reply.len - 1] == '\n')
			reply.len--;
		ctl_buf_printf(out, "%.*s", (int)reply.len, reply.data);
	}
	ctl_buf_free(&reply);
}

void status_page_json(const struct ctl_ops *ops, void *arg, const struct status_history *h,
		      int64_t now_s, struct ctl_buf *out)
{
	int64_t first = now_s / 60 * 60 - (STATUS_HISTORY_MIN - 1) * 60;

	ctl_buf_printf(out, "{\"time\":%" PRId64, now_s);
	show(ops, arg, "show_spans", "show spans --json", out);
	show(ops, arg, "show_channels", "show channels --json", out);
	show(ops, arg, "show_trunks", "show trunks --json", out);
	show(ops, arg, "show_calls", "show calls --json", out);
	ctl_buf_printf(out, ",\"history\":[");
	for (int i = 0; i < STATUS_HISTORY_MIN; i++) {
		int64_t minute = first + i * 60;
		const struct status_minute *m = &h->m[(minute / 60) % STATUS_HISTORY_MIN];
		struct status_minute none = { 0 };

		if (m->minute != minute)
			m = &none;
		ctl_buf_printf(out, "%s{\"minute\":%" PRId64 ",\"calls\":%u,\"answered\":%u,"
			       "\"rtp_received\":%" PRIu64 ",\"rtp_lost\":%" PRIu64 "}",
			       i ? "," : "", minute, m->calls, m->answered, m->rtp_received,
			       m->rtp_lost);
	}
	ctl_buf_printf(out, "]}\n");
}
