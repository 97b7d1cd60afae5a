/* Process-wide set-up of libpri: its messages go to our log under "pri". */
#include "tdm/tdm.h"

#include "common/log.h"
#include "tdm/pri.h"

#include <libpri.h>
#include <string.h>

/* libpri hands over lines with their newline, sometimes in pieces; strip the newline. */
static void pri_line(struct pri *pri, char *s, enum log_level level)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	unsigned span = pri_ctrl_span(pri);
	if (n && span)
		LOG_AT(LS_PRI, level, "span %u: %.*s", span, (int)n, s);
	else if (n)
		LOG_AT(LS_PRI, level, "%.*s", (int)n, s);
}

static void pri_message_cb(struct pri *pri, char *s)
{
	pri_ctrl_message(pri, s);
	pri_line(pri, s, LL_DEBUG);
}

static void pri_error_cb(struct pri *pri, char *s)
{
	pri_line(pri, s, LL_WARN);
}

void tdm_log_init(void)
{
	pri_set_message(pri_message_cb);
	pri_set_error(pri_error_cb);
}
