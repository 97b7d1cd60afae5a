/* Unit tests for gateway/span_group: a call placed on a trunk group of PRI spans, hunting
 * across spans, spans that are down, and going on to the next span when one cannot take
 * the call before any SETUP went out (never after). The SETUP is a fake that records where
 * it was asked to go and answers as scripted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "gateway/span_group.h"

#define R(s, p) ((struct bchan_ref){ (s), (p) })

/* An E1 with 3 bearer channels (span 2) and a T1 with 2 (span 4), and a third span (6). */
static struct conf_span e1 = { .number = 2, .type = SPAN_E1, .sig = SIG_PRI_CPE,
			       .bchans = (1u << 1) | (1u << 2) | (1u << 3) };
static struct conf_span t1 = { .number = 4, .type = SPAN_T1, .sig = SIG_PRI_CPE,
			       .bchans = (1u << 1) | (1u << 2) };
static struct conf_span third = { .number = 6, .type = SPAN_E1, .sig = SIG_PRI_NET,
				  .bchans = 1u << 5 };

/* What the fake SETUP did: where it was asked to go; what it answers per span. */
struct fake {
	struct span_group *g;
	struct bchan_ref asked[8];
	unsigned nasked;
	int answer[8];		/* by span number: 0 = place it, else this error */
	int cause[8];
};

static int fake_place(struct bchan_ref chan, int *cause, void *arg)
{
	struct fake *f = arg;
	struct bchan_req req = { .want = BCHAN_WANT_PREFERRED, .chan = chan, .span_only = true };
	struct bchan_ref got;
	int c;

	cr_assert_lt(f->nasked, 8);
	f->asked[f->nasked++] = chan;
	if (f->answer[chan.span]) {
		*cause = f->cause[chan.span];
		return f->answer[chan.span];
	}
	/* As pri_call_place(): the channel is taken on that span. */
	cr_assert_eq(bchan_acquire(span_group_chans(f->g), &req, &got, &c), 0);
	cr_assert_eq(got.span, chan.span);
	cr_assert_eq(got.pos, chan.pos);
	return 0;
}

static struct span_group *group_of(enum conf_hunt hunt, unsigned n,
				   const struct conf_span *const *spans, bool up)
{
	struct span_group *g = NULL;
	struct span_group_params p = { .name = "pbx", .spans = spans, .nspans = n, .hunt = hunt };

	cr_assert_eq(span_group_alloc(&g, &p), 0);
	for (unsigned i = 0; up && i < n; i++)
		bchan_set_span_usable(span_group_chans(g), spans[i]->number, true);
	return g;
}

static const struct conf_span *const e1_t1[] = { &e1, &t1 };

/* Place one call on the group (span 0: any span) and check where it went. */
static void place_ok(struct fake *f, unsigned span, unsigned want_span, unsigned want_pos)
{
	struct span_group_result res;

	cr_assert_eq(span_group_place(f->g, span, fake_place, f, &res), 0, "cause %d", res.cause);
	cr_expect_eq(res.chan.span, want_span, "span %u, want %u", res.chan.span, want_span);
	cr_expect_eq(res.chan.pos, want_pos, "pos %u, want %u", res.chan.pos, want_pos);
}

static void place_fails(struct fake *f, unsigned span, int want_err, int want_cause)
{
	struct span_group_result res;

	cr_assert_eq(span_group_place(f->g, span, fake_place, f, &res), want_err);
	cr_expect_eq(res.cause, want_cause, "cause %d, want %d", res.cause, want_cause);
}

Test(span_group, alloc_and_lookups)
{
	const struct conf_span *const twice[] = { &e1, &e1 };
	struct conf_span empty = { .number = 9, .bchans = 0 };
	const struct conf_span *const none[] = { &empty };
	struct span_group_params p = { .name = "pbx", .spans = twice, .nspans = 2 };
	struct span_group *g = NULL;

	cr_expect_eq(span_group_alloc(&g, &p), EINVAL);
	p.spans = none;
	p.nspans = 1;
	cr_expect_eq(span_group_alloc(&g, &p), EINVAL);
	p.spans = e1_t1;
	p.nspans = 0;
	cr_expect_eq(span_group_alloc(&g, &p), EINVAL);
	p.nspans = CONF_GROUP_MAX_SPANS + 1;
	cr_expect_eq(span_group_alloc(&g, &p), EINVAL);
	p.nspans = 2;
	p.hunt = 3;
	cr_expect_eq(span_group_alloc(&g, &p), EINVAL);
	cr_expect_null(g);

	g = group_of(HUNT_ASCENDING, 2, e1_t1, false);
	cr_expect_str_eq(span_group_name(g), "pbx");
	cr_expect(span_group_has(g, 2));
	cr_expect(span_group_has(g, 4));
	cr_expect_not(span_group_has(g, 3));
	/* Every channel of both spans, none usable before a D-channel is up. */
	cr_expect(bchan_contains(span_group_chans(g), R(2, 3)));
	cr_expect(bchan_contains(span_group_chans(g), R(4, 2)));
	cr_expect_not(bchan_contains(span_group_chans(g), R(4, 3)));
	cr_expect_not(bchan_span_usable(span_group_chans(g), 2));
	cr_expect_eq(bchan_available(span_group_chans(g), 0), 0);
	span_group_free(g);
	span_group_free(NULL);
}

Test(span_group, ascending_overflows_to_the_next_span)
{
	struct fake f = { .g = group_of(HUNT_ASCENDING, 2, e1_t1, true) };
	struct bchan_ref peek;

	cr_assert_eq(span_group_peek(f.g, 0, &peek), 0);
	cr_expect_eq(peek.span, 2);
	cr_expect_eq(peek.pos, 1);
	place_ok(&f, 0, 2, 1);
	place_ok(&f, 0, 2, 2);
	place_ok(&f, 0, 2, 3);
	/* The E1 is full: the T1. */
	cr_assert_eq(span_group_peek(f.g, 0, &peek), 0);
	cr_expect_eq(peek.span, 4);
	place_ok(&f, 0, 4, 1);
	/* "to = span 2" while span 2 is full: no circuit, nothing sent. */
	f.nasked = 0;
	place_fails(&f, 2, EBUSY, 34);
	cr_expect_eq(f.nasked, 0);
	place_ok(&f, 4, 4, 2);
	/* Everything busy: cause 34 (503 on SIP), no SETUP anywhere. */
	place_fails(&f, 0, EBUSY, 34);
	cr_expect_eq(f.nasked, 1);
	cr_expect_eq(span_group_peek(f.g, 0, &peek), EBUSY);
	/* A call on the E1 ends: the next goes there again. */
	cr_assert_eq(bchan_release(span_group_chans(f.g), R(2, 2)), 0);
	place_ok(&f, 0, 2, 2);
	span_group_free(f.g);
}

Test(span_group, descending_and_round_robin_across_spans)
{
	struct fake f = { .g = group_of(HUNT_DESCENDING, 2, e1_t1, true) };

	place_ok(&f, 0, 4, 2);
	place_ok(&f, 0, 4, 1);
	place_ok(&f, 0, 2, 3);
	/* "to = span 4" on a grouped span: that span, in the group's order. */
	cr_assert_eq(bchan_release(span_group_chans(f.g), R(4, 1)), 0);
	cr_assert_eq(bchan_release(span_group_chans(f.g), R(4, 2)), 0);
	place_ok(&f, 4, 4, 2);
	span_group_free(f.g);

	f = (struct fake){ .g = group_of(HUNT_ROUNDROBIN, 2, e1_t1, true) };
	static const struct bchan_ref order[] = { R(2, 1), R(2, 2), R(2, 3), R(4, 1), R(4, 2),
						  R(2, 1) };
	for (unsigned i = 0; i < 6; i++) {
		place_ok(&f, 0, order[i].span, order[i].pos);
		cr_assert_eq(bchan_release(span_group_chans(f.g), order[i]), 0);
	}
	span_group_free(f.g);
}

Test(span_group, span_down_or_in_alarm_is_passed_over)
{
	struct fake f = { .g = group_of(HUNT_ASCENDING, 2, e1_t1, true) };
	struct bchan_ref peek;

	/* tdm/pri marks the span unusable when its D-channel goes down or it is in alarm. */
	bchan_set_span_usable(span_group_chans(f.g), 2, false);
	cr_assert_eq(span_group_peek(f.g, 0, &peek), 0);
	cr_expect_eq(peek.span, 4);
	place_ok(&f, 0, 4, 1);
	/* "to = span 2" while it is down: 38, as a span on its own. */
	place_fails(&f, 2, ENOTCONN, 38);
	place_ok(&f, 0, 4, 2);
	/* The only usable span is full: 34. */
	place_fails(&f, 0, EBUSY, 34);
	/* Nothing of the group is up: 38. */
	bchan_set_span_usable(span_group_chans(f.g), 4, false);
	place_fails(&f, 0, ENOTCONN, 38);
	cr_expect_eq(f.nasked, 2);
	bchan_set_span_usable(span_group_chans(f.g), 2, true);
	place_ok(&f, 0, 2, 1);
	span_group_free(f.g);
}

Test(span_group, refused_before_setup_tries_the_next_span)
{
	const struct conf_span *const three[] = { &e1, &t1, &third };
	struct fake f = { .g = group_of(HUNT_ASCENDING, 3, three, true) };
	struct span_group_result res;

	/* libpri refuses on span 2 (EIO): the call goes on to span 4's first channel, and the
	 * channel span 2 was offered is not left busy. */
	f.answer[2] = EIO;
	f.cause[2] = 41;
	cr_assert_eq(span_group_place(f.g, 0, fake_place, &f, &res), 0);
	cr_expect_eq(res.chan.span, 4);
	cr_expect_eq(res.chan.pos, 1);
	cr_expect_eq(res.nfailed, 1);
	cr_expect_eq(res.failed[0], 2);
	cr_expect_eq(res.failed_err[0], EIO);
	cr_expect_eq(f.nasked, 2);
	cr_expect_eq(f.asked[0].span, 2);
	cr_expect_eq(f.asked[0].pos, 1);
	cr_expect_eq(bchan_available(span_group_chans(f.g), 2), 3);
	/* Span 4's D-channel turned out to be down (ENOTCONN) and span 2 refuses: span 6. */
	f.nasked = 0;
	f.answer[4] = ENOTCONN;
	f.cause[4] = 38;
	cr_assert_eq(span_group_place(f.g, 0, fake_place, &f, &res), 0);
	cr_expect_eq(res.chan.span, 6);
	cr_expect_eq(res.chan.pos, 5);
	cr_expect_eq(res.nfailed, 2);
	cr_expect_eq(f.nasked, 3);
	/* Every span fails: the call fails with the last span's error and cause, after
	 * exactly one attempt per span that had a free channel (span 6 is full now). */
	f.nasked = 0;
	f.answer[4] = EBUSY;
	f.cause[4] = 34;
	cr_expect_eq(span_group_place(f.g, 0, fake_place, &f, &res), EBUSY);
	cr_expect_eq(res.cause, 34);
	cr_expect_eq(f.nasked, 2);
	cr_expect_eq(res.nfailed, 2);
	/* "to = span 2" refused: no other span is tried. */
	f.nasked = 0;
	cr_expect_eq(span_group_place(f.g, 2, fake_place, &f, &res), EIO);
	cr_expect_eq(res.cause, 41);
	cr_expect_eq(f.nasked, 1);
	span_group_free(f.g);
}

Test(span_group, failure_after_setup_is_not_tried_again)
{
	struct fake f = { .g = group_of(HUNT_ASCENDING, 2, e1_t1, true) };
	struct span_group_result res;

	/* ENOMEM or EINVAL may come after a SETUP went out (or be no span's fault): a second
	 * SETUP on another span could double the call. The hunt stops there. */
	f.answer[2] = ENOMEM;
	f.cause[2] = 41;
	cr_expect_eq(span_group_place(f.g, 0, fake_place, &f, &res), ENOMEM);
	cr_expect_eq(res.cause, 41);
	cr_expect_eq(f.nasked, 1);
	cr_expect_eq(res.nfailed, 0);
	f.answer[2] = EINVAL;
	cr_expect_eq(span_group_place(f.g, 0, fake_place, &f, &res), EINVAL);
	cr_expect_eq(f.nasked, 2);
	span_group_free(f.g);
}

Test(span_group, bad_arguments)
{
	struct fake f = { .g = group_of(HUNT_ASCENDING, 2, e1_t1, true) };
	struct span_group_result res;
	struct bchan_ref out;

	cr_expect_eq(span_group_place(f.g, 0, fake_place, &f, NULL), EINVAL);
	cr_expect_eq(span_group_place(NULL, 0, fake_place, &f, &res), EINVAL);
	cr_expect_eq(span_group_place(f.g, 0, NULL, &f, &res), EINVAL);
	/* A span that is not the group's. */
	cr_expect_eq(span_group_place(f.g, 3, fake_place, &f, &res), EINVAL);
	cr_expect_eq(res.cause, 41);
	cr_expect_eq(span_group_peek(f.g, 3, &out), EINVAL);
	cr_expect_eq(span_group_peek(NULL, 0, &out), EINVAL);
	cr_expect_eq(f.nasked, 0);
	span_group_free(f.g);
}
