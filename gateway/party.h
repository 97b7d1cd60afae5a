/* The calling and called party between Q.931 and SIP: number format, presentation,
 * screening and name.
 *
 * Numbers: Q.931 §4.5.8/§4.5.10 carries digits plus a type of number (ToN) and numbering
 * plan; SIP carries a user part. A number the PSTN calls international becomes "+digits"
 * (E.164, RFC 3966 global number); a national one becomes "+<country code>digits" when the
 * span's country code is known, else "<national prefix>digits"; any other stays as it is.
 * The reverse: "+<country code>..." is national, any other "+..." international, the rest
 * unknown.
 *
 * Identity: presentation restricted (Q.931 §4.5.9 octet 3a) is RFC 3323 privacy: the From
 * header is anonymous, and a trunk inside our trust domain (RFC 3325 §2.3) still gets the
 * number in P-Asserted-Identity with "Privacy: id". From a trusted trunk we believe
 * P-Asserted-Identity over From; anything we cannot vouch for is "user provided, not
 * screened".
 *
 * I/O-free: strings and structs in and out. */
#ifndef STROWGER_GATEWAY_PARTY_H
#define STROWGER_GATEWAY_PARTY_H

#include <stdbool.h>
#include <stddef.h>

#include "tdm/pri.h"

/* How one span writes its numbers (the config's country_code and national_prefix). */
struct party_plan {
	const char *country_code;	/* E.164 country code "49", or "" if not set */
	const char *national_prefix;	/* trunk prefix "0", or "" */
};

/* Longest SIP user part or display name we build. */
#define PARTY_USER_MAX	(PRI_NUM_MAX + 8)
#define PARTY_NAME_MAX	PRI_NAME_MAX
#define PARTY_URI_MAX	256		/* a fixed P-Asserted-Identity URI, with NUL */
#define PARTY_PRIVACY_MAX 32		/* a forced Privacy value, with NUL */

/* A Q.931 number as a SIP user part / routing number. Return 0, or ENOSPC (buf too small;
 * buf is then ""). */
int party_number_to_sip(const struct party_plan *pl, const struct pri_number *n, char *buf,
			size_t len);

/* A SIP user part as a Q.931 number: RFC 3966 visual separators (- . ( )) are dropped.
 * Return 0, or EINVAL if it is not a telephone number ("alice", "anonymous", too long):
 * n is then empty. */
int party_number_from_sip(const struct party_plan *pl, const char *user, struct pri_number *n);

/* The calling party as it goes out in an INVITE. */
struct party_sip_identity {
	bool anonymous;			/* From: "Anonymous" <sip:anonymous@anonymous.invalid> */
	char from_user[PARTY_USER_MAX];	/* when not anonymous; "" = no user part */
	char display[PARTY_NAME_MAX + 1];	/* From display name, "" = none */
	char pai_user[PARTY_USER_MAX];	/* P-Asserted-Identity user, "" = no header */
	char pai_display[PARTY_NAME_MAX + 1];
	bool privacy_id;		/* send "Privacy: id" (RFC 3325 §9.3) */
	char pai_uri[PARTY_URI_MAX];	/* a fixed P-Asserted-Identity URI (party_sip_fixed),
					 * instead of pai_user; "" = none */
	char privacy[PARTY_PRIVACY_MAX];	/* a forced Privacy value, instead of what
					 * privacy_id says; "" = none forced */
};

/* PRI -> SIP: the calling party of a SETUP toward a trunk, trusted or not. */
void party_calling_to_sip(const struct party_plan *pl, const struct pri_party *p, bool trusted,
			  struct party_sip_identity *out);

/* A trunk that wants its own account in From (conf from_user): the caller moves to
 * P-Asserted-Identity when it may be shown or the trunk is trusted (then with Privacy: id
 * if restricted); a restricted caller toward an untrusted trunk leaves no trace. */
void party_sip_from_account(struct party_sip_identity *id, const char *account);

/* A trunk's or route's fixed identity (conf pai and privacy; the caller's SETUP does not
 * change them). pai, a URI ("sip:", "sips:", "tel:") or a user part / number, replaces the
 * caller in P-Asserted-Identity (RFC 3325 §9.1), display name dropped; privacy ("none",
 * "id", "header;user"...) is the Privacy header sent (RFC 3323 §4.2) whatever the caller's
 * presentation. NULL or "": not set. */
struct party_fixed {
	const char *pai;
	const char *privacy;
};

/* Apply the route's fixed identity over the trunk's: each part the route sets wins, the
 * trunk's applies where the route sets nothing. Either may be NULL. */
void party_sip_fixed(struct party_sip_identity *id, const struct party_fixed *route,
		     const struct party_fixed *trunk);

/* The Privacy value an identity sends: the forced one, "id" for a restricted caller, or
 * NULL for no header. */
const char *party_sip_privacy(const struct party_sip_identity *id);

/* What an incoming INVITE says about its caller. Any field may be NULL. */
struct party_sip_caller {
	const char *from_user, *from_host, *from_display;
	const char *pai_user, *pai_display;	/* first P-Asserted-Identity, if any */
	const char *privacy;			/* Privacy header value, "id;user" */
};

/* SIP -> PRI: the calling party of the SETUP for an INVITE from a trunk. */
void party_calling_from_sip(const struct party_plan *pl, const struct party_sip_caller *in,
			    bool trusted, struct pri_party *out);

/* "allowed", "restricted", "unavailable"; "international", "national"... for logs. */
const char *party_pres_name(enum q931_pres pres);
const char *party_ton_name(enum q931_ton ton);

#endif
