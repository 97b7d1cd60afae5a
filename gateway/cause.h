/* Q.850 cause <-> SIP status mapping (RFC 3398 §7.2.4.1, §8.2.6.1) and the Reason header
 * (RFC 3326 §2, RFC 6432).
 *
 * I/O-free: numbers and strings in, numbers and strings out. A struct cause_map holds the
 * RFC 3398 defaults plus the operator's overrides from the config; every lookup also accepts
 * a NULL map, which means "the defaults". */
#ifndef STROWGER_GATEWAY_CAUSE_H
#define STROWGER_GATEWAY_CAUSE_H

#include <stddef.h>

/* Q.850 cause values the gateway itself uses. */
enum {
	CAUSE_UNALLOCATED_NUMBER = 1,
	CAUSE_NORMAL_CLEARING = 16,
	CAUSE_USER_BUSY = 17,
	CAUSE_NO_USER_RESPONDING = 18,
	CAUSE_NO_ANSWER = 19,
	CAUSE_CALL_REJECTED = 21,
	CAUSE_INVALID_NUMBER_FORMAT = 28,
	CAUSE_NORMAL_UNSPECIFIED = 31,
	CAUSE_NO_CIRCUIT_AVAILABLE = 34,
	CAUSE_NETWORK_OUT_OF_ORDER = 38,
	CAUSE_TEMPORARY_FAILURE = 41,
	CAUSE_SWITCH_CONGESTION = 42,
	CAUSE_RESOURCE_UNAVAILABLE = 47,
	CAUSE_BEARER_NOT_IMPLEMENTED = 65,
	CAUSE_INCOMPATIBLE_DESTINATION = 88,
	CAUSE_RECOVERY_ON_TIMER_EXPIRY = 102,
	CAUSE_INTERWORKING = 127,
};

#define CAUSE_MIN	1	/* Q.850 cause values are 7 bits; 0 is not a cause */
#define CAUSE_MAX	127
#define SIP_STATUS_MIN	300	/* final non-2xx responses, the only ones that map */
#define SIP_STATUS_MAX	699

/* Q.850 §2.2.2 location field. CAUSE_LOC_UNKNOWN: the caller has no location. */
enum cause_location {
	CAUSE_LOC_USER = 0,		/* U */
	CAUSE_LOC_PRIV_LOCAL = 1,	/* LPN */
	CAUSE_LOC_PUB_LOCAL = 2,	/* LN */
	CAUSE_LOC_TRANSIT = 3,		/* TN */
	CAUSE_LOC_PUB_REMOTE = 4,	/* RLN */
	CAUSE_LOC_PRIV_REMOTE = 5,	/* RPN */
	CAUSE_LOC_INTERNATIONAL = 7,	/* INTL */
	CAUSE_LOC_BEYOND = 10,		/* BI: network beyond the interworking point */
	CAUSE_LOC_UNKNOWN = 16,
};

struct cause_map;

/* A map holding the RFC 3398 defaults. Return 0 or ENOMEM. */
int cause_map_alloc(struct cause_map **mp);
void cause_map_free(struct cause_map *m);

/* Apply overrides from the config: a list separated by commas and/or blanks of
 *   "C=S"  Q.850 cause C (1..127) is sent as SIP status S (300..699), e.g. "17=486"
 *   "S=C"  SIP status S (300..699) is cleared with Q.850 cause C (1..127), e.g. "486=17"
 * The list is checked completely before anything changes: on a mistake nothing is applied,
 * EINVAL is returned and err (size errlen, may be NULL) names the bad item. */
int cause_map_override(struct cause_map *m, const char *spec, char *err, size_t errlen);

/* The SIP status to answer an INVITE with when the TDM side clears with this cause
 * (RFC 3398 §7.2.4.1). loc is the cause's location: CAUSE_LOC_USER turns 21 into 603 (the
 * table's (+) note). Unlisted causes map like the "unspecified" cause of their Q.850 class;
 * an invalid cause (0, >127) like 31. Always returns 300..699.
 * Cause 16 has no response in the table (it becomes BYE or CANCEL); when a response is
 * needed anyway, the gateway answers 480 (as cause 31). */
unsigned cause_q850_to_sip(const struct cause_map *m, unsigned cause, enum cause_location loc);

/* The Q.850 cause to clear the TDM side with when the SIP side rejects with status
 * (RFC 3398 §8.2.6.1). reason is the response's Reason header value(s) or NULL: a valid
 * Q.850 cause there wins over the table (RFC 3326, RFC 6432). Unlisted statuses → 31.
 * Always returns 1..127.
 * BYE and CANCEL are not responses: the gateway clears with 16 for them (§8.2.6.1), and so a
 * call cancelled by the SIP side before answer is cleared with 16 -- the gateway's policy,
 * not a table entry (see cause.c). */
unsigned cause_sip_to_q850(const struct cause_map *m, unsigned status, const char *reason);

/* Location for a cause derived from a SIP status (§8.2.6.1): 6xx → user, else network
 * (CAUSE_LOC_BEYOND: beyond the interworking point). */
enum cause_location cause_sip_location(unsigned status);

/* Q.850 name for logs, e.g. 17 → "user busy"; "unknown cause" for unassigned values. */
const char *cause_name(unsigned cause);

/* Reason header value, RFC 3326 §2: Q.850;cause=17;text="user busy".
 * Return 0, EINVAL (cause out of 1..127, buf NULL) or ENOSPC (buf too small; buf is then
 * an empty string). */
int cause_reason_build(char *buf, size_t len, unsigned cause);

/* What a received Reason header carried. 0 = absent. */
struct cause_reason {
	unsigned q850;		/* first valid Q.850 cause (1..127) */
	unsigned sip;		/* first valid SIP cause (100..699) */
};

/* Parse a Reason header value; several comma-separated reason-values, and several header
 * lines joined with commas, are allowed. Unknown protocols, unknown parameters and malformed
 * reason-values are skipped. Return 0 if a Q.850 or SIP cause was found, ENOENT if none,
 * EINVAL if value or out is NULL. */
int cause_reason_parse(const char *value, struct cause_reason *out);

#endif
