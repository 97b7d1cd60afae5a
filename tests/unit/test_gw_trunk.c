/* Unit tests for gateway/gw_trunk: the daemon's trunks as reference-counted objects. A trunk
 * a reload removes leaves the running list at once (no new calls find it) but lives while a
 * leg holds it, and goes on the loop's next pass after the last reference; a changed trunk
 * keeps its object (the legs' pointers) and takes the new settings; at stop whatever is
 * left is freed (ASan would report a leak or a use after free). */
#include "gateway/gw.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/su.h>

#include "common/log.h"
#include "conf/conf.h"
#include "sip/trunk.h"
#include "sip/ua.h"

#define PORT_BASE 25640	/* above test_sipua's and test_sip_trunk_reload's ports */

static struct daemon D;
static struct conf *C;

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

static void start(unsigned idx, const char *conf)
{
	struct conf_errors errs = { 0 };

	log_set_all(LL_WARN);
	cr_assert_eq(conf_load_string(&C, conf, "t.conf", &errs), 0);
	conf_errors_clear(&errs);
	memset(&D, 0, sizeof(D));
	cr_assert_eq(su_init(), 0);
	D.root = su_root_create(&D);
	cr_assert_not_null(D.root);
	su_root_threading(D.root, 0);
	struct sipua_params p = { .root = D.root, .addr = "127.0.0.1",
				  .port = (uint16_t)(PORT_BASE + idx), .auth_realm = "t",
				  .evh = on_event, .ready = ready };
	cr_assert_eq(sipua_alloc(&D.ua, &p), 0);
	for (unsigned i = 0; i < C->ntrunks; i++)
		cr_assert_eq(gw_trunk_add(&D, &C->trunks[i]), 0);
}

static void teardown(void)
{
	if (D.root) {
		gw_trunks_free(&D);
		sipua_free(D.ua);
		su_root_destroy(D.root);
		su_deinit();
	}
	conf_free(C);
	C = NULL;
	memset(&D, 0, sizeof(D));
}

TestSuite(gw_trunk, .fini = teardown, .timeout = 20);

static void run_ms(unsigned ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		su_root_step(D.root, 10);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

#define TWO_TRUNKS "[trunk a]\nproxy = sip:127.0.0.1:5091\nkeepalive = 0\n" \
		   "[trunk b]\nproxy = sip:127.0.0.1:5092\nkeepalive = 0\n"

Test(gw_trunk, removed_trunk_lives_while_a_leg_holds_it)
{
	start(0, TWO_TRUNKS);
	struct gw_trunk *a = gw_trunk_get(&D, "a");

	cr_assert_not_null(a);
	cr_assert_eq(D.ntrunks, 2);
	gw_trunk_ref(a);		/* a SIP leg on it */
	gw_trunk_remove(&D, a);
	cr_expect_eq(D.ntrunks, 1);
	cr_expect_null(gw_trunk_get(&D, "a"), "a removed trunk takes new calls");
	cr_expect_null(gw_trunk_find(&D, "a"));
	cr_expect_not_null(gw_trunk_get(&D, "b"));
	cr_expect(a->removed);
	cr_expect_eq(D.retired, a);
	run_ms(100);
	cr_expect_eq(D.retired, a, "freed under its call");
	cr_expect_str_eq(sip_trunk_name(a->trunk), "a");	/* still valid (ASan) */
	gw_trunk_unref(a);		/* the call ends */
	cr_expect_eq(D.retired, a, "freed inside the leg's release");
	run_ms(100);
	cr_expect_null(D.retired, "not freed after its last call");
}

Test(gw_trunk, removed_trunk_without_calls_goes_at_once)
{
	start(1, TWO_TRUNKS);
	gw_trunk_remove(&D, gw_trunk_get(&D, "b"));
	cr_expect_eq(D.ntrunks, 1);
	run_ms(100);
	cr_expect_null(D.retired);
	cr_expect_str_eq(D.trunks[0]->name, "a");
}

Test(gw_trunk, change_keeps_the_object_and_takes_the_settings)
{
	start(2, TWO_TRUNKS);
	struct gw_trunk *a = gw_trunk_get(&D, "a");
	struct sip_trunk *st = a->trunk;
	struct conf_trunk ct = a->conf;
	bool rereg = true;

	snprintf(ct.from_user, sizeof(ct.from_user), "gw-account");
	ct.trust = true;
	cr_assert_eq(gw_trunk_change(&D, a, &ct, &rereg), 0);
	cr_expect_not(rereg);
	cr_expect_eq(gw_trunk_get(&D, "a"), a);
	cr_expect_eq(a->trunk, st);
	cr_expect_str_eq(a->conf.from_user, "gw-account");
	cr_expect(a->conf.trust);
	/* a change the UA refuses changes nothing */
	snprintf(ct.proxy, sizeof(ct.proxy), "sip:bad_host");
	ct.trust = false;
	cr_expect_neq(gw_trunk_change(&D, a, &ct, &rereg), 0);
	cr_expect(a->conf.trust);
}

Test(gw_trunk, stop_frees_removed_trunks_still_held)
{
	start(3, TWO_TRUNKS);
	struct gw_trunk *a = gw_trunk_get(&D, "a");

	gw_trunk_ref(a);
	gw_trunk_remove(&D, a);
	/* teardown frees both lists as daemon_free() does after its calls; LeakSanitizer
	 * checks nothing is left */
}
