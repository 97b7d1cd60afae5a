/* sip/ua + sip/trunk over TLS (RFC 3261 §26.2, RFC 5922 §7) and with host names resolved by
 * RFC 3263 through Sofia-SIP's resolver, against real peers on 127.0.0.1:
 *
 * - TLS: a CA and certificates the test makes at run time with openssl (nothing committed):
 *   a good one for sip.test, one for another name, one expired, one from a stranger CA.
 *   Debian's SIPp has no TLS, so socat holds the TLS side and hands the plain stream to SIPp
 *   over TCP (-t t1); socat presents whichever certificate the test wants. A call over TLS
 *   works both ways; the wrong-name, expired and unknown-CA certificates are refused with a
 *   log line naming the trunk, the peer and the reason, and the call fails at once with 503
 *   and cause 27 (Q.850 "destination out of order": no signalling could be delivered to that
 *   destination; RFC 3398 has no row for a failed transport, and 27 is a failover cause);
 *   tls_verify = no takes the wrong-name one, with a WARNING at start. A connection to the
 *   TLS port that never starts its handshake is closed by the inbound TCP sweep.
 * - DNS: dnsmasq, started by the test on 127.0.0.1 with records under .test (RFC 6761), is
 *   the UA's dns_server. SRV with two targets of different priority (RFC 2782): the first
 *   answers 503, or is not there at all, and the call goes to the second (RFC 3263 §4.3);
 *   a NAPTR is followed to its SRV set; records are looked up again after their TTL.
 *
 * Ports: test i uses 26100 + 20*i: +0 UA (UDP, TCP), +1 UA TLS, +2 SIPp A, +3 its control,
 * +4..+7 its media, +8 socat (TLS), +9 dnsmasq, +10 SIPp B, +11 its control, +12..+15 its
 * media. Logs go to /tmp/siptls-<base>-*.log. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tests/unit/leak_check.h"
#include "tests/unit/log_capture.h"
#include "tests/unit/sipp_args.h"

#define PORT_BASE 26100
#define PORT_STEP 20
#define EV_MAX	  32
#define NPROC	  4

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
	struct sip_trunk *trunk;
	int status;
	bool has_sdp;
	bool taken;
	char reason[256];
	char ruri_user[64];
};

static struct {
	su_root_t *root;
	struct sipua *ua;
	struct rec ev[EV_MAX];
	unsigned nev;
	bool answer;			/* answer incoming calls 200 */
	pid_t proc[NPROC];		/* SIPp, socat, dnsmasq */
	uint16_t base;
	char dir[64];			/* the certificates */
	unsigned dns_ttl;		/* [s] of dnsmasq's answers; 0: 60 */
	pid_t dnsmasq;
	unsigned tcp_idle;		/* [ms] for ua_start(), 0: the default */
} H;

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void on_event(const struct sipua_event *ev, void *arg)
{
	(void)arg;
	cr_assert_lt(H.nev, EV_MAX, "too many events");
	struct rec *r = &H.ev[H.nev++];
	r->type = ev->type;
	r->trunk = ev->trunk;
	r->status = ev->status;
	r->has_sdp = ev->sdp && strstr(ev->sdp, "m=audio");
	copy(r->reason, sizeof(r->reason), ev->reason);
	copy(r->ruri_user, sizeof(r->ruri_user), ev->ruri_user);
	if (ev->type == SIPUA_EV_CALL_INCOMING && H.answer) {
		cr_assert_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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

/* ---- Peers: forked with PDEATHSIG, output into /tmp/siptls-<base>-<name>.log ------------ */

static pid_t spawn(const char *name, const char *const *argv)
{
	char logf[64];

	snprintf(logf, sizeof(logf), "/tmp/siptls-%u-%s.log", H.base, name);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		int in = open("/dev/null", O_RDONLY);
		int out = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in >= 0)
			dup2(in, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		if (chdir("/tmp"))
			_exit(127);
		/* none of Criterion's pipes to the runner: socat's connection children may
		 * outlive the test by a moment */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != out && fd != in)
				close(fd);
		if (out > 2)
			close(out);
		if (in > 2)
			close(in);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (unsigned i = 0; i < NPROC; i++) {
		if (!H.proc[i]) {
			H.proc[i] = pid;
			return pid;
		}
	}
	cr_assert_fail("too many peers");
	return pid;
}

static void wait_bound(uint16_t port, bool tcp, const char *what)
{
	uint64_t end = now_ms() + 5000;
	bool ok;

	while (!(ok = tcp ? proc_net_has("tcp", port, "00000000:0000 0A ")
			  : proc_net_has("udp", port, "")) && now_ms() < end)
		usleep(10000);
	cr_assert(ok, "%s did not bind 127.0.0.1:%u (see /tmp/siptls-%u-*.log)", what, port,
		  H.base);
}

/* SIPp as UAS (target 0) or UAC on port, over TCP if tcp; -set tlsport base+8. */
static pid_t sipp(const char *name, const char *scenario, uint16_t port, bool tcp,
		  uint16_t target, const char *service)
{
	char tls[8], gwtls[8], msgf[64], errf[64];
	struct sipp_args a;

	snprintf(tls, sizeof(tls), "%u", H.base + 8);
	snprintf(gwtls, sizeof(gwtls), "%u", H.base + 1);
	snprintf(msgf, sizeof(msgf), "/tmp/siptls-%u-%s-messages.log", H.base, name);
	snprintf(errf, sizeof(errf), "/tmp/siptls-%u-%s-errors.log", H.base, name);
	sipp_args_init(&a, scenario, port, port + 1, port + 2, 1, "20s", msgf, errf);
	if (strstr(scenario, "tls")) {	/* <Global variables="tlsport[,gwtls]" /> */
		sipp_args_add(&a, "-set", "tlsport");
		sipp_args_add(&a, tls, NULL);
	}
	if (strstr(scenario, "uac_call_tls")) {
		sipp_args_add(&a, "-set", "gwtls");
		sipp_args_add(&a, gwtls, NULL);
	}
	if (tcp)
		sipp_args_add(&a, "-t", "t1");
	if (service)
		sipp_args_add(&a, "-s", service);
	const char **argv = sipp_args_end(&a, target);
	pid_t pid = spawn(name, argv);
	if (!target)
		wait_bound(port, tcp, "SIPp");
	return pid;
}

/* Run the loop until pid exits: its exit status (0: SIPp's calls passed), -1 on timeout. */
static int proc_wait(pid_t pid, unsigned ms)
{
	uint64_t end = now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			for (unsigned i = 0; i < NPROC; i++)
				if (H.proc[i] == pid)
					H.proc[i] = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (now_ms() >= end)
			return -1;
		su_root_step(H.root, 20);
	}
}

/* socat on base+8: TLS with <cert>.pem/<cert>.key from the test's CA, the clear side to SIPp
 * over TCP on base+2. */
static void socat_tls_server(const char *cert)
{
	char listen[512], connect[64];

	snprintf(listen, sizeof(listen), "OPENSSL-LISTEN:%u,bind=127.0.0.1,reuseaddr,fork,"
		 "cert=%s/%s.pem,key=%s/%s.key,verify=0", H.base + 8, H.dir, cert, H.dir, cert);
	snprintf(connect, sizeof(connect), "TCP:127.0.0.1:%u", H.base + 2);
	const char *argv[] = { "socat", "-d", listen, connect, NULL };
	spawn("socat", argv);
	wait_bound(H.base + 8, true, "socat");
}

/* socat on base+8: plain TCP in (SIPp), TLS out to the UA's TLS port, checking the UA's
 * certificate (gw.test) against the test's CA. */
static void socat_tls_client(void)
{
	char listen[64], connect[512];

	snprintf(listen, sizeof(listen), "TCP-LISTEN:%u,bind=127.0.0.1,reuseaddr,fork",
		 H.base + 8);
	snprintf(connect, sizeof(connect), "OPENSSL:127.0.0.1:%u,cafile=%s/ca.pem,"
		 "commonname=gw.test,verify=1", H.base + 1, H.dir);
	const char *argv[] = { "socat", "-d", listen, connect, NULL };
	spawn("socat", argv);
	wait_bound(H.base + 8, true, "socat");
}

/* ---- Certificates: a CA and leaf certificates made now, never committed ---------------- */

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "failed: %s", cmd);
}

/* <name>.pem/.key for CN=cn with subjectAltName san, signed by <ca>.pem, valid days (-1:
 * expired yesterday). */
static void leaf(const char *ca, const char *name, const char *cn, const char *san, int days)
{
	sh("cd %s && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	   "-keyout %s.key -out %s.csr -subj '/CN=%s' 2>/dev/null && "
	   "printf 'subjectAltName=%s\\n' >%s.ext && "
	   "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial -days %d "
	   "-extfile %s.ext -out %s.pem 2>/dev/null", H.dir, name, name, cn, san, name, name, ca,
	   ca, days, name, name);
}

static void ca_make(const char *name, const char *cn)
{
	sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	   "-keyout %s.key -out %s.pem -days 2 -subj '/CN=%s' 2>/dev/null", H.dir, name, name, cn);
}

/* The test's CA (the UA's tls_ca) and a stranger's, and the leaves the tests present. */
static void certs_make(void)
{
	snprintf(H.dir, sizeof(H.dir), "/tmp/siptls-%u-certs", H.base);
	sh("rm -rf %s && mkdir -p %s", H.dir, H.dir);
	ca_make("ca", "Strowger Test CA");
	ca_make("ca2", "Stranger CA");
	leaf("ca", "good", "sip.test", "DNS:sip.test", 2);
	leaf("ca", "wrongname", "other.test", "DNS:other.test", 2);
	leaf("ca", "expired", "sip.test", "DNS:sip.test", -1);
	leaf("ca2", "stranger", "sip.test", "DNS:sip.test", 2);
	leaf("ca", "gw", "gw.test", "DNS:gw.test", 2);
}

/* ---- DNS: dnsmasq on base+9 with the test's records ---------------------------------- */

static void dnsmasq_start(const char *const *records)
{
	char conf[PATH_MAX], port[16];

	snprintf(conf, sizeof(conf), "/tmp/siptls-%u-dnsmasq.conf", H.base);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "no-resolv\nno-hosts\nno-poll\nlisten-address=127.0.0.1\nbind-interfaces\n"
		"local=/test/\nlocal-ttl=%u\n", H.dns_ttl ? H.dns_ttl : 60);
	for (const char *const *r = records; *r; r++)
		fprintf(f, "%s\n", *r);
	fclose(f);
	snprintf(port, sizeof(port), "--port=%u", H.base + 9);
	char cf[PATH_MAX + 16];
	snprintf(cf, sizeof(cf), "--conf-file=%s", conf);
	const char *argv[] = { "dnsmasq", "--keep-in-foreground", "--pid-file",
			       port, cf, "--log-queries", "--log-facility=-", NULL };
	H.dnsmasq = spawn("dnsmasq", argv);
	wait_bound(H.base + 9, false, "dnsmasq");
}

static void dnsmasq_stop(void)
{
	kill(H.dnsmasq, SIGTERM);
	cr_assert_geq(proc_wait(H.dnsmasq, 5000), 0, "dnsmasq did not stop");
	uint64_t end = now_ms() + 2000;
	while (proc_net_has("udp", H.base + 9, "") && now_ms() < end)
		usleep(10000);
}

/* ---- The UA ------------------------------------------------------------------------- */

static void ua_start(unsigned test_index, bool tls, bool verify, bool dns)
{
	char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], dns_server[32];

	H.base = PORT_BASE + PORT_STEP * test_index;
	cr_assert_leq(H.base + PORT_STEP - 1, 26499);
	log_set_all(LL_INFO);
	if (tls)
		certs_make();
	snprintf(cert, sizeof(cert), "%s/gw.pem", H.dir);
	snprintf(key, sizeof(key), "%s/gw.key", H.dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", H.dir);
	snprintf(dns_server, sizeof(dns_server), "127.0.0.1:%u", H.base + 9);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = {
		.root = H.root,
		.addr = "127.0.0.1",
		.port = H.base,
		.tls_port = tls ? (uint16_t)(H.base + 1) : 0,
		.tls_cert = cert,
		.tls_key = key,
		.tls_ca = ca,
		.tls_verify = verify,
		.dns_server = dns ? dns_server : NULL,
		.tcp_idle = H.tcp_idle,
		.evh = on_event,
	};
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
}

static struct sip_trunk *trunk(const char *name, const char *proxy, enum sip_transport tp)
{
	struct sip_trunk *t = NULL;
	struct sip_trunk_params p = { .name = name, .proxy = proxy, .transport = tp };

	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0, "trunk %s: %s", name, proxy);
	return t;
}


static void teardown(void)
{
	(void)log_capture_stop();
	for (unsigned i = 0; i < NPROC; i++) {
		if (H.proc[i] > 0) {
			kill(H.proc[i], SIGTERM);
			(void)waitpid(H.proc[i], NULL, 0);
		}
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

TestSuite(siptls, .fini = teardown, .timeout = 40);

/* An outgoing call to trunk t (proxy via socat) that must work; BYE from us. */
static void call_ok(struct sip_trunk *t, pid_t peer)
{
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };

	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_ANSWERED, 8000);
	cr_assert_not_null(r, "no answer over TLS (see /tmp/siptls-%u-*.log)", H.base);
	cr_expect(r->has_sdp);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_assert_eq(sipua_call_bye(c, "Q.850;cause=16"), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000), "BYE not answered");
	cr_expect_eq(proc_wait(peer, 5000), 0, "SIPp scenario failed (see /tmp/siptls-%u-*.log)",
		     H.base);
}

Test(siptls, call_over_tls)
{
	ua_start(0, true, true, true);
	const char *rec[] = { "address=/sip.test/127.0.0.1", NULL };
	dnsmasq_start(rec);
	pid_t peer = sipp("uas", "uas_answer_tls.xml", H.base + 2, true, 0, NULL);
	socat_tls_server("good");
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "sip:sip.test:%u", H.base + 8);
	call_ok(trunk("carrier", proxy, SIP_TP_TLS), peer);
	done();
}

/* A call to a peer whose certificate the UA must refuse: the INVITE fails at once (not after
 * Sofia's 32 s timer), SIPp never sees it, and the log says which trunk, peer and why. */
static void call_refused(const char *cert, const char *why)
{
	pid_t peer = sipp("uas", "uas_answer_tls.xml", H.base + 2, true, 0, NULL);
	socat_tls_server(cert);
	char proxy[64], line[128];
	snprintf(proxy, sizeof(proxy), "sip:sip.test:%u", H.base + 8);
	struct sip_trunk *t = trunk("carrier", proxy, SIP_TP_TLS);
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	log_capture_start();
	uint64_t t0 = now_ms();
	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_FAILED, 8000);
	uint64_t took = now_ms() - t0;
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 2000));
	const char *log = log_capture_stop();
	cr_assert_not_null(r, "the call did not fail");
	cr_expect_lt(took, 3000, "failed after %llu ms: Sofia's own timer, not the refusal",
		     (unsigned long long)took);
	cr_expect_eq(r->status, 503);
	cr_expect_str_eq(r->reason, "Q.850;cause=27;text=\"TLS peer refused\"");
	snprintf(line, sizeof(line), "trunk carrier: TLS peer sip.test:%u refused: ", H.base + 8);
	const char *l = strstr(log, line);
	cr_expect_not_null(l, "no log line naming trunk and peer:\n%s", log);
	if (l)
		cr_expect(strstr(l, why) && strstr(l, why) < strchr(l, '\n'),
			  "the line does not say '%s'", why);
	kill(peer, SIGTERM);
	(void)proc_wait(peer, 5000);
	char msgs[64], text[4096] = "";
	snprintf(msgs, sizeof(msgs), "/tmp/siptls-%u-uas-messages.log", H.base);
	FILE *f = fopen(msgs, "r");
	if (f) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	cr_expect_null(strstr(text, "INVITE sip:"), "the INVITE reached SIPp:\n%s", text);
}

Test(siptls, wrong_name_refused)
{
	ua_start(1, true, true, true);
	const char *rec[] = { "address=/sip.test/127.0.0.1", NULL };
	dnsmasq_start(rec);
	call_refused("wrongname", "its certificate does not name sip.test");
	done();
}

Test(siptls, unknown_ca_refused)
{
	ua_start(8, true, true, true);
	const char *rec[] = { "address=/sip.test/127.0.0.1", NULL };
	dnsmasq_start(rec);
	call_refused("stranger", "unable to get local issuer certificate (certificate "
		     "/CN=sip.test)");
	done();
}

Test(siptls, expired_refused)
{
	ua_start(2, true, true, true);
	const char *rec[] = { "address=/sip.test/127.0.0.1", NULL };
	dnsmasq_start(rec);
	call_refused("expired", "certificate has expired (certificate /CN=sip.test)");
	done();
}

/* tls_verify = no: the wrong-name certificate is taken, after a WARNING at start. */
Test(siptls, verify_off_takes_wrong_name)
{
	log_capture_start();
	ua_start(3, true, false, true);
	const char *log = log_capture_stop();
	cr_expect_not_null(strstr(log, "warn   sip    tls_verify = no: TLS peers' certificates "
				  "are not checked"), "no WARNING at start:\n%s", log);
	const char *rec[] = { "address=/sip.test/127.0.0.1", NULL };
	dnsmasq_start(rec);
	pid_t peer = sipp("uas", "uas_answer_tls.xml", H.base + 2, true, 0, NULL);
	socat_tls_server("wrongname");
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "sip:sip.test:%u", H.base + 8);
	call_ok(trunk("carrier", proxy, SIP_TP_TLS), peer);
	done();
}

/* A TLS peer calls us: socat checks our certificate, and the INVITE is the TLS trunk's,
 * not the UDP trunk's on the same address (matched by transport first). */
Test(siptls, incoming_call_over_tls)
{
	ua_start(4, true, true, false);
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base + 2);
	(void)trunk("udp", proxy, SIP_TP_UDP);
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base + 8);
	struct sip_trunk *t = trunk("tls", proxy, SIP_TP_TLS);
	H.answer = true;
	socat_tls_client();
	pid_t peer = sipp("uac", "uac_call_tls.xml", H.base + 2, true, H.base + 8, "5550100");
	struct rec *r = wait_event(SIPUA_EV_CALL_INCOMING, 8000);
	cr_assert_not_null(r, "no INVITE over TLS (see /tmp/siptls-%u-*.log)", H.base);
	cr_expect_eq(r->trunk, t, "taken as another trunk's");
	cr_expect_str_eq(r->ruri_user, "5550100");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 5000), "no ACK");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_BYE, 5000), "no BYE");
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000));
	cr_expect_eq(proc_wait(peer, 5000), 0, "SIPp scenario failed (see /tmp/siptls-%u-*.log)",
		     H.base);
	done();
}

/* ---- RFC 3263 with the test's DNS server ------------------------------------------------ */

/* _sip._udp.carrier.test: a.carrier.test (SIPp A, base+2) at priority 10, b.carrier.test
 * (SIPp B, base+10) at 20 (RFC 2782: lower first). */
static void srv_two_targets(void)
{
	char a[96], b[96];

	snprintf(a, sizeof(a), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,10",
		 H.base + 2);
	snprintf(b, sizeof(b), "srv-host=_sip._udp.carrier.test,b.carrier.test,%u,20,10",
		 H.base + 10);
	const char *rec[] = { a, b, "host-record=a.carrier.test,127.0.0.1",
			      "host-record=b.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(rec);
}

/* A call on trunk t that SIPp peer (its name for the message) must answer. */
static void call_answered_by(struct sip_trunk *t, pid_t peer, const char *name)
{
	struct sipua_call *c = NULL;
	struct sipua_dial d = { .trunk = t, .user = "5551234", .from_user = "2125551000",
				.sdp = test_sdp };
	unsigned failed = count_events(SIPUA_EV_CALL_FAILED);

	cr_assert_eq(sipua_call_invite(&c, H.ua, &d), 0);
	struct rec *r = wait_event(SIPUA_EV_CALL_ANSWERED, 10000);
	cr_assert_not_null(r, "SRV target %s did not get the call (see /tmp/siptls-%u-*.log)",
			   name, H.base);
	cr_expect_eq(count_events(SIPUA_EV_CALL_FAILED), failed);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_CONFIRMED, 2000));
	cr_assert_eq(sipua_call_bye(c, "Q.850;cause=16"), 0);
	cr_assert_not_null(wait_event(SIPUA_EV_CALL_TERMINATED, 5000), "BYE not answered");
	cr_expect_eq(proc_wait(peer, 5000), 0, "SIPp %s failed (see /tmp/siptls-%u-*.log)", name,
		     H.base);
}

static void call_to_b(pid_t b)
{
	call_answered_by(trunk("carrier", "sip:carrier.test", SIP_TP_UDP), b, "b");
}

/* The first SRV target answers 503: the same INVITE goes to the second (RFC 3263 §4.3). */
Test(siptls, srv_failover_on_503)
{
	ua_start(5, false, true, true);
	srv_two_targets();
	pid_t a = sipp("a", "uas_503.xml", H.base + 2, false, 0, NULL);
	pid_t b = sipp("b", "uas_answer.xml", H.base + 10, false, 0, NULL);
	call_to_b(b);
	cr_expect_eq(proc_wait(a, 5000), 0, "the first target (priority 10) was not tried "
		     "first (see /tmp/siptls-%u-a-*.log)", H.base);
	done();
}

/* The first SRV target is not there at all (nothing on its port): the second gets it. */
Test(siptls, srv_failover_when_first_absent)
{
	ua_start(6, false, true, true);
	srv_two_targets();
	pid_t b = sipp("b", "uas_answer.xml", H.base + 10, false, 0, NULL);
	call_to_b(b);
	done();
}

/* Request-URIs of host-named trunks: no port when none is given (RFC 3263 §4.2 looks up
 * SRV then), the transport named; a numeric TLS proxy defaults to 5061 (RFC 3261 §19.1.2).
 * The resolver asks the test's port (nothing there): no query leaves the host. */
Test(siptls, host_name_trunk_uris)
{
	char uri[128];
	struct sip_trunk *t = NULL;

	ua_start(7, false, true, true);
	cr_assert_eq(sip_trunk_uri(trunk("u", "sip:carrier.test", SIP_TP_UDP), "5551234", uri,
				   sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@carrier.test");
	cr_assert_eq(sip_trunk_uri(trunk("t", "sip:carrier.test", SIP_TP_TLS), "5551234", uri,
				   sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@carrier.test;transport=tls");
	cr_assert_eq(sip_trunk_uri(trunk("p", "sip:sbc1.carrier.test:5080", SIP_TP_TCP),
				   "5551234", uri, sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@sbc1.carrier.test:5080;transport=tcp");
	cr_assert_eq(sip_trunk_uri(trunk("n", "sip:127.0.0.1", SIP_TP_TLS), "5551234", uri,
				   sizeof(uri)), 0);
	cr_expect_str_eq(uri, "sip:5551234@127.0.0.1:5061;transport=tls");
	const char *bad[] = { "sip:carrier_1.test", "sip:-carrier.test", "sip:10.1.2",
			      "sip:[carrier.test]", NULL };
	for (const char *const *b = bad; *b; b++) {
		struct sip_trunk_params p = { .name = "bad", .proxy = *b };
		cr_expect_eq(sip_trunk_alloc(&t, H.ua, &p), EINVAL, "%s taken", *b);
	}
	done();
}

/* Records are looked up again when their TTL (1 s here) has run out: the carrier moves its
 * service from target A to target B in DNS, and the next call follows. */
Test(siptls, srv_re_resolved_after_ttl)
{
	char a[96], b[96];

	ua_start(9, false, true, true);
	H.dns_ttl = 1;
	snprintf(a, sizeof(a), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,10",
		 H.base + 2);
	const char *rec1[] = { a, "host-record=a.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(rec1);
	struct sip_trunk *t = trunk("carrier", "sip:carrier.test", SIP_TP_UDP);
	pid_t pa = sipp("a", "uas_answer.xml", H.base + 2, false, 0, NULL);
	call_answered_by(t, pa, "a");

	dnsmasq_stop();
	snprintf(b, sizeof(b), "srv-host=_sip._udp.carrier.test,b.carrier.test,%u,10,10",
		 H.base + 10);
	const char *rec2[] = { b, "host-record=b.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(rec2);
	pid_t pb = sipp("b", "uas_answer.xml", H.base + 10, false, 0, NULL);
	uint64_t end = now_ms() + 2500;	/* past the TTL */
	while (now_ms() < end)
		su_root_step(H.root, 20);
	call_answered_by(t, pb, "b");
	done();
}

/* Inbound TLS is TCP underneath: a connection to the TLS port that never starts its
 * handshake is closed by the inbound TCP sweep (sip/tcp_guard.h) after tcp_idle. */
Test(siptls, idle_tls_connection_closed)
{
	H.tcp_idle = 600;
	ua_start(10, true, true, false);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(H.base + 1) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	cr_assert_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	char b[16];
	ssize_t n = -1;
	uint64_t t0 = now_ms(), end = t0 + 5000;
	while (now_ms() < end && (n = recv(fd, b, sizeof(b), 0)) < 0 && errno == EAGAIN)
		su_root_step(H.root, 20);
	uint64_t took = now_ms() - t0;
	close(fd);
	cr_expect_eq(n, 0, "the idle connection to the TLS port was not closed");
	cr_expect_geq(took, 500, "closed after %llu ms, before it was idle",
		      (unsigned long long)took);
	done();
}

/* NAPTR first (RFC 3263 §4.1): the carrier's NAPTR for SIP over UDP names an SRV set other
 * than the default _sip._udp one; the call follows the NAPTR (SIPp B), not the default
 * SRV name (which points at a port with nothing on it). */
Test(siptls, naptr_then_srv)
{
	char a[96], b[96];

	ua_start(11, false, true, true);
	snprintf(a, sizeof(a), "srv-host=_sip._udp.carrier.test,a.carrier.test,%u,10,10",
		 H.base + 2);
	snprintf(b, sizeof(b), "srv-host=_sip._udp.sbc.carrier.test,b.carrier.test,%u,10,10",
		 H.base + 10);
	const char *rec[] = { "naptr-record=carrier.test,10,10,S,SIP+D2U,,"
			      "_sip._udp.sbc.carrier.test", a, b,
			      "host-record=a.carrier.test,127.0.0.1",
			      "host-record=b.carrier.test,127.0.0.1", NULL };
	dnsmasq_start(rec);
	pid_t pb = sipp("b", "uas_answer.xml", H.base + 10, false, 0, NULL);
	call_to_b(pb);
	done();
}
