/* Configuration loading (libinih), validation against conf_opts[], printing and reload checks.
 *
 * Loading runs in two passes. While inih reads the file, our line reader counts lines, notes
 * each [section] header and every line inih would reject, and the key handler files each raw
 * value under its table row (unknown and duplicate keys are found here). Then every section
 * is built by walking the table in order: the user's text or the default text goes through
 * the same parser. Cross references (routes to spans and trunks) are checked last. Every
 * error is collected; they are reported sorted by line. */
#include "conf/conf.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "conf/options.h"

/* Longest line we accept, without its line break. inih's own limit (ini_max_line, 200 by
 * default) would cut longer lines silently and read the rest as further lines; we raise it
 * to fit and turn anything longer into an error in our reader. */
#define CONF_LINE_MAX 1000

struct raw_value {
	char *text;			/* as inih passed it: trimmed, inline comment removed */
	unsigned line;
};

struct sect {
	enum conf_sect_kind kind;
	char *title;			/* "span 2"; as written when the name is bad */
	unsigned line;
	unsigned number;		/* CS_SPAN */
	char name[CONF_NAME_MAX];	/* CS_GROUP, CS_TRUNK, CS_ROUTE; CS_PORT: the list */
	uint32_t chans;			/* CS_PORT: the positions */
	bool skip;			/* bad name or duplicate: keys checked, never built */
	bool failed;			/* an error while building */
	void *obj;			/* the built struct inside struct conf */
	struct raw_value vals[];	/* indexed like conf_opts[] */
};

struct err {
	unsigned line;
	char *msg;
};

struct loader {
	const char *name;		/* file name for messages */
	unsigned lineno;		/* line the reader handed to inih last */

	/* line source: a FILE or a string */
	FILE *file;
	const char *str;
	char *buf;			/* getline() buffer */
	size_t bufcap;
	int read_errno;

	struct sect **sects;
	unsigned nsects;
	struct sect *cur;		/* NULL: before any section, or after a bad header */
	bool cur_ignored;		/* keys after a bad header are dropped silently */

	struct err *errs;
	unsigned nerrs;
	bool nomem;
};

static void add_error(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct loader *ld, unsigned line, const char *fmt, ...)
{
	char text[512], *msg;
	struct err *grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line)
		n = asprintf(&msg, "%s:%u: %s", ld->name, line, text);
	else
		n = asprintf(&msg, "%s: %s", ld->name, text);
	grown = n < 0 ? NULL : realloc(ld->errs, (ld->nerrs + 1) * sizeof(*ld->errs));
	if (!grown) {
		if (n >= 0)
			free(msg);
		ld->nomem = true;
		return;
	}
	ld->errs = grown;
	ld->errs[ld->nerrs++] = (struct err){ .line = line, .msg = msg };
}

static bool has_error_at(const struct loader *ld, unsigned line)
{
	for (unsigned i = 0; i < ld->nerrs; i++)
		if (ld->errs[i].line == line)
			return true;
	return false;
}

/* ---- sections ------------------------------------------------------------------------ */

static struct sect *sect_new(struct loader *ld, enum conf_sect_kind kind, const char *title,
			     unsigned line)
{
	struct sect *s = calloc(1, sizeof(*s) + conf_nopts * sizeof(s->vals[0]));
	struct sect **grown = realloc(ld->sects, (ld->nsects + 1) * sizeof(*ld->sects));

	if (grown)
		ld->sects = grown;
	if (!s || !grown || !(s->title = strdup(title))) {
		free(s);
		ld->nomem = true;
		return NULL;
	}
	s->kind = kind;
	s->line = line;
	ld->sects[ld->nsects++] = s;
	return s;
}

static void sect_free(struct sect *s)
{
	for (unsigned i = 0; i < conf_nopts; i++)
		free(s->vals[i].text);
	free(s->title);
	free(s);
}

static struct sect *sect_find(const struct loader *ld, enum conf_sect_kind kind,
			      unsigned number, const char *name)
{
	for (unsigned i = 0; i < ld->nsects; i++) {
		struct sect *s = ld->sects[i];
		if (s->kind != kind || s->skip)
			continue;
		if (kind == CS_GENERAL || (kind == CS_SPAN && s->number == number) ||
		    (kind != CS_SPAN && name && !strcmp(s->name, name)))
			return s;
	}
	return NULL;
}

/* A "[kind name]" header on line. Bad headers leave ld->cur NULL and ignored. */
static void section_start(struct loader *ld, const char *title, unsigned line)
{
	size_t kindlen = strcspn(title, " \t");
	const char *name = title + kindlen + strspn(title + kindlen, " \t");
	char canon[CONF_NAME_MAX + 16];
	enum conf_sect_kind kind;
	struct sect *s, *first;
	unsigned number = 0;
	uint32_t chans = 0;
	bool bad = false;

	ld->cur = NULL;
	ld->cur_ignored = true;
	for (kind = 0; kind < CS_COUNT; kind++)
		if (strlen(conf_sect_kind_name(kind)) == kindlen &&
		    !strncmp(title, conf_sect_kind_name(kind), kindlen))
			break;
	switch (kind) {
	case CS_GENERAL:
		if ((bad = *name))
			add_error(ld, line, "bad section name [%s]: [general] takes no name", title);
		snprintf(canon, sizeof(canon), "general");
		break;
	case CS_SPAN:
		if ((bad = conf_span_number_parse(name, &number)))
			add_error(ld, line, "bad section name [%s]: the span number must be an "
				  "integer 1..%d", title, CONF_SPAN_MAX);
		snprintf(canon, sizeof(canon), "span %u", number);
		break;
	case CS_PORT: {
		/* "5:1-8": span N, then positions of it */
		char num[16];
		size_t n = strcspn(name, ":");
		snprintf(num, sizeof(num), "%.*s", (int)(n < sizeof(num) ? n : sizeof(num) - 1), name);
		if ((bad = !name[n] || conf_span_number_parse(num, &number) ||
			   strlen(name + n + 1) >= CONF_NAME_MAX ||
			   conf_poslist_parse(name + n + 1, &chans)))
			add_error(ld, line, "bad section name [%s]: expected [port N:LIST], span N "
				  "and its positions (\"5:1-8\", \"5:3\")", title);
		else
			snprintf(canon, sizeof(canon), "port %s", name);
		break;
	}
	case CS_GROUP:
	case CS_TRUNK:
	case CS_ROUTE:
		if ((bad = !conf_name_valid(name)))
			add_error(ld, line, "bad section name [%s]: a %s name is 1 to %d "
				  "characters of A-Z a-z 0-9 _ -", title,
				  conf_sect_kind_name(kind), CONF_NAME_MAX - 1);
		else
			snprintf(canon, sizeof(canon), "%s %s", conf_sect_kind_name(kind), name);
		break;
	default:
		add_error(ld, line, "unknown section kind '%.*s' in [%s] (expected general, "
			  "span N, group NAME, trunk NAME, route NAME or port N:LIST)", (int)kindlen, title,
			  title);
		return;
	}
	/* Keys of a section with a bad name are still checked; it is never built. */
	s = sect_new(ld, kind, bad ? title : canon, line);
	if (!s)
		return;
	ld->cur = s;
	ld->cur_ignored = false;
	s->skip = bad;
	if (bad)
		return;
	s->number = number;
	s->chans = chans;
	if (kind == CS_PORT)
		snprintf(s->name, sizeof(s->name), "%s", name + strcspn(name, ":") + 1);
	else if (kind != CS_GENERAL && kind != CS_SPAN)
		snprintf(s->name, sizeof(s->name), "%s", name);
	first = kind == CS_PORT ? s : sect_find(ld, kind, s->number, s->name);
	if (first != s) {
		add_error(ld, line, "duplicate section [%s] (first on line %u)", s->title,
			  first->line);
		s->skip = true;
	}
}

/* ---- the line reader: inih's view of each line, mirrored to find every error ---------- */

/* inih's rule: an inline comment is ';' preceded by whitespace. Return the first of chars
 * or the start of an inline comment, or the end of s. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static void classify_line(struct loader *ld, char *text, unsigned line)
{
	char *end;

	if (line == 1 && !strncmp(text, "\xEF\xBB\xBF", 3))
		text += 3;
	while (isspace((unsigned char)*text))
		text++;
	end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*text || *text == ';' || *text == '#')
		return;
	if (*text == '[') {
		char *close = find_chars_or_comment(text + 1, "]"), *rest, *title;
		if (*close != ']') {
			add_error(ld, line, "syntax error: '[' without ']'");
			ld->cur = NULL;
			ld->cur_ignored = true;
			return;
		}
		*close = '\0';
		rest = close + 1 + strspn(close + 1, " \t");
		if (*rest && *rest != ';' && *rest != '#') {
			add_error(ld, line, "syntax error: text after ']'");
			ld->cur = NULL;
			ld->cur_ignored = true;
			return;
		}
		title = text + 1;
		while (isspace((unsigned char)*title))
			title++;
		end = title + strlen(title);
		while (end > title && isspace((unsigned char)end[-1]))
			*--end = '\0';
		section_start(ld, title, line);
		return;
	}
	end = find_chars_or_comment(text, "=:");
	if (*end != '=' && *end != ':')
		add_error(ld, line, "syntax error: expected [section] or key = value");
}

/* Next line from the source into ld->buf; its length, or -1 at the end or on error. */
static ssize_t next_line(struct loader *ld)
{
	if (ld->file) {
		ssize_t n;
		errno = 0;
		n = getline(&ld->buf, &ld->bufcap, ld->file);
		if (n < 0 && ferror(ld->file))
			ld->read_errno = errno ? errno : EIO;
		return n;
	}
	if (!*ld->str)
		return -1;
	size_t n = strcspn(ld->str, "\n");
	if (ld->str[n] == '\n')
		n++;
	if (n + 1 > ld->bufcap) {
		char *grown = realloc(ld->buf, n + 1);
		if (!grown) {
			ld->nomem = true;
			return -1;
		}
		ld->buf = grown;
		ld->bufcap = n + 1;
	}
	memcpy(ld->buf, ld->str, n);
	ld->buf[n] = '\0';
	ld->str += n;
	return (ssize_t)n;
}

/* inih's fgets-like reader (ini_reader). Hands inih exactly one line per call, so inih's
 * line numbers and ours agree; a line that is too long is reported here and replaced by an
 * empty one. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	ssize_t n = next_line(ld);
	size_t len;

	if (n < 0)
		return NULL;
	ld->lineno++;
	len = (size_t)n;
	if (len && ld->buf[len - 1] == '\n')
		len--;
	if (len && ld->buf[len - 1] == '\r')
		len--;
	ld->buf[len] = '\0';
	if (strlen(ld->buf) != len) {
		add_error(ld, ld->lineno, "syntax error: NUL byte in the line");
		ld->buf[0] = '\0';
	} else if (len > CONF_LINE_MAX || len + 2 > (size_t)num) {
		add_error(ld, ld->lineno, "line too long (%zu characters; at most %d)", len,
			  CONF_LINE_MAX);
		ld->buf[0] = '\0';
	}
	snprintf(str, (size_t)num, "%s\n", ld->buf);
	classify_line(ld, ld->buf, ld->lineno);
	return str;
}

/* Edit distance (Levenshtein), for "did you mean". Long inputs are not compared. */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[64], la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return ~0u;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* inih's key handler (ini_handler). Always returns nonzero: our own errors are collected
 * here, inih's return value only tells of lines it could not parse. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct loader *ld = user;
	struct sect *s = ld->cur;
	const struct conf_opt *o;
	unsigned line = ld->lineno, idx;

	(void)section;	/* ours is in ld->cur: inih truncates long section names */
	if (!*key) {
		add_error(ld, line, "syntax error: no key before '='");
		return 1;
	}
	if (!s) {
		if (!ld->cur_ignored)
			add_error(ld, line, "key '%s' outside any section (put it under "
				  "[general])", key);
		return 1;
	}
	o = conf_opt_find(s->kind, key);
	if (!o) {
		const char *best = NULL;
		unsigned best_d = 3;
		for (unsigned i = 0; i < conf_nopts; i++) {
			unsigned d;
			if (conf_opts[i].sect != s->kind)
				continue;
			d = edit_distance(key, conf_opts[i].name);
			if (d < best_d) {
				best_d = d;
				best = conf_opts[i].name;
			}
		}
		if (best)
			add_error(ld, line, "unknown key '%s' in [%s] (did you mean '%s'?)", key,
				  s->title, best);
		else
			add_error(ld, line, "unknown key '%s' in [%s]", key, s->title);
		return 1;
	}
	idx = (unsigned)(o - conf_opts);
	if (s->vals[idx].text) {
		add_error(ld, line, "duplicate key '%s' (first set on line %u)", key,
			  s->vals[idx].line);
		return 1;
	}
	s->vals[idx].text = strdup(value);
	s->vals[idx].line = line;
	if (!s->vals[idx].text)
		ld->nomem = true;
	return 1;
}

/* Run inih over the source with our reader; inih's settings are restored afterwards.
 * (Debian's libinih exposes them as variables; this is not thread-safe, and loading happens
 * on the signalling thread only.) */
static void parse(struct loader *ld)
{
	int saved_max = ini_max_line;
	bool saved_multi = ini_allow_multiline;
	int rc;

	ini_max_line = CONF_LINE_MAX + 3;	/* line, "\r\n", NUL */
	ini_allow_multiline = false;		/* an indented line is a key, not a continuation */
	rc = ini_parse_stream(reader, ld, on_key, ld);
	ini_max_line = saved_max;
	ini_allow_multiline = saved_multi;
	if (rc > 0 && !has_error_at(ld, (unsigned)rc))
		add_error(ld, (unsigned)rc, "syntax error");
	else if (rc < 0 && !ld->read_errno)
		ld->nomem = true;
}

/* ---- building the configuration ------------------------------------------------------ */

static unsigned key_line(const struct sect *s, const char *key);

static void check_span(struct loader *ld, struct sect *s, struct conf_span *span)
{
	unsigned idx_d = (unsigned)(conf_opt_find(CS_SPAN, "dchannel") - conf_opts);
	unsigned idx_c = (unsigned)(conf_opt_find(CS_SPAN, "channels") - conf_opts);
	unsigned taps = span->echocancel_taps;

	/* DAHDI takes any other length silently as its default (dahdi-base ioctl_echocancel) */
	if (taps & (taps - 1)) {
		add_error(ld, key_line(s, "echocancel_taps"),
			  "echocancel_taps: %u is not a power of two (32, 64, 128, 256, 512, 1024)",
			  taps);
		s->failed = true;
	}
	if (span->sig != SIG_PRI_CPE && span->sig != SIG_PRI_NET)
		return;
	if (span->bchans & (UINT32_C(1) << span->dchannel)) {
		unsigned line = s->vals[idx_d].text ? s->vals[idx_d].line
			      : s->vals[idx_c].text ? s->vals[idx_c].line : s->line;
		char chans[128];
		conf_opt_format(&conf_opts[idx_c], span, chans, sizeof(chans));
		add_error(ld, line, "dchannel: %u is inside the bearer channels (%s)",
			  span->dchannel, chans);
		s->failed = true;
	}
}

/* The line of key in section s: where it is set, else the section header. */
static unsigned key_line(const struct sect *s, const char *key)
{
	unsigned idx = (unsigned)(conf_opt_find(s->kind, key) - conf_opts);

	return s->vals[idx].text ? s->vals[idx].line : s->line;
}

static void check_trunk(struct loader *ld, struct sect *s, struct conf_trunk *trunk)
{
	if (trunk->registration && !trunk->username[0]) {
		add_error(ld, key_line(s, "register"), "register = yes needs a username");
		s->failed = true;
	}
	if (trunk->inbound_auth && (!trunk->username[0] || !trunk->password[0])) {
		add_error(ld, key_line(s, "inbound_auth"), "inbound_auth = yes needs a %s",
			  trunk->username[0] ? "password"
			  : trunk->password[0] ? "username" : "username and a password");
		s->failed = true;
	}
}

/* An authenticated INVITE names its trunk by the digest username: one trunk per name. */
static void check_inbound_auth_users(struct loader *ld)
{
	for (unsigned i = 0; i < ld->nsects; i++) {
		struct sect *s = ld->sects[i];
		const struct conf_trunk *t = s->obj;
		if (s->kind != CS_TRUNK || s->skip || s->failed || !t->inbound_auth)
			continue;
		for (unsigned j = 0; j < i; j++) {
			struct sect *f = ld->sects[j];
			const struct conf_trunk *u = f->obj;
			if (f->kind != CS_TRUNK || f->skip || f->failed || !u->inbound_auth ||
			    strcmp(t->username, u->username))
				continue;
			add_error(ld, key_line(s, "inbound_auth"), "inbound_auth: username '%s' "
				  "authenticates trunk '%s' already (line %u)", t->username,
				  u->name, key_line(f, "inbound_auth"));
			s->failed = true;
			break;
		}
	}
}

static void check_general(struct loader *ld, struct sect *s, struct conf_general *g)
{
	const struct conf_opt *o = conf_opt_find(CS_GENERAL, "rtp_port_max");
	unsigned idx = (unsigned)(o - conf_opts);

	/* At least one RTP/RTCP pair: an even port and the odd one above it. */
	if (g->rtp_port_max < g->rtp_port_min + 1) {
		add_error(ld, s->vals[idx].line ? s->vals[idx].line : s->line,
			  "rtp_port_max: %u leaves no RTP port pair above rtp_port_min %u",
			  g->rtp_port_max, g->rtp_port_min);
		s->failed = true;
	}
}

/* Walk the table for one section: the user's text, else the default, through one parser. */
static void build_sect(struct loader *ld, struct sect *s, void *obj)
{
	char err[256];

	s->obj = obj;
	for (unsigned i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		const char *text = s->vals[i].text;
		unsigned line = text ? s->vals[i].line : s->line;

		if (o->sect != s->kind)
			continue;
		if ((o->flags & OPT_DEPENDS) && s->failed)
			continue;	/* type or signalling is wrong: no basis to judge */
		if (!conf_opt_applies(o, obj)) {
			if (text) {
				char sig[16];
				conf_opt_format(conf_opt_find(CS_SPAN, "signalling"), obj, sig,
						sizeof(sig));
				add_error(ld, line, "%s: not valid on an %s span (PRI only)",
					  o->name, sig);
				s->failed = true;
			}
			continue;
		}
		if (!text)
			text = conf_opt_default(o, obj);
		if (!text) {
			add_error(ld, s->line, "[%s]: missing required key '%s'", s->title,
				  o->name);
			s->failed = true;
			continue;
		}
		if (conf_opt_parse(o, text, obj, err, sizeof(err))) {
			add_error(ld, line, "%s: %s", o->name, err);
			s->failed = true;
		}
	}
	if (s->failed)
		return;
	if (s->kind == CS_SPAN)
		check_span(ld, s, obj);
	else if (s->kind == CS_TRUNK)
		check_trunk(ld, s, obj);
	else if (s->kind == CS_GENERAL)
		check_general(ld, s, obj);
}

/* A route's from/to must name a span, group or trunk that has a section in this file. */
static void check_endpoint(struct loader *ld, struct sect *s, const char *key)
{
	const struct conf_opt *o = conf_opt_find(CS_ROUTE, key);
	unsigned idx = (unsigned)(o - conf_opts);
	const struct conf_endpoint *ep =
		(const struct conf_endpoint *)((const char *)s->obj + o->off);
	unsigned line = s->vals[idx].text ? s->vals[idx].line : s->line;

	/* `to` is a list (struct conf_destlist, its first endpoint at the same place) */
	unsigned n = o->type == OT_DESTLIST ? ((const struct conf_destlist *)ep)->n : 1;

	for (unsigned i = 0; i < n; i++, ep++) {
		if (ep->kind == EP_SPAN && !sect_find(ld, CS_SPAN, ep->span, NULL))
			add_error(ld, line, "%s: span %u is not defined", key, ep->span);
		else if (ep->kind == EP_TRUNK && !sect_find(ld, CS_TRUNK, 0, ep->trunk))
			add_error(ld, line, "%s: trunk '%s' is not defined", key, ep->trunk);
		else if (ep->kind == EP_GROUP && !sect_find(ld, CS_GROUP, 0, ep->group))
			add_error(ld, line, "%s: group '%s' is not defined", key, ep->group);
	}
}

/* A [port N:LIST] needs an fxs or fxo [span N] holding those positions, each position in
 * one [port] only; a route to "port N:P" needs such a port. */
static void check_ports(struct loader *ld, const struct conf *conf)
{
	for (unsigned i = 0; i < conf->nports; i++) {
		const struct conf_port *p = &conf->ports[i];
		const struct conf_span *sp = conf_span_find(conf, p->span);

		if (!sp)
			add_error(ld, p->line, "[port %u:%s]: span %u is not defined", p->span,
				  p->list, p->span);
		else if (sp->sig != SIG_FXS && sp->sig != SIG_FXO)
			add_error(ld, p->line, "[port %u:%s]: span %u is not an fxs or fxo span",
				  p->span, p->list, p->span);
		else if (p->chans & ~sp->bchans)
			add_error(ld, p->line, "[port %u:%s]: not every position is one of span "
				  "%u's channels", p->span, p->list, p->span);
		if (p->reg.kind == EP_TRUNK && !conf_trunk_find(conf, p->reg.trunk))
			add_error(ld, p->line, "[port %u:%s]: register: trunk '%s' is not defined",
				  p->span, p->list, p->reg.trunk);
		else if (p->reg.kind != EP_TRUNK && p->reg.kind != EP_ANY)
			add_error(ld, p->line, "[port %u:%s]: register: expected trunk NAME or none",
				  p->span, p->list);
		else if (p->reg.kind == EP_TRUNK && sp && sp->sig != SIG_FXS)
			add_error(ld, p->line, "[port %u:%s]: register: only FXS ports register",
				  p->span, p->list);
		else if (p->mwi == MWI_SUBSCRIBE && p->reg.kind != EP_TRUNK)
			add_error(ld, p->line, "[port %u:%s]: mwi = subscribe: needs register = "
				  "trunk NAME", p->span, p->list);
		else if (p->reg.kind == EP_TRUNK && !p->username[0] && !p->number[0])
			add_error(ld, p->line, "[port %u:%s]: register: needs username or number",
				  p->span, p->list);
		else if (p->reg.kind == EP_TRUNK && p->username[0] && __builtin_popcount(p->chans) > 1 &&
			 !strchr("0123456789", p->username[strlen(p->username) - 1]))
			add_error(ld, p->line, "[port %u:%s]: username: a range's users count up "
				  "its trailing digits, '%s' has none", p->span, p->list, p->username);
		for (unsigned k = 0; k < i; k++)
			if (conf->ports[k].span == p->span && (conf->ports[k].chans & p->chans))
				add_error(ld, p->line, "[port %u:%s]: a position is already in "
					  "[port %u:%s] (line %u)", p->span, p->list, p->span,
					  conf->ports[k].list, conf->ports[k].line);
	}
	for (unsigned i = 0; i < conf->nroutes; i++) {
		const struct conf_endpoint *to = &conf->routes[i].to;
		const struct conf_span *sp;

		if (to->kind != EP_PORT)
			continue;
		sp = conf_span_find(conf, to->span);
		if (!sp || (sp->sig != SIG_FXS && sp->sig != SIG_FXO))
			add_error(ld, conf->routes[i].line, "[route %s]: to: span %u is not an fxs "
				  "or fxo span", conf->routes[i].name, to->span);
		else if (to->pos && !(sp->bchans & (1u << to->pos)))
			add_error(ld, conf->routes[i].line, "[route %s]: to: span %u has no "
				  "channel at position %u", conf->routes[i].name, to->span, to->pos);
	}
}

static unsigned val_line(const struct sect *s, enum conf_sect_kind kind, const char *key)
{
	unsigned idx = (unsigned)(conf_opt_find(kind, key) - conf_opts);

	return s->vals[idx].text ? s->vals[idx].line : s->line;
}

/* The options a span in group g must leave to the group (OPT_GROUPED). */
static void check_grouped_keys(struct loader *ld, const struct sect *sp, unsigned n,
			       const struct sect *g)
{
	for (unsigned o = 0; o < conf_nopts; o++) {
		const char *key = conf_opts[o].name;

		if (conf_opts[o].sect == CS_SPAN && (conf_opts[o].flags & OPT_GROUPED) &&
		    sp->vals[o].text)
			add_error(ld, sp->vals[o].line, "%s: span %u is in group '%s' (line %u), "
				  "whose %s applies: set it there", key, n, g->name, g->line, key);
	}
}

/* Every span of a group is a PRI [span] of this file and in no other group. A span in a
 * group must not set what the group decides (OPT_GROUPED). member[n] is the group section
 * span n was put in first. */
static void check_groups(struct loader *ld)
{
	struct sect *member[CONF_SPAN_MAX + 1] = { NULL };

	for (unsigned i = 0; i < ld->nsects; i++) {
		struct sect *g = ld->sects[i];
		const struct conf_group *grp = g->obj;
		unsigned line;

		if (g->kind != CS_GROUP || g->skip || g->failed)
			continue;
		line = val_line(g, CS_GROUP, "spans");
		for (unsigned k = 0; k < grp->spans.n; k++) {
			unsigned n = grp->spans.span[k];
			struct sect *sp = sect_find(ld, CS_SPAN, n, NULL);
			const struct conf_span *span = sp ? sp->obj : NULL;
			char sig[16];

			if (!sp) {
				add_error(ld, line, "spans: span %u is not defined", n);
				continue;
			}
			if (sp->failed)
				continue;	/* its own errors say enough */
			if (span->sig != SIG_PRI_CPE && span->sig != SIG_PRI_NET) {
				conf_opt_format(conf_opt_find(CS_SPAN, "signalling"), span, sig,
						sizeof(sig));
				add_error(ld, line, "spans: span %u is %s: a group holds PRI "
					  "spans only", n, sig);
				continue;
			}
			if (member[n]) {
				add_error(ld, line, "spans: span %u is already in group '%s' "
					  "(line %u)", n, member[n]->name, member[n]->line);
				continue;
			}
			member[n] = g;
			check_grouped_keys(ld, sp, n, g);
		}
	}
}

static int build(struct loader *ld, struct conf *conf)
{
	unsigned count[CS_COUNT] = { 0 };

	for (unsigned i = 0; i < ld->nsects; i++)
		if (!ld->sects[i]->skip)
			count[ld->sects[i]->kind]++;
	if ((count[CS_SPAN] && !(conf->spans = calloc(count[CS_SPAN], sizeof(*conf->spans)))) ||
	    (count[CS_GROUP] &&
	     !(conf->groups = calloc(count[CS_GROUP], sizeof(*conf->groups)))) ||
	    (count[CS_TRUNK] &&
	     !(conf->trunks = calloc(count[CS_TRUNK], sizeof(*conf->trunks)))) ||
	    (count[CS_ROUTE] &&
	     !(conf->routes = calloc(count[CS_ROUTE], sizeof(*conf->routes)))) ||
	    (count[CS_PORT] &&
	     !(conf->ports = calloc(count[CS_PORT], sizeof(*conf->ports)))))
		return ENOMEM;

	/* [general] is always there, defaults when absent from the file. */
	struct sect *g = sect_find(ld, CS_GENERAL, 0, NULL);
	if (!g && !(g = sect_new(ld, CS_GENERAL, "general", 0)))
		return ENOMEM;
	build_sect(ld, g, &conf->general);

	for (unsigned i = 0; i < ld->nsects; i++) {
		struct sect *s = ld->sects[i];
		if (s->skip)
			continue;
		if (s->kind == CS_SPAN) {
			struct conf_span *span = &conf->spans[conf->nspans++];
			span->number = s->number;
			span->line = s->line;
			build_sect(ld, s, span);
		} else if (s->kind == CS_GROUP) {
			struct conf_group *grp = &conf->groups[conf->ngroups++];
			snprintf(grp->name, sizeof(grp->name), "%s", s->name);
			grp->line = s->line;
			build_sect(ld, s, grp);
		} else if (s->kind == CS_TRUNK) {
			struct conf_trunk *trunk = &conf->trunks[conf->ntrunks++];
			snprintf(trunk->name, sizeof(trunk->name), "%s", s->name);
			trunk->line = s->line;
			build_sect(ld, s, trunk);
		} else if (s->kind == CS_ROUTE) {
			struct conf_route *route = &conf->routes[conf->nroutes++];
			snprintf(route->name, sizeof(route->name), "%s", s->name);
			route->line = s->line;
			build_sect(ld, s, route);
		} else if (s->kind == CS_PORT) {
			struct conf_port *port = &conf->ports[conf->nports++];
			port->span = s->number;
			port->chans = s->chans;
			snprintf(port->list, sizeof(port->list), "%s", s->name);
			port->line = s->line;
			build_sect(ld, s, port);
		}
	}
	check_groups(ld);
	check_ports(ld, conf);
	for (unsigned i = 0; i < ld->nsects; i++) {
		struct sect *s = ld->sects[i];
		if (s->kind != CS_ROUTE || s->skip || s->failed)
			continue;
		check_endpoint(ld, s, "from");
		check_endpoint(ld, s, "to");
	}
	check_inbound_auth_users(ld);
	return 0;
}

/* Hand the collected errors to the caller, sorted by line (file-level errors first). */
static int move_errors(struct loader *ld, struct conf_errors *errs)
{
	char **grown;

	if (!ld->nerrs)
		return 0;
	/* Insertion sort: stable, so errors on one line keep the order they were found in. */
	for (unsigned i = 1; i < ld->nerrs; i++) {
		struct err e = ld->errs[i];
		unsigned j = i;
		while (j > 0 && ld->errs[j - 1].line > e.line) {
			ld->errs[j] = ld->errs[j - 1];
			j--;
		}
		ld->errs[j] = e;
	}
	grown = realloc(errs->msgs, (errs->count + ld->nerrs) * sizeof(*errs->msgs));
	if (!grown)
		return ENOMEM;
	errs->msgs = grown;
	for (unsigned i = 0; i < ld->nerrs; i++) {
		errs->msgs[errs->count++] = ld->errs[i].msg;
		ld->errs[i].msg = NULL;
	}
	return 0;
}

static void loader_release(struct loader *ld)
{
	for (unsigned i = 0; i < ld->nsects; i++)
		sect_free(ld->sects[i]);
	free(ld->sects);
	for (unsigned i = 0; i < ld->nerrs; i++)
		free(ld->errs[i].msg);
	free(ld->errs);
	free(ld->buf);
}

static int load(struct conf **confp, struct loader *ld, struct conf_errors *errs)
{
	struct conf *conf = calloc(1, sizeof(*conf));
	int err = 0;

	if (!conf) {
		err = ENOMEM;
		goto out;
	}
	snprintf(conf->path, sizeof(conf->path), "%s", ld->name);
	parse(ld);
	if (ld->read_errno) {
		/* Partial reads would only produce confusing follow-up errors. */
		for (unsigned i = 0; i < ld->nerrs; i++)
			free(ld->errs[i].msg);
		ld->nerrs = 0;
		err = ld->read_errno;
		add_error(ld, 0, "cannot read: %s", strerror(err));
		goto out;
	}
	if (!ld->nomem)
		err = build(ld, conf);
	if (ld->nomem || err == ENOMEM) {
		err = ENOMEM;
		add_error(ld, 0, "out of memory");
	} else if (ld->nerrs) {
		err = EINVAL;
	}
out:
	if (move_errors(ld, errs) && !err)
		err = ENOMEM;
	if (err)
		conf_free(conf);
	else
		*confp = conf;
	loader_release(ld);
	return err;
}

int conf_load(struct conf **confp, const char *path, struct conf_errors *errs)
{
	struct loader ld = { .name = path };
	int err;

	if (!confp || !path || !errs)
		return EINVAL;
	ld.file = fopen(path, "r");
	if (!ld.file) {
		err = errno;
		add_error(&ld, 0, "cannot read: %s", strerror(err));
		if (move_errors(&ld, errs))
			err = ENOMEM;
		loader_release(&ld);
		return err;
	}
	err = load(confp, &ld, errs);
	fclose(ld.file);
	return err;
}

int conf_load_string(struct conf **confp, const char *text, const char *name,
		     struct conf_errors *errs)
{
	struct loader ld = { .name = name, .str = text };

	if (!confp || !text || !name || !errs)
		return EINVAL;
	return load(confp, &ld, errs);
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	free(conf->spans);
	free(conf->groups);
	free(conf->trunks);
	free(conf->routes);
	free(conf->ports);
	free(conf);
}

void conf_errors_clear(struct conf_errors *errs)
{
	if (!errs)
		return;
	for (unsigned i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->count = 0;
}

/* ---- printing ------------------------------------------------------------------------ */

/* group: the [group] a span is in (its OPT_GROUPED options are the group's), or NULL. */
static void print_sect(FILE *out, enum conf_sect_kind kind, const char *title,
		       const void *obj, const char *group)
{
	char value[CONF_STR_MAX + 32];

	fprintf(out, "\n[%s]\n", title);
	for (unsigned i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		if (o->sect != kind)
			continue;
		if (!conf_opt_applies(o, obj)) {
			fprintf(out, "; %s: PRI only\n", o->name);
			continue;
		}
		if (group && (o->flags & OPT_GROUPED)) {
			fprintf(out, "; %s: from [group %s]\n", o->name, group);
			continue;
		}
		conf_opt_format(o, obj, value, sizeof(value));
		/* inih reads " ;" as the start of a comment: a value that starts with ';'
		 * must follow '=' directly. Values never end in blanks (inih trims them). */
		if (!value[0])
			fprintf(out, "%s =\n", o->name);
		else if (value[0] == ';')
			fprintf(out, "%s =%s\n", o->name, value);
		else
			fprintf(out, "%s = %s\n", o->name, value);
	}
}

/* What the hunt of a group does, in words, as comments under its section: the channels of
 * each span and where a call's channel is looked for first. */
static void print_group_order(FILE *out, const struct conf *conf, const struct conf_group *g)
{
	const struct conf_opt *chans = conf_opt_find(CS_SPAN, "channels");
	const struct conf_opt *law = conf_opt_find(CS_SPAN, "law");
	const struct conf_opt *type = conf_opt_find(CS_SPAN, "type");
	unsigned total = 0;

	fprintf(out, "; B-channels:");
	for (unsigned i = 0; i < g->spans.n; i++) {
		const struct conf_span *sp = conf_span_find(conf, g->spans.span[i]);
		char c[128], l[16], t[16];

		if (!sp)
			continue;
		conf_opt_format(chans, sp, c, sizeof(c));
		conf_opt_format(law, sp, l, sizeof(l));
		conf_opt_format(type, sp, t, sizeof(t));
		fprintf(out, "%s span %u %s (%s %s)", i ? "," : "", sp->number, c, t, l);
		total += (unsigned)__builtin_popcount(sp->bchans);
	}
	fprintf(out, ": %u in all\n", total);
	switch (g->hunt) {
	case HUNT_DESCENDING:
		fprintf(out, "; descending: the highest free channel of span %u first",
			g->spans.span[g->spans.n - 1]);
		for (unsigned i = g->spans.n - 1; i-- > 0;)
			fprintf(out, ", then span %u", g->spans.span[i]);
		break;
	case HUNT_ROUNDROBIN:
		fprintf(out, "; roundrobin: each call takes the next free channel after the one "
			"taken last, span %u", g->spans.span[0]);
		for (unsigned i = 1; i < g->spans.n; i++)
			fprintf(out, " to span %u", g->spans.span[i]);
		fprintf(out, " and around");
		break;
	default:
		fprintf(out, "; ascending: the lowest free channel of span %u first",
			g->spans.span[0]);
		for (unsigned i = 1; i < g->spans.n; i++)
			fprintf(out, ", then span %u", g->spans.span[i]);
		break;
	}
	fprintf(out, "\n; a span whose D-channel is down or in alarm is passed over\n");
}

void conf_print(const struct conf *conf, FILE *out)
{
	char title[CONF_NAME_MAX + 16];

	if (!conf || !out)
		return;
	fprintf(out, "; Strowger effective configuration: every option, defaults filled in.\n"
		"; It contains secrets (trunk passwords): keep it private.\n");
	print_sect(out, CS_GENERAL, "general", &conf->general, NULL);
	for (unsigned i = 0; i < conf->nspans; i++) {
		const struct conf_group *g = conf_span_group(conf, conf->spans[i].number);
		snprintf(title, sizeof(title), "span %u", conf->spans[i].number);
		print_sect(out, CS_SPAN, title, &conf->spans[i], g ? g->name : NULL);
	}
	for (unsigned i = 0; i < conf->ngroups; i++) {
		snprintf(title, sizeof(title), "group %s", conf->groups[i].name);
		print_sect(out, CS_GROUP, title, &conf->groups[i], NULL);
		print_group_order(out, conf, &conf->groups[i]);
	}
	for (unsigned i = 0; i < conf->ntrunks; i++) {
		snprintf(title, sizeof(title), "trunk %s", conf->trunks[i].name);
		print_sect(out, CS_TRUNK, title, &conf->trunks[i], NULL);
	}
	for (unsigned i = 0; i < conf->nroutes; i++) {
		snprintf(title, sizeof(title), "route %s", conf->routes[i].name);
		print_sect(out, CS_ROUTE, title, &conf->routes[i], NULL);
	}
	for (unsigned i = 0; i < conf->nports; i++) {
		snprintf(title, sizeof(title), "port %u:%s", conf->ports[i].span,
			 conf->ports[i].list);
		print_sect(out, CS_PORT, title, &conf->ports[i], NULL);
	}
}

/* ---- reload -------------------------------------------------------------------------- */

struct diff {
	char *buf;
	unsigned len, used, count;
};

static void diff_add(struct diff *d, const char *title, const char *what)
{
	int n;

	d->count++;
	if (!d->buf || d->used >= d->len)
		return;
	n = snprintf(d->buf + d->used, d->len - d->used, "[%s] %s\n", title, what);
	if (n > 0)
		d->used += (unsigned)n < d->len - d->used ? (unsigned)n : d->len - d->used - 1;
}

/* Options of kind that differ between a and b and cannot change on reload (OPT_GROUPED
 * ones change with the groups). */
static void diff_sect(struct diff *d, enum conf_sect_kind kind, const char *title,
		      const void *a, const void *b)
{
	for (unsigned i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		if (o->sect != kind || (o->flags & (OPT_RELOAD | OPT_GROUPED)))
			continue;
		if (conf_opt_applies(o, a) != conf_opt_applies(o, b) ||
		    (conf_opt_applies(o, a) && !conf_opt_equal(o, a, b)))
			diff_add(d, title, o->name);
	}
}

/* A span that runs on unchanged in kind: in both files, same type and signalling. */
static bool span_stable(const struct conf *old, const struct conf *new, unsigned n)
{
	const struct conf_span *a = conf_span_find(old, n), *b = conf_span_find(new, n);

	return a && b && a->sig == b->sig && a->type == b->type;
}

static bool group_equal(const struct conf_group *a, const struct conf_group *b)
{
	if (!a || !b || a->hunt != b->hunt || a->spans.n != b->spans.n)
		return false;
	for (unsigned k = 0; k < a->spans.n; k++)
		if (a->spans.span[k] != b->spans.span[k])
			return false;
	return true;
}

/* Whether the groups of new can replace those of old while the spans run: every span of
 * a group added, removed or changed must run on as it is (a span added, removed or changed
 * in kind waits for the restart, and so do the groups around it). *wait: such a span. */
static bool groups_reloadable(const struct conf *old, const struct conf *new, unsigned *wait)
{
	for (unsigned i = 0; i < old->ngroups + new->ngroups; i++) {
		const struct conf_group *g = i < old->ngroups ? &old->groups[i] :
					     &new->groups[i - old->ngroups];
		const struct conf *other = i < old->ngroups ? new : old;

		if (group_equal(g, conf_group_find(other, g->name)))
			continue;
		for (unsigned k = 0; k < g->spans.n; k++)
			if (!span_stable(old, new, g->spans.span[k])) {
				*wait = g->spans.span[k];
				return false;
			}
	}
	return true;
}

unsigned conf_restart_needed(const struct conf *old, const struct conf *new, char *buf,
			     unsigned buflen)
{
	struct diff d = { .buf = buf, .len = buflen };
	char title[CONF_NAME_MAX + 16], what[32];
	unsigned wait;

	if (buf && buflen)
		buf[0] = '\0';
	if (!old || !new)
		return 0;
	diff_sect(&d, CS_GENERAL, "general", &old->general, &new->general);
	for (unsigned i = 0; i < old->nspans; i++) {
		const struct conf_span *a = &old->spans[i];
		const struct conf_span *b = conf_span_find(new, a->number);
		snprintf(title, sizeof(title), "span %u", a->number);
		if (!b)
			diff_add(&d, title, "removed");
		else
			diff_sect(&d, CS_SPAN, title, a, b);
	}
	for (unsigned i = 0; i < new->nspans; i++) {
		if (!conf_span_find(old, new->spans[i].number)) {
			snprintf(title, sizeof(title), "span %u", new->spans[i].number);
			diff_add(&d, title, "added");
		}
	}
	/* Groups are rebuilt by gateway/reload.c, unless one that changes holds a span that
	 * itself waits for a restart: then they all wait (see groups_reloadable()). */
	if (!groups_reloadable(old, new, &wait))
		for (unsigned i = 0; i < old->ngroups + new->ngroups; i++) {
			const struct conf_group *g = i < old->ngroups ? &old->groups[i] :
						     &new->groups[i - old->ngroups];
			const struct conf *other = i < old->ngroups ? new : old;

			if (i >= old->ngroups && conf_group_find(old, g->name))
				continue;	/* listed with the old ones */
			if (group_equal(g, conf_group_find(other, g->name)))
				continue;
			snprintf(title, sizeof(title), "group %s", g->name);
			snprintf(what, sizeof(what), "waits for span %u", wait);
			diff_add(&d, title, what);
		}
	/* Trunks are all reloadable (added, changed and removed by gateway/): not listed. */
	/* Ports are opened with their spans: a section added, removed or moved needs a
	 * restart, and so do its options not marked reloadable. */
	if (old->nports != new->nports)
		diff_add(&d, "port", "sections added or removed");
	for (unsigned i = 0; i < old->nports && i < new->nports; i++) {
		snprintf(title, sizeof(title), "port %u:%s", old->ports[i].span,
			 old->ports[i].list);
		if (old->ports[i].span != new->ports[i].span ||
		    old->ports[i].chans != new->ports[i].chans)
			diff_add(&d, title, "changed");
		else
			diff_sect(&d, CS_PORT, title, &old->ports[i], &new->ports[i]);
	}
	/* Routes are all reloadable; the walk keeps that true if a row changes. */
	for (unsigned i = 0; i < old->nroutes; i++) {
		for (unsigned j = 0; j < new->nroutes; j++) {
			if (strcmp(old->routes[i].name, new->routes[j].name))
				continue;
			snprintf(title, sizeof(title), "route %s", old->routes[i].name);
			diff_sect(&d, CS_ROUTE, title, &old->routes[i], &new->routes[j]);
		}
	}
	return d.count;
}

/* Copy the reloadable options of a section of kind from src to dst, and those a group
 * decides (OPT_GROUPED: a span's own hunt is its group of one's, rebuilt on reload). */
static void take_reloadable(enum conf_sect_kind kind, void *dst, const void *src)
{
	for (unsigned i = 0; i < conf_nopts; i++) {
		const struct conf_opt *o = &conf_opts[i];
		if (o->sect == kind && (o->flags & (OPT_RELOAD | OPT_GROUPED)))
			memcpy((char *)dst + o->off, (const char *)src + o->off, o->size);
	}
}

void conf_port_take_reloadable(struct conf_port *dst, const struct conf_port *src)
{
	take_reloadable(CS_PORT, dst, src);
}

static void *dup_array(const void *a, unsigned n, size_t size)
{
	void *p = malloc(n ? n * size : 1);

	if (p && n)
		memcpy(p, a, n * size);
	return p;
}

int conf_reload_merge(const struct conf *old, struct conf *new)
{
	if (!old || !new)
		return EINVAL;
	struct conf_span *spans = dup_array(old->spans, old->nspans, sizeof(*spans));
	struct conf_group *groups = dup_array(old->groups, old->ngroups, sizeof(*groups));
	struct conf_port *ports = dup_array(old->ports, old->nports, sizeof(*ports));

	if (!spans || !groups || !ports) {
		free(spans);
		free(groups);
		free(ports);
		return ENOMEM;
	}
	/* The spans as they run, with what may change taken from the new file: a span the
	 * file dropped runs on until the restart. */
	for (unsigned i = 0; i < old->nspans; i++) {
		const struct conf_span *b = conf_span_find(new, spans[i].number);
		if (b && b->sig == spans[i].sig && b->type == spans[i].type)
			take_reloadable(CS_SPAN, &spans[i], b);
	}
	/* The groups of the new file when they can change (gateway/reload.c regroups the
	 * spans, their calls going on), else those that run. */
	bool regroup = groups_reloadable(old, new, &(unsigned){ 0 });
	/* The ports as they were opened, with their reloadable options from the same section
	 * of the new file (same span and positions; otherwise conf_restart_needed() says so). */
	for (unsigned i = 0; i < old->nports && old->nports == new->nports; i++)
		if (ports[i].span == new->ports[i].span && ports[i].chans == new->ports[i].chans)
			take_reloadable(CS_PORT, &ports[i], &new->ports[i]);
	struct conf_general g = old->general;
	take_reloadable(CS_GENERAL, &g, &new->general);
	new->general = g;
	free(new->spans);
	free(new->ports);
	new->spans = spans;
	new->nspans = old->nspans;
	if (regroup) {
		free(groups);
	} else {
		free(new->groups);
		new->groups = groups;
		new->ngroups = old->ngroups;
	}
	new->ports = ports;
	new->nports = old->nports;
	return 0;
}

bool conf_trunk_equal(const struct conf_trunk *a, const struct conf_trunk *b)
{
	for (unsigned i = 0; i < conf_nopts; i++)
		if (conf_opts[i].sect == CS_TRUNK && !conf_opt_equal(&conf_opts[i], a, b))
			return false;
	return !strcmp(a->name, b->name);
}

/* ---- lookups ------------------------------------------------------------------------- */

const struct conf_span *conf_span_find(const struct conf *conf, unsigned number)
{
	if (!conf)
		return NULL;
	for (unsigned i = 0; i < conf->nspans; i++)
		if (conf->spans[i].number == number)
			return &conf->spans[i];
	return NULL;
}

unsigned conf_ports_count(const struct conf *conf, enum conf_span_sig sig)
{
	unsigned n = 0;

	for (unsigned i = 0; conf && i < conf->nports; i++) {
		const struct conf_span *cs = conf_span_find(conf, conf->ports[i].span);
		if (cs && cs->sig == sig)
			n += (unsigned)__builtin_popcount(conf->ports[i].chans);
	}
	return n;
}

const struct conf_trunk *conf_trunk_find(const struct conf *conf, const char *name)
{
	if (!conf || !name)
		return NULL;
	for (unsigned i = 0; i < conf->ntrunks; i++)
		if (!strcmp(conf->trunks[i].name, name))
			return &conf->trunks[i];
	return NULL;
}

const struct conf_group *conf_group_find(const struct conf *conf, const char *name)
{
	if (!conf || !name)
		return NULL;
	for (unsigned i = 0; i < conf->ngroups; i++)
		if (!strcmp(conf->groups[i].name, name))
			return &conf->groups[i];
	return NULL;
}

const struct conf_port *conf_port_find(const struct conf *conf, unsigned span, unsigned pos)
{
	if (!conf || pos < 1 || pos > 31)
		return NULL;
	for (unsigned i = 0; i < conf->nports; i++)
		if (conf->ports[i].span == span && (conf->ports[i].chans & (1u << pos)))
			return &conf->ports[i];
	return NULL;
}

const struct conf_group *conf_span_group(const struct conf *conf, unsigned number)
{
	if (!conf)
		return NULL;
	for (unsigned i = 0; i < conf->ngroups; i++)
		for (unsigned k = 0; k < conf->groups[i].spans.n; k++)
			if (conf->groups[i].spans.span[k] == number)
				return &conf->groups[i];
	return NULL;
}
