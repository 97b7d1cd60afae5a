/* sip/sdp and ptime (RFC 4566 §6 a=ptime, RFC 3264 §6.1): the answer to an offer of 10,
 * 20, 30 or 40 ms states that ptime (the packets we will send, which the engine now does),
 * anything else is answered with 20; an answer's ptime is the one we send with. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sip/sdp.h"

#define L(x) x "\r\n"
#define REMOTE_HEAD \
	L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 198.51.100.7") L("t=0 0")

static struct sdp_oa *mk(void)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1,
				   .sess_version = 1 };
	struct sdp_oa *o = NULL;

	cr_assert_eq(sdp_oa_alloc(&o, &p), 0);
	return o;
}

Test(sdp_ptime, answer_states_the_offered_ptime)
{
	static const struct { const char *attr; unsigned want; } cases[] = {
		{ L("a=ptime:10"), 10 }, { L("a=ptime:20"), 20 }, { L("a=ptime:30"), 30 },
		{ L("a=ptime:40"), 40 }, { L("a=ptime:25"), 20 }, { "", 20 },
	};

	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sdp_oa *o = mk();
		char offer[512], ans[SDP_TEXT_MAX], line[32];
		size_t alen;
		struct sdp_neg neg;
		struct sdp_error err;

		snprintf(offer, sizeof offer, "%s%s%s%s", REMOTE_HEAD, L("m=audio 4002 RTP/AVP 0"),
			 L("a=rtpmap:0 PCMU/8000"), cases[i].attr);
		cr_assert_eq(sdp_oa_answer(o, offer, strlen(offer), ans, sizeof ans, &alen, &neg,
					   &err), 0, "%s", err.msg);
		cr_expect_eq(neg.ptime, cases[i].want, "offer %s: we send %u ms", cases[i].attr,
			     neg.ptime);
		snprintf(line, sizeof line, L("a=ptime:%u"), cases[i].want);
		cr_expect_not_null(strstr(ans, line), "offer \"%s\": answer\n%s", cases[i].attr,
				   ans);
		sdp_oa_free(o);
	}
}

Test(sdp_ptime, answer_ptime_is_ours_to_send)
{
	static const unsigned ptimes[] = { 10, 30, 40 };

	for (unsigned i = 0; i < 3; i++) {
		struct sdp_oa *o = mk();
		char off[SDP_TEXT_MAX], ans[512];
		size_t olen;
		struct sdp_neg neg;
		struct sdp_error err;

		cr_assert_eq(sdp_oa_offer(o, off, sizeof off, &olen, &err), 0);
		snprintf(ans, sizeof ans, "%s%s%sa=ptime:%u\r\n", REMOTE_HEAD,
			 L("m=audio 4002 RTP/AVP 0"), L("a=rtpmap:0 PCMU/8000"), ptimes[i]);
		cr_assert_eq(sdp_oa_process_answer(o, ans, strlen(ans), &neg, &err), 0, "%s",
			     err.msg);
		cr_expect_eq(neg.ptime, ptimes[i]);
		sdp_oa_free(o);
	}
}
