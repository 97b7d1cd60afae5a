/* The calling and called party between Q.931 and SIP: number format (ToN, E.164 / RFC 3966),
 * presentation and screening (Q.931 §4.5.9) against RFC 3323 privacy and RFC 3325
 * P-Asserted-Identity. */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "gateway/party.h"

static const struct party_plan de = { .country_code = "49", .national_prefix = "0" };
static const struct party_plan bare = { .country_code = "", .national_prefix = "0" };

static struct pri_number num(const char *digits, enum q931_ton ton)
{
	struct pri_number n = { .ton = ton, .npi = Q931_NPI_E164 };

	strcpy(n.digits, digits);
	return n;
}

static const char *to_sip(const struct party_plan *pl, const char *digits, enum q931_ton ton)
{
	static char buf[PARTY_USER_MAX];
	struct pri_number n = num(digits, ton);

	cr_assert_eq(party_number_to_sip(pl, &n, buf, sizeof(buf)), 0);
	return buf;
}

Test(party, number_to_sip_by_type_of_number)
{
	cr_expect_str_eq(to_sip(&de, "4930123", Q931_TON_INTERNATIONAL), "+4930123");
	cr_expect_str_eq(to_sip(&de, "30123", Q931_TON_NATIONAL), "+4930123");
	cr_expect_str_eq(to_sip(&bare, "30123", Q931_TON_NATIONAL), "030123");
	cr_expect_str_eq(to_sip(NULL, "30123", Q931_TON_NATIONAL), "30123");
	cr_expect_str_eq(to_sip(&de, "123", Q931_TON_SUBSCRIBER), "123");
	cr_expect_str_eq(to_sip(&de, "0030123", Q931_TON_UNKNOWN), "0030123");
	cr_expect_str_eq(to_sip(&de, "", Q931_TON_INTERNATIONAL), "");
}

Test(party, number_to_sip_too_long)
{
	struct pri_number n = num("4930123", Q931_TON_INTERNATIONAL);
	char buf[8];

	cr_expect_eq(party_number_to_sip(&de, &n, buf, sizeof(buf)), ENOSPC);
	cr_expect_str_eq(buf, "");
}

Test(party, number_from_sip)
{
	struct pri_number n;

	cr_assert_eq(party_number_from_sip(&de, "+4930123", &n), 0);
	cr_expect_str_eq(n.digits, "30123");
	cr_expect_eq(n.ton, Q931_TON_NATIONAL);
	cr_expect_eq(n.npi, Q931_NPI_E164);

	cr_assert_eq(party_number_from_sip(&de, "+4420123", &n), 0);
	cr_expect_str_eq(n.digits, "4420123");
	cr_expect_eq(n.ton, Q931_TON_INTERNATIONAL);

	cr_assert_eq(party_number_from_sip(&bare, "+4930123", &n), 0);
	cr_expect_eq(n.ton, Q931_TON_INTERNATIONAL);
	cr_expect_str_eq(n.digits, "4930123");

	cr_assert_eq(party_number_from_sip(&de, "030123", &n), 0);
	cr_expect_eq(n.ton, Q931_TON_UNKNOWN);
	cr_expect_str_eq(n.digits, "030123");

	/* RFC 3966 visual separators go; *, # stay */
	cr_assert_eq(party_number_from_sip(&de, "+49-(30)-12.3", &n), 0);
	cr_expect_str_eq(n.digits, "30123");
	cr_assert_eq(party_number_from_sip(&de, "*31#", &n), 0);
	cr_expect_str_eq(n.digits, "*31#");

	/* the country code alone is not a national number */
	cr_assert_eq(party_number_from_sip(&de, "+49", &n), 0);
	cr_expect_eq(n.ton, Q931_TON_INTERNATIONAL);
}

Test(party, number_from_sip_refuses_what_is_not_a_number)
{
	struct pri_number n;
	char longest[PRI_NUM_MAX + 2];

	cr_expect_eq(party_number_from_sip(&de, "alice", &n), EINVAL);
	cr_expect_str_eq(n.digits, "");
	cr_expect_eq(party_number_from_sip(&de, "anonymous", &n), EINVAL);
	cr_expect_eq(party_number_from_sip(&de, "", &n), EINVAL);
	cr_expect_eq(party_number_from_sip(&de, NULL, &n), EINVAL);
	cr_expect_eq(party_number_from_sip(&de, "+", &n), EINVAL);
	cr_expect_eq(party_number_from_sip(&de, "12a4", &n), EINVAL);
	memset(longest, '7', PRI_NUM_MAX);
	longest[PRI_NUM_MAX] = '\0';
	cr_expect_eq(party_number_from_sip(&de, longest, &n), 0);
	longest[PRI_NUM_MAX] = '7';
	longest[PRI_NUM_MAX + 1] = '\0';
	cr_expect_eq(party_number_from_sip(&de, longest, &n), EINVAL);
}

static struct pri_party party(const char *digits, enum q931_ton ton, enum q931_pres pres,
			      enum q931_screen screen, const char *name)
{
	struct pri_party p = { .number = num(digits, ton), .pres = pres, .screen = screen };

	strcpy(p.name, name);
	return p;
}

Test(party, presentation_allowed_to_sip)
{
	struct pri_party p = party("30123", Q931_TON_NATIONAL, Q931_PRES_ALLOWED,
				   Q931_SCREEN_USER_NOT_SCREENED, "Alice");
	struct party_sip_identity id;

	party_calling_to_sip(&de, &p, false, &id);
	cr_expect_not(id.anonymous);
	cr_expect_str_eq(id.from_user, "+4930123");
	cr_expect_str_eq(id.display, "Alice");
	cr_expect_str_eq(id.pai_user, "");
	cr_expect_not(id.privacy_id);

	party_calling_to_sip(&de, &p, true, &id);
	cr_expect_str_eq(id.from_user, "+4930123");
	cr_expect_str_eq(id.pai_user, "+4930123");
	cr_expect_str_eq(id.pai_display, "Alice");
	cr_expect_not(id.privacy_id);
}

/* A trunk that authenticates callers by its own account in From (from_user): the caller
 * moves to P-Asserted-Identity, unless it is restricted and the trunk is not trusted. */
Test(party, trunk_account_in_from)
{
	struct pri_party shown = party("30123", Q931_TON_NATIONAL, Q931_PRES_ALLOWED,
				       Q931_SCREEN_NETWORK, "Alice");
	struct pri_party hidden = party("30123", Q931_TON_NATIONAL, Q931_PRES_RESTRICTED,
					Q931_SCREEN_NETWORK, "Alice");
	struct party_sip_identity id;

	party_calling_to_sip(&de, &shown, false, &id);
	party_sip_from_account(&id, "acct77");
	cr_expect_not(id.anonymous);
	cr_expect_str_eq(id.from_user, "acct77");
	cr_expect_str_eq(id.pai_user, "+4930123");
	cr_expect_str_eq(id.pai_display, "Alice");
	cr_expect_not(id.privacy_id);

	party_calling_to_sip(&de, &hidden, true, &id);
	party_sip_from_account(&id, "acct77");
	cr_expect_str_eq(id.from_user, "acct77");
	cr_expect_str_eq(id.display, "", "a restricted caller's name must not show in From");
	cr_expect_str_eq(id.pai_user, "+4930123");
	cr_expect(id.privacy_id);

	party_calling_to_sip(&de, &hidden, false, &id);
	party_sip_from_account(&id, "acct77");
	cr_expect_str_eq(id.from_user, "acct77");
	cr_expect_str_eq(id.pai_user, "", "a restricted caller leaked to an untrusted trunk");

	party_calling_to_sip(&de, &shown, false, &id);
	party_sip_from_account(&id, "");		/* not set: unchanged */
	cr_expect_str_eq(id.from_user, "+4930123");
	cr_expect_str_eq(id.pai_user, "");
}

/* pai and privacy of a trunk and a route: the route's win part by part; a URI goes whole,
 * a number as the user part; the caller's name leaves with the caller; a forced Privacy
 * replaces what presentation says, either way. */
Test(party, fixed_identity_route_over_trunk)
{
	struct pri_party shown = party("30123", Q931_TON_NATIONAL, Q931_PRES_ALLOWED,
				       Q931_SCREEN_NETWORK, "Alice");
	struct pri_party hidden = party("30123", Q931_TON_NATIONAL, Q931_PRES_RESTRICTED,
					Q931_SCREEN_NETWORK, "Alice");
	const struct party_fixed trunk = { .pai = "sip:+4930999@carrier.example",
					   .privacy = "none" };
	const struct party_fixed route = { .pai = "+4940555", .privacy = "" };
	struct party_sip_identity id;

	party_calling_to_sip(&de, &shown, true, &id);
	cr_expect_null(party_sip_privacy(&id), "shown: no Privacy");
	party_sip_fixed(&id, NULL, &trunk);
	cr_expect_str_eq(id.pai_uri, "sip:+4930999@carrier.example");
	cr_expect_str_eq(id.pai_user, "");
	cr_expect_str_eq(id.pai_display, "", "the caller's name with the trunk's identity");
	cr_expect_str_eq(id.from_user, "+4930123", "From is not pai's business");
	cr_expect_str_eq(party_sip_privacy(&id), "none");

	party_calling_to_sip(&de, &hidden, true, &id);
	party_sip_fixed(&id, &route, &trunk);
	cr_expect_str_eq(id.pai_user, "+4940555", "the route's pai does not win");
	cr_expect_str_eq(id.pai_uri, "");
	cr_expect_str_eq(party_sip_privacy(&id), "none", "the trunk's privacy not kept");

	party_calling_to_sip(&de, &hidden, true, &id);
	cr_expect_str_eq(party_sip_privacy(&id), "id");
	party_sip_fixed(&id, &(struct party_fixed){ .privacy = "header;user" }, NULL);
	cr_expect_str_eq(party_sip_privacy(&id), "header;user");
	cr_expect_str_eq(id.pai_user, "+4930123", "no pai set: the caller's");

	party_calling_to_sip(&de, &shown, true, &id);
	party_sip_fixed(&id, &(struct party_fixed){ .pai = "", .privacy = "" }, NULL);
	cr_expect_str_eq(id.pai_user, "+4930123");
	cr_expect_null(party_sip_privacy(&id));
}

Test(party, presentation_restricted_to_sip)
{
	struct pri_party p = party("30123", Q931_TON_NATIONAL, Q931_PRES_RESTRICTED,
				   Q931_SCREEN_NETWORK, "Alice");
	struct party_sip_identity id;

	/* outside the trust domain nothing of the caller leaves (RFC 3323 §4.1.1.3) */
	party_calling_to_sip(&de, &p, false, &id);
	cr_expect(id.anonymous);
	cr_expect_str_eq(id.display, "");
	cr_expect_str_eq(id.pai_user, "");
	cr_expect_not(id.privacy_id);

	/* inside it: asserted, with Privacy: id (RFC 3325 §7) */
	party_calling_to_sip(&de, &p, true, &id);
	cr_expect(id.anonymous);
	cr_expect_str_eq(id.display, "");
	cr_expect_str_eq(id.pai_user, "+4930123");
	cr_expect_str_eq(id.pai_display, "Alice");
	cr_expect(id.privacy_id);
}

Test(party, no_number_or_failed_screening)
{
	struct pri_party p = party("", Q931_TON_UNKNOWN, Q931_PRES_UNAVAILABLE,
				   Q931_SCREEN_NETWORK, "");
	struct party_sip_identity id;

	party_calling_to_sip(&de, &p, true, &id);
	cr_expect(id.anonymous);
	cr_expect_str_eq(id.pai_user, "");

	/* a name without a number still shows when presentation allows it */
	p = party("", Q931_TON_UNKNOWN, Q931_PRES_ALLOWED, Q931_SCREEN_NETWORK, "Reception");
	party_calling_to_sip(&de, &p, true, &id);
	cr_expect(id.anonymous);
	cr_expect_str_eq(id.display, "Reception");
	cr_expect_str_eq(id.pai_user, "");

	/* "verified and failed": shown in From, never asserted */
	p = party("30123", Q931_TON_NATIONAL, Q931_PRES_ALLOWED, Q931_SCREEN_USER_FAILED, "");
	party_calling_to_sip(&de, &p, true, &id);
	cr_expect_str_eq(id.from_user, "+4930123");
	cr_expect_str_eq(id.pai_user, "");
}

Test(party, caller_from_sip_untrusted)
{
	struct party_sip_caller in = { .from_user = "+4930123", .from_host = "127.0.0.1",
				       .from_display = "Alice", .pai_user = "+4930999",
				       .pai_display = "Mallory" };
	struct pri_party p;

	/* an untrusted peer's P-Asserted-Identity is ignored (RFC 3325 §5) */
	party_calling_from_sip(&de, &in, false, &p);
	cr_expect_str_eq(p.number.digits, "30123");
	cr_expect_eq(p.number.ton, Q931_TON_NATIONAL);
	cr_expect_eq(p.pres, Q931_PRES_ALLOWED);
	cr_expect_eq(p.screen, Q931_SCREEN_USER_NOT_SCREENED);
	cr_expect_str_eq(p.name, "Alice");
}

Test(party, caller_from_sip_trusted)
{
	struct party_sip_caller in = { .from_user = "anonymous",
				       .from_host = "anonymous.invalid",
				       .from_display = "Anonymous", .pai_user = "+4420123",
				       .pai_display = "Bob", .privacy = "id" };
	struct pri_party p;

	party_calling_from_sip(&de, &in, true, &p);
	cr_expect_str_eq(p.number.digits, "4420123");
	cr_expect_eq(p.number.ton, Q931_TON_INTERNATIONAL);
	cr_expect_eq(p.pres, Q931_PRES_RESTRICTED);
	cr_expect_eq(p.screen, Q931_SCREEN_USER_PASSED);
	cr_expect_str_eq(p.name, "Bob");

	/* the same from an untrusted peer: only "withheld" gets through */
	party_calling_from_sip(&de, &in, false, &p);
	cr_expect_str_eq(p.number.digits, "");
	cr_expect_eq(p.pres, Q931_PRES_RESTRICTED);
	cr_expect_str_eq(p.name, "");
}

Test(party, caller_from_sip_privacy_values)
{
	struct party_sip_caller in = { .from_user = "100", .from_host = "127.0.0.1" };
	struct pri_party p;

	const char *hide[] = { "id", "user", "header", "session;id", "ID", "none;user" };
	for (size_t i = 0; i < sizeof(hide) / sizeof(hide[0]); i++) {
		in.privacy = hide[i];
		party_calling_from_sip(&de, &in, false, &p);
		cr_expect_eq(p.pres, Q931_PRES_RESTRICTED, "Privacy: %s", hide[i]);
	}
	const char *show[] = { "none", "session", "critical", "" };
	for (size_t i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
		in.privacy = show[i];
		party_calling_from_sip(&de, &in, false, &p);
		cr_expect_eq(p.pres, Q931_PRES_ALLOWED, "Privacy: %s", show[i]);
	}
}

Test(party, caller_from_sip_not_a_number)
{
	struct party_sip_caller in = { .from_user = "alice", .from_host = "127.0.0.1",
				       .from_display = "Alice" };
	struct pri_party p;

	/* Q.931 §4.5.9: "number not available due to interworking"; the name still goes */
	party_calling_from_sip(&de, &in, false, &p);
	cr_expect_str_eq(p.number.digits, "");
	cr_expect_eq(p.pres, Q931_PRES_UNAVAILABLE);
	cr_expect_str_eq(p.name, "Alice");
}
