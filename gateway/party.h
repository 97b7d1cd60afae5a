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
};

/* PRI -> SIP: the calling party of a SETUP toward a trunk, trusted or not. */
void party_calling_to_sip(const struct party_plan *pl, const struct pri_party *p, bool trusted,
			  struct party_sip_identity *out);

/* A trunk that wants its own account in From (conf from_user): the caller moves to
 * P-Asserted-Identity when it may be shown or the trunk is trusted (then with Privacy: id
 * if restricted); a restricted caller toward an untrusted trunk leaves no trace. */
void party_sip_from_account(struct party_sip_identity *id, const char *account);

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
