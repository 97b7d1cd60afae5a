/* FXS dial plan: Asterisk-style digit patterns, matched as a small NFA after every digit. */
#include "gateway/dialplan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keypad: 0-9, '*' (bit 10), '#' (bit 11). A DTMF A-D never matches. */
enum { KEYS = 12, ANY = (1u << KEYS) - 1, PATTERN_MAX = 64 };

enum elem_kind {
	ELEM_KEY,	/* one key out of .set */
	ELEM_STAR,	/* zero or more keys ('!'; '.' is ELEM_KEY any + ELEM_STAR) */
};

struct elem {
	enum elem_kind kind;
	uint16_t set;	/* ELEM_KEY: bit per key */
};

struct pattern {
	unsigned n;
	struct elem e[PATTERN_MAX];
};

struct dialplan {
	unsigned n;
	struct pattern p[];
};

static int key_bit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c == '*')
		return 10;
	if (c == '#')
		return 11;
	return -1;
}

static void set_err(char *err, size_t errlen, unsigned idx, const char *pat, size_t plen,
		    const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	int n = snprintf(err, errlen, "dial plan pattern %u \"%.*s\": ", idx + 1, (int)plen, pat);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static int push(struct pattern *p, enum elem_kind kind, uint16_t set)
{
	if (p->n >= PATTERN_MAX)
		return -1;
	p->e[p->n].kind = kind;
	p->e[p->n].set = set;
	p->n++;
	return 0;
}

/* "[1-5]", "[137]", "[1-35-9*]": s points after '['; returns the chars consumed incl. ']',
 * or -1 with *why and *at (1-based offset of the bad char after '[', 0 for the whole set). */
static int parse_set(const char *s, size_t len, uint16_t *set, const char **why, size_t *at)
{
	size_t i = 0;

	*set = 0;
	while (i < len && s[i] != ']') {
		int a = key_bit(s[i]);
		if (a < 0) {
			*why = "not a key in a [set]";
			*at = i + 1;
			return -1;
		}
		if (i + 2 < len && s[i + 1] == '-' && s[i + 2] != ']') {
			int b = key_bit(s[i + 2]);
			if (b < 0 || a > 9 || b > 9 || b < a) {
				*why = "bad range in a [set] (digits, low-high)";
				*at = i + 1;
				return -1;
			}
			for (int k = a; k <= b; k++)
				*set |= (uint16_t)(1u << k);
			i += 3;
		} else {
			*set |= (uint16_t)(1u << a);
			i++;
		}
	}
	if (i >= len) {
		*why = "'[' not closed";
		*at = 0;
		return -1;
	}
	if (!*set) {
		*why = "empty []";
		*at = 0;
		return -1;
	}
	return (int)i + 1;
}

static int parse_one(const char *s, size_t len, struct pattern *p, unsigned idx, char *err,
		     size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (!len) {
		set_err(err, errlen, idx, s, len, "empty pattern");
		return -EINVAL;
	}
	for (size_t i = 0; i < len;) {
		char c = s[i];
		int k = key_bit(c);
		int rc = 0;

		if (k >= 0) {
			rc = push(p, ELEM_KEY, (uint16_t)(1u << k));
			i++;
		} else if (c == 'X' || c == 'x') {
			rc = push(p, ELEM_KEY, 0x3ff);
			i++;
		} else if (c == 'Z' || c == 'z') {
			rc = push(p, ELEM_KEY, 0x3fe);
			i++;
		} else if (c == 'N' || c == 'n') {
			rc = push(p, ELEM_KEY, 0x3fc);
			i++;
		} else if (c == '.') {
			rc = push(p, ELEM_KEY, ANY);
			if (!rc)
				rc = push(p, ELEM_STAR, ANY);
			i++;
		} else if (c == '!') {
			rc = push(p, ELEM_STAR, ANY);
			i++;
		} else if (c == '[') {
			uint16_t set;
			const char *why = "";
			size_t at = 0;
			int used = parse_set(s + i + 1, len - i - 1, &set, &why, &at);
			if (used < 0) {
				set_err(err, errlen, idx, s, len, "%s at position %zu", why,
					i + 1 + at);
				return -EINVAL;
			}
			rc = push(p, ELEM_KEY, set);
			i += 1 + (size_t)used;
		} else {
			set_err(err, errlen, idx, s, len,
				"'%c' at position %zu is not 0-9 * # X Z N [set] . !", c, i + 1);
			return -EINVAL;
		}
		if (rc) {
			set_err(err, errlen, idx, s, len, "longer than %d symbols", PATTERN_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

int dialplan_parse(const char *text, struct dialplan **out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!text || !out)
		return -EINVAL;

	unsigned n = 1;
	for (const char *c = text; *c; c++)
		n += *c == '|';
	struct dialplan *dp = calloc(1, sizeof(*dp) + n * sizeof(dp->p[0]));
	if (!dp)
		return -ENOMEM;

	const char *s = text;
	for (unsigned i = 0; i < n; i++) {
		const char *end = strchr(s, '|');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		/* spaces around '|' are for the reader */
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		int rc = parse_one(s, len, &dp->p[i], i, err, errlen);
		if (rc) {
			free(dp);
			return rc;
		}
		s = end ? end + 1 : s + len;
	}
	dp->n = n;
	*out = dp;
	return 0;
}

void dialplan_free(struct dialplan *dp)
{
	free(dp);
}

/* States are element indexes 0..n (n = accepted); a '!' can be skipped. */
static void closure(const struct pattern *p, bool *st)
{
	for (unsigned i = 0; i < p->n; i++)
		if (st[i] && p->e[i].kind == ELEM_STAR)
			st[i + 1] = true;
}

/* After the digits: *alive (some continuation matches), *full (the digits match), *longer (a
 * longer string could match). */
static void run(const struct pattern *p, const char *digits, bool *alive, bool *full,
		bool *longer)
{
	bool st[PATTERN_MAX + 1] = { [0] = true }, nx[PATTERN_MAX + 1];

	*alive = *full = *longer = false;
	closure(p, st);
	for (const char *d = digits; *d; d++) {
		int k = key_bit(*d);
		bool any = false;

		if (k < 0)
			return;
		memset(nx, 0, sizeof(nx));
		for (unsigned i = 0; i < p->n; i++) {
			if (!st[i] || !(p->e[i].set & (1u << k)))
				continue;
			if (p->e[i].kind == ELEM_KEY)
				nx[i + 1] = true;
			else
				nx[i] = true;
			any = true;
		}
		if (!any)
			return;
		memcpy(st, nx, sizeof(st));
		closure(p, st);
	}
	*alive = true;
	*full = st[p->n];
	/* every element can be satisfied, so any live state before the end leads to a match */
	for (unsigned i = 0; i < p->n; i++)
		*longer |= st[i];
}

enum dialplan_match dialplan_match(const struct dialplan *dp, const char *digits)
{
	bool alive = false, full = false, longer = false;

	if (!dp || !digits)
		return DIALPLAN_NOMATCH;
	for (unsigned i = 0; i < dp->n; i++) {
		bool a, f, l;

		run(&dp->p[i], digits, &a, &f, &l);
		alive |= a;
		full |= f;
		longer |= l;
	}
	if (full)
		return longer ? DIALPLAN_AMBIGUOUS : DIALPLAN_COMPLETE;
	return alive && longer ? DIALPLAN_MORE : DIALPLAN_NOMATCH;
}
