/* Call routing: first matching [route] in config order, number rewriting, overlap dialling. */
#include "gateway/route.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum match_kind { MATCH_ALL, MATCH_PREFIX, MATCH_REGEX, MATCH_LIST };

/* One prefix of a list or a file. */
struct route_prefix {
	char s[ROUTE_NUMBER_MAX + 1];
	size_t len;
};

struct route_entry {
	struct conf_route conf;		/* our copy, strings terminated */
	enum match_kind kind;
	size_t prefix_len;		/* MATCH_PREFIX: conf.match is the prefix */
	regex_t re;			/* MATCH_REGEX */
	struct route_prefix *list;	/* MATCH_LIST: nlist prefixes, sorted */
	size_t nlist;
	char lit[CONF_STR_MAX];		/* MATCH_REGEX: digits every match starts with */
	size_t lit_len;
	uint64_t calls;			/* calls routed by it (route_table_count) */
};

struct route_table {
	unsigned n;
	unsigned max_digits;
	struct route_entry e[];
};

static const char *const state_names[] = {
	[ROUTE_NO_MATCH] = "no match",
	[ROUTE_NEED_MORE] = "need more",
	[ROUTE_MATCH] = "match",
};

const char *route_state_name(enum route_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[s];
	return "?";
}

const char *route_endpoint_str(const struct conf_endpoint *ep, char *buf, size_t len)
{
	if (!ep || !buf || !len)
		return "";
	switch (ep->kind) {
	case EP_ANY:
		snprintf(buf, len, "any");
		break;
	case EP_SPAN:
		snprintf(buf, len, "span %u", ep->span);
		break;
	case EP_TRUNK:
		snprintf(buf, len, "trunk %.*s", CONF_NAME_MAX, ep->trunk);
		break;
	case EP_PORT:
		if (ep->pos)
			snprintf(buf, len, "port %u:%u", ep->span, ep->pos);
		else
			snprintf(buf, len, "port %u", ep->span);
		break;
	case EP_GROUP:
		snprintf(buf, len, "group %.*s", CONF_NAME_MAX, ep->group);
		break;
	default:
		snprintf(buf, len, "endpoint kind %d", (int)ep->kind);
		break;
	}
	return buf;
}

static int route_error(const struct route_table_params *p, const struct conf_route *r,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int route_error(const struct route_table_params *p, const struct conf_route *r,
		       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return EINVAL;
	n = snprintf(p->err, p->errlen, "route %.*s (line %u): ", CONF_NAME_MAX, r->name,
		     r->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

static int check_endpoint(const struct route_table_params *p, const struct conf_route *r,
			  const struct conf_endpoint *ep, bool dest)
{
	switch (ep->kind) {
	case EP_ANY:
		if (dest)
			return route_error(p, r, "the destination must be a span, a group or a "
					   "trunk");
		return 0;
	case EP_SPAN:
		return 0;
	case EP_PORT:
		if (!dest)
			return route_error(p, r, "a port is a destination only (from = span N)");
		return 0;
	case EP_TRUNK:
		if (!ep->trunk[0])
			return route_error(p, r, "empty trunk name");
		return 0;
	case EP_GROUP:
		if (!ep->group[0])
			return route_error(p, r, "empty group name");
		return 0;
	}
	return route_error(p, r, "bad endpoint kind %d", (int)ep->kind);
}

/* Digits that every match of an ERE must start with: after a leading '^', the digits up to
 * the first other character, less one followed by a quantifier. None if the regex has an
 * alternation anywhere ("^12|34" is (^12)|(34)). */
static void regex_literal(struct route_entry *e, const char *re)
{
	e->lit_len = 0;
	if (re[0] != '^' || strchr(re, '|'))
		return;
	for (const char *c = re + 1; *c >= '0' && *c <= '9'; c++) {
		if (c[1] == '?' || c[1] == '*' || c[1] == '+' || c[1] == '{')
			break;
		e->lit[e->lit_len++] = *c;
	}
	e->lit[e->lit_len] = '\0';
}

static int prefix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct route_prefix *)a)->s, ((const struct route_prefix *)b)->s);
}

/* Add one prefix (trimmed of blanks) to e's list. 0, EINVAL (not a dial string) or ENOMEM. */
static int list_add(struct route_entry *e, size_t *cap, const char *text, size_t n)
{
	while (n && (*text == ' ' || *text == '\t'))
		text++, n--;
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	if (!n || n > ROUTE_NUMBER_MAX || strspn(text, "0123456789*#+") < n)
		return EINVAL;
	if (e->nlist == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct route_prefix *l = realloc(e->list, ncap * sizeof(*l));
		if (!l)
			return ENOMEM;
		e->list = l;
		*cap = ncap;
	}
	memcpy(e->list[e->nlist].s, text, n);
	e->list[e->nlist].s[n] = '\0';
	e->list[e->nlist].len = n;
	e->nlist++;
	return 0;
}

/* "@FILE": one number or prefix a line; blank lines and "#" comments skipped. */
static int list_read(struct route_entry *e, const struct route_table_params *p,
		     const struct conf_route *r, size_t *cap)
{
	const char *name = r->match + 1;
	char path[CONF_STR_MAX * 2], line[256];
	unsigned lineno = 0;
	int rc = 0;

	if (name[0] != '/' && p->dir && p->dir[0])
		snprintf(path, sizeof(path), "%s/%s", p->dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return route_error(p, r, "match %s: cannot read %s: %s", r->match, path,
				   strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		size_t n = hash ? (size_t)(hash - line) : strcspn(line, "\n");
		if (strspn(line, " \t\r\n") >= n)
			continue;	/* blank or comment */
		rc = list_add(e, cap, line, n);
		if (rc == EINVAL)
			rc = route_error(p, r, "%s:%u: not a number or prefix of digits, *, #, +",
					 path, lineno);
	}
	fclose(f);
	return rc;
}

/* "a, b, c" or @FILE: a sorted list of prefixes. */
static int list_init(struct route_entry *e, const struct route_table_params *p,
		     const struct conf_route *r)
{
	size_t cap = 0;
	int rc = 0;

	e->kind = MATCH_LIST;
	if (r->match[0] == '@') {
		rc = list_read(e, p, r, &cap);
	} else {
		for (const char *s = r->match; !rc && *s;) {
			size_t n = strcspn(s, ",");
			rc = list_add(e, &cap, s, n);
			if (rc == EINVAL)
				rc = route_error(p, r, "match \"%s\": a list is prefixes of digits, "
						 "* # + separated by commas", r->match);
			s += n + (s[n] == ',');
		}
	}
	if (!rc && e->nlist)
		qsort(e->list, e->nlist, sizeof(e->list[0]), prefix_cmp);
	return rc;
}

static int entry_init(struct route_entry *e, const struct route_table_params *p,
		      const struct conf_route *r)
{
	char re[CONF_STR_MAX];
	size_t len;
	int rc;

	e->conf = *r;
	e->conf.name[CONF_NAME_MAX - 1] = '\0';
	e->conf.prepend[CONF_NAME_MAX - 1] = '\0';
	e->conf.from.trunk[CONF_NAME_MAX - 1] = '\0';
	for (unsigned i = 0; i < CONF_ROUTE_MAX_TO; i++) {
		e->conf.dest.ep[i].trunk[CONF_NAME_MAX - 1] = '\0';
		e->conf.dest.ep[i].group[CONF_NAME_MAX - 1] = '\0';
	}
	e->conf.from.group[CONF_NAME_MAX - 1] = '\0';
	len = strnlen(r->match, CONF_STR_MAX);
	if (len == CONF_STR_MAX)
		return route_error(p, r, "match too long");

	if (!e->conf.dest.n)
		e->conf.dest.n = 1;	/* a route written with .to alone: one destination */
	rc = check_endpoint(p, r, &r->from, false);
	if (!rc && e->conf.dest.n > CONF_ROUTE_MAX_TO)
		rc = route_error(p, r, "%u destinations (1..%d)", r->dest.n, CONF_ROUTE_MAX_TO);
	for (unsigned i = 0; !rc && i < e->conf.dest.n; i++)
		rc = check_endpoint(p, r, &e->conf.dest.ep[i], true);
	if (rc)
		return rc;

	if (len == 0) {
		e->kind = MATCH_ALL;
		return 0;
	}
	if (r->match[0] == '@' || (r->match[0] != '/' && strchr(r->match, ',')))
		return list_init(e, p, r);
	if (r->match[0] != '/') {
		if (strspn(r->match, "0123456789*#+") != len)
			return route_error(p, r, "match \"%s\": a prefix is digits, * # +; "
					   "a regex is written /re/", r->match);
		e->kind = MATCH_PREFIX;
		e->prefix_len = len;
		return 0;
	}
	if (len < 3 || r->match[len - 1] != '/')
		return route_error(p, r, "match \"%s\": a regex is written /re/ (an empty match "
				   "takes every number)", r->match);
	memcpy(re, r->match + 1, len - 2);
	re[len - 2] = '\0';
	rc = regcomp(&e->re, re, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[128];

		regerror(rc, &e->re, why, sizeof(why));
		return route_error(p, r, "match \"%s\": %s", r->match, why);
	}
	e->kind = MATCH_REGEX;
	regex_literal(e, re);
	return 0;
}

static void table_release(struct route_table *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (t->e[i].kind == MATCH_REGEX)
			regfree(&t->e[i].re);
		free(t->e[i].list);
	}
	free(t);
}

int route_table_alloc(struct route_table **tp, const struct route_table_params *p)
{
	struct route_table *t;
	unsigned i;
	int err = 0;

	if (!tp || !p || (p->nroutes && !p->routes))
		return EINVAL;
	if (p->err && p->errlen)
		p->err[0] = '\0';
	t = calloc(1, sizeof(*t) + (size_t)p->nroutes * sizeof(t->e[0]));
	if (!t)
		return ENOMEM;
	t->n = p->nroutes;
	t->max_digits = p->max_digits ? p->max_digits : ROUTE_MAX_DIGITS;
	for (i = 0; i < p->nroutes; i++) {
		err = entry_init(&t->e[i], p, &p->routes[i]);
		if (err) {
			free(t->e[i].list);	/* a list read in part */
			goto out;
		}
	}
out:
	if (err) {
		/* Entry i compiled nothing when it failed. */
		table_release(t, i);
		return err;
	}
	*tp = t;
	return 0;
}

void route_table_free(struct route_table *t)
{
	if (t)
		table_release(t, t->n);
}

unsigned route_table_size(const struct route_table *t)
{
	return t ? t->n : 0;
}

const struct conf_route *route_table_route(const struct route_table *t, unsigned index)
{
	return t && index < t->n ? &t->e[index].conf : NULL;
}

void route_table_count(struct route_table *t, unsigned index)
{
	if (t && index < t->n)
		t->e[index].calls++;
}

uint64_t route_table_calls(const struct route_table *t, unsigned index)
{
	return t && index < t->n ? t->e[index].calls : 0;
}

void route_table_carry(struct route_table *t, const struct route_table *old)
{
	for (unsigned i = 0; t && old && i < t->n; i++)
		for (unsigned j = 0; j < old->n; j++)
			if (!strcmp(t->e[i].conf.name, old->e[j].conf.name))
				t->e[i].calls = old->e[j].calls;
}

static bool from_ok(const struct conf_endpoint *from, const struct conf_endpoint *src)
{
	switch (from->kind) {
	case EP_ANY:
		return true;
	case EP_SPAN:
		return src->kind == EP_SPAN && src->span == from->span;
	case EP_TRUNK:
		return src->kind == EP_TRUNK &&
		       strncmp(src->trunk, from->trunk, CONF_NAME_MAX) == 0;
	case EP_GROUP:
		/* A span's call carries the name of the group its span is in. */
		return src->kind == EP_SPAN &&
		       strncmp(src->group, from->group, CONF_NAME_MAX) == 0;
	case EP_PORT:
		return false;
	}
	return false;
}

static bool entry_matches(const struct route_entry *e, const char *number)
{
	switch (e->kind) {
	case MATCH_ALL:
		return true;
	case MATCH_PREFIX:
		return strncmp(number, e->conf.match, e->prefix_len) == 0;
	case MATCH_REGEX:
		return regexec(&e->re, number, 0, NULL, 0) == 0;
	case MATCH_LIST:
		for (size_t i = 0; i < e->nlist; i++)
			if (!strncmp(number, e->list[i].s, e->list[i].len))
				return true;
		return false;
	}
	return false;
}

/* Could a longer number match e? Only asked when e does not match this one. */
static bool entry_could_match(const struct route_table *t, const struct route_entry *e,
			      const char *number, size_t len)
{
	switch (e->kind) {
	case MATCH_ALL:
		return true;
	case MATCH_PREFIX:
		return len < e->prefix_len && strncmp(e->conf.match, number, len) == 0;
	case MATCH_REGEX: {
		size_t n = len < e->lit_len ? len : e->lit_len;

		return len < t->max_digits && strncmp(e->lit, number, n) == 0;
	}
	case MATCH_LIST:
		for (size_t i = 0; i < e->nlist; i++)
			if (len < e->list[i].len && !strncmp(e->list[i].s, number, len))
				return true;
		return false;
	}
	return false;
}

enum route_state route_lookup(const struct route_table *t, const struct conf_endpoint *src,
			      const char *number, bool complete, struct route_result *res)
{
	const struct route_entry *hit = NULL;
	bool could = false;
	size_t len, strip;
	unsigned i;

	if (!res)
		return ROUTE_NO_MATCH;
	memset(res, 0, sizeof(*res));
	res->state = ROUTE_NO_MATCH;
	if (!t || !src || !number)
		return res->state;
	len = strnlen(number, ROUTE_NUMBER_MAX + 1);
	if (len > ROUTE_NUMBER_MAX)
		return res->state;

	for (i = 0; i < t->n; i++) {
		const struct route_entry *e = &t->e[i];

		if (!from_ok(&e->conf.from, src))
			continue;
		if (entry_matches(e, number)) {
			hit = e;
			break;
		}
		if (!complete && entry_could_match(t, e, number, len))
			could = true;
	}

	if (!hit || could || (!complete && len == 0)) {
		res->state = hit || could ? ROUTE_NEED_MORE : ROUTE_NO_MATCH;
		return res->state;
	}

	strip = hit->conf.strip < len ? hit->conf.strip : len;
	snprintf(res->number, sizeof(res->number), "%s%s", hit->conf.prepend, number + strip);
	res->state = ROUTE_MATCH;
	res->route = &hit->conf;
	res->index = i;
	return res->state;
}

/* ---- ordered fallback ------------------------------------------------------------------ */

int route_causes_parse(const char *text, struct route_causes *out)
{
	const char *s = text;

	memset(out, 0, sizeof(*out));
	if (!text)
		return EINVAL;
	while (*s) {
		char *end;
		unsigned long v;

		s += strspn(s, " \t");
		if (!*s)
			break;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (end == s || errno || v < 1 || v > 127)
			goto bad;
		out->bits[v / 64] |= UINT64_C(1) << (v % 64);
		s = end + strspn(end, " \t");
		if (*s && *s++ != ',')
			goto bad;
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return EINVAL;
}

bool route_causes_has(const struct route_causes *s, int cause)
{
	return cause > 0 && cause < 128 && (s->bits[cause / 64] >> (cause % 64) & 1);
}

bool route_failover(const struct conf_destlist *dest, unsigned attempt, int cause,
		    const struct route_causes *fc)
{
	if (!dest || !fc || attempt + 1 >= dest->n || attempt + 1 >= CONF_ROUTE_MAX_TO)
		return false;
	/* The callee's own answers: another way to the same number gets the same one. */
	if (cause == 16 || cause == 17 || cause == 21)
		return false;
	return route_causes_has(fc, cause);
}
