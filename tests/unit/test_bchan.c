/* Unit tests for tdm/bchan: B-channel selection (Q.931 §4.5.13, §5.1.2, §5.2.3.1). Suite
 * "pri_bchan" so that --filter 'pri*' runs it with the PRI tests. */
#include <criterion/criterion.h>
#include <errno.h>

#include "tdm/bchan.h"

#define R(s, p) ((struct bchan_ref){ (s), (p) })

static struct bchan_group *group(enum bchan_hunt hunt, const struct bchan_ref *chans, unsigned n)
{
	struct bchan_group *g = NULL;
	struct bchan_params p = { .chans = chans, .nchans = n, .hunt = hunt };

	cr_assert_eq(bchan_alloc(&g, &p), 0);
	return g;
}

/* Span 1 positions 1..3 and span 2 positions 1..2, in this order. */
static const struct bchan_ref two_spans[] = { R(1, 1), R(1, 2), R(1, 3), R(2, 1), R(2, 2) };

static struct bchan_ref any(struct bchan_group *g, int want_rc, int want_cause)
{
	struct bchan_req req = { .want = BCHAN_WANT_ANY };
	struct bchan_ref out = R(0, 0);
	int cause = 0;

	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), want_rc);
	if (want_rc)
		cr_assert_eq(cause, want_cause);
	return out;
}

static void expect_ref(struct bchan_ref got, unsigned span, unsigned pos)
{
	cr_expect_eq(got.span, span, "span %u, expected %u", got.span, span);
	cr_expect_eq(got.pos, pos, "pos %u, expected %u", got.pos, pos);
}

Test(pri_bchan, alloc_rejects_bad_lists)
{
	struct bchan_group *g = NULL;
	const struct bchan_ref dup[] = { R(1, 1), R(1, 1) };
	const struct bchan_ref zero[] = { R(1, 0) };
	struct bchan_params p = { .chans = dup, .nchans = 2 };

	cr_expect_eq(bchan_alloc(&g, &p), EINVAL);
	p.chans = zero;
	p.nchans = 1;
	cr_expect_eq(bchan_alloc(&g, &p), EINVAL);
	p.nchans = 0;
	cr_expect_eq(bchan_alloc(&g, &p), EINVAL);
	cr_expect_eq(bchan_alloc(NULL, &p), EINVAL);
	cr_expect_null(g);
	bchan_free(NULL);
}

Test(pri_bchan, hunt_ascending_descending)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, two_spans, 5);

	for (unsigned i = 0; i < 5; i++)
		expect_ref(any(g, 0, 0), two_spans[i].span, two_spans[i].pos);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	cr_expect_eq(bchan_release(g, R(1, 2)), 0);
	cr_expect_eq(bchan_release(g, R(1, 2)), EALREADY);
	cr_expect_eq(bchan_release(g, R(9, 9)), ENOENT);
	expect_ref(any(g, 0, 0), 1, 2);
	bchan_free(g);

	g = group(BCHAN_HUNT_DESC, two_spans, 5);
	for (unsigned i = 5; i-- > 0;)
		expect_ref(any(g, 0, 0), two_spans[i].span, two_spans[i].pos);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	bchan_free(g);
}

Test(pri_bchan, hunt_round_robin)
{
	struct bchan_group *g = group(BCHAN_HUNT_RR, two_spans, 5);
	struct bchan_ref r;

	/* Each acquisition starts after the previous one, releases in between. */
	for (unsigned k = 0; k < 12; k++) {
		r = any(g, 0, 0);
		expect_ref(r, two_spans[k % 5].span, two_spans[k % 5].pos);
		cr_assert_eq(bchan_release(g, r), 0);
	}
	/* Busy channels are skipped and the hunt wraps. */
	r = any(g, 0, 0);			/* (1,3): k = 12 → index 2 */
	expect_ref(r, 1, 3);
	expect_ref(any(g, 0, 0), 2, 1);
	expect_ref(any(g, 0, 0), 2, 2);
	expect_ref(any(g, 0, 0), 1, 1);
	expect_ref(any(g, 0, 0), 1, 2);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	bchan_free(g);
}

Test(pri_bchan, preferred_and_exclusive)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, two_spans, 5);
	struct bchan_req req = { .want = BCHAN_WANT_EXCLUSIVE, .chan = R(1, 2) };
	struct bchan_ref out;
	int cause = 0;

	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 1, 2);
	/* Exclusive and busy: cause 44, nothing else taken. */
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 44);
	cr_expect_eq(bchan_available(g, 0), 4);
	/* Exclusive on a channel not in the group: 82. */
	req.chan = R(1, 30);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 82);
	/* Preferred and busy: another one, first in hunt order. */
	req.want = BCHAN_WANT_PREFERRED;
	req.chan = R(1, 2);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 1, 1);
	/* Preferred and free: that one. */
	req.chan = R(2, 2);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 2);
	/* Preferred, not in the group: any. */
	req.chan = R(7, 7);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 1, 3);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 1);
	/* Everything busy: preferred gives 34, exclusive 44. */
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 34);
	req.want = BCHAN_WANT_EXCLUSIVE;
	req.chan = R(2, 1);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 44);
	req.want = 7;
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EINVAL);
	bchan_free(g);
}

Test(pri_bchan, span_only_selection)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, two_spans, 5);
	struct bchan_req req = { .want = BCHAN_WANT_ANY, .chan = R(2, 0), .span_only = true };
	struct bchan_ref out;
	int cause = 0;

	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 1);
	/* Preferred on span 2 but busy: stays on span 2. */
	req.want = BCHAN_WANT_PREFERRED;
	req.chan = R(2, 1);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 2);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 34);
	cr_expect_eq(bchan_available(g, 1), 3);
	cr_expect_eq(bchan_available(g, 2), 0);
	bchan_free(g);
}

Test(pri_bchan, span_unusable_and_back)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, two_spans, 5);
	struct bchan_req req = { .want = BCHAN_WANT_EXCLUSIVE, .chan = R(1, 3) };
	struct bchan_ref busy = any(g, 0, 0), out;
	enum bchan_state st;
	int cause = 0;

	expect_ref(busy, 1, 1);
	cr_expect(bchan_span_usable(g, 1));
	cr_expect_eq(bchan_set_span_usable(g, 1, false), 3);
	cr_expect_not(bchan_span_usable(g, 1));
	cr_expect_not(bchan_span_usable(g, 5));
	cr_expect_eq(bchan_available(g, 0), 2);
	/* Span 1 hidden: any goes to span 2, exclusive on span 1 fails with 44. */
	expect_ref(any(g, 0, 0), 2, 1);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 44);
	/* The busy channel keeps its state and can be released while the span is down. */
	cr_expect_eq(bchan_state(g, busy, &st), 0);
	cr_expect_eq(st, BCHAN_BUSY);
	cr_expect_eq(bchan_release(g, busy), 0);
	expect_ref(any(g, 0, 0), 2, 2);
	any(g, EBUSY, 34);
	cr_expect_eq(bchan_set_span_usable(g, 1, true), 3);
	cr_expect_eq(bchan_available(g, 0), 3);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 1, 3);
	cr_expect_eq(bchan_set_span_usable(g, 9, false), 0);
	bchan_free(g);
}

Test(pri_bchan, out_of_service_and_reset)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, two_spans, 3);
	struct bchan_req req = { .want = BCHAN_WANT_EXCLUSIVE, .chan = R(1, 1) };
	struct bchan_ref out;
	enum bchan_state st;
	int cause = 0;

	cr_expect_eq(bchan_set_service(g, R(1, 1), false), 0);
	cr_expect_eq(bchan_state(g, R(1, 1), &st), 0);
	cr_expect_eq(st, BCHAN_OOS);
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, 44);
	expect_ref(any(g, 0, 0), 1, 2);
	/* Out of service while busy: takes effect when the call ends. */
	cr_expect_eq(bchan_set_service(g, R(1, 2), false), 0);
	cr_expect_eq(bchan_state(g, R(1, 2), &st), 0);
	cr_expect_eq(st, BCHAN_BUSY);
	cr_expect_eq(bchan_release(g, R(1, 2)), 0);
	cr_expect_eq(bchan_state(g, R(1, 2), &st), 0);
	cr_expect_eq(st, BCHAN_OOS);
	/* RESTART: busy → free; out of service stays so. */
	expect_ref(any(g, 0, 0), 1, 3);
	cr_expect_eq(bchan_reset(g, R(1, 3)), 0);
	cr_expect_eq(bchan_reset(g, R(1, 1)), 0);
	cr_expect_eq(bchan_state(g, R(1, 3), &st), 0);
	cr_expect_eq(st, BCHAN_FREE);
	cr_expect_eq(bchan_state(g, R(1, 1), &st), 0);
	cr_expect_eq(st, BCHAN_OOS);
	cr_expect_eq(bchan_reset(g, R(4, 4)), ENOENT);
	cr_expect_eq(bchan_state(g, R(4, 4), &st), ENOENT);
	cr_expect_eq(bchan_set_service(g, R(4, 4), true), ENOENT);
	cr_expect_eq(bchan_set_service(g, R(1, 1), true), 0);
	cr_expect_eq(bchan_available(g, 0), 2);
	cr_expect(bchan_contains(g, R(1, 3)));
	cr_expect_not(bchan_contains(g, R(2, 1)));
	cr_expect_str_eq(bchan_state_name(BCHAN_OOS), "out of service");
	bchan_free(g);
}

/* Every request kind against every channel state, on a one-span group of 4. */
Test(pri_bchan, exhaustive_states)
{
	static const struct bchan_ref four[] = { R(1, 1), R(1, 2), R(1, 3), R(1, 4) };

	/* Each channel free (0), busy (1) or out of service (2): 3^4 combinations. */
	for (unsigned combo = 0; combo < 81; combo++) {
		unsigned st[4], c = combo, nfree = 0, first_free = 0;

		for (unsigned i = 0; i < 4; i++) {
			st[i] = c % 3;
			c /= 3;
			if (st[i] == 0) {
				nfree++;
				if (!first_free)
					first_free = i + 1;
			}
		}
		for (unsigned want = BCHAN_WANT_ANY; want <= BCHAN_WANT_EXCLUSIVE; want++) {
			for (unsigned pos = 1; pos <= 4; pos++) {
				struct bchan_group *g = group(BCHAN_HUNT_ASC, four, 4);
				struct bchan_req req = { .want = want, .chan = R(1, pos) };
				struct bchan_ref out = R(0, 0);
				int cause = 0, rc;

				for (unsigned i = 0; i < 4; i++) {
					struct bchan_ref r = R(1, i + 1);

					if (st[i] == 1) {
						struct bchan_req ex = { .want = BCHAN_WANT_EXCLUSIVE,
								.chan = r };
						struct bchan_ref o;
						int cs;

						cr_assert_eq(bchan_acquire(g, &ex, &o, &cs), 0);
					} else if (st[i] == 2) {
						cr_assert_eq(bchan_set_service(g, r, false), 0);
					}
				}
				rc = bchan_acquire(g, &req, &out, &cause);
				if (want == BCHAN_WANT_EXCLUSIVE) {
					if (st[pos - 1] == 0) {
						cr_expect_eq(rc, 0);
						cr_expect_eq(out.pos, pos);
					} else {
						cr_expect_eq(rc, EBUSY);
						cr_expect_eq(cause, 44);
					}
				} else if (want == BCHAN_WANT_PREFERRED && st[pos - 1] == 0) {
					cr_expect_eq(rc, 0);
					cr_expect_eq(out.pos, pos);
				} else if (nfree) {
					cr_expect_eq(rc, 0, "combo %u want %u pos %u", combo, want, pos);
					cr_expect_eq(out.pos, first_free);
				} else {
					cr_expect_eq(rc, EBUSY);
					cr_expect_eq(cause, 34);
				}
				cr_expect_eq(bchan_available(g, 0), nfree - (rc == 0));
				bchan_free(g);
			}
		}
	}
}

/* ---- one group over several spans: an E1 (span 2) and a T1 (span 4), hunted as one ----- */

/* Span 2 positions 1..3, then span 4 positions 1..2: the order [group] lists the spans in. */
static const struct bchan_ref e1_t1[] = { R(2, 1), R(2, 2), R(2, 3), R(4, 1), R(4, 2) };

static struct bchan_ref pick(const struct bchan_group *g, const unsigned *skip, unsigned nskip,
			     int want_rc, int want_cause)
{
	struct bchan_req req = { .want = BCHAN_WANT_ANY, .skip = skip, .nskip = nskip };
	struct bchan_ref out = R(0, 0);
	int cause = 0;

	cr_assert_eq(bchan_select(g, &req, &out, &cause), want_rc);
	if (want_rc)
		cr_assert_eq(cause, want_cause);
	return out;
}

Test(pri_bchan, group_ascending_fills_first_span_then_overflows)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, e1_t1, 5);

	/* The first span's lowest channels first; the second span only when it is full. */
	expect_ref(any(g, 0, 0), 2, 1);
	expect_ref(any(g, 0, 0), 2, 2);
	expect_ref(any(g, 0, 0), 2, 3);
	expect_ref(any(g, 0, 0), 4, 1);
	/* A channel of the first span comes free: the next call goes back there. */
	cr_assert_eq(bchan_release(g, R(2, 2)), 0);
	expect_ref(any(g, 0, 0), 2, 2);
	expect_ref(any(g, 0, 0), 4, 2);
	/* Nothing free on any span: cause 34. */
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	bchan_free(g);
}

Test(pri_bchan, group_descending_is_the_mirror)
{
	struct bchan_group *g = group(BCHAN_HUNT_DESC, e1_t1, 5);

	/* The last span's highest channel first, down into the first span. */
	expect_ref(any(g, 0, 0), 4, 2);
	expect_ref(any(g, 0, 0), 4, 1);
	expect_ref(any(g, 0, 0), 2, 3);
	cr_assert_eq(bchan_release(g, R(4, 1)), 0);
	expect_ref(any(g, 0, 0), 4, 1);
	expect_ref(any(g, 0, 0), 2, 2);
	expect_ref(any(g, 0, 0), 2, 1);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	bchan_free(g);
}

Test(pri_bchan, group_round_robin_runs_across_spans)
{
	struct bchan_group *g = group(BCHAN_HUNT_RR, e1_t1, 5);
	struct bchan_ref r;

	/* Calls that end at once still walk the whole group, span 2 then span 4, and wrap. */
	for (unsigned k = 0; k < 7; k++) {
		r = any(g, 0, 0);
		expect_ref(r, e1_t1[k % 5].span, e1_t1[k % 5].pos);
		cr_assert_eq(bchan_release(g, r), 0);
	}
	/* Next is (2,3); with span 2 unusable the hunt goes on to span 4 and continues there. */
	cr_expect_eq(bchan_set_span_usable(g, 2, false), 3);
	expect_ref(any(g, 0, 0), 4, 1);
	expect_ref(any(g, 0, 0), 4, 2);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	cr_expect_eq(bchan_set_span_usable(g, 2, true), 3);
	expect_ref(any(g, 0, 0), 2, 1);
	bchan_free(g);
}

Test(pri_bchan, group_skips_unusable_span)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, e1_t1, 5);

	/* D-channel down or alarm on span 2: the hunt starts on span 4. */
	cr_expect_eq(bchan_set_span_usable(g, 2, false), 3);
	expect_ref(any(g, 0, 0), 4, 1);
	expect_ref(any(g, 0, 0), 4, 2);
	any(g, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	cr_expect_eq(bchan_available(g, 0), 0);
	cr_expect_eq(bchan_set_span_usable(g, 2, true), 3);
	cr_expect_eq(bchan_available(g, 0), 3);
	expect_ref(any(g, 0, 0), 2, 1);
	bchan_free(g);
}

Test(pri_bchan, select_does_not_take)
{
	struct bchan_group *g = group(BCHAN_HUNT_RR, e1_t1, 5);
	struct bchan_req req = { .want = BCHAN_WANT_PREFERRED };
	struct bchan_ref out;
	int cause = 0;

	expect_ref(pick(g, NULL, 0, 0, 0), 2, 1);
	expect_ref(pick(g, NULL, 0, 0, 0), 2, 1);	/* nothing moved */
	cr_expect_eq(bchan_available(g, 0), 5);
	/* Taking the selected channel as preferred gives that channel and moves the RR on. */
	req.chan = pick(g, NULL, 0, 0, 0);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 1);
	expect_ref(pick(g, NULL, 0, 0, 0), 2, 2);
	/* Exclusive on a busy channel: select reports what acquire would. */
	req.want = BCHAN_WANT_EXCLUSIVE;
	cr_expect_eq(bchan_select(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, BCHAN_CAUSE_CHAN_UNAVAIL);
	cr_expect_eq(bchan_select(NULL, &req, &out, &cause), EINVAL);
	cr_expect_eq(bchan_select(g, NULL, &out, &cause), EINVAL);
	bchan_free(g);
}

Test(pri_bchan, skip_list_moves_the_hunt_to_the_next_span)
{
	struct bchan_group *g = group(BCHAN_HUNT_ASC, e1_t1, 5);
	const unsigned skip2[] = { 2 }, skip_both[] = { 4, 2 };
	struct bchan_req req = { .want = BCHAN_WANT_ANY, .skip = skip2, .nskip = 1 };
	struct bchan_ref out;
	int cause = 0;

	/* Span 2 failed this call already: span 4's first channel, even though 2 is free. */
	expect_ref(pick(g, skip2, 1, 0, 0), 4, 1);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 4, 1);
	/* Every span failed: nothing left, cause 34. */
	pick(g, skip_both, 2, EBUSY, BCHAN_CAUSE_NO_CIRCUIT);
	/* A preferred channel on a skipped span is still that channel... */
	req.want = BCHAN_WANT_PREFERRED;
	req.chan = R(2, 3);
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 2, 3);
	/* ...but when it is busy the fallback hunt passes over span 2. */
	cr_assert_eq(bchan_acquire(g, &req, &out, &cause), 0);
	expect_ref(out, 4, 2);
	/* skip with a count but no list is a bad request. */
	req.skip = NULL;
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EINVAL);
	/* Span-only hunting and a skip list together: nothing on span 2 then. */
	req = (struct bchan_req){ .want = BCHAN_WANT_ANY, .chan = R(2, 0), .span_only = true,
				  .skip = skip2, .nskip = 1 };
	cr_expect_eq(bchan_acquire(g, &req, &out, &cause), EBUSY);
	cr_expect_eq(cause, BCHAN_CAUSE_NO_CIRCUIT);
	bchan_free(g);
}
