/* sip/ua behind NAT and towards carriers, against SIPp on 127.0.0.1: the external address
 * in our Via sent-by and Contact while the socket stays bound to 127.0.0.1; rport (RFC 3581)
 * honoured on a request whose Via names another port than it came from; a fixed
 * P-Asserted-Identity URI (RFC 3325) and a forced Privacy (RFC 3323) with the trunk's
 * account in From; the answer to our session refresh (RFC 4028) that moves the peer's media
 * reported to the owner (a 100 ms "second" for the session timer, as test_sip_dialog.c);
 * DNS SRV (RFC 2782) through dnsmasq, which the test starts on 127.0.0.1 with records under
 * .test: calls spread over two targets of one priority by their weights, and a call placed
 * while the DNS server does not answer yet waits for the answer instead of failing.
 *
 * Ports: test i uses 27320 + 8*i (UA), +1 (SIPp), +2 (SIPp control), +4..+7 (SIPp media);
 * the DNS tests: +1 and +2 the test's own SRV targets, +3 dnsmasq.
 * Scenarios: tests/sip/nat_*.xml; SIPp logs go to /tmp/sipnat-<port>-*.log. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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
	pid_t dnsmasq;
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
	char dns[32];

	snprintf(dns, sizeof(dns), "127.0.0.1:%u", H.base + 3);
	struct sipua_params p = { .root = H.root, .addr = "127.0.0.1", .port = H.base,
				  .external_addr = external, .evh = on_event,
				  .st_second_ms = H.st_second_ms, .dns_server = dns };
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
	pid_t procs[] = { H.sipp, H.dnsmasq };

	for (unsigned i = 0; i < 2; i++)
		if (procs[i] > 0) {
			kill(procs[i], SIGKILL);
			(void)waitpid(procs[i], NULL, 0);
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
	leak_check_expect_none();
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

/* ---- DNS SRV (RFC 2782, RFC 3263 §4.4) ------------------------------------------------- */

/* dnsmasq on 127.0.0.1:port, answering for .test with records (dnsmasq's own syntax). */
static void dnsmasq_start(uint16_t dport, const char *const *records)
{
	char conf[64], port[16], cf[80], logf[64];

	snprintf(conf, sizeof(conf), "/tmp/sipnat-%u-dnsmasq.conf", H.base);
	snprintf(logf, sizeof(logf), "/tmp/sipnat-%u-dnsmasq.log", H.base);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "no-resolv\nno-hosts\nno-poll\nlisten-address=127.0.0.1\nbind-interfaces\n"
		"local=/test/\nlocal-ttl=60\n");
	for (const char *const *r = records; *r; r++)
		fprintf(f, "%s\n", *r);
	fclose(f);
	snprintf(port, sizeof(port), "--port=%u", dport);
	snprintf(cf, sizeof(cf), "--conf-file=%s", conf);
	H.dnsmasq = fork();
	cr_assert_geq(H.dnsmasq, 0);
	if (H.dnsmasq == 0) {
		int out = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		execlp("dnsmasq", "dnsmasq", "--keep-in-foreground", "--pid-file", port, cf,
		       "--log-queries", "--log-facility=-", (char *)NULL);
		_exit(127);
	}
	uint64_t end = now_ms() + 5000;
	while (!proc_net_has("udp", dport, "") && now_ms() < end)
		usleep(10000);
	cr_assert(proc_net_has("udp", dport, ""), "dnsmasq did not start (see %s)", logf);
}

/* A UDP socket on 127.0.0.1:port, non-blocking. */
static int udp_on(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "port %u taken", port);
	return fd;
}

/* An SRV target of our own: each INVITE on fd is answered 486 at once, each REGISTER 200
 * with its Contact bound for 60 s (statelessly: its Via, From, To, Call-ID and CSeq back,
 * RFC 3261 §8.2.6.2) to where it came from; other requests (the ACK) are read and dropped.
 * Return how many INVITEs came. */
static unsigned target_serve(int fd)
{
	char req[4096], resp[4096];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	unsigned invites = 0;
	ssize_t n;

	while ((n = recvfrom(fd, req, sizeof(req) - 1, 0, (struct sockaddr *)&from, &flen)) > 0) {
		size_t o = 0;
		bool reg = !strncmp(req, "REGISTER ", 9);

		req[n] = '\0';
		if (strncmp(req, "INVITE ", 7) && !reg)
			continue;
		invites += !reg;
		o += (size_t)snprintf(resp, sizeof(resp), reg ? "SIP/2.0 200 OK\r\n"
								: "SIP/2.0 486 Busy Here\r\n");
		for (char *save = NULL, *l = strtok_r(req, "\r\n", &save); l;
		     l = strtok_r(NULL, "\r\n", &save)) {
			bool to = !strncasecmp(l, "To:", 3);
			bool contact = reg && (!strncasecmp(l, "Contact:", 8) || !strncmp(l, "m:", 2));

			if (to || contact || !strncasecmp(l, "Via:", 4) ||
			    !strncasecmp(l, "From:", 5) || !strncasecmp(l, "Call-ID:", 8) ||
			    !strncasecmp(l, "CSeq:", 5))
				o += (size_t)snprintf(resp + o, sizeof(resp) - o, "%s%s\r\n", l,
						      to ? ";tag=srvtarget" :
						      contact ? ";expires=60" : "");
			cr_assert_lt(o, sizeof(resp));
		}
		o += (size_t)snprintf(resp + o, sizeof(resp) - o, "Content-Length: 0\r\n\r\n");
		cr_assert_eq(sendto(fd, resp, o, 0, (struct sockaddr *)&from, flen), (ssize_t)o);
	}
	return invites;
}

/* One call on t until it is over (486 from a target of ours: 0; anything else: the
 * status), the targets served meanwhile; *hits counts the INVITEs each took. */
static int call_to_targets(struct sip_trunk *t, const int fds[2], unsigned hits[2])
{
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	struct rec *r = NULL;
	int status = -1;
	uint64_t end = now_ms() + 15000;

	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	while (now_ms() < end) {
		su_root_step(H.root, 5);
		for (unsigned i = 0; i < 2; i++)
			hits[i] += target_serve(fds[i]);
		for (unsigned i = 0; i < H.nev; i++)
			if (H.ev[i].call == c && H.ev[i].type == SIPUA_EV_CALL_FAILED)
				status = H.ev[i].status;
		if ((r = wait_event(SIPUA_EV_CALL_TERMINATED, 0)))
			break;
	}
	cr_assert_not_null(r, "the call did not end");
	H.nev = 0;		/* the events of this call are done with */
	return status == 486 ? 0 : status;
}

/* RFC 2782: targets of one priority are chosen at random in proportion to their weights.
 * SRV 10 3 (A) and 10 1 (B): of 400 calls A takes the first INVITE of each with p = 3/4
 * (Sofia-SIP draws per transaction); A's count is Binomial(400, 0.75), mean 300, standard
 * deviation 8.7; the test takes 255..345 (more than 5 deviations either way: a false
 * failure once in some 10^6 runs), while equal weights (mean 200) or the first target
 * only (400) fall outside. No target fails, so none is tried after another (486 is final). */
Test(sipcarrier, srv_weights_share_the_calls, .timeout = 120)
{
	char a[96], b[96];
	unsigned hits[2] = { 0, 0 };
	const unsigned calls = 400;

	ua_start(4, NULL);
	int fds[2] = { udp_on(H.base + 1), udp_on(H.base + 2) };
	snprintf(a, sizeof(a), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,3",
		 H.base + 1);
	snprintf(b, sizeof(b), "srv-host=_sip._udp.carrier.test,b.carrier.test,%u,10,1",
		 H.base + 2);
	const char *rec[] = { a, b, "host-record=a.carrier.test,127.0.0.1",
			      "host-record=b.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(H.base + 3, rec);
	log_set_all(LL_WARN);	/* 400 calls' INFO lines would drown the report */
	struct sip_trunk_params tp = { .name = "carrier", .proxy = "sip:carrier.test",
				       .transport = SIP_TP_UDP };
	struct sip_trunk *t = NULL;
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &tp), 0);
	for (unsigned i = 0; i < calls; i++)
		cr_assert_eq(call_to_targets(t, fds, hits), 0, "call %u not answered 486 by a "
			     "target of ours (see /tmp/sipnat-%u-dnsmasq.log)", i, H.base);
	cr_expect_eq(hits[0] + hits[1], calls, "INVITEs sent twice or lost: A %u, B %u",
		     hits[0], hits[1]);
	cr_expect(hits[0] >= 255 && hits[0] <= 345, "weight 3 took %u of %u calls, weight 1 "
		  "%u: not 3:1", hits[0], calls, hits[1]);
	close(fds[0]);
	close(fds[1]);
	done();
}

/* RFC 3263 §4: the first call waits for the resolver. The UA's DNS server (a relay of the
 * test's on base+3) holds every query 1.5 s before it passes it on to dnsmasq (on base+4)
 * and the answer back: the INVITE goes to the SRV target once the answer is in (its 486),
 * not 503 for a host that did not resolve. */
Test(sipcarrier, call_waits_for_a_late_dns_answer)
{
	char a[96], q[8][512];
	size_t qlen[8];
	struct sockaddr_in qfrom[8];
	unsigned hits[2] = { 0, 0 }, nq = 0;
	struct sockaddr_in up = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	ua_start(5, NULL);
	int fds[2] = { udp_on(H.base + 1), udp_on(H.base + 2) };
	int relay = udp_on(H.base + 3), fwd = udp_on(0);
	snprintf(a, sizeof(a), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,10",
		 H.base + 1);
	const char *rec[] = { a, "host-record=a.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(H.base + 4, rec);
	up.sin_port = htons(H.base + 4);
	struct sip_trunk_params tp = { .name = "carrier", .proxy = "sip:carrier.test",
				       .transport = SIP_TP_UDP };
	struct sip_trunk *t = NULL;
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &tp), 0);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	uint64_t late = now_ms() + 1500, end = now_ms() + 15000;
	struct rec *r = NULL;
	while (!r && now_ms() < end) {
		socklen_t fl = sizeof(qfrom[0]);
		ssize_t n;

		su_root_step(H.root, 5);
		while (nq < 8 && (n = recvfrom(relay, q[nq], sizeof(q[0]), 0,
					       (struct sockaddr *)&qfrom[nq], &fl)) > 0)
			qlen[nq++] = (size_t)n;
		if (now_ms() >= late) {	/* the server wakes up: every query held goes on */
			for (unsigned i = 0; i < nq; i++) {
				char ans[1500];

				cr_assert_eq(sendto(fwd, q[i], qlen[i], 0, (struct sockaddr *)&up,
						    sizeof(up)), (ssize_t)qlen[i]);
				struct pollfd pf = { .fd = fwd, .events = POLLIN };
				cr_assert_eq(poll(&pf, 1, 2000), 1, "dnsmasq did not answer");
				n = recv(fwd, ans, sizeof(ans), 0);
				cr_assert_gt(n, 0);
				(void)sendto(relay, ans, (size_t)n, 0, (struct sockaddr *)&qfrom[i],
					     sizeof(qfrom[i]));
			}
			nq = 0;
			late = 0;
		} else {
			cr_assert_null(wait_event(SIPUA_EV_CALL_FAILED, 0), "failed before DNS "
				       "answered: %d", H.ev[0].status);
		}
		hits[0] += target_serve(fds[0]);
		r = wait_event(SIPUA_EV_CALL_FAILED, 0);
	}
	cr_assert_not_null(r, "the call never ended");
	cr_expect_eq(r->status, 486, "the call failed %d instead of waiting for DNS", r->status);
	cr_expect_eq(hits[0], 1);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	for (unsigned i = 0; i < 2; i++)
		close(fds[i]);
	close(relay);
	close(fwd);
	done();
}

/* "trace on trunk NAME" for trunks named by host names (sip/ua.c trace_wants): carrier.test
 * (SRV to a.carrier.test, our target on base+1) and other.test (A record, base+2) both
 * resolve to 127.0.0.1, and neither has an address to match before Sofia-SIP resolves it.
 * Both register and place a call; the pcap of carrier's trace, read by tshark, holds its
 * REGISTER, INVITE and ACK and their answers, all to and from base+1, and nothing of
 * other's. */
Test(sipcarrier, trace_of_a_trunk_named_by_a_host_name)
{
	char srv[96], other[64], path[64], cmd[256], line[512];
	unsigned hits[2] = { 0, 0 }, n = 0, from_carrier = 0;
	bool seen_register = false, seen_200 = false, seen_invite = false, seen_486 = false,
	     seen_ack = false;
	uint64_t msgs = 0;

	ua_start(6, NULL);
	const unsigned mine = H.base + 1u, theirs = H.base + 2u;	/* the targets' ports */
	int fds[2] = { udp_on((uint16_t)mine), udp_on((uint16_t)theirs) };
	snprintf(srv, sizeof(srv), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,1",
		 mine);
	const char *rec[] = { srv, "host-record=a.carrier.test,127.0.0.1",
			      "host-record=other.test,127.0.0.1", NULL };
	dnsmasq_start(H.base + 3, rec);
	snprintf(other, sizeof(other), "sip:other.test:%u", theirs);
	struct sip_trunk_params cp = { .name = "carrier", .proxy = "sip:carrier.test",
				       .transport = SIP_TP_UDP, .username = "alice",
				       .do_register = true, .expires = 60 };
	struct sip_trunk_params op = { .name = "other", .proxy = other, .transport = SIP_TP_UDP,
				       .username = "bob", .do_register = true, .expires = 60 };
	struct sip_trunk *tc = NULL, *to = NULL;
	cr_assert_eq(sip_trunk_alloc(&tc, H.ua, &cp), 0);
	cr_assert_eq(sip_trunk_alloc(&to, H.ua, &op), 0);
	snprintf(path, sizeof(path), "/tmp/sipnat-%u-trace.pcap", H.base);
	cr_assert_eq(sipua_trace_on(H.ua, &(struct sipua_trace_spec){
		.scope = SIPUA_TRACE_TRUNK, .what = "carrier", .path = path }), 0);

	uint64_t end = now_ms() + 10000;
	while ((sip_trunk_reg_state(tc) != SIP_TRUNK_REGISTERED ||
		sip_trunk_reg_state(to) != SIP_TRUNK_REGISTERED) && now_ms() < end) {
		su_root_step(H.root, 5);
		for (unsigned i = 0; i < 2; i++)
			(void)target_serve(fds[i]);
	}
	cr_assert_eq(sip_trunk_reg_state(tc), SIP_TRUNK_REGISTERED, "carrier not registered");
	cr_assert_eq(sip_trunk_reg_state(to), SIP_TRUNK_REGISTERED, "other not registered");
	cr_assert_eq(call_to_targets(tc, fds, hits), 0);
	cr_assert_eq(call_to_targets(to, fds, hits), 0);
	cr_expect(hits[0] == 1 && hits[1] == 1, "INVITEs: %u to carrier's target, %u to other's",
		  hits[0], hits[1]);
	cr_assert_eq(sipua_trace_off(H.ua, &msgs), 0);

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y sip -T fields -E separator='|' -e udp.srcport "
		 "-e udp.dstport -e sip.Method -e sip.Status-Code 2>/dev/null", path);
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f, "tshark");
	while (fgets(line, sizeof(line), f)) {
		char *rest = line, *field[4] = { NULL, NULL, NULL, NULL };

		line[strcspn(line, "\n")] = '\0';
		for (unsigned k = 0; k < 4; k++)
			field[k] = strsep(&rest, "|");
		cr_assert(field[3], "tshark line '%s'", line);
		unsigned sport = (unsigned)atoi(field[0]), dport = (unsigned)atoi(field[1]);
		const char *what[2] = { field[2], field[3] };	/* method; status */
		n++;
		from_carrier += sport == mine || dport == mine;
		cr_expect(sport != theirs && dport != theirs, "other's message traced: "
			  "%u -> %u %s%s", sport, dport, what[0], what[1]);
		seen_register |= !strcmp(what[0], "REGISTER") && dport == mine;
		seen_invite |= !strcmp(what[0], "INVITE") && dport == mine;
		seen_ack |= !strcmp(what[0], "ACK") && dport == mine;
		seen_200 |= !strcmp(what[1], "200") && sport == mine;
		seen_486 |= !strcmp(what[1], "486") && sport == mine;
	}
	cr_assert_eq(pclose(f), 0, "tshark -r %s failed", path);
	cr_expect_eq(n, msgs, "tshark dissects every message written as SIP");
	cr_expect_eq(from_carrier, n, "every message traced is carrier's");
	cr_expect(seen_register && seen_200, "carrier's REGISTER and its 200 not in the trace");
	cr_expect(seen_invite && seen_486 && seen_ack, "carrier's INVITE, 486, ACK not all in "
		  "the trace");
	close(fds[0]);
	close(fds[1]);
	done();
}
