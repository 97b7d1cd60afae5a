/* Call progress tones by frequency and cadence: the zone's tones written as libtonezone writes
 * them, and a detector that recognises one of them in 8 kHz linear audio (a DFT bin per
 * frequency on 20 ms blocks). Used for FXO disconnect supervision (busy/reorder/congestion)
 * and by the simulator's phone to check dial tone, ringback and busy. Pure, no I/O. */
#ifndef STROWGER_MEDIA_TONE_DETECT_H
#define STROWGER_MEDIA_TONE_DETECT_H

#include <stddef.h>
#include <stdint.h>

/* One tone of a zone, as libtonezone writes it: "480+620/500,0/500" (freq[+freq][/ms], ... ;
 * a leading '!' on an element = play once, "0" = silence; a missing /ms = continuous). */
struct tone_spec;
int tone_spec_parse(const char *text, struct tone_spec **out);	/* 0 or -EINVAL */
void tone_spec_free(struct tone_spec *ts);

/* A detector for one tone spec: feed 8 kHz linear audio; it reports whether the tone is
 * present (frequencies within +-2 %, twist, level above -35 dBm0) and, for a cadenced tone,
 * when `cycles` on/off cycles matched the spec's cadence within +-20 % (or 50 ms).
 * Durations are measured in 20 ms blocks. Which part is matched: the repeated elements'
 * cadence when they have durations (busy, reorder, ringback; only whole on/off runs count,
 * not one cut by the start of listening); else a steady tone after 500 ms (dial tone, also
 * after a '!' stutter); else the '!' elements in order, once (the SIT "!950/330,...,0").
 * f1*f2 (amplitude modulated) is listened for as f1. cycles 0 is taken as 1; more than the
 * detector remembers (8 cycles of a 16-element cadence) is -EINVAL. A cadence is recognised
 * at the earliest when the last run of its cycles is long enough: US busy with 2 cycles about
 * 1.9 s after it began, ringback 2 s on / 4 s off with 1 cycle about 5.2 s. */
struct tone_detect;
int tone_detect_new(struct tone_detect **out, const struct tone_spec *ts, unsigned cycles);
/* 1 when the tone (and its cadence, cycles times) has been recognised since the last reset,
 * else 0 (-EINVAL for bad arguments). Any n. */
int tone_detect_feed(struct tone_detect *td, const int16_t *samples, size_t n);
void tone_detect_reset(struct tone_detect *td);
void tone_detect_free(struct tone_detect *td);
/* A detector straight from the text: "" gives none (*out NULL). Returns 0, EINVAL (a tone
 * that does not parse, or nothing to listen for) or ENOMEM (positive: the stages' errors). */
int tone_detect_from_text(struct tone_detect **out, const char *text, unsigned cycles);

/* Measure the strongest frequency present in a block (for tests checking "is this 350+440?"):
 * returns the energy in dBm0 at freq, so a caller can check presence of each frequency.
 * The level of a sine at freq (a DFT bin over all n samples: about 8000/n Hz wide); -120
 * for nothing. */
double tone_level_dbm0(const int16_t *samples, size_t n, double freq);
/* The block's mean power in dBm0 on the same scale (a full-scale sine +3.14); -120 for
 * nothing. */
double tone_power_dbm0(const int16_t *samples, size_t n);

#endif
