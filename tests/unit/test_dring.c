/* gateway/dring: the ring an Alert-Info names (Bellcore-drN in a URI, ring=N, info=NAME, the
 * URI's last segment) and its cadence from the port's table or the built-in Bellcore ones. */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "gateway/dring.h"

static void name_is(const char *ai, const char *want)
{
	char name[DRING_NAME_MAX];

	dring_name(ai, name, sizeof(name));
	cr_expect_str_eq(name, want, "Alert-Info %s", ai ? ai : "(none)");
}

Test(dring, names)
{
	name_is(NULL, "");
	name_is("", "");
	name_is("<http://127.0.0.1/Bellcore-dr2>", "bellcore-dr2");
	name_is("<urn:alert:service:normal>;info=Bellcore-DR4", "bellcore-dr4");
	name_is("<http://www.notused.com>;info=alert-internal", "alert-internal");
	name_is("<http://x>; info=alert-external;x=1", "alert-external");
	name_is("<sip:ring@host>;ring=3", "bellcore-dr3");
	name_is("<http://host/sounds/Long.wav>", "long");
	name_is("<urn:alert:tone:internal>", "internal");
	name_is("<http://host/>", "");
	name_is("<http://host/ring=7x>;bring=5", "bellcore-dr7");
}

Test(dring, cadences)
{
	unsigned ms[DRING_MAX_MS];
	static const unsigned dr2[] = { 800, 400, 800, 4000 };
	const char *table = "alert-internal:400/200/400/4000, bellcore-dr2:1000/5000";

	cr_assert_eq(dring_cadence("", "bellcore-dr2", ms), 4);
	cr_expect_arr_eq(ms, dr2, sizeof(dr2), "GR-506 dr2: long-long");
	cr_expect_eq(dring_cadence(NULL, "bellcore-dr3", ms), 6);
	cr_expect_eq(ms[4], 800);
	cr_expect_eq(dring_cadence("", "bellcore-dr1", ms), 2);
	cr_expect_eq(ms[0], 2000);
	cr_expect_eq(dring_cadence("", "bellcore-dr9", ms), 0, "unknown");
	cr_expect_eq(dring_cadence("", "", ms), 0);
	cr_assert_eq(dring_cadence(table, "alert-internal", ms), 4);
	cr_expect_eq(ms[1], 200);
	cr_assert_eq(dring_cadence(table, "bellcore-dr2", ms), 2, "the table comes first");
	cr_expect_eq(ms[0], 1000);
	cr_expect_eq(dring_cadence(table, "bellcore-dr4", ms), 6, "the built-in ones stay");
	cr_expect_eq(dring_cadence("Short:300/300", "short", ms), 2, "names in any case");
}

Test(dring, table_check)
{
	char err[160];
	static const char *const good[] = {
		"", "a:100/200", "alert-internal:400/200/400/4000, long:1000/5000",
		"x:50/10000/50/10000/50/10000/50/10000/50/10000/50/10000/50/10000/50/10000",
	};
	static const char *const bad[] = {
		"a", ":100/200", "a:", "a:100", "a:100/200/300", "a:100/", "a:40/200",
		"a:100/20000", "a:100/x", "a b:100/200",
		"x:50/10000/50/10000/50/10000/50/10000/50/10000/50/10000/50/10000/50/10000/50/50",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_expect_eq(dring_table_check(good[i], err, sizeof(err)), 0, "%s: %s", good[i], err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(dring_table_check(bad[i], err, sizeof(err)), EINVAL, "%s", bad[i]);
		cr_expect_neq(err[0], '\0', "%s: says why", bad[i]);
	}
}
