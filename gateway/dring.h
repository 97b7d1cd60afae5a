/* Distinctive ringing for an FXS port from a SIP INVITE's Alert-Info (RFC 3261 §20.4): the
 * header names a ring by a URI or an info parameter, and the port rings the phone with the
 * cadence of that name (DAHDI_SETCADENCE) instead of the zone's. Names come from the port's
 * own table (distinctive_ring = "NAME:ON/OFF[/ON/OFF...], ...", [ms]) and, unless the table
 * redefines them, the five Bellcore patterns of GR-506-CORE (dr1 standard 2 s/4 s, dr2
 * long-long, dr3 short-short-long, dr4 short-long-short, dr5 a 0.5 s splash). An Alert-Info
 * is read as, in this order: a "Bellcore-drN" anywhere in it (Cisco, Polycom, Asterisk);
 * ";ring=N" or "<...ring=N>" (Bellcore drN); ";info=NAME" (e.g. "alert-internal", RFC 7462
 * style); the last path segment of the URI. I/O-free. */
#ifndef STROWGER_GATEWAY_DRING_H
#define STROWGER_GATEWAY_DRING_H

#include <stddef.h>

#define DRING_MAX_MS	16	/* on/off values of a cadence: DAHDI_MAX_CADENCE */
#define DRING_NAME_MAX	32

/* The ring an Alert-Info value names, into name (lower case; "" for none). */
void dring_name(const char *alert_info, char *name, size_t len);

/* The cadence of name in table (then the built-in Bellcore ones): on/off pairs [ms] into ms
 * (up to DRING_MAX_MS values); returns their count (even), 0 when name is unknown, -EINVAL
 * when table is malformed. */
int dring_cadence(const char *table, const char *name, unsigned ms[DRING_MAX_MS]);

/* Check a table as written in the configuration: 0, or EINVAL with what is wrong in err. */
int dring_table_check(const char *table, char *err, size_t errlen);

#endif
