/* Unit tests for sip/trunk's reload operations against a registrar made of one UDP socket:
 * a change of registration data withdraws the old binding (REGISTER with Expires 0 for the
 * old AOR) before registering the new one; a change of other data sends nothing; a retired
 * trunk withdraws its binding, is "withdrawing" until the registrar answers, and matches no
 * request source any more; a bad change changes nothing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/trunk.h"
#include "sip/ua.h"

/* Above test_sipua's range (25060..25509); Criterion runs tests in parallel: two ports each. */
#define PORT_BASE 25620

static struct {
	uint16_t ua_port, reg_port;
	su_root_t *root;
	struct sipua *ua;
	int reg;			/* the registrar's socket */
	struct sockaddr_in from;	/* where its last request came from */
	char req[4096];			/* its last request */
} H = { .reg = -1 };

static void on_event(const struct sipua_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

static bool ready(void *arg)
{
	(void)arg;
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Each test first: the UA and the registrar on ports of test number idx. */
static void start(unsigned idx)
{
	H.ua_port = (uint16_t)(PORT_BASE + 2 * idx);
	H.reg_port = (uint16_t)(H.ua_port + 1);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(H.reg_port) };

	log_set_all(LL_WARN);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = { .root = H.root, .addr = "127.0.0.1", .port = H.ua_port,
				  .auth_realm = "t", .evh = on_event, .ready = ready };
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
	H.reg = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(H.reg, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(bind(H.reg, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void teardown(void)
{
	if (H.ua)
		sipua_free(H.ua);
	if (H.root) {
		su_root_destroy(H.root);
		su_deinit();
	}
	if (H.reg >= 0)
		close(H.reg);
	H.reg = -1;
}

TestSuite(sip_trunk_reload, .fini = teardown, .timeout = 30);

/* Turn the loop until the registrar gets a REGISTER (into H.req); false after ms. */
static bool next_register(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		socklen_t len = sizeof(H.from);
		ssize_t n = recvfrom(H.reg, H.req, sizeof(H.req) - 1, 0, (struct sockaddr *)&H.from,
				     &len);

		if (n > 0) {
			H.req[n] = '\0';
			if (!strncmp(H.req, "REGISTER ", 9))
				return true;
			continue;
		}
		su_root_step(H.root, 10);
	}
	return false;
}

/* The value of header name in H.req ("" if none); compact forms are not used by Sofia. */
static const char *header(const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);

	buf[0] = '\0';
	for (const char *l = H.req; l && *l; l = strstr(l, "\r\n") ? strstr(l, "\r\n") + 2 : NULL) {
		if (!strncasecmp(l, name, nl) && l[nl] == ':') {
			const char *v = l + nl + 1;
			while (*v == ' ')
				v++;
			snprintf(buf, len, "%.*s", (int)strcspn(v, "\r\n"), v);
			return buf;
		}
	}
	return buf;
}

/* Answer H.req 200 OK, granting expires to its Contact (RFC 3261 §10.3 step 8). */
static void answer_200(unsigned expires)
{
	char via[512], from[256], to[256], cid[256], cseq[64], contact[256], resp[2048];
	int n;

	header("Via", via, sizeof(via));
	header("From", from, sizeof(from));
	header("To", to, sizeof(to));
	header("Call-ID", cid, sizeof(cid));
	header("CSeq", cseq, sizeof(cseq));
	header("Contact", contact, sizeof(contact));
	char *semi = strchr(contact, ';');	/* drop the request's own parameters */
	if (semi && strchr(contact, '>') && semi > strchr(contact, '>'))
		*semi = '\0';
	n = snprintf(resp, sizeof(resp), "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=r1\r\n"
		     "Call-ID: %s\r\nCSeq: %s\r\n", via, from, to, cid, cseq);
	if (expires && contact[0])
		n += snprintf(resp + n, sizeof(resp) - (size_t)n, "Contact: %s;expires=%u\r\n",
			      contact, expires);
	n += snprintf(resp + n, sizeof(resp) - (size_t)n, "Content-Length: 0\r\n\r\n");
	cr_assert_eq(sendto(H.reg, resp, (size_t)n, 0, (struct sockaddr *)&H.from, sizeof(H.from)),
		     n);
}

/* Whether H.req asks to remove its binding: Expires 0 (header or Contact parameter). */
static bool is_withdrawal(void)
{
	char e[64], c[256];

	header("Expires", e, sizeof(e));
	header("Contact", c, sizeof(c));
	return !strcmp(e, "0") || strstr(c, "expires=0");
}

static void run_ms(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		su_root_step(H.root, 10);
}

static struct sip_trunk_params params(const char *user, bool reg)
{
	static char proxy[32];

	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.reg_port);
	return (struct sip_trunk_params){ .name = "carrier", .proxy = proxy, .username = user,
					  .password = "pw", .do_register = reg, .expires = 600 };
}

static struct sip_trunk *registered_trunk(const char *user)
{
	struct sip_trunk_params p = params(user, true);
	struct sip_trunk *t = NULL;
	char from[256];

	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	cr_assert(next_register(3000), "no REGISTER");
	cr_assert_not(is_withdrawal());
	cr_assert_not_null(strstr(header("From", from, sizeof(from)), user));
	answer_200(600);
	for (uint64_t end = now_ms() + 3000;
	     sip_trunk_reg_state(t) != SIP_TRUNK_REGISTERED && now_ms() < end;)
		su_root_step(H.root, 10);
	cr_assert_eq(sip_trunk_reg_state(t), SIP_TRUNK_REGISTERED);
	return t;
}

Test(sip_trunk_reload, new_credentials_withdraw_the_old_binding_then_register)
{
	start(0);
	struct sip_trunk *t = registered_trunk("alice");
	struct sip_trunk_params p = params("bob", true);
	char from[256];
	bool rereg = false;

	cr_assert_eq(sip_trunk_update(t, &p, &rereg), 0);
	cr_expect(rereg);
	/* alice's binding goes first, then bob registers; either may come first on the wire
	 * from two handles, so take both in any order */
	bool saw_withdrawal = false, saw_bob = false;
	for (int i = 0; i < 2; i++) {
		cr_assert(next_register(3000), "REGISTER %d missing", i + 1);
		header("From", from, sizeof(from));
		if (is_withdrawal()) {
			cr_expect_not_null(strstr(from, "alice"), "withdrew %s", from);
			saw_withdrawal = true;
			answer_200(0);
		} else {
			cr_expect_not_null(strstr(from, "bob"), "registered %s", from);
			saw_bob = true;
			answer_200(600);
		}
	}
	cr_expect(saw_withdrawal && saw_bob);
	run_ms(200);
	cr_expect_eq(sip_trunk_reg_state(t), SIP_TRUNK_REGISTERED);
	sip_trunk_free(t);
}

Test(sip_trunk_reload, other_changes_send_nothing_and_bad_ones_change_nothing)
{
	start(1);
	struct sip_trunk *t = registered_trunk("alice");
	struct sip_trunk_params p = params("alice", true);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(H.reg_port) };
	bool rereg = true;

	inet_pton(AF_INET, "127.0.0.1", &src.sin_addr);
	p.keepalive = 0;
	p.inbound_auth = true;	/* not registration data */
	cr_assert_eq(sip_trunk_update(t, &p, &rereg), 0);
	cr_expect_not(rereg);
	cr_expect_not(next_register(500), "a REGISTER without a registration change");
	cr_expect(sip_trunk_inbound_auth(t));
	p.proxy = "sip:not_a_host:5060";	/* "_": no host name (RFC 1123) */
	cr_expect_eq(sip_trunk_update(t, &p, &rereg), EINVAL);
	p = params("", true);	/* register without a username */
	cr_expect_eq(sip_trunk_update(t, &p, &rereg), EINVAL);
	cr_expect(sip_trunk_match_source(t, (struct sockaddr *)&src, false), "proxy changed");
	cr_expect_eq(sip_trunk_reg_state(t), SIP_TRUNK_REGISTERED);
	cr_expect_not(next_register(300));
	sip_trunk_free(t);
}

Test(sip_trunk_reload, retired_trunk_withdraws_and_matches_nothing)
{
	start(2);
	struct sip_trunk *t = registered_trunk("alice");
	struct sip_trunk_params p = params("alice", true);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(H.reg_port) };
	bool rereg;

	inet_pton(AF_INET, "127.0.0.1", &src.sin_addr);
	cr_assert(sip_trunk_match_source(t, (struct sockaddr *)&src, false));
	sip_trunk_retire(t);
	cr_expect_not(sip_trunk_match_source(t, (struct sockaddr *)&src, false));
	cr_expect(sip_trunk_withdrawing(t));
	cr_assert(next_register(3000), "no withdrawal");
	cr_expect(is_withdrawal(), "%s", H.req);
	cr_expect(sip_trunk_withdrawing(t), "done before the registrar answered");
	answer_200(0);
	for (uint64_t end = now_ms() + 3000; sip_trunk_withdrawing(t) && now_ms() < end;)
		su_root_step(H.root, 10);
	cr_expect_not(sip_trunk_withdrawing(t));
	cr_expect_eq(sip_trunk_reg_state(t), SIP_TRUNK_UNREGISTERED);
	cr_expect_eq(sip_trunk_update(t, &p, &rereg), EINVAL, "a retired trunk changed");
	cr_expect_not(next_register(1500), "a retired trunk registered again");
	sip_trunk_free(t);
}

Test(sip_trunk_reload, retiring_an_unregistered_trunk_sends_nothing)
{
	start(3);
	struct sip_trunk_params p = params("alice", false);
	struct sip_trunk *t = NULL;

	cr_assert_eq(sip_trunk_alloc(&t, H.ua, &p), 0);
	sip_trunk_retire(t);
	cr_expect_not(sip_trunk_withdrawing(t));
	cr_expect_not(next_register(300));
	sip_trunk_free(t);
}
