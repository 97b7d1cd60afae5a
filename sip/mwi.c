/* RFC 3842 §5.2 message-summary bodies. */
#include "sip/mwi.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 512

/* "Name: value" with HCOLON = *(SP / HTAB) ":" SWS: the name and the value, trimmed. A name
 * is an RFC 3261 token. false when the line is not a header. */
static bool split_header(char *line, char **name, char **value)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			  "-.!%*_+`'~");
	char *p = line + n;

	if (!n)
		return false;
	p += strspn(p, " \t");
	if (*p != ':')
		return false;
	line[n] = '\0';
	p++;
	p += strspn(p, " \t");
	size_t v = strlen(p);
	while (v && (p[v - 1] == ' ' || p[v - 1] == '\t'))
		p[--v] = '\0';
	*name = line;
	*value = p;
	return true;
}

/* msgcount = 1*DIGIT; at most 9 digits (a mailbox of a billion is a broken sender). */
static bool count(const char **p, unsigned *out)
{
	size_t n = strspn(*p, "0123456789");

	if (!n || n > 9)
		return false;
	*out = (unsigned)strtoul(*p, NULL, 10);
	*p += n;
	return true;
}

static void skip_ws(const char **p)
{
	*p += strspn(*p, " \t");
}

/* count SLASH count, white space (SWS) around the slash and after. */
static bool pair(const char **v, unsigned *a, unsigned *b)
{
	if (!count(v, a))
		return false;
	skip_ws(v);
	if (*(*v)++ != '/')
		return false;
	skip_ws(v);
	if (!count(v, b))
		return false;
	skip_ws(v);
	return true;
}

/* newmsgs SLASH oldmsgs [ LPAREN new-urgentmsgs SLASH old-urgentmsgs RPAREN ] */
static bool counts(const char *v, struct mwi_count *c)
{
	if (!pair(&v, &c->new_msgs, &c->old_msgs))
		return false;
	if (*v == '(') {
		v++;
		skip_ws(&v);
		if (!pair(&v, &c->new_urgent, &c->old_urgent) || *v++ != ')')
			return false;
		c->urgent = true;
		skip_ws(&v);
	}
	return *v == '\0';
}

int mwi_summary_parse(const char *body, size_t len, struct mwi_summary *s, char *err,
		      size_t errlen)
{
	char line[LINE_MAX_LEN];
	unsigned lineno = 0;
	bool have_status = false, have_account = false;
	const char *p = body, *end = body + len;

	memset(s, 0, sizeof(*s));
	if (err && errlen)
		err[0] = '\0';
#define FAIL(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); return EINVAL; } while (0)
	if (!body)
		FAIL("no body");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			FAIL("line %u: longer than %d bytes", lineno, LINE_MAX_LEN - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n) || memchr(line, '\r', n))
			FAIL("line %u: a NUL or a bare CR", lineno);
		if (!n) {
			if (!have_status)
				FAIL("line %u: empty before Messages-Waiting", lineno);
			break;	/* opt-msg-headers follow: not ours */
		}
		char *name, *value;
		if (!split_header(line, &name, &value))
			FAIL("line %u: '%.60s' is not \"name: value\"", lineno, line);
		if (!have_status) {
			/* msg-status-line comes first (§5.2) */
			if (strcasecmp(name, "Messages-Waiting"))
				FAIL("line %u: '%s' where Messages-Waiting must be first", lineno,
				     name);
			if (!strcasecmp(value, "yes"))
				s->waiting = true;
			else if (strcasecmp(value, "no"))
				FAIL("line %u: Messages-Waiting '%.40s' is not yes or no", lineno,
				     value);
			have_status = true;
			continue;
		}
		if (!strcasecmp(name, "Messages-Waiting"))
			FAIL("line %u: a second Messages-Waiting", lineno);
		if (!strcasecmp(name, "Message-Account")) {
			/* only right after the status line, and once */
			if (have_account || s->nlines)
				FAIL("line %u: Message-Account out of place", lineno);
			if (!value[0] || !strchr(value, ':'))
				FAIL("line %u: Message-Account '%.60s' is not a URI", lineno, value);
			snprintf(s->account, sizeof(s->account), "%s", value);
			have_account = true;
			continue;
		}
		struct mwi_count c = { 0 };
		if (!counts(value, &c))
			FAIL("line %u: '%s: %.40s': not new/old [(new/old)] message counts", lineno,
			     name, value);
		if (s->nlines < MWI_LINES_MAX) {
			size_t k;
			for (k = 0; name[k] && k + 1 < sizeof(c.cls); k++)
				c.cls[k] = (char)tolower((unsigned char)name[k]);
			c.cls[k] = '\0';
			s->lines[s->nlines++] = c;
		}
	}
	if (!have_status)
		FAIL("no Messages-Waiting line");
#undef FAIL
	return 0;
}
