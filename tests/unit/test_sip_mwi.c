/* sip/mwi: RFC 3842 §5.2 message-summary bodies, well-formed (the RFC's own examples, case,
 * LF-only lines, extension headers after the empty line) and malformed (each rule broken
 * once). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sip/mwi.h"

static int parse(const char *body, struct mwi_summary *s, char *err, size_t len)
{
	return mwi_summary_parse(body, strlen(body), s, err, len);
}

/* RFC 3842 §6's example NOTIFY body. */
Test(sip_mwi, rfc_example)
{
	struct mwi_summary s;
	char err[128];
	const char *b = "Messages-Waiting: yes\r\n"
			"Message-Account: sip:alice@vmail.example.com\r\n"
			"Voice-Message: 2/8 (0/2)\r\n";

	cr_assert_eq(parse(b, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect(s.waiting);
	cr_expect_str_eq(s.account, "sip:alice@vmail.example.com");
	cr_assert_eq(s.nlines, 1);
	cr_expect_str_eq(s.lines[0].cls, "voice-message");
	cr_expect_eq(s.lines[0].new_msgs, 2);
	cr_expect_eq(s.lines[0].old_msgs, 8);
	cr_expect(s.lines[0].urgent);
	cr_expect_eq(s.lines[0].new_urgent, 0);
	cr_expect_eq(s.lines[0].old_urgent, 2);
}

Test(sip_mwi, minimal_no_and_case)
{
	struct mwi_summary s;
	char err[128];

	cr_assert_eq(parse("Messages-Waiting: no\r\n", &s, err, sizeof(err)), 0, "%s", err);
	cr_expect(!s.waiting);
	cr_expect_eq(s.nlines, 0);
	cr_expect_str_eq(s.account, "");
	/* ABNF strings are case-insensitive; HCOLON allows blanks before the colon */
	cr_assert_eq(parse("messages-waiting \t:YES", &s, err, sizeof(err)), 0, "%s", err);
	cr_expect(s.waiting);
	/* bare LF lines, white space around the counts, several classes, no urgent part */
	cr_assert_eq(parse("Messages-Waiting: yes\nVoice-Message: 3 / 1\n"
			   "Fax-Message: 1/0 ( 1 / 0 )\n", &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.nlines, 2);
	cr_expect(!s.lines[0].urgent);
	cr_expect_eq(s.lines[0].new_msgs, 3);
	cr_expect_str_eq(s.lines[1].cls, "fax-message");
	cr_expect_eq(s.lines[1].new_urgent, 1);
}

/* opt-msg-headers after an empty line are not summary lines: not checked. */
Test(sip_mwi, extension_headers_after_empty_line)
{
	struct mwi_summary s;
	char err[128];
	const char *b = "Messages-Waiting: yes\r\nVoice-Message: 4/0\r\n\r\n"
			"Message-ID: <1234@example.com>\r\nSubject: anything: at all\r\n";

	cr_assert_eq(parse(b, &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(s.nlines, 1);
	cr_expect_eq(s.lines[0].new_msgs, 4);
}

Test(sip_mwi, malformed)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "no Messages-Waiting line" },
		{ "\r\n", "line 1: empty before Messages-Waiting" },
		{ "Voice-Message: 1/0\r\nMessages-Waiting: yes\r\n",
		  "line 1: 'Voice-Message' where Messages-Waiting must be first" },
		{ "Messages-Waiting: maybe\r\n",
		  "line 1: Messages-Waiting 'maybe' is not yes or no" },
		{ "Messages-Waiting: yes\r\nMessages-Waiting: no\r\n",
		  "line 2: a second Messages-Waiting" },
		{ "Messages-Waiting yes\r\n", "line 1: 'Messages-Waiting yes' is not \"name: value\"" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 2/x\r\n",
		  "line 2: 'Voice-Message: 2/x': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 2\r\n",
		  "line 2: 'Voice-Message: 2': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 2/1 (1/0\r\n",
		  "line 2: 'Voice-Message: 2/1 (1/0': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: -1/0\r\n",
		  "line 2: 'Voice-Message: -1/0': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 1/0 extra\r\n",
		  "line 2: 'Voice-Message: 1/0 extra': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 12345678901/0\r\n",
		  "line 2: 'Voice-Message: 12345678901/0': not new/old [(new/old)] message counts" },
		{ "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n"
		  "Message-Account: sip:a@b\r\n", "line 3: Message-Account out of place" },
		{ "Messages-Waiting: yes\r\nMessage-Account: alice\r\n",
		  "line 2: Message-Account 'alice' is not a URI" },
		{ "Messages-Waiting: yes\rVoice-Message: 1/0\r\n",
		  "line 1: a NUL or a bare CR" },
	};
	struct mwi_summary s;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(parse(bad[i].body, &s, err, sizeof(err)), EINVAL, "case %zu accepted",
			     i);
		cr_expect_str_eq(err, bad[i].why, "case %zu", i);
	}
	cr_expect_eq(mwi_summary_parse(NULL, 0, &s, err, sizeof(err)), EINVAL);
	/* a body with an embedded NUL: the length rules, not the string */
	cr_expect_eq(mwi_summary_parse("Messages-Waiting: yes\0\r\n", 24, &s, err, sizeof(err)),
		     EINVAL);
	/* a line longer than we read */
	char big[700];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Messages-Waiting: ", 18);
	cr_expect_eq(parse(big, &s, err, sizeof(err)), EINVAL);
}
