/* PSTN simulator: parser of the step language described in tests/pstnsim/README.md. */
#include "tests/pstnsim/script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKS 24

static const char *const op_names[OP_COUNT] = {
	[OP_WAIT_UP] = "wait-up", [OP_CALL] = "call", [OP_ANSWER] = "answer",
	[OP_RING] = "ring", [OP_PROCEED] = "proceed", [OP_REJECT] = "reject",
	[OP_HANGUP] = "hangup", [OP_TONE] = "tone", [OP_DTMF] = "dtmf", [OP_INFO] = "info",
	[OP_SLEEP] = "sleep", [OP_USE] = "use", [OP_ON_RING] = "on-ring", [OP_EXIT] = "exit",
	[OP_RESTART] = "restart", [OP_RELINK] = "relink", [OP_FAX_SEND] = "fax-send", [OP_FAX_RECV] = "fax-recv",
	[OP_EXPECT_RING] = "expect ring", [OP_EXPECT_PROCEEDING] = "expect proceeding",
	[OP_EXPECT_ALERTING] = "expect alerting", [OP_EXPECT_ANSWER] = "expect answer",
	[OP_EXPECT_HANGUP] = "expect hangup", [OP_EXPECT_TONE] = "expect-tone",
	[OP_EXPECT_SILENCE] = "expect-silence", [OP_EXPECT_DTMF] = "expect-dtmf",
	[OP_EXPECT_FAX] = "expect fax-done",
	[OP_OFFHOOK] = "offhook", [OP_ONHOOK] = "onhook", [OP_FLASH] = "flash",
	[OP_PULSE] = "pulse",
	[OP_RING_LINE] = "ring-line", [OP_LINE_TONE] = "line-tone", [OP_EXPECT_RINGING] = "expect ringing",
	[OP_EXPECT_OFFHOOK] = "expect offhook", [OP_EXPECT_ONHOOK] = "expect onhook",
	[OP_EXPECT_TONES] = "expect-tones", [OP_EXPECT_CID] = "expect cid", [OP_EXPECT_CAS] = "expect cas",
};

/* Q.931 §4.5.10 types of number and §4.5.9 presentation indicators by name. */
static const char *const ton_names[] = { "unknown", "international", "national", "network",
					 "subscriber", NULL, "abbreviated" };
static const char *const pres_names[] = { "allowed", "restricted", "unavailable" };

static int parse_name(const char *tok, const char *const *names, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(tok, names[i])) {
			*out = (int)i;
			return 0;
		}
	return EINVAL;
}

const char *sim_ton_name(int ton)
{
	return ton >= 0 && ton < 7 && ton_names[ton] ? ton_names[ton] : "?";
}

const char *sim_pres_name(int pres)
{
	return pres >= 0 && pres < 3 ? pres_names[pres] : "?";
}

/* Q.850 causes by name, for scripts that prefer words. */
static const struct { const char *name; int cause; } cause_names[] = {
	{ "unallocated", 1 }, { "normal", 16 }, { "busy", 17 }, { "noresponse", 18 },
	{ "noanswer", 19 }, { "rejected", 21 }, { "congestion", 34 },
	{ "tempfail", 41 }, { "chanunavail", 44 }, { "incompatible", 88 },
};

const char *sim_op_name(enum sim_op op)
{
	return (unsigned)op < OP_COUNT ? op_names[op] : "?";
}

bool sim_op_is_expect(enum sim_op op)
{
	return op >= OP_EXPECT_RING && op < OP_COUNT;
}

int sim_parse_duration(const char *tok, unsigned *ms)
{
	char *end;
	double v, scale = 1000;

	if (!tok || !ms || !*tok)
		return EINVAL;
	errno = 0;
	v = strtod(tok, &end);
	if (errno || end == tok || v < 0)
		return EINVAL;
	if (!strcmp(end, "ms"))
		scale = 1;
	else if (!strcmp(end, "s") || !*end)
		scale = 1000;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		scale = 60000;
	else
		return EINVAL;
	v *= scale;
	if (v > 86400000.0)
		return EINVAL;
	*ms = (unsigned)(v + 0.5);
	return 0;
}

/* A duration written with its unit ("5s", "200ms"): told apart from a bare cause number. */
static bool has_unit(const char *tok)
{
	size_t n = strlen(tok);

	return n > 1 && isdigit((unsigned char)tok[0]) && isalpha((unsigned char)tok[n - 1]);
}

static int parse_uint(const char *tok, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!tok || !isdigit((unsigned char)*tok))
		return EINVAL;
	errno = 0;
	v = strtoul(tok, &end, 10);
	if (errno || *end || v > max)
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_cause(const char *tok, int *cause)
{
	unsigned v;

	for (size_t i = 0; i < sizeof(cause_names) / sizeof(cause_names[0]); i++)
		if (!strcmp(tok, cause_names[i].name)) {
			*cause = cause_names[i].cause;
			return 0;
		}
	if (parse_uint(tok, 127, &v) || v == 0)
		return EINVAL;
	*cause = (int)v;
	return 0;
}

static bool is_number(const char *tok)
{
	return *tok && strlen(tok) < SIM_NUM_LEN && strspn(tok, "0123456789*#+") == strlen(tok);
}

static bool is_digits(const char *tok)
{
	return *tok && strlen(tok) < SIM_NUM_LEN * 2 &&
	       strspn(tok, "0123456789*#ABCD") == strlen(tok);
}

static bool is_name(const char *tok)
{
	if (!*tok || strlen(tok) >= SIM_NAME_LEN || !isalpha((unsigned char)*tok))
		return false;
	for (const char *p = tok; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return strcmp(tok, "all") != 0;
}

struct parser {
	char *err;
	size_t errlen;
	unsigned line;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errlen, "line %u: ", ps->line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* Parse the optional words of one step, from tok[i] on. */
static int parse_args(struct parser *ps, struct sim_cmd *c, char **tok, int ntok, int i)
{
	for (; i < ntok; i++) {
		const char *t = tok[i], *v = i + 1 < ntok ? tok[i + 1] : NULL;
		unsigned u;

		switch (c->op) {
		case OP_CALL:
			if (!strcmp(t, "from") && v && is_number(v)) {
				snprintf(c->from, sizeof(c->from), "%s", v);
				i++;
				continue;
			}
			if (!strcmp(t, "overlap")) {
				c->overlap = true;
				continue;
			}
			if (!strcmp(t, "chan") && v) {
				if (!strcmp(v, "any"))
					c->chan = -1;
				else if (!parse_uint(v, 127, &u) && u)
					c->chan = (int)u;
				else
					return fail(ps, "bad channel '%s'", v);
				i++;
				continue;
			}
			break;
		case OP_EXPECT_RING:
			if (!strcmp(t, "from") && v && is_number(v)) {
				snprintf(c->from, sizeof(c->from), "%s", v);
				i++;
				continue;
			}
			if (!strcmp(t, "to") && v && is_number(v)) {
				snprintf(c->num, sizeof(c->num), "%s", v);
				i++;
				continue;
			}
			break;
		case OP_ANSWER:
		case OP_ON_RING:
			if (!strcmp(t, "after") && v) {
				if (sim_parse_duration(v, &c->dur_ms))
					return fail(ps, "bad duration '%s'", v);
				i++;
				continue;
			}
			break;
		case OP_LINE_TONE:
			if (!strcmp(t, "cadence") && v) {
				if (sscanf(v, "%u/%u", &c->cad_on, &c->cad_off) != 2 ||
				    !c->cad_on || !c->cad_off)
					return fail(ps, "bad cadence '%s' (ON/OFF in ms)", v);
				i++;
				continue;
			}
			if (c->freq) {
				char *end;
				long lv = strtol(t, &end, 10);
				if (end != t && (!*end || !strcmp(end, "dBm0") || !strcmp(end, "dbm0")) &&
				    lv <= 0 && lv >= -60) {
					c->level = (int)lv;
					continue;
				}
			}
			break;
		case OP_EXPECT_TONES:
			if (!strcmp(t, "cadence") && v) {
				if (sscanf(v, "%u/%u", &c->cad_on, &c->cad_off) != 2 ||
				    !c->cad_on || !c->cad_off)
					return fail(ps, "bad cadence '%s' (ON/OFF in ms)", v);
				i++;
				continue;
			}
			/* fall through */
		case OP_EXPECT_TONE:
			if (!strcmp(t, "within") && v) {
				if (sim_parse_duration(v, &c->within_ms))
					return fail(ps, "bad duration '%s'", v);
				i++;
				continue;
			}
			if (!strcmp(t, "for") && v) {
				if (sim_parse_duration(v, &c->dur_ms))
					return fail(ps, "bad duration '%s'", v);
				i++;
				continue;
			}
			/* fall through */
		case OP_EXPECT_SILENCE:
			if (!strcmp(t, "min") && v) {
				size_t vl = strlen(v);

				if (vl && v[vl - 1] == '%')
					tok[i + 1][vl - 1] = '\0';
				if (parse_uint(v, 100, &c->min_pct) || !c->min_pct)
					return fail(ps, "bad percentage '%s'", v);
				i++;
				continue;
			}
			if (!sim_parse_duration(t, &c->dur_ms))
				continue;
			break;
		case OP_RESTART:
			if (!c->chan && !strcmp(t, "all")) {
				c->chan = -1;
				continue;
			}
			if (!c->chan && !has_unit(t)) {
				if (parse_uint(t, 31, &u) || !u)
					return fail(ps, "bad channel '%s'", t);
				c->chan = (int)u;
				continue;
			}
			break;
		case OP_REJECT:
		case OP_HANGUP:
		case OP_EXPECT_HANGUP:
			if (!has_unit(t) && !parse_cause(t, &c->cause))
				continue;
			break;
		case OP_FAX_SEND:
		case OP_FAX_RECV:
			if (!strcmp(t, "ecm") || !strcmp(t, "noecm")) {
				c->ecm = t[0] == 'e';
				continue;
			}
			if (!strcmp(t, "ident") && v) {
				/* T.30 identities are digits, '+' and spaces; we allow printable words */
				if (strlen(v) >= SIM_IDENT_LEN)
					return fail(ps, "ident '%s' longer than %d characters", v,
						    SIM_IDENT_LEN - 1);
				snprintf(c->ident, sizeof(c->ident), "%s", v);
				i++;
				continue;
			}
			break;
		case OP_EXPECT_RINGING:
			if (!strcmp(t, "cadence") && v) {
				if (sim_parse_duration(v, &c->cad_on) || !c->cad_on)
					return fail(ps, "bad ring period '%s'", v);
				i++;
				continue;
			}
			if (!strcmp(t, "x") && v) {
				if (parse_uint(v, 100, &c->count) || !c->count)
					return fail(ps, "bad count '%s'", v);
				i++;
				continue;
			}
			break;
		case OP_EXPECT_CID:
		case OP_RING_LINE:
			if (!strcmp(t, "from") && v && is_number(v)) {
				snprintf(c->from, sizeof(c->from), "%s", v);
				i++;
				continue;
			}
			if (!strcmp(t, "name") && v) {
				snprintf(c->cname, sizeof(c->cname), "%s", v);
				i++;
				continue;
			}
			if (!strcmp(t, "pres") && v) {
				if (parse_name(v, pres_names, 3, &c->pres))
					return fail(ps, "bad presentation '%s'", v);
				i++;
				continue;
			}
			if (c->op == OP_EXPECT_CID && !strcmp(t, "mwi") && v) {
				if (strcmp(v, "on") && strcmp(v, "off"))
					return fail(ps, "bad message waiting '%s' (on or off)", v);
				c->mwi = strcmp(v, "on") ? 2 : 1;
				i++;
				continue;
			}
			break;
		case OP_EXPECT_FAX:
			if (!strcmp(t, "pages") && v) {
				if (parse_uint(v, 999, &c->pages) || !c->pages)
					return fail(ps, "bad page count '%s'", v);
				i++;
				continue;
			}
			break;
		default:
			break;
		}
		/* the parties' attributes: set by call, checked by expect ring */
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && v &&
		    (!strcmp(t, "ton") || !strcmp(t, "called-ton"))) {
			if (parse_name(v, ton_names, 7, t[0] == 't' ? &c->ton : &c->called_ton))
				return fail(ps, "bad type of number '%s'", v);
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && v && !strcmp(t, "pres")) {
			if (parse_name(v, pres_names, 3, &c->pres))
				return fail(ps, "bad presentation '%s'", v);
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && v && !strcmp(t, "rdnis")) {
			snprintf(c->rdnis, sizeof(c->rdnis), "%s", v);
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && v &&
		    !strcmp(t, "rdnis-reason")) {
			/* libpri's PRI_REDIR_* codes */
			static const char *const rn[] = { "unknown", "busy", "no-reply",
							  "deflection" };
			if (!strcmp(v, "unconditional")) {
				c->rdnis_reason = 0xf;
			} else if (parse_name(v, rn, 4, &c->rdnis_reason)) {
				return fail(ps, "bad redirection reason '%s'", v);
			}
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && v && !strcmp(t, "name")) {
			snprintf(c->cname, sizeof(c->cname), "%s", v);
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && !strcmp(t, "x") && v) {
			if (parse_uint(v, 1000, &c->count) || !c->count)
				return fail(ps, "bad count '%s'", v);
			i++;
			continue;
		}
		if ((c->op == OP_CALL || c->op == OP_EXPECT_RING) && !strcmp(t, "as") && v) {
			if (!is_name(v))
				return fail(ps, "bad call name '%s'", v);
			snprintf(c->name, sizeof(c->name), "%s", v);
			i++;
			continue;
		}
		if ((sim_op_is_expect(c->op) || c->op == OP_WAIT_UP || c->op == OP_RESTART ||
	     c->op == OP_RELINK) &&
		    c->op != OP_EXPECT_TONE && c->op != OP_EXPECT_SILENCE && c->op != OP_EXPECT_TONES &&
		    !sim_parse_duration(t, &c->timeout_ms))
			continue;
		if ((c->op == OP_SLEEP || c->op == OP_FLASH) && !c->dur_ms &&
		    !sim_parse_duration(t, &c->dur_ms))
			continue;
		return fail(ps, "%s: unexpected '%s'", sim_op_name(c->op), t);
	}
	return 0;
}

static int parse_step(struct parser *ps, struct sim_cmd *c, char *text)
{
	char *tok[MAX_TOKS], *save = NULL, *t;
	int ntok = 0, i = 1, n = 0, keep = 0;

	snprintf(c->text, sizeof(c->text), "%s", text);
	c->cause = -1;
	c->ton = c->called_ton = c->pres = c->rdnis_reason = -1;
	c->level = -10;
	c->line = ps->line;
	for (t = strtok_r(text, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (ntok == MAX_TOKS)
			return fail(ps, "too many words");
		tok[ntok++] = t;
	}
	/* "!" negates; "@NAME" picks the call; both may stand anywhere */
	for (int k = 0; k < ntok; k++) {
		if (!strcmp(tok[k], "!")) {
			c->negate = true;
			continue;
		}
		if (tok[k][0] == '!' && k == 0) {
			c->negate = true;
			tok[k]++;
		}
		if (tok[k][0] == '@') {
			if (strcmp(tok[k] + 1, "all") && !is_name(tok[k] + 1))
				return fail(ps, "bad call '%s'", tok[k]);
			snprintf(c->target, sizeof(c->target), "%s", tok[k] + 1);
			continue;
		}
		tok[keep++] = tok[k];
	}
	ntok = keep;
	if (!ntok)
		return fail(ps, "empty step");

	if (!strcmp(tok[0], "expect")) {
		static const struct { const char *w; enum sim_op op; } sub[] = {
			{ "ring", OP_EXPECT_RING }, { "proceeding", OP_EXPECT_PROCEEDING },
			{ "alerting", OP_EXPECT_ALERTING }, { "answer", OP_EXPECT_ANSWER },
			{ "hangup", OP_EXPECT_HANGUP }, { "fax-done", OP_EXPECT_FAX },
			{ "ringing", OP_EXPECT_RINGING }, { "offhook", OP_EXPECT_OFFHOOK },
			{ "onhook", OP_EXPECT_ONHOOK }, { "cid", OP_EXPECT_CID },
			{ "cas", OP_EXPECT_CAS },
		};
		if (ntok < 2)
			return fail(ps, "expect what?");
		for (n = 0; n < (int)(sizeof(sub) / sizeof(sub[0])); n++)
			if (!strcmp(tok[1], sub[n].w))
				break;
		if (n == (int)(sizeof(sub) / sizeof(sub[0])))
			return fail(ps, "unknown expectation '%s'", tok[1]);
		c->op = sub[n].op;
		i = 2;
	} else if (!strcmp(tok[0], "silence")) {
		c->op = OP_TONE;
		c->freq = 0;
		i = 1;
	} else {
		for (n = 0; n < OP_COUNT; n++)
			if (!strchr(op_names[n], ' ') && !strcmp(tok[0], op_names[n]))
				break;
		if (n == OP_COUNT)
			return fail(ps, "unknown command '%s'", tok[0]);
		c->op = (enum sim_op)n;
	}
	if (c->negate && !sim_op_is_expect(c->op))
		return fail(ps, "'!' applies to expectations only");

	/* the positional first argument */
	switch (c->op) {
	case OP_CALL:
		if (ntok < 2 || !is_number(tok[1]))
			return fail(ps, "call: number expected");
		snprintf(c->num, sizeof(c->num), "%s", tok[1]);
		i = 2;
		break;
	case OP_TONE:
		if (!strcmp(tok[0], "silence"))
			break;
		if (ntok < 2)
			return fail(ps, "tone: frequency or 'off' expected");
		if (!strcmp(tok[1], "off")) {
			c->freq = 0;
		} else if (parse_uint(tok[1], 3999, &c->freq)) {
			return fail(ps, "tone: bad frequency '%s'", tok[1]);
		}
		i = 2;
		if (i < ntok) {
			char *end;
			long lv = strtol(tok[i], &end, 10);
			if (end == tok[i] || (*end && strcmp(end, "dBm0") && strcmp(end, "dbm0")) ||
			    lv > 3 || lv < -60)
				return fail(ps, "tone: bad level '%s' (dBm0, -60..3)", tok[i]);
			c->level = (int)lv;
			i++;
		}
		break;
	case OP_INFO:
		if (ntok < 2 || !is_number(tok[1]))
			return fail(ps, "info: digits expected");
		snprintf(c->digits, sizeof(c->digits), "%s", tok[1]);
		i = 2;
		break;
	case OP_DTMF:
	case OP_EXPECT_DTMF:
		if (ntok < 2 || !is_digits(tok[1]))
			return fail(ps, "%s: digits 0-9 * # A-D expected", tok[0]);
		snprintf(c->digits, sizeof(c->digits), "%s", tok[1]);
		i = 2;
		break;
	case OP_PULSE:		/* a rotary dial has 1-9 and 0 (ten breaks) only */
		if (ntok < 2 || strlen(tok[1]) >= sizeof(c->digits) - 1 ||
		    strspn(tok[1], "0123456789") != strlen(tok[1]))
			return fail(ps, "pulse: digits 0-9 expected");
		snprintf(c->digits, sizeof(c->digits), "%s", tok[1]);
		i = 2;
		break;
	case OP_EXPECT_TONE:
		if (ntok < 2 || parse_uint(tok[1], 3999, &c->freq) || !c->freq)
			return fail(ps, "expect-tone: frequency expected");
		i = 2;
		break;
	case OP_LINE_TONE:
		c->level = -20;
		if (ntok >= 2 && !strcmp(tok[1], "off")) {
			i = 2;
			break;
		}
		/* fall through */
	case OP_EXPECT_TONES: {
		char *plus = ntok >= 2 ? strchr(tok[1], '+') : NULL;
		if (plus)
			*plus++ = '\0';
		if (ntok < 2 || parse_uint(tok[1], 3999, &c->freq) || !c->freq ||
		    (plus && (parse_uint(plus, 3999, &c->freq2) || !c->freq2)))
			return fail(ps, "%s: F or F1+F2 expected", tok[0]);
		i = 2;
		break;
	}
	case OP_USE:
		if (ntok != 2 || !is_name(tok[1]))
			return fail(ps, "use: call name expected");
		snprintf(c->name, sizeof(c->name), "%s", tok[1]);
		i = 2;
		break;
	case OP_FAX_SEND:
	case OP_FAX_RECV:
		if (ntok < 2 || strlen(tok[1]) >= SIM_FILE_LEN)
			return fail(ps, "%s: file expected", tok[0]);
		snprintf(c->file, sizeof(c->file), "%s", tok[1]);
		c->ecm = true;
		i = 2;
		break;
	case OP_SLEEP:
		if (ntok != 2 || sim_parse_duration(tok[1], &c->dur_ms))
			return fail(ps, "sleep: duration expected");
		i = 2;
		break;
	case OP_ON_RING:
		if (ntok < 2)
			return fail(ps, "on-ring: answer|ring|reject|none expected");
		if (!strcmp(tok[1], "answer"))
			c->on_ring = ON_RING_ANSWER;
		else if (!strcmp(tok[1], "ring"))
			c->on_ring = ON_RING_RING;
		else if (!strcmp(tok[1], "reject"))
			c->on_ring = ON_RING_REJECT;
		else if (!strcmp(tok[1], "none"))
			c->on_ring = ON_RING_NONE;
		else
			return fail(ps, "on-ring: unknown policy '%s'", tok[1]);
		i = 2;
		if (c->on_ring == ON_RING_REJECT && i < ntok && !parse_cause(tok[i], &c->cause))
			i++;
		break;
	default:
		break;
	}
	return parse_args(ps, c, tok, ntok, i);
}

int sim_script_parse(struct sim_script *s, const char *text, char *err, size_t errlen)
{
	struct parser ps = { .err = err, .errlen = errlen, .line = 1 };
	char *copy, *p;
	size_t cap = 0;
	int rc = 0;

	if (!s || !text || !err || !errlen)
		return EINVAL;
	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	copy = strdup(text);
	if (!copy)
		return ENOMEM;
	p = copy;
	while (*p) {
		size_t len = strcspn(p, ";\n");
		char sep = p[len], *step = p, *end;

		p[len] = '\0';
		while (isspace((unsigned char)*step))
			step++;
		end = step + strlen(step);
		while (end > step && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*step == '#') {
			/* a comment runs to the end of the line, ';' included */
			if (sep == ';') {
				p[len] = ';';
				len += strcspn(p + len, "\n");
				sep = p[len];
			}
		} else if (*step) {
			if (s->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct sim_cmd *n = realloc(s->cmds, ncap * sizeof(*n));
				if (!n) {
					rc = ENOMEM;
					break;
				}
				s->cmds = n;
				cap = ncap;
			}
			memset(&s->cmds[s->n], 0, sizeof(s->cmds[0]));
			rc = parse_step(&ps, &s->cmds[s->n], step);
			if (rc)
				break;
			s->n++;
		}
		if (sep == '\n')
			ps.line++;
		p += len + (sep ? 1 : 0);
	}
	free(copy);
	if (rc)
		sim_script_free(s);
	return rc;
}

void sim_script_free(struct sim_script *s)
{
	if (!s)
		return;
	free(s->cmds);
	s->cmds = NULL;
	s->n = 0;
}
