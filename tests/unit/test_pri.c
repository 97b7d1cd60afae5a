/* Unit tests for tdm/pri: our PRI layer (as cpe and as net) against libpri's other side
 * over a SOCK_SEQPACKET socketpair, single-threaded, driven by libpri's own timers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <libpri.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tdm/bchan.h"
#include "tdm/pri.h"
#include "tdm/tdm.h"
#include "tests/pstnsim/q931.h"

#define SPAN		1
#define MAX_EV		64

/* The far end: plain libpri, what the gateway will face on a real span. */
struct far {
	struct pri *pri;
	int fd;
	bool up;
	int events[MAX_EV];
	int nev;
	q931_call *call;		/* the one call of the test */
	pri_event_ring ring;		/* last SETUP/INFO received */
	int cause;			/* last hangup cause */
	int channel;			/* last channel reported */
	int progressmask;
	bool hangup_auto;		/* answer DISCONNECT with RELEASE */
	struct timeval t_hangup;	/* when the first HANGUP* arrived */
	int restart_class;		/* rewrite outgoing RESTARTs to this class (6, 7) */
	int restart_acks;		/* RESTART ACKNOWLEDGEs received */
	int restart_ack_channel;	/* channel of the last one (-1: none named) */
	int restarts;			/* RESTARTs received */
	int node, sw;			/* libpri node type and switch, for far_replace() */
	bool deaf;			/* frames to the far end are lost until it sends SABME */
};

struct ours_ev {
	enum pri_event_type type;
	struct pri_call *call;
	int cause;
	bool inband;
	struct bchan_ref chan;
	char digits[PRI_NUM_MAX + 1];
	bool whole_interface;		/* RESTART */
	unsigned restart_pos;		/* RESTART */
};

/* Our side and what its handler saw. */
struct ours {
	struct pri_span *span;
	struct bchan_group *g;
	int fd;
	struct ours_ev ev[MAX_EV];
	int nev;
	struct pri_setup setup;		/* last SETUP/INFO */
	struct pri_call *call;
	int reject_cause;		/* on SETUP: hang up with this cause at once */
	bool more_info;			/* on SETUP: ask for more digits */
	int far_restarts_at_up;		/* far.restarts when DCHAN_UP came */
};

static bool rig_restart_on_up;		/* setup_rig(): RESTART every channel at link-up */

static struct far far;
static struct ours ours;

static struct timeval tv_now(void)
{
	struct timeval t;

	gettimeofday(&t, NULL);
	return t;
}

static long ms_since(struct timeval a)
{
	struct timeval b = tv_now();

	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000;
}

static int far_read(struct pri *pri, void *buf, int buflen)
{
	ssize_t n = recv(far.fd, buf, (size_t)buflen - 2, MSG_DONTWAIT);

	if (n <= 0)
		return 0;
	memset((char *)buf + n, 0, 2);
	return (int)n + 2;
}

/* libpri 1.6.0 cannot send a RESTART for a whole interface (pri_restart() is a stub that
 * sends nothing, pri_reset() restarts one indicated channel): with far.restart_class set,
 * the RESTART that pri_reset() sends leaves as the same I-frame with a restart indicator of
 * that class and no channel identification, which is what a switch sends (q931.h). */
static int far_write(struct pri *pri, void *buf, int buflen)
{
	unsigned char f[512];
	size_t len = (size_t)buflen - 2;

	cr_assert_leq(len, sizeof(f));
	memcpy(f, buf, len);
	/* SABME (Q.921 §3.6.1: 011P1111 in octet 3) */
	if (far.deaf && len >= 3 && (f[2] & ~0x10) == 0x6f)
		far.deaf = false;
	if (far.restart_class)
		len = sim_q931_restart_rewrite(f, len, far.restart_class);
	if (send(far.fd, f, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -1;
	return buflen;
}

static void far_handle(pri_event *e)
{
	if (far.nev < MAX_EV)
		far.events[far.nev++] = e->e;
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		far.up = true;
		break;
	case PRI_EVENT_DCHAN_DOWN:
		far.up = false;
		break;
	case PRI_EVENT_RING:
	case PRI_EVENT_INFO_RECEIVED:
		far.ring = e->ring;
		far.call = e->ring.call;
		far.channel = e->ring.channel;
		break;
	case PRI_EVENT_PROCEEDING:
	case PRI_EVENT_PROGRESS:
		far.channel = e->proceeding.channel;
		far.progressmask = e->proceeding.progressmask;
		break;
	case PRI_EVENT_RINGING:
		far.channel = e->ringing.channel;
		far.progressmask = e->ringing.progressmask;
		break;
	case PRI_EVENT_ANSWER:
		far.channel = e->answer.channel;
		break;
	case PRI_EVENT_HANGUP_REQ:
		far.cause = e->hangup.cause;
		if (!far.t_hangup.tv_sec)
			far.t_hangup = tv_now();
		if (far.hangup_auto && e->hangup.call == far.call)
			pri_hangup(far.pri, e->hangup.call, e->hangup.cause);
		break;
	case PRI_EVENT_HANGUP:
		far.cause = e->hangup.cause;
		if (!far.t_hangup.tv_sec)
			far.t_hangup = tv_now();
		/* Give libpri its call back. */
		if (e->hangup.call == far.call) {
			pri_hangup(far.pri, e->hangup.call, e->hangup.cause);
			far.call = NULL;
		}
		break;
	case PRI_EVENT_HANGUP_ACK:
		if (e->hangup.call == far.call)
			far.call = NULL;
		break;
	case PRI_EVENT_RESTART:
		far.restarts++;
		break;
	case PRI_EVENT_RESTART_ACK:
		far.restart_acks++;
		far.restart_ack_channel = e->restartack.channel;
		break;
	}
}

static void ours_handler(const struct pri_event *ev, void *arg)
{
	struct ours *o = arg;
	struct ours_ev *r;

	cr_assert_eq(ev->span, o->span);
	cr_assert(o->nev < MAX_EV);
	r = &o->ev[o->nev++];
	r->type = ev->type;
	r->call = ev->call;
	r->cause = ev->cause;
	r->inband = ev->inband;
	r->chan = ev->chan;
	if (ev->digits)
		snprintf(r->digits, sizeof(r->digits), "%s", ev->digits);
	r->whole_interface = ev->restart.whole_interface;
	r->restart_pos = ev->restart.pos;
	if (ev->setup)
		o->setup = *ev->setup;
	if (ev->type == PRI_EV_DCHAN_UP)
		o->far_restarts_at_up = far.restarts;
	switch (ev->type) {
	case PRI_EV_SETUP:
		o->call = ev->call;
		if (o->reject_cause)
			cr_assert_eq(pri_call_hangup(ev->call, o->reject_cause), 0);
		else if (o->more_info)
			cr_assert_eq(pri_call_more_info(ev->call), 0);
		break;
	case PRI_EV_DISCONNECT:
		cr_assert_eq(pri_call_hangup(ev->call, ev->cause), 0);
		break;
	case PRI_EV_RELEASE:
		if (o->call == ev->call)
			o->call = NULL;
		break;
	default:
		break;
	}
}

static int timeout_of(struct timeval *next)
{
	struct timeval t = tv_now();
	long ms;

	if (!next)
		return -1;
	ms = (next->tv_sec - t.tv_sec) * 1000 + (next->tv_usec - t.tv_usec + 999) / 1000;
	return ms < 0 ? 0 : (int)ms;
}

/* One pass of the loop: poll both ends with the libpri timeouts (at most max_ms). */
static void pass(int max_ms)
{
	struct pollfd pfd[2] = { { .fd = pri_span_fd(ours.span), .events = POLLIN },
				 { .fd = far.fd, .events = POLLIN } };
	int t1 = pri_span_next_timeout_ms(ours.span, NULL);
	int t2 = timeout_of(pri_schedule_next(far.pri));
	int t = max_ms;
	pri_event *e;

	if (t1 >= 0 && t1 < t)
		t = t1;
	if (t2 >= 0 && t2 < t)
		t = t2;
	cr_assert_geq(poll(pfd, 2, t), 0);
	if (pfd[0].revents)
		pri_span_on_readable(ours.span);
	if ((pfd[1].revents & POLLIN) && far.deaf) {
		unsigned char lost[512];
		(void)recv(far.fd, lost, sizeof(lost), MSG_DONTWAIT);
	} else if (pfd[1].revents & POLLIN) {
		e = pri_check_event(far.pri);
		if (e)
			far_handle(e);
	}
	pri_span_run_timers(ours.span);
	while ((e = pri_schedule_run(far.pri)))
		far_handle(e);
}

/* Run until cond holds or max_ms pass; returns cond. */
#define RUN_UNTIL(cond, max_ms) ({						\
	struct timeval t0_ = tv_now();						\
	while (!(cond) && ms_since(t0_) < (max_ms))				\
		pass(20);							\
	(cond);									\
})

static bool ours_saw(enum pri_event_type type)
{
	for (int i = 0; i < ours.nev; i++)
		if (ours.ev[i].type == type)
			return true;
	return false;
}

static const struct ours_ev *ours_last(enum pri_event_type type)
{
	for (int i = ours.nev; i-- > 0;)
		if (ours.ev[i].type == type)
			return &ours.ev[i];
	return NULL;
}

static bool far_saw(int e)
{
	for (int i = 0; i < far.nev; i++)
		if (far.events[i] == e)
			return true;
	return false;
}

static void far_clear_events(void)
{
	far.nev = 0;
	ours.nev = 0;
}

/* Our span in role `role` with E1 positions 1..3 (D on 16), the far end the other role. */
static void setup_rig(enum pri_role role, enum pri_switch sw, bool overlap)
{
	static const struct bchan_ref chans[] = { { SPAN, 1 }, { SPAN, 2 }, { SPAN, 3 } };
	struct bchan_params bp = { .chans = chans, .nchans = 3, .hunt = BCHAN_HUNT_ASC };
	struct pri_span_params p = {
		.span = SPAN, .role = role, .sw = sw, .line = PRI_LINE_E1, .io = PRI_IO_SOCKET,
		.overlap = overlap, .restart_on_up = rig_restart_on_up, .eh = ours_handler,
		.arg = &ours,
	};
	int sv[2];
	static const int farsws[] = {
		[PRI_SW_EUROISDN] = PRI_SWITCH_EUROISDN_E1, [PRI_SW_NI2] = PRI_SWITCH_NI2,
		[PRI_SW_DMS100] = PRI_SWITCH_DMS100, [PRI_SW_5ESS] = PRI_SWITCH_LUCENT5E,
		[PRI_SW_4ESS] = PRI_SWITCH_ATT4ESS, [PRI_SW_QSIG] = PRI_SWITCH_QSIG,
	};
	int farsw = farsws[sw];

	memset(&far, 0, sizeof(far));
	memset(&ours, 0, sizeof(ours));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ours.fd = sv[0];
	far.fd = sv[1];
	far.hangup_auto = true;
	cr_assert_eq(bchan_alloc(&ours.g, &bp), 0);
	p.fd = ours.fd;
	p.chans = ours.g;
	cr_assert_eq(pri_span_alloc(&ours.span, &p), 0);
	far.node = role == PRI_ROLE_CPE ? PRI_NETWORK : PRI_CPE;
	far.sw = farsw;
	tdm_log_init();		/* libpri's lines reach pri_ctrl_message(), as in the daemon */
	far.pri = pri_new_cb(far.fd, far.node, far.sw, far_read, far_write, NULL);
	cr_assert_not_null(far.pri);
	pri_set_overlapdial(far.pri, 1);
	/* a switch that sends calling names the way its variant does */
	pri_facility_enable(far.pri);
	pri_display_options_send(far.pri, PRI_DISPLAY_OPTION_NAME_INITIAL);
	pri_display_options_receive(far.pri, PRI_DISPLAY_OPTION_NAME_INITIAL);
	cr_assert(RUN_UNTIL(pri_span_dchan_up(ours.span) && far.up, 1500),
		  "D-channel did not come up");
	cr_expect(ours_saw(PRI_EV_DCHAN_UP));
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	far_clear_events();
}

static void teardown_rig(void)
{
	if (far.call)
		pri_destroycall(far.pri, far.call);
	pri_span_free(ours.span);
	bchan_free(ours.g);
	if (ours.fd >= 0)
		close(ours.fd);
	if (far.fd >= 0)
		close(far.fd);
	/* far.pri: libpri 1.6.0 has no destructor (tests/unit/lsan.supp). */
}

/* The far end places a call to us. */
static q931_call *far_call(const char *called, bool complete, int channel, bool exclusive)
{
	struct pri_sr *sr = pri_sr_new();
	q931_call *c = pri_new_call(far.pri);
	char num[32], cli[] = "0301234567", name[] = "Alice";

	snprintf(num, sizeof(num), "%s", called);
	cr_assert_not_null(sr);
	cr_assert_not_null(c);
	pri_sr_set_channel(sr, channel, exclusive, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ALAW);
	pri_sr_set_called(sr, num, PRI_NATIONAL_ISDN, complete);
	pri_sr_set_caller(sr, cli, name, PRI_NATIONAL_ISDN, PRES_ALLOWED_USER_NUMBER_PASSED_SCREEN);
	cr_assert_eq(pri_setup(far.pri, c, sr), 0);
	pri_sr_free(sr);
	far.call = c;
	return c;
}

static struct pri_call *ours_call(const char *called, enum bchan_want want, unsigned pos)
{
	struct pri_call_params p = {
		.called = { .ton = Q931_TON_INTERNATIONAL, .npi = Q931_NPI_E164 },
		.calling = { .number = { "4930123456", Q931_TON_NATIONAL, Q931_NPI_E164 },
			     .pres = Q931_PRES_RESTRICTED, .screen = Q931_SCREEN_USER_PASSED },
		.bearer = PRI_BEARER_SPEECH,
		.chan = { .want = want, .chan = { SPAN, pos } },
		.complete = true,
	};
	struct pri_call *c = NULL;
	int cause = 0;

	snprintf(p.called.digits, sizeof(p.called.digits), "%s", called);
	cr_assert_eq(pri_call_place(ours.span, &c, &p, &cause), 0);
	ours.call = c;
	return c;
}

static void outgoing_call_answered_then_cleared(enum pri_role role, bool we_hang_up)
{
	struct pri_call *c;
	const struct ours_ev *ev;

	setup_rig(role, PRI_SW_EUROISDN, false);
	c = ours_call("4989765432", BCHAN_WANT_ANY, 0);
	cr_expect_eq(pri_call_state(c), role == PRI_ROLE_CPE ? PRI_CS_CALL_INITIATED
		     : PRI_CS_CALL_PRESENT);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	/* What the far end got: numbers, ToN/NPI, presentation, channel. */
	cr_expect_str_eq(far.ring.callednum, "4989765432");
	cr_expect_eq(far.ring.calledplan, PRI_INTERNATIONAL_ISDN);
	cr_expect_str_eq(far.ring.callingnum, "4930123456");
	cr_expect_eq(far.ring.callingplan, PRI_NATIONAL_ISDN);
	cr_expect_eq(far.ring.callingpres, PRES_PROHIB_USER_NUMBER_PASSED_SCREEN);
	cr_expect_eq(far.ring.channel & 0xff, 1);
	cr_expect_eq(far.ring.layer1, PRI_LAYER_1_ALAW);
	cr_expect_eq(pri_call_chan(c).pos, 1);

	cr_assert_eq(pri_proceeding(far.pri, far.call, 1, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_PROCEEDING), 1000));
	cr_assert_eq(pri_acknowledge(far.pri, far.call, 1, 1), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_ALERTING), 1000));
	cr_expect(ours_last(PRI_EV_ALERTING)->inband);
	cr_assert_eq(pri_answer(far.pri, far.call, 1, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_CONNECT), 1000));
	cr_expect_eq(pri_call_state(c), PRI_CS_ACTIVE);

	if (we_hang_up) {
		cr_assert_eq(pri_call_hangup(c, 16), 0);
		cr_expect_eq(pri_call_state(c), role == PRI_ROLE_CPE
			     ? PRI_CS_DISCONNECT_REQUEST : PRI_CS_DISCONNECT_INDICATION);
		cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
		cr_expect_eq(far.cause, 16);
	} else {
		cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
		cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
		ev = ours_last(PRI_EV_DISCONNECT);
		cr_assert_not_null(ev);
		cr_expect_eq(ev->cause, 16);
	}
	ev = ours_last(PRI_EV_RELEASE);
	cr_expect_eq(ev->cause, 16);
	cr_expect_eq(ev->call, c);
	cr_expect_null(ours.call);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	/* Let the far end finish its side. */
	RUN_UNTIL(!far.call, 500);
	cr_expect_null(far.call);
	teardown_rig();
}

/* Q.931 §5.5 at link-up: every B-channel is restarted, and the span is reported up only
 * once the far end has acknowledged them all; then calls go as usual. */
static void link_up_restarts(enum pri_role role)
{
	rig_restart_on_up = true;
	setup_rig(role, PRI_SW_EUROISDN, false);
	rig_restart_on_up = false;
	cr_expect_eq(far.restarts, 3, "far end saw %d RESTARTs, want one per B-channel", far.restarts);
	cr_expect_eq(ours.far_restarts_at_up, 3, "DCHAN_UP came after %d of 3 RESTARTs",
		     ours.far_restarts_at_up);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	teardown_rig();
}

Test(pri, cpe_link_up_restarts_every_bchannel) { link_up_restarts(PRI_ROLE_CPE); }
Test(pri, net_link_up_restarts_every_bchannel) { link_up_restarts(PRI_ROLE_NET); }

Test(pri, cpe_call_answered_we_hang_up)
{
	outgoing_call_answered_then_cleared(PRI_ROLE_CPE, true);
}

Test(pri, cpe_call_answered_far_hangs_up)
{
	outgoing_call_answered_then_cleared(PRI_ROLE_CPE, false);
}

Test(pri, net_call_answered_we_hang_up)
{
	outgoing_call_answered_then_cleared(PRI_ROLE_NET, true);
}

Test(pri, net_call_answered_far_hangs_up)
{
	outgoing_call_answered_then_cleared(PRI_ROLE_NET, false);
}

static void incoming_rejected(enum pri_role role, int cause)
{
	const struct ours_ev *ev;

	setup_rig(role, PRI_SW_EUROISDN, false);
	ours.reject_cause = cause;
	far_call("200", true, 2, false);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_SETUP), 1000));
	cr_expect_str_eq(ours.setup.called.digits, "200");
	cr_expect_eq(ours.setup.called.ton, Q931_TON_NATIONAL);
	cr_expect_eq(ours.setup.called.npi, Q931_NPI_E164);
	cr_expect_str_eq(ours.setup.calling.number.digits, "0301234567");
	cr_expect_eq(ours.setup.calling.pres, Q931_PRES_ALLOWED);
	cr_expect_eq(ours.setup.calling.screen, Q931_SCREEN_USER_PASSED);
	cr_expect_eq(ours.setup.bearer, PRI_BEARER_SPEECH);
	cr_expect_eq(ours.setup.law, PRI_LAW_ALAW);
	cr_expect_eq(ours.setup.requested.want, BCHAN_WANT_PREFERRED);
	cr_expect_eq(ours.setup.requested.chan.pos, 2);
	cr_expect(ours.setup.complete);
	cr_expect_eq(ours_last(PRI_EV_SETUP)->chan.pos, 2);
	/* The far end must see the cause promptly, not 18 after T303/T310. */
	cr_assert(RUN_UNTIL(far.t_hangup.tv_sec != 0, 1500), "far end never saw the cause");
	cr_expect_eq(far.cause, cause);
	/* Causes 1, 34, 44, 81, 82 go out as RELEASE COMPLETE and libpri drops the call: the
	 * channel must come free all the same. */
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	ev = ours_last(PRI_EV_RELEASE);
	cr_expect_eq(ev->cause, cause);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
}

Test(pri, cpe_rejects_incoming_busy)
{
	incoming_rejected(PRI_ROLE_CPE, 17);
}

Test(pri, net_rejects_incoming_busy)
{
	incoming_rejected(PRI_ROLE_NET, 17);
}

Test(pri, cpe_rejects_unallocated_channel_freed)
{
	incoming_rejected(PRI_ROLE_CPE, 1);
}

Test(pri, net_rejects_no_circuit_channel_freed)
{
	incoming_rejected(PRI_ROLE_NET, 34);
}

static void overlap_receiving(enum pri_role role)
{
	const struct ours_ev *ev;

	setup_rig(role, PRI_SW_EUROISDN, true);
	ours.more_info = true;
	far_call("12", false, 0xff, false);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_SETUP), 1000));
	cr_expect_not(ours.setup.complete);
	cr_expect_str_eq(ours.setup.called.digits, "12");
	cr_expect_eq(ours.setup.requested.want, BCHAN_WANT_ANY);
	/* The user receiving SETUP is in U25; the network receiving it in N2. */
	cr_expect_eq(pri_call_state(ours.call), role == PRI_ROLE_CPE ? PRI_CS_OVERLAP_RECEIVING
		     : PRI_CS_OVERLAP_SENDING);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_SETUP_ACK), 1000));
	cr_assert_eq(pri_information(far.pri, far.call, '3'), 0);
	cr_assert_eq(pri_information(far.pri, far.call, '4'), 0);
	cr_assert(RUN_UNTIL(!strcmp(ours.setup.called.digits, "1234"), 1000),
		  "called number is '%s'", ours.setup.called.digits);
	ev = ours_last(PRI_EV_INFO);
	cr_assert_not_null(ev);
	cr_expect_str_eq(ev->digits, "4");
	cr_assert_eq(pri_call_proceeding(ours.call), 0);
	cr_assert_eq(pri_call_alerting(ours.call, true), 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RINGING), 1000));
	cr_expect(far.progressmask & PRI_PROG_INBAND_AVAILABLE);
	cr_assert_eq(pri_call_answer(ours.call), 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_ANSWER), 1000));
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_CONNECT), 1000), "CONNECT ACKNOWLEDGE not reported");
	cr_expect_eq(pri_call_state(ours.call), PRI_CS_ACTIVE);
	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->cause, 16);
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
}

Test(pri, cpe_overlap_receiving)
{
	overlap_receiving(PRI_ROLE_CPE);
}

Test(pri, net_overlap_receiving)
{
	overlap_receiving(PRI_ROLE_NET);
}

Test(pri, exclusive_channel_busy_gives_44)
{
	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	ours_call("100", BCHAN_WANT_EXCLUSIVE, 3);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	far.call = NULL;	/* keep it ringing; the far end's next call is separate */
	far_clear_events();
	far_call("200", true, 3, true);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_HANGUP), 1500));
	cr_expect_eq(far.cause, 44);
	cr_expect_not(ours_saw(PRI_EV_SETUP));
	/* And locally: an exclusive request for a busy channel is refused with 44. */
	{
		struct pri_call_params p = { .called = { "300" },
					     .chan = { BCHAN_WANT_EXCLUSIVE, { SPAN, 3 } } };
		struct pri_call *c = NULL;
		int cause = 0;

		cr_expect_eq(pri_call_place(ours.span, &c, &p, &cause), EBUSY);
		cr_expect_eq(cause, 44);
		cr_expect_null(c);
	}
	cr_assert_eq(pri_call_hangup(ours.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1500));
	teardown_rig();
}

Test(pri, no_channel_gives_34)
{
	setup_rig(PRI_ROLE_NET, PRI_SW_EUROISDN, false);
	for (unsigned pos = 1; pos <= 3; pos++) {
		struct bchan_req req = { .want = BCHAN_WANT_EXCLUSIVE, .chan = { SPAN, pos },
					 .span_only = true };
		struct bchan_ref got;
		int cause;

		cr_assert_eq(bchan_acquire(ours.g, &req, &got, &cause), 0);
	}
	far_call("200", true, 0xff, false);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_HANGUP), 1500));
	cr_expect_eq(far.cause, 34);
	cr_expect_not(ours_saw(PRI_EV_SETUP));
	{
		struct pri_call_params p = { .called = { "300" } };
		struct pri_call *c = NULL;
		int cause = 0;

		cr_expect_eq(pri_call_place(ours.span, &c, &p, &cause), EBUSY);
		cr_expect_eq(cause, 34);
	}
	teardown_rig();
}

Test(pri, dchannel_lost_clears_calls)
{
	const struct ours_ev *ev;

	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	ours_call("100", BCHAN_WANT_ANY, 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	cr_assert_eq(pri_proceeding(far.pri, far.call, 1, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_PROCEEDING), 1000));
	far.call = NULL;	/* its libpri state goes with the far end */
	close(far.fd);
	far.fd = -1;
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_DCHAN_DOWN), 1000));
	ev = ours_last(PRI_EV_RELEASE);
	cr_assert_not_null(ev, "no RELEASE for the call");
	cr_expect_eq(ev->cause, 38);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_not(pri_span_dchan_up(ours.span));
	cr_expect_eq(pri_span_fd(ours.span), -1);
	cr_expect_eq(bchan_available(ours.g, SPAN), 0);
	cr_expect_not(bchan_span_usable(ours.g, SPAN));
	{
		struct pri_call_params p = { .called = { "300" } };
		struct pri_call *c = NULL;
		int cause = 0;

		cr_expect_eq(pri_call_place(ours.span, &c, &p, &cause), ENOTCONN);
		cr_expect_eq(cause, 38);
	}
	teardown_rig();
}

Test(pri, alarm_clears_calls_and_recovers)
{
	setup_rig(PRI_ROLE_NET, PRI_SW_EUROISDN, false);
	ours_call("100", BCHAN_WANT_ANY, 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	pri_span_set_alarm(ours.span, true);
	cr_expect(ours_saw(PRI_EV_RELEASE));
	cr_expect(ours_saw(PRI_EV_DCHAN_DOWN));
	cr_expect_eq(bchan_available(ours.g, SPAN), 0);
	pri_span_set_alarm(ours.span, false);
	cr_expect(pri_span_dchan_up(ours.span));
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	teardown_rig();
}

Test(pri, garbage_frames_do_not_crash)
{
	static const unsigned char junk[][8] = {
		{ 0x00 }, { 0xff, 0xff }, { 0x02, 0x01, 0x00 }, { 0x00, 0x01, 0x02, 0x03, 0x08, 0x02 },
		{ 0x02, 0x01, 0x02, 0x02, 0x08, 0x02, 0x80, 0x05 }, { 0xfc, 0x03, 0x7f, 0x08, 0x99 },
	};

	setup_rig(PRI_ROLE_CPE, PRI_SW_NI2, false);
	for (unsigned i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		size_t n = 1;

		while (n < sizeof(junk[i]) && junk[i][n])
			n++;
		cr_assert_geq(send(far.fd, junk[i], n, 0), 0);
		pass(20);
	}
	RUN_UNTIL(false, 200);
	/* Still usable: a call goes through. */
	ours_call("100", BCHAN_WANT_ANY, 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1500));
	cr_assert_eq(pri_call_hangup(ours.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1500));
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
}

/* ---- RESTART (Q.931 §5.5) received ------------------------------------------------------- */

static int count_ours(enum pri_event_type type)
{
	int n = 0;

	for (int i = 0; i < ours.nev; i++)
		n += ours.ev[i].type == type;
	return n;
}

/* A call from the far end on channel pos, answered by us: active both sides. */
static struct pri_call *far_call_active(unsigned pos)
{
	struct pri_call *c;

	far_call("200", true, (int)pos, true);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_SETUP), 1000));
	c = ours.call;
	cr_assert_eq(pri_call_chan(c).pos, pos);
	cr_assert_eq(pri_call_answer(c), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_CONNECT), 1000), "no CONNECT ACKNOWLEDGE");
	cr_assert_eq(pri_call_state(c), PRI_CS_ACTIVE);
	return c;
}

/* One of our calls to the far end on channel pos, answered: active both sides. */
static struct pri_call *ours_call_active(unsigned pos)
{
	struct pri_call *c = ours_call("4989765432", BCHAN_WANT_EXCLUSIVE, pos);

	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	cr_assert_eq(pri_proceeding(far.pri, far.call, (int)pos, 0), 0);
	cr_assert_eq(pri_answer(far.pri, far.call, (int)pos, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_CONNECT), 1000));
	cr_assert_eq(pri_call_state(c), PRI_CS_ACTIVE);
	return c;
}

/* The far end restarts: it has dropped its own calls on the channel(s) already, as a switch
 * restarting a channel does (§5.5.1), and waits for RESTART ACKNOWLEDGE, which libpri on our
 * side sends by itself. restart_class 0: channel pos; 6 or 7: the interface. */
static void far_restart(int restart_class, unsigned pos)
{
	far.restart_class = restart_class;
	far.restart_acks = 0;
	cr_assert_eq(pri_reset(far.pri, (int)(pos ? pos : 1)), 0);
	cr_assert(RUN_UNTIL(far.restart_acks == 1 && ours_saw(PRI_EV_RESTART), 1000),
		  "RESTART not acknowledged (acks %d)", far.restart_acks);
	far.restart_class = 0;
	if (restart_class)
		cr_expect_eq(far.restart_ack_channel, -1, "RESTART ACKNOWLEDGE names a channel");
	else
		cr_expect_eq(far.restart_ack_channel & 0xff, (int)pos);
}

/* A new call on channel pos both ways is set up and cleared: the channel is reusable. */
static void channel_carries_calls(unsigned pos)
{
	ours.nev = 0;
	far.nev = 0;
	far_call_active(pos);
	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	RUN_UNTIL(!far.call, 500);
	ours.nev = 0;
	far.nev = 0;
	ours_call_active(pos);
	cr_assert_eq(pri_call_hangup(ours.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	RUN_UNTIL(!far.call, 500);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
}

/* The call on the restarted channel is cleared with cause 41 (temporary failure: the far end
 * reset the channel, a new attempt may succeed at once; the gateway puts it into the
 * BYE's Reason), before RESTART is reported; the channel is free and takes new calls. */
static void restart_channel_of_active_call(enum pri_role role, bool incoming)
{
	struct pri_call *c;
	const struct ours_ev *ev;

	setup_rig(role, PRI_SW_EUROISDN, false);
	c = incoming ? far_call_active(2) : ours_call_active(2);
	cr_expect_eq(bchan_available(ours.g, SPAN), 2);
	pri_destroycall(far.pri, far.call);
	far.call = NULL;
	ours.nev = 0;
	far_restart(0, 2);
	ev = ours_last(PRI_EV_RELEASE);
	cr_assert_not_null(ev, "call on the restarted channel not released");
	cr_expect_eq(ev->call, c);
	cr_expect_eq(ev->cause, 41);
	cr_expect_eq(ev->chan.pos, 2);
	cr_expect_eq(count_ours(PRI_EV_RELEASE), 1);
	cr_expect_not(ours_saw(PRI_EV_DISCONNECT));
	ev = ours_last(PRI_EV_RESTART);
	cr_expect_not(ev->whole_interface);
	cr_expect_eq(ev->restart_pos, 2);
	cr_expect_lt(ours_last(PRI_EV_RELEASE) - ours.ev, ev - ours.ev, "RELEASE after RESTART");
	cr_expect_null(ours.call);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	/* Nothing more comes for the old call (no T305/T308 of a call libpri no longer has). */
	RUN_UNTIL(false, 300);
	cr_expect_eq(count_ours(PRI_EV_RELEASE), 1);
	channel_carries_calls(2);
	teardown_rig();
}

Test(pri, cpe_restart_channel_clears_incoming_call)
{
	restart_channel_of_active_call(PRI_ROLE_CPE, true);
}

Test(pri, cpe_restart_channel_clears_outgoing_call)
{
	restart_channel_of_active_call(PRI_ROLE_CPE, false);
}

Test(pri, net_restart_channel_clears_incoming_call)
{
	restart_channel_of_active_call(PRI_ROLE_NET, true);
}

Test(pri, net_restart_channel_clears_outgoing_call)
{
	restart_channel_of_active_call(PRI_ROLE_NET, false);
}

/* A call not yet answered (ours, far end proceeding: U3/N9... T310 running) on the channel. */
Test(pri, restart_channel_during_setup)
{
	struct pri_call *c;

	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	c = ours_call("4989765432", BCHAN_WANT_EXCLUSIVE, 2);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	cr_assert_eq(pri_proceeding(far.pri, far.call, 2, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_PROCEEDING), 1000));
	pri_destroycall(far.pri, far.call);
	far.call = NULL;
	ours.nev = 0;
	far_restart(0, 2);
	cr_assert_eq(count_ours(PRI_EV_RELEASE), 1);
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->call, c);
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->cause, 41);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	channel_carries_calls(2);
	teardown_rig();
}

/* RESTART of an idle channel: reported, no call touched, a channel out of service stays so. */
Test(pri, restart_idle_channel_leaves_other_calls)
{
	struct pri_call *c;
	enum bchan_state st;

	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	c = far_call_active(1);
	cr_assert_eq(bchan_set_service(ours.g, (struct bchan_ref){ SPAN, 3 }, false), 0);
	ours.nev = 0;
	far_restart(0, 2);
	cr_expect_not(ours_saw(PRI_EV_RELEASE));
	cr_expect_eq(ours_last(PRI_EV_RESTART)->restart_pos, 2);
	far_restart(0, 3);
	cr_expect_not(ours_saw(PRI_EV_RELEASE));
	cr_expect_eq(bchan_state(ours.g, (struct bchan_ref){ SPAN, 3 }, &st), 0);
	cr_expect_eq(st, BCHAN_OOS);
	cr_expect_eq(ours.call, c);
	cr_expect_eq(pri_call_state(c), PRI_CS_ACTIVE);
	cr_expect_eq(bchan_available(ours.g, SPAN), 1);
	/* The untouched call clears normally. */
	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->cause, 16);
	RUN_UNTIL(!far.call, 500);
	cr_expect_eq(bchan_available(ours.g, SPAN), 2);
	teardown_rig();
}

/* RESTART of the interface (§5.5, restart indicator class 6 or 7, no channel
 * identification): every call is cleared with cause 41, every channel is idle. */
static void restart_interface(enum pri_role role, int restart_class)
{
	struct pri_call *a, *b;

	setup_rig(role, PRI_SW_EUROISDN, false);
	a = far_call_active(1);
	pri_destroycall(far.pri, far.call);
	far.call = NULL;
	far.nev = 0;
	ours.nev = 0;
	b = ours_call_active(3);
	pri_destroycall(far.pri, far.call);
	far.call = NULL;
	cr_expect_eq(bchan_available(ours.g, SPAN), 1);
	ours.nev = 0;
	far_restart(restart_class, 0);
	cr_expect_eq(count_ours(PRI_EV_RELEASE), 2);
	for (int i = 0; i < ours.nev; i++)
		if (ours.ev[i].type == PRI_EV_RELEASE) {
			cr_expect(ours.ev[i].call == a || ours.ev[i].call == b);
			cr_expect_eq(ours.ev[i].cause, 41);
		}
	cr_expect(ours_last(PRI_EV_RESTART)->whole_interface);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	cr_expect(pri_span_dchan_up(ours.span));
	channel_carries_calls(1);
	channel_carries_calls(3);
	teardown_rig();
}

Test(pri, cpe_restart_all_interfaces_clears_every_call)
{
	restart_interface(PRI_ROLE_CPE, 7);
}

Test(pri, net_restart_single_interface_clears_every_call)
{
	restart_interface(PRI_ROLE_NET, 6);
}

Test(pri, names)
{
	cr_expect_str_eq(pri_call_state_name(PRI_CS_OUTGOING_CALL_PROCEEDING),
			 "Outgoing Call Proceeding");
	cr_expect_str_eq(pri_call_state_name(5), "?");
	cr_expect_str_eq(pri_event_name(PRI_EV_RESTART), "RESTART");
}

/* Every switch variant the config offers, both ways: numbers with their type of number,
 * presentation and screening, and the calling name (Display IE or FACILITY: libpri 1.6.0
 * carries it on all six with facility and display options on). */
struct sw_case {
	enum pri_switch sw;
	enum pri_role role;
	bool net_screen;	/* libpri 1.6.0 sends every number as "network provided" */
};

static void call_both_ways(const struct sw_case *k)
{
	setup_rig(k->role, k->sw, false);

	/* in: the far end's SETUP as we see it */
	far_call("4930", true, 1, true);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_SETUP), 1000), "switch %d: no SETUP", k->sw);
	cr_expect_str_eq(ours.setup.called.digits, "4930");
	cr_expect_eq(ours.setup.called.ton, Q931_TON_NATIONAL);
	cr_expect_str_eq(ours.setup.calling.number.digits, "0301234567");
	cr_expect_eq(ours.setup.calling.number.ton, Q931_TON_NATIONAL);
	cr_expect_eq(ours.setup.calling.number.npi, Q931_NPI_E164);
	cr_expect_eq(ours.setup.calling.pres, Q931_PRES_ALLOWED);
	cr_expect_eq(ours.setup.calling.screen,
		     k->net_screen ? Q931_SCREEN_NETWORK : Q931_SCREEN_USER_PASSED,
		     "switch %d role %d: %d", k->sw, k->role, ours.setup.calling.screen);
	cr_expect_str_eq(ours.setup.calling.name, "Alice",
			 "switch %d role %d: name", k->sw, k->role);
	cr_assert_eq(pri_call_hangup(ours.call, 17), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 2000));
	RUN_UNTIL(!far.call, 1000);
	cr_expect_eq(far.cause, 17);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	far_clear_events();

	/* out: our SETUP as the far end sees it */
	struct pri_call_params p = {
		.called = { "4989765432", Q931_TON_INTERNATIONAL, Q931_NPI_E164 },
		.calling = { .number = { "30123456", Q931_TON_NATIONAL, Q931_NPI_E164 },
			     .pres = Q931_PRES_ALLOWED, .screen = Q931_SCREEN_USER_NOT_SCREENED,
			     .name = "Bob" },
		.bearer = PRI_BEARER_SPEECH,
		.chan = { .want = BCHAN_WANT_ANY },
		.complete = true,
	};
	struct pri_call *c = NULL;
	int cause = 0;
	cr_assert_eq(pri_call_place(ours.span, &c, &p, &cause), 0);
	ours.call = c;
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	cr_expect_str_eq(far.ring.callednum, "4989765432");
	cr_expect_eq(far.ring.calledplan, PRI_INTERNATIONAL_ISDN);
	cr_expect_str_eq(far.ring.callingnum, "30123456");
	cr_expect_eq(far.ring.callingplan, PRI_NATIONAL_ISDN);
	cr_expect_eq(far.ring.callingpres, k->net_screen ? PRES_ALLOWED_NETWORK_NUMBER
						 : PRES_ALLOWED_USER_NUMBER_NOT_SCREENED,
		     "switch %d role %d: %#x", k->sw, k->role, far.ring.callingpres);
	cr_expect_str_eq(far.ring.callingname, "Bob",
			 "switch %d role %d: name out", k->sw, k->role);
	/* CALL PROCEEDING first, else libpri 1.6 sends nothing (docs/architecture.md §4) */
	cr_assert_eq(pri_proceeding(far.pri, far.call, far.ring.channel, 0), 0);
	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 2000));
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->cause, 16);
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
}

ParameterizedTestParameters(pri, switch_variants)
{
	static struct sw_case cases[] = {
		{ PRI_SW_EUROISDN, PRI_ROLE_CPE, false }, { PRI_SW_EUROISDN, PRI_ROLE_NET, false },
		{ PRI_SW_NI2, PRI_ROLE_CPE, false }, { PRI_SW_NI2, PRI_ROLE_NET, false },
		{ PRI_SW_DMS100, PRI_ROLE_CPE, true }, { PRI_SW_DMS100, PRI_ROLE_NET, true },
		{ PRI_SW_5ESS, PRI_ROLE_CPE, false }, { PRI_SW_5ESS, PRI_ROLE_NET, false },
		{ PRI_SW_4ESS, PRI_ROLE_CPE, true }, { PRI_SW_4ESS, PRI_ROLE_NET, true },
		{ PRI_SW_QSIG, PRI_ROLE_CPE, false }, { PRI_SW_QSIG, PRI_ROLE_NET, false },
	};
	return cr_make_param_array(struct sw_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct sw_case *k, pri, switch_variants)
{
	call_both_ways(k);
}

/* ---- data link reset by the far end (Q.921 SABME in state 7, Q.931 §5.8.8) --------------- */

/* A new D-channel entity takes over the far end of the link, knowing none of the old calls:
 * a PBX restarted faster than our Q.921 noticed it was gone (T203 + N200 x T200). Its
 * SABME finds our link established. The old libpri is abandoned (no destructor). */
static void far_replace(void)
{
	far.call = NULL;
	far.up = false;
	far.pri = pri_new_cb(far.fd, far.node, far.sw, far_read, far_write, NULL);
	cr_assert_not_null(far.pri);
	pri_set_overlapdial(far.pri, 1);
}

/* The call the new far end does not know is checked and cleared at once with the cause it
 * answers: RELEASE COMPLETE 81 (invalid call reference, to our INFORMATION) or, when an
 * I-frame of ours was still unacknowledged, 101 (message not compatible with call state:
 * libpri's answer to the STATUS our libpri then sends itself, DL-ESTABLISH indication).
 * The channel is free, the link never went down, the channel takes the new far end's calls. */
static void dl_reset_clears_unknown_call(enum pri_role role, bool incoming)
{
	struct pri_call *c;
	const struct ours_ev *ev;

	setup_rig(role, PRI_SW_EUROISDN, false);
	c = incoming ? far_call_active(2) : ours_call_active(2);
	cr_expect_eq(bchan_available(ours.g, SPAN), 2);
	ours.nev = 0;
	far.nev = 0;
	far_replace();
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 3000),
		  "the call the new far end does not know was kept");
	ev = ours_last(PRI_EV_RELEASE);
	cr_expect_eq(ev->call, c);
	cr_expect(ev->cause == 81 || ev->cause == 101, "cause %d", ev->cause);
	cr_expect_eq(ev->chan.pos, 2);
	cr_expect_not(ours_saw(PRI_EV_DCHAN_DOWN), "the link never went down on our side");
	cr_expect(pri_span_dchan_up(ours.span));
	cr_expect_eq(pri_span_calls(ours.span), 0);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	cr_assert(RUN_UNTIL(far.up, 1000));
	channel_carries_calls(2);
	teardown_rig();
}

Test(pri, cpe_dl_reset_clears_incoming_call_far_end_lost)
{
	dl_reset_clears_unknown_call(PRI_ROLE_CPE, true);
}

Test(pri, net_dl_reset_clears_outgoing_call_far_end_lost)
{
	dl_reset_clears_unknown_call(PRI_ROLE_NET, false);
}

/* The same far end re-establishes the link after a layer 2 loss (its T203 and N200 x T200
 * expired while our frames were lost: Q.921 §5.6.7 timer recovery): it still has the call,
 * takes the INFORMATION and the call goes on, then clears normally. */
Test(pri, cpe_dl_reset_keeps_call_far_end_still_has)
{
	struct pri_call *c;

	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	/* short far timers from the start, so that the T203 running when it goes deaf is short */
	cr_assert_eq(pri_set_timer(far.pri, PRI_TIMER_T203, 200), 0);
	cr_assert_eq(pri_set_timer(far.pri, PRI_TIMER_T200, 300), 0);
	c = far_call_active(1);
	ours.nev = 0;
	far.nev = 0;
	far.deaf = true;
	cr_assert(RUN_UNTIL(!far.deaf, 4000), "the far end never re-established the link");
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_INFO_RECEIVED), 2000),
		  "no INFORMATION reached the far end after its data link reset");
	RUN_UNTIL(false, 500);
	cr_expect_not(ours_saw(PRI_EV_RELEASE), "a call the far end still has was cleared");
	cr_expect_eq(pri_call_state(c), PRI_CS_ACTIVE);
	cr_expect_eq(far.ring.callednum[0], '\0', "INFORMATION carried digits");
	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	cr_expect_eq(ours_last(PRI_EV_RELEASE)->cause, 16);
	cr_expect_eq(bchan_available(ours.g, SPAN), 3);
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
}

/* A reload regroups the span (gateway/reload.c): its call goes on, its channel busy in the
 * new group's table, and comes free there when the call clears. */
Test(pri, call_carries_over_to_another_channel_table)
{
	static const struct bchan_ref chans[] = { { 7, 1 }, { 7, 2 }, { SPAN, 3 }, { SPAN, 2 },
						  { SPAN, 1 } };
	struct bchan_group *next;
	struct pri_call *c;
	enum bchan_state st;
	struct bchan_ref got;
	int cause = 0;

	setup_rig(PRI_ROLE_CPE, PRI_SW_EUROISDN, false);
	c = ours_call("4989765432", BCHAN_WANT_ANY, 0);
	cr_assert(RUN_UNTIL(far_saw(PRI_EVENT_RING), 1000));
	cr_assert_eq(pri_answer(far.pri, far.call, 1, 0), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_CONNECT), 1000));
	cr_assert_eq(pri_call_chan(c).pos, 1);

	cr_assert_eq(bchan_alloc(&next, &(struct bchan_params){ .chans = chans, .nchans = 5,
								 .hunt = BCHAN_HUNT_DESC }), 0);
	(void)bchan_set_span_usable(next, 7, false);
	cr_assert_eq(pri_span_set_chans(ours.span, next), 0);
	cr_expect_eq(pri_call_state(c), PRI_CS_ACTIVE);
	cr_assert_eq(bchan_state(next, (struct bchan_ref){ SPAN, 1 }, &st), 0);
	cr_expect_eq(st, BCHAN_BUSY, "the call's channel is busy in the new table");
	cr_expect(bchan_span_usable(next, SPAN), "the span is up: usable in the new table");
	cr_expect_eq(bchan_available(next, SPAN), 2);
	/* The new table's hunt (descending over span 7 then SPAN 3, 2, 1) skips the busy one. */
	cr_assert_eq(bchan_select(next, &(struct bchan_req){ .want = BCHAN_WANT_ANY }, &got,
				  &cause), 0);
	cr_expect_eq(got.span, SPAN);
	cr_expect_eq(got.pos, 2);

	cr_assert_eq(pri_hangup(far.pri, far.call, 16), 0);
	cr_assert(RUN_UNTIL(ours_saw(PRI_EV_RELEASE), 1000));
	cr_expect_eq(bchan_available(next, SPAN), 3, "the channel comes free in the new table");
	RUN_UNTIL(!far.call, 500);
	teardown_rig();
	bchan_free(next);
}
