/* Carrier dialog features of sip/ua against SIPp on 127.0.0.1: late offer (RFC 3261
 * §13.2.1, RFC 3264 §5) both ways, and session timers (RFC 4028): the peer refreshes and we
 * answer with Session-Expires and Require (§9); 422 with our Min-SE (§6); we ask (§7.1),
 * take a 422 and retry with its Min-SE; we refresh by re-INVITE with our current SDP, o=
 * version unchanged (§10, RFC 3264 §8); no refresh from the peer: BYE with Reason 408 and the
 * EXPIRED event min(32 s, I/3) before the end (§10).
 *
 * The UA runs with st_second_ms = 100 (its test-only time scale for the session timer): a
 * 90 s session (the RFC's smallest) refreshes at 3.8 "s" and expires at 6 "s" here; at
 * 1000 these are 38 s and 60 s (measured once that way; the scale changes nothing else).
 * Ports: test i uses 26900 + 8*i (UA), +1
 * (SIPp), +2 (SIPp control), +4..+7 (SIPp media). Scenarios: tests/sip/st_*.xml, lo_*.xml; SIPp
 * logs go to /tmp/sipst-<port>-*.log. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tests/unit/leak_check.h"
#include "tests/unit/sipp_args.h"

#define PORT_BASE 26900
#define PORT_STEP 8
#define EV_MAX	  32
#define ST_SECOND_MS 100	/* [ms] a session timer second in these tests */

static const char test_sdp[] =
	"v=0\r\n"
	"o=strowger 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 8 0\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

struct rec {
	enum sipua_event_type type;
	struct sipua_call *call;
	int status;
	bool taken;
	bool has_sdp;			/* ev->sdp with an m=audio line */
	uint64_t at;			/* [ms] when it came */
	char reason[128];
};

static struct {
	su_root_t *root;
	struct sipua *ua;
	struct rec ev[EV_MAX];
	unsigned nev;
	void (*hook)(const struct sipua_event *ev);
	struct sipua_timer timer;	/* what the hook gives sipua_call_timer() */
	int timer_err;			/* what that returned */
	enum sipua_prack prack;		/* what the hook gives sipua_call_prack() */
	int prack_err;			/* what that returned */
	bool early;			/* the hook sends 183 with SDP before the 200 */
	pid_t sipp;
	uint16_t base;
} H;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_event(const struct sipua_event *ev, void *arg)
{
	(void)arg;
	cr_assert_lt(H.nev, EV_MAX, "too many events");
	struct rec *r = &H.ev[H.nev++];
	r->type = ev->type;
	r->call = ev->call;
	r->status = ev->status;
	r->at = now_ms();
	r->has_sdp = ev->sdp && strstr(ev->sdp, "m=audio");
	snprintf(r->reason, sizeof(r->reason), "%s", ev->reason ? ev->reason : "");
	if (H.hook)
		H.hook(ev);
}

static struct rec *wait_event(enum sipua_event_type type, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	for (;;) {
		for (unsigned i = 0; i < H.nev; i++) {
			if (H.ev[i].type == type && !H.ev[i].taken) {
				H.ev[i].taken = true;
				return &H.ev[i];
			}
		}
		if (now_ms() >= end)
			return NULL;
		su_root_step(H.root, 20);
	}
}

static unsigned count_events(enum sipua_event_type type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < H.nev; i++)
		n += H.ev[i].type == type;
	return n;
}

static bool udp_bound(uint16_t port)
{
	return proc_net_has("udp", port, "");
}

/* Fork SIPp on H.base+1: UAS when target is 0, else UAC towards 127.0.0.1:target. */
static void sipp_start(const char *scenario, uint16_t target, const char *service)
{
	char msgf[64], errf[64];
	struct sipp_args a;

	snprintf(msgf, sizeof(msgf), "/tmp/sipst-%u-messages.log", H.base);
	snprintf(errf, sizeof(errf), "/tmp/sipst-%u-errors.log", H.base);
	sipp_args_init(&a, scenario, H.base + 1, H.base + 2, H.base + 4, 1, "90s", msgf, errf);
	if (service)
		sipp_args_add(&a, "-s", service);
	H.sipp = sipp_spawn(sipp_args_end(&a, target));
	if (!target) {	/* a UAS must listen before we send to it */
		uint64_t end = now_ms() + 5000;
		while (!udp_bound(H.base + 1) && now_ms() < end)
			usleep(10000);
		cr_assert(udp_bound(H.base + 1), "SIPp did not bind 127.0.0.1:%u", H.base + 1);
	}
}

/* Run the loop until SIPp exits; its exit status (0: every call passed), -1 on timeout. */
static int sipp_wait(unsigned ms)
{
	uint64_t end = now_ms() + ms;
	int st;

	while (H.sipp > 0) {
		pid_t r = waitpid(H.sipp, &st, WNOHANG);
		if (r == H.sipp) {
			H.sipp = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (now_ms() >= end)
			return -1;
		su_root_step(H.root, 20);
	}
	return -1;
}

static void ua_start(unsigned test_index)
{
	H.base = PORT_BASE + PORT_STEP * test_index;
	log_set_all(LL_INFO);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = {
		.root = H.root, .addr = "127.0.0.1", .port = H.base,
		.transports = SIPUA_TP_UDP, .evh = on_event,
		.st_second_ms = ST_SECOND_MS,
	};
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
}

static struct sip_trunk *trunk_add(void)
{
	char proxy[64];
	struct sip_trunk *t = NULL;

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base + 1);
	struct sip_trunk_params p = {
		.name = "carrier", .proxy = proxy, .transport = SIP_TP_UDP, .expires = 3600,
	};
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	return t;
}

static void teardown(void)
{
	if (H.sipp > 0) {
		kill(H.sipp, SIGKILL);
		(void)waitpid(H.sipp, NULL, 0);
	}
	if (H.ua)
		sipua_free(H.ua);
	if (H.root)
		su_root_destroy(H.root);
	su_deinit();
	memset(&H, 0, sizeof(H));
}

static void done(void)
{
	teardown();
	leak_check_expect_none();
}

/* The owner's part: the trunk's timer, then 200 with our SDP; a re-INVITE gets the same. */
static void answer_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_INCOMING) {
		H.timer_err = sipua_call_timer(ev->call, &H.timer);
		if (H.timer_err)
			return;
		H.prack_err = sipua_call_prack(ev->call, H.prack);
		if (H.prack_err)
			return;
		if (H.early)
			cr_expect_eq(sipua_call_respond(ev->call, 183, NULL, test_sdp, NULL), 0);
		cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
	} else if (ev->type == SIPUA_EV_CALL_REINVITE) {
		cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
	}
}

static void incoming(unsigned index, const char *scenario, enum sipua_st_mode mode,
		     unsigned min_se)
{
	ua_start(index);
	trunk_add();
	H.timer = (struct sipua_timer){ .mode = mode, .expires = 1800, .min_se = min_se };
	H.hook = answer_hook;
	sipp_start(scenario, H.base, "5550100");
}

TestSuite(sip_timer, .fini = teardown, .timeout = 40);

Test(sip_timer, bad_params)
{
	ua_start(0);
	trunk_add();
	H.timer = (struct sipua_timer){ .mode = SIPUA_ST_ACCEPT, .expires = 1800, .min_se = 89 };
	cr_expect_eq(sipua_call_timer(NULL, &H.timer), EINVAL);
	done();
}

/* §9: the peer asks to refresh (refresher=uac); our 200s carry Session-Expires: 90;
 * refresher=uac and Require: timer, the first and the one to its refresh re-INVITE, whose
 * answer is our SDP. SIPp checks the headers and bodies; no BYE from us. */
Test(sip_timer, peer_refreshes)
{
	incoming(1, "st_uac_refresh.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_expect_eq(H.timer_err, 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_REINVITE, 5000), "no refresh re-INVITE");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_EXPIRED), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* §6: Session-Expires 100 below our Min-SE 120: 422 with Min-SE: 120, and no call. */
Test(sip_timer, interval_too_small_422)
{
	incoming(2, "st_uac_422.xml", SIPUA_ST_ACCEPT, 120);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_expect_eq(H.timer_err, ERANGE);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* §7.1, §6: session_timer = yes asks for 120 s; the 422's Min-SE 150 is taken and the
 * INVITE goes again with 150; the call is answered (not failed) and ends with our BYE. */
Test(sip_timer, we_ask_422_retry)
{
	ua_start(3);
	struct sip_trunk *t = trunk_add();
	sipp_start("st_uas_422_retry.xml", 0, NULL);
	struct sipua_timer timer = { .mode = SIPUA_ST_YES, .expires = 120, .min_se = 90 };
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp, .timer = &timer };
	struct sipua_call *c = NULL;
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_ANSWERED, 8000), "no 200 after the 422");
	cr_expect_eq(count_events(SIPUA_EV_CALL_FAILED), 0);
	cr_expect_eq(count_events(SIPUA_EV_CALL_PROGRESS), 0, "the 422 retry is no progress");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_assert_eq(sipua_call_bye(c, NULL), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* §9, §10: the peer makes us the refresher of a 90 s session: our re-INVITE comes before
 * half of it (45 s less our 7 s lead on Sofia-SIP's own check, on the test's time scale)
 * and carries the SDP of our
 * answer unchanged (o= version 1, RFC 3264 §8), which SIPp checks; the owner hears nothing
 * of it (no REINVITE_ANSWER). SIPp's BYE follows its 200 at once. */
Test(sip_timer, we_refresh_with_current_sdp)
{
	incoming(4, "st_uac_we_refresh.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	struct rec *r = wait_event(SIPUA_EV_CALL_CONFIRMED, 5000);
	cr_assert_not_null(r);
	uint64_t t0 = r->at;
	r = wait_event(SIPUA_EV_CALL_BYE, 10000);
	cr_assert_not_null(r, "no BYE after the refresh (see /tmp/sipst-%u-*.log)", H.base);
	/* refresh at (45 - 7) "s", SIPp's BYE 200 ms after our ACK to its 200 */
	uint64_t dt = r->at - t0;
	cr_expect(dt >= 38 * ST_SECOND_MS - 100 && dt <= 38 * ST_SECOND_MS + 800,
		  "refresh + BYE %llu ms after the ACK, not ~%u", (unsigned long long)dt,
		  38 * ST_SECOND_MS + 200);
	cr_expect_eq(count_events(SIPUA_EV_CALL_REINVITE_ANSWER), 0);
	cr_expect_eq(count_events(SIPUA_EV_CALL_EXPIRED), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* §10: the peer was to refresh a 90 s session and never does: at 90 - min(32, 30) = 60 s
 * (of the test's time scale) we send BYE with Reason: SIP;cause=408 (SIPp checks it) and tell the owner (EXPIRED). */
Test(sip_timer, no_refresh_bye_408)
{
	incoming(5, "st_uac_no_refresh.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	struct rec *r = wait_event(SIPUA_EV_CALL_CONFIRMED, 5000);
	cr_assert_not_null(r);
	uint64_t t0 = r->at;
	r = wait_event(SIPUA_EV_CALL_EXPIRED, 15000);
	cr_assert_not_null(r, "no session expiry (see /tmp/sipst-%u-*.log)", H.base);
	uint64_t dt = r->at - t0;
	cr_expect(dt >= 60 * ST_SECOND_MS - 100 && dt <= 60 * ST_SECOND_MS + 500,
		  "BYE %llu ms after the ACK, not %u", (unsigned long long)dt, 60 * ST_SECOND_MS);
	cr_expect_eq(r->status, 408);
	cr_expect(strstr(r->reason, "cause=408") != NULL, "reason: %s", r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_BYE), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* RFC 4028 §7.4, RFC 3311: a refresh by UPDATE without SDP gets 200 with Session-Expires:
 * 90;refresher=uac and Require: timer; an UPDATE with an offer gets 488 and the call goes
 * on to SIPp's BYE. SIPp checks the responses. */
Test(sip_timer, peer_refreshes_by_update)
{
	incoming(6, "st_uac_update.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000), "the call did not last to its BYE");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_REINVITE), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* session_timer = no: the peer's Session-Expires is ignored; our 200 has no Session-Expires
 * and no "timer" in Supported (SIPp checks), so neither side expects refreshes. */
Test(sip_timer, timer_off_ignores_the_peer)
{
	H.prack = SIPUA_PRACK_NO;	/* and no 100rel: an empty Supported */
	incoming(7, "st_uac_timer_off.xml", SIPUA_ST_NO, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_expect_eq(H.timer_err, 0);
	cr_expect_eq(H.prack_err, 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* ---- Late offer ---------------------------------------------------------------------- */

TestSuite(sip_late, .fini = teardown, .timeout = 40);

/* An INVITE and a re-INVITE without SDP reach the owner without one; our 200s carry our
 * offer (SIPp checks m=audio) and each ACK's answer comes to the owner as an ACK event. */
Test(sip_late, offer_in_our_200_answer_in_ack)
{
	incoming(8, "lo_uac_in.xml", SIPUA_ST_ACCEPT, 90);
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r);
	cr_expect(!r->has_sdp);
	r = wait_event(SIPUA_EV_CALL_ACK, 5000);
	cr_assert_not_null(r, "no ACK event");
	cr_expect(r->has_sdp, "the answer in the ACK");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	r = wait_event(SIPUA_EV_CALL_REINVITE, 5000);
	cr_assert_not_null(r);
	cr_expect(!r->has_sdp);
	r = wait_event(SIPUA_EV_CALL_ACK, 5000);
	cr_assert_not_null(r, "no ACK event for the re-INVITE");
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

static void ack_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_ANSWERED) {
		cr_expect(ev->sdp && strstr(ev->sdp, "m=audio"), "the offer in the 200");
		cr_expect_eq(sipua_call_ack(ev->call, test_sdp), 0);
		cr_expect_eq(sipua_call_ack(ev->call, test_sdp), EPROTO, "one ACK");
	}
}

/* Our INVITE without SDP: the 200's offer comes with ANSWERED, and our answer goes in the
 * ACK (SIPp checks that the INVITE had no body and the ACK has m=audio). */
Test(sip_late, our_invite_without_sdp)
{
	ua_start(9);
	struct sip_trunk *t = trunk_add();
	H.hook = ack_hook;
	sipp_start("lo_uas_out.xml", 0, NULL);
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000" };
	struct sipua_call *c = NULL;
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_ANSWERED, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000), "no ACK sent");
	cr_expect_eq(sipua_call_ack(c, NULL), EPROTO);
	cr_assert_eq(sipua_call_bye(c, NULL), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* ---- Reliable provisional responses (RFC 3262) ------------------------------------------- */

TestSuite(sip_prack, .fini = teardown, .timeout = 40);

/* Our INVITE lists 100rel; the peer's reliable 183 is PRACKed with its RSeq (SIPp checks
 * the RAck) and reported once with its SDP; the 200 then answers the call. */
Test(sip_prack, reliable_183_from_the_peer_is_pracked)
{
	ua_start(10);
	struct sip_trunk *t = trunk_add();
	sipp_start("pr_uas_rel183.xml", 0, NULL);
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp, .prack = SIPUA_PRACK_SUPPORTED };
	struct sipua_call *c = NULL;
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_PROGRESS, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 183);
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_ANSWERED, 5000), "no 200 after the PRACK");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_PROGRESS), 1);
	cr_assert_eq(sipua_call_bye(c, NULL), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* A peer supporting 100rel gets our 183 with SDP reliably (Require: 100rel, RSeq: SIPp
 * checks); our 200 waits for its PRACK; the call is answered and ends with its BYE. */
Test(sip_prack, our_183_reliable_to_a_peer_supporting_it)
{
	H.early = true;
	incoming(11, "pr_uac_rel.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_expect_eq(H.prack_err, 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}

/* prack = no: an INVITE requiring 100rel gets 420 with Unsupported: 100rel, no call. */
Test(sip_prack, required_by_the_peer_refused_with_420)
{
	H.prack = SIPUA_PRACK_NO;
	incoming(12, "pr_uac_require_refused.xml", SIPUA_ST_ACCEPT, 90);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_expect_eq(H.prack_err, ERANGE);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipst-%u-*.log)", H.base);
	done();
}
