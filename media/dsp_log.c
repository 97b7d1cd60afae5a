/* SpanDSP's process-wide message and error handlers, routed into our log. */
#include "media/dsp_log.h"

#include "common/log.h"

#include <spandsp.h>
#include <string.h>

static void dsp_line(const char *text, enum log_level level)
{
	size_t n = strlen(text);

	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	if (n)
		LOG_AT(LS_DSP, level, "%.*s", (int)n, text);
}

static void dsp_message_cb(int level, const char *text)
{
	dsp_line(text, level <= SPAN_LOG_WARNING ? LL_WARN : LL_DEBUG);
}

static void dsp_error_cb(const char *text)
{
	dsp_line(text, LL_ERROR);
}

void dsp_log_init(void)
{
	span_set_message_handler(dsp_message_cb);
	span_set_error_handler(dsp_error_cb);
}
