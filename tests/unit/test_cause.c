/* Q.850 <-> SIP mapping (RFC 3398 §7.2.4.1, §8.2.6.1) and the Reason header (RFC 3326). */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "gateway/cause.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct pair {
	unsigned in;
	unsigned out;
};

/* RFC 3398 §7.2.4.1, every row. */
static const struct pair rfc_q850_to_sip[] = {
	{ 1, 404 }, { 2, 404 }, { 3, 404 }, { 17, 486 }, { 18, 408 }, { 19, 480 },
	{ 20, 480 }, { 21, 403 }, { 22, 410 }, { 23, 410 }, { 26, 404 }, { 27, 502 },
	{ 28, 484 }, { 29, 501 }, { 31, 480 }, { 34, 503 }, { 38, 503 }, { 41, 503 },
	{ 42, 503 }, { 47, 503 }, { 55, 403 }, { 57, 403 }, { 58, 503 }, { 65, 488 },
	{ 70, 488 }, { 79, 501 }, { 87, 403 }, { 88, 503 }, { 102, 504 }, { 111, 500 },
	{ 127, 500 },
};

/* Not in the table: 16 and the class defaults (see cause.c), invalid causes. */
static const struct pair extra_q850_to_sip[] = {
	{ 16, 480 }, { 4, 480 }, { 25, 480 }, { 30, 480 },	/* normal class → 31 */
	{ 44, 503 }, { 32, 503 },				/* resource → 47 */
	{ 50, 503 }, { 63, 503 },				/* service n/a → 63 */
	{ 66, 501 }, { 69, 501 },				/* not implemented → 79 */
	{ 81, 500 }, { 95, 500 },				/* invalid message → 95 */
	{ 99, 500 }, { 110, 500 },				/* protocol error → 111 */
	{ 120, 500 },						/* interworking → 127 */
	{ 0, 480 }, { 128, 480 }, { 100000, 480 },		/* invalid → 31 */
};

/* RFC 3398 §8.2.6.1, every row. */
static const struct pair rfc_sip_to_q850[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 }, { 405, 63 },
	{ 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 }, { 413, 127 }, { 414, 127 },
	{ 415, 79 }, { 416, 127 }, { 420, 127 }, { 421, 127 }, { 423, 127 }, { 480, 18 },
	{ 481, 41 }, { 482, 25 }, { 483, 25 }, { 484, 28 }, { 485, 1 }, { 486, 17 },
	{ 500, 41 }, { 501, 79 }, { 502, 38 }, { 503, 41 }, { 504, 102 }, { 505, 127 },
	{ 513, 127 }, { 600, 17 }, { 603, 21 }, { 604, 1 },
};

/* Unlisted → 31 (§8.2.6.1), including 487/488/606 which the RFC leaves to other means. */
static const struct pair extra_sip_to_q850[] = {
	{ 300, 31 }, { 302, 31 }, { 409, 31 }, { 422, 31 }, { 487, 31 }, { 488, 31 },
	{ 491, 31 }, { 580, 31 }, { 606, 31 }, { 699, 31 },
	{ 0, 31 }, { 180, 31 }, { 200, 31 }, { 700, 31 }, { 100000, 31 },
};

Test(cause, q850_to_sip_rfc_table)
{
	for (size_t i = 0; i < NELEM(rfc_q850_to_sip); i++)
		cr_expect_eq(cause_q850_to_sip(NULL, rfc_q850_to_sip[i].in, CAUSE_LOC_UNKNOWN),
			     rfc_q850_to_sip[i].out, "cause %u", rfc_q850_to_sip[i].in);
}

Test(cause, q850_to_sip_defaults)
{
	for (size_t i = 0; i < NELEM(extra_q850_to_sip); i++)
		cr_expect_eq(cause_q850_to_sip(NULL, extra_q850_to_sip[i].in, CAUSE_LOC_UNKNOWN),
			     extra_q850_to_sip[i].out, "cause %u", extra_q850_to_sip[i].in);
}

Test(cause, q850_to_sip_every_cause_in_range)
{
	for (unsigned c = 0; c <= 200; c++) {
		unsigned s = cause_q850_to_sip(NULL, c, CAUSE_LOC_UNKNOWN);

		cr_expect(s >= 300 && s <= 699, "cause %u → %u", c, s);
	}
}

Test(cause, q850_to_sip_location)
{
	/* §7.2.4.1 (+): rejected by the user → 6xx. */
	cr_expect_eq(cause_q850_to_sip(NULL, 21, CAUSE_LOC_USER), 603);
	cr_expect_eq(cause_q850_to_sip(NULL, 21, CAUSE_LOC_PUB_LOCAL), 403);
	cr_expect_eq(cause_q850_to_sip(NULL, 21, CAUSE_LOC_UNKNOWN), 403);
	cr_expect_eq(cause_q850_to_sip(NULL, 17, CAUSE_LOC_USER), 486);
}

Test(cause, sip_to_q850_rfc_table)
{
	for (size_t i = 0; i < NELEM(rfc_sip_to_q850); i++)
		cr_expect_eq(cause_sip_to_q850(NULL, rfc_sip_to_q850[i].in, NULL),
			     rfc_sip_to_q850[i].out, "status %u", rfc_sip_to_q850[i].in);
}

Test(cause, sip_to_q850_defaults)
{
	for (size_t i = 0; i < NELEM(extra_sip_to_q850); i++)
		cr_expect_eq(cause_sip_to_q850(NULL, extra_sip_to_q850[i].in, NULL),
			     extra_sip_to_q850[i].out, "status %u", extra_sip_to_q850[i].in);
}

Test(cause, sip_to_q850_reason_wins)
{
	cr_expect_eq(cause_sip_to_q850(NULL, 486, "Q.850;cause=34;text=\"x\""), 34);
	cr_expect_eq(cause_sip_to_q850(NULL, 603, "SIP;cause=603, Q.850;cause=1"), 1);
	/* A Reason without a usable Q.850 cause leaves the table in charge. */
	cr_expect_eq(cause_sip_to_q850(NULL, 486, "SIP;cause=486"), 17);
	cr_expect_eq(cause_sip_to_q850(NULL, 486, "Q.850;cause=0"), 17);
	cr_expect_eq(cause_sip_to_q850(NULL, 486, "garbage"), 17);
	cr_expect_eq(cause_sip_to_q850(NULL, 486, ""), 17);
	/* Even for statuses the table does not know. */
	cr_expect_eq(cause_sip_to_q850(NULL, 487, "Q.850;cause=16"), 16);
}

Test(cause, sip_location)
{
	cr_expect_eq(cause_sip_location(600), CAUSE_LOC_USER);
	cr_expect_eq(cause_sip_location(603), CAUSE_LOC_USER);
	cr_expect_eq(cause_sip_location(486), CAUSE_LOC_BEYOND);
	cr_expect_eq(cause_sip_location(503), CAUSE_LOC_BEYOND);
}

Test(cause, names)
{
	cr_expect_str_eq(cause_name(16), "normal call clearing");
	cr_expect_str_eq(cause_name(17), "user busy");
	cr_expect_str_eq(cause_name(34), "no circuit/channel available");
	cr_expect_str_eq(cause_name(127), "interworking, unspecified");
	cr_expect_str_eq(cause_name(0), "unknown cause");
	cr_expect_str_eq(cause_name(12), "unknown cause");
	cr_expect_str_eq(cause_name(128), "unknown cause");
}

Test(cause, reason_build)
{
	char buf[128];

	cr_assert_eq(cause_reason_build(buf, sizeof(buf), 17), 0);
	cr_expect_str_eq(buf, "Q.850;cause=17;text=\"user busy\"");
	cr_assert_eq(cause_reason_build(buf, sizeof(buf), 16), 0);
	cr_expect_str_eq(buf, "Q.850;cause=16;text=\"normal call clearing\"");
	cr_assert_eq(cause_reason_build(buf, sizeof(buf), 12), 0);
	cr_expect_str_eq(buf, "Q.850;cause=12");
	cr_expect_eq(cause_reason_build(buf, sizeof(buf), 0), EINVAL);
	cr_expect_eq(cause_reason_build(buf, sizeof(buf), 128), EINVAL);
	cr_expect_eq(cause_reason_build(NULL, 10, 17), EINVAL);
	cr_expect_eq(cause_reason_build(buf, 10, 17), ENOSPC);
	cr_expect_str_eq(buf, "");
	/* Exactly fits: strlen + NUL. */
	cr_expect_eq(cause_reason_build(buf, sizeof("Q.850;cause=17;text=\"user busy\""), 17), 0);
	cr_expect_eq(cause_reason_build(buf, sizeof("Q.850;cause=17;text=\"user busy\"") - 1,
					17), ENOSPC);
}

Test(cause, reason_round_trip_every_cause)
{
	char buf[160];
	struct cause_reason r;

	for (unsigned c = 1; c <= 127; c++) {
		cr_assert_eq(cause_reason_build(buf, sizeof(buf), c), 0, "cause %u", c);
		cr_expect_null(strchr(cause_name(c), '"'), "cause %u", c);
		cr_expect_null(strchr(cause_name(c), '\\'), "cause %u", c);
		cr_assert_eq(cause_reason_parse(buf, &r), 0, "%s", buf);
		cr_expect_eq(r.q850, c, "%s", buf);
		cr_expect_eq(r.sip, 0);
	}
}

struct reason_case {
	const char *in;
	int rc;
	unsigned q850;
	unsigned sip;
};

static const struct reason_case reason_cases[] = {
	{ "Q.850;cause=16;text=\"Terminated\"", 0, 16, 0 },
	{ "Q.850;cause=16", 0, 16, 0 },
	{ "SIP;cause=487;text=\"x\", Q.850;cause=17", 0, 17, 487 },
	{ "q.850 ; CAUSE = 17", 0, 17, 0 },
	{ "  Q.850;cause=17  ", 0, 17, 0 },
	{ "Q.850;text=\"a, b; cause=99\";cause=18", 0, 18, 0 },
	{ "Q.850;text=\"q \\\" , cause=5\";cause=19", 0, 19, 0 },
	{ "Q.850;cause=17 , Q.850;cause=18", 0, 17, 0 },
	{ "Q.850;cause=17;foo;bar=baz", 0, 17, 0 },
	{ "Q.850;cause=17;text=\"unterminated", 0, 17, 0 },
	{ "X-Foo;cause=17, Q.850;cause=41", 0, 41, 0 },
	{ "Q.850;cause=abc, Q.850;cause=42", 0, 42, 0 },
	{ "SIP;cause=200", 0, 0, 200 },
	{ "Q.850;cause=abc", ENOENT, 0, 0 },
	{ "Q.850;cause=", ENOENT, 0, 0 },
	{ "Q.850;cause", ENOENT, 0, 0 },
	{ "Q.850;cause=200", ENOENT, 0, 0 },
	{ "Q.850;cause=0", ENOENT, 0, 0 },
	{ "Q.850;cause=1234", ENOENT, 0, 0 },
	{ "Q.850;cause=+17", ENOENT, 0, 0 },
	{ "Q.850;cause=1 7", ENOENT, 0, 0 },
	{ "Q.850;cause=17;cause=18", ENOENT, 0, 0 },
	{ "Q.850 cause=17", ENOENT, 0, 0 },
	{ ";cause=17", ENOENT, 0, 0 },
	{ "X-Foo;cause=17", ENOENT, 0, 0 },
	{ "Q.8500;cause=17", ENOENT, 0, 0 },
	{ "SIP;cause=99", ENOENT, 0, 0 },
	{ "Q.850", ENOENT, 0, 0 },
	{ "", ENOENT, 0, 0 },
	{ ",,,", ENOENT, 0, 0 },
	{ "garbage,,,;;;===,\"unterminated", ENOENT, 0, 0 },
	{ "\"Q.850;cause=17\"", ENOENT, 0, 0 },
};

Test(cause, reason_parse)
{
	for (size_t i = 0; i < NELEM(reason_cases); i++) {
		const struct reason_case *c = &reason_cases[i];
		struct cause_reason r = { 99, 99 };

		cr_expect_eq(cause_reason_parse(c->in, &r), c->rc, "[%s]", c->in);
		cr_expect_eq(r.q850, c->q850, "[%s] q850 %u", c->in, r.q850);
		cr_expect_eq(r.sip, c->sip, "[%s] sip %u", c->in, r.sip);
	}
	cr_expect_eq(cause_reason_parse(NULL, &(struct cause_reason){ 0 }), EINVAL);
	cr_expect_eq(cause_reason_parse("Q.850;cause=17", NULL), EINVAL);
}

Test(cause, overrides)
{
	struct cause_map *m;
	char err[128];

	cr_assert_eq(cause_map_alloc(&m), 0);
	/* A fresh map is the defaults. */
	for (size_t i = 0; i < NELEM(rfc_q850_to_sip); i++)
		cr_expect_eq(cause_q850_to_sip(m, rfc_q850_to_sip[i].in, CAUSE_LOC_UNKNOWN),
			     rfc_q850_to_sip[i].out);
	for (size_t i = 0; i < NELEM(rfc_sip_to_q850); i++)
		cr_expect_eq(cause_sip_to_q850(m, rfc_sip_to_q850[i].in, NULL),
			     rfc_sip_to_q850[i].out);

	cr_assert_eq(cause_map_override(m, "17=600, 486=34", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(cause_q850_to_sip(m, 17, CAUSE_LOC_UNKNOWN), 600);
	cr_expect_eq(cause_sip_to_q850(m, 486, NULL), 34);
	cr_expect_eq(cause_q850_to_sip(m, 18, CAUSE_LOC_UNKNOWN), 408);	/* untouched */
	cr_expect_eq(cause_sip_to_q850(m, 480, NULL), 18);
	cr_expect_eq(cause_q850_to_sip(NULL, 17, CAUSE_LOC_UNKNOWN), 486);	/* defaults */

	/* Separators, blanks around '=', later items win, unlisted entries can be set. */
	cr_assert_eq(cause_map_override(m, "  21 = 486\t,,488=65 17=480 ", err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(cause_q850_to_sip(m, 21, CAUSE_LOC_USER), 486);	/* beats (+) */
	cr_expect_eq(cause_sip_to_q850(m, 488, NULL), 65);
	cr_expect_eq(cause_q850_to_sip(m, 17, CAUSE_LOC_UNKNOWN), 480);
	/* A received Reason still wins over an override. */
	cr_expect_eq(cause_sip_to_q850(m, 488, "Q.850;cause=58"), 58);
	cr_expect_eq(cause_map_override(m, "", err, sizeof(err)), 0);

	/* Unlisted causes follow an override of their class's unspecified cause. */
	cr_assert_eq(cause_map_override(m, "31=404 47=502", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(cause_q850_to_sip(m, 31, CAUSE_LOC_UNKNOWN), 404);
	cr_expect_eq(cause_q850_to_sip(m, 4, CAUSE_LOC_UNKNOWN), 404);
	cr_expect_eq(cause_q850_to_sip(m, 16, CAUSE_LOC_UNKNOWN), 404);
	cr_expect_eq(cause_q850_to_sip(m, 0, CAUSE_LOC_UNKNOWN), 404);
	cr_expect_eq(cause_q850_to_sip(m, 19, CAUSE_LOC_UNKNOWN), 480);	/* listed */
	cr_expect_eq(cause_q850_to_sip(m, 44, CAUSE_LOC_UNKNOWN), 502);
	cr_expect_eq(cause_q850_to_sip(m, 34, CAUSE_LOC_UNKNOWN), 503);	/* listed */
	cr_expect_eq(cause_q850_to_sip(m, 66, CAUSE_LOC_UNKNOWN), 501);
	cause_map_free(m);
	cause_map_free(NULL);
	cr_expect_eq(cause_map_alloc(NULL), EINVAL);
}

static const char *const bad_overrides[] = {
	"17", "17=", "=486", "17=486x", "17==486", "17=486;", "x=1", "-17=486", "17=-486",
	"0=486", "128=486", "299=17", "700=17", "99999=1",
	"17=299", "17=700", "17=17", "486=0", "486=128", "486=486",
	"17=600,bad", "17=600, 486=0",
};

Test(cause, override_errors)
{
	struct cause_map *m;
	char err[128];

	cr_assert_eq(cause_map_alloc(&m), 0);
	for (size_t i = 0; i < NELEM(bad_overrides); i++) {
		err[0] = '\0';
		cr_expect_eq(cause_map_override(m, bad_overrides[i], err, sizeof(err)), EINVAL,
			     "[%s]", bad_overrides[i]);
		cr_expect_neq(err[0], '\0', "[%s] no message", bad_overrides[i]);
	}
	/* Nothing was applied, not even the good items before a bad one. */
	cr_expect_eq(cause_q850_to_sip(m, 17, CAUSE_LOC_UNKNOWN), 486);
	cr_expect_eq(cause_sip_to_q850(m, 486, NULL), 17);

	cr_expect_eq(cause_map_override(m, "17=700", err, sizeof(err)), EINVAL);
	cr_expect_str_eq(err, "cause mapping \"17=700\": a Q.850 cause maps to a SIP status "
			 "300..699");
	cr_expect_eq(cause_map_override(m, "486=0", err, sizeof(err)), EINVAL);
	cr_expect_str_eq(err, "cause mapping \"486=0\": a SIP status maps to a Q.850 cause "
			 "1..127");
	cr_expect_eq(cause_map_override(m, "17=600,200=17", err, sizeof(err)), EINVAL);
	cr_expect_str_eq(err, "cause mapping \"200=17\": the left side must be a Q.850 cause "
			 "1..127 or a SIP status 300..699");
	cr_expect_eq(cause_map_override(m, "17:486", err, sizeof(err)), EINVAL);
	cr_expect_str_eq(err, "cause mapping \"17:486\": expected NUMBER=NUMBER");
	/* NULL err is allowed; NULL spec or map is not. */
	cr_expect_eq(cause_map_override(m, "17", NULL, 0), EINVAL);
	cr_expect_eq(cause_map_override(m, NULL, err, sizeof(err)), EINVAL);
	cr_expect_eq(cause_map_override(NULL, "17=486", err, sizeof(err)), EINVAL);
	cause_map_free(m);
}
