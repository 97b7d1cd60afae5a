/* V.21 channel 2 + HDLC → t30_observe (T.30 §5.3.1: control at 300 bit/s, V.21 ch. 2). */
#include "media/v21_listen.h"

#include <errno.h>
#include <string.h>

#include <spandsp.h>

#include "media/t30_observe.h"

/* T.30 §5.3.1: a preamble of flags for 1 s precedes the first frame; SpanDSP's own T.30
 * receiver wants 5 flags before it trusts the framing. */
enum { FRAMING_OK_FLAGS = 5 };
/* V.21 framing comes within 5 flags (133 ms) of the carrier; a carrier without it for 0.5 s
 * is a high-speed modem. CHUNK: samples per fsk_rx call, the resolution of that timing. */
enum { IMAGE_SAMPLES = 4000, CHUNK = 160 };

/* fsk_rx's bit sink has a void * context; hdlc_rx_put_bit takes its own state type. */
static void put_bit(void *arg, int bit)
{
	hdlc_rx_put_bit(arg, bit);
}

/* len < 0 is a status (carrier up/down, framing OK), not a frame. */
static void on_frame(void *arg, const uint8_t *pkt, int len, int ok)
{
	struct v21_listen *l = arg;

	if (len < 0) {
		/* SpanDSP statuses: the FSK carrier detector and the HDLC framing */
		if (len == SIG_STATUS_CARRIER_UP) {
			l->carrier = true;
			l->carrier_samples = 0;
		} else if (len == SIG_STATUS_CARRIER_DOWN || len == SIG_STATUS_FRAMING_OK) {
			l->carrier = false;
		}
		return;
	}
	if (ok)
		l->frames_ok++;
	else
		l->frames_bad++;
	t30_observe_frame(l->obs, l->from_tdm, pkt, (size_t)len, ok != 0);
}

int v21_listen_init(struct v21_listen *l, struct t30_observe *o, bool from_tdm)
{
	if (!l || !o)
		return EINVAL;
	memset(l, 0, sizeof(*l));
	l->obs = o;
	l->from_tdm = from_tdm;
	hdlc_rx_state_t *h = hdlc_rx_init(NULL, false, true, FRAMING_OK_FLAGS, on_frame, l);
	if (!h)
		return ENOMEM;
	fsk_rx_state_t *f = fsk_rx_init(NULL, &preset_fsk_specs[FSK_V21CH2],
					FSK_FRAME_MODE_SYNC,
					put_bit, h);
	if (!f) {
		hdlc_rx_free(h);
		return ENOMEM;
	}
	l->hdlc = h;
	l->fsk = f;
	return 0;
}

void v21_listen_release(struct v21_listen *l)
{
	if (!l)
		return;
	if (l->fsk)
		fsk_rx_free(l->fsk);
	if (l->hdlc)
		hdlc_rx_free(l->hdlc);
	l->fsk = NULL;
	l->hdlc = NULL;
}

void v21_listen_audio(struct v21_listen *l, const int16_t *amp, size_t n)
{
	while (n > 0) {
		int chunk = n > CHUNK ? CHUNK : (int)n;

		fsk_rx(l->fsk, amp, chunk);
		amp += chunk;
		n -= (size_t)chunk;
		if (l->carrier && l->carrier_samples < IMAGE_SAMPLES) {
			l->carrier_samples += (unsigned)chunk;
			if (l->carrier_samples >= IMAGE_SAMPLES) {
				l->images++;
				t30_observe_image(l->obs);
			}
		}
	}
}
