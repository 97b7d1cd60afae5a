/* Test signal source for the line supervision stages: tones with continuous phase at a
 * level in dBm0 (a full-scale sine is +3.14 dBm0), 20 ms (160 samples) a frame. */
#ifndef STROWGER_TESTS_UNIT_TONE_SRC_H
#define STROWGER_TESTS_UNIT_TONE_SRC_H

#include <math.h>
#include <stdint.h>

struct src {
	double ph1, ph2;
	unsigned seed;
	unsigned long t;	/* [samples] */
};

/* f1, f2: 0 = none */
static inline void tone_frame(struct src *g, int16_t *out, double f1, double f2, double dbm0)
{
	double a = 32767.0 * pow(10, (dbm0 - 3.14) / 20);

	for (unsigned i = 0; i < 160; i++, g->t++) {
		double v = f1 > 0 ? a * sin(g->ph1) : 0;

		if (f2 > 0)
			v += a * sin(g->ph2);
		g->ph1 += 2 * M_PI * f1 / 8000;
		g->ph2 += 2 * M_PI * f2 / 8000;
		out[i] = (int16_t)lrint(v);
	}
}

#endif
