/* Call routing and called-number rewriting: the config's [route] sections, first match in
 * config order, with overlap dialling (Q.931 §5.1.3 overlap sending: digits arrive one
 * INFORMATION message at a time).
 *
 * I/O-free: a route table is built once from struct conf_route (regexes compiled then) and
 * answers lookups for (source, called number, complete?). */
#ifndef STROWGER_GATEWAY_ROUTE_H
#define STROWGER_GATEWAY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* Longest called number looked up; longer numbers never match. */
#define ROUTE_NUMBER_MAX	64
/* Default for route_table_params.max_digits (see ROUTE_NEED_MORE). */
#define ROUTE_MAX_DIGITS	20

enum route_state {
	ROUTE_NO_MATCH,		/* no route takes this number, nor any longer one */
	ROUTE_NEED_MORE,	/* wait: more digits could select a route (or an earlier one) */
	ROUTE_MATCH,		/* route now; more digits would not change the route */
};

struct route_table;

struct route_table_params {
	const struct conf_route *routes;	/* copied; may be NULL when nroutes is 0 */
	unsigned nroutes;
	/* Overlap rule for /regex/ routes: POSIX regexec cannot tell "would match with more
	 * digits", so a regex route that does not match yet counts as "could still match"
	 * while the number is shorter than this many digits. 0 = ROUTE_MAX_DIGITS. */
	unsigned max_digits;
	/* Where a relative "@FILE" match is read from (the config file's folder); NULL or
	 * "": the working directory. Files are read here, so a table built again (SIGHUP)
	 * takes their current contents. */
	const char *dir;
	char *err;		/* optional: why alloc failed, "route NAME (line N): ..." */
	size_t errlen;
};

/* Build a table. Return 0, EINVAL (a bad match or destination; see p->err) or ENOMEM. */
int route_table_alloc(struct route_table **tp, const struct route_table_params *p);
void route_table_free(struct route_table *t);

struct route_result {
	enum route_state state;
	const struct conf_route *route;	/* ROUTE_MATCH: the route (the table's copy) */
	unsigned index;			/* ROUTE_MATCH: position in config order, from 0 */
	char number[ROUTE_NUMBER_MAX + CONF_NAME_MAX];	/* ROUTE_MATCH: rewritten number */
};

/* Route a call from src (EP_SPAN n, with src->group the name of the [group] span n is in or
 * "", or EP_TRUNK name) to the called number (digits, and '*', '+'; the caller removes a
 * trailing '#' and sets complete instead).
 *
 * Matching, per route in config order: `from` must be EP_ANY, equal src, or be the group
 * src's span is in (from = group NAME); `match` empty
 * takes every number, "/re/" is a POSIX ERE searched in the number (anchor it with ^ and $
 * yourself), "a, b" is a list of prefixes, "@FILE" a file of them (one a line, blanks and
 * "#" comments ignored: ported numbers moved one by one), anything else is a literal
 * prefix. The first route that matches wins; its
 * number is rewritten: `strip` leading characters removed (all of them if the number is
 * shorter), then `prepend` put in front.
 *
 * Overlap (complete == false):
 *   MATCH      a route matches and no route *before it* could match a longer number (a
 *              later route can never win over it, so waiting would change nothing);
 *   NEED_MORE  a route before the first match (or, if none matches, any route) could still
 *              match a longer number. A prefix route could when the number is a proper
 *              prefix of its prefix. A regex route that does not match could while the
 *              number is shorter than max_digits, unless the regex starts with ^ and
 *              literal digits the number already contradicts. The empty number is never
 *              a MATCH before it is complete: even a catch-all route waits for digits;
 *   NO_MATCH   otherwise.
 * complete == true (sending complete, '#', or the inter-digit timer expired): nothing more
 * will come, so the first matching route is the MATCH, or NO_MATCH.
 * Returns the state, which is also res->state. */
enum route_state route_lookup(const struct route_table *t, const struct conf_endpoint *src,
			      const char *number, bool complete, struct route_result *res);

/* The table's routes in config order, for listings (strowgerctl show routes). */
unsigned route_table_size(const struct route_table *t);
const struct conf_route *route_table_route(const struct route_table *t, unsigned index);
/* Count a call the route at index took; how many it took so far. */
void route_table_count(struct route_table *t, unsigned index);
uint64_t route_table_calls(const struct route_table *t, unsigned index);
/* A reload built t to replace old: routes of the same name keep their counts. */
void route_table_carry(struct route_table *t, const struct route_table *old);

/* A set of Q.850 cause values (1..127). */
struct route_causes {
	uint64_t bits[2];
};

/* Parse "27, 34, 38" (conf failover_causes). 0 or EINVAL (out is then empty). */
int route_causes_parse(const char *text, struct route_causes *out);
bool route_causes_has(const struct route_causes *s, int cause);

/* Ordered fallback: the attempt on dest->ep[attempt] failed with Q.850 cause before
 * anything but "proceeding" reached the caller: may the call try dest->ep[attempt + 1]?
 * Yes when there is one and cause is in fc ("this destination cannot take it": trunk
 * down, 503, 408, no circuit, D-channel down), never for 16 (normal clearing), 17 (user
 * busy: the callee's answer, wherever we send the call) or 21 (call rejected), whatever
 * fc says. The caller rules out answered calls and calls with early media passed on. */
bool route_failover(const struct conf_destlist *dest, unsigned attempt, int cause,
		    const struct route_causes *fc);

/* "no match", "need more", "match". */
const char *route_state_name(enum route_state s);

/* Describe an endpoint for logs: "any", "span 2", "group pbx", "trunk carrier". */
const char *route_endpoint_str(const struct conf_endpoint *ep, char *buf, size_t len);

#endif
