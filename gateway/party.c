/* The calling and called party between Q.931 and SIP (see party.h). */
#include "gateway/party.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *nz(const char *s)
{
	return s ? s : "";
}

int party_number_to_sip(const struct party_plan *pl, const struct pri_number *n, char *buf,
			size_t len)
{
	const char *cc = pl ? nz(pl->country_code) : "", *np = pl ? nz(pl->national_prefix) : "";
	int w;

	if (!n->digits[0])
		w = snprintf(buf, len, "%s", "");
	else if (n->ton == Q931_TON_INTERNATIONAL)
		w = snprintf(buf, len, "+%s", n->digits);
	else if (n->ton == Q931_TON_NATIONAL && cc[0])
		w = snprintf(buf, len, "+%s%s", cc, n->digits);
	else if (n->ton == Q931_TON_NATIONAL)
		w = snprintf(buf, len, "%s%s", np, n->digits);
	else
		w = snprintf(buf, len, "%s", n->digits);
	if (w < 0 || (size_t)w >= len) {
		if (len)
			buf[0] = '\0';
		return ENOSPC;
	}
	return 0;
}

int party_number_from_sip(const struct party_plan *pl, const char *user, struct pri_number *n)
{
	const char *cc = pl ? nz(pl->country_code) : "";
	char d[PRI_NUM_MAX + 2];
	size_t o = 0;
	bool plus = false;

	memset(n, 0, sizeof(*n));
	if (!user || !user[0])
		return EINVAL;
	if (*user == '+') {
		plus = true;
		user++;
	}
	for (; *user; user++) {
		if (strchr("-.()", *user))	/* RFC 3966 visual-separator */
			continue;
		if (!isdigit((unsigned char)*user) && *user != '*' && *user != '#')
			return EINVAL;
		if (o + 1 >= sizeof(d))
			return EINVAL;
		d[o++] = *user;
	}
	d[o] = '\0';
	if (!o || o > PRI_NUM_MAX)
		return EINVAL;
	if (!plus) {
		n->ton = Q931_TON_UNKNOWN;
		n->npi = Q931_NPI_E164;
		memcpy(n->digits, d, o + 1);
		return 0;
	}
	size_t cl = strlen(cc);
	n->npi = Q931_NPI_E164;
	if (cl && o > cl && !strncmp(d, cc, cl)) {
		n->ton = Q931_TON_NATIONAL;
		memcpy(n->digits, d + cl, o - cl + 1);
	} else {
		n->ton = Q931_TON_INTERNATIONAL;
		memcpy(n->digits, d, o + 1);
	}
	return 0;
}

void party_calling_to_sip(const struct party_plan *pl, const struct pri_party *p, bool trusted,
			  struct party_sip_identity *out)
{
	char num[PARTY_USER_MAX];

	memset(out, 0, sizeof(*out));
	(void)party_number_to_sip(pl, &p->number, num, sizeof(num));
	bool shown = p->pres == Q931_PRES_ALLOWED;
	/* Q.931 §4.5.9: "verified and failed" is a number we must not vouch for */
	bool assertable = num[0] && p->screen != Q931_SCREEN_USER_FAILED;

	if (shown && num[0]) {
		snprintf(out->from_user, sizeof(out->from_user), "%s", num);
		snprintf(out->display, sizeof(out->display), "%s", p->name);
	} else {
		/* RFC 3323 §4.1.1.3: an anonymous From; a name without a number still shows */
		out->anonymous = true;
		if (shown)
			snprintf(out->display, sizeof(out->display), "%s", p->name);
	}
	if (trusted && assertable && p->pres != Q931_PRES_UNAVAILABLE) {
		snprintf(out->pai_user, sizeof(out->pai_user), "%s", num);
		snprintf(out->pai_display, sizeof(out->pai_display), "%s", p->name);
		out->privacy_id = !shown;	/* RFC 3325 §7: keep it inside the trust domain */
	}
}

void party_sip_from_account(struct party_sip_identity *id, const char *account)
{
	if (!account || !account[0])
		return;
	/* Shown and not yet asserted (untrusted trunk): assert it now, the account vouches. */
	if (!id->pai_user[0] && !id->anonymous && id->from_user[0]) {
		snprintf(id->pai_user, sizeof(id->pai_user), "%s", id->from_user);
		snprintf(id->pai_display, sizeof(id->pai_display), "%s", id->display);
	}
	id->anonymous = false;
	snprintf(id->from_user, sizeof(id->from_user), "%s", account);
	if (id->privacy_id)
		id->display[0] = '\0';	/* the From must not name a restricted caller */
}

static const char *set_or(const char *a, const char *b)
{
	return a && a[0] ? a : b && b[0] ? b : NULL;
}

void party_sip_fixed(struct party_sip_identity *id, const struct party_fixed *route,
		     const struct party_fixed *trunk)
{
	const char *pai = set_or(route ? route->pai : NULL, trunk ? trunk->pai : NULL);
	const char *privacy = set_or(route ? route->privacy : NULL, trunk ? trunk->privacy : NULL);

	if (pai) {
		bool uri = !strncasecmp(pai, "sip:", 4) || !strncasecmp(pai, "sips:", 5) ||
			   !strncasecmp(pai, "tel:", 4);

		snprintf(id->pai_uri, sizeof(id->pai_uri), "%s", uri ? pai : "");
		snprintf(id->pai_user, sizeof(id->pai_user), "%s", uri ? "" : pai);
		id->pai_display[0] = '\0';	/* the trunk's identity, not the caller's name */
	}
	if (privacy)
		snprintf(id->privacy, sizeof(id->privacy), "%s", privacy);
}

const char *party_sip_privacy(const struct party_sip_identity *id)
{
	if (id->privacy[0])
		return id->privacy;
	return id->privacy_id ? "id" : NULL;
}

/* RFC 3323 §4.2 privacy values that hide the caller's identity. */
static bool privacy_hides_id(const char *privacy)
{
	char buf[128];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", nz(privacy));
	for (char *t = strtok_r(buf, ";, \t", &save); t; t = strtok_r(NULL, ";, \t", &save))
		if (!strcasecmp(t, "id") || !strcasecmp(t, "user") || !strcasecmp(t, "header"))
			return true;
	return false;
}

static bool from_is_anonymous(const struct party_sip_caller *in)
{
	return !strcasecmp(nz(in->from_user), "anonymous") ||
	       !strcasecmp(nz(in->from_host), "anonymous.invalid");
}

void party_calling_from_sip(const struct party_plan *pl, const struct party_sip_caller *in,
			    bool trusted, struct pri_party *out)
{
	bool use_pai = trusted && in->pai_user && in->pai_user[0];
	bool anonymous = from_is_anonymous(in);
	const char *user = use_pai ? in->pai_user : anonymous ? NULL : in->from_user;
	const char *name = use_pai && in->pai_display ? in->pai_display :
			   anonymous ? NULL : in->from_display;

	memset(out, 0, sizeof(*out));
	if (party_number_from_sip(pl, user, &out->number)) {
		/* §4.5.9: no number we can pass on; anonymous means the caller withheld it */
		out->pres = anonymous || privacy_hides_id(in->privacy) ? Q931_PRES_RESTRICTED
								      : Q931_PRES_UNAVAILABLE;
		out->screen = Q931_SCREEN_NETWORK;
	} else {
		out->pres = anonymous || privacy_hides_id(in->privacy) ? Q931_PRES_RESTRICTED
								      : Q931_PRES_ALLOWED;
		out->screen = use_pai ? Q931_SCREEN_USER_PASSED : Q931_SCREEN_USER_NOT_SCREENED;
	}
	snprintf(out->name, sizeof(out->name), "%s", nz(name));
}

const char *party_pres_name(enum q931_pres pres)
{
	switch (pres) {
	case Q931_PRES_ALLOWED: return "allowed";
	case Q931_PRES_RESTRICTED: return "restricted";
	case Q931_PRES_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

const char *party_ton_name(enum q931_ton ton)
{
	switch (ton) {
	case Q931_TON_UNKNOWN: return "unknown";
	case Q931_TON_INTERNATIONAL: return "international";
	case Q931_TON_NATIONAL: return "national";
	case Q931_TON_NETWORK: return "network-specific";
	case Q931_TON_SUBSCRIBER: return "subscriber";
	case Q931_TON_ABBREVIATED: return "abbreviated";
	}
	return "?";
}
