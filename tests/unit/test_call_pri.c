/* Unit test of the PRI leg (gateway/leg_pri.c) on a real pri_link whose D-channel is a
 * socketpair to libpri's network side, in a call whose other leg is a fake (the call's
 * environment too, test_call_fake.c). It proves that detaching a link with a call on it
 * (its D-channel closed: libpri frees the call without any event) clears our call first:
 * the other leg is cleared with cause 38 and the call is freed once it is gone, with no
 * dangling libpri pointer left (ASan). */
#include <criterion/criterion.h>
#include <libpri.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sofia-sip/su.h>

#include "gateway/gw.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "gateway/legs.h"
#include "gateway/pri_link.h"
#include "gateway/span_group.h"
#include "tdm/pri.h"
#include "tdm/span.h"
#include "tests/unit/test_call_fake.h"

/* The far end speaks through the socketpair; our side is in DAHDI mode, whose frames
 * carry 2 FCS bytes: the far end passes them through both ways. */
static int far_fd;

static int far_read(struct pri *pri, void *buf, int buflen)
{
	ssize_t n = recv(far_fd, buf, (size_t)buflen, MSG_DONTWAIT);

	return n > 0 ? (int)n : 0;
}

static int far_write(struct pri *pri, void *buf, int buflen)
{
	return send(far_fd, buf, (size_t)buflen, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : buflen;
}

static struct {
	struct daemon d;
	struct fake_env f;
	struct conf_span cs;
	struct span_group *grp;
	struct tdm_span *tspan;
	struct pri_link *link;
	struct pri *far;
	int fds[2];
	int far_setups;
} r;

/* Run both ends for up to ms, until done() says so. */
static bool pump(int ms, bool (*done)(void))
{
	for (int i = 0; i < ms / 10; i++) {
		struct pollfd p[2] = { { .fd = r.fds[0], .events = POLLIN },
				       { .fd = r.fds[1], .events = POLLIN } };
		(void)poll(p, 2, 10);
		if (p[0].revents & POLLIN)
			pri_link_on_readable(r.link);
		if (p[1].revents & POLLIN) {
			pri_event *e = pri_check_event(r.far);
			if (e && e->e == PRI_EVENT_RING)
				r.far_setups++;
		}
		pri_event *e = pri_schedule_run(r.far);
		if (e && e->e == PRI_EVENT_RING)
			r.far_setups++;
		if (pri_link_pri(r.link))
			pri_span_run_timers(pri_link_pri(r.link));
		if (done())
			return true;
	}
	return false;
}

static bool span_up(void) { return bchan_span_usable(span_group_chans(r.grp), 1); }
static bool far_got_setup(void) { return r.far_setups > 0; }

static void rig(void)
{
	const struct conf_span *spans[1] = { &r.cs };

	log_set_all(LL_ERROR);
	cr_assert_eq(su_init(), 0);
	fake_env_init(&r.f);
	fake_env_bind(&r.d.calls, &r.f);
	r.d.root = su_root_create(&r.d);
	cr_assert_not_null(r.d.root);
	r.cs = (struct conf_span){ .number = 1, .type = SPAN_E1, .sig = SIG_PRI_CPE,
				   .switchtype = SW_EUROISDN, .law = LAW_ALAW,
				   .bchans = (1u << 1) | (1u << 2) };
	struct span_group_params gp = { .name = "span 1", .spans = spans, .nspans = 1 };
	cr_assert_eq(span_group_alloc(&r.grp, &gp), 0);
	struct tdm_span_params tp = { .number = 1, .sig = TDM_SIG_PRI, .bchans = r.cs.bchans,
				      .dchannel = 16, .dahdi_dir = "/nonexistent" };
	cr_assert_eq(tdm_span_alloc(&r.tspan, &tp), 0);
	cr_assert_eq(pri_link_alloc(&r.link, &r.d, &r.cs, r.tspan, span_group_chans(r.grp)), 0);
	r.d.groups = &r.grp;
	r.d.ngroups = 1;
	r.d.links = &r.link;
	r.d.nlinks = 1;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, r.fds), 0);
	far_fd = r.fds[1];
	r.far = pri_new_cb(r.fds[1], PRI_NETWORK, PRI_SWITCH_EUROISDN_E1, far_read, far_write, NULL);
	cr_assert_not_null(r.far);
	pri_link_attach(r.link, r.fds[0]);
	cr_assert(pump(8000, span_up), "D-channel did not come up");
}

static void unrig(void)
{
	pri_link_free(r.link);
	tdm_span_free(r.tspan);
	span_group_free(r.grp);
	close(r.fds[0]);
	close(r.fds[1]);
	su_root_destroy(r.d.root);
	su_deinit();
}

Test(call_pri, detaching_a_link_clears_its_calls_first, .timeout = 30)
{
	struct fake_leg *a;
	struct leg *b;
	struct call *c;

	rig();
	a = fake_net(&r.f, true);
	cr_assert_eq(leg_pri_alloc_out(&b, &r.d, r.link), 0);
	cr_assert_eq(call_alloc(&c, &r.d.calls, &a->leg, b), 0);

	struct conf_endpoint to = { .kind = EP_SPAN, .span = 1 };
	struct pri_party caller = { .number = { .digits = "5551000" } };
	struct leg_place lp = { .called = "4930123", .caller = &caller, .to = &to,
				.route = "r", .alaw = true };
	cr_assert_eq(call_place(c, &lp), 0);
	cr_assert_eq(call_state(c), CALL_PLACED);
	cr_assert(pump(3000, far_got_setup), "the far end got no SETUP");

	/* The D-channel fd goes (span vanished, daemon stops): libpri's calls are freed. */
	pri_link_detach(r.link);
	cr_assert_null(pri_link_pri(r.link));
	cr_assert_eq(call_state(c), CALL_CLEARING, "the call outlived its link");
	cr_assert_str_eq(a->ops, "proceeding clear(38)", "the SIP leg was not cleared: %s",
			 a->ops);
	cr_assert(!b->live);
	cr_assert_eq(r.d.calls.ncalls, 1);
	fake_raise(a, LEG_EV_GONE, 0, false);	/* BYE/CANCEL done */
	cr_assert_eq(r.d.calls.ncalls, 0, "the call leaked");
	cr_assert_eq(r.f.legs_destroyed, 1);	/* the fake one; ASan sees the other */
	unrig();
}
