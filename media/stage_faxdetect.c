/* Fax tone detection: see stage_faxdetect.h. */
#include "media/stage_faxdetect.h"

#include <errno.h>
#include <string.h>

#include <spandsp.h>

static void found(struct stage_faxdetect *s, enum media_fax_tone t)
{
	unsigned bit = 1u << t;

	if (s->raised & bit || s->n >= STAGE_FAXDETECT_MAX)
		return;
	s->raised |= bit;
	s->tone[s->n++] = t;
}

/* SpanDSP reports a tone when it is confirmed (CNG: 500 ms of 1100 Hz; ANS: 2100 Hz held;
 * preamble: a run of V.21 flags), and MODEM_CONNECT_TONES_NONE when it ends. */
static void on_tone(void *arg, int code, int level, int delay)
{
	struct stage_faxdetect *s = arg;

	(void)level;
	(void)delay;
	switch (code) {
	case MODEM_CONNECT_TONES_FAX_CNG:
		found(s, MEDIA_FAX_CNG);
		break;
	case MODEM_CONNECT_TONES_ANS:
	case MODEM_CONNECT_TONES_ANS_PR:
	case MODEM_CONNECT_TONES_ANSAM:
	case MODEM_CONNECT_TONES_ANSAM_PR:
		found(s, MEDIA_FAX_CED);
		break;
	case MODEM_CONNECT_TONES_FAX_PREAMBLE:
		found(s, MEDIA_FAX_V21);
		break;
	default:
		break;
	}
}

int stage_faxdetect_init(struct stage_faxdetect *s)
{
	memset(s, 0, sizeof *s);
	s->cng = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CNG, on_tone, s);
	s->ced = modem_connect_tones_rx_init(NULL, MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE,
					     on_tone, s);
	if (!s->cng || !s->ced) {
		stage_faxdetect_release(s);
		return ENOMEM;
	}
	return 0;
}

void stage_faxdetect_release(struct stage_faxdetect *s)
{
	if (s->cng)
		modem_connect_tones_rx_free(s->cng);
	if (s->ced)
		modem_connect_tones_rx_free(s->ced);
	s->cng = s->ced = NULL;
}

unsigned stage_faxdetect_frame(struct stage_faxdetect *s, const int16_t *lin, unsigned n,
			       enum media_fax_tone tone[STAGE_FAXDETECT_MAX])
{
	const unsigned both = 1u << MEDIA_FAX_CED | 1u << MEDIA_FAX_V21;

	s->n = 0;
	if (s->cng)
		(void)modem_connect_tones_rx(s->cng, lin, (int)n);
	if (s->ced)
		(void)modem_connect_tones_rx(s->ced, lin, (int)n);
	/* A detector whose kinds are all reported has nothing left to say. */
	if (s->cng && s->raised & 1u << MEDIA_FAX_CNG) {
		modem_connect_tones_rx_free(s->cng);
		s->cng = NULL;
	}
	if (s->ced && (s->raised & both) == both) {
		modem_connect_tones_rx_free(s->ced);
		s->ced = NULL;
	}
	memcpy(tone, s->tone, s->n * sizeof *tone);
	return s->n;
}
