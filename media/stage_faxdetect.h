/* Fax tone detection on the B-channel (voice mode, before the switch to T.38 or fax
 * pass-through): CNG, the caller's 1100 Hz (ITU-T T.30 §5.2.1), CED/ANS, the answerer's
 * 2100 Hz (T.30 §5.2.2, V.25), and the V.21 HDLC preamble (flags at 300 bit/s, T.30 §5.3.1)
 * of a machine that answers without CED. SpanDSP's modem_connect_tones_rx does the work.
 * Each kind is reported once. I/O-free: linear frames in, new tones out. */
#ifndef STROWGER_MEDIA_STAGE_FAXDETECT_H
#define STROWGER_MEDIA_STAGE_FAXDETECT_H

#include <stdint.h>

#include "media/engine.h"

#define STAGE_FAXDETECT_MAX 3	/* kinds: CNG, CED, V.21 */

struct modem_connect_tones_rx_state_s;

struct stage_faxdetect {
	struct modem_connect_tones_rx_state_s *cng, *ced;	/* NULL once reported */
	unsigned raised;		/* bit (1 << enum media_fax_tone) per kind reported */
	unsigned n;			/* new this frame (callback → frame) */
	enum media_fax_tone tone[STAGE_FAXDETECT_MAX];
};

/* Return 0 or ENOMEM. */
int stage_faxdetect_init(struct stage_faxdetect *s);
void stage_faxdetect_release(struct stage_faxdetect *s);

/* One frame of n linear samples; the kinds detected for the first time go into tone[],
 * their count is returned. */
unsigned stage_faxdetect_frame(struct stage_faxdetect *s, const int16_t *lin, unsigned n,
			       enum media_fax_tone tone[STAGE_FAXDETECT_MAX]);

#endif
