/* Routing and number rewriting: first match in config order, overlap dialling. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "gateway/route.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct conf_endpoint ep_any(void)
{
	return (struct conf_endpoint){ .kind = EP_ANY };
}

static struct conf_endpoint ep_span(unsigned n)
{
	return (struct conf_endpoint){ .kind = EP_SPAN, .span = n };
}

static struct conf_endpoint ep_trunk(const char *name)
{
	struct conf_endpoint ep = { .kind = EP_TRUNK };

	snprintf(ep.trunk, sizeof(ep.trunk), "%s", name);
	return ep;
}

static struct conf_endpoint ep_group(const char *name)
{
	struct conf_endpoint ep = { .kind = EP_GROUP };

	snprintf(ep.group, sizeof(ep.group), "%s", name);
	return ep;
}

/* A call from span n, which is in the group called group ("" for none). */
static struct conf_endpoint ep_span_in(unsigned n, const char *group)
{
	struct conf_endpoint ep = ep_span(n);

	snprintf(ep.group, sizeof(ep.group), "%s", group);
	return ep;
}

static struct conf_route rt(const char *name, struct conf_endpoint from, const char *match,
			    struct conf_endpoint to, unsigned strip, const char *prepend)
{
	struct conf_route r = { .from = from, .to = to, .strip = strip, .line = 1 };

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.match, sizeof(r.match), "%s", match);
	snprintf(r.prepend, sizeof(r.prepend), "%s", prepend);
	return r;
}

static struct route_table *table(const struct conf_route *routes, unsigned n, unsigned maxd)
{
	struct route_table *t = NULL;
	char err[256] = "";
	struct route_table_params p = {
		.routes = routes, .nroutes = n, .max_digits = maxd,
		.err = err, .errlen = sizeof(err),
	};

	cr_assert_eq(route_table_alloc(&t, &p), 0, "%s", err);
	cr_assert_not_null(t);
	return t;
}

/* One lookup and what it must give. idx and number only checked on ROUTE_MATCH. */
struct lcase {
	struct conf_endpoint src;
	const char *number;
	bool complete;
	enum route_state state;
	unsigned idx;
	const char *out;
};

static void run(const struct route_table *t, const struct lcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct route_result res;
		enum route_state s = route_lookup(t, &c[i].src, c[i].number, c[i].complete, &res);

		cr_expect_eq(s, c[i].state, "#%zu [%s]%s: %s, want %s", i, c[i].number,
			     c[i].complete ? " complete" : "", route_state_name(s),
			     route_state_name(c[i].state));
		cr_expect_eq(res.state, s);
		if (s != ROUTE_MATCH || c[i].state != ROUTE_MATCH) {
			cr_expect_null(res.route, "#%zu", i);
			cr_expect_str_eq(res.number, "", "#%zu", i);
			continue;
		}
		cr_expect_eq(res.index, c[i].idx, "#%zu [%s]: route %u, want %u", i,
			     c[i].number, res.index, c[i].idx);
		cr_assert_not_null(res.route);
		cr_expect_str_eq(res.number, c[i].out, "#%zu [%s]", i, c[i].number);
	}
}

#define S1 ep_span(1)
#define YES true
#define NO false

Test(route, prefix)
{
	const struct conf_route r[] = {
		rt("intl", ep_any(), "00", ep_trunk("carrier"), 0, ""),
		rt("national", ep_any(), "0", ep_trunk("carrier2"), 0, ""),
		rt("service", ep_any(), "*#", ep_span(3), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "0049301234", YES, ROUTE_MATCH, 0, "0049301234" },
		{ S1, "0301234", YES, ROUTE_MATCH, 1, "0301234" },
		{ S1, "00", YES, ROUTE_MATCH, 0, "00" },
		{ S1, "0", YES, ROUTE_MATCH, 1, "0" },
		{ S1, "*#21", YES, ROUTE_MATCH, 2, "*#21" },
		{ S1, "1234", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "+4930", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "", YES, ROUTE_NO_MATCH, 0, NULL },
	};
	struct route_table *t = table(r, NELEM(r), 0);
	struct route_result res;

	run(t, c, NELEM(c));
	route_lookup(t, &c[0].src, "0049", true, &res);
	cr_expect_str_eq(res.route->name, "intl");
	cr_expect_eq(res.route->to.kind, EP_TRUNK);
	cr_expect_str_eq(res.route->to.trunk, "carrier");
	route_table_free(t);
}

Test(route, regex)
{
	const struct conf_route r[] = {
		rt("emergency", ep_any(), "/^11[02]$/", ep_span(1), 0, ""),
		rt("ext", ep_any(), "/^[2-4][0-9]{2}$/", ep_trunk("pbx"), 0, ""),
		rt("e164", ep_any(), "/^\\+[1-9][0-9]{6,14}$/", ep_trunk("carrier"), 0, ""),
		rt("anywhere", ep_any(), "/99/", ep_span(2), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "110", YES, ROUTE_MATCH, 0, "110" },
		{ S1, "112", YES, ROUTE_MATCH, 0, "112" },
		{ S1, "111", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "1100", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "250", YES, ROUTE_MATCH, 1, "250" },
		{ S1, "2500", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "+4930123456", YES, ROUTE_MATCH, 2, "+4930123456" },
		{ S1, "+0301234567", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "12993", YES, ROUTE_MATCH, 3, "12993" },
	};
	struct route_table *t = table(r, NELEM(r), 0);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, config_order)
{
	/* Both match "0049..."; the first in the file wins, not the longest. */
	const struct conf_route r[] = {
		rt("a", ep_any(), "0", ep_trunk("a"), 0, ""),
		rt("b", ep_any(), "00", ep_trunk("b"), 0, ""),
		rt("c", ep_any(), "/^1/", ep_trunk("c"), 0, ""),
		rt("d", ep_any(), "1", ep_trunk("d"), 0, ""),
		rt("e", ep_any(), "", ep_trunk("e"), 0, ""),
		rt("f", ep_any(), "7", ep_trunk("f"), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "0049", YES, ROUTE_MATCH, 0, "0049" },
		{ S1, "123", YES, ROUTE_MATCH, 2, "123" },
		{ S1, "777", YES, ROUTE_MATCH, 4, "777" },	/* catch-all before "7" */
		{ S1, "", YES, ROUTE_MATCH, 4, "" },
	};
	struct route_table *t = table(r, NELEM(r), 0);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, from_filter)
{
	const struct conf_route r[] = {
		rt("span1-out", ep_span(1), "", ep_trunk("carrier"), 0, ""),
		rt("pbx-in", ep_trunk("pbx"), "", ep_span(2), 0, ""),
		rt("nines", ep_any(), "9", ep_span(3), 0, ""),
	};
	const struct lcase c[] = {
		{ ep_span(1), "123", YES, ROUTE_MATCH, 0, "123" },
		{ ep_span(1), "91", YES, ROUTE_MATCH, 0, "91" },
		{ ep_span(2), "123", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_span(2), "91", YES, ROUTE_MATCH, 2, "91" },
		{ ep_span(11), "123", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("pbx"), "5", YES, ROUTE_MATCH, 1, "5" },
		{ ep_trunk("pbx"), "9", YES, ROUTE_MATCH, 1, "9" },
		{ ep_trunk("pbx2"), "5", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("pb"), "5", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("PBX"), "5", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("other"), "99", YES, ROUTE_MATCH, 2, "99" },
		/* A source "any" is only taken by routes from any. */
		{ ep_any(), "99", YES, ROUTE_MATCH, 2, "99" },
		{ ep_any(), "5", YES, ROUTE_NO_MATCH, 0, NULL },
	};
	struct route_table *t = table(r, NELEM(r), 0);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, strip_and_prepend)
{
	const struct conf_route r[] = {
		rt("intl", ep_any(), "00", ep_trunk("c"), 2, "+"),
		rt("national", ep_any(), "0", ep_trunk("c"), 1, "+49"),
		rt("ext", ep_any(), "/^[2-4]/", ep_trunk("pbx"), 0, "030555"),
		rt("strip-only", ep_any(), "8", ep_span(1), 1, ""),
		rt("long-strip", ep_any(), "5", ep_span(1), 10, "9"),
		rt("exact-strip", ep_any(), "6", ep_span(1), 3, ""),
		rt("long-prepend", ep_any(), "7", ep_span(1), 0, "1234567890123456789012345678901"),
	};
	const struct lcase c[] = {
		{ S1, "0049301234", YES, ROUTE_MATCH, 0, "+49301234" },
		{ S1, "030123", YES, ROUTE_MATCH, 1, "+4930123" },
		{ S1, "250", YES, ROUTE_MATCH, 2, "030555250" },
		{ S1, "8123", YES, ROUTE_MATCH, 3, "123" },
		{ S1, "8", YES, ROUTE_MATCH, 3, "" },
		/* strip longer than the number: nothing left but the prepend */
		{ S1, "512", YES, ROUTE_MATCH, 4, "9" },
		{ S1, "612", YES, ROUTE_MATCH, 5, "" },
		{ S1, "6123", YES, ROUTE_MATCH, 5, "3" },
	};
	struct route_table *t = table(r, NELEM(r), 0);
	char longest[ROUTE_NUMBER_MAX + 1], want[CONF_NAME_MAX + ROUTE_NUMBER_MAX];
	struct route_result res;

	run(t, c, NELEM(c));
	/* The longest number and the longest prepend still fit. */
	memset(longest, '7', ROUTE_NUMBER_MAX);
	longest[ROUTE_NUMBER_MAX] = '\0';
	snprintf(want, sizeof(want), "%s%s", r[6].prepend, longest);
	cr_assert_eq(strlen(r[6].prepend), CONF_NAME_MAX - 1);
	cr_assert_eq(route_lookup(t, &c[0].src, longest, true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 6);
	cr_expect_str_eq(res.number, want);
	route_table_free(t);
}

Test(route, overlap_prefix_and_regex)
{
	const struct conf_route r[] = {
		rt("police", ep_any(), "110", ep_span(1), 0, ""),
		rt("out", ep_any(), "0", ep_trunk("t"), 0, ""),
		rt("ext", ep_any(), "/^2[0-9]{3}$/", ep_span(2), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "1", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "11", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "110", NO, ROUTE_MATCH, 0, "110" },
		{ S1, "1100", NO, ROUTE_MATCH, 0, "1100" },
		{ S1, "12", NO, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "0", NO, ROUTE_MATCH, 1, "0" },
		{ S1, "2", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "200", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "2000", NO, ROUTE_MATCH, 2, "2000" },
		/* The regex no longer matches, but regexec cannot say it never will. */
		{ S1, "20000", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "3", NO, ROUTE_NO_MATCH, 0, NULL },	/* ^2 contradicted */
		/* Complete: nothing more comes. */
		{ S1, "", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "1", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "200", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "20000", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "2000", YES, ROUTE_MATCH, 2, "2000" },
		{ S1, "110", YES, ROUTE_MATCH, 0, "110" },
	};
	struct route_table *t = table(r, NELEM(r), 0);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, overlap_earlier_route_decides)
{
	/* An earlier route that could still match holds the later match back... */
	const struct conf_route r1[] = {
		rt("long", ep_any(), "123", ep_span(1), 0, ""),
		rt("short", ep_any(), "1", ep_span(2), 0, ""),
	};
	const struct lcase c1[] = {
		{ S1, "1", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "12", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "124", NO, ROUTE_MATCH, 1, "124" },
		{ S1, "123", NO, ROUTE_MATCH, 0, "123" },
		{ S1, "1", YES, ROUTE_MATCH, 1, "1" },
		{ S1, "12", YES, ROUTE_MATCH, 1, "12" },
	};
	/* ...a later one cannot: it would never win over the current match. */
	const struct conf_route r2[] = {
		rt("short", ep_any(), "1", ep_span(2), 0, ""),
		rt("long", ep_any(), "123", ep_span(1), 0, ""),
	};
	const struct lcase c2[] = {
		{ S1, "1", NO, ROUTE_MATCH, 0, "1" },
		{ S1, "123", NO, ROUTE_MATCH, 0, "123" },
	};
	/* Routes of other sources do not count. */
	const struct conf_route r3[] = {
		rt("other", ep_span(9), "123", ep_span(1), 0, ""),
		rt("short", ep_any(), "1", ep_span(2), 0, ""),
	};
	const struct lcase c3[] = {
		{ S1, "1", NO, ROUTE_MATCH, 1, "1" },
		{ ep_span(9), "1", NO, ROUTE_NEED_MORE, 0, NULL },
	};
	struct route_table *t;

	t = table(r1, NELEM(r1), 0);
	run(t, c1, NELEM(c1));
	route_table_free(t);
	t = table(r2, NELEM(r2), 0);
	run(t, c2, NELEM(c2));
	route_table_free(t);
	t = table(r3, NELEM(r3), 0);
	run(t, c3, NELEM(c3));
	route_table_free(t);
}

Test(route, overlap_regex_max_digits)
{
	/* No leading literal: the regex "could match" until max_digits (here 3). */
	const struct conf_route r[] = {
		rt("four", ep_any(), "/^[0-9]{4}$/", ep_span(1), 0, ""),
		rt("nine", ep_any(), "9", ep_span(2), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "9", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "99", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "999", NO, ROUTE_MATCH, 1, "999" },
		{ S1, "9999", NO, ROUTE_MATCH, 0, "9999" },
		{ S1, "99", YES, ROUTE_MATCH, 1, "99" },
		{ S1, "5", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "555", NO, ROUTE_NO_MATCH, 0, NULL },
	};
	struct route_table *t = table(r, NELEM(r), 3);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, overlap_regex_literal)
{
	const struct conf_route r[] = {
		rt("alt", ep_any(), "/^12|^34/", ep_span(1), 0, ""),
		rt("opt", ep_any(), "/^56?7/", ep_span(2), 0, ""),
		rt("lit", ep_any(), "/^89[0-9]/", ep_span(3), 0, ""),
	};
	const struct lcase c[] = {
		/* Alternation: no literal is trusted, so anything may still match. */
		{ S1, "0", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "3", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "34", NO, ROUTE_MATCH, 0, "34" },
	};
	const struct conf_route r2[] = {
		rt("opt", ep_any(), "/^56?7/", ep_span(2), 0, ""),
		rt("lit", ep_any(), "/^89[0-9]/", ep_span(3), 0, ""),
	};
	const struct lcase c2[] = {
		{ S1, "57", NO, ROUTE_MATCH, 0, "57" },
		{ S1, "567", NO, ROUTE_MATCH, 0, "567" },
		{ S1, "58", NO, ROUTE_NEED_MORE, 0, NULL },	/* literal is only "5" */
		{ S1, "6", NO, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "8", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "89", NO, ROUTE_NEED_MORE, 0, NULL },
		{ S1, "890", NO, ROUTE_MATCH, 1, "890" },
		{ S1, "88", NO, ROUTE_NO_MATCH, 0, NULL },
	};
	struct route_table *t;

	t = table(r, NELEM(r), 0);
	run(t, c, NELEM(c));
	route_table_free(t);
	t = table(r2, NELEM(r2), 0);
	run(t, c2, NELEM(c2));
	route_table_free(t);
}

Test(route, overlap_catch_all)
{
	const struct conf_route r[] = {
		rt("all", ep_any(), "", ep_trunk("t"), 0, "+"),
	};
	const struct lcase c[] = {
		{ S1, "", NO, ROUTE_NEED_MORE, 0, NULL },	/* never route an empty number early */
		{ S1, "", YES, ROUTE_MATCH, 0, "+" },
		{ S1, "5", NO, ROUTE_MATCH, 0, "+5" },
	};
	struct route_table *t = table(r, NELEM(r), 0);

	run(t, c, NELEM(c));
	route_table_free(t);
}

Test(route, no_route)
{
	const struct conf_route r[] = {
		rt("a", ep_span(1), "1", ep_trunk("t"), 0, ""),
		rt("b", ep_trunk("t"), "/^2/", ep_span(1), 0, ""),
	};
	const struct lcase c[] = {
		{ S1, "2", YES, ROUTE_NO_MATCH, 0, NULL },
		{ S1, "2", NO, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("t"), "1", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_span(2), "1", NO, ROUTE_NO_MATCH, 0, NULL },
		{ ep_span(2), "", NO, ROUTE_NO_MATCH, 0, NULL },
	};
	char too_long[ROUTE_NUMBER_MAX + 2];
	struct route_table *t = table(r, NELEM(r), 0);
	struct route_result res;

	run(t, c, NELEM(c));
	memset(too_long, '1', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	cr_expect_eq(route_lookup(t, &c[0].src, too_long, true, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, &c[0].src, too_long + 1, true, &res), ROUTE_MATCH);
	cr_expect_eq(route_lookup(t, &c[0].src, NULL, true, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, NULL, "1", true, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(NULL, &c[0].src, "1", true, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, &c[0].src, "1", true, NULL), ROUTE_NO_MATCH);
	route_table_free(t);
}

Test(route, empty_table)
{
	struct route_table *t = NULL;
	struct route_table_params p = { .routes = NULL, .nroutes = 0 };
	struct conf_endpoint src = ep_span(1);
	struct route_result res;

	cr_assert_eq(route_table_alloc(&t, &p), 0);
	cr_expect_eq(route_lookup(t, &src, "123", true, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, &src, "123", false, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, &src, "", false, &res), ROUTE_NO_MATCH);
	cr_expect_eq(route_lookup(t, &src, "", true, &res), ROUTE_NO_MATCH);
	route_table_free(t);
	route_table_free(NULL);
}

Test(route, table_owns_a_copy)
{
	struct conf_route r[] = { rt("a", ep_any(), "1", ep_trunk("t"), 1, "9") };
	struct route_table *t = table(r, NELEM(r), 0);
	struct conf_endpoint src = ep_span(1);
	struct route_result res;

	memset(r, 0xff, sizeof(r));
	cr_assert_eq(route_lookup(t, &src, "12", true, &res), ROUTE_MATCH);
	cr_expect_str_eq(res.number, "92");
	cr_expect_str_eq(res.route->name, "a");
	route_table_free(t);
}

struct bad_case {
	struct conf_route route;
	const char *err;
};

Test(route, bad_config)
{
	const struct bad_case bad[] = {
		{ rt("bad", ep_any(), "/[/", ep_span(1), 0, ""),
		  "route bad (line 1): match \"/[/\": " },
		{ rt("empty-re", ep_any(), "//", ep_span(1), 0, ""),
		  "route empty-re (line 1): match \"//\": a regex is written /re/" },
		{ rt("open", ep_any(), "/12", ep_span(1), 0, ""),
		  "route open (line 1): match \"/12\": a regex is written /re/" },
		{ rt("slash", ep_any(), "/", ep_span(1), 0, ""),
		  "route slash (line 1): match \"/\": a regex is written /re/" },
		{ rt("letters", ep_any(), "12a", ep_span(1), 0, ""),
		  "route letters (line 1): match \"12a\": a prefix is digits, * # +" },
		{ rt("to-any", ep_any(), "1", ep_any(), 0, ""),
		  "route to-any (line 1): the destination must be a span, a group or a trunk" },
		{ rt("no-trunk", ep_any(), "1", ep_trunk(""), 0, ""),
		  "route no-trunk (line 1): empty trunk name" },
		{ rt("no-from", ep_trunk(""), "1", ep_span(1), 0, ""),
		  "route no-from (line 1): empty trunk name" },
		{ rt("no-group", ep_any(), "1", ep_group(""), 0, ""),
		  "route no-group (line 1): empty group name" },
		{ rt("no-from-group", ep_group(""), "1", ep_trunk("t"), 0, ""),
		  "route no-from-group (line 1): empty group name" },
	};

	for (size_t i = 0; i < NELEM(bad); i++) {
		/* A good regex route first: its compiled regex must be freed on failure. */
		struct conf_route r[2] = { rt("ok", ep_any(), "/^1/", ep_span(1), 0, ""),
					   bad[i].route };
		struct route_table *t = (struct route_table *)&r;	/* must stay untouched */
		char err[256] = "x";
		struct route_table_params p = {
			.routes = r, .nroutes = 2, .err = err, .errlen = sizeof(err),
		};

		cr_expect_eq(route_table_alloc(&t, &p), EINVAL, "#%zu", i);
		cr_expect_eq(t, (struct route_table *)&r, "#%zu", i);
		cr_expect_eq(strncmp(err, bad[i].err, strlen(bad[i].err)), 0, "#%zu: %s", i, err);
	}

	/* Without an error buffer, and with bad arguments. */
	struct conf_route r = rt("bad", ep_any(), "/(/", ep_span(1), 0, "");
	struct route_table_params p = { .routes = &r, .nroutes = 1 };
	struct route_table *t = NULL;

	cr_expect_eq(route_table_alloc(&t, &p), EINVAL);
	cr_expect_null(t);
	p.routes = NULL;
	cr_expect_eq(route_table_alloc(&t, &p), EINVAL);
	cr_expect_eq(route_table_alloc(NULL, &p), EINVAL);
	cr_expect_eq(route_table_alloc(&t, NULL), EINVAL);
}

Test(route, names)
{
	char buf[64];
	struct conf_endpoint a = ep_any(), s = ep_span(2), tr = ep_trunk("carrier");
	struct conf_endpoint g = ep_group("pbx");

	cr_expect_str_eq(route_state_name(ROUTE_NO_MATCH), "no match");
	cr_expect_str_eq(route_state_name(ROUTE_NEED_MORE), "need more");
	cr_expect_str_eq(route_state_name(ROUTE_MATCH), "match");
	cr_expect_str_eq(route_endpoint_str(&a, buf, sizeof(buf)), "any");
	cr_expect_str_eq(route_endpoint_str(&s, buf, sizeof(buf)), "span 2");
	cr_expect_str_eq(route_endpoint_str(&tr, buf, sizeof(buf)), "trunk carrier");
	cr_expect_str_eq(route_endpoint_str(&g, buf, sizeof(buf)), "group pbx");
}

/* Routes to a group, and from one: a call from any span of group "pbx" (spans 2 and 4 in
 * the daemon) carries the group's name in its source. */
Test(route, groups)
{
	const struct conf_route r[] = {
		rt("pbx-out", ep_group("pbx"), "0", ep_trunk("carrier"), 1, ""),
		rt("span4-only", ep_span(4), "9", ep_trunk("other"), 0, ""),
		rt("to-pbx", ep_trunk("carrier"), "4930", ep_group("pbx"), 4, ""),
		rt("to-span", ep_trunk("carrier"), "5", ep_span(4), 0, ""),
	};
	const struct lcase c[] = {
		{ ep_span_in(2, "pbx"), "030", YES, ROUTE_MATCH, 0, "30" },
		{ ep_span_in(4, "pbx"), "030", YES, ROUTE_MATCH, 0, "30" },
		{ ep_span_in(4, "pbx"), "9", YES, ROUTE_MATCH, 1, "9" },
		/* A span of another group, of none, or a group named alike: not from pbx. */
		{ ep_span_in(6, "pbx2"), "030", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_span_in(6, "pb"), "030", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_span(2), "030", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_trunk("pbx"), "030", YES, ROUTE_NO_MATCH, 0, NULL },
		{ ep_any(), "030", YES, ROUTE_NO_MATCH, 0, NULL },
		/* Overlap from a group's span waits like from a span. */
		{ ep_span_in(2, "pbx"), "", NO, ROUTE_NEED_MORE, 0, NULL },
		{ ep_span_in(2, "pbx"), "03", NO, ROUTE_MATCH, 0, "3" },
		{ ep_trunk("carrier"), "4930123", YES, ROUTE_MATCH, 2, "123" },
		{ ep_trunk("carrier"), "5", YES, ROUTE_MATCH, 3, "5" },
	};
	struct route_table *t = table(r, NELEM(r), 0);
	struct route_result res;

	run(t, c, NELEM(c));
	cr_assert_eq(route_lookup(t, &c[10].src, "49301", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.route->to.kind, EP_GROUP);
	cr_expect_str_eq(res.route->to.group, "pbx");
	route_table_free(t);
}

/* ---- number lists and files (phased migration: ported numbers) ------------------------- */

Test(route, prefix_list)
{
	struct conf_route r[] = {
		rt("ported", ep_any(), "4930100, 4930177,493020", ep_trunk("sip"), 0, ""),
		rt("rest", ep_any(), "", ep_span(4), 0, ""),
	};
	struct route_table *t = table(r, NELEM(r), 0);
	struct route_result res;
	const struct conf_endpoint src = ep_span(2);

	cr_assert_eq(route_lookup(t, &src, "4930177", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0);
	cr_assert_eq(route_lookup(t, &src, "4930205", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0, "a list entry is a prefix");
	cr_assert_eq(route_lookup(t, &src, "4930178", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 1);
	/* overlap: "49301" could still become 4930100 or 4930177 */
	cr_expect_eq(route_lookup(t, &src, "49301", false, &res), ROUTE_NEED_MORE);
	cr_expect_eq(route_lookup(t, &src, "4931", false, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 1);
	route_table_free(t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(route, number_file_read_when_built)
{
	char dir[] = "/tmp/strowger-route-XXXXXX", path[64];
	struct conf_route r[] = {
		rt("ported", ep_any(), "@ported.txt", ep_trunk("sip"), 0, ""),
		rt("rest", ep_any(), "", ep_span(4), 0, ""),
	};
	struct route_result res;
	const struct conf_endpoint src = ep_span(2);
	struct route_table *t = NULL;
	char err[256] = "";
	struct route_table_params p = { .routes = r, .nroutes = NELEM(r), .dir = dir,
					.err = err, .errlen = sizeof(err) };

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ported.txt", dir);
	write_file(path, "# ported so far\n4930100\n\n  4930177  # moved in May\r\n493020\n");
	cr_assert_eq(route_table_alloc(&t, &p), 0, "%s", err);
	cr_expect_eq(route_lookup(t, &src, "4930100", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0);
	cr_expect_eq(route_lookup(t, &src, "4930177", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0, "blanks and a trailing comment are not part of the number");
	cr_expect_eq(route_lookup(t, &src, "4930205", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0);
	cr_expect_eq(route_lookup(t, &src, "4930101", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 1);
	route_table_free(t);

	/* a number moved: the table built again (SIGHUP) takes the file as it is now */
	write_file(path, "4930100\n4930101\n");
	cr_assert_eq(route_table_alloc(&t, &p), 0, "%s", err);
	cr_expect_eq(route_lookup(t, &src, "4930101", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 0);
	cr_expect_eq(route_lookup(t, &src, "4930177", true, &res), ROUTE_MATCH);
	cr_expect_eq(res.index, 1);
	route_table_free(t);

	/* a bad line names file and line; a missing file fails the build */
	write_file(path, "4930100\n49301x0\n");
	t = NULL;
	cr_expect_eq(route_table_alloc(&t, &p), EINVAL);
	cr_expect_null(t);
	cr_expect(strstr(err, "ported.txt:2: not a number") != NULL, "%s", err);
	cr_assert_eq(unlink(path), 0);
	cr_expect_eq(route_table_alloc(&t, &p), EINVAL);
	cr_expect(strstr(err, "cannot read") != NULL, "%s", err);
	cr_assert_eq(rmdir(dir), 0);
}

Test(route, bad_prefix_list)
{
	struct conf_route r = rt("bad", ep_any(), "4930100,,49", ep_trunk("sip"), 0, "");
	struct route_table *t = NULL;
	char err[256] = "";
	struct route_table_params p = { .routes = &r, .nroutes = 1, .err = err,
					.errlen = sizeof(err) };

	cr_expect_eq(route_table_alloc(&t, &p), EINVAL);
	cr_expect(strstr(err, "a list is prefixes") != NULL, "%s", err);
}

/* ---- ordered fallback ------------------------------------------------------------------ */

Test(route, failover_decision)
{
	struct conf_destlist dl = { .ep = { ep_trunk("carrier1"), ep_trunk("carrier2"),
					    ep_span(4) }, .n = 3 };
	struct route_causes fc;

	cr_assert_eq(route_causes_parse("27, 34,38 ,41, 42, 102", &fc), 0);
	/* "this destination cannot take it": the next one is tried */
	cr_expect(route_failover(&dl, 0, 41, &fc), "SIP 503 -> 41");
	cr_expect(route_failover(&dl, 0, 102, &fc), "SIP 408 / no response -> 102");
	cr_expect(route_failover(&dl, 1, 34, &fc), "no circuit");
	cr_expect(route_failover(&dl, 1, 38, &fc), "D-channel down");
	cr_expect(route_failover(&dl, 0, 27, &fc), "trunk down");
	/* the last destination has nothing after it */
	cr_expect_not(route_failover(&dl, 2, 34, &fc));
	/* the callee's own answers never fail over */
	cr_expect_not(route_failover(&dl, 0, 17, &fc), "busy");
	cr_expect_not(route_failover(&dl, 0, 16, &fc));
	cr_expect_not(route_failover(&dl, 0, 1, &fc), "unallocated number: not in the list");
	/* ... not even when the list names them */
	cr_assert_eq(route_causes_parse("17, 21, 1", &fc), 0);
	cr_expect_not(route_failover(&dl, 0, 17, &fc));
	cr_expect_not(route_failover(&dl, 0, 21, &fc));
	cr_expect(route_failover(&dl, 0, 1, &fc), "a configured cause does fail over");
	/* a one-destination route never does */
	struct conf_destlist one = { .ep = { ep_trunk("carrier1") }, .n = 1 };
	cr_expect_not(route_failover(&one, 0, 1, &fc));
	/* parsing */
	cr_expect_eq(route_causes_parse("", &fc), 0);
	cr_expect_not(route_causes_has(&fc, 41));
	cr_expect_eq(route_causes_parse("41, 0", &fc), EINVAL);
	cr_expect_eq(route_causes_parse("128", &fc), EINVAL);
	cr_expect_eq(route_causes_parse("41 42", &fc), EINVAL);
	cr_expect_not(route_causes_has(&fc, 41), "a failed parse leaves the set empty");
	cr_assert_eq(route_causes_parse("127,1", &fc), 0);
	cr_expect(route_causes_has(&fc, 127) && route_causes_has(&fc, 1));
	cr_expect_not(route_causes_has(&fc, 64));
}

/* show routes' counts: per route, kept by name when a reload builds a new table. */
Test(route, call_counts_survive_a_rebuild_by_name)
{
	const struct conf_route r1[] = {
		rt("a", ep_any(), "0", ep_trunk("a"), 0, ""),
		rt("b", ep_any(), "1", ep_trunk("b"), 0, ""),
	};
	const struct conf_route r2[] = {
		rt("c", ep_any(), "2", ep_trunk("c"), 0, ""),
		rt("b", ep_any(), "1", ep_trunk("x"), 0, ""),
	};
	struct route_table *t1 = table(r1, NELEM(r1), 0), *t2 = table(r2, NELEM(r2), 0);

	cr_expect_eq(route_table_size(t1), 2);
	cr_expect_str_eq(route_table_route(t1, 1)->name, "b");
	cr_expect_null(route_table_route(t1, 2));
	route_table_count(t1, 0);
	route_table_count(t1, 1);
	route_table_count(t1, 1);
	route_table_count(t1, 7);	/* out of range: ignored */
	cr_expect_eq(route_table_calls(t1, 0), 1);
	cr_expect_eq(route_table_calls(t1, 1), 2);
	route_table_carry(t2, t1);
	cr_expect_eq(route_table_calls(t2, 0), 0, "new route c starts at 0");
	cr_expect_eq(route_table_calls(t2, 1), 2, "route b keeps its count");
	cr_expect_eq(route_table_size(NULL), 0);
	route_table_free(t1);
	route_table_free(t2);
}
