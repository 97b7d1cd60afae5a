/* Unit tests for sip/sdp: offers, answers (RFC 3264 §5, §6), answer processing, re-INVITE
 * and hold (§8), malformed input, and a deterministic fuzz of truncated/mutated SDP. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sdp.h"

#define L(x) x "\r\n"

/* The far end's session header; media sections are appended. */
#define REMOTE_HEAD \
	L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 198.51.100.7") L("t=0 0")

#define OUR_HEAD(ver) \
	L("v=0") L("o=strowger 1234 " #ver " IN IP4 192.0.2.10") L("s=-") \
	L("c=IN IP4 192.0.2.10") L("t=0 0")

static struct sdp_oa *oa;
static char out[SDP_TEXT_MAX];
static size_t out_len;
static struct sdp_neg neg;
static struct sdp_error err;

static struct sdp_oa *mk(const struct sdp_oa_params *p)
{
	struct sdp_oa *o = NULL;

	cr_assert_eq(sdp_oa_alloc(&o, p), 0);
	return o;
}

static void setup(void)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1234,
				   .sess_version = 1 };

	oa = mk(&p);
	memset(&neg, 0, sizeof(neg));
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	sdp_oa_free(oa);
	oa = NULL;
}

static int answer(const char *offer)
{
	return sdp_oa_answer(oa, offer, strlen(offer), out, sizeof(out), &out_len, &neg, &err);
}

static int take(const char *ans)
{
	return sdp_oa_process_answer(oa, ans, strlen(ans), &neg, &err);
}

static void offer_ok(void)
{
	cr_assert_eq(sdp_oa_offer(oa, out, sizeof(out), &out_len, &err), 0, "%s", err.msg);
}

/* --- offers ------------------------------------------------------------------------------- */

TestSuite(sdp_offer, .init = setup, .fini = teardown);

Test(sdp_offer, basic_text)
{
	offer_ok();
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 0 8 101")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=rtpmap:101 telephone-event/8000")
			 L("a=fmtp:101 0-16")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	cr_assert_eq(out_len, strlen(out));
}

Test(sdp_offer, pcma_first_no_te_ptime30_sendonly)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 5004, .sess_id = 7,
				   .sess_version = 0, .te_pt = -1, .ptime = 30,
				   .dir = SDP_DIR_SENDONLY, .username = "gw", .session_name = "call",
				   .codecs = { SDP_CODEC_PCMA, SDP_CODEC_PCMU } };
	struct sdp_oa *o = mk(&p);

	cr_assert_eq(sdp_oa_offer(o, out, sizeof(out), NULL, &err), 0);
	cr_assert_str_eq(out, L("v=0") L("o=gw 7 0 IN IP4 192.0.2.10") L("s=call")
			 L("c=IN IP4 192.0.2.10") L("t=0 0")
			 L("m=audio 5004 RTP/AVP 8 0")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=ptime:30")
			 L("a=sendonly"));
	sdp_oa_free(o);
}

Test(sdp_offer, ipv6_and_te96)
{
	struct sdp_oa_params p = { .addr = "2001:db8::10", .port = 4000, .sess_id = 9,
				   .te_pt = 96, .te_events = "0-15",
				   .codecs = { SDP_CODEC_PCMU } };
	struct sdp_oa *o = mk(&p);

	cr_assert_eq(sdp_oa_offer(o, out, sizeof(out), NULL, &err), 0);
	cr_assert_str_eq(out, L("v=0") L("o=strowger 9 0 IN IP6 2001:db8::10") L("s=-")
			 L("c=IN IP6 2001:db8::10") L("t=0 0")
			 L("m=audio 4000 RTP/AVP 0 96")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=rtpmap:96 telephone-event/8000")
			 L("a=fmtp:96 0-15")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	sdp_oa_free(o);
}

Test(sdp_offer, bad_params)
{
	struct sdp_oa *o = NULL;
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000 };

	p.addr = "pbx.example.com";
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.addr = "192.0.2.10";
	p.port = 0;
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.port = 4000;
	p.ptime = 25;
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.ptime = 0;
	p.te_pt = 50;
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.te_pt = 0;
	p.te_events = "16-0";
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.te_events = NULL;
	p.username = "two words";
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	p.username = NULL;
	p.codecs[0] = (enum sdp_codec)7;
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	cr_expect_null(o);
	cr_expect_eq(sdp_oa_alloc(NULL, &p), EINVAL);
}

Test(sdp_offer, small_buffer)
{
	char small[64];

	cr_assert_eq(sdp_oa_offer(oa, small, sizeof(small), NULL, &err), ENOSPC);
	cr_expect_eq(err.code, SDP_E_NOSPACE);
	/* Nothing committed: the next offer is still version 1 and none is pending. */
	offer_ok();
	cr_assert(strstr(out, "o=strowger 1234 1 IN IP4"));
}

Test(sdp_offer, pending_offer_blocks)
{
	offer_ok();
	cr_expect_eq(sdp_oa_offer(oa, out, sizeof(out), NULL, &err), EBUSY);
	cr_expect_eq(err.code, SDP_E_STATE);
	/* glare: a remote offer while ours is pending */
	cr_expect_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), EBUSY);
	cr_expect_eq(err.code, SDP_E_STATE);
	sdp_oa_cancel_offer(oa);
	cr_expect_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
}

Test(sdp_offer, version_increments)
{
	offer_ok();
	cr_assert(strstr(out, "o=strowger 1234 1 IN IP4 192.0.2.10\r\n"));
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0, "%s", err.msg);
	offer_ok();
	cr_assert(strstr(out, "o=strowger 1234 2 IN IP4 192.0.2.10\r\n"));
	sdp_oa_cancel_offer(oa);
	cr_assert_eq(sdp_oa_set_dir(oa, SDP_DIR_SENDONLY), 0);
	offer_ok();
	cr_assert(strstr(out, "o=strowger 1234 3 IN IP4 192.0.2.10\r\n"));
	cr_assert(strstr(out, "a=sendonly\r\n"));
}

/* --- answers to remote offers ------------------------------------------------------------- */

TestSuite(sdp_answer, .init = setup, .fini = teardown);

Test(sdp_answer, pcmu_only)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 0")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	cr_expect_str_eq(neg.addr, "198.51.100.7");
	cr_expect_eq(neg.af, SDP_AF_IP4);
	cr_expect_eq(neg.port, 6000);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
	cr_expect_eq(neg.pt, 0);
	cr_expect_eq(neg.rx_pt, 0);
	cr_expect_eq(neg.te_pt, -1);
	cr_expect_eq(neg.ptime, 20);
	cr_expect_eq(neg.dir, SDP_DIR_SENDRECV);
	cr_expect_not(neg.remote_hold);
	cr_expect_eq(neg.stream, 0);
}

Test(sdp_answer, pcma_only)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8")), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 8")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(neg.pt, 8);
}

Test(sdp_answer, offerer_order_wins)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
	cr_assert(strstr(out, "m=audio 4000 RTP/AVP 0\r\n"));

	/* our preference is PCMU first, but the offerer's order decides (RFC 3264 §6.1) */
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8 0")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_assert(strstr(out, "m=audio 4000 RTP/AVP 8\r\n"));
	/* skips what we do not have */
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 18 9 0 8")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
}

Test(sdp_answer, local_codecs_limit_choice)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1234,
				   .sess_version = 1, .codecs = { SDP_CODEC_PCMA } };

	sdp_oa_free(oa);
	oa = mk(&p);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_CODEC);
}

Test(sdp_answer, dynamic_pt_for_pcmu)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 110") L("a=rtpmap:110 pcmu/8000")),
		     0, "%s", err.msg);
	cr_assert(strstr(out, L("m=audio 4000 RTP/AVP 110") L("a=rtpmap:110 PCMU/8000")));
	cr_expect_eq(neg.pt, 110);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
}

Test(sdp_answer, te96_mirrored)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8 96")
			    L("a=rtpmap:96 telephone-event/8000") L("a=fmtp:96 0-15")), 0);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 8 96")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=rtpmap:96 telephone-event/8000")
			 L("a=fmtp:96 0-15")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	cr_expect_eq(neg.te_pt, 96);
	cr_expect_eq(neg.rx_te_pt, 96);
	cr_expect_str_eq(neg.te_events, "0-15");
}

Test(sdp_answer, te101_mirrored_events_intersected)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 101")
			    L("a=rtpmap:101 telephone-event/8000") L("a=fmtp:101 0-16,32-40")), 0);
	cr_assert(strstr(out, L("m=audio 4000 RTP/AVP 0 101") L("a=rtpmap:0 PCMU/8000")
			 L("a=rtpmap:101 telephone-event/8000") L("a=fmtp:101 0-16")));
	cr_expect_eq(neg.te_pt, 101);
	cr_expect_str_eq(neg.te_events, "0-16");
}

Test(sdp_answer, te_without_fmtp_means_0_15)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 100")
			    L("a=rtpmap:100 telephone-event/8000")), 0);
	cr_assert(strstr(out, L("a=rtpmap:100 telephone-event/8000") L("a=fmtp:100 0-15")));
	cr_expect_eq(neg.te_pt, 100);
}

Test(sdp_answer, no_te_in_offer_none_in_answer)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8")), 0);
	cr_expect_null(strstr(out, "telephone-event"));
	cr_expect_null(strstr(out, "fmtp"));
	cr_expect_eq(neg.te_pt, -1);
	cr_expect_eq(neg.rx_te_pt, -1);
}

Test(sdp_answer, te_at_16k_ignored)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 97")
			    L("a=rtpmap:97 telephone-event/16000")), 0);
	cr_expect_null(strstr(out, "telephone-event"));
	cr_expect_eq(neg.te_pt, -1);
}

Test(sdp_answer, ptime_honoured_or_20)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=ptime:30")), 0);
	cr_assert(strstr(out, "a=ptime:30\r\n"));
	cr_expect_eq(neg.ptime, 30);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=ptime:10")), 0);
	cr_expect_eq(neg.ptime, 10);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=ptime:40")), 0);
	cr_expect_eq(neg.ptime, 40);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=ptime:25")), 0);
	cr_assert(strstr(out, "a=ptime:20\r\n"));
	cr_expect_eq(neg.ptime, 20);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=ptime:junk")), 0);
	cr_expect_eq(neg.ptime, 20);
}

Test(sdp_answer, sendonly_gets_recvonly)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=sendonly")), 0);
	cr_assert(strstr(out, "a=recvonly\r\n"));
	cr_expect_eq(neg.dir, SDP_DIR_RECVONLY);
	cr_expect(neg.remote_hold);
}

Test(sdp_answer, recvonly_gets_sendonly)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=recvonly")), 0);
	cr_assert(strstr(out, "a=sendonly\r\n"));
	cr_expect_eq(neg.dir, SDP_DIR_SENDONLY);
	cr_expect_not(neg.remote_hold);
}

Test(sdp_answer, inactive_gets_inactive)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=inactive")), 0);
	cr_assert(strstr(out, "a=inactive\r\n"));
	cr_expect_eq(neg.dir, SDP_DIR_INACTIVE);
	cr_expect(neg.remote_hold);
}

Test(sdp_answer, session_level_direction)
{
	cr_assert_eq(answer(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-")
			    L("c=IN IP4 198.51.100.7") L("t=0 0") L("a=sendonly")
			    L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_RECVONLY);
	/* media level overrides session level (RFC 4566 §6) */
	cr_assert_eq(answer(L("v=0") L("o=- 5 6 IN IP4 198.51.100.7") L("s=-")
			    L("c=IN IP4 198.51.100.7") L("t=0 0") L("a=sendonly")
			    L("m=audio 6000 RTP/AVP 0") L("a=sendrecv")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_SENDRECV);
}

Test(sdp_answer, legacy_hold_c0000)
{
	cr_assert_eq(answer(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-")
			    L("c=IN IP4 0.0.0.0") L("t=0 0") L("m=audio 6000 RTP/AVP 0")), 0);
	cr_assert(strstr(out, "a=recvonly\r\n"));
	cr_expect_str_eq(neg.addr, "0.0.0.0");
	cr_expect_eq(neg.dir, SDP_DIR_RECVONLY);
	cr_expect(neg.remote_hold);
}

Test(sdp_answer, local_hold_narrows_answer)
{
	cr_assert_eq(sdp_oa_set_dir(oa, SDP_DIR_SENDONLY), 0);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_SENDONLY);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=sendonly")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_INACTIVE);
	cr_assert(strstr(out, "a=inactive\r\n"));
}

Test(sdp_answer, audio_and_video)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8") L("m=video 6002 RTP/AVP 31 34")),
		     0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 0")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=ptime:20")
			 L("a=sendrecv")
			 L("m=video 0 RTP/AVP 31 34"));
}

Test(sdp_answer, video_first_then_audio)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=video 6002 RTP/AVP 96") L("a=rtpmap:96 H264/90000")
			    L("m=audio 6000 RTP/AVP 8")), 0);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=video 0 RTP/AVP 96")
			 L("m=audio 4000 RTP/AVP 8")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=ptime:20")
			 L("a=sendrecv"));
	cr_expect_eq(neg.stream, 1);
}

Test(sdp_answer, image_t38_gets_port_0)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")
			    L("m=image 6004 udptl t38") L("a=T38FaxVersion:0")), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 4000 RTP/AVP 0")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=ptime:20")
			 L("a=sendrecv")
			 L("m=image 0 udptl t38"));
}

Test(sdp_answer, second_audio_and_disabled_streams_get_port_0)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 0 RTP/AVP 0") L("m=audio 6000 RTP/AVP 8")
			    L("m=audio 6002 RTP/AVP 0")), 0);
	cr_assert_str_eq(out, OUR_HEAD(1)
			 L("m=audio 0 RTP/AVP 0")
			 L("m=audio 4000 RTP/AVP 8")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=ptime:20")
			 L("a=sendrecv")
			 L("m=audio 0 RTP/AVP 0"));
	cr_expect_eq(neg.stream, 1);
	cr_expect_eq(neg.port, 6000);
}

Test(sdp_answer, no_common_codec)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 18 9") L("a=rtpmap:18 G729/8000")),
		     ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_CODEC);
	cr_expect_str_eq(err.msg, "no codec in common (offered: 18 9)");
	cr_expect_eq(sdp_oa_negotiated(oa, &neg), ENOENT);
	/* PCMU at the wrong rate or in stereo is not ours either */
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 96 97") L("a=rtpmap:96 PCMU/16000")
			    L("a=rtpmap:97 PCMA/8000/2")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_CODEC);
}

Test(sdp_answer, no_audio)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=image 6004 udptl t38")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_AUDIO);
	cr_assert_eq(answer(REMOTE_HEAD), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_AUDIO);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/SAVP 0")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_AUDIO);
	cr_expect_str_eq(err.msg, "no RTP/AVP audio stream");
}

Test(sdp_answer, ipv6_offer)
{
	cr_assert_eq(answer(L("v=0") L("o=- 5 5 IN IP6 2001:db8::7") L("s=-")
			    L("c=IN IP6 2001:db8::7") L("t=0 0") L("m=audio 6000 RTP/AVP 8")), 0,
		     "%s", err.msg);
	cr_expect_eq(neg.af, SDP_AF_IP6);
	cr_expect_str_eq(neg.addr, "2001:db8::7");
	cr_expect_eq(neg.port, 6000);
}

Test(sdp_answer, media_level_c_wins)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("c=IN IP4 203.0.113.5")), 0);
	cr_expect_str_eq(neg.addr, "203.0.113.5");
}

Test(sdp_answer, lf_only_line_ends)
{
	const char *o = "v=0\no=- 5 5 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\n"
			"m=audio 6000 RTP/AVP 8\n";

	cr_assert_eq(answer(o), 0, "%s", err.msg);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
}

/* --- malformed remote SDP ----------------------------------------------------------------- */

TestSuite(sdp_parse, .init = setup, .fini = teardown);

static void expect_bad(const char *text, enum sdp_errcode code, const char *msg)
{
	struct sdp_desc d;
	struct sdp_error e;

	cr_expect_eq(sdp_desc_parse(&d, text, strlen(text), &e), EBADMSG, "%s", text);
	cr_expect_eq(e.code, code, "%s: got %s (%s)", text, sdp_errcode_name(e.code), e.msg);
	if (msg)
		cr_expect_str_eq(e.msg, msg);
	/* the offer/answer entry point reports the same */
	cr_expect_eq(answer(text), EBADMSG);
	cr_expect_eq(err.code, code);
}

Test(sdp_parse, missing_c)
{
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("t=0 0")
		   L("m=audio 6000 RTP/AVP 0"), SDP_E_NO_CONN, "m= line 1 (audio): no c= line");
}

Test(sdp_parse, missing_c_on_second_stream_only)
{
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("t=0 0")
		   L("m=audio 6000 RTP/AVP 0") L("c=IN IP4 198.51.100.7")
		   L("m=audio 6002 RTP/AVP 0"), SDP_E_NO_CONN, "m= line 2 (audio): no c= line");
}

Test(sdp_parse, bad_port)
{
	expect_bad(REMOTE_HEAD L("m=audio 99999 RTP/AVP 0"), SDP_E_BAD_PORT,
		   "m= line 1: port 99999 out of range");
	expect_bad(REMOTE_HEAD L("m=audio abc RTP/AVP 0"), SDP_E_SYNTAX,
		   "m= line 1 is not <media> <port> <proto> <fmt>...");
	expect_bad(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 x"), SDP_E_SYNTAX,
		   "unreadable SDP: m= invalid format for RTP/AVT");
}

Test(sdp_parse, garbage)
{
	expect_bad("garbage", SDP_E_SYNTAX, NULL);
	expect_bad("\r\n\r\n", SDP_E_SYNTAX, NULL);
	expect_bad("", SDP_E_SYNTAX, "empty SDP");
	expect_bad(L("v=0"), SDP_E_SYNTAX, "no o= line");
}

/* Sofia 1.12.11 would loop allocating forever on these (see mline_ok in sip/sdp_parse.c). */
Test(sdp_parse, mline_grammar, .timeout = 10)
{
	expect_bad(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("m=image 6004 udptl t38//x"),
		   SDP_E_SYNTAX, "m= line 2 is not <media> <port> <proto> <fmt>...");
	expect_bad(REMOTE_HEAD L("m=audio 6000 RTM\x7f/AVP 8"), SDP_E_SYNTAX,
		   "m= line 1 is not <media> <port> <proto> <fmt>...");
	expect_bad(REMOTE_HEAD L("m=audio"), SDP_E_SYNTAX, NULL);
	expect_bad(REMOTE_HEAD L("m=image 6004/2 /udptl t38"), SDP_E_SYNTAX, NULL);
	expect_bad(REMOTE_HEAD L("m=audio 6000 RTP/AVP/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 0"),
		   SDP_E_SYNTAX, "m= line 1: media or transport name too long");
	expect_bad(REMOTE_HEAD L("m=audio 6000/x RTP/AVP 0"), SDP_E_SYNTAX, NULL);
}

Test(sdp_parse, nul_byte)
{
	static const char t[] = "v=0\r\no=- 5 5 IN IP4 1.2.3.4\r\n\0s=-\r\n";
	struct sdp_desc d;
	struct sdp_error e;

	cr_expect_eq(sdp_desc_parse(&d, t, sizeof(t) - 1, &e), EBADMSG);
	cr_expect_eq(e.code, SDP_E_SYNTAX);
	cr_expect_str_eq(e.msg, "NUL byte in SDP");
}

Test(sdp_parse, bad_addresses)
{
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 pbx.example.com")
		   L("t=0 0") L("m=audio 6000 RTP/AVP 0"), SDP_E_BAD_ADDR,
		   "m= line 1: c=pbx.example.com is not an IP4 address literal");
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 2001:db8::1")
		   L("t=0 0") L("m=audio 6000 RTP/AVP 0"), SDP_E_BAD_ADDR, NULL);
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP6 192.0.2.1")
		   L("t=0 0") L("m=audio 6000 RTP/AVP 0"), SDP_E_BAD_ADDR, NULL);
	expect_bad(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 239.1.1.1/127")
		   L("t=0 0") L("m=audio 6000 RTP/AVP 0"), SDP_E_BAD_ADDR, NULL);
}

Test(sdp_parse, too_many_streams)
{
	char t[2048];
	int n = snprintf(t, sizeof(t), "%s", REMOTE_HEAD);

	for (int i = 0; i < SDP_MAX_STREAMS + 1; i++)
		n += snprintf(t + n, sizeof(t) - (size_t)n, "m=audio %d RTP/AVP 0\r\n", 6000 + 2 * i);
	expect_bad(t, SDP_E_TOO_MANY, "more than 8 m= lines");
}

Test(sdp_parse, desc_fields)
{
	struct sdp_desc d;
	const char *t = L("v=0") L("o=alice 2890844526 2890842807 IN IP4 198.51.100.7") L("s=-")
			L("c=IN IP4 198.51.100.7") L("t=0 0")
			L("m=audio 6000 RTP/AVP 0 8 96") L("a=rtpmap:96 telephone-event/8000")
			L("a=fmtp:96 0-15,66") L("a=ptime:30") L("a=sendonly")
			L("m=image 0 udptl t38");

	cr_assert_eq(sdp_desc_parse(&d, t, strlen(t), &err), 0, "%s", err.msg);
	cr_expect_str_eq(d.username, "alice");
	cr_expect_eq(d.sess_id, 2890844526ULL);
	cr_expect_eq(d.sess_version, 2890842807ULL);
	cr_assert_eq(d.n_streams, 2);
	cr_expect_eq(d.streams[0].kind, SDP_KIND_AUDIO);
	cr_expect_str_eq(d.streams[0].proto, "RTP/AVP");
	cr_expect_str_eq(d.streams[0].fmts, "0 8 96");
	cr_expect_eq(d.streams[0].port, 6000);
	cr_expect_eq(d.streams[0].dir, SDP_DIR_SENDONLY);
	cr_expect_eq(d.streams[0].ptime, 30);
	cr_expect_eq(d.streams[0].te_pt, 96);
	cr_expect_str_eq(d.streams[0].te_events, "0-15,66");
	cr_assert_eq(d.streams[0].n_payloads, 3);
	cr_expect_str_eq(d.streams[0].payloads[1].encoding, "PCMA");
	cr_expect_eq(d.streams[0].payloads[1].clock_rate, 8000);
	cr_expect_eq(d.streams[0].payloads[1].channels, 1);
	cr_expect_str_eq(d.streams[0].payloads[2].fmtp, "0-15,66");
	cr_expect_eq(d.streams[1].kind, SDP_KIND_IMAGE);
	cr_expect(d.streams[1].rejected);
	cr_expect_str_eq(d.streams[1].fmts, "t38");
	cr_expect_str_eq(d.streams[1].proto, "udptl");
}

Test(sdp_parse, names)
{
	cr_expect_str_eq(sdp_errcode_name(SDP_E_NO_CODEC), "SDP_E_NO_CODEC");
	cr_expect_str_eq(sdp_errcode_name(SDP_E_COUNT), "?");
	cr_expect_str_eq(sdp_dir_name(SDP_DIR_RECVONLY), "recvonly");
	cr_expect_str_eq(sdp_codec_name(SDP_CODEC_PCMA), "PCMA");
}

/* --- answers to our offers ---------------------------------------------------------------- */

TestSuite(sdp_process, .init = setup, .fini = teardown);

Test(sdp_process, pcma_answer)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8 101")
			  L("a=rtpmap:101 telephone-event/8000") L("a=fmtp:101 0-15")
			  L("a=ptime:30")), 0, "%s", err.msg);
	cr_expect_str_eq(neg.addr, "198.51.100.7");
	cr_expect_eq(neg.port, 6000);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(neg.pt, 8);
	cr_expect_eq(neg.rx_pt, 8);
	cr_expect_eq(neg.te_pt, 101);
	cr_expect_eq(neg.rx_te_pt, 101);
	cr_expect_str_eq(neg.te_events, "0-15");
	cr_expect_eq(neg.ptime, 30);
	cr_expect_eq(neg.dir, SDP_DIR_SENDRECV);
	cr_expect_not(neg.remote_hold);

	struct sdp_neg again;

	cr_assert_eq(sdp_oa_negotiated(oa, &again), 0);
	cr_expect_eq(memcmp(&again, &neg, sizeof(neg)), 0);
}

Test(sdp_process, answer_uses_other_te_pt)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 96")
			  L("a=rtpmap:96 telephone-event/8000")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
	cr_expect_eq(neg.te_pt, 96);		/* we send what the answerer receives */
	cr_expect_eq(neg.rx_te_pt, 101);	/* we receive what we offered */
	cr_expect_eq(neg.ptime, 20);
}

Test(sdp_process, answer_without_te)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_eq(neg.te_pt, -1);
	cr_expect_eq(neg.rx_te_pt, -1);
}

Test(sdp_process, codec_not_offered)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 18") L("a=rtpmap:18 G729/8000")), EPROTO);
	cr_expect_eq(err.code, SDP_E_NOT_OFFERED);
	cr_expect_str_eq(err.msg, "answer codecs (18) were not offered");
	cr_expect_eq(sdp_oa_negotiated(oa, &neg), ENOENT);
}

Test(sdp_process, pcma_not_offered)
{
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000,
				   .codecs = { SDP_CODEC_PCMU } };

	sdp_oa_free(oa);
	oa = mk(&p);
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8")), EPROTO);
	cr_expect_eq(err.code, SDP_E_NOT_OFFERED);
}

Test(sdp_process, stray_format_ignored)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 13 0")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
}

Test(sdp_process, m_count_mismatch)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("m=video 0 RTP/AVP 31")), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
	cr_expect_str_eq(err.msg, "answer has 2 m= lines, the offer 1");
}

Test(sdp_process, m_type_mismatch)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=video 6000 RTP/AVP 31")), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
}

Test(sdp_process, audio_rejected)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 0 RTP/AVP 0")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_REJECTED);
}

Test(sdp_process, malformed_answer)
{
	offer_ok();
	cr_assert_eq(take("v=0\r\nthis is no sdp\r\n"), EBADMSG);
	cr_expect_eq(err.code, SDP_E_SYNTAX);
}

Test(sdp_process, no_offer_pending)
{
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), EBUSY);
	cr_expect_eq(err.code, SDP_E_STATE);
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	/* the exchange is over: a second answer is refused */
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), EBUSY);
}

Test(sdp_process, hold_offer_recvonly_answer)
{
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_assert_eq(sdp_oa_set_dir(oa, SDP_DIR_SENDONLY), 0);
	offer_ok();
	cr_assert(strstr(out, "a=sendonly\r\n"));
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=recvonly")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_SENDONLY);
	cr_expect_not(neg.remote_hold);
	/* resume */
	cr_assert_eq(sdp_oa_set_dir(oa, SDP_DIR_SENDRECV), 0);
	offer_ok();
	cr_assert_eq(take(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=sendrecv")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_SENDRECV);
}

Test(sdp_process, answer_c0000)
{
	offer_ok();
	cr_assert_eq(take(L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 0.0.0.0")
			  L("t=0 0") L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_eq(neg.dir, SDP_DIR_RECVONLY);
	cr_expect(neg.remote_hold);
}

/* --- re-INVITE and hold ------------------------------------------------------------------- */

TestSuite(sdp_reinvite, .init = setup, .fini = teardown);

Test(sdp_reinvite, new_address_port_codec)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8")), 0);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMU);
	cr_assert(strstr(out, "o=strowger 1234 1 "));

	cr_assert_eq(answer(L("v=0") L("o=- 5 6 IN IP4 198.51.100.7") L("s=-")
			    L("c=IN IP4 203.0.113.9") L("t=0 0") L("m=audio 7000 RTP/AVP 8")), 0);
	cr_expect_str_eq(neg.addr, "203.0.113.9");
	cr_expect_eq(neg.port, 7000);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(neg.pt, 8);
	/* our answer changed (PCMA): version up by one (RFC 3264 §8) */
	cr_assert(strstr(out, "o=strowger 1234 2 "));
}

Test(sdp_reinvite, unchanged_answer_keeps_version)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_assert(strstr(out, "o=strowger 1234 1 "));
	/* session refresh: same offer, same answer, same version */
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_assert(strstr(out, "o=strowger 1234 1 "));
}

Test(sdp_reinvite, hold_and_resume)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_not(neg.remote_hold);

	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=sendonly")), 0);
	cr_expect(neg.remote_hold);
	cr_expect_eq(neg.dir, SDP_DIR_RECVONLY);
	cr_assert(strstr(out, "o=strowger 1234 2 "));
	cr_assert(strstr(out, "a=recvonly\r\n"));

	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("a=inactive")), 0);
	cr_expect(neg.remote_hold);
	cr_expect_eq(neg.dir, SDP_DIR_INACTIVE);

	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_expect_not(neg.remote_hold);
	cr_expect_eq(neg.dir, SDP_DIR_SENDRECV);
	cr_assert(strstr(out, "o=strowger 1234 4 "));
}

Test(sdp_reinvite, failed_reoffer_keeps_session)
{
	struct sdp_neg cur;

	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), 0);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 7000 RTP/AVP 18")), ENOTSUP);
	cr_assert_eq(sdp_oa_negotiated(oa, &cur), 0);
	cr_expect_eq(cur.port, 6000);
	cr_expect_eq(cur.codec, SDP_CODEC_PCMU);
}

Test(sdp_reinvite, fewer_m_lines_refused)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0") L("m=video 6002 RTP/AVP 31")), 0);
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0")), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
}

Test(sdp_reinvite, our_reoffer_keeps_m_lines)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=video 6002 RTP/AVP 31") L("m=audio 6000 RTP/AVP 8 0")), 0);
	cr_assert_eq(sdp_oa_set_addr(oa, "192.0.2.10", 4100), 0);
	cr_assert_eq(sdp_oa_set_dir(oa, SDP_DIR_SENDONLY), 0);
	offer_ok();
	cr_assert_str_eq(out, OUR_HEAD(2)
			 L("m=video 0 RTP/AVP 31")
			 L("m=audio 4100 RTP/AVP 0 8 101")
			 L("a=rtpmap:0 PCMU/8000")
			 L("a=rtpmap:8 PCMA/8000")
			 L("a=rtpmap:101 telephone-event/8000")
			 L("a=fmtp:101 0-16")
			 L("a=ptime:20")
			 L("a=sendonly"));
	cr_assert_eq(take(REMOTE_HEAD L("m=video 0 RTP/AVP 31") L("m=audio 6000 RTP/AVP 8")
			  L("a=recvonly")), 0, "%s", err.msg);
	cr_expect_eq(neg.stream, 1);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(neg.dir, SDP_DIR_SENDONLY);
}

/* --- fuzz: never crash, every answer we write parses back ---------------------------------- */

TestSuite(sdp_fuzz);

static const char *const seeds[] = {
	REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8 101") L("a=rtpmap:101 telephone-event/8000")
	L("a=fmtp:101 0-16") L("a=ptime:20") L("a=sendrecv"),
	L("v=0") L("o=- 5 5 IN IP6 2001:db8::7") L("s=-") L("c=IN IP6 2001:db8::7") L("t=0 0")
	L("a=sendonly") L("m=audio 6000 RTP/AVP 8 96") L("a=rtpmap:96 telephone-event/8000")
	L("m=video 6002 RTP/AVP 31") L("m=image 6004 udptl t38") L("a=T38FaxVersion:0"),
	REMOTE_HEAD L("m=audio 6000 RTP/AVP 110 0") L("a=rtpmap:110 PCMU/8000")
	L("c=IN IP4 0.0.0.0") L("a=ptime:30") L("a=inactive"),
	L("v=0") L("o=x 1 2 IN IP4 198.51.100.7") L("s=s") L("i=info") L("u=http://x/y")
	L("e=a@b") L("p=+1 555") L("c=IN IP4 198.51.100.7/127") L("b=AS:64") L("t=1 2")
	L("r=7d 1h 0 25h") L("z=2882844526 -1h") L("k=clear:abc") L("a=recvonly")
	L("m=image 6004/2 udptl t38") L("a=T38FaxRateManagement:transferredTCF")
	L("m=audio 6000 RTP/AVP 0 8 9 18 101") L("c=IN IP4 198.51.100.8") L("b=TIAS:64000")
	L("a=rtpmap:101 telephone-event/8000/1") L("a=fmtp:101 0-11,16") L("a=fmtp:18 annexb=no")
	L("a=maxptime:40") L("a=rtcp:6001") L("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x"),
	/* T.38 re-INVITEs (T.38 Annex D): image only, and audio disabled beside it */
	REMOTE_HEAD L("m=image 6004 udptl t38") L("a=T38FaxVersion:0") L("a=T38MaxBitRate:14400")
	L("a=T38FaxRateManagement:transferredTCF") L("a=T38FaxMaxBuffer:1800")
	L("a=T38FaxMaxDatagram:272") L("a=T38FaxUdpEC:t38UDPRedundancy"),
	REMOTE_HEAD L("m=audio 0 RTP/AVP 0") L("m=image 6004 udptl t38") L("a=T38FaxVersion:3")
	L("a=T38maxBitRate:9600") L("a=T38FaxFillBitRemoval:0") L("a=T38FaxTranscodingMMR")
	L("a=T38FaxRateManagement:localTCF") L("a=T38FaxUdpEC:t38UDPFEC"),
};

static uint32_t rng = 12345;
static unsigned fuzz_images;	/* answers that took a T.38 stream: the corpus reaches them */

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;	/* deterministic LCG */
	return rng >> 8;
}

/* Answer `text` with a fresh state (T.38 enabled or not, image preferred with it); on
 * success our answer must parse and be answerable. Then take it as the answer to our offer,
 * audio or T.38. */
static void fuzz_one(const char *text, size_t len, bool t38)
{
	static const struct sdp_t38_local local;
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1,
				   .t38 = t38 ? &local : NULL };
	struct sdp_oa *o = NULL;
	struct sdp_desc d;
	struct sdp_error e;
	struct sdp_neg n;
	char buf[SDP_TEXT_MAX];
	size_t blen = 0;
	int ret;

	cr_assert_eq(sdp_oa_alloc(&o, &p), 0);
	if (t38)
		sdp_oa_set_prefer(o, SDP_PREFER_IMAGE);
	ret = sdp_oa_answer(o, text, len, buf, sizeof(buf), &blen, &n, &e);
	cr_assert(ret == 0 || ret == EBADMSG || ret == ENOTSUP, "ret %d", ret);
	if (ret == 0) {
		cr_assert_eq(sdp_desc_parse(&d, buf, blen, &e), 0, "%s\n%s", e.msg, buf);
		cr_assert_lt(n.stream, d.n_streams);
		cr_assert_eq(d.streams[n.stream].port, 4000);
		cr_assert_eq(d.streams[n.stream].kind, n.kind);
		cr_assert(n.kind == SDP_KIND_AUDIO || (t38 && n.kind == SDP_KIND_IMAGE));
		if (n.kind == SDP_KIND_IMAGE) {
			struct sdp_t38 t;

			fuzz_images++;
			cr_assert_eq(sdp_t38_parse(&t, buf, blen, n.stream), 0, "%s", buf);
			cr_assert_leq(t.version, 3);
			cr_assert_eq(t.version, n.t38.version);
		}
	} else {
		cr_assert_neq(e.code, SDP_E_NONE);
		cr_assert(e.msg[0]);
	}
	/* the same bytes as an answer to our offer */
	if (t38)
		cr_assert_eq(sdp_oa_offer_t38(o, buf, sizeof(buf), NULL, &e), 0);
	else
		cr_assert_eq(sdp_oa_offer(o, buf, sizeof(buf), NULL, &e), 0);
	ret = sdp_oa_process_answer(o, text, len, &n, &e);
	cr_assert(ret == 0 || ret == EBADMSG || ret == ENOTSUP || ret == EPROTO, "ret %d", ret);
	sdp_oa_free(o);
}

Test(sdp_fuzz, truncated)
{
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);

		for (size_t cut = 0; cut <= len; cut++) {
			/* a heap copy of exactly cut bytes, so ASan sees any overread */
			char *t = malloc(cut ? cut : 1);

			cr_assert_not_null(t);
			memcpy(t, seeds[s], cut);
			fuzz_one(t, cut, false);
			fuzz_one(t, cut, true);
			free(t);
		}
	}
	cr_expect_gt(fuzz_images, 100, "T.38 answers: %u", fuzz_images);
}

Test(sdp_fuzz, mutated)
{
	static const char alphabet[] = "0123456789 =:/-#\r\n\t.mcoavIPN*\xff\x80\x7f";

	for (int iter = 0; iter < 20000; iter++) {
		const char *seed = seeds[next_rand() % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(seed);
		char *t = malloc(len + 8);
		unsigned edits = 1 + next_rand() % 4;

		cr_assert_not_null(t);
		memcpy(t, seed, len);
		for (unsigned k = 0; k < edits && len > 0; k++) {
			size_t at = next_rand() % len;

			switch (next_rand() % 3) {
			case 0:		/* replace */
				t[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				break;
			case 1:		/* delete */
				memmove(t + at, t + at + 1, len - at - 1);
				len--;
				break;
			default:	/* insert */
				if (len < strlen(seed) + 8) {
					memmove(t + at + 1, t + at, len - at);
					t[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
					len++;
				}
				break;
			}
		}
		fuzz_one(t, len, iter & 1);
		free(t);
	}
}

/* ---- Be liberal in what we accept (RFC 4566 §5.13: an attribute we cannot read is
 * ignored, not fatal) ------------------------------------------------------------------- */

/* Hole: an a=rtpmap without a clock rate, for a payload type the m= line does not even
 * offer, gave 488 to an otherwise valid offer. */
Test(sdp_answer, broken_rtpmap_for_unoffered_pt_skipped)
{
	int rc = answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8") L("a=rtpmap:96 telephone-event")
			L("a=rtpmap:0 PCMU/8000"));
	cr_assert_eq(rc, 0, "refused: %s", err.msg);
	cr_expect(strstr(out, "m=audio 4000 RTP/AVP 0"), "%s", out);
	cr_expect_null(strstr(out, "telephone-event"), "%s", out);
}

/* The same for a broken rtpmap of an offered static type (PCMU is known without one), for
 * an a= line without a name and a b= line without a number: skipped, offer answered. */
Test(sdp_answer, unreadable_attributes_skipped)
{
	static const char *const lines[] = {
		"a=rtpmap:0 PCMU", "a=rtpmap:0 PCMU/abc", "a=rtpmap:8", "a=rtpmap:", "a=",
		"a=:x", "b=AS:abc", "b=garbage",
	};

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char t[512];

		snprintf(t, sizeof(t), REMOTE_HEAD L("m=audio 6000 RTP/AVP 0 8") "%s\r\n"
			 L("a=ptime:20"), lines[i]);
		teardown();
		setup();
		cr_expect_eq(answer(t), 0, "%s: refused: %s", lines[i], err.msg);
		cr_expect(strstr(out, "m=audio 4000 RTP/AVP 0"), "%s: %s", lines[i], out);
	}
}

/* A dynamic type whose only rtpmap is unreadable cannot be used: skipped, and the answer
 * is made of the rest; refused only when nothing usable is left. */
Test(sdp_answer, broken_rtpmap_of_offered_dynamic_pt)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 8 101") L("a=rtpmap:101 telephone-event")
			    L("a=fmtp:101 0-15")), 0, "refused: %s", err.msg);
	cr_expect(strstr(out, "m=audio 4000 RTP/AVP 8\r\n"), "%s", out);
	teardown();
	setup();
	cr_expect_eq(answer(REMOTE_HEAD L("m=audio 6000 RTP/AVP 96") L("a=rtpmap:96 PCMU")), ENOTSUP,
		     "nothing usable left");
	cr_expect_eq(err.code, SDP_E_NO_CODEC);
}
