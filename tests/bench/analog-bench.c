/* analog-bench: CPU per 20 ms frame of the analog line's listeners, the caller-ID decoder
 * (callerid_rx_feed) and the call-progress tone detector (tone_detect_feed), as an FXO port
 * runs them on every frame between rings or while waiting for disconnect supervision. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/callerid.h"
#include "media/tone_detect.h"

enum { FRAME = 160, SECONDS = 20, FRAMES = SECONDS * 50 };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	fprintf(stderr, "analog-bench: %s\n", what);
	exit(1);
}

/* SECONDS of audio: the caller-ID signal every 6 s (a ring cycle), silence between. */
static void callerid_audio(enum callerid_std std, int16_t *audio)
{
	struct callerid id = { .mwi = -1 };
	size_t max = callerid_max_samples();
	int16_t *sig = calloc(max, sizeof(*sig));

	if (!sig)
		die("out of memory");
	snprintf(id.number, sizeof(id.number), "6095551212");
	snprintf(id.name, sizeof(id.name), "DOE JOHN");
	snprintf(id.datetime, sizeof(id.datetime), "09301224");
	int n = callerid_render(std, &id, sig, max);
	if (n < 0)
		die("callerid_render");
	memset(audio, 0, (size_t)FRAMES * FRAME * sizeof(*audio));
	for (size_t at = 8000; at + (size_t)n < (size_t)FRAMES * FRAME; at += 6 * 8000)
		memcpy(audio + at, sig, (size_t)n * sizeof(*sig));
	free(sig);
}

static void bench_callerid(enum callerid_std std, int16_t *audio)
{
	struct callerid_rx *rx;
	unsigned got = 0;

	callerid_audio(std, audio);
	if (callerid_rx_new(&rx, std))
		die("callerid_rx_new");
	double t0 = now_us();
	for (unsigned f = 0; f < FRAMES; f++)
		got += callerid_rx_feed(rx, audio + f * FRAME, FRAME) == 1;
	double us = (now_us() - t0) / FRAMES;
	callerid_rx_free(rx);
	printf("  callerid_rx_feed %-8s %6.2f us per 20 ms frame (%u messages decoded)\n",
	       callerid_std_name(std), us, got);
}

/* Busy tone (480+620 0.5/0.5) at -24 dBm0 per tone, detector for busy, 2 cycles, and for the
 * US dial tone: the cost is the same whether the tone is there or not (every block is
 * measured at each frequency). */
static void bench_tone(const char *name, const char *spec, int16_t *audio)
{
	struct tone_spec *ts;
	struct tone_detect *td;
	unsigned hits = 0;

	if (tone_spec_parse(spec, &ts) || tone_detect_new(&td, ts, 2))
		die("tone_detect_new");
	tone_spec_free(ts);
	double t0 = now_us();
	for (unsigned f = 0; f < FRAMES; f++)
		hits += tone_detect_feed(td, audio + f * FRAME, FRAME) == 1;
	double us = (now_us() - t0) / FRAMES;
	tone_detect_free(td);
	printf("  tone_detect_feed %-8s %6.2f us per 20 ms frame (recognised in %u frames)\n", name,
	       us, hits);
}

int main(void)
{
	int16_t *audio = malloc((size_t)FRAMES * FRAME * sizeof(*audio));

	if (!audio)
		die("out of memory");
	printf("analog-bench: %d s of 8 kHz audio in 20 ms frames, thread CPU time\n", SECONDS);
	bench_callerid(CALLERID_BELL202, audio);
	bench_callerid(CALLERID_V23, audio);
	bench_callerid(CALLERID_DTMF, audio);

	double a = 32767.0 * pow(10, (-24 - 3.14) / 20);
	for (unsigned i = 0; i < FRAMES * FRAME; i++) {
		bool on = (i / 4000) % 2 == 0;
		audio[i] = on ? (int16_t)lrint(a * (sin(2 * M_PI * 480 * i / 8000.0) +
						    sin(2 * M_PI * 620 * i / 8000.0)))
			      : 0;
	}
	bench_tone("busy", "480+620/500,0/500", audio);
	bench_tone("dial", "350+440", audio);
	bench_tone("sit", "!950/330,!1400/330,!1800/330,0", audio);
	free(audio);
	return 0;
}
