/* Ordered fallback in the call model (gateway/call.c with the environment's failover and
 * reroute, gateway/call.h): leg B that cannot take the call is replaced by the route's
 * next destination only while leg A has heard nothing but "proceeding"; never after
 * ringing, early media or an answer. Fake legs and environment (test_call_fake.c); the
 * decision on causes is route_failover's (tests/unit/test_route.c). */
#include <criterion/criterion.h>
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

TestSuite(call_failover, .init = setup);

static struct call *placed(void)
{
	struct call *c = NULL;
	struct conf_endpoint to = { .kind = EP_TRUNK, .trunk = "first" };
	struct pri_party caller = { 0 };
	struct leg_place p = { .called = "4930123", .caller = &caller, .to = &to, .route = "r" };

	a = fake_line(&f, true);
	b = fake_net(&f, false);
	cr_assert_eq(call_alloc(&c, &f.e, &a->leg, &b->leg), 0);
	(void)call_place(c, &p);
	return c;
}

Test(call_failover, cleared_while_placed_tries_the_next_destination)
{
	struct call *c = placed();

	f.spare = 1;
	cr_assert_eq(call_state(c), CALL_PLACED);
	fake_raise(b, LEG_EV_CLEARED, CAUSE_TEMPORARY_FAILURE, false);	/* 503 */
	cr_expect_eq(f.failovers, 1);
	cr_expect_eq(f.failover_cause, CAUSE_TEMPORARY_FAILURE);
	cr_expect_eq(call_state(c), CALL_ROUTING, "waiting for the failed leg to go");
	cr_expect_str_eq(b->ops, "place(4930123) clear(41)", "the failed leg ends its side");
	cr_expect_eq(f.reroutes, 0, "nothing placed before the failed leg is gone");
	fake_raise(a, LEG_EV_DIGITS, 0, false);		/* overlap digits meanwhile: refused */
	cr_expect_eq(f.routes, 0);
	fake_raise(b, LEG_EV_GONE, 0, false);
	cr_assert_eq(f.reroutes, 1);
	cr_expect_eq(f.legs_destroyed, 1, "the failed leg B freed when replaced");
	b = f.next_b;
	cr_expect_str_eq(b->ops, "place(next)");
	cr_expect_eq(call_state(c), CALL_PLACED);
	fake_raise(b, LEG_EV_ALERTING, 0, false);
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	cr_expect_eq(call_state(c), CALL_ACTIVE);
	cr_expect_str_eq(a->ops, "proceeding alerting(0) answer", "leg A told to proceed once");
	fake_raise(a, LEG_EV_CLEARED, 16, false);
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	call_media_removed(c, NULL);
	cr_expect_eq(f.e.ncalls, 0);
	cr_expect_eq(f.legs_destroyed, 3);
	cr_expect_eq(f.e.answered, 1);
}

Test(call_failover, placing_that_fails_at_once_tries_the_next)
{
	struct call *c = NULL;

	f.spare = 2;
	f.next_place_err = ENOTCONN;		/* the second destination fails too */
	f.next_place_cause = CAUSE_NETWORK_OUT_OF_ORDER;
	a = fake_line(&f, true);
	b = fake_net(&f, false);
	b->place_err = ENOTCONN;		/* trunk down */
	b->place_cause = CAUSE_NO_CIRCUIT_AVAILABLE;
	cr_assert_eq(call_alloc(&c, &f.e, &a->leg, &b->leg), 0);
	struct conf_endpoint to = { .kind = EP_TRUNK, .trunk = "first" };
	struct pri_party caller = { 0 };
	struct leg_place p = { .called = "4930123", .caller = &caller, .to = &to, .route = "r" };
	cr_expect_eq(call_place(c, &p), ENOTCONN);
	cr_expect_eq(f.failovers, 2, "the first and the second destination failed");
	cr_expect_eq(f.reroutes, 2);
	cr_expect_eq(call_state(c), CALL_PLACED, "the third destination took it");
	cr_expect_str_eq(a->ops, "proceeding");
	cr_expect_eq(f.legs_destroyed, 2);
	call_clear(c, 16, "gateway");
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(f.next_b, LEG_EV_GONE, 0, false);
	cr_expect_eq(f.e.ncalls, 0);
}

Test(call_failover, last_destination_clears_with_its_cause)
{
	struct call *c = placed();

	f.spare = 0;
	fake_raise(b, LEG_EV_CLEARED, CAUSE_NO_CIRCUIT_AVAILABLE, false);
	cr_expect_eq(f.failovers, 1);
	cr_expect_eq(call_state(c), CALL_CLEARING);
	cr_expect_str_eq(a->ops, "proceeding clear(34)", "the cause reaches leg A unchanged");
	fake_raise(a, LEG_EV_GONE, 34, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	cr_expect_eq(f.e.ncalls, 0);
	cr_expect_eq(f.reroutes, 0);
}

/* After ringing or early media the caller has heard the destination: its failure is the
 * call's, whatever the cause. */
Test(call_failover, never_after_ringing_early_media_or_answer)
{
	static const enum leg_event_type first[] = { LEG_EV_ALERTING, LEG_EV_PROGRESS,
						     LEG_EV_ANSWER };

	for (unsigned i = 0; i < 3; i++) {
		fake_env_init(&f);
		f.spare = 1;
		struct call *c = placed();
		fake_raise(b, first[i], 0, true);
		fake_raise(b, LEG_EV_CLEARED, CAUSE_TEMPORARY_FAILURE, false);
		cr_expect_eq(f.failovers, 0, "case %u: failover asked", i);
		cr_expect_eq(call_state(c), CALL_CLEARING, "case %u", i);
		fake_raise(a, LEG_EV_GONE, 41, false);
		fake_raise(b, LEG_EV_GONE, 0, false);
		if (f.e.ncalls)
			call_media_removed(c, NULL);
		cr_expect_eq(f.e.ncalls, 0, "case %u: not freed", i);
		cr_expect_eq(f.reroutes, 0);
	}
}

Test(call_failover, caller_hangs_up_while_the_failed_leg_goes)
{
	struct call *c = placed();

	f.spare = 1;
	fake_raise(b, LEG_EV_CLEARED, CAUSE_TEMPORARY_FAILURE, false);
	cr_assert_eq(call_state(c), CALL_ROUTING);
	fake_raise(a, LEG_EV_CLEARED, 16, false);
	cr_expect_eq(call_state(c), CALL_CLEARING);
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(b, LEG_EV_GONE, 0, false);
	cr_expect_eq(f.reroutes, 0, "nothing placed for a caller who left");
	cr_expect_eq(f.e.ncalls, 0);
	cr_expect_eq(f.legs_destroyed, 2);
}

Test(call_failover, leg_gone_without_clearing_falls_back)
{
	struct call *c = placed();

	f.spare = 1;
	fake_raise(b, LEG_EV_GONE, CAUSE_NETWORK_OUT_OF_ORDER, false);	/* its link died */
	cr_expect_eq(f.failover_cause, CAUSE_NETWORK_OUT_OF_ORDER);
	cr_assert_eq(f.reroutes, 1);
	cr_expect_eq(call_state(c), CALL_PLACED);
	call_clear(c, 16, "gateway");
	fake_raise(a, LEG_EV_GONE, 16, false);
	fake_raise(f.next_b, LEG_EV_GONE, 0, false);
	cr_expect_eq(f.e.ncalls, 0);
}
