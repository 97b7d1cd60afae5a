/* Q.850 cause <-> SIP status mapping (RFC 3398) and the Reason header (RFC 3326). */
#include "gateway/cause.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One row of a default table. */
struct cause_row {
	uint16_t from;
	uint16_t to;
};

/* RFC 3398 §7.2.4.1 "ISDN Cause Code to Status Code Mapping", in the RFC's order and with
 * its class headings. Not rows here:
 *   16 normal call clearing: "---" (*) -- it becomes BYE or CANCEL, see cause_q850_to_sip().
 *   22 number changed *with* diagnostic → 301: we never build a Contact from the
 *      diagnostic, so 22 is always the w/o-diagnostic row, 410.
 *   (+) on 21: "if the cause location is 'user' the 6xx code could be given rather than the
 *      4xx code", i.e. 603 -- applied in cause_q850_to_sip().
 *   (=) on 26: ANSI procedure; kept, it is harmless elsewhere. */
static const struct cause_row q850_to_sip_rows[] = {
	/* normal event */
	{ 1, 404 }, { 2, 404 }, { 3, 404 },
	{ 17, 486 }, { 18, 408 }, { 19, 480 }, { 20, 480 }, { 21, 403 },
	{ 22, 410 }, { 23, 410 }, { 26, 404 }, { 27, 502 }, { 28, 484 },
	{ 29, 501 }, { 31, 480 },
	/* resource unavailable */
	{ 34, 503 }, { 38, 503 }, { 41, 503 }, { 42, 503 }, { 47, 503 },
	/* service or option not available */
	{ 55, 403 }, { 57, 403 }, { 58, 503 },
	/* service or option not implemented */
	{ 65, 488 }, { 70, 488 }, { 79, 501 },
	/* invalid message */
	{ 87, 403 }, { 88, 503 },
	/* protocol error */
	{ 102, 504 }, { 111, 500 },
	/* interworking */
	{ 127, 500 },
};

/* A cause the table does not list is read as the "unspecified" cause of its Q.850 class
 * (bits 7..5 of the value; Q.850 treats an unrecognised cause that way), then looked up in
 * the table above. Two class causes are not in the table; their statuses are our choice:
 * 63 "service or option not available" → 503 (as 58) and 95 "invalid message" → 500 (as
 * the protocol-error and interworking classes). Index: cause >> 4. */
static const struct cause_row class_rows[8] = {
	{ 31, 480 }, { 31, 480 }, { 47, 503 }, { 63, 503 },
	{ 79, 501 }, { 95, 500 }, { 111, 500 }, { 127, 500 },
};

/* RFC 3398 §8.2.6.1 "SIP Status Code to ISDN Cause Code Mapping". Any status not listed
 * maps to 31 "normal, unspecified" (§8.2.6.1, first paragraphs). Notes from the RFC:
 *   (*) 401, 407: send 21 only if the gateway cannot authenticate and retry (sip/ does).
 *   (+) 406, 413-423, 484, 505, 513: a gateway SHOULD try to remedy the protocol error and
 *       re-originate first; only then clear with the listed cause.
 *   487 "request terminated": "no mapping" -- it only answers our own CANCEL, when the TDM
 *       side has already given its cause; if it arrives anyway it is unlisted → 31.
 *   488, 606 "by Warning header": we do not map Warning codes, so they are unlisted → 31;
 *       an operator who wants 65 or 58 sets "488=65". */
static const struct cause_row sip_to_q850_rows[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 },
	{ 405, 63 }, { 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 },
	{ 413, 127 }, { 414, 127 }, { 415, 79 }, { 416, 127 }, { 420, 127 },
	{ 421, 127 }, { 423, 127 },
	{ 480, 18 }, { 481, 41 }, { 482, 25 }, { 483, 25 }, { 484, 28 },
	{ 485, 1 }, { 486, 17 },
	{ 500, 41 }, { 501, 79 }, { 502, 38 }, { 503, 41 }, { 504, 102 },
	{ 505, 127 }, { 513, 127 },
	{ 600, 17 }, { 603, 21 }, { 604, 1 },
};

/* Clearing that is not a response (§8.2.6.1): BYE and CANCEL "SHOULD be mapped to 16
 * 'Normal clearing'". So a SIP caller that hangs up -- including one that cancels before
 * the call is answered -- is cleared on the TDM side with CAUSE_NORMAL_CLEARING. That is the
 * gateway's policy for requests, applied by the call, not an entry of the tables above. */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Overrides only; 0 = use the default. */
struct cause_map {
	uint16_t to_sip[CAUSE_MAX + 1];
	uint8_t to_q850[SIP_STATUS_MAX - SIP_STATUS_MIN + 1];
};

/* Q.850 Table 1 cause names, lower case for log lines. */
static const char *const names[CAUSE_MAX + 1] = {
	[1] = "unallocated (unassigned) number",
	[2] = "no route to specified transit network",
	[3] = "no route to destination",
	[4] = "send special information tone",
	[5] = "misdialled trunk prefix",
	[6] = "channel unacceptable",
	[7] = "call awarded and being delivered in an established channel",
	[8] = "preemption",
	[9] = "preemption - circuit reserved for reuse",
	[16] = "normal call clearing",
	[17] = "user busy",
	[18] = "no user responding",
	[19] = "no answer from user (user alerted)",
	[20] = "subscriber absent",
	[21] = "call rejected",
	[22] = "number changed",
	[23] = "redirection to new destination",
	[25] = "exchange routing error",
	[26] = "non-selected user clearing",
	[27] = "destination out of order",
	[28] = "invalid number format (address incomplete)",
	[29] = "facility rejected",
	[30] = "response to STATUS ENQUIRY",
	[31] = "normal, unspecified",
	[34] = "no circuit/channel available",
	[38] = "network out of order",
	[39] = "permanent frame mode connection out of service",
	[40] = "permanent frame mode connection operational",
	[41] = "temporary failure",
	[42] = "switching equipment congestion",
	[43] = "access information discarded",
	[44] = "requested circuit/channel not available",
	[46] = "precedence call blocked",
	[47] = "resource unavailable, unspecified",
	[49] = "quality of service not available",
	[50] = "requested facility not subscribed",
	[53] = "outgoing calls barred within CUG",
	[55] = "incoming calls barred within CUG",
	[57] = "bearer capability not authorized",
	[58] = "bearer capability not presently available",
	[62] = "inconsistency in designated outgoing access information and subscriber class",
	[63] = "service or option not available, unspecified",
	[65] = "bearer capability not implemented",
	[66] = "channel type not implemented",
	[69] = "requested facility not implemented",
	[70] = "only restricted digital information bearer capability is available",
	[79] = "service or option not implemented, unspecified",
	[81] = "invalid call reference value",
	[82] = "identified channel does not exist",
	[83] = "a suspended call exists, but this call identity does not",
	[84] = "call identity in use",
	[85] = "no call suspended",
	[86] = "call having the requested call identity has been cleared",
	[87] = "user not member of CUG",
	[88] = "incompatible destination",
	[90] = "non-existent CUG",
	[91] = "invalid transit network selection",
	[95] = "invalid message, unspecified",
	[96] = "mandatory information element is missing",
	[97] = "message type non-existent or not implemented",
	[98] = "message not compatible with call state or message type non-existent or not implemented",
	[99] = "information element / parameter non-existent or not implemented",
	[100] = "invalid information element contents",
	[101] = "message not compatible with call state",
	[102] = "recovery on timer expiry",
	[103] = "parameter non-existent or not implemented - passed on",
	[110] = "message with unrecognized parameter discarded",
	[111] = "protocol error, unspecified",
	[127] = "interworking, unspecified",
};

static bool row_find(const struct cause_row *rows, size_t n, unsigned from, unsigned *to)
{
	for (size_t i = 0; i < n; i++) {
		if (rows[i].from == from) {
			*to = rows[i].to;
			return true;
		}
	}
	return false;
}

static bool cause_valid(unsigned cause)
{
	return cause >= CAUSE_MIN && cause <= CAUSE_MAX;
}

static bool status_valid(unsigned status)
{
	return status >= SIP_STATUS_MIN && status <= SIP_STATUS_MAX;
}

unsigned cause_q850_to_sip(const struct cause_map *m, unsigned cause, enum cause_location loc)
{
	const struct cause_row *cls;
	unsigned status;

	if (!cause_valid(cause))
		cause = CAUSE_NORMAL_UNSPECIFIED;
	if (m && m->to_sip[cause])
		return m->to_sip[cause];
	/* §7.2.4.1 note (+): a rejection by the user itself is global, 603 Decline. */
	if (cause == CAUSE_CALL_REJECTED && loc == CAUSE_LOC_USER)
		return 603;
	if (row_find(q850_to_sip_rows, NELEM(q850_to_sip_rows), cause, &status))
		return status;
	/* 16 normally becomes BYE/CANCEL; an INVITE still unanswered needs a final response
	 * and gets the normal class's (31 → 480). Other unlisted causes: their class's
	 * unspecified cause, including an operator's override of that cause. */
	cls = &class_rows[cause >> 4];
	if (m && m->to_sip[cls->from])
		return m->to_sip[cls->from];
	return cls->to;
}

unsigned cause_sip_to_q850(const struct cause_map *m, unsigned status, const char *reason)
{
	struct cause_reason r;
	unsigned cause;

	/* RFC 3326 §1, RFC 6432 §3: the Q.850 cause the far gateway got from its PSTN side is
	 * more exact than any table; use it as received. */
	if (reason && cause_reason_parse(reason, &r) == 0 && r.q850)
		return r.q850;
	if (!status_valid(status))
		return CAUSE_NORMAL_UNSPECIFIED;
	if (m && m->to_q850[status - SIP_STATUS_MIN])
		return m->to_q850[status - SIP_STATUS_MIN];
	if (row_find(sip_to_q850_rows, NELEM(sip_to_q850_rows), status, &cause))
		return cause;
	return CAUSE_NORMAL_UNSPECIFIED;
}

enum cause_location cause_sip_location(unsigned status)
{
	/* §8.2.6.1: "6xx codes are given the location 'user', whereas 4xx and 5xx codes are
	 * given a 'network' location". For us the network is beyond the interworking point. */
	return status >= 600 && status <= 699 ? CAUSE_LOC_USER : CAUSE_LOC_BEYOND;
}

const char *cause_name(unsigned cause)
{
	if (cause_valid(cause) && names[cause])
		return names[cause];
	return "unknown cause";
}

int cause_map_alloc(struct cause_map **mp)
{
	struct cause_map *m;

	if (!mp)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	*mp = m;
	return 0;
}

void cause_map_free(struct cause_map *m)
{
	free(m);
}

/* ---- overrides ---- */

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse 1..4 decimal digits at *sp; advance *sp. */
static bool parse_num(const char **sp, unsigned *v)
{
	const char *s = *sp;
	unsigned n = 0, digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (++digits > 4)
			return false;
		n = n * 10 + (unsigned)(*s - '0');
		s++;
	}
	if (!digits)
		return false;
	*sp = s;
	*v = n;
	return true;
}

static int override_error(char *err, size_t errlen, const char *item, const char *why)
{
	size_t n = 0;

	while (item[n] && item[n] != ',' && n < 24)
		n++;
	if (err && errlen)
		snprintf(err, errlen, "cause mapping \"%.*s\": %s", (int)n, item, why);
	return EINVAL;
}

int cause_map_override(struct cause_map *m, const char *spec, char *err, size_t errlen)
{
	struct cause_map tmp;
	const char *s = spec;

	if (!m || !spec)
		return EINVAL;
	tmp = *m;
	for (;;) {
		const char *item;
		unsigned a, b;

		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		item = s;
		if (!parse_num(&s, &a))
			return override_error(err, errlen, item, "expected NUMBER=NUMBER");
		while (is_blank(*s))
			s++;
		if (*s != '=')
			return override_error(err, errlen, item, "expected NUMBER=NUMBER");
		s++;
		while (is_blank(*s))
			s++;
		if (!parse_num(&s, &b) || (*s && !is_sep(*s)))
			return override_error(err, errlen, item, "expected NUMBER=NUMBER");

		if (cause_valid(a)) {
			if (!status_valid(b))
				return override_error(err, errlen, item,
						      "a Q.850 cause maps to a SIP status 300..699");
			tmp.to_sip[a] = (uint16_t)b;
		} else if (status_valid(a)) {
			if (!cause_valid(b))
				return override_error(err, errlen, item,
						      "a SIP status maps to a Q.850 cause 1..127");
			tmp.to_q850[a - SIP_STATUS_MIN] = (uint8_t)b;
		} else {
			return override_error(err, errlen, item,
					      "the left side must be a Q.850 cause 1..127 or a SIP status 300..699");
		}
	}
	*m = tmp;
	return 0;
}

/* ---- Reason header, RFC 3326 §2 ----
 *   Reason          = "Reason" HCOLON reason-value *(COMMA reason-value)
 *   reason-value    = protocol *(SEMI reason-params)
 *   protocol        = "SIP" / "Q.850" / token
 *   reason-params   = protocol-cause / reason-text / reason-extension
 *   protocol-cause  = "cause" EQUAL cause ; cause = 1*DIGIT
 *   reason-text     = "text" EQUAL quoted-string */

int cause_reason_build(char *buf, size_t len, unsigned cause)
{
	int n;

	if (!buf || !cause_valid(cause))
		return EINVAL;
	/* The names hold no '"' or '\\', so they need no quoted-pair escapes. */
	if (names[cause])
		n = snprintf(buf, len, "Q.850;cause=%u;text=\"%s\"", cause, names[cause]);
	else
		n = snprintf(buf, len, "Q.850;cause=%u", cause);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return ENOSPC;
	}
	return 0;
}

/* First `delim` at or after s, outside quoted strings (with quoted-pair), or end. */
static const char *seg_end(const char *s, const char *end, char delim)
{
	bool quoted = false;

	for (; s < end; s++) {
		if (quoted) {
			if (*s == '\\' && s + 1 < end)
				s++;
			else if (*s == '"')
				quoted = false;
		} else if (*s == '"') {
			quoted = true;
		} else if (*s == delim) {
			return s;
		}
	}
	return end;
}

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_lws(**s))
		(*s)++;
	while (*e > *s && is_lws((*e)[-1]))
		(*e)--;
}

static bool span_eq(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && strncasecmp(s, word, n) == 0;
}

/* A cause value: 1..3 digits, nothing else. */
static bool span_cause(const char *s, const char *e, unsigned *v)
{
	unsigned n = 0;

	if (s == e || e - s > 3)
		return false;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*v = n;
	return true;
}

/* One reason-value [s, e). Return false if it is malformed. */
static bool parse_value(const char *s, const char *e, char proto[8], unsigned *cause)
{
	const char *params = seg_end(s, e, ';');
	const char *p = s, *pe = params;
	bool have_cause = false;

	trim(&p, &pe);
	if (p == pe)
		return false;
	for (const char *c = p; c < pe; c++)
		if (is_lws(*c) || *c == '=' || *c == '"')
			return false;
	/* Longer than any protocol we know: keep it empty, the caller ignores it. */
	proto[0] = '\0';
	if ((size_t)(pe - p) < 8) {
		memcpy(proto, p, (size_t)(pe - p));
		proto[pe - p] = '\0';
	}

	for (s = params; s < e; s = pe) {
		const char *n, *ne, *v, *ve;

		s++;	/* the ';' */
		pe = seg_end(s, e, ';');
		n = s;
		ve = pe;
		ne = seg_end(s, pe, '=');
		v = ne < pe ? ne + 1 : pe;
		trim(&n, &ne);
		trim(&v, &ve);
		if (n == ne)
			return false;
		if (span_eq(n, ne, "cause")) {
			if (have_cause || !span_cause(v, ve, cause))
				return false;
			have_cause = true;
		}
	}
	return have_cause;
}

int cause_reason_parse(const char *value, struct cause_reason *out)
{
	const char *s, *end;

	if (!value || !out)
		return EINVAL;
	out->q850 = 0;
	out->sip = 0;
	end = value + strlen(value);
	for (s = value; s <= end; s++) {
		const char *e = seg_end(s, end, ',');
		char proto[8];
		unsigned cause;

		if (parse_value(s, e, proto, &cause)) {
			if (!strcasecmp(proto, "Q.850") && cause_valid(cause) && !out->q850)
				out->q850 = cause;
			else if (!strcasecmp(proto, "SIP") && cause >= 100 && cause <= 699 &&
				 !out->sip)
				out->sip = cause;
		}
		s = e;
	}
	return out->q850 || out->sip ? 0 : ENOENT;
}
