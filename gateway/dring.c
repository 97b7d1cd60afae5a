/* Distinctive ringing from Alert-Info: see dring.h. */
#include "gateway/dring.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* GR-506-CORE §3.8 distinctive ringing patterns, as SIP phones name them. */
static const struct { const char *name; const char *cadence; } bellcore[] = {
	{ "bellcore-dr1", "2000/4000" },
	{ "bellcore-dr2", "800/400/800/4000" },
	{ "bellcore-dr3", "400/200/400/200/800/4000" },
	{ "bellcore-dr4", "300/200/1000/200/300/4000" },
	{ "bellcore-dr5", "500/5500" },
};

static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

/* A token: letters, digits, '-', '_', '.' */
static size_t token(const char *s, char *out, size_t len)
{
	size_t k = 0;

	while (s[k] && (isalnum((unsigned char)s[k]) || strchr("-_.", s[k])))
		k++;
	if (len)
		snprintf(out, len, "%.*s", (int)k, s);
	for (size_t i = 0; out && i < len && out[i]; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return k;
}

void dring_name(const char *alert_info, char *name, size_t len)
{
	const char *p;

	if (!len)
		return;
	name[0] = '\0';
	if (!alert_info)
		return;
	if ((p = find_ci(alert_info, "bellcore-dr")) && isdigit((unsigned char)p[11])) {
		snprintf(name, len, "bellcore-dr%c", p[11]);
		return;
	}
	if ((p = find_ci(alert_info, "ring=")) && isdigit((unsigned char)p[5]) &&
	    (p == alert_info || !isalnum((unsigned char)p[-1]))) {
		snprintf(name, len, "bellcore-dr%c", p[5]);
		return;
	}
	if ((p = find_ci(alert_info, "info=")) && (p == alert_info || p[-1] == ';' ||
						   isspace((unsigned char)p[-1]))) {
		token(p + 5 + (p[5] == '"'), name, len);
		return;
	}
	/* <http://host/path/NAME.wav>: the last segment, without an extension */
	const char *lt = strchr(alert_info, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		const char *seg = lt + 1;
		for (const char *q = lt + 1; q < gt; q++)
			if (*q == '/' || *q == ':')
				seg = q + 1;
		size_t k = token(seg, name, len);
		if (k > (size_t)(gt - seg))
			name[0] = '\0';
		char *dot = strrchr(name, '.');
		if (dot)
			*dot = '\0';
	}
}

/* "ON/OFF[/ON/OFF...]" [ms] into ms; returns the count, -EINVAL when malformed. */
static int parse_cadence(const char *s, size_t n, unsigned ms[DRING_MAX_MS])
{
	unsigned k = 0;
	size_t i = 0;

	while (i < n) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)s[i]) || k == DRING_MAX_MS)
			return -EINVAL;
		v = strtoul(s + i, &end, 10);
		if (v < 50 || v > 10000)
			return -EINVAL;
		ms[k++] = (unsigned)v;
		i = (size_t)(end - s);
		if (i < n && s[i] != '/')
			return -EINVAL;
		if (i < n)
			i++;
		if (i == n && s[n - 1] == '/')
			return -EINVAL;
	}
	return k && k % 2 == 0 ? (int)k : -EINVAL;
}

/* Walk "NAME:CADENCE, ..." calling back each entry; stops at a match (want) or an error. */
static int walk(const char *table, const char *want, unsigned ms[DRING_MAX_MS], char *err,
		size_t errlen)
{
	const char *s = table;

	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		const char *colon = strchr(s, ':'), *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		char name[DRING_NAME_MAX];
		unsigned tmp[DRING_MAX_MS];

		if (!colon || colon > end) {
			snprintf(err, errlen, "'%.*s': NAME:ON/OFF[/ON/OFF...] expected", (int)(end - s), s);
			return -EINVAL;
		}
		size_t nl = token(s, name, sizeof(name));
		if (!nl || nl != (size_t)(colon - s) || nl >= sizeof(name)) {
			snprintf(err, errlen, "'%.*s': a name of letters, digits, '-' expected",
				 (int)(colon - s), s);
			return -EINVAL;
		}
		const char *c = colon + 1;
		size_t cn = (size_t)(end - c);
		while (cn && c[cn - 1] == ' ')
			cn--;
		int n = parse_cadence(c, cn, tmp);
		if (n < 0) {
			snprintf(err, errlen, "%s: '%.*s' is not ON/OFF[/ON/OFF...] in ms (50..10000, "
				 "up to %d values)", name, (int)cn, c, DRING_MAX_MS);
			return -EINVAL;
		}
		if (want && !strcmp(name, want)) {
			memcpy(ms, tmp, (size_t)n * sizeof(*ms));
			return n;
		}
		s = end;
	}
	return 0;
}

int dring_cadence(const char *table, const char *name, unsigned ms[DRING_MAX_MS])
{
	char err[8];
	int n;

	if (!name || !name[0])
		return 0;
	n = walk(table ? table : "", name, ms, err, sizeof(err));
	if (n)
		return n;
	for (size_t i = 0; i < sizeof(bellcore) / sizeof(bellcore[0]); i++)
		if (!strcmp(name, bellcore[i].name))
			return parse_cadence(bellcore[i].cadence, strlen(bellcore[i].cadence), ms);
	return 0;
}

int dring_table_check(const char *table, char *err, size_t errlen)
{
	unsigned ms[DRING_MAX_MS];

	return walk(table, NULL, ms, err, errlen) < 0 ? EINVAL : 0;
}
