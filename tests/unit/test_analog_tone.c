/* tdm/analog: how long a libtonezone tone sounds before its first long pause (the call-waiting
 * tone an FXS port plays before the CAS of type II caller ID), from definitions as written and
 * from libtonezone's own zones. */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tdm/analog.h"

Test(analog_tone, burst_of_definitions)
{
	cr_expect_eq(analog_tone_burst_ms("440/300,0/10000"), 300);
	/* two bursts with a short gap, then the long pause (German call waiting) */
	cr_expect_eq(analog_tone_burst_ms("!425/200,!0/200,!425/200,!0/5000"), 600);
	cr_expect_eq(analog_tone_burst_ms("400/100,0/4000"), 100);
	/* no long pause: the whole definition */
	cr_expect_eq(analog_tone_burst_ms("440/300,0/500"), 800);
	cr_expect_eq(analog_tone_burst_ms("480+620/500,0/500"), 1000);
	/* a pause of 1 s is long; a frequency starting with 0 is no silence */
	cr_expect_eq(analog_tone_burst_ms("440/300,0/1000,440/300"), 300);
	cr_expect_eq(analog_tone_burst_ms("0/1000,440/300"), 0);
}

Test(analog_tone, unreadable_or_continuous)
{
	cr_expect_eq(analog_tone_burst_ms(NULL), 0);
	cr_expect_eq(analog_tone_burst_ms(""), 0);
	cr_expect_eq(analog_tone_burst_ms("350+440"), 0, "continuous dial tone");
	cr_expect_eq(analog_tone_burst_ms("440/x,0/100"), 0);
	cr_expect_eq(analog_tone_burst_ms("440/300,350+440"), 0, "a continuous part");
	cr_expect_eq(analog_tone_burst_ms("440/99999"), 0);
}

Test(analog_tone, zones_call_waiting)
{
	const char *us = analog_zone_tone("us", ANALOG_TONE_CALLWAIT);
	const char *de = analog_zone_tone("de", ANALOG_TONE_CALLWAIT);

	cr_assert_not_null(us, "libtonezone has no US call-waiting tone");
	cr_expect_eq(analog_tone_burst_ms(us), 300, "us: %s", us);	/* GR-506: 440 Hz, 300 ms */
	cr_assert_not_null(de);
	unsigned ms = analog_tone_burst_ms(de);
	cr_expect(ms >= 100 && ms < 1000, "de: %s -> %u ms", de, ms);
	cr_expect_null(analog_zone_tone("xx", ANALOG_TONE_CALLWAIT));
}

/* Energy at f over x[0..n) relative to the whole (Goertzel; 1.0: all of it at f). */
static double share_at(const int16_t *x, size_t n, double f)
{
	double c = 2.0 * cos(2.0 * M_PI * f / 8000.0), s1 = 0, s2 = 0, e = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
		e += (double)x[i] * x[i];
	}
	return e > 0 ? (s1 * s1 + s2 * s2 - c * s1 * s2) / (e * n / 2.0) : 0;
}

Test(analog_tone, render)
{
	int16_t buf[8000];

	cr_assert_eq(analog_tone_render("440/300,0/10000", buf, 8000), 2400);
	cr_expect_gt(share_at(buf, 2400, 440), 0.9);
	cr_expect_lt(share_at(buf, 2400, 480), 0.1);
	/* two frequencies, a short gap of silence, the second burst */
	cr_assert_eq(analog_tone_render("!440+480/100,!0/100,!440+480/100,!0/5000", buf, 8000), 2400);
	cr_expect_gt(share_at(buf, 800, 440), 0.3);
	cr_expect_gt(share_at(buf, 800, 480), 0.3);
	for (size_t i = 800; i < 1600; i++)
		cr_assert_eq(buf[i], 0, "sample %zu of the gap", i);
	cr_expect_gt(share_at(buf + 1600, 800, 440), 0.3);
	/* -16 dBm0 per frequency: peak 32767 * 10^(-19.14 / 20), about 3615, for one */
	int16_t peak = 0;
	cr_assert_eq(analog_tone_render("1000/100", buf, 8000), 800);
	for (size_t i = 0; i < 800; i++)
		if (buf[i] > peak)
			peak = buf[i];
	cr_expect(peak > 3500 && peak < 3700, "peak %d", peak);
	cr_expect_eq(analog_tone_render("440/300", buf, 100), -ENOSPC);
	cr_expect_eq(analog_tone_render("350+440", buf, 8000), -EINVAL);
	cr_expect_eq(analog_tone_render(NULL, buf, 8000), -EINVAL);
}
