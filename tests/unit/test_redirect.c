/* The redirecting party between Q.931 and SIP (gateway/redirect.c): Q.931 reasons ⇄ RFC
 * 5806 tokens ⇄ RFC 4458 causes, Diversion and History-Info built and parsed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "gateway/redirect.h"

Test(redirect, reasons_both_ways)
{
	static const struct {
		enum q931_redir_reason r;
		const char *token;
		unsigned cause;
	} t[] = {
		{ Q931_REDIR_BUSY, "user-busy", 486 },
		{ Q931_REDIR_NO_REPLY, "no-answer", 408 },
		{ Q931_REDIR_UNCONDITIONAL, "unconditional", 302 },
		{ Q931_REDIR_DEFLECTION, "deflection", 487 },
		{ Q931_REDIR_OUT_OF_ORDER, "out-of-service", 503 },
		{ Q931_REDIR_BY_DTE, "unavailable", 480 },
		{ Q931_REDIR_UNKNOWN, "unknown", 404 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_expect_str_eq(redirect_reason_token(t[i].r), t[i].token);
		cr_expect_eq(redirect_reason_from_token(t[i].token, strlen(t[i].token)), t[i].r,
			     "%s", t[i].token);
		cr_expect_eq(redirect_reason_cause(t[i].r), t[i].cause);
		cr_expect_eq(redirect_reason_from_cause(t[i].cause), t[i].r, "%u", t[i].cause);
	}
	cr_expect_eq(redirect_reason_from_token("USER-BUSY", 9), Q931_REDIR_BUSY, "tokens are "
		     "case-insensitive");
	cr_expect_eq(redirect_reason_from_token("time-of-day", 11), Q931_REDIR_UNKNOWN);
	cr_expect_eq(redirect_reason_from_token("user-busyx", 9), Q931_REDIR_BUSY, "len counts");
	cr_expect_eq(redirect_reason_from_cause(600), Q931_REDIR_UNKNOWN);
}

Test(redirect, diversion_build_and_parse)
{
	struct pri_redirecting ri = { .reason = Q931_REDIR_NO_REPLY, .counter = 2 }, out;
	char buf[256], user[64];

	cr_assert_eq(redirect_diversion_build(&ri, "+4930100", "127.0.0.1", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "<sip:+4930100@127.0.0.1>;reason=no-answer;counter=2");
	cr_assert_eq(redirect_diversion_parse(buf, user, sizeof(user), &out), 0);
	cr_expect_str_eq(user, "+4930100");
	cr_expect_eq(out.reason, Q931_REDIR_NO_REPLY);
	cr_expect_eq(out.counter, 2);
	cr_expect_eq(out.pres, Q931_PRES_ALLOWED);

	ri = (struct pri_redirecting){ .reason = Q931_REDIR_BUSY, .pres = Q931_PRES_RESTRICTED };
	cr_assert_eq(redirect_diversion_build(&ri, "4930100", "gw", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "<sip:4930100@gw>;reason=user-busy;counter=1;privacy=full");
	cr_assert_eq(redirect_diversion_parse(buf, user, sizeof(user), &out), 0);
	cr_expect_eq(out.pres, Q931_PRES_RESTRICTED);
	cr_expect_eq(out.reason, Q931_REDIR_BUSY);
	cr_expect_eq(redirect_diversion_build(&ri, "4930100", "gw", buf, 20), ENOSPC);

	/* as carriers send it: display name, quoted values, several entries (the first is
	 * the last redirection, RFC 5806 §3) */
	cr_assert_eq(redirect_diversion_parse("\"Sales\" <sip:+4930222@carrier.example;user=phone>"
		";reason=\"unconditional\";counter=3;screen=no, <sip:+4930111@x>;reason=user-busy",
		user, sizeof(user), &out), 0);
	cr_expect_str_eq(user, "+4930222");
	cr_expect_eq(out.reason, Q931_REDIR_UNCONDITIONAL);
	cr_expect_eq(out.counter, 3);
	cr_assert_eq(redirect_diversion_parse("<tel:+4930333>;reason=deflection;privacy=off",
					      user, sizeof(user), &out), 0);
	cr_expect_str_eq(user, "+4930333");
	cr_expect_eq(out.reason, Q931_REDIR_DEFLECTION);
	cr_expect_eq(out.pres, Q931_PRES_ALLOWED);
	cr_expect_eq(out.counter, 1, "no counter: 1");
	cr_expect_eq(redirect_diversion_parse("<http://x>", user, sizeof(user), &out), EINVAL);
	cr_expect_eq(redirect_diversion_parse("<sip:4930", user, sizeof(user), &out), EINVAL);
	cr_expect_eq(redirect_diversion_parse("<sip:123456789@x>", user, 5, &out), EINVAL);
}

Test(redirect, history_info_build_and_parse)
{
	struct pri_redirecting ri = { .reason = Q931_REDIR_BUSY }, out;
	char buf[256], user[64];

	cr_assert_eq(redirect_history_build(&ri, "+4930100", "+4930200", "gw", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "<sip:+4930100@gw>;index=1,<sip:+4930200@gw;cause=486>;index=1.1");
	cr_assert_eq(redirect_history_parse(buf, user, sizeof(user), &out), 0);
	cr_expect_str_eq(user, "+4930100");
	cr_expect_eq(out.reason, Q931_REDIR_BUSY);
	cr_expect_eq(out.counter, 1);
	cr_expect_eq(out.pres, Q931_PRES_ALLOWED);

	ri = (struct pri_redirecting){ .reason = Q931_REDIR_UNCONDITIONAL,
				       .pres = Q931_PRES_RESTRICTED };
	cr_assert_eq(redirect_history_build(&ri, "100", "200", "gw", buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "<sip:100@gw?Privacy=history>;index=1,<sip:200@gw;cause=302>;index=1.1");
	cr_assert_eq(redirect_history_parse(buf, user, sizeof(user), &out), 0);
	cr_expect_eq(out.pres, Q931_PRES_RESTRICTED);
	cr_expect_eq(out.reason, Q931_REDIR_UNCONDITIONAL);

	/* two redirections: the first one names the redirecting party, both count */
	cr_assert_eq(redirect_history_parse("<sip:+491@a>;index=1, <sip:+492@b;cause=408>;index=1.1,"
		" <sip:+493@c;cause=486>;index=1.1.1", user, sizeof(user), &out), 0);
	cr_expect_str_eq(user, "+491");
	cr_expect_eq(out.reason, Q931_REDIR_NO_REPLY);
	cr_expect_eq(out.counter, 2);
	/* no cause anywhere: a History-Info without a redirection (e.g. a retarget by a
	 * proxy) */
	cr_expect_eq(redirect_history_parse("<sip:+491@a>;index=1,<sip:+492@b>;index=1.1", user,
					    sizeof(user), &out), ENOENT);
	cr_expect_eq(redirect_history_parse("<sip:+491@a;index=1", user, sizeof(user), &out),
		     EINVAL);
}
