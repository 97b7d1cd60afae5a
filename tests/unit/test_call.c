/* Unit tests for the call state machine (gateway/call.c) with fake legs and a fake media
 * environment (test_call_fake.c): whole calls in both directions, every event from either
 * leg in every state, and the crossing cases (an answer crossing our CANCEL, ALERTING
 * after the other side hung up, a re-INVITE while clearing, a leg whose link went). Every
 * test ends with the call freed: ASan fails it on a leak or a use after free. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <string.h>

#include "gateway/cause.h"
#include "tests/unit/test_call_fake.h"

static struct fake_env f;
static struct fake_leg *a, *b;

static void setup(void)
{
	log_set_all(LL_ERROR);
	fake_env_init(&f);
}

TestSuite(call, .init = setup);

static bool alive(void) { return f.e.ncalls == 1; }

/* A call whose leg A is a line (TDM->SIP) or a network leg (SIP->TDM). */
static struct call *start(bool from_line)
{
	struct call *c = NULL;

	a = from_line ? fake_line(&f, true) : fake_net(&f, true);
	b = from_line ? fake_net(&f, false) : fake_line(&f, false);
	cr_assert_eq(call_alloc(&c, &f.e, &a->leg, &b->leg), 0);
	cr_assert_eq(call_state(c), CALL_ROUTING);
	return c;
}

static int place(struct call *c)
{
	struct conf_endpoint to = { .kind = EP_TRUNK, .trunk = "peer" };
	struct pri_party caller = { 0 };
	struct leg_place p = { .called = "4930123", .caller = &caller, .to = &to,
			       .route = "r" };

	return call_place(c, &p);
}

/* Drive a new call into state st. */
static struct call *call_in(enum call_state st, bool from_line)
{
	struct call *c = start(from_line);

	if (st == CALL_ROUTING)
		return c;
	cr_assert_eq(place(c), 0);
	if (st >= CALL_EARLY)
		fake_raise(b, LEG_EV_ALERTING, 0, false);
	if (st >= CALL_ACTIVE)
		fake_raise(b, LEG_EV_ANSWER, 0, false);
	if (st == CALL_CLEARING)
		fake_raise(a, LEG_EV_CLEARED, CAUSE_NORMAL_CLEARING, false);
	cr_assert_eq(call_state(c), st, "driving to %s: in %s", call_state_name(st),
		     call_state_name(call_state(c)));
	return c;
}

/* Let every part of the call go; it must be freed then, legs and all. */
static void finish(struct call *c)
{
	if (alive() && call_state(c) != CALL_CLEARING)
		call_clear(c, CAUSE_NORMAL_CLEARING, "gateway");
	if (alive() && b->leg.live)
		fake_raise(b, LEG_EV_GONE, 0, false);
	if (alive() && a->leg.live)
		fake_raise(a, LEG_EV_GONE, 0, false);
	if (alive() && f.removes)
		call_media_removed(c, NULL);
	cr_assert_eq(f.e.ncalls, 0, "the call was not freed");
	cr_assert_eq(f.legs_destroyed, 2);
	cr_assert_eq(f.freed, 1);
	cr_assert_eq(f.idle, 1);
}

Test(call, tdm_to_sip_answered_then_tdm_hangs_up)
{
	struct call *c = start(true);

	cr_assert_eq(place(c), 0);
	cr_assert_eq(call_state(c), CALL_PLACED);
	cr_assert_str_eq(b->ops, "place(4930123)");
	cr_assert_str_eq(a->ops, "proceeding");
	fake_raise(b, LEG_EV_ALERTING, 0, false);	/* 180 without SDP: A rings itself */
	cr_assert_eq(call_state(c), CALL_EARLY);
	cr_assert_eq(f.joins, 0);
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	cr_assert_eq(call_state(c), CALL_ACTIVE);
	cr_assert_eq(f.adds, 1);
	cr_assert(call_media_joined(c));
	cr_assert_str_eq(a->ops, "proceeding alerting(0) answer");
	fake_raise(a, LEG_EV_CLEARED, 16, false);	/* DISCONNECT */
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert_str_eq(b->ops, "place(4930123) clear(16)");	/* BYE */
	cr_assert_eq(f.removes, 1);
	fake_raise(a, LEG_EV_GONE, 16, false);		/* RELEASE */
	cr_assert(alive(), "freed while the other leg is live");
	fake_raise(b, LEG_EV_GONE, 0, false);		/* 200 to BYE, dialog terminated */
	cr_assert(alive(), "freed while the media engine still has the stream");
	call_media_removed(c, NULL);
	cr_assert_eq(f.e.ncalls, 0);
	cr_assert_eq(f.e.answered, 1);
	cr_assert_eq(f.legs_destroyed, 2);
}

Test(call, fax_tone_switches_the_packet_leg_once_answered)
{
	struct call *c = start(true);

	cr_assert_eq(place(c), 0);
	fake_raise(b, LEG_EV_ALERTING, 0, false);
	call_fax_tone(c, MEDIA_FAX_CED);		/* ringing: no fax yet */
	cr_assert_str_eq(b->ops, "place(4930123)");
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	call_fax_tone(c, MEDIA_FAX_CNG);
	cr_assert_str_eq(b->ops, "place(4930123) fax(1)", "the SIP leg switches");
	cr_assert_str_eq(a->ops, "proceeding alerting(0) answer", "the line leg has nothing to do");
	struct media_fax_report r = { .valid = true, .t38 = true };
	r.t30.pages = 3;
	call_fax_report(c, &r);
	fake_raise(a, LEG_EV_CLEARED, 16, false);
	call_fax_tone(c, MEDIA_FAX_V21);		/* clearing: refused */
	cr_assert_str_eq(b->ops, "place(4930123) fax(1) clear(16)");
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	call_media_removed(c, NULL);
	cr_assert_eq(f.e.ncalls, 0);
}

Test(call, sip_to_tdm_early_media_then_sip_hangs_up)
{
	struct call *c = start(false);

	cr_assert_eq(place(c), 0);
	fake_raise(b, LEG_EV_PROGRESS, 0, true);	/* PROGRESS, in-band: 183 with SDP */
	cr_assert_eq(call_state(c), CALL_EARLY);
	cr_assert_eq(f.adds, 1);
	fake_raise(b, LEG_EV_ALERTING, 0, true);	/* ALERTING, in-band: 180 with SDP */
	cr_assert_eq(f.adds, 1, "a second stream for the same call");
	cr_assert_str_eq(a->ops, "proceeding progress(1) alerting(1)");
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	cr_assert_eq(call_state(c), CALL_ACTIVE);
	fake_raise(a, LEG_EV_CLEARED, 16, false);	/* BYE */
	cr_assert_str_eq(b->ops, "place(4930123) clear(16)");	/* DISCONNECT */
	finish(c);
}

Test(call, progress_without_inband_changes_nothing)
{
	struct call *c = call_in(CALL_PLACED, false);

	fake_raise(b, LEG_EV_PROGRESS, 0, false);
	cr_assert_eq(call_state(c), CALL_PLACED);
	cr_assert_str_eq(a->ops, "proceeding");
	finish(c);
}

Test(call, early_media_that_cannot_be_joined_rings_instead)
{
	struct call *c = call_in(CALL_PLACED, true);

	f.join_err = ENOMEM;
	fake_raise(b, LEG_EV_ALERTING, 0, true);
	cr_assert_eq(call_state(c), CALL_EARLY);
	cr_assert_str_eq(a->ops, "proceeding alerting(0)");
	finish(c);
}

Test(call, answer_without_media_clears_with_127)
{
	struct call *c = call_in(CALL_EARLY, true);

	b->media_err = EAGAIN;	/* the 200's SDP was unusable */
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert_str_eq(a->ops, "proceeding alerting(0) clear(127)");
	cr_assert_str_eq(b->ops, "place(4930123) clear(127)");
	fake_raise(b, LEG_EV_GONE, 0, false);
	fake_raise(a, LEG_EV_GONE, 0, false);
	cr_assert_eq(f.e.ncalls, 0);
	cr_assert_eq(f.e.answered, 1, "the far end did answer");
}

/* SIP -> TDM with a late offer: leg A's media comes only with the ACK to its 200
 * (EINPROGRESS). The line's answer still answers leg A; the stream joins on A's MEDIA. */
Test(call, late_offer_answers_then_joins_on_media)
{
	struct call *c = call_in(CALL_EARLY, false);

	a->media_err = EINPROGRESS;
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	cr_assert_eq(call_state(c), CALL_ACTIVE);
	cr_assert(strstr(a->ops, "answer") != NULL, "leg A not answered: %s", a->ops);
	cr_assert_eq(f.joins, 0);
	a->media_err = 0;		/* the ACK brought the answer */
	fake_raise(a, LEG_EV_MEDIA, 0, false);
	cr_assert_eq(f.joins, 1, "the stream did not join on MEDIA");
	finish(c);
}

/* A 200 that crosses our CANCEL: the call does not answer leg A nor join media; leg B
 * ends its dialog itself (ACK + BYE in the UA). */
Test(call, answer_crossing_our_cancel_is_refused)
{
	struct call *c = call_in(CALL_EARLY, true);

	fake_raise(a, LEG_EV_CLEARED, 16, false);	/* the PBX hangs up: CANCEL */
	cr_assert_str_eq(b->ops, "place(4930123) clear(16)");
	fake_raise(b, LEG_EV_ANSWER, 0, false);		/* 200 crosses it */
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert_eq(f.joins, 0);
	cr_assert_str_eq(a->ops, "proceeding alerting(0) clear(16)");
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	cr_assert_eq(f.e.ncalls, 0);
	cr_assert_eq(f.e.failed, 1);
}

/* ALERTING from the PBX after the SIP caller hung up (CANCEL): nothing reaches SIP. */
Test(call, alerting_after_the_other_side_hung_up_is_refused)
{
	struct call *c = call_in(CALL_PLACED, false);

	fake_raise(a, LEG_EV_CLEARED, 16, false);	/* CANCEL */
	cr_assert_str_eq(b->ops, "place(4930123) clear(16)");	/* DISCONNECT */
	fake_raise(b, LEG_EV_ALERTING, 0, true);	/* ALERTING crosses it */
	fake_raise(b, LEG_EV_PROGRESS, 0, true);
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert_eq(f.joins, 0);
	cr_assert_str_eq(a->ops, "proceeding clear(16)");
	finish(c);
}

/* Hole 4: a re-INVITE while clearing must not touch the stream queued for removal, nor
 * add one again once the B-channel went to another call. */
Test(call, reinvite_while_clearing_is_refused)
{
	struct call *c = call_in(CALL_ACTIVE, false);

	cr_assert_eq(fake_raise(a, LEG_EV_OFFER, 0, false), 0);	/* hold, while active */
	fake_raise(a, LEG_EV_MEDIA, 0, false);
	cr_assert_eq(f.joins, 2);
	cr_assert_eq(f.adds, 1, "a re-INVITE re-points the stream, never adds one");
	fake_raise(b, LEG_EV_CLEARED, 16, false);	/* the PBX hangs up */
	cr_assert_eq(f.removes, 1);
	cr_assert_eq(fake_raise(a, LEG_EV_OFFER, 0, false), ECANCELED);
	fake_raise(a, LEG_EV_MEDIA, 0, false);		/* a leg that ignored the refusal */
	cr_assert_eq(f.joins, 2, "stream queued for removal modified");
	fake_raise(b, LEG_EV_GONE, 16, false);		/* RELEASE: B-channel free for others */
	call_media_removed(c, NULL);
	cr_assert(alive());
	cr_assert_eq(fake_raise(a, LEG_EV_OFFER, 0, false), ECANCELED);
	fake_raise(a, LEG_EV_MEDIA, 0, false);
	cr_assert_eq(f.adds, 1, "media added again on a released B-channel");
	fake_raise(a, LEG_EV_GONE, 0, false);
	cr_assert_eq(f.e.ncalls, 0);
}

/* Hole 1 as the call sees it: a line leg gone with cause 38 (its D-channel closed) clears
 * the other leg with that cause, and the call is freed once it and the media are gone. */
Test(call, line_leg_gone_with_its_link_clears_the_call)
{
	struct call *c = call_in(CALL_ACTIVE, true);

	fake_raise(a, LEG_EV_GONE, CAUSE_NETWORK_OUT_OF_ORDER, false);
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert_str_eq(b->ops, "place(4930123) clear(38)");
	cr_assert_str_eq(a->ops, "proceeding alerting(0) answer", "a gone leg was cleared");
	fake_raise(b, LEG_EV_GONE, 0, false);
	call_media_removed(c, NULL);
	cr_assert_eq(f.e.ncalls, 0);
}

Test(call, far_end_clearing_crosses_ours)
{
	struct call *c = call_in(CALL_ACTIVE, true);

	fake_raise(a, LEG_EV_CLEARED, 16, false);
	fake_raise(b, LEG_EV_CLEARED, 31, false);	/* its BYE crossed ours */
	cr_assert_str_eq(b->ops, "place(4930123) clear(16) clear(16)");
	cr_assert_str_eq(a->ops, "proceeding alerting(0) answer clear(16)");
	char dbg[256];
	call_debug(c, dbg, sizeof(dbg));
	cr_assert(strstr(dbg, "clearing") && strstr(dbg, "cause 16"), "%s", dbg);
	finish(c);
}

Test(call, placing_fails)
{
	struct call *c = start(true);

	b->place_err = EBUSY;
	b->place_cause = CAUSE_NO_CIRCUIT_AVAILABLE;
	cr_assert_eq(place(c), EBUSY);
	cr_assert_eq(call_state(c), CALL_CLEARING);
	cr_assert(!b->leg.live);
	cr_assert_str_eq(b->ops, "place(4930123)", "a leg never placed was cleared");
	cr_assert_str_eq(a->ops, "clear(34)");
	fake_raise(a, LEG_EV_GONE, 34, false);
	cr_assert_eq(f.e.ncalls, 0);
	cr_assert_eq(f.e.failed, 1);
}

Test(call, overlap_digits_and_timeout)
{
	struct call *c = start(true);

	fake_raise(a, LEG_EV_DIGITS, 0, false);
	cr_assert_eq(f.routes, 1);
	cr_assert_eq(f.routes_complete, 0);
	call_digit_timeout(c);
	cr_assert_eq(f.routes, 2);
	cr_assert_eq(f.routes_complete, 1);
	f.timer_on = true;
	cr_assert_eq(place(c), 0);
	cr_assert(!f.timer_on, "inter-digit timer left running after placing");
	fake_raise(a, LEG_EV_DIGITS, 0, false);		/* too late: refused */
	call_digit_timeout(c);
	cr_assert_eq(f.routes, 2);
	finish(c);
}

Test(call, clearing_while_routing_stops_the_timer)
{
	struct call *c = start(true);

	f.timer_on = true;
	fake_raise(a, LEG_EV_CLEARED, 102, false);
	cr_assert(!f.timer_on);
	cr_assert_str_eq(b->ops, "", "a leg never placed was cleared");
	finish(c);
}

Test(call, engine_refusing_remove_frees_at_once)
{
	struct call *c = call_in(CALL_ACTIVE, true);

	f.remove_err = EAGAIN;
	fake_raise(a, LEG_EV_CLEARED, 16, false);
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	cr_assert_eq(f.e.ncalls, 0);
	(void)c;
}

Test(call, clear_all_and_free_all)
{
	struct fake_leg *a1, *b1;
	struct call *c1 = call_in(CALL_ACTIVE, true), *c2 = NULL;

	a1 = a;
	b1 = b;
	a = fake_net(&f, true);
	b = fake_line(&f, false);
	cr_assert_eq(call_alloc(&c2, &f.e, &a->leg, &b->leg), 0);
	call_clear_all(&f.e, CAUSE_TEMPORARY_FAILURE);
	cr_assert_eq(call_state(c1), CALL_CLEARING);
	cr_assert_str_eq(a1->ops, "proceeding alerting(0) answer clear(41)");
	cr_assert_str_eq(b1->ops, "place(4930123) clear(41)");
	cr_assert_str_eq(a->ops, "clear(41)");
	cr_assert_eq(f.e.ncalls, 2);
	call_free_all(&f.e);
	cr_assert_eq(f.e.ncalls, 0);
	cr_assert_eq(f.legs_destroyed, 4);
	(void)c2;
}

Test(call, events_of_a_leg_that_is_gone_are_refused)
{
	struct call *c = call_in(CALL_ACTIVE, true);

	fake_raise(a, LEG_EV_CLEARED, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	fake_raise(b, LEG_EV_CLEARED, 16, false);
	cr_assert_eq(fake_raise(b, LEG_EV_OFFER, 0, false), ECANCELED);
	cr_assert_str_eq(b->ops, "place(4930123) clear(16)");
	finish(c);
}

/* ---- every event from either leg in every state ---------------------------------------- */

struct step {
	enum call_state from;
	bool by_b;		/* raised by leg B, else leg A */
	enum leg_event_type ev;
	bool inband;
	enum call_state to;
	int ret;		/* what call_leg_event() returns */
};

#define S(f_, who, e, ib, t, r) { CALL_##f_, who, LEG_EV_##e, ib, CALL_##t, r }
static struct step steps[] = {
	/* leg A */
	S(ROUTING, 0, DIGITS, 0, ROUTING, 0),	S(PLACED, 0, DIGITS, 0, PLACED, 0),
	S(EARLY, 0, DIGITS, 0, EARLY, 0),	S(ACTIVE, 0, DIGITS, 0, ACTIVE, 0),
	S(CLEARING, 0, DIGITS, 0, CLEARING, 0),
	S(ROUTING, 0, ALERTING, 1, ROUTING, 0),	S(PLACED, 0, ALERTING, 1, PLACED, 0),
	S(EARLY, 0, PROGRESS, 1, EARLY, 0),	S(ACTIVE, 0, ALERTING, 0, ACTIVE, 0),
	S(CLEARING, 0, PROGRESS, 1, CLEARING, 0),
	S(ROUTING, 0, ANSWER, 0, ROUTING, 0),	S(PLACED, 0, ANSWER, 0, PLACED, 0),
	S(EARLY, 0, ANSWER, 0, EARLY, 0),	S(ACTIVE, 0, ANSWER, 0, ACTIVE, 0),
	S(CLEARING, 0, ANSWER, 0, CLEARING, 0),
	S(ROUTING, 0, CLEARED, 0, CLEARING, 0),	S(PLACED, 0, CLEARED, 0, CLEARING, 0),
	S(EARLY, 0, CLEARED, 0, CLEARING, 0),	S(ACTIVE, 0, CLEARED, 0, CLEARING, 0),
	S(CLEARING, 0, CLEARED, 0, CLEARING, 0),
	S(ROUTING, 0, OFFER, 0, ROUTING, 0),	S(PLACED, 0, OFFER, 0, PLACED, 0),
	S(EARLY, 0, OFFER, 0, EARLY, 0),	S(ACTIVE, 0, OFFER, 0, ACTIVE, 0),
	S(CLEARING, 0, OFFER, 0, CLEARING, ECANCELED),
	S(ROUTING, 0, MEDIA, 0, ROUTING, 0),	S(PLACED, 0, MEDIA, 0, PLACED, 0),
	S(EARLY, 0, MEDIA, 0, EARLY, 0),	S(ACTIVE, 0, MEDIA, 0, ACTIVE, 0),
	S(CLEARING, 0, MEDIA, 0, CLEARING, 0),
	S(ROUTING, 0, GONE, 0, CLEARING, 0),	S(PLACED, 0, GONE, 0, CLEARING, 0),
	S(EARLY, 0, GONE, 0, CLEARING, 0),	S(ACTIVE, 0, GONE, 0, CLEARING, 0),
	S(CLEARING, 0, GONE, 0, CLEARING, 0),
	/* leg B (not placed while routing: only live states) */
	S(PLACED, 1, DIGITS, 0, PLACED, 0),	S(EARLY, 1, DIGITS, 0, EARLY, 0),
	S(ACTIVE, 1, DIGITS, 0, ACTIVE, 0),	S(CLEARING, 1, DIGITS, 0, CLEARING, 0),
	S(ROUTING, 1, ALERTING, 0, ROUTING, 0),	S(ROUTING, 1, OFFER, 0, ROUTING, ECANCELED),
	S(PLACED, 1, ALERTING, 0, EARLY, 0),	S(PLACED, 1, ALERTING, 1, EARLY, 0),
	S(EARLY, 1, ALERTING, 0, EARLY, 0),	S(ACTIVE, 1, ALERTING, 1, ACTIVE, 0),
	S(CLEARING, 1, ALERTING, 1, CLEARING, 0),
	S(PLACED, 1, PROGRESS, 0, PLACED, 0),	S(PLACED, 1, PROGRESS, 1, EARLY, 0),
	S(EARLY, 1, PROGRESS, 1, EARLY, 0),	S(ACTIVE, 1, PROGRESS, 1, ACTIVE, 0),
	S(CLEARING, 1, PROGRESS, 1, CLEARING, 0),
	S(PLACED, 1, ANSWER, 0, ACTIVE, 0),	S(EARLY, 1, ANSWER, 0, ACTIVE, 0),
	S(ACTIVE, 1, ANSWER, 0, ACTIVE, 0),	S(CLEARING, 1, ANSWER, 0, CLEARING, 0),
	S(PLACED, 1, CLEARED, 0, CLEARING, 0),	S(EARLY, 1, CLEARED, 0, CLEARING, 0),
	S(ACTIVE, 1, CLEARED, 0, CLEARING, 0),	S(CLEARING, 1, CLEARED, 0, CLEARING, 0),
	S(PLACED, 1, OFFER, 0, PLACED, 0),	S(ACTIVE, 1, OFFER, 0, ACTIVE, 0),
	S(CLEARING, 1, OFFER, 0, CLEARING, ECANCELED),
	S(EARLY, 1, MEDIA, 0, EARLY, 0),	S(CLEARING, 1, MEDIA, 0, CLEARING, 0),
	S(PLACED, 1, GONE, 0, CLEARING, 0),	S(EARLY, 1, GONE, 0, CLEARING, 0),
	S(ACTIVE, 1, GONE, 0, CLEARING, 0),	S(CLEARING, 1, GONE, 0, CLEARING, 0),
};

ParameterizedTestParameters(call, every_event_in_every_state)
{
	return cr_make_param_array(struct step, steps, sizeof(steps) / sizeof(steps[0]));
}

ParameterizedTest(struct step *s, call, every_event_in_every_state)
{
	for (int dir = 0; dir < 2; dir++) {
		fake_env_init(&f);
		struct call *c = call_in(s->from, dir == 0);
		struct fake_leg *l = s->by_b ? b : a;
		unsigned joins = f.joins;

		int ret = fake_raise(l, s->ev, 16, s->inband);
		cr_assert_eq(ret, s->ret, "%s from %s in %s: returned %d", s->by_b ? "B" : "A",
			     call_state_name(s->from), call_state_name(s->from), ret);
		if (alive())
			cr_assert_eq(call_state(c), s->to, "event %d from %s in %s: now %s, not %s",
				     s->ev, s->by_b ? "B" : "A", call_state_name(s->from),
				     call_state_name(call_state(c)), call_state_name(s->to));
		if (s->from == CALL_CLEARING)
			cr_assert_eq(f.joins, joins, "media joined while clearing");
		finish(c);
	}
}
