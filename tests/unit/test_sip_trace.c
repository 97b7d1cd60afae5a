/* SIP trace (sip/trace.h, sipua_trace_on()): Sofia-SIP's message log reassembled into whole
 * messages; the pcap file as tshark reads it; and calls with SIPp on 127.0.0.1 whose trace is
 * switched through the control socket (gateway/ctl.h, "trace on|off"), checked with
 * tshark -Y sip: the whole INVITE dialog with its addresses and ports, nothing after
 * "trace off", a per-call trace without the other call, a per-trunk trace without a
 * stranger's request, and the size cap.
 *
 * Ports: 26400 + 20 * test (UA), +1 (SIPp, the trunk), +2 (its control), +3 (a second SIPp),
 * +4 (its control), +6..+9 and +10..+13 (each SIPp binds 4 media ports); all in 26400-26519. */
#include <criterion/criterion.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "gateway/ctl.h"
#include "gateway/ctl_cmd.h"
#include "sip/trace.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tests/unit/log_capture.h"
#include "tests/unit/sipp_args.h"

#define PORT_BASE 26400

static const char test_sdp[] =
	"v=0\r\n"
	"o=strowger 1 1 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP 8 0\r\n"
	"a=rtpmap:8 PCMA/8000\r\n";

/* ---- The reassembler, fed as su_log feeds a redirect ------------------------------------ */

static void feed(struct sip_tplog *l, bool want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bool got = sip_tplog_feed(l, fmt, ap);
	va_end(ap);
	cr_expect_eq(got, want, "'%s' %s", fmt, want ? "not consumed" : "consumed");
}

static struct {
	unsigned n;
	struct sip_tplog_msg m;
	char data[512];
} got;

static void on_msg(const struct sip_tplog_msg *m, void *arg)
{
	(void)arg;
	got.n++;
	got.m = *m;
	snprintf(got.data, sizeof(got.data), "%.*s", (int)m->len, m->data);
}

#define SEP "   ------------------------------------------------------------------------\n"

/* tport_log_msg() of 1.12.11: su_log(stamp), the separator, lines and their ends. */
static void log_message(struct sip_tplog *l, const char *stamp, const char *const lines[])
{
	feed(l, true, stamp);
	feed(l, true, SEP);
	for (unsigned i = 0; lines[i]; i++) {
		if (i)
			feed(l, true, "\n");
		feed(l, true, "%s%.*s", "   ", (int)strlen(lines[i]), lines[i]);
	}
	feed(l, true, "%s" SEP, "\n");
}

Test(sip_trace, tplog_reassembles_whole_messages)
{
	struct sip_tplog l = { .collect = true, .h = on_msg };
	static const char *const opt[] = { "OPTIONS sip:a@192.0.2.1 SIP/2.0", "Call-ID: x1",
					   "Content-Length: 0", "", NULL };

	memset(&got, 0, sizeof(got));
	feed(&l, false, "nta: something else %d\n", 1);
	log_message(&l, "send 66 bytes to udp/[192.0.2.1]:5062 at 10:00:00.000001:\n", opt);
	cr_assert_eq(got.n, 1);
	cr_expect(got.m.sent);
	cr_expect_str_eq(got.m.proto, "udp");
	cr_expect_eq(got.m.stamped, 66);
	cr_expect_str_eq(got.data, "OPTIONS sip:a@192.0.2.1 SIP/2.0\r\nCall-ID: x1\r\n"
				   "Content-Length: 0\r\n");
	const struct sockaddr_in *a = (const void *)&got.m.peer;
	cr_expect_eq(a->sin_family, AF_INET);
	cr_expect_eq(ntohs(a->sin_port), 5062);
	cr_expect_eq(a->sin_addr.s_addr, inet_addr("192.0.2.1"));

	/* the other stamp style (stamp and separator in one call), IPv6, received */
	static const char *const ok[] = { "SIP/2.0 200 OK", "", "v=0", NULL };
	feed(&l, true, "%s" SEP, "recv 24 bytes from tls/[2001:db8::7]:5061 at 10:00:01.5:\n");
	for (unsigned i = 0; ok[i]; i++) {
		if (i)
			feed(&l, true, "\n");
		feed(&l, true, "%s%.*s", "   ", (int)strlen(ok[i]), ok[i]);
	}
	feed(&l, true, "%s" SEP, "");
	cr_assert_eq(got.n, 2);
	cr_expect(!got.m.sent);
	cr_expect_str_eq(got.m.proto, "tls");
	cr_expect_eq(got.m.peer.ss_family, AF_INET6);
	cr_expect_str_eq(got.data, "SIP/2.0 200 OK\r\n\r\nv=0");

	/* not collecting (no trace on): swallowed all the same, nothing handed over */
	l.collect = false;
	log_message(&l, "recv 10 bytes from udp/[192.0.2.1]:5060 at 10:00:02.0:\n", opt);
	feed(&l, true, "   *** message truncated at 10 ***\n");
	cr_expect_eq(got.n, 2);
	/* a stamp-like line that is not one goes to the log */
	feed(&l, false, "send nothing here\n");
	sip_tplog_free(&l);
}

/* The per-trunk trace of a trunk named by a host name knows its requests by the host of
 * their Request-URI. */
Test(sip_trace, request_uri_host)
{
	static const struct { const char *msg, *host; } cases[] = {
		{ "INVITE sip:5551234@carrier.example:5070;user=phone SIP/2.0\r\nVia: x\r\n",
		  "carrier.example" },
		{ "REGISTER sip:Carrier.Example SIP/2.0\r\n", "Carrier.Example" },
		{ "OPTIONS sips:[2001:db8::7]:5061 SIP/2.0\r\n", "2001:db8::7" },
		{ "BYE sip:a@192.0.2.1;transport=tcp SIP/2.0", "192.0.2.1" },
		{ "SIP/2.0 200 OK\r\nContact: <sip:a@carrier.example>\r\n", NULL },
		{ "INVITE tel:+4930123 SIP/2.0\r\n", NULL },
		{ "INVITE sip: SIP/2.0\r\n", NULL },
		{ "garbage", NULL },
	};
	char host[64];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		host[0] = '\0';
		int err = sip_msg_request_host(cases[i].msg, strlen(cases[i].msg), host,
					       sizeof(host));
		if (!cases[i].host) {
			cr_expect_eq(err, EINVAL, "'%s' gave '%s'", cases[i].msg, host);
			continue;
		}
		cr_expect_eq(err, 0, "'%s'", cases[i].msg);
		cr_expect_str_eq(host, cases[i].host);
	}
	/* a host longer than the room: refused, not cut */
	cr_expect_eq(sip_msg_request_host(cases[0].msg, strlen(cases[0].msg), host, 8), EINVAL);
}

/* ---- tshark ------------------------------------------------------------------------------ */

struct pkt {
	char src[64], dst[64];		/* "127.0.0.1:26401" */
	char what[32];			/* "INVITE", "100", ... */
	char call_id[128];
	bool tcp;
};

/* The SIP packets of a file, as tshark dissects them; count returned. */
static unsigned tshark_read(const char *file, struct pkt *p, unsigned max)
{
	char cmd[512], line[1024];
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -Y sip -T fields -E separator='|' -e ip.src -e ipv6.src "
		 "-e udp.srcport -e tcp.srcport -e ip.dst -e ipv6.dst -e udp.dstport "
		 "-e tcp.dstport -e sip.Method -e sip.Status-Code -e sip.Call-ID 2>/dev/null",
		 file);
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f, "tshark");
	while (fgets(line, sizeof(line), f) && n < max) {
		char *fl[11] = { 0 }, *s = line;
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 11; i++)
			fl[i] = strsep(&s, "|");
		cr_assert_not_null(fl[10], "tshark line '%s'", line);
		struct pkt *k = &p[n++];
		k->tcp = fl[3][0] != '\0';
		snprintf(k->src, sizeof(k->src), "%s:%s", fl[0][0] ? fl[0] : fl[1],
			 k->tcp ? fl[3] : fl[2]);
		snprintf(k->dst, sizeof(k->dst), "%s:%s", fl[4][0] ? fl[4] : fl[5],
			 k->tcp ? fl[7] : fl[6]);
		snprintf(k->what, sizeof(k->what), "%s", fl[8][0] ? fl[8] : fl[9]);
		snprintf(k->call_id, sizeof(k->call_id), "%s", fl[10]);
	}
	cr_assert_eq(pclose(f), 0, "tshark -r %s failed", file);
	return n;
}

Test(sip_trace, pcap_read_by_tshark)
{
	char path[] = "/tmp/sip-trace-pcap-XXXXXX";
	int fd = mkstemp(path);
	struct sip_trace *t = NULL;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5060) };
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(5080) };
	struct sockaddr_in6 c = { .sin6_family = AF_INET6, .sin6_port = htons(5060) };
	struct sockaddr_in6 d = { .sin6_family = AF_INET6, .sin6_port = htons(40000) };
	static const char inv[] = "INVITE sip:1@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1"
				  ";branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:1@y>\r\n"
				  "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char ok[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK2"
				 "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:1@y>;tag=2\r\nCall-ID: c2\r\n"
				 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct pkt p[8];

	cr_assert_geq(fd, 0);
	close(fd);
	inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
	inet_pton(AF_INET, "192.0.2.2", &b.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &c.sin6_addr);
	inet_pton(AF_INET6, "2001:db8::2", &d.sin6_addr);
	cr_assert_eq(sip_trace_open(&t, path, 0), 0);
	struct sip_trace_msg m = { .tcp = true, .src = (void *)&a, .dst = (void *)&b,
				   .data = inv, .len = strlen(inv) };
	gettimeofday(&m.tv, NULL);
	cr_assert_eq(sip_trace_write(t, &m), 0);
	cr_assert_eq(sip_trace_write(t, &m), 0);	/* the next segment of the stream */
	m = (struct sip_trace_msg){ .src = (void *)&d, .dst = (void *)&c, .data = ok,
				    .len = strlen(ok), .tv = m.tv };
	cr_assert_eq(sip_trace_write(t, &m), 0);
	m.dst = (void *)&a;
	cr_expect_eq(sip_trace_write(t, &m), EAFNOSUPPORT);
	cr_expect_eq(sip_trace_messages(t), 3);
	cr_assert_eq(sip_trace_close(t), 0);

	cr_assert_eq(tshark_read(path, p, 8), 3);
	cr_expect_str_eq(p[0].what, "INVITE");
	cr_expect(p[0].tcp);
	cr_expect_str_eq(p[0].src, "192.0.2.1:5060");
	cr_expect_str_eq(p[0].dst, "192.0.2.2:5080");
	cr_expect_str_eq(p[1].what, "INVITE");
	cr_expect_str_eq(p[2].what, "200");
	cr_expect(!p[2].tcp);
	cr_expect_str_eq(p[2].src, "2001:db8::2:40000");
	cr_expect_str_eq(p[2].call_id, "c2");

	/* the checksums are right, and the TCP stream has no gaps */
	char cmd[256], out[64] = "";
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -o ip.check_checksum:TRUE -o udp.check_checksum:"
		 "TRUE -o tcp.check_checksum:TRUE -Y '_ws.expert.severity >= warning' 2>/dev/null"
		 " | wc -l", path);
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	cr_expect_not_null(fgets(out, sizeof(out), f));
	pclose(f);
	cr_expect_eq(atoi(out), 0, "tshark warns about %s packets of %s", out, path);

	/* the cap: a file that would pass it takes nothing more */
	cr_assert_eq(sip_trace_open(&t, path, 24 + 16 + 60 + strlen(ok) + 10), 0);
	cr_expect_eq(sip_trace_write(t, &m), EAFNOSUPPORT);
	m.dst = (void *)&c;
	cr_expect_eq(sip_trace_write(t, &m), 0);
	cr_expect_eq(sip_trace_write(t, &m), EFBIG);
	cr_assert_eq(sip_trace_close(t), 0);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq((size_t)st.st_size, 24 + 16 + 40 + 8 + strlen(ok));
	unlink(path);
}

/* ---- Calls: the UA, its control socket, SIPp ---------------------------------------------- */

static struct {
	su_root_t *root;
	struct sipua *ua;
	struct ctl *ctl;
	char sock[64];
	uint16_t base;
	pid_t sipp[2];
	struct sipua_call *last_in;
	uint64_t max_bytes;		/* the trace's cap */
} H;

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

/* Answer every incoming call: 180 then 200. */
static void on_event(const struct sipua_event *ev, void *arg)
{
	(void)arg;
	if (ev->type != SIPUA_EV_CALL_INCOMING)
		return;
	H.last_in = ev->call;
	cr_expect_eq(sipua_call_respond(ev->call, 180, NULL, NULL, NULL), 0);
	cr_expect_eq(sipua_call_respond(ev->call, 200, NULL, test_sdp, NULL), 0);
}

/* The control socket's trace op, as gateway/ctl_daemon.c does it, with the test's cap. */
static int op_trace(void *arg, bool on, const char *scope, const char *what, const char *path,
		    char *reply, size_t len)
{
	(void)arg;
	if (!scope) {
		sipua_trace_describe(H.ua, reply, len);
		return 0;
	}
	if (!on) {
		uint64_t n = 0;
		int err = sipua_trace_off(H.ua, &n);
		snprintf(reply, len, err ? "no trace is on" : "trace off: %u messages", (unsigned)n);
		return err;
	}
	struct sipua_trace_spec s = {
		.scope = !strcmp(scope, "trunk") ? SIPUA_TRACE_TRUNK
			 : !strcmp(scope, "call") ? SIPUA_TRACE_CALL : SIPUA_TRACE_ALL,
		.what = what, .path = path, .max_bytes = H.max_bytes,
	};
	int err = sipua_trace_on(H.ua, &s);
	snprintf(reply, len, err ? "cannot trace: %s" : "trace on", strerror(err));
	return err;
}

static const struct ctl_ops ops = { .trace = op_trace };

static void start(unsigned test_index)
{
	H.base = (uint16_t)(PORT_BASE + 20 * test_index);
	log_set_all(LL_INFO);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = { .root = H.root, .addr = "127.0.0.1", .port = H.base,
				  .evh = on_event };
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
	snprintf(H.sock, sizeof(H.sock), "/tmp/sip-trace-ctl-%u", H.base);
	struct ctl_params cp = { .path = H.sock, .mode = 0600, .ops = &ops };
	cr_assert_eq(ctl_alloc(&H.ctl, H.root, &cp), 0);
}

static struct sip_trunk *trunk_tp(const char *name, uint16_t port, enum sip_transport tp)
{
	char proxy[64];
	struct sip_trunk *t = NULL;

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", port);
	struct sip_trunk_params p = { .name = name, .proxy = proxy, .transport = tp,
				      .expires = 3600 };
	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	return t;
}

static struct sip_trunk *trunk(const char *name, uint16_t port)
{
	return trunk_tp(name, port, SIP_TP_UDP);
}

/* One request on the control socket; its reply (without the empty last line). */
static void ctl_say(const char *req, char *out, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	size_t n = 0;
	char line[CTL_LINE_MAX + 2];

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", H.sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	snprintf(line, sizeof(line), "%s\n", req);
	cr_assert_eq(send(fd, line, strlen(line), MSG_NOSIGNAL), (ssize_t)strlen(line));
	out[0] = '\0';
	for (uint64_t end = now_ms() + 3000; now_ms() < end;) {
		su_root_step(H.root, 5);
		ssize_t r = recv(fd, out + n, len - 1 - n, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		out[n] = '\0';
		if (n >= 2 && !strcmp(out + n - 2, "\n\n"))
			break;
	}
	close(fd);
	cr_assert(n >= 2 && !strcmp(out + n - 2, "\n\n"), "no reply to '%s': '%s'", req, out);
	out[n - 2] = '\0';
}

/* SIPp #k (0 on base+1, 1 on base+3) calling the UA with uac_call.xml (over TCP:
 * uac_call_tcp.xml), Call-ID cid. */
static void sipp_call_tp(unsigned k, const char *cid, bool tcp)
{
	char msgf[64], errf[64];
	struct sipp_args a;
	uint16_t port = (uint16_t)(H.base + 1 + 2 * k);

	snprintf(msgf, sizeof(msgf), "/tmp/sip-trace-%u-messages.log", port);
	snprintf(errf, sizeof(errf), "/tmp/sip-trace-%u-errors.log", port);
	sipp_args_init(&a, tcp ? "uac_call_tcp.xml" : "uac_call.xml", port, (uint16_t)(port + 1),
		       (uint16_t)(H.base + 6 + 4 * k), 1, "20s", msgf, errf);
	sipp_args_add(&a, "-s", "5550100");
	sipp_args_add(&a, "-cid_str", cid);
	if (tcp)
		sipp_args_add(&a, "-t", "t1");
	H.sipp[k] = sipp_spawn(sipp_args_end(&a, H.base));
}

static void sipp_call(unsigned k, const char *cid)
{
	sipp_call_tp(k, cid, false);
}

static int sipp_wait(unsigned k, unsigned ms)
{
	int st;

	for (uint64_t end = now_ms() + ms; H.sipp[k] > 0 && now_ms() < end;) {
		if (waitpid(H.sipp[k], &st, WNOHANG) == H.sipp[k]) {
			H.sipp[k] = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		su_root_step(H.root, 20);
	}
	return -1;
}

static void teardown(void)
{
	(void)log_capture_stop();
	for (int k = 0; k < 2; k++) {
		if (H.sipp[k] > 0) {
			kill(H.sipp[k], SIGKILL);
			(void)waitpid(H.sipp[k], NULL, 0);
		}
	}
	ctl_free(H.ctl);
	if (H.ua)
		sipua_free(H.ua);
	if (H.root)
		su_root_destroy(H.root);
	su_deinit();
	memset(&H, 0, sizeof(H));
}

TestSuite(sip_calls_trace, .fini = teardown, .timeout = 60);

/* The packets of Call-ID cid in order, "INVITE 100 180 200 ACK BYE 200", retransmissions
 * once; and each one's direction checked: requests of the caller from peer to ua. */
static void ladder(const struct pkt *p, unsigned n, const char *cid, const char *peer,
		   const char *ua, char *out, size_t len)
{
	size_t k = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(p[i].call_id, cid))
			continue;
		bool from_peer = !strcmp(p[i].what, "INVITE") || !strcmp(p[i].what, "ACK") ||
				 !strcmp(p[i].what, "BYE");
		cr_expect_str_eq(p[i].src, from_peer ? peer : ua, "%s from", p[i].what);
		cr_expect_str_eq(p[i].dst, from_peer ? ua : peer, "%s to", p[i].what);
		const char *last = strrchr(out, ' ');
		last = last ? last + 1 : out;
		if (!strcmp(last, p[i].what) && strcmp(p[i].what, "200"))
			continue;	/* a retransmission */
		k += (size_t)snprintf(out + k, len - k, "%s%s", k ? " " : "", p[i].what);
	}
}

Test(sip_calls_trace, whole_dialog_then_off)
{
	char r[256], file[64], peer[32], ua[32], seq[256];
	struct pkt p[64];
	struct stat st;

	start(0);
	(void)trunk("in", (uint16_t)(H.base + 1));
	snprintf(file, sizeof(file), "/tmp/sip-trace-%u.pcap", H.base);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", H.base + 1);
	snprintf(ua, sizeof(ua), "127.0.0.1:%u", H.base);
	ctl_say("trace", r, sizeof(r));
	cr_expect_str_eq(r, "off");
	char req[128];
	snprintf(req, sizeof(req), "trace on all file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect_str_eq(r, "trace on");
	ctl_say("trace", r, sizeof(r));
	cr_expect(!strncmp(r, "all to /tmp/sip-trace-", 22), "%s", r);

	sipp_call(0, "first-%u");
	cr_expect_eq(sipp_wait(0, 15000), 0, "SIPp failed (/tmp/sip-trace-%u-*.log)", H.base + 1);
	run_for(300);
	ctl_say("trace off", r, sizeof(r));
	cr_expect(!strncmp(r, "trace off: ", 11), "%s", r);
	unsigned msgs = (unsigned)atoi(r + 11);
	cr_expect_geq(msgs, 7);
	cr_assert_eq(stat(file, &st), 0);
	off_t size = st.st_size;

	unsigned n = tshark_read(file, p, 64);
	cr_expect_eq(n, msgs, "tshark dissects every message as SIP");
	ladder(p, n, "first-1", peer, ua, seq, sizeof(seq));
	cr_expect_str_eq(seq, "INVITE 100 180 200 ACK BYE 200");

	/* off: a second call leaves the file as it was */
	sipp_call(0, "second-%u");
	cr_expect_eq(sipp_wait(0, 15000), 0);
	run_for(700);
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_size, size, "the file grew after trace off");
	ctl_say("trace off", r, sizeof(r));
	cr_expect_str_eq(r, "error: no trace is on");
	unlink(file);
}

Test(sip_calls_trace, per_call_and_per_trunk)
{
	char r[256], file[64], req[128], seq[256], peer[32], ua[32];
	struct pkt p[64];

	start(1);
	(void)trunk("in", (uint16_t)(H.base + 1));
	snprintf(file, sizeof(file), "/tmp/sip-trace-%u.pcap", H.base);
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", H.base + 1);
	snprintf(ua, sizeof(ua), "127.0.0.1:%u", H.base);

	/* one call traced by its Call-ID, another at the same time not */
	snprintf(req, sizeof(req), "trace on call wanted-1 file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect_str_eq(r, "trace on");
	sipp_call(0, "wanted-%u");
	sipp_call(1, "other-%u");	/* from no trunk's address: 403 */
	cr_expect_eq(sipp_wait(0, 15000), 0, "SIPp failed (/tmp/sip-trace-%u-*.log)", H.base + 1);
	(void)sipp_wait(1, 15000);
	run_for(300);
	ctl_say("trace off", r, sizeof(r));
	unsigned n = tshark_read(file, p, 64);
	cr_expect_geq(n, 7);
	for (unsigned i = 0; i < n; i++)
		cr_expect_str_eq(p[i].call_id, "wanted-1", "packet %u of another call", i + 1);
	ladder(p, n, "wanted-1", peer, ua, seq, sizeof(seq));
	cr_expect_str_eq(seq, "INVITE 100 180 200 ACK BYE 200");

	/* the trunk's messages, not the stranger's */
	snprintf(req, sizeof(req), "trace on trunk nosuch file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect(strstr(r, "error: cannot trace"), "%s", r);
	snprintf(req, sizeof(req), "trace on trunk in file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect_str_eq(r, "trace on");
	sipp_call(0, "trunk-%u");
	sipp_call(1, "stranger-%u");
	cr_expect_eq(sipp_wait(0, 15000), 0);
	(void)sipp_wait(1, 15000);
	run_for(300);
	ctl_say("trace off", r, sizeof(r));
	n = tshark_read(file, p, 64);
	cr_expect_geq(n, 7);
	unsigned stranger = 0;
	for (unsigned i = 0; i < n; i++)
		stranger += !strcmp(p[i].call_id, "stranger-1");
	cr_expect_eq(stranger, 0, "the stranger's messages are in the trunk's trace");
	ladder(p, n, "trunk-1", peer, ua, seq, sizeof(seq));
	cr_expect_str_eq(seq, "INVITE 100 180 200 ACK BYE 200");
	unlink(file);
}

Test(sip_calls_trace, size_cap_stops_the_trace)
{
	char r[256], file[64], req[128];
	struct pkt p[64];
	struct stat st;

	start(2);
	(void)trunk("in", (uint16_t)(H.base + 1));
	snprintf(file, sizeof(file), "/tmp/sip-trace-%u.pcap", H.base);
	H.max_bytes = 1500;	/* room for an INVITE and a response or two */
	log_capture_start();
	snprintf(req, sizeof(req), "trace on file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect_str_eq(r, "trace on");
	sipp_call(0, "capped-%u");
	cr_expect_eq(sipp_wait(0, 15000), 0);
	run_for(300);
	const char *log = log_capture_stop();
	cr_assert_not_null(log);
	cr_expect(strstr(log, "reached its size cap"), "no log line for the cap:\n%s", log);
	ctl_say("trace", r, sizeof(r));
	cr_expect_str_eq(r, "off");
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_leq(st.st_size, 1500);
	unsigned n = tshark_read(file, p, 64);
	cr_expect_geq(n, 1);
	cr_expect_lt(n, 7);
	cr_expect_str_eq(p[0].what, "INVITE");
	unlink(file);
}

/* Over TCP: segments of one stream each way, between the UA's port and the connection's
 * other end, whichever port SIPp's socket has. */
Test(sip_calls_trace, over_tcp)
{
	char r[256], file[64], req[128], seq[256], ua[32];
	struct pkt p[64];

	start(3);
	(void)trunk_tp("tcp", (uint16_t)(H.base + 1), SIP_TP_TCP);
	snprintf(file, sizeof(file), "/tmp/sip-trace-%u.pcap", H.base);
	snprintf(ua, sizeof(ua), "127.0.0.1:%u", H.base);
	snprintf(req, sizeof(req), "trace on trunk tcp file %s", file);
	ctl_say(req, r, sizeof(r));
	cr_expect_str_eq(r, "trace on");
	sipp_call_tp(0, "tcp-%u", true);
	cr_expect_eq(sipp_wait(0, 15000), 0, "SIPp failed (/tmp/sip-trace-%u-*.log)", H.base + 1);
	run_for(300);
	ctl_say("trace off", r, sizeof(r));
	unsigned n = tshark_read(file, p, 64);
	cr_assert_geq(n, 1);
	for (unsigned i = 0; i < n; i++)
		cr_expect(p[i].tcp, "packet %u not TCP", i + 1);
	cr_expect(strncmp(p[0].src, "127.0.0.1:", 10) == 0 && strcmp(p[0].src, ua), "%s", p[0].src);
	ladder(p, n, "tcp-1", p[0].src, ua, seq, sizeof(seq));
	cr_expect_str_eq(seq, "INVITE 100 180 200 ACK BYE 200");
	unlink(file);
}
