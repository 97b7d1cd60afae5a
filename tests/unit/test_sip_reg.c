/* sip/reg against SIPp as the registrar (tests/sip/reg_ports.xml): eight registrations on
 * one trunk, as eight analog ports registering as their own users (RFC 3261 §10.2), each
 * challenged and authenticated with its own digest user (§22.4), each refreshed before the
 * 6 s the registrar grants run out; and the back-off when the registrar refuses. Then the
 * UA's answers to unsolicited message-waiting NOTIFYs (RFC 3842) for those users
 * (tests/sip/mwi_notify.xml): 200 with the owner's verdict, 481, 489, 400. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

#include "common/log.h"
#include "sip/mwi.h"
#include "sip/mwi_sub.h"
#include "sip/reg.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "sipp_args.h"

/* Away from the other SIP unit tests' ranges; eight ports a test (SIPp's media port
 * takes the two above its own). */
#define PORT_BASE 26700
#define NREG 8

static struct {
	uint16_t base;
	su_root_t *root;
	struct sipua *ua;
	struct sip_trunk *trunk;
	struct sip_reg *reg[NREG];
	unsigned registered[NREG], failed[NREG];
	unsigned granted[NREG], retry_in[NREG][4];
	pid_t sipp;
	char msgf[64];
	/* the owner's side of message-waiting NOTIFYs */
	unsigned mwi_calls;
	bool mwi_waiting;
	char mwi_user[32], mwi_trunk[32];
} H;

static int on_mwi(const char *trunk, const char *user, const struct mwi_summary *s, void *arg)
{
	(void)arg;
	H.mwi_calls++;
	H.mwi_waiting = s->waiting;
	snprintf(H.mwi_user, sizeof(H.mwi_user), "%s", user);
	snprintf(H.mwi_trunk, sizeof(H.mwi_trunk), "%s", trunk);
	return strcmp(user, "2001") ? 481 : 200;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_reg(struct sip_reg *r, enum sip_reg_event ev, int status, const char *phrase,
		   unsigned secs, void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	(void)r, (void)status, (void)phrase;
	if (ev == SIP_REG_EV_REGISTERED) {
		H.registered[i]++;
		H.granted[i] = secs;
	} else {
		if (H.failed[i] < 4)
			H.retry_in[i][H.failed[i]] = secs;
		H.failed[i]++;
	}
}

/* SIPp with scenario: a UAS (the registrar) on the trunk's proxy port, or, with extra
 * (arguments, NULL-terminated), a UAC from that port towards the UA. */
static void sipp_run(const char *scenario, unsigned calls, const char *const *extra)
{
	char errf[64];
	struct sipp_args a;

	snprintf(H.msgf, sizeof(H.msgf), "/tmp/sipreg-%u-messages.log", H.base);
	snprintf(errf, sizeof(errf), "/tmp/sipreg-%u-errors.log", H.base);
	unlink(H.msgf);
	sipp_args_init(&a, scenario, H.base + 1, H.base + 2, H.base + 3, calls, "25s", H.msgf,
		       errf);
	for (unsigned i = 0; extra && extra[i]; i++)
		sipp_args_add(&a, extra[i], NULL);
	H.sipp = sipp_spawn(sipp_args_end(&a, extra ? H.base : 0));
	if (extra)
		return;
	uint64_t end = now_ms() + 5000;
	while (!proc_net_has("udp", H.base + 1, "") && now_ms() < end)
		usleep(10000);
	cr_assert(proc_net_has("udp", H.base + 1, ""), "SIPp did not bind");
}

/* The UA and a trunk to SIPp's port, on the ports of test idx. */
static void ua_start(unsigned idx)
{
	H.base = (uint16_t)(PORT_BASE + 8 * idx);
	log_set_all(LL_WARN);
	cr_assert_eq(su_init(), 0);
	H.root = su_root_create(NULL);
	cr_assert_not_null(H.root);
	su_root_threading(H.root, 0);
	struct sipua_params p = { .root = H.root, .addr = "127.0.0.1", .port = H.base,
				  .auth_realm = "t", .mwi = on_mwi };
	cr_assert_eq(sipua_alloc(&H.ua, &p), 0);
	char proxy[64];
	snprintf(proxy, sizeof(proxy), "sip:127.0.0.1:%u", H.base + 1);
	struct sip_trunk_params tp = { .name = "pbx", .proxy = proxy };
	cr_assert_eq(sip_trunk_alloc(&H.trunk, H.ua, &tp), 0);
}

static void start(unsigned idx, const char *scenario, unsigned calls)
{
	ua_start(idx);
	sipp_run(scenario, calls, NULL);
}

static void teardown(void)
{
	if (H.sipp > 0) {
		kill(H.sipp, SIGKILL);
		(void)waitpid(H.sipp, NULL, 0);
	}
	for (unsigned i = 0; i < NREG; i++)
		sip_reg_free(H.reg[i]);
	if (H.ua)
		sipua_free(H.ua);	/* frees the trunk */
	if (H.root) {
		su_root_destroy(H.root);
		su_deinit();
	}
	memset(&H, 0, sizeof(H));
}

TestSuite(sip_reg, .fini = teardown, .timeout = 40);

/* The loop until SIPp exits: its status, -1 after ms. */
static int sipp_wait(unsigned ms)
{
	uint64_t end = now_ms() + ms;
	int st;

	while (H.sipp > 0 && now_ms() < end) {
		if (waitpid(H.sipp, &st, WNOHANG) == H.sipp) {
			H.sipp = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		su_root_step(H.root, 20);
	}
	return -1;
}

static void reg_add(unsigned i, const char *user, const char *password)
{
	char name[16];
	struct sip_reg_params rp = {
		.name = name, .user = user, .password = password, .evh = on_reg,
		.arg = (void *)(uintptr_t)i,
	};

	snprintf(name, sizeof(name), "port 3:%u", i + 1);
	cr_assert_eq(sip_reg_alloc(&H.reg[i], H.ua, H.trunk, &rp), 0);
	sip_reg_start(H.reg[i]);
}

/* How many REGISTERs SIPp received for user (To), and how many of them had credentials. */
static void count_registers(const char *user, unsigned *all, unsigned *auth)
{
	FILE *f = fopen(H.msgf, "r");
	char line[1024], want[64];
	bool in_reg = false, has_auth = false, is_user = false;

	*all = *auth = 0;
	cr_assert_not_null(f, "no SIPp message log %s", H.msgf);
	snprintf(want, sizeof(want), "<sip:%s@", user);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "REGISTER ", 9)) {
			in_reg = true;
			has_auth = is_user = false;
		} else if (in_reg && !strncmp(line, "To:", 3)) {
			is_user = strstr(line, want) != NULL;
		} else if (in_reg && !strncmp(line, "Authorization:", 14)) {
			has_auth = true;
		} else if (in_reg && (line[0] == '\r' || line[0] == '\n')) {
			in_reg = false;
			*all += is_user;
			*auth += is_user && has_auth;
		}
	}
	fclose(f);
}

Test(sip_reg, eight_ports_register_and_refresh)
{
	static const char *const users[NREG] = { "2001", "2002", "2003", "2004",
						  "2005", "2006", "2007", "2008" };

	start(0, "reg_ports.xml", NREG);
	for (unsigned i = 0; i < NREG; i++)
		reg_add(i, users[i], "secret");
	cr_assert_eq(sipp_wait(30000), 0, "SIPp: a REGISTER was wrong or no refresh came (see "
		     "%s and /tmp/sipreg-%u-errors.log)", H.msgf, H.base);
	for (unsigned i = 0; i < NREG; i++) {
		unsigned all, auth;
		cr_expect_eq(H.registered[i], 1, "%s: REGISTERED reported %u times", users[i],
			     H.registered[i]);
		cr_expect_eq(H.failed[i], 0, "%s failed", users[i]);
		cr_expect_eq(H.granted[i], 6, "%s: granted %u s, not the registrar's 6", users[i],
			     H.granted[i]);
		cr_expect_eq(sip_reg_state(H.reg[i]), SIP_REG_REGISTERED);
		cr_expect_eq(sip_reg_expires(H.reg[i]), 3600, "the refresh's grant");
		cr_expect_str_eq(sip_reg_contact_user(H.reg[i]), users[i]);
		count_registers(users[i], &all, &auth);
		/* challenged, authenticated, refreshed: three, the last two with credentials */
		cr_expect_geq(all, 3, "%s: %u REGISTERs", users[i], all);
		cr_expect_geq(auth, 2, "%s: %u REGISTERs with credentials", users[i], auth);
	}
}

Test(sip_reg, wrong_password_backs_off)
{
	start(1, "reg_ports.xml", 2);
	struct sip_reg_params rp = { .user = "2001", .password = "wrong", .retry_min = 1,
				     .retry_max = 2, .evh = on_reg, .arg = (void *)0 };
	cr_assert_eq(sip_reg_alloc(&H.reg[0], H.ua, H.trunk, &rp), 0);
	sip_reg_start(H.reg[0]);
	uint64_t end = now_ms() + 8000;
	while (H.failed[0] < 2 && now_ms() < end)
		su_root_step(H.root, 20);
	cr_assert_geq(H.failed[0], 2, "no second attempt after the 403");
	cr_expect_eq(H.retry_in[0][0], 1);
	cr_expect_eq(H.retry_in[0][1], 2, "back-off doubles");
	cr_expect_eq(H.registered[0], 0);
	cr_expect_eq(sip_reg_state(H.reg[0]), SIP_REG_WAIT);
}

Test(sip_reg, params_checked)
{
	start(2, "reg_ports.xml", 1);
	struct sip_reg *r = NULL;
	struct sip_reg_params rp = { .user = "" };
	cr_expect_eq(sip_reg_alloc(&r, H.ua, H.trunk, &rp), EINVAL, "no user");
	cr_expect_eq(sip_reg_alloc(&r, H.ua, H.trunk, NULL), EINVAL);
	char buf[64];
	cr_expect_eq(sip_digest_auth_str("\"r\"", "u", NULL, buf, sizeof(buf)), ENOENT);
	cr_expect_eq(sip_digest_auth_str("r", "u", "p", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "Digest:\"r\":u:p");
	cr_expect_eq(sip_digest_auth_str("r", "u", "p", buf, 8), ENOSPC);
}

/* One NOTIFY from the trunk's address for user with event and that Messages-Waiting
 * value: the status the UA answered (0: none seen). */
static int notify(const char *user, const char *event, const char *waiting)
{
	const char *const extra[] = { "-s", user, "-key", "event", event, "-key", "waiting",
				      waiting, NULL };
	char line[256];
	int status = 0;

	sipp_run("mwi_notify.xml", 1, extra);
	cr_assert_eq(sipp_wait(10000), 0, "SIPp: no final answer to the NOTIFY (see %s)",
		     H.msgf);
	FILE *f = fopen(H.msgf, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "SIP/2.0 ", 8))
			status = atoi(line + 8);
	fclose(f);
	return status;
}

Test(sip_reg, mwi_notify_answers)
{
	ua_start(3);
	cr_expect_eq(notify("2001", "message-summary", "yes"), 200);
	cr_expect_eq(H.mwi_calls, 1);
	cr_expect(H.mwi_waiting);
	cr_expect_str_eq(H.mwi_user, "2001");
	cr_expect_str_eq(H.mwi_trunk, "pbx", "the NOTIFY came from the trunk's address");
	cr_expect_eq(notify("2001", "message-summary", "no"), 200);
	cr_expect(!H.mwi_waiting);
	cr_expect_eq(notify("9999", "message-summary", "yes"), 481, "no port is user 9999");
	cr_expect_eq(H.mwi_calls, 3);
	cr_expect_eq(notify("2001", "presence", "yes"), 489, "not message-summary");
	cr_expect_eq(notify("2001", "message-summary", "perhaps"), 400, "malformed body");
	cr_expect_eq(H.mwi_calls, 3, "neither reached the owner");
}

static void on_sub_mwi(const struct mwi_summary *s, void *arg)
{
	(void)arg;
	H.mwi_calls++;
	H.mwi_waiting = s->waiting;
}

/* mwi = subscribe: SUBSCRIBE with digest as the port's user, the NOTIFY in the dialog
 * reaches the owner (yes), the subscription is refreshed before the notifier's 6 s run
 * out, and the NOTIFY after the refresh says no. */
Test(sip_reg, mwi_subscribe_notify_refresh)
{
	struct sip_mwi_sub *sub = NULL;
	struct sip_mwi_sub_params sp = { .name = "port 5:1", .user = "2001",
					 .password = "secret", .mwih = on_sub_mwi };

	start(4, "mwi_subscribe.xml", 1);
	cr_assert_eq(sip_mwi_sub_alloc(&sub, H.ua, H.trunk, &sp), 0);
	uint64_t end = now_ms() + 5000;
	while (!H.mwi_calls && now_ms() < end)
		su_root_step(H.root, 20);
	cr_expect_eq(H.mwi_calls, 1, "no NOTIFY reached the owner");
	cr_expect(H.mwi_waiting);
	cr_expect(sip_mwi_sub_active(sub));
	int rc = sipp_wait(15000);
	cr_expect_eq(rc, 0, "SIPp: SUBSCRIBE wrong or not refreshed (see %s)", H.msgf);
	cr_expect_eq(sip_mwi_sub_notifies(sub), 2);
	cr_expect(!H.mwi_waiting, "the second NOTIFY said no");
	sip_mwi_sub_free(sub);
}
