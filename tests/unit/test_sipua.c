/* sip/ua + sip/trunk against SIPp on 127.0.0.1: REGISTER with digest (RFC 3261 §22), INVITE
 * dialogs both ways (§13-§15), CANCEL (§9), 403 for strangers, 486 + Reason (RFC 3326),
 * 407 (§22.3), OPTIONS keepalive and capabilities (§11), overload 503 + Retry-After,
 * INVITE dialogs both ways over TCP (§18) with a trunk configured for TCP, and digest
 * authentication of INVITEs from no trunk's address (§22.4: 401, stale, 403 and its log).
 *
 * Each test runs a real su_root with our UA and one SIPp peer forked with PDEATHSIG, bounded
 * by -m and -timeout. Ports: test i uses 25060 + 9*i (UA, UDP and TCP), +1 (SIPp), +2 (SIPp
 * control), +4..+7 (SIPp media), all inside 25060-25509; tests 13 (bad_params) and 28
 * (inbound_auth_params) bind only their UA port, test 40 (glare) two UAs on +0 and +1. Scenarios are in tests/sip/; SIPp logs go
 * to /tmp/sipua-<port>-*.log. */
#include <criterion/criterion.h>

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_md5.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/sdp.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tests/unit/leak_check.h"
#include "tests/unit/log_capture.h"
#include "tests/unit/sipp_args.h"

#define PORT_BASE 25060
#define PORT_STEP 9
#define EV_MAX	  64

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
	unsigned who;			/* 0: H.ua, 1: H.ub (the second UA of the glare test) */
	struct sipua_call *call;
	struct sip_trunk *trunk;
	int status;
	unsigned expires, retry_in;
	bool has_sdp;
	bool taken;
	char reason[256];
	char ruri_user[64];
	char from_user[64];
	char from_display[64];
	char from_host[64];
	char pai_user[64];
	char pai_display[64];
	char privacy[64];
	char auth_user[64];
	char call_id[128];
};

static struct {
	su_root_t *root;
	struct sipua *ua;
	struct sipua *ub;		/* a second UA (glare test), its events have who 1 */
	struct rec ev[EV_MAX];
	unsigned nev;
	void (*hook)(const struct sipua_event *ev);
	pid_t sipp;
	uint16_t base;
	bool tcp;			/* SIPp runs over TCP (-t t1) */
	unsigned nonce_lifetime;	/* [s] for ua_start(), 0: the default */
	unsigned tcp_idle;		/* [ms] for ua_start(), 0: the default */
	unsigned tcp_per_addr;		/* for ua_start(), 0: the default */
	bool not_ready;			/* what the owner's ready() answers: !not_ready */
	char auth_uri[64];		/* SIPp's digest uri without "sip:", "" for its own */
} H;

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void on_event(const struct sipua_event *ev, void *arg)
{
	cr_assert_lt(H.nev, EV_MAX, "too many events");
	struct rec *r = &H.ev[H.nev++];
	r->type = ev->type;
	r->who = arg ? *(const unsigned *)arg : 0;
	r->call = ev->call;
	r->trunk = ev->trunk;
	r->status = ev->status;
	r->expires = ev->expires;
	r->retry_in = ev->retry_in;
	r->has_sdp = ev->sdp && strstr(ev->sdp, "m=audio");
	copy(r->reason, sizeof(r->reason), ev->reason);
	copy(r->ruri_user, sizeof(r->ruri_user), ev->ruri_user);
	copy(r->from_user, sizeof(r->from_user), ev->from_user);
	copy(r->from_display, sizeof(r->from_display), ev->from_display);
	copy(r->from_host, sizeof(r->from_host), ev->from_host);
	copy(r->pai_user, sizeof(r->pai_user), ev->pai_user);
	copy(r->pai_display, sizeof(r->pai_display), ev->pai_display);
	copy(r->privacy, sizeof(r->privacy), ev->privacy);
	copy(r->auth_user, sizeof(r->auth_user), ev->auth_user);
	copy(r->call_id, sizeof(r->call_id), ev->call_id);
	if (H.hook)
		H.hook(ev);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run_for(unsigned ms)
{
	uint64_t end = now_ms() + ms;
	while (now_ms() < end)
		su_root_step(H.root, 20);
}

/* The first not yet taken event of this type, running the loop up to ms for it. */
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

/* The same for the events of one UA (who: 0 H.ua, 1 H.ub). */
static struct rec *wait_event_of(unsigned who, enum sipua_event_type type, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	for (;;) {
		for (unsigned i = 0; i < H.nev; i++) {
			if (H.ev[i].type == type && H.ev[i].who == who && !H.ev[i].taken) {
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

/* listening: no peer, state 0A (TCP_LISTEN) */
static bool tcp_listening(uint16_t port)
{
	return proc_net_has("tcp", port, "00000000:0000 0A ");
}

static bool sipp_ready(uint16_t port)
{
	return H.tcp ? tcp_listening(port) : udp_bound(port);
}

/* Fork SIPp on H.base+1: UAS when target is 0, else UAC towards 127.0.0.1:target. */
static void sipp_start_set(const char *scenario, uint16_t target, unsigned calls,
			   const char *service, const char *set_name, const char *set_value)
{
	char msgf[64], errf[64];
	struct sipp_args a;

	snprintf(msgf, sizeof(msgf), "/tmp/sipua-%u-messages.log", H.base);
	snprintf(errf, sizeof(errf), "/tmp/sipua-%u-errors.log", H.base);
	sipp_args_init(&a, scenario, H.base + 1, H.base + 2, H.base + 4, calls, "20s", msgf, errf);
	if (service)
		sipp_args_add(&a, "-s", service);
	if (H.tcp)
		sipp_args_add(&a, "-t", "t1");
	if (H.auth_uri[0])	/* SIPp's default digest uri is not the Request-URI */
		sipp_args_add(&a, "-auth_uri", H.auth_uri);
	if (set_name) {
		sipp_args_add(&a, "-set", set_name);
		sipp_args_add(&a, set_value, NULL);
	}
	H.sipp = sipp_spawn(sipp_args_end(&a, target));
	if (!target) {	/* a UAS must listen before we send to it */
		uint64_t end = now_ms() + 5000;
		while (!sipp_ready(H.base + 1) && now_ms() < end)
			usleep(10000);
		cr_assert(sipp_ready(H.base + 1), "SIPp did not bind 127.0.0.1:%u/%s", H.base + 1,
			  H.tcp ? "tcp" : "udp");
	}
}

static void sipp_start(const char *scenario, uint16_t target, unsigned calls, const char *service)
{
	sipp_start_set(scenario, target, calls, service, NULL, NULL);
}

static void md5_hex(char out[33], const char *a, const char *b, const char *c)
{
	su_md5_t md5;

	su_md5_init(&md5);
	su_md5_strupdate(&md5, a);
	su_md5_strupdate(&md5, ":");
	su_md5_strupdate(&md5, b);
	su_md5_strupdate(&md5, ":");
	su_md5_strupdate(&md5, c);
	su_md5_hexdigest(&md5, out);
}

/* The digest response (RFC 2617 §3.2.2, no qop) to uas_auth407.xml's challenge for an INVITE
 * to user at SIPp, with the right password: what SIPp compares against. */
static void sipp_start_auth407(const char *user)
{
	char ha1[33], ha2[33], resp[33], uri[64];
	su_md5_t md5;

	snprintf(uri, sizeof(uri), "sip:%s@127.0.0.1:%u", user, H.base + 1);
	md5_hex(ha1, "alice", "proxy.test", "secret");
	su_md5_init(&md5);
	su_md5_strupdate(&md5, "INVITE:");
	su_md5_strupdate(&md5, uri);
	su_md5_hexdigest(&md5, ha2);
	md5_hex(resp, ha1, "4fa9e2c1d07b46a1b5cb2f20b6e37a91", ha2);
	sipp_start_set("uas_auth407.xml", 0, 1, NULL, "expected", resp);
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

static void sipp_kill(void)
{
	if (H.sipp > 0) {
		kill(H.sipp, SIGKILL);
		(void)waitpid(H.sipp, NULL, 0);
		H.sipp = 0;
	}
}

static bool owner_ready(void *arg)
{
	(void)arg;
	return !H.not_ready;
}

static void ua_start(unsigned test_index, unsigned max_calls)
{
	H.base = PORT_BASE + PORT_STEP * test_index;
	cr_assert_leq(H.base + PORT_STEP - 1, 25509);
	log_set_all(LL_INFO);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = {
		.root = H.root,
		.addr = "127.0.0.1",
		.port = H.base,
		.max_calls = max_calls,
		.retry_after = 7,
		.auth_realm = "strowger.test",
		.nonce_lifetime = H.nonce_lifetime,
		.tcp_idle = H.tcp_idle,
		.tcp_per_addr = H.tcp_per_addr,
		.evh = on_event,
		.ready = owner_ready,
	};
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
}

/* The same with our nonces good for nonce_lifetime [s]. */
static void ua_start_lifetime(unsigned test_index, unsigned nonce_lifetime)
{
	H.nonce_lifetime = nonce_lifetime;
	ua_start(test_index, 0);
}

static struct sip_trunk *trunk_add_tp(const char *name, uint16_t port, bool reg,
				      const char *pass, unsigned keepalive, enum sip_transport tp)
{
	char proxy[64];
	struct sip_trunk *t = NULL;

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", port);
	struct sip_trunk_params p = {
		.name = name,
		.proxy = proxy,
		.transport = tp,
		.username = "alice",
		.password = pass,
		.do_register = reg,
		.expires = 3600,
		.keepalive = keepalive,
		.keepalive_fails = 2,
	};
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	return t;
}

static struct sip_trunk *trunk_add(const char *name, uint16_t port, bool reg, const char *pass,
				   unsigned keepalive)
{
	return trunk_add_tp(name, port, reg, pass, keepalive, SIP_TP_UDP);
}


static unsigned count_lines_with(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void teardown(void)
{
	(void)log_capture_stop();
	sipp_kill();
	if (H.ub)
		sipua_free(H.ub);
	if (H.ua)
		sipua_free(H.ua);
	if (H.root)
		su_root_destroy(H.root);
	su_deinit();
	memset(&H, 0, sizeof(H));
}

/* The end of every test: tear down, then fail on any leak. Criterion has reported the test
 * by the time LeakSanitizer's exit-time check runs (and ignores failures in .fini). */
static void done(void)
{
	teardown();
	leak_check_expect_none();
}

TestSuite(sipua, .fini = teardown, .timeout = 40);

/* ---- Parameter checks (no network) ------------------------------------------------------ */

Test(sipua, bad_params)
{
	struct sipua *ua = NULL;
	struct sipua_params p = { 0 };

	cr_expect_eq(sipua_alloc(&ua, &p), EINVAL);
	ua_start(13, 0);
	struct sip_trunk *t = NULL;
	struct sip_trunk_params tp = { .name = "x", .proxy = "sip:-example.com:5060" };
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &tp), EINVAL, "not a host name (RFC 1123)");
	tp.proxy = "sip:192.0.2";
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &tp), EINVAL, "neither an address nor a name");
	tp.proxy = "sip:127.0.0.1:99999";
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &tp), EINVAL);
	tp.proxy = "sip:127.0.0.1";
	tp.do_register = true;
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &tp), EINVAL, "REGISTER needs a username");
	tp.do_register = false;
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &tp), 0);
	struct sipua_dial d = { .trunk = t, .user = "", .from_user = "1" };
	struct sipua_call *c = NULL;
	cr_expect_eq(sipua_call_invite(&c, H.ua, &d), EINVAL);
	cr_expect_str_eq(sipua_call_state_name(SIPUA_CS_EARLY), "early");
	done();
}

/* ---- (a) REGISTER with digest ---------------------------------------------------------------- */

Test(sipua, register_digest)
{
	ua_start(0, 0);
	sipp_start("reg_auth.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("reg", H.base + 1, true, "secret", 0);
	struct rec *r = wait_event(SIPUA_EV_TRUNK_REGISTERED, 5000);
	cr_assert_not_null(r, "not registered");
	cr_expect_eq(r->trunk, t);
	cr_expect_eq(r->status, 200);
	cr_expect_eq(r->expires, 60, "granted expiry, not the requested 3600");
	cr_expect_eq(sip_trunk_reg_state(t), SIP_TRUNK_REGISTERED);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp: digest check failed (see /tmp/sipua-%u-*.log)",
		     H.base);
	cr_expect_eq(count_events(SIPUA_EV_TRUNK_REG_FAILED), 0);
	done();
}

Test(sipua, register_wrong_password_backs_off)
{
	ua_start(1, 0);
	sipp_start("reg_auth.xml", 0, 2, NULL);
	struct sip_trunk *t = trunk_add("reg", H.base + 1, true, "wrong", 0);
	struct rec *r = wait_event(SIPUA_EV_TRUNK_REG_FAILED, 5000);
	cr_assert_not_null(r, "no failure reported");
	cr_expect_eq(r->status, 403);
	cr_expect_eq(r->retry_in, 1);
	cr_expect_eq(sip_trunk_reg_state(t), SIP_TRUNK_REG_WAIT);
	uint64_t t0 = now_ms();
	r = wait_event(SIPUA_EV_TRUNK_REG_FAILED, 5000);
	cr_assert_not_null(r, "no retry after 1 s");
	cr_expect_geq(now_ms() - t0, 900, "retried too early");
	cr_expect_eq(r->status, 403);
	cr_expect_eq(r->retry_in, 2, "back-off doubles");
	cr_expect_eq(count_events(SIPUA_EV_TRUNK_REGISTERED), 0);
	cr_expect_eq(sipp_wait(5000), 0);
	done();
}

/* ---- (b) outgoing call, BYE from us ---------------------------------------------------------- */

Test(sipua, outgoing_call_bye)
{
	ua_start(2, 0);
	sipp_start("uas_answer.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = {
		.trunk = t, .user = "5551234", .from_user = "2125551000",
		.from_display = "Bob \"the\" Gateway", .sdp = test_sdp,
	};
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_expect(sipua_call_is_outgoing(c));
	struct rec *r = wait_event(SIPUA_EV_CALL_PROGRESS, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 180);
	cr_expect_eq(r->call, c);
	r = wait_event(SIPUA_EV_CALL_ANSWERED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 200);
	cr_expect(r->has_sdp, "answer SDP delivered");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_expect_eq(sipua_call_state(c), SIPUA_CS_READY);
	cr_expect_str_eq(sipua_call_id(c), r->call_id);
	cr_expect_eq(sipua_call_cancel(c, NULL), EPROTO, "no CANCEL once answered");
	cr_assert_eq(sipua_call_bye(c, "Q.850;cause=16"), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipua_call_count(H.ua), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* ---- (c) incoming call, BYE with Reason from the peer ---------------------------------------- */

static void answer_hook(const struct sipua_event *ev)
{
	if (ev->type != SIPUA_EV_CALL_INCOMING)
		return;
	cr_expect_eq(sipua_call_respond(ev->call, 180, NULL, NULL, NULL), 0);
	cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
}

Test(sipua, incoming_call_bye_reason)
{
	ua_start(3, 0);
	struct sip_trunk *t = trunk_add("in", H.base + 1, false, NULL, 0);
	H.hook = answer_hook;
	sipp_start("uac_call.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->trunk, t);
	cr_expect_str_eq(r->ruri_user, "5550100");
	cr_expect_str_eq(r->from_user, "2125551000");
	cr_expect_str_eq(r->from_display, "Alice Smith");
	cr_expect(r->has_sdp);
	cr_expect_neq(r->call_id[0], '\0');
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000), "no ACK");
	r = wait_event(SIPUA_EV_CALL_BYE, 5000);
	cr_assert_not_null(r);
	cr_expect(strstr(r->reason, "Q.850") && strstr(r->reason, "cause=16"), "reason: %s",
		  r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* REFER (RFC 3515) in an answered call: the gateway transfers nothing, so REFER is not in
 * its Allow and gets 405 (RFC 3261 §8.2.1), rather than 202 Accepted with nothing done
 * (Sofia's default). The call goes on (BYE answered). */
Test(sipua, refer_refused_not_accepted)
{
	ua_start(41, 0);
	trunk_add("in", H.base + 1, false, NULL, 0);
	H.hook = answer_hook;
	sipp_start("uac_refer.xml", H.base, 1, "5550100");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000), "no ACK");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000), "the call did not last to its BYE");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp saw REFER in Allow or no 405 (see /tmp/sipua-%u-*.log)",
		     H.base);
	done();
}

/* ---- (d) INVITE from no trunk's address: 403, the owner never hears of it ------------------- */

Test(sipua, unknown_source_forbidden)
{
	ua_start(4, 0);
	/* The trunk names SIPp's address but another port. */
	trunk_add("other", H.base + 3, false, NULL, 0);
	sipp_start("uac_forbidden.xml", H.base, 1, "5550100");
	cr_expect_eq(sipp_wait(8000), 0, "SIPp did not get 403 (see /tmp/sipua-%u-*.log)", H.base);
	run_for(200);
	cr_expect_eq(H.nev, 0, "the owner saw %u events", H.nev);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* ---- (e) 486 with Reason Q.850 cause 17 ------------------------------------------------------ */

Test(sipua, busy_with_reason)
{
	ua_start(5, 0);
	sipp_start("uas_busy.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_expect(strstr(r->reason, "Q.850") && strstr(r->reason, "cause=17"), "reason: %s",
		  r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0);
	done();
}

/* ---- (f) CANCEL before answer, both ways -------------------------------------------------- */

static void cancel_on_ringing(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_PROGRESS && ev->status == 180)
		cr_expect_eq(sipua_call_cancel(ev->call, "Q.850;cause=16"), 0);
}

Test(sipua, cancel_outgoing)
{
	ua_start(6, 0);
	sipp_start("uas_ring_cancel.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	H.hook = cancel_on_ringing;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 487);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_ANSWERED), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

static void ring_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_INCOMING)
		cr_expect_eq(sipua_call_respond(ev->call, 180, NULL, NULL, NULL), 0);
}

Test(sipua, cancel_incoming)
{
	ua_start(7, 0);
	trunk_add("in", H.base + 1, false, NULL, 0);
	H.hook = ring_hook;
	sipp_start("uac_cancel.xml", H.base, 1, "5550100");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_INCOMING, 5000));
	struct rec *r = wait_event(SIPUA_EV_CALL_CANCELLED, 5000);
	cr_assert_not_null(r);
	cr_expect(strstr(r->reason, "cause=31"), "reason: %s", r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* ---- (g) 407 on INVITE answered once with the trunk's credentials --------------------------- */

static void bye_on_answer(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_CONFIRMED)
		cr_expect_eq(sipua_call_bye(ev->call, NULL), 0);
}

Test(sipua, proxy_auth_on_invite)
{
	ua_start(8, 0);
	sipp_start_auth407("5551234");
	struct sip_trunk *t = trunk_add("auth", H.base + 1, false, "secret", 0);
	H.hook = bye_on_answer;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_ANSWERED, 5000);
	cr_assert_not_null(r, "not answered after 407 (see /tmp/sipua-%u-*.log)", H.base);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_FAILED), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

Test(sipua, proxy_auth_wrong_password_fails_once)
{
	ua_start(9, 0);
	sipp_start_auth407("5551234");
	struct sip_trunk *t = trunk_add("auth", H.base + 1, false, "wrong", 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000" };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 403);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0);
	done();
}

/* A dial's own credentials (an FXS port registered as its own user) answer the 407, not the
 * trunk's: the trunk's password is wrong, the dial's is right. */
Test(sipua, proxy_auth_with_the_dials_credentials)
{
	ua_start(48, 0);
	sipp_start_auth407("5551234");
	struct sip_trunk *t = trunk_add("auth", H.base + 1, false, "wrong", 0);
	H.hook = bye_on_answer;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "alice",
				.auth_user = "alice", .auth_password = "secret",
				.contact_user = "alice", .sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_ANSWERED, 5000);
	cr_assert_not_null(r, "not answered after 407 (see /tmp/sipua-%u-*.log)", H.base);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	struct sipua_dial bad = d;
	bad.auth_password = NULL;
	cr_expect_eq(sipua_call_invite(&c, H.ua, &bad), EINVAL, "auth_user without a password");
	done();
}

/* ---- (h) OPTIONS keepalive: up, down when the peer goes, up when it returns --------------- */

Test(sipua, options_keepalive_up_down_up)
{
	ua_start(10, 0);
	sipp_start("uas_options.xml", 0, 2, NULL);
	struct sip_trunk *t = trunk_add("ka", H.base + 1, false, NULL, 1);
	struct rec *r = wait_event(SIPUA_EV_TRUNK_UP, 3000);
	cr_assert_not_null(r, "never up");
	cr_expect_eq(r->trunk, t);
	cr_expect(sip_trunk_is_up(t));
	cr_expect_eq(sipp_wait(5000), 0);	/* answered 2 probes and left */
	r = wait_event(SIPUA_EV_TRUNK_DOWN, 6000);
	cr_assert_not_null(r, "never down");
	cr_expect(!sip_trunk_is_up(t));
	sipp_start("uas_options.xml", 0, 1, NULL);
	cr_assert_not_null(wait_event(SIPUA_EV_TRUNK_UP, 4000), "not up again");
	cr_expect_eq(sipp_wait(5000), 0);
	cr_expect_eq(count_events(SIPUA_EV_TRUNK_DOWN), 1);
	done();
}

Test(sipua, options_answered_with_capabilities)
{
	ua_start(11, 0);
	sipp_start("uac_options.xml", H.base, 1, NULL);
	cr_expect_eq(sipp_wait(5000), 0, "Allow/Accept check failed (see /tmp/sipua-%u-*.log)",
		     H.base);
	done();
}

/* ---- Overload: beyond max_calls, 503 + Retry-After -------------------------------------------- */

Test(sipua, overload_503_retry_after)
{
	ua_start(12, 1);
	struct sip_trunk *t = trunk_add("in", H.base + 1, false, NULL, 0);
	/* One call occupies the only slot: an outgoing INVITE to a socket that never answers
	 * (bound, so no ICMP error ends the call early). */
	int sink = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(H.base + 3),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(bind(sink, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct sip_trunk *dead = trunk_add("dead", H.base + 3, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = dead, .user = "1", .from_user = "2" };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_expect_eq(sipua_call_invite(&c, H.ua, &d), EBUSY);
	(void)t;
	sipp_start("uac_overload.xml", H.base, 1, "5550100");
	cr_expect_eq(sipp_wait(8000), 0, "no 503 + Retry-After (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_INCOMING), 0);
	close(sink);
	done();
}

/* ---- re-INVITE both ways (hold, RFC 3264 §8.4), 183 with SDP ----------------------------- */

static const char held_sdp[] =
	"v=0\r\n"
	"o=strowger 1 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=recvonly\r\n";

static const char hold_sdp[] =
	"v=0\r\n"
	"o=strowger 1 3 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=sendonly\r\n";

static void early_answer_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_INCOMING) {
		cr_expect_eq(sipua_call_respond(ev->call, 183, NULL, test_sdp, NULL), 0);
		cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
	} else if (ev->type == SIPUA_EV_CALL_REINVITE) {
		cr_expect(ev->sdp && strstr(ev->sdp, "a=sendonly"));
		cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, held_sdp, NULL), 0);
	}
}

Test(sipua, reinvite_both_ways)
{
	ua_start(14, 0);
	trunk_add("in", H.base + 1, false, NULL, 0);
	H.hook = early_answer_hook;
	sipp_start("uac_reinvite.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r);
	struct sipua_call *c = r->call;
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_REINVITE, 5000), "no re-INVITE from SIPp");
	/* Wait for SIPp's ACK to our answer before offering ourselves (RFC 3261 §14.1). */
	uint64_t end = now_ms() + 3000;
	while (!count_events(SIPUA_EV_CALL_TERMINATED) && sipua_call_state(c) != SIPUA_CS_READY &&
	       now_ms() < end)
		su_root_step(H.root, 20);
	run_for(100);
	cr_assert_eq(count_events(SIPUA_EV_CALL_TERMINATED), 0, "call ended early (see /tmp/sipua-%u-*.log)",
		     H.base);
	cr_assert_eq(sipua_call_reinvite(c, hold_sdp), 0);
	cr_expect_eq(sipua_call_reinvite(c, hold_sdp), EPROTO, "one re-INVITE at a time");
	r = wait_event(SIPUA_EV_CALL_REINVITE_ANSWER, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 200);
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* ---- TCP (RFC 3261 §18): a trunk with transport tcp, calls both ways -------------------- */

Test(sipua, tcp_trunk_uri)
{
	char uri[128];

	ua_start(15, 0);
	struct sip_trunk *t = trunk_add_tp("tcp", H.base + 1, false, NULL, 0, SIP_TP_TCP);
	cr_assert_eq(sip_trunk_uri(t, "5551234", uri, sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@127.0.0.1:25196;transport=tcp");
	struct sip_trunk *u = trunk_add("udp", H.base + 1, false, NULL, 0);
	cr_assert_eq(sip_trunk_uri(u, "5551234", uri, sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@127.0.0.1:25196");
	done();
}

/* SIPp listens on TCP only: an INVITE sent over UDP would never reach it. */
Test(sipua, outgoing_call_over_tcp)
{
	ua_start(16, 0);
	H.tcp = true;
	sipp_start("uas_answer_tcp.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add_tp("tcp", H.base + 1, false, NULL, 0, SIP_TP_TCP);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_PROGRESS, 5000);
	cr_assert_not_null(r, "no 180 over TCP (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->status, 180);
	r = wait_event(SIPUA_EV_CALL_ANSWERED, 5000);
	cr_assert_not_null(r);
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_assert_eq(sipua_call_bye(c, "Q.850;cause=16"), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000), "BYE not answered");
	cr_expect_eq(sipua_call_count(H.ua), 0);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* Over TCP the peer's source port is its own choice, not the trunk's port (SIPp connects from
 * base+1, the trunk names base+3): the trunk is matched by address alone, where over UDP the
 * same INVITE gets 403 (unknown_source_forbidden). */
Test(sipua, incoming_call_over_tcp)
{
	ua_start(17, 0);
	H.tcp = true;
	struct sip_trunk *t = trunk_add_tp("tcp", H.base + 3, false, NULL, 0, SIP_TP_TCP);
	H.hook = answer_hook;
	sipp_start("uac_call_tcp.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r, "no INVITE over TCP (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t);
	cr_expect_str_eq(r->ruri_user, "5550100");
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000), "no ACK");
	r = wait_event(SIPUA_EV_CALL_BYE, 5000);
	cr_assert_not_null(r);
	cr_expect(strstr(r->reason, "cause=16"), "reason: %s", r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* A UDP and a TCP trunk to the same host (a proxy that sends both ways): an INVITE over
 * TCP is the TCP trunk's, though the UDP one is listed first. */
Test(sipua, incoming_tcp_matches_the_tcp_trunk)
{
	ua_start(42, 0);
	H.tcp = true;
	trunk_add_tp("udp", H.base + 3, false, NULL, 0, SIP_TP_UDP);
	struct sip_trunk *t = trunk_add_tp("tcp", H.base + 3, false, NULL, 0, SIP_TP_TCP);
	H.hook = answer_hook;
	sipp_start("uac_call_tcp.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r, "no INVITE over TCP (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t, "the TCP INVITE was taken as trunk %s's",
		     r->trunk ? sip_trunk_name(r->trunk) : "(none)");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 8000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* REGISTER and OPTIONS of a TCP trunk go over TCP; the bound Contact says transport=tcp. */
Test(sipua, register_over_tcp)
{
	ua_start(18, 0);
	H.tcp = true;
	sipp_start("reg_tcp.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add_tp("reg", H.base + 1, true, "secret", 0, SIP_TP_TCP);
	struct rec *r = wait_event(SIPUA_EV_TRUNK_REGISTERED, 5000);
	cr_assert_not_null(r, "not registered over TCP (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t);
	cr_expect_eq(r->expires, 60);
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

Test(sipua, options_keepalive_over_tcp)
{
	ua_start(19, 0);
	H.tcp = true;
	sipp_start("uas_options.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add_tp("ka", H.base + 1, false, NULL, 1, SIP_TP_TCP);
	struct rec *r = wait_event(SIPUA_EV_TRUNK_UP, 3000);
	cr_assert_not_null(r, "OPTIONS over TCP not answered (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t);
	cr_expect_eq(sipp_wait(5000), 0);
	done();
}

/* ---- caller identity: RFC 3323 privacy, RFC 3325 P-Asserted-Identity ---------------------- */

Test(sipua, outgoing_identity_headers)
{
	ua_start(20, 0);
	sipp_start("uas_identity.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = NULL,
				.pai_user = "+4930123", .pai_display = "Alice",
				.privacy = "id", .sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* from_domain: From and P-Asserted-Identity at the carrier's domain, not the proxy's. */
Test(sipua, outgoing_from_domain)
{
	ua_start(43, 0);
	sipp_start("uas_from_account.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "acct77",
				.from_display = "Alice", .pai_user = "+4930123",
				.pai_display = "Alice", .from_domain = "127.0.0.9",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "From/PAI not at from_domain (see /tmp/sipua-%u-*.log)",
		     H.base);
	done();
}

static void busy_hook(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_INCOMING)
		cr_expect_eq(sipua_call_respond(ev->call, 486, NULL, NULL, NULL), 0);
}

Test(sipua, incoming_identity_headers)
{
	ua_start(21, 0);
	trunk_add("in", H.base + 1, false, NULL, 0);
	H.hook = busy_hook;
	sipp_start("uac_identity.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->from_user, "anonymous");
	cr_expect_str_eq(r->from_host, "anonymous.invalid");
	cr_expect_str_eq(r->pai_user, "+44-20-7946-0000");
	cr_expect_str_eq(r->pai_display, "Bob \"B\" Smith");
	cr_expect_str_eq(r->privacy, "id;user");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* ---- digest authentication of INVITEs from no trunk's address (RFC 3261 §22.4) --------- */

/* A trunk for a peer without a fixed address: INVITEs authenticated as user are its own. */
static struct sip_trunk *trunk_add_auth(const char *name, uint16_t port, const char *user,
					const char *pass)
{
	char proxy[64];
	struct sip_trunk *t = NULL;

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", port);
	struct sip_trunk_params p = {
		.name = name,
		.proxy = proxy,
		.username = user,
		.password = pass,
		.inbound_auth = true,
	};
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	return t;
}

/* SIPp's digest uri: the Request-URI its scenarios send, sip:USER@127.0.0.1:<our port>.
 * (By default SIPp 3.6 hashes sip:<remote address>, which RFC 2617 §3.2.2.5 refuses.) */
static void auth_uri(const char *user)
{
	snprintf(H.auth_uri, sizeof(H.auth_uri), "%s@127.0.0.1:%u", user, H.base);
}

/* SIPp sends from base+1, which no trunk names (the trunks' proxies are base+3, base+5):
 * 401, then its credentials for alice, the call is trunk pbx's; ACK and BYE pass. */
Test(sipua, inbound_auth_call)
{
	ua_start(22, 0);
	trunk_add("plain", H.base + 5, false, NULL, 0);	/* username alice, no inbound_auth */
	struct sip_trunk *bob = trunk_add_auth("bob-pbx", H.base + 5, "bob", "secret");
	struct sip_trunk *pbx = trunk_add_auth("pbx", H.base + 3, "alice", "secret");
	H.hook = answer_hook;
	auth_uri("5550100");
	sipp_start("uac_auth_call.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r, "no authenticated INVITE (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, pbx, "the call is trunk %s's", sip_trunk_name(r->trunk));
	cr_expect_neq(r->trunk, bob);
	cr_expect_str_eq(r->auth_user, "alice");
	cr_expect_str_eq(r->ruri_user, "5550100");
	cr_expect_str_eq(r->from_user, "2125551000");
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000), "no ACK");
	r = wait_event(SIPUA_EV_CALL_BYE, 5000);
	cr_assert_not_null(r, "no BYE");
	cr_expect(strstr(r->reason, "cause=16"), "reason: %s", r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_INCOMING), 1, "one call only");
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* The same with a wrong password: 403, one line naming the source, user and reason. */
Test(sipua, inbound_auth_wrong_password)
{
	char want[256];

	ua_start(23, 0);
	trunk_add_auth("pbx", H.base + 3, "alice", "secret");
	auth_uri("5550100");
	log_capture_start();
	sipp_start("uac_auth_forbidden.xml", H.base, 1, "5550100");
	int rc = sipp_wait(8000);
	run_for(200);
	const char *log = log_capture_stop();
	cr_expect_eq(rc, 0, "SIPp did not get 401 then 403 (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_INCOMING), 0, "no call for a wrong password");
	cr_expect_eq(sipua_call_count(H.ua), 0);
	snprintf(want, sizeof(want), " from 127.0.0.1:%u/udp: digest authentication failed, "
		 "user alice: wrong password: 403 Forbidden\n", H.base + 1);
	cr_expect_eq(count_lines_with(log, want), 1, "want one line ending '%s' in:\n%s", want,
		     log);
	cr_expect_eq(count_lines_with(log, "digest authentication failed"), 1);
	done();
}

/* Credentials of every other wrong kind, one after the other, each its own 403 and line. */
Test(sipua, inbound_auth_bad_credentials)
{
	static const char *const reasons[] = {
		"user mallory: unknown user: 403 Forbidden\n",
		"user -: malformed Authorization header: 403 Forbidden\n",
		"user alice: unknown nonce: 403 Forbidden\n",
		"user alice: missing response: 403 Forbidden\n",
	};
	char want[256];

	ua_start(24, 0);
	trunk_add_auth("pbx", H.base + 3, "alice", "secret");
	auth_uri("5550100");
	log_capture_start();
	sipp_start("uac_auth_bad.xml", H.base, 1, "5550100");
	int rc = sipp_wait(10000);
	run_for(200);
	const char *log = log_capture_stop();
	cr_expect_eq(rc, 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_INCOMING), 0);
	for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		snprintf(want, sizeof(want), " from 127.0.0.1:%u/udp: digest authentication "
			 "failed, %s", H.base + 1, reasons[i]);
		cr_expect_eq(count_lines_with(log, want), 1, "want one line ending '%s'", want);
	}
	cr_expect_eq(count_lines_with(log, "digest authentication failed"), 4, "%s", log);
	cr_expect_eq(count_lines_with(log, "401, digest challenge"), 2, "%s", log);
	done();
}

/* From a trunk's own address no challenge, even when that trunk has inbound_auth:
 * uac_call.xml fails on anything but 100/180/200. */
Test(sipua, inbound_auth_trunk_address_not_challenged)
{
	ua_start(25, 0);
	struct sip_trunk *t = trunk_add_auth("pbx", H.base + 1, "alice", "secret");
	H.hook = answer_hook;
	sipp_start("uac_call.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r, "no INVITE (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t);
	cr_expect_str_eq(r->auth_user, "", "matched by address, not authenticated");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* CANCEL of an authenticated INVITE (hop-by-hop, no credentials of its own). */
Test(sipua, inbound_auth_cancel)
{
	ua_start(26, 0);
	struct sip_trunk *t = trunk_add_auth("pbx", H.base + 3, "alice", "secret");
	H.hook = ring_hook;
	auth_uri("5550100");
	sipp_start("uac_auth_cancel.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 5000);
	cr_assert_not_null(r, "no authenticated INVITE (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t);
	r = wait_event(SIPUA_EV_CALL_CANCELLED, 5000);
	cr_assert_not_null(r, "CANCEL not delivered");
	cr_expect(strstr(r->reason, "cause=31"), "reason: %s", r->reason);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* A nonce older than its lifetime with the right digest: 401 stale=true with a new nonce,
 * and the retry with it makes the call. */
Test(sipua, inbound_auth_stale_nonce)
{
	ua_start_lifetime(27, 1);
	struct sip_trunk *t = trunk_add_auth("pbx", H.base + 3, "alice", "secret");
	H.hook = answer_hook;
	auth_uri("5550100");
	sipp_start("uac_auth_stale.xml", H.base, 1, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 8000);
	cr_assert_not_null(r, "no call after the stale challenge (see /tmp/sipua-%u-*.log)",
			   H.base);
	cr_expect_eq(r->trunk, t);
	cr_expect_str_eq(r->auth_user, "alice");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000));
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_INCOMING), 1);
	done();
}

/* Parameters: inbound_auth needs a username and a password, one trunk per username; the
 * realm must fit between quotes. */
Test(sipua, inbound_auth_params)
{
	struct sip_trunk *t = NULL;

	ua_start(28, 0);
	struct sip_trunk_params p = { .name = "a", .proxy = "sip:127.0.0.1:5060",
				      .inbound_auth = true, .password = "pw" };
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &p), EINVAL, "no username");
	p.username = "";
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &p), EINVAL, "empty username");
	p.username = "alice";
	p.password = NULL;
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &p), EINVAL, "no password");
	p.password = "";
	cr_expect_eq(sip_trunk_alloc(&t, H.ua, &p), EINVAL, "empty password");
	p.password = "pw";
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	cr_expect(sip_trunk_inbound_auth(t));
	cr_expect_eq(sipua_trunk_by_auth_user(H.ua, "alice"), t);
	cr_expect_null(sipua_trunk_by_auth_user(H.ua, "Alice"), "user names are case-sensitive");
	cr_expect_str_eq(sip_trunk_inbound_password(t, "alice"), "pw");
	cr_expect_null(sip_trunk_inbound_password(t, "bob"));
	struct sip_trunk *u = NULL;
	p.name = "b";
	cr_expect_eq(sip_trunk_alloc(&u, H.ua, &p), EEXIST, "alice is trunk a's");
	p.inbound_auth = false;
	cr_expect_eq(sip_trunk_alloc(&u, H.ua, &p), 0, "the same user without inbound_auth");
	cr_expect_null(sip_trunk_inbound_password(u, "alice"));
	cr_expect_eq(sipua_trunk_by_auth_user(H.ua, "alice"), t);
	sip_trunk_free(t);
	cr_expect_null(sipua_trunk_by_auth_user(H.ua, "alice"));

	struct sipua *ua2 = NULL;
	struct sipua_params up = { .root = H.root, .addr = "127.0.0.1", .port = H.base + 1,
				   .auth_realm = "a\"b" };
	cr_expect_eq(sipua_alloc(&ua2, &up), EINVAL, "a quote in the realm");
	up.auth_realm = "ok";
	up.nonce_lifetime = 3601;
	cr_expect_eq(sipua_alloc(&ua2, &up), EINVAL, "nonce lifetime beyond an hour");
	done();
}

/* ---- Lifecycle under faults (crossed CANCEL, unanswered BYE/CANCEL at stop) ---------- */

/* Hole: a 200 that crosses our CANCEL (RFC 3261 §9.1) makes a live call nobody wants. The
 * UA must ACK it, end it with BYE itself, and report no ANSWERED, only TERMINATED. SIPp
 * fails unless it sees ACK then BYE. */
Test(sipua, cancel_crossed_by_200_sends_bye)
{
	ua_start(29, 0);
	sipp_start("uas_cancel_crossed_200.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	H.hook = cancel_on_ringing;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 8000), "call never ended");
	cr_expect_eq(sipp_wait(5000), 0, "SIPp saw no ACK + BYE (see /tmp/sipua-%u-*.log)",
		     H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_ANSWERED), 0, "an answer we cancelled");
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* Stop as the daemon does (trunks first, then the UA) with the call's last request
 * unanswered: no abort, every call dropped, and the UA gone within its shutdown bound. */
static void stop_with_call_pending(struct sip_trunk *t)
{
	cr_expect_eq(sipua_call_count(H.ua), 1, "the call is still waiting");
	unsigned nev = H.nev;
	uint64_t t0 = now_ms();
	sip_trunk_free(t);
	cr_expect_eq(sipua_call_count(H.ua), 0, "calls on a freed trunk are dropped");
	sipua_free(H.ua);
	H.ua = NULL;
	uint64_t took = now_ms() - t0;
	cr_expect_lt(took, 6000, "stopping took %llu ms", (unsigned long long)took);
	fprintf(stderr, "stopped with the call pending in %llu ms\n", (unsigned long long)took);
	cr_expect_eq(H.nev, nev, "no event after the owner let go");
	sipp_kill();
	done();
}

static void bye_on_answer_once(const struct sipua_event *ev)
{
	if (ev->type == SIPUA_EV_CALL_ANSWERED)
		cr_expect_eq(sipua_call_bye(ev->call, "Q.850;cause=16"), 0);
}

/* Hole: stopping with a call whose BYE the far end never answers aborted in
 * sipua_trunk_remove() (a call still on the trunk). */
Test(sipua, stop_with_bye_unanswered)
{
	ua_start(30, 0);
	sipp_start("uas_bye_unanswered.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	H.hook = bye_on_answer_once;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_ANSWERED, 5000));
	run_for(700);		/* BYE sent and retransmitted once, unanswered */
	stop_with_call_pending(t);
}

/* Hole: the same with our CANCEL answered 200 and the 487 never coming. */
Test(sipua, stop_with_cancel_no_487)
{
	ua_start(31, 0);
	sipp_start("uas_cancel_no_487.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	H.hook = cancel_on_ringing;
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_PROGRESS, 5000));
	run_for(700);		/* CANCEL answered 200, no 487 */
	cr_expect_eq(count_events(SIPUA_EV_CALL_FAILED), 0);
	stop_with_call_pending(t);
}

/* Hole: a callee that hangs up with BYE before answering (early dialog) leaked 2710 bytes
 * per call inside Sofia-SIP (the INVITE's request message and signal). The UA now CANCELs
 * the INVITE and answers the BYE once the INVITE is over: SIPp checks that order, the
 * events are BYE, FAILED 487, TERMINATED, and LeakSanitizer in done() finds nothing. */
Test(sipua, early_dialog_bye_from_callee)
{
	ua_start(32, 0);
	sipp_start("uas_early_bye.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 8000), "call never ended");
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_ANSWERED), 0);
	cr_expect_eq(count_events(SIPUA_EV_CALL_BYE), 1);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 0);
	cr_assert_not_null(r, "the INVITE's end is reported");
	cr_expect_eq(r->status, 487);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* Hole: a 183 the callee repeats reached the owner each time, whose complaint about its
 * unusable SDP (G.729 only here) then filled the log at error level. Reported once. */
Test(sipua, repeated_183_reported_once)
{
	ua_start(38, 0);
	sipp_start("uas_183_repeated.xml", 0, 1, NULL);
	struct sip_trunk *t = trunk_add("out", H.base + 1, false, NULL, 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "1000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 5000);
	cr_assert_not_null(r);
	cr_expect_eq(r->status, 486);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(count_events(SIPUA_EV_CALL_PROGRESS), 1, "183 reported %u times",
		     count_events(SIPUA_EV_CALL_PROGRESS));
	cr_expect_eq(sipp_wait(5000), 0, "SIPp scenario failed (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* ---- Hostile or odd input ------------------------------------------------------------- */

/* Hole: an INVITE whose body is not SDP must get 415 + Accept (RFC 3261 §21.4.13), and
 * never reach the owner as a call without an offer. */
Test(sipua, non_sdp_body_415)
{
	ua_start(33, 0);
	trunk_add("in", H.base + 1, false, NULL, 0);
	sipp_start("uac_not_sdp.xml", H.base, 1, "5550100");
	cr_expect_eq(sipp_wait(8000), 0, "SIPp did not get 415 + Accept (see /tmp/sipua-%u-*.log)",
		     H.base);
	run_for(200);
	cr_expect_eq(H.nev, 0, "the owner saw %u events", H.nev);
	cr_expect_eq(sipua_call_count(H.ua), 0);
	done();
}

/* Our process's open fds (the UA's and the test's). */
static unsigned fd_count(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");

	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static int tcp_to_ua(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(H.base),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	return fd;
}

/* Run the loop until the UA has closed fd's peer (EOF or reset), up to ms. */
static bool closed_by_ua(int fd, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	char buf[512];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return true;
		if (now_ms() >= end)
			return false;
		su_root_step(H.root, 20);
	}
}

/* Hole: a TCP connection whose bytes Sofia treats as garbage stayed open forever (one fd
 * each: anyone reaching the port could exhaust the daemon's fds). Junk lines, a message
 * that cannot be framed, one stalled mid-body and one that never says anything must all be
 * closed within the idle limit (1 s here), and our fds come back to where they were. */
Test(sipua, tcp_garbage_connections_closed)
{
	static const char *const junk[] = {
		"hello\r\n\r\n",
		"GARBAGE GARBAGE GARBAGE\r\n",
		"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: abc\r\n\r\n",
		"INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK1\r\n"
		"Content-Length: 100000\r\n\r\nshort",
		"",	/* says nothing at all */
	};
	enum { N = sizeof(junk) / sizeof(junk[0]) };
	int fds[N];

	H.tcp_idle = 1000;
	ua_start(34, 0);
	run_for(100);
	unsigned base = fd_count();
	for (unsigned i = 0; i < N; i++) {
		fds[i] = tcp_to_ua();
		if (junk[i][0])
			cr_assert_eq(send(fds[i], junk[i], strlen(junk[i]), MSG_NOSIGNAL),
				     (ssize_t)strlen(junk[i]));
	}
	run_for(200);
	cr_expect_eq(fd_count(), base + 2 * N, "the UA accepted them");
	uint64_t t0 = now_ms();
	for (unsigned i = 0; i < N; i++) {
		unsigned left = (unsigned)(t0 + 5000 > now_ms() ? t0 + 5000 - now_ms() : 0);
		cr_expect(closed_by_ua(fds[i], left), "connection %u (%s) still open", i,
			  junk[i][0] ? junk[i] : "silent");
	}
	fprintf(stderr, "all closed by the UA within %llu ms\n",
		(unsigned long long)(now_ms() - t0));
	for (unsigned i = 0; i < N; i++)
		close(fds[i]);
	run_for(300);
	cr_expect_eq(fd_count(), base, "fds back to baseline");
	done();
}

/* One address may hold tcp_per_addr connections (3 here); those beyond are closed, the
 * ones in use kept. */
Test(sipua, tcp_per_address_limit)
{
	enum { N = 8, MAX = 3 };
	int fds[N];
	unsigned open_ = 0;

	H.tcp_per_addr = MAX;
	ua_start(35, 0);
	for (unsigned i = 0; i < N; i++)
		fds[i] = tcp_to_ua();
	run_for(2500);		/* two sweeps */
	for (unsigned i = 0; i < N; i++)
		open_ += !closed_by_ua(fds[i], 0);
	cr_expect_eq(open_, MAX, "%u of %u connections left open", open_, N);
	for (unsigned i = 0; i < N; i++)
		close(fds[i]);
	done();
}

/* Hole: OPTIONS was answered 200 while the gateway could take no call, so a dispatcher's
 * health check saw it healthy. With the owner's ready() false: 503 + Retry-After; with it
 * true again: 200 with the capabilities. */
Test(sipua, options_503_when_not_ready)
{
	ua_start(36, 0);
	H.not_ready = true;
	sipp_start("uac_options_503.xml", H.base, 1, NULL);
	cr_expect_eq(sipp_wait(5000), 0, "no 503 (see /tmp/sipua-%u-*.log)", H.base);
	H.not_ready = false;
	sipp_start("uac_options.xml", H.base, 1, NULL);
	cr_expect_eq(sipp_wait(5000), 0, "no 200 (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* The same when our own fds are nearly all used (90 % of RLIMIT_NOFILE): 503 though the
 * owner is ready, 200 again once they are released. */
Test(sipua, options_503_when_fds_low)
{
	struct rlimit rl;
	static int extra[1024];
	unsigned n = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur > 1024) {
		rl.rlim_cur = 1024;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ua_start(37, 0);
	while (fd_count() * 100 < rl.rlim_cur * 93 && n < 1024) {
		extra[n] = fcntl(0, F_DUPFD_CLOEXEC, 0);
		cr_assert_geq(extra[n], 0);
		n++;
	}
	run_for(1200);		/* a sweep */
	sipp_start("uac_options_503.xml", H.base, 1, NULL);
	cr_expect_eq(sipp_wait(5000), 0, "no 503 (see /tmp/sipua-%u-*.log)", H.base);
	while (n)
		close(extra[--n]);
	run_for(1200);
	sipp_start("uac_options.xml", H.base, 1, NULL);
	cr_expect_eq(sipp_wait(5000), 0, "no 200 (see /tmp/sipua-%u-*.log)", H.base);
	done();
}

/* Sofia-SIP's own complaints (here "received garbage", under fd exhaustion "Too many open
 * files" in a tight loop) come through our log, at most 20 lines per 10 s. */
Test(sipua, sofia_log_rate_limited)
{
	enum { N = 60 };

	ua_start(39, 0);
	run_for(100);
	log_capture_start();
	for (unsigned i = 0; i < N; i++) {
		int fd = tcp_to_ua();
		cr_assert_eq(send(fd, "junk\r\n\r\n", 8, MSG_NOSIGNAL), 8);
		run_for(20);
		close(fd);
	}
	run_for(200);
	const char *text = log_capture_stop();
	unsigned lines = count_lines_with(text, "sofia-sip: ");
	cr_expect_geq(lines, 10, "Sofia's lines come through our log (%u)", lines);
	cr_expect_leq(lines, 20, "%u lines of Sofia's for %u junk connections", lines, N);
	done();
}

/* ---- Glare: re-INVITEs that cross (RFC 3261 §14.1) -------------------------------------- */

/* Two of our UAs on one loop, each with the SDP offer/answer state an owner keeps (T.38
 * on), a call from A to B. Both offer T.38 in a re-INVITE before either is received: Sofia-
 * SIP answers each incoming one 491 itself (an INVITE of ours with an offer is pending), so
 * the owner hears no REINVITE, only REINVITE_ANSWER 491 for its own, and cancels its offer
 * (the session stays audio). It then retries on its own su_timer (RFC 3261 §14.1: 2.1-4 s
 * for the Call-ID's owner A, 0-2 s for B; shortened here): B's retry switches the call to
 * T.38, and A's later one is a refresh of the same T.38 session. */

static const unsigned who_b = 1;

static struct {
	struct sdp_oa *oa[2];
	struct sipua_call *call[2];
	struct sdp_neg neg[2];
	int answer_ret[2];		/* sdp_oa_process_answer() of the last 2xx */
} G;

/* The owner's side of it: answer offers, take answers, cancel on failure. */
static void glare_hook(const struct sipua_event *ev)
{
	unsigned who = H.ev[H.nev - 1].who;
	char buf[SDP_TEXT_MAX];
	struct sdp_error e;
	int ret;

	switch (ev->type) {
	case SIPUA_EV_CALL_INCOMING:
	case SIPUA_EV_CALL_REINVITE:
		G.call[who] = ev->call;
		ret = ev->sdp ? sdp_oa_answer(G.oa[who], ev->sdp, strlen(ev->sdp), buf,
					      sizeof(buf), NULL, &G.neg[who], &e) : EINVAL;
		if (ret == EBUSY)
			cr_expect_eq(sipua_call_respond(ev->call, 491, NULL, NULL, NULL), 0);
		else if (ret)
			cr_expect_eq(sipua_call_respond(ev->call, 488, NULL, NULL, NULL), 0);
		else
			cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, buf, NULL), 0);
		if (ev->type == SIPUA_EV_CALL_REINVITE)	/* later re-INVITEs: T.38 wins */
			break;
		sdp_oa_set_prefer(G.oa[who], SDP_PREFER_IMAGE);
		break;
	case SIPUA_EV_CALL_ANSWERED:
	case SIPUA_EV_CALL_REINVITE_ANSWER:
		if (ev->status >= 300) {
			sdp_oa_cancel_offer(G.oa[who]);
			break;
		}
		G.answer_ret[who] = ev->sdp ? sdp_oa_process_answer(G.oa[who], ev->sdp,
					strlen(ev->sdp), &G.neg[who], &e) : EINVAL;
		cr_expect_eq(G.answer_ret[who], 0, "side %u: %s", who, e.msg);
		break;
	default:
		break;
	}
}

static void reinvite_t38(unsigned who)
{
	char buf[SDP_TEXT_MAX];
	struct sdp_error e;

	cr_assert_eq(sdp_oa_offer_t38(G.oa[who], buf, sizeof(buf), NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(sipua_call_reinvite(G.call[who], buf), 0);
}

static void retry_reinvite(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	(void)magic;
	(void)t;
	reinvite_t38(*(const unsigned *)arg);
}

static bool both_ready(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while ((sipua_call_state(G.call[0]) != SIPUA_CS_READY ||
		sipua_call_state(G.call[1]) != SIPUA_CS_READY) && now_ms() < end)
		su_root_step(H.root, 20);
	return sipua_call_state(G.call[0]) == SIPUA_CS_READY &&
	       sipua_call_state(G.call[1]) == SIPUA_CS_READY;
}

static void glare_free(void)
{
	for (unsigned i = 0; i < 2; i++)
		sdp_oa_free(G.oa[i]);
	memset(&G, 0, sizeof(G));
}

Test(sipua, reinvite_glare_491_then_retry, .fini = glare_free)
{
	static const struct sdp_t38_local t38;
	static const unsigned who_a = 0;
	struct sdp_neg cur;

	ua_start(40, 0);
	for (unsigned i = 0; i < 2; i++) {
		struct sdp_oa_params op = { .addr = "127.0.0.1", .port = (uint16_t)(40000 + 10 * i),
					    .sess_id = 100 + i, .sess_version = 1, .t38 = &t38 };
		cr_assert_eq(sdp_oa_alloc(&G.oa[i], &op), 0);
	}
	struct sipua_params pb = {
		.root = H.root, .addr = "127.0.0.1", .port = H.base + 1, .transports = SIPUA_TP_UDP,
		.evh = on_event, .arg = (void *)&who_b,
	};
	cr_assert_eq(sipua_alloc(&H.ub, &pb), 0);
	struct sip_trunk *ta = trunk_add("to-b", H.base + 1, false, NULL, 0), *tb = NULL;
	char proxy[64], offer[SDP_TEXT_MAX];
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base);
	struct sip_trunk_params tp = { .name = "to-a", .proxy = proxy, .transport = SIP_TP_UDP };
	cr_assert_eq(sip_trunk_alloc(&tb, H.ub, &tp), 0);
	H.hook = glare_hook;

	/* An audio call from A to B. */
	cr_assert_eq(sdp_oa_offer(G.oa[0], offer, sizeof(offer), NULL, NULL), 0);
	struct sipua_dial d = { .trunk = ta, .user = "5550100", .from_user = "5551234",
				.sdp = offer };
	cr_assert_eq(sipua_call_invite(&G.call[0], H.ua, &d), 0);
	cr_assert_not_null(wait_event_of(1, SIPUA_EV_CALL_INCOMING, 5000), "B got no INVITE");
	cr_assert_not_null(wait_event_of(0, SIPUA_EV_CALL_ANSWERED, 5000));
	cr_assert(both_ready(3000), "not both confirmed");
	cr_assert_eq(G.neg[0].kind, SDP_KIND_AUDIO);
	cr_assert_eq(G.neg[1].kind, SDP_KIND_AUDIO);

	/* Both offer T.38 at once: nothing is sent before both calls. */
	reinvite_t38(0);
	reinvite_t38(1);
	struct rec *ra = wait_event_of(0, SIPUA_EV_CALL_REINVITE_ANSWER, 5000);
	struct rec *rb = wait_event_of(1, SIPUA_EV_CALL_REINVITE_ANSWER, 5000);
	cr_assert_not_null(ra, "A's re-INVITE got no final response");
	cr_assert_not_null(rb, "B's re-INVITE got no final response");
	cr_expect_eq(ra->status, 491, "A: %d", ra->status);
	cr_expect_eq(rb->status, 491, "B: %d", rb->status);
	run_for(200);
	cr_expect_eq(count_events(SIPUA_EV_CALL_REINVITE), 0,
		     "a re-INVITE Sofia answered 491 reached the owner");
	cr_expect_eq(count_events(SIPUA_EV_CALL_TERMINATED), 0, "491 ended the call");
	cr_assert(both_ready(1000), "not back to ready after 491");
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(sdp_oa_negotiated(G.oa[i], &cur), 0);
		cr_expect_eq(cur.kind, SDP_KIND_AUDIO, "side %u: the cancelled offer left audio", i);
	}

	/* B (not the Call-ID's owner) retries first: the call goes to T.38. */
	su_timer_t *tm = su_timer_create(su_root_task(H.root), 0);
	cr_assert_not_null(tm);
	cr_assert_eq(su_timer_set_interval(tm, retry_reinvite, (void *)&who_b, 300), 0);
	cr_assert_not_null(wait_event_of(0, SIPUA_EV_CALL_REINVITE, 3000), "A: no re-INVITE");
	rb = wait_event_of(1, SIPUA_EV_CALL_REINVITE_ANSWER, 3000);
	cr_assert_not_null(rb);
	cr_expect_eq(rb->status, 200);
	cr_expect_eq(G.answer_ret[1], 0);
	cr_expect_eq(G.neg[0].kind, SDP_KIND_IMAGE, "A answered T.38");
	cr_expect_eq(G.neg[1].kind, SDP_KIND_IMAGE, "B took T.38");
	cr_expect_eq(G.neg[1].port, 40000, "B sends UDPTL to A's port");
	cr_expect_eq(G.neg[0].port, 40010, "A sends UDPTL to B's port");
	struct sdp_neg fax = G.neg[1];

	/* A's retry later: the same T.38 session again, a refresh (no new fax). */
	cr_assert(both_ready(1000));
	cr_assert_eq(su_timer_set_interval(tm, retry_reinvite, (void *)&who_a, 300), 0);
	cr_assert_not_null(wait_event_of(1, SIPUA_EV_CALL_REINVITE, 3000), "B: no re-INVITE");
	ra = wait_event_of(0, SIPUA_EV_CALL_REINVITE_ANSWER, 3000);
	cr_assert_not_null(ra);
	cr_expect_eq(ra->status, 200);
	cr_expect_eq(G.answer_ret[0], 0);
	cr_expect(sdp_neg_same_t38(&fax, &G.neg[1]), "B: a refresh of the same T.38 session");
	su_timer_destroy(tm);

	cr_assert_eq(sipua_call_bye(G.call[0], NULL), 0);
	cr_assert_not_null(wait_event_of(1, SIPUA_EV_CALL_BYE, 3000));
	cr_assert_not_null(wait_event_of(0, SIPUA_EV_CALL_TERMINATED, 3000));
	cr_assert_not_null(wait_event_of(1, SIPUA_EV_CALL_TERMINATED, 3000));
	done();
}
