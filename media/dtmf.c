/* DTMF detection through SpanDSP's dtmf_rx, adapted to start/end events at one seam. */
#include "media/dtmf.h"

#include <errno.h>
#include <spandsp.h>
#include <stdlib.h>

#define MAX_PENDING 8

struct dtmf_det {
	dtmf_rx_state_t *rx;
	struct dtmf_det_event pending[MAX_PENDING];
	unsigned npending;
	char current;		/* digit in progress, or 0 */
};

/* SpanDSP's realtime callback: the digit on a confirmed start, 0 on its end. */
static void on_tone(void *arg, int code, int level, int delay)
{
	struct dtmf_det *d = arg;

	(void)level;
	(void)delay;
	if (code) {
		if (d->current && d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ d->current, true };
		d->current = (char)code;
		if (d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ (char)code, false };
	} else if (d->current) {
		if (d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ d->current, true };
		d->current = 0;
	}
}

int dtmf_det_alloc(struct dtmf_det **dp)
{
	struct dtmf_det *d = calloc(1, sizeof(*d));

	if (!d)
		return ENOMEM;
	d->rx = dtmf_rx_init(NULL, NULL, NULL);
	if (!d->rx) {
		free(d);
		return ENOMEM;
	}
	dtmf_rx_set_realtime_callback(d->rx, on_tone, d);
	*dp = d;
	return 0;
}

void dtmf_det_free(struct dtmf_det *d)
{
	if (!d)
		return;
	dtmf_rx_free(d->rx);
	free(d);
}

unsigned dtmf_det_process(struct dtmf_det *d, const int16_t *amp, int n,
			  struct dtmf_det_event *ev, unsigned max, bool *tone)
{
	unsigned k;

	d->npending = 0;
	(void)dtmf_rx(d->rx, amp, n);
	if (tone)
		*tone = d->current || d->npending || dtmf_rx_status(d->rx) != 0;
	k = d->npending < max ? d->npending : max;
	for (unsigned i = 0; i < k; i++)
		ev[i] = d->pending[i];
	return k;
}

static const char event_digits[16] = "0123456789*#ABCD";

int dtmf_digit_to_event(char digit)
{
	for (int i = 0; i < 16; i++)
		if (event_digits[i] == digit)
			return i;
	if (digit >= 'a' && digit <= 'd')
		return 12 + digit - 'a';
	return -1;
}

char dtmf_event_to_digit(int event)
{
	return event >= 0 && event < 16 ? event_digits[event] : 0;
}
