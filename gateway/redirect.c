/* The redirecting party between Q.931 and SIP (see redirect.h). */
#include "gateway/redirect.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One row per Q.931 reason: its RFC 5806 token and RFC 4458 cause. */
static const struct {
	enum q931_redir_reason reason;
	const char *token;
	unsigned cause;
} reasons[] = {
	{ Q931_REDIR_BUSY, "user-busy", 486 },
	{ Q931_REDIR_NO_REPLY, "no-answer", 408 },
	{ Q931_REDIR_UNCONDITIONAL, "unconditional", 302 },
	{ Q931_REDIR_DEFLECTION, "deflection", 487 },
	{ Q931_REDIR_OUT_OF_ORDER, "out-of-service", 503 },
	{ Q931_REDIR_BY_DTE, "unavailable", 480 },
	{ Q931_REDIR_UNKNOWN, "unknown", 404 },
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

const char *redirect_reason_token(enum q931_redir_reason r)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].reason == r)
			return reasons[i].token;
	return "unknown";
}

enum q931_redir_reason redirect_reason_from_token(const char *token, size_t len)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (strlen(reasons[i].token) == len && !strncasecmp(token, reasons[i].token, len))
			return reasons[i].reason;
	/* RFC 5806 §4 tokens without a Q.931 reason of their own */
	return Q931_REDIR_UNKNOWN;
}

unsigned redirect_reason_cause(enum q931_redir_reason r)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].reason == r)
			return reasons[i].cause;
	return 404;
}

enum q931_redir_reason redirect_reason_from_cause(unsigned cause)
{
	for (size_t i = 0; i < NREASONS; i++)
		if (reasons[i].cause == cause)
			return reasons[i].reason;
	return Q931_REDIR_UNKNOWN;
}

static int put(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= len)
		return ENOSPC;
	va_start(ap, fmt);
	w = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= len - *n) {
		buf[0] = '\0';
		return ENOSPC;
	}
	*n += (size_t)w;
	return 0;
}

int redirect_diversion_build(const struct pri_redirecting *ri, const char *user,
			     const char *host, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return ENOSPC;
	buf[0] = '\0';
	return put(buf, len, &n, "<sip:%s@%s>;reason=%s;counter=%u%s", user, host,
		   redirect_reason_token(ri->reason), ri->counter ? ri->counter : 1,
		   ri->pres == Q931_PRES_RESTRICTED ? ";privacy=full" : "");
}

int redirect_history_build(const struct pri_redirecting *ri, const char *user,
			   const char *target, const char *host, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return ENOSPC;
	buf[0] = '\0';
	return put(buf, len, &n, "<sip:%s@%s%s>;index=1,<sip:%s@%s;cause=%u>;index=1.1", user,
		   host, ri->pres == Q931_PRES_RESTRICTED ? "?Privacy=history" : "", target, host,
		   redirect_reason_cause(ri->reason));
}

/* The user part of the first sip:/sips:/tel: URI in [s, end): 0 or EINVAL. */
static int uri_user(const char *s, const char *end, char *user, size_t ulen, const char **after)
{
	const char *lt = memchr(s, '<', (size_t)(end - s));
	const char *u = lt ? lt + 1 : s + strspn(s, " \t");
	size_t skip;

	if (!strncasecmp(u, "sips:", 5))
		skip = 5;
	else if (!strncasecmp(u, "sip:", 4) || !strncasecmp(u, "tel:", 4))
		skip = 4;
	else
		return EINVAL;
	u += skip;
	size_t n = strcspn(u, "@;>?, \t");
	if (!n || n >= ulen || u + n > end)
		return EINVAL;
	memcpy(user, u, n);
	user[n] = '\0';
	const char *gt = lt ? memchr(u, '>', (size_t)(end - u)) : NULL;
	if (lt && !gt)
		return EINVAL;
	*after = gt ? gt + 1 : u + n;
	return 0;
}

/* The value of parameter name in ;a=b;c=d up to end, or NULL; *vlen its length. */
static const char *param(const char *s, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	for (const char *p = s; p && p < end; p = memchr(p + 1, ';', (size_t)(end - p - 1))) {
		const char *q = p + (*p == ';');
		q += strspn(q, " \t");
		if ((size_t)(end - q) > nl && !strncasecmp(q, name, nl) && q[nl] == '=') {
			const char *v = q + nl + 1;
			size_t l = strcspn(v, ";,> \t");
			if (v + l > end)
				l = (size_t)(end - v);
			if (l >= 2 && v[0] == '"' && v[l - 1] == '"')
				v++, l -= 2;
			*vlen = l;
			return v;
		}
		if (p + 1 >= end)
			break;
	}
	return NULL;
}

int redirect_diversion_parse(const char *value, char *user, size_t ulen,
			     struct pri_redirecting *ri)
{
	const char *after, *end, *v;
	size_t vl;

	memset(ri, 0, sizeof(*ri));
	if (!value || uri_user(value, value + strlen(value), user, ulen, &after))
		return EINVAL;
	/* the first entry ends at a comma outside the URI */
	end = after + strcspn(after, ",");
	ri->counter = 1;
	if ((v = param(after, end, "reason", &vl)))
		ri->reason = redirect_reason_from_token(v, vl);
	if ((v = param(after, end, "counter", &vl))) {
		unsigned long cnt = strtoul(v, NULL, 10);
		ri->counter = cnt >= 1 && cnt <= 255 ? (unsigned)cnt : 1;
	}
	if ((v = param(after, end, "privacy", &vl)) && !(vl == 3 && !strncasecmp(v, "off", 3)))
		ri->pres = Q931_PRES_RESTRICTED;
	return 0;
}

int redirect_history_parse(const char *value, char *user, size_t ulen,
			   struct pri_redirecting *ri)
{
	char prev[128] = "", cur[128];
	const char *s = value, *after;
	bool prev_private = false, found = false;

	memset(ri, 0, sizeof(*ri));
	if (!value)
		return EINVAL;
	while (*s) {
		const char *lt = strchr(s, '<'), *gt;
		if (!lt)
			break;
		gt = strchr(lt, '>');
		if (!gt)
			return EINVAL;
		if (uri_user(lt, gt + 1, cur, sizeof(cur), &after))
			return EINVAL;
		size_t vl;
		const char *cause = param(lt, gt, "cause", &vl);
		if (cause && prev[0]) {
			if (!found) {
				if (strlen(prev) >= ulen)
					return EINVAL;
				memcpy(user, prev, strlen(prev) + 1);
				ri->reason = redirect_reason_from_cause((unsigned)strtoul(cause, NULL,
												10));
				ri->pres = prev_private ? Q931_PRES_RESTRICTED : Q931_PRES_ALLOWED;
				found = true;
			}
			ri->counter++;
		}
		snprintf(prev, sizeof(prev), "%s", cur);
		/* RFC 7044 §10.1: ?Privacy=history in the entry's URI */
		prev_private = memmem(lt, (size_t)(gt - lt), "Privacy=history", 15) != NULL;
		s = gt + 1;
		s += strcspn(s, ",");
		s += *s == ',';
	}
	return found ? 0 : ENOENT;
}
