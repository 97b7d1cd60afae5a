/* gateway/dialplan: every pattern symbol, the four answers after each digit, bad patterns. */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "gateway/dialplan.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const names[] = {
	[DIALPLAN_NOMATCH] = "NOMATCH",
	[DIALPLAN_MORE] = "MORE",
	[DIALPLAN_AMBIGUOUS] = "AMBIGUOUS",
	[DIALPLAN_COMPLETE] = "COMPLETE",
};

struct row {
	const char *plan, *digits;
	enum dialplan_match want;
};

static void check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dialplan *dp = NULL;
		char err[160];
		int rc = dialplan_parse(rows[i].plan, &dp, err, sizeof(err));

		cr_assert_eq(rc, 0, "parse \"%s\": %d %s", rows[i].plan, rc, err);
		enum dialplan_match got = dialplan_match(dp, rows[i].digits);
		cr_expect_eq(got, rows[i].want, "\"%s\" with \"%s\": %s, want %s", rows[i].plan,
			     rows[i].digits, names[got], names[rows[i].want]);
		dialplan_free(dp);
	}
}

Test(dialplan, literals_and_star_hash)
{
	static const struct row rows[] = {
		{ "911", "", DIALPLAN_MORE },
		{ "911", "9", DIALPLAN_MORE },
		{ "911", "91", DIALPLAN_MORE },
		{ "911", "911", DIALPLAN_COMPLETE },
		{ "911", "9111", DIALPLAN_NOMATCH },
		{ "911", "8", DIALPLAN_NOMATCH },
		{ "*69", "*6", DIALPLAN_MORE },
		{ "*69", "*69", DIALPLAN_COMPLETE },
		{ "*69", "#69", DIALPLAN_NOMATCH },
		{ "#1", "#1", DIALPLAN_COMPLETE },
		{ "#1", "*1", DIALPLAN_NOMATCH },
		/* a key outside the keypad (DTMF A-D, junk) never matches */
		{ "X", "A", DIALPLAN_NOMATCH },
		{ ".", "A", DIALPLAN_NOMATCH },
	};
	check_rows(rows, NELEM(rows));
}

Test(dialplan, classes_x_z_n)
{
	static const struct row rows[] = {
		{ "X", "0", DIALPLAN_COMPLETE },
		{ "X", "9", DIALPLAN_COMPLETE },
		{ "X", "*", DIALPLAN_NOMATCH },
		{ "X", "#", DIALPLAN_NOMATCH },
		{ "Z", "0", DIALPLAN_NOMATCH },
		{ "Z", "1", DIALPLAN_COMPLETE },
		{ "Z", "9", DIALPLAN_COMPLETE },
		{ "N", "1", DIALPLAN_NOMATCH },
		{ "N", "2", DIALPLAN_COMPLETE },
		{ "N", "9", DIALPLAN_COMPLETE },
		{ "n", "5", DIALPLAN_COMPLETE },	/* lower case as well */
		{ "1NXXNXXXXXX", "1212555", DIALPLAN_MORE },
		{ "1NXXNXXXXXX", "12125551234", DIALPLAN_COMPLETE },
		{ "1NXXNXXXXXX", "11", DIALPLAN_NOMATCH },
		{ "1NXXNXXXXXX", "1212155", DIALPLAN_NOMATCH },
		{ "1NXXNXXXXXX", "121255512345", DIALPLAN_NOMATCH },
	};
	check_rows(rows, NELEM(rows));
}

Test(dialplan, sets)
{
	static const struct row rows[] = {
		{ "[1-5]", "1", DIALPLAN_COMPLETE },
		{ "[1-5]", "5", DIALPLAN_COMPLETE },
		{ "[1-5]", "0", DIALPLAN_NOMATCH },
		{ "[1-5]", "6", DIALPLAN_NOMATCH },
		{ "[137]", "3", DIALPLAN_COMPLETE },
		{ "[137]", "2", DIALPLAN_NOMATCH },
		{ "[1-35-7]", "4", DIALPLAN_NOMATCH },
		{ "[1-35-7]", "6", DIALPLAN_COMPLETE },
		{ "[*#]0", "#0", DIALPLAN_COMPLETE },
		{ "[*#]0", "10", DIALPLAN_NOMATCH },
		{ "2[0-4]X", "23", DIALPLAN_MORE },
		{ "2[0-4]X", "259", DIALPLAN_NOMATCH },
	};
	check_rows(rows, NELEM(rows));
}

/* '.' is one or more of anything, '!' zero or more: a match that can grow is AMBIGUOUS. */
Test(dialplan, dot_and_bang)
{
	static const struct row rows[] = {
		{ "0.", "0", DIALPLAN_MORE },
		{ "0.", "01", DIALPLAN_AMBIGUOUS },
		{ "0.", "0123456789", DIALPLAN_AMBIGUOUS },
		{ "0.", "0*#", DIALPLAN_AMBIGUOUS },
		{ "0.", "1", DIALPLAN_NOMATCH },
		{ "0!", "0", DIALPLAN_AMBIGUOUS },
		{ "0!", "05", DIALPLAN_AMBIGUOUS },
		{ "0!", "", DIALPLAN_MORE },
		{ "!", "", DIALPLAN_AMBIGUOUS },
		{ "9.1", "9", DIALPLAN_MORE },
		{ "9.1", "91", DIALPLAN_MORE },	/* '.' took the 1: one more key, then a 1 */
		{ "9.1", "951", DIALPLAN_AMBIGUOUS },	/* "9511" matches as well */
		{ "9!1", "91", DIALPLAN_AMBIGUOUS },
		{ "9!1", "92", DIALPLAN_MORE },
	};
	check_rows(rows, NELEM(rows));
}

/* Several patterns: the answer is the best over all of them. */
Test(dialplan, alternatives)
{
	static const char plan[] = "911|1NXXNXXXXXX|0.|*XX";
	static const struct row rows[] = {
		{ plan, "9", DIALPLAN_MORE },
		{ plan, "911", DIALPLAN_COMPLETE },
		{ plan, "912", DIALPLAN_NOMATCH },
		{ plan, "1", DIALPLAN_MORE },
		{ plan, "12125551234", DIALPLAN_COMPLETE },
		{ plan, "00", DIALPLAN_AMBIGUOUS },
		{ plan, "*7", DIALPLAN_MORE },
		{ plan, "*72", DIALPLAN_COMPLETE },
		{ plan, "*7#", DIALPLAN_NOMATCH },
		{ plan, "5", DIALPLAN_NOMATCH },
		/* one pattern complete, another still growing: wait for the timeout */
		{ "12|12X", "12", DIALPLAN_AMBIGUOUS },
		{ "12|12X", "123", DIALPLAN_COMPLETE },
		{ "12|13", "1", DIALPLAN_MORE },
		{ " 911 | 0. ", "911", DIALPLAN_COMPLETE },	/* spaces around '|' */
	};
	check_rows(rows, NELEM(rows));
}

struct bad {
	const char *plan;
	const char *says;	/* the error text must contain this */
};

Test(dialplan, bad_patterns)
{
	static const struct bad rows[] = {
		{ "", "pattern 1 \"\": empty pattern" },
		{ "911||0.", "pattern 2 \"\": empty pattern" },
		{ "911|", "pattern 2" },
		{ "91Y", "'Y' at position 3 is not" },
		{ "0.|1[2", "pattern 2 \"1[2\": '[' not closed at position 2" },
		{ "[2-", "not a key in a [set] at position 3" },
		{ "[]", "empty []" },
		{ "[5-1]", "bad range in a [set] (digits, low-high) at position 2" },
		{ "[1-*]", "bad range" },
		{ "[1Q]", "not a key in a [set] at position 3" },
		{ "_NXX", "'_' at position 1" },
		{ "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		  "longer than 64 symbols" },
	};

	for (size_t i = 0; i < NELEM(rows); i++) {
		struct dialplan *dp = (struct dialplan *)&dp;	/* must stay untouched */
		char err[160] = "";
		int rc = dialplan_parse(rows[i].plan, &dp, err, sizeof(err));

		cr_expect_eq(rc, -EINVAL, "\"%s\": %d", rows[i].plan, rc);
		cr_expect(dp == (struct dialplan *)&dp, "\"%s\": out written on error", rows[i].plan);
		cr_expect(strstr(err, rows[i].says), "\"%s\": error \"%s\", want \"%s\"",
			  rows[i].plan, err, rows[i].says);
	}
}

Test(dialplan, bad_arguments)
{
	struct dialplan *dp = NULL;

	cr_expect_eq(dialplan_parse(NULL, &dp, NULL, 0), -EINVAL);
	cr_expect_eq(dialplan_parse("1", NULL, NULL, 0), -EINVAL);
	cr_expect_eq(dialplan_match(NULL, "1"), DIALPLAN_NOMATCH);
	cr_assert_eq(dialplan_parse("1", &dp, NULL, 0), 0);	/* no err buffer is fine */
	cr_expect_eq(dialplan_match(dp, NULL), DIALPLAN_NOMATCH);
	dialplan_free(dp);
	dialplan_free(NULL);
}
