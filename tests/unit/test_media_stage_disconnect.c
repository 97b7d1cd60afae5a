/* media/stage_disconnect: FXO disconnect supervision. The zone's busy and congestion tones
 * are recognised in their cadence (each as itself, not the other), speech and dial tone are
 * not taken for them, silence is timed and reported again after each timeout, and the
 * pipeline raises MEDIA_EV_DISCONNECT from G.711 frames of the B-channel. */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "media/g711.h"
#include "media/pipe.h"
#include "media/stage_disconnect.h"
#include "tone_src.h"

/* The US zone as libtonezone writes it */
#define US_BUSY "480+620/500,0/500"
#define US_CONGESTION "480+620/250,0/250"

/* Low-passed noise gated at syllable rate, pauses under 0.5 s: talk. */
static void speech_frame(struct src *g, int16_t *out, double dbm0)
{
	static double y;
	double a = 32767.0 * pow(10, (dbm0 - 3.14) / 20) * 3;

	for (unsigned i = 0; i < 160; i++, g->t++) {
		g->seed = g->seed * 1103515245u + 12345u;
		double w = (double)(g->seed >> 8 & 0xffff) / 32768.0 - 1.0;
		y += 0.55 * (w - y);
		double env = 0.5 + 0.5 * sin(2 * M_PI * 4.0 * (double)g->t / 8000);
		if ((g->t / 3600) % 5 == 4)
			env = 0.05;
		double v = a * y * env;
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

enum what { SPEECH, BUSY, CONGESTION, SILENCE, HISS, DIAL };

/* [ms] of `what` from a source already running; each frame's result in seen[], the time
 * of the first one that is not NONE into *at (-1: none). */
static void run(struct stage_disconnect *s, struct src *g, enum what w, unsigned ms,
		unsigned seen[4], long *at)
{
	int16_t f[160];

	for (unsigned k = 0; k < ms / 20; k++) {
		unsigned long ph = g->t / 8;	/* [ms] since the source began */
		switch (w) {
		case SPEECH: speech_frame(g, f, -20); break;
		case BUSY: tone_frame(g, f, (ph / 500) % 2 ? 0 : 480, (ph / 500) % 2 ? 0 : 620, -24); break;
		case CONGESTION: tone_frame(g, f, (ph / 250) % 2 ? 0 : 480, (ph / 250) % 2 ? 0 : 620, -24); break;
		case SILENCE: memset(f, 0, sizeof f); g->t += 160; break;
		case HISS:
			for (unsigned i = 0; i < 160; i++, g->t++) {
				g->seed = g->seed * 1103515245u + 12345u;
				f[i] = (int16_t)((int)(g->seed >> 16 & 15) - 8);	/* ~ -67 dBm0 */
			}
			break;
		case DIAL: tone_frame(g, f, 350, 440, -13); break;
		}
		enum media_disconnect d = stage_disconnect_frame(s, f, 160);
		cr_assert(d <= MEDIA_DISC_SILENCE);
		seen[d]++;
		if (d && at && *at < 0)
			*at = (long)k * 20 + 20;
	}
}

static void init(struct stage_disconnect *s, const char *busy, const char *cong, unsigned silence_ms)
{
	struct media_line_sup sup = { .silence_ms = silence_ms };

	snprintf(sup.busy, sizeof sup.busy, "%s", busy);
	snprintf(sup.congestion, sizeof sup.congestion, "%s", cong);
	cr_assert_eq(stage_disconnect_init(s, &sup), 0);
}

Test(media_stage_disconnect, busy_tone_after_its_cycles)
{
	struct stage_disconnect s;
	struct src g = { .seed = 1 };
	unsigned seen[4] = { 0 };
	long at = -1;

	init(&s, US_BUSY, US_CONGESTION, 0);
	run(&s, &g, SPEECH, 3000, seen, &at);
	cr_expect_eq(at, -1, "speech is not busy tone (seen at %ld ms)", at);
	g.t = 0;	/* the tone's cadence from its start */
	run(&s, &g, BUSY, 8000, seen, &at);
	cr_expect(seen[MEDIA_DISC_BUSY] >= 3 && seen[MEDIA_DISC_BUSY] <= 4,
		  "busy every 2 cycles: 3 or 4 times in 8 s, not %u", seen[MEDIA_DISC_BUSY]);
	cr_expect_eq(seen[MEDIA_DISC_CONGESTION], 0, "busy is not congestion");
	cr_expect_eq(seen[MEDIA_DISC_SILENCE], 0, "silence supervision is off");
	/* two whole on/off cycles after the first onset seen */
	cr_expect(at >= 1800 && at <= 3000, "busy recognised at %ld ms", at);
	stage_disconnect_release(&s);
}

Test(media_stage_disconnect, congestion_tone_is_not_busy)
{
	struct stage_disconnect s;
	struct src g = { .seed = 2 };
	unsigned seen[4] = { 0 };
	long at = -1;

	init(&s, US_BUSY, US_CONGESTION, 0);
	run(&s, &g, CONGESTION, 3000, seen, &at);
	cr_expect_gt(seen[MEDIA_DISC_CONGESTION], 0);
	cr_expect_eq(seen[MEDIA_DISC_BUSY], 0);
	cr_expect(at >= 900 && at <= 1600, "congestion recognised at %ld ms", at);
	stage_disconnect_release(&s);

	/* a port listening for busy only hears nothing in congestion tone */
	memset(seen, 0, sizeof seen);
	init(&s, US_BUSY, "", 0);
	run(&s, &g, CONGESTION, 5000, seen, NULL);
	cr_expect_eq(seen[MEDIA_DISC_BUSY] + seen[MEDIA_DISC_CONGESTION], 0);
	stage_disconnect_release(&s);
}

Test(media_stage_disconnect, speech_and_dial_tone_pass)
{
	struct stage_disconnect s;
	struct src g = { .seed = 3 };
	unsigned seen[4] = { 0 };

	init(&s, US_BUSY, US_CONGESTION, 2000);
	run(&s, &g, SPEECH, 20000, seen, NULL);
	run(&s, &g, DIAL, 5000, seen, NULL);
	cr_expect_eq(seen[MEDIA_DISC_NONE], 1250, "nothing in 20 s of talk and 5 s of dial tone "
		     "(busy %u, congestion %u, silence %u)", seen[1], seen[2], seen[3]);
	stage_disconnect_release(&s);
}

Test(media_stage_disconnect, silence_timed_and_repeated)
{
	struct stage_disconnect s;
	struct src g = { .seed = 4 };
	unsigned seen[4] = { 0 };
	long at = -1;

	init(&s, "", "", 3000);
	run(&s, &g, SPEECH, 1000, seen, &at);
	run(&s, &g, SILENCE, 2000, seen, &at);
	run(&s, &g, SPEECH, 500, seen, &at);	/* talk again: the count starts over */
	cr_expect_eq(at, -1, "no silence before its timeout");
	run(&s, &g, HISS, 9000, seen, &at);	/* a dead line's hiss is silence too */
	cr_expect_eq(seen[MEDIA_DISC_SILENCE], 3, "once per 3 s of silence");
	cr_expect(at >= 3000 && at <= 3100 + 3500, "first after 3 s of quiet (%ld ms)", at);
	cr_expect_eq(seen[MEDIA_DISC_BUSY] + seen[MEDIA_DISC_CONGESTION], 0);
	stage_disconnect_release(&s);
}

Test(media_stage_disconnect, bad_settings)
{
	struct stage_disconnect s;
	struct media_line_sup sup = { 0 };

	cr_expect_not(stage_disconnect_wanted(&sup));
	sup.silence_ms = 1;
	cr_expect(stage_disconnect_wanted(&sup));
	snprintf(sup.busy, sizeof sup.busy, "480+");
	cr_expect_eq(stage_disconnect_init(&s, &sup), EINVAL, "a tone that does not parse");
	snprintf(sup.busy, sizeof sup.busy, "0/500,0/500");
	cr_expect_eq(stage_disconnect_init(&s, &sup), EINVAL, "nothing to listen for");
	memset(sup.congestion, 'x', sizeof sup.congestion);
	sup.busy[0] = '\0';
	cr_expect_eq(stage_disconnect_init(&s, &sup), EINVAL, "not NUL-terminated");
}

/* The pipeline: µ-law busy tone on the B-channel raises MEDIA_EV_DISCONNECT once its cycles
 * are heard, and a modify with the same settings keeps the count going. */
struct evs {
	unsigned n;
	enum media_disconnect last;
};

static int no_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	(void)arg; (void)pkt; (void)len; (void)te;
	return 0;
}

static void on_event(void *arg, const struct media_event *ev)
{
	struct evs *e = arg;

	if (ev->type == MEDIA_EV_DISCONNECT) {
		e->n++;
		e->last = ev->disconnect;
	}
}

Test(media_stage_disconnect, pipe_raises_the_event)
{
	static struct media_pipe p;
	static const struct pipe_io io = { .send_h = no_send, .event_h = on_event };
	const struct jbuf_params jp = { .frame_ms = 20, .min_ms = 20, .max_ms = 200,
					.clock_rate = 8000, .max_payload = 160 };
	struct media_chan_params cp = { .tdm_law = G711_LAW_ULAW, .pt = 0, .te_pt = 101,
					.dtmf_detect = true };
	struct media_fax_report rep;
	struct src g = { 0 };
	struct evs e = { 0 };
	int16_t lin[160];
	uint8_t in[160];
	uint64_t now = 0;

	snprintf(cp.sup.busy, sizeof cp.sup.busy, US_BUSY);
	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &e), 0);
	cr_assert_not_null(p.sup);
	for (unsigned k = 0; k < 200; k++, now += 20000) {	/* 4 s */
		unsigned long ph = g.t / 8;
		tone_frame(&g, lin, (ph / 500) % 2 ? 0 : 480, (ph / 500) % 2 ? 0 : 620, -20);
		g711_block_encode(G711_LAW_ULAW, in, lin, 160);
		pipe_from_tdm(&p, in, now, true);
		if (k == 50)
			cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);	/* a re-INVITE */
	}
	cr_expect_eq(e.n, 1);
	cr_expect_eq(e.last, MEDIA_DISC_BUSY);

	memset(&cp.sup, 0, sizeof cp.sup);	/* supervision off */
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	cr_expect_null(p.sup);
	pipe_release(&p);
}
