/* Unit tests for media/jbuf: table-driven scenarios with an injected clock. Packets carry
 * their sequence number as payload; the playout trace lists what each get returned:
 * a number (frame), C (conceal) or - (idle). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "media/jbuf.h"

#define FRAME_MS 20

struct arrival {
	uint16_t seq;
	int at_ms;		/* [ms] arrival time; < 0: never arrives */
};

static struct jbuf *mk(void)
{
	struct jbuf *jb;
	const struct jbuf_params p = { .frame_ms = FRAME_MS, .min_ms = 20, .max_ms = 200,
				       .clock_rate = 8000, .max_payload = 160 };

	cr_assert_eq(jbuf_alloc(&jb, &p), 0);
	return jb;
}

static void put(struct jbuf *jb, uint32_t ssrc, uint16_t seq, uint32_t ts, int at_ms, int rc)
{
	uint8_t pl[2] = { (uint8_t)(seq >> 8), (uint8_t)seq };
	struct jbuf_pkt pkt = { .ssrc = ssrc, .seq = seq, .ts = ts, .data = pl, .len = 2 };

	cr_expect_eq(jbuf_put(jb, &pkt, (uint64_t)at_ms * 1000), rc, "seq %u at %d ms", seq,
		     at_ms);
}

static void get(struct jbuf *jb, int at_ms, char *trace, size_t size)
{
	uint8_t out[160];
	size_t len = 0, n = strlen(trace);

	switch (jbuf_get(jb, (uint64_t)at_ms * 1000, out, &len)) {
	case JBUF_FRAME:
		cr_assert_eq(len, 2);
		snprintf(trace + n, size - n, "%s%u", n ? " " : "", out[0] << 8 | out[1]);
		break;
	case JBUF_CONCEAL:
		snprintf(trace + n, size - n, "%sC", n ? " " : "");
		break;
	case JBUF_IDLE:
		snprintf(trace + n, size - n, "%s-", n ? " " : "");
		break;
	}
}

/* Deliver the arrivals (in table order at equal times) and get every 20 ms at 10 ms
 * past each packet slot, from 10 ms to end_ms. ts = (seq - seq0) * 160. */
static void run(const struct arrival *a, size_t n, uint16_t seq0, int end_ms,
		const char *expect, struct jbuf_stats *st)
{
	struct jbuf *jb = mk();
	char trace[1024] = "";

	for (int t = 0; t <= end_ms; t++) {
		for (size_t i = 0; i < n; i++)
			if (a[i].at_ms == t)
				(void)jbuf_put(jb, &(struct jbuf_pkt){ .ssrc = 7, .seq = a[i].seq,
					       .ts = (uint32_t)(uint16_t)(a[i].seq - seq0) * 160,
					       .data = (uint8_t[2]){ (uint8_t)(a[i].seq >> 8),
								     (uint8_t)a[i].seq },
					       .len = 2 }, (uint64_t)t * 1000);
		if (t % FRAME_MS == 10)
			get(jb, t, trace, sizeof trace);
	}
	cr_expect_str_eq(trace, expect);
	if (st)
		jbuf_stats(jb, st);
	jbuf_free(jb);
}

#define RUN(tab, seq0, end, exp, st) run(tab, sizeof(tab) / sizeof((tab)[0]), seq0, end, exp, st)

Test(media_jbuf, in_order)
{
	static const struct arrival a[] = { {0, 0}, {1, 20}, {2, 40}, {3, 60}, {4, 80},
					    {5, 100}, {6, 120}, {7, 140} };
	struct jbuf_stats st;

	/* Target 20 ms: playout starts when one frame beyond the first is there. */
	RUN(a, 0, 170, "- 0 1 2 3 4 5 6 7", &st);
	cr_expect_eq(st.played, 8);
	cr_expect_eq(st.lost, 0);
	cr_expect_eq(st.jitter, 0);
	cr_expect_eq(st.target_ms, 20);
}

Test(media_jbuf, reordered)
{
	static const struct arrival a[] = { {0, 0}, {1, 20}, {3, 40}, {2, 45}, {4, 80},
					    {6, 100}, {5, 101}, {7, 140}, {8, 160} };
	struct jbuf_stats st;

	RUN(a, 0, 170, "- 0 1 2 3 4 5 6 7", &st);
	cr_expect_eq(st.lost, 0);
	cr_expect_eq(st.late, 0);
}

Test(media_jbuf, reordered_before_playout)
{
	static const struct arrival a[] = { {1, 0}, {0, 5}, {2, 40}, {3, 60}, {4, 80} };
	struct jbuf_stats st;

	/* 0 is played although 1 came first; the 25 ms transit step raised the target. */
	RUN(a, 0, 90, "- - 0 1 2", &st);
	cr_expect_eq(st.late, 0);
	cr_expect_eq(st.target_ms, 40);
}

Test(media_jbuf, single_loss)
{
	static const struct arrival a[] = { {0, 0}, {1, 20}, {2, 40}, {3, 60}, {5, 100},
					    {6, 120}, {7, 140}, {8, 160} };
	struct jbuf_stats st;

	RUN(a, 0, 170, "- 0 1 2 3 C 5 6 7", &st);
	cr_expect_eq(st.lost, 1);
	cr_expect_eq(st.held, 0);
}

Test(media_jbuf, burst_loss)
{
	static const struct arrival a[] = { {0, 0}, {1, 20}, {2, 40}, {3, 60}, {8, 160},
					    {9, 180}, {10, 200}, {11, 220} };
	struct jbuf_stats st;

	/* Three holds (the frame might still come) then one conceal that skips the rest of
	 * the burst: four concealed frames for four lost packets, delay unchanged. */
	RUN(a, 0, 230, "- 0 1 2 3 C C C C 8 9 10", &st);
	cr_expect_eq(st.lost, 4);
	cr_expect_eq(st.held, 3);
}

Test(media_jbuf, duplicate_and_late)
{
	struct jbuf *jb = mk();
	uint8_t out[160];
	size_t len;

	put(jb, 7, 100, 0, 0, 0);
	put(jb, 7, 100, 0, 1, EALREADY);
	put(jb, 7, 101, 160, 20, 0);
	cr_expect_eq(jbuf_get(jb, 30, out, &len), JBUF_FRAME);
	put(jb, 7, 100, 0, 31, ETIME); /* its frame was played */
	put(jb, 7, 102, 320, 40, 0);
	put(jb, 7, 102, 320, 41, EALREADY);
	cr_expect_eq(jbuf_get(jb, 50, out, &len), JBUF_FRAME);
	put(jb, 7, 101, 160, 52, ETIME);
	put(jb, 7, 103, 480, 60, 0);
	{
		struct jbuf_stats st;

		jbuf_stats(jb, &st);
		cr_expect_eq(st.dup, 2);
		cr_expect_eq(st.late, 2);
		cr_expect_eq(st.put, 3 + 1);
	}
	jbuf_free(jb);
}

Test(media_jbuf, wrap_at_65535)
{
	static const struct arrival a[] = { {65533, 0}, {65534, 20}, {65535, 40}, {1, 60},
					    {0, 61}, {2, 80}, {3, 100}, {4, 120} };
	struct jbuf_stats st;

	RUN(a, 65533, 130, "- 65533 65534 65535 0 1 2", &st);
	cr_expect_eq(st.lost, 0);
	cr_expect_eq(st.resync, 0);
}

Test(media_jbuf, ssrc_change_resyncs)
{
	struct jbuf *jb = mk();
	uint8_t out[160];
	size_t len;
	struct jbuf_stats st;

	put(jb, 1, 10, 0, 0, 0);
	put(jb, 1, 11, 160, 20, 0);
	cr_expect_eq(jbuf_get(jb, 30, out, &len), JBUF_FRAME);
	put(jb, 2, 5000, 99999, 40, 0); /* new source: new stream, buffering again */
	cr_expect_eq(jbuf_get(jb, 50, out, &len), JBUF_IDLE);
	put(jb, 2, 5001, 99999 + 160, 60, 0);
	cr_expect_eq(jbuf_get(jb, 70, out, &len), JBUF_FRAME);
	cr_expect_eq(out[0] << 8 | out[1], 5000);
	jbuf_stats(jb, &st);
	cr_expect_eq(st.resync, 1);
	jbuf_free(jb);
}

Test(media_jbuf, sequence_jump_needs_confirmation)
{
	struct jbuf *jb = mk();
	uint8_t out[160];
	size_t len;
	struct jbuf_stats st;

	put(jb, 1, 10, 0, 0, 0);
	put(jb, 1, 11, 160, 20, 0);
	cr_expect_eq(jbuf_get(jb, 30, out, &len), JBUF_FRAME);
	put(jb, 1, 30000, 320, 40, ERANGE);	/* one stray packet: ignored */
	put(jb, 1, 12, 320, 41, 0);
	put(jb, 1, 40000, 480, 60, ERANGE);
	put(jb, 1, 40001, 640, 80, 0);		/* confirmed: restart there */
	jbuf_stats(jb, &st);
	cr_expect_eq(st.resync, 1);
	cr_expect_eq(st.invalid, 2);
	cr_expect_eq(jbuf_get(jb, 90, out, &len), JBUF_IDLE);
	put(jb, 1, 40002, 800, 100, 0);
	cr_expect_eq(jbuf_get(jb, 110, out, &len), JBUF_FRAME);
	cr_expect_eq(out[0] << 8 | out[1], 40001);
	jbuf_free(jb);
}

Test(media_jbuf, timestamp_jump_is_not_jitter)
{
	struct jbuf *jb = mk();
	struct jbuf_stats st;

	for (int i = 0; i < 10; i++)
		put(jb, 1, (uint16_t)i, (uint32_t)i * 160 + (i >= 5 ? 800000u : 0), i * 20, 0);
	jbuf_stats(jb, &st);
	cr_expect_eq(st.ts_jumps, 1);
	cr_expect_eq(st.jitter, 0);
	cr_expect_eq(st.target_ms, 20);
	jbuf_free(jb);
}

Test(media_jbuf, oversize_rejected)
{
	struct jbuf *jb = mk();
	uint8_t big[161] = { 0 };
	struct jbuf_pkt pkt = { .ssrc = 1, .seq = 1, .ts = 0, .data = big, .len = 161 };
	struct jbuf_params bad = { .frame_ms = 20, .min_ms = 20, .max_ms = 1000,
				   .clock_rate = 8000, .max_payload = 160 };
	struct jbuf *jb2;

	cr_expect_eq(jbuf_put(jb, &pkt, 0), EMSGSIZE);
	cr_expect_eq(jbuf_alloc(&jb2, &bad), EINVAL);
	bad.max_ms = 200;
	bad.min_ms = 10;
	cr_expect_eq(jbuf_alloc(&jb2, &bad), EINVAL);
	jbuf_free(jb);
}

/* Deterministic pseudo-random delay in [0, span) ms. */
static int delay(unsigned *s, int span)
{
	*s = *s * 1103515245u + 12345u;
	return (int)((*s >> 16) % (unsigned)span);
}

/* 6 s of 0-80 ms network jitter then 10 s of none: the target grows so that late drops
 * stop, then shrinks back to the minimum. */
Test(media_jbuf, jitter_growth_and_shrink)
{
	struct jbuf *jb = mk();
	unsigned seed = 1;
	uint8_t out[160];
	size_t len;
	struct jbuf_stats st;
	uint64_t late_at_3s = 0, played_at_6s = 0;
	enum { PKTS = 800 };
	static int arrive[PKTS];

	for (int i = 0; i < PKTS; i++)
		arrive[i] = i * 20 + (i < 300 ? delay(&seed, 80) : 0);
	for (int t = 0; t < PKTS * 20 + 100; t++) {
		for (int i = 0; i < PKTS; i++)
			if (arrive[i] == t)
				(void)jbuf_put(jb, &(struct jbuf_pkt){ .ssrc = 9, .seq = (uint16_t)i,
					       .ts = (uint32_t)i * 160, .data = out, .len = 160 },
					       (uint64_t)t * 1000);
		if (t % 20 == 10)
			(void)jbuf_get(jb, (uint64_t)t * 1000, out, &len);
		if (t == 3000) {
			jbuf_stats(jb, &st);
			late_at_3s = st.late;
			cr_expect_geq(st.target_ms, 60, "target %u", st.target_ms);
			cr_expect_leq(st.target_ms, 200);
		}
		if (t == 6000) {
			jbuf_stats(jb, &st);
			played_at_6s = st.played;
			cr_expect_leq(st.late - late_at_3s, 3, "late %lu -> %lu",
				      (unsigned long)late_at_3s, (unsigned long)st.late);
		}
	}
	jbuf_stats(jb, &st);
	cr_expect_eq(st.target_ms, 20, "target %u", st.target_ms);
	cr_expect_leq(st.level_ms, 40, "level %d", st.level_ms);
	cr_expect_gt(st.shrunk, 0);
	cr_expect_gt(st.played - played_at_6s, 480);
	jbuf_free(jb);
}
