/* sip/ua behind NAT and towards carriers, against SIPp on 127.0.0.1: the external address
 * in our Via sent-by and Contact while the socket stays bound to 127.0.0.1; rport (RFC 3581)
 * honoured on a request whose Via names another port than it came from; a fixed
 * P-Asserted-Identity URI (RFC 3325) and a forced Privacy (RFC 3323) with the trunk's
 * account in From; the answer to our session refresh (RFC 4028) that moves the peer's media
 * reported to the owner (a 100 ms "second" for the session timer, as test_sip_dialog.c).
 *
 * Ports: test i uses 27320 + 8*i (UA), +1 (SIPp), +2 (SIPp control), +4..+7 (SIPp media).
 * Scenarios: tests/sip/nat_*.xml; SIPp logs go to /tmp/sipnat-<port>-*.log. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif
#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tests/unit/sipp_args.h"

#define PORT_BASE 27320
#define PORT_STEP 8
#define EV_MAX	  32
#define EXT_ADDR  "192.0.2.10"	/* TEST-NET-1: only ever written, never sent to */

static const char test_sdp[] =
	"v=0\r\n"
	"o=strowger 1 1 IN IP4 " EXT_ADDR "\r\n"
	"s=-\r\n"
	"c=IN IP4 " EXT_ADDR "\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 8 0\r\n"
	"a=rtpmap:8 PCMA/8000\r\n";

struct rec {
	enum sipua_event_type type;
	struct sipua_call *call;
	int status;
	bool taken;
	char sdp[512];
};

static struct {
	su_root_t *root;
	struct sipua *ua;
	struct rec ev[EV_MAX];
	unsigned nev;
	void (*hook)(const struct sipua_event *ev);
	pid_t sipp;
	uint16_t base;
	unsigned st_second_ms;		/* for ua_start(); 0: 1000 */
} H;

static void on_event(const struct sipua_event *ev, void *arg)
{
	(void)arg;
	cr_assert_lt(H.nev, EV_MAX, "too many events");
	H.ev[H.nev] = (struct rec){ .type = ev->type, .call = ev->call, .status = ev->status };
	snprintf(H.ev[H.nev++].sdp, sizeof(H.ev[0].sdp), "%s", ev->sdp ? ev->sdp : "");
	if (H.hook)
		H.hook(ev);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The first event of this type not yet taken, running the loop up to ms for it. */
static struct rec *wait_event(enum sipua_event_type type, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		for (unsigned i = 0; i < H.nev; i++)
			if (H.ev[i].type == type && !H.ev[i].taken) {
				H.ev[i].taken = true;
				return &H.ev[i];
			}
		if (now_ms() >= end)
			return NULL;
		su_root_step(H.root, 20);
	}
}

/* SIPp on H.base+1: UAS when target is 0, else UAC towards 127.0.0.1:target. */
static void sipp_start(const char *scenario, uint16_t target, const char *service)
{
	char msgf[64], errf[64];
	struct sipp_args a;

	snprintf(msgf, sizeof(msgf), "/tmp/sipnat-%u-messages.log", H.base);
	snprintf(errf, sizeof(errf), "/tmp/sipnat-%u-errors.log", H.base);
	sipp_args_init(&a, scenario, H.base + 1, H.base + 2, H.base + 4, 1, "20s", msgf, errf);
	if (service)
		sipp_args_add(&a, "-s", service);
	H.sipp = sipp_spawn(sipp_args_end(&a, target));
	if (!target) {	/* a UAS must listen before we send to it */
		uint64_t end = now_ms() + 5000;

		while (!proc_net_has("udp", H.base + 1, "") && now_ms() < end)
			usleep(10000);
		cr_assert(proc_net_has("udp", H.base + 1, ""), "SIPp did not bind");
	}
}

/* Run the loop until SIPp exits: its exit status (0: the scenario passed), -1 on timeout. */
static int sipp_wait(unsigned ms)
{
	uint64_t end = now_ms() + ms;
	int st;

	while (H.sipp > 0) {
		if (waitpid(H.sipp, &st, WNOHANG) == H.sipp) {
			H.sipp = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (now_ms() >= end)
			return -1;
		su_root_step(H.root, 20);
	}
	return -1;
}

static void ua_start(unsigned test_index, const char *external)
{
	H.base = PORT_BASE + PORT_STEP * test_index;
	log_set_all(LL_INFO);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = { .root = H.root, .addr = "127.0.0.1", .port = H.base,
				  .external_addr = external, .evh = on_event,
				  .st_second_ms = H.st_second_ms };
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
}

static struct sip_trunk *trunk_add(const char *name)
{
	char proxy[64];
	struct sip_trunk *t = NULL;

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base + 1);
	struct sip_trunk_params p = { .name = name, .proxy = proxy, .transport = SIP_TP_UDP,
				      .username = "alice", .expires = 3600 };
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

/* Tear down, then fail on any leak (Criterion ignores failures in .fini). */
static void done(void)
{
	teardown();
#ifdef __SANITIZE_ADDRESS__
	cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (report above)");
#endif
}

TestSuite(sipcarrier, .fini = teardown, .timeout = 40);

/* external_address: the INVITE's Via sent-by (with rport) and Contact name it, while the
 * UA's socket is bound to 127.0.0.1 (SIPp's answer, sent to where the INVITE came from,
 * arrives). */
Test(sipcarrier, invite_names_the_external_address)
{
	ua_start(0, EXT_ADDR);
	cr_expect(proc_net_has("udp", H.base, ""), "not bound to 127.0.0.1:%u", H.base);
	sipp_start("nat_uas_external.xml", 0, NULL);
	struct sip_trunk *t = trunk_add("out");
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "Via/Contact without " EXT_ADDR
		     " (see /tmp/sipnat-%u-*.log)", H.base);
	done();
}

static void busy_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_INCOMING)
		cr_expect_eq(sipua_call_respond(ev->call, 486, NULL, NULL, NULL), 0);
}

/* rport (RFC 3581 §4): a request whose Via names port 5999 with rport, sent from SIPp's
 * own port, is answered to that source port, with rport=PORT in the Via. */
Test(sipcarrier, rport_answered_to_the_source_port)
{
	ua_start(1, NULL);
	trunk_add("in");
	H.hook = busy_hook;
	sipp_start("nat_uac_rport.xml", H.base, "5550100");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(8000), 0, "486 not received at the source port (see "
		     "/tmp/sipnat-%u-*.log)", H.base);
	done();
}

/* A carrier that authenticates the trunk's account: From carries the account, the fixed
 * P-Asserted-Identity URI goes whole (not at the proxy's host), Privacy as forced. */
Test(sipcarrier, fixed_pai_uri_and_forced_privacy)
{
	ua_start(2, NULL);
	sipp_start("carrier_uas_identity.xml", 0, NULL);
	struct sip_trunk *t = trunk_add("out");
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "acct77",
				.pai_user = "+4930123", .pai_uri = "sip:+4930999@carrier.example",
				.pai_display = "Main", .privacy = "header;user", .sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "From/PAI/Privacy wrong (see /tmp/sipnat-%u-*.log)",
		     H.base);
	done();
}

/* The owner's part of an incoming call: a session timer that accepts the peer's, and 200. */
static void timer_answer_hook(const struct sipua_event *ev)
{
	const struct sipua_timer timer = { .mode = SIPUA_ST_ACCEPT, .expires = 1800, .min_se = 90 };

	if (ev->type != SIPUA_EV_CALL_INCOMING)
		return;
	cr_expect_eq(sipua_call_timer(ev->call, &timer), 0);
	cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
}

/* RFC 4028 §7.4, RFC 3264 §8: SIPp makes us the refresher and answers our refresh with its
 * media on another port; the owner hears it (REFRESHED with that SDP) to move its RTP. */
Test(sipcarrier, refresh_answer_that_moves_the_media_reaches_the_owner)
{
	char port[32];

	H.st_second_ms = 100;	/* the refresh at 38 "s": 3.8 s */
	ua_start(3, NULL);
	trunk_add("in");
	H.hook = timer_answer_hook;
	sipp_start("carrier_uac_refresh_moves.xml", H.base, "5550100");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000));
	struct rec *r = wait_event(SIPUA_EV_CALL_REFRESHED, 8000);
	cr_assert_not_null(r, "no REFRESHED (see /tmp/sipnat-%u-*.log)", H.base);
	snprintf(port, sizeof(port), "m=audio %u ", H.base + 4 + 2);
	cr_expect(strstr(r->sdp, port), "not the moved media (%s) in:\n%s", port, r->sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipnat-%u-*.log)", H.base);
	done();
}
