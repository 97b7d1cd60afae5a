/* Unit tests for sip/sdp offer/answer with T.38 (T.38 Annex D over RFC 3264 §6/§8): the
 * re-INVITE to image and back, audio+image offers and the owner's preference, our own T.38
 * re-offer and every way its answer can go, the o= version across all of them, and
 * sdp_neg_same_t38() for session refreshes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/sdp.h"

#define L(x) x "\r\n"

#define REMOTE_HEAD_V(ver) \
	L("v=0") L("o=- 5 " #ver " IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 198.51.100.7") \
	L("t=0 0")
#define REMOTE_HEAD REMOTE_HEAD_V(5)

#define OUR_HEAD(ver) \
	L("v=0") L("o=strowger 1234 " #ver " IN IP4 192.0.2.10") L("s=-") \
	L("c=IN IP4 192.0.2.10") L("t=0 0")

/* What sdp_t38_offer() makes of a zeroed sdp_t38_local, on our port. */
#define OUR_IMAGE \
	L("m=image 4000 udptl t38") L("a=T38FaxVersion:0") L("a=T38MaxBitRate:14400") \
	L("a=T38FaxRateManagement:transferredTCF") L("a=T38FaxMaxBuffer:2000") \
	L("a=T38FaxMaxDatagram:400") L("a=T38FaxUdpEC:t38UDPRedundancy")

#define OUR_AUDIO_OFFER \
	L("m=audio 4000 RTP/AVP 0 8 101") L("a=rtpmap:0 PCMU/8000") L("a=rtpmap:8 PCMA/8000") \
	L("a=rtpmap:101 telephone-event/8000") L("a=fmtp:101 0-16") L("a=ptime:20") \
	L("a=sendrecv")

#define OUR_PCMU_ANSWER_TE \
	L("m=audio 4000 RTP/AVP 0 101") L("a=rtpmap:0 PCMU/8000") \
	L("a=rtpmap:101 telephone-event/8000") L("a=fmtp:101 0-15") L("a=ptime:20") \
	L("a=sendrecv")
#define OUR_PCMU_ANSWER \
	L("m=audio 4000 RTP/AVP 0") L("a=rtpmap:0 PCMU/8000") L("a=ptime:20") L("a=sendrecv")

/* A typical T.38 re-INVITE body (the SBC's side): datagram 272, buffer 1800. */
#define PEER_IMAGE(port) \
	L("m=image " #port " udptl t38") L("a=T38FaxVersion:0") L("a=T38MaxBitRate:14400") \
	L("a=T38FaxRateManagement:transferredTCF") L("a=T38FaxMaxBuffer:1800") \
	L("a=T38FaxMaxDatagram:272") L("a=T38FaxUdpEC:t38UDPRedundancy")

#define PEER_AUDIO L("m=audio 6000 RTP/AVP 0 101") L("a=rtpmap:101 telephone-event/8000") \
	L("a=fmtp:101 0-15")

static struct sdp_oa *oa;
static char out[SDP_TEXT_MAX];
static size_t out_len;
static struct sdp_neg neg;
static struct sdp_error err;

static void mk(bool t38)
{
	static const struct sdp_t38_local local;	/* the defaults */
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .sess_id = 1234,
				   .sess_version = 1, .t38 = t38 ? &local : NULL };

	sdp_oa_free(oa);
	oa = NULL;
	cr_assert_eq(sdp_oa_alloc(&oa, &p), 0);
	memset(&neg, 0, sizeof(neg));
	memset(&err, 0, sizeof(err));
}

static void setup(void)
{
	mk(true);
}

static void teardown(void)
{
	sdp_oa_free(oa);
	oa = NULL;
}

static int answer(const char *offer)
{
	memset(out, 0, sizeof(out));
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

static void offer_t38_ok(void)
{
	cr_assert_eq(sdp_oa_offer_t38(oa, out, sizeof(out), &out_len, &err), 0, "%s", err.msg);
}

/* An audio call the peer offered: our answer is o= version 1. */
static void audio_session_answered(void)
{
	cr_assert_eq(answer(REMOTE_HEAD PEER_AUDIO), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1) OUR_PCMU_ANSWER_TE);
	cr_assert_eq(neg.kind, SDP_KIND_AUDIO);
}

/* An audio call we offered: our offer is o= version 1. */
static void audio_session_offered(void)
{
	offer_ok();
	cr_assert_str_eq(out, OUR_HEAD(1) OUR_AUDIO_OFFER);
	cr_assert_eq(take(REMOTE_HEAD PEER_AUDIO), 0, "%s", err.msg);
	cr_assert_eq(neg.kind, SDP_KIND_AUDIO);
	cr_assert_eq(neg.port, 6000);
}

static void expect_audio_still(void)
{
	struct sdp_neg cur;

	cr_assert_eq(sdp_oa_negotiated(oa, &cur), 0);
	cr_expect_eq(cur.kind, SDP_KIND_AUDIO);
	cr_expect_eq(cur.codec, SDP_CODEC_PCMU);
	cr_expect_eq(cur.port, 6000);
	cr_expect_str_eq(cur.addr, "198.51.100.7");
}

TestSuite(sdp_oa_t38, .init = setup, .fini = teardown);

/* --- the peer switches to T.38 ------------------------------------------------------------- */

Test(sdp_oa_t38, image_only_reoffer_answered_with_image)
{
	audio_session_answered();
	cr_assert_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), 0, "%s", err.msg);
	/* same place, same local port, our limits and the offer's choices (Annex D) */
	cr_assert_str_eq(out, OUR_HEAD(2) OUR_IMAGE);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
	cr_expect_eq(neg.stream, 0);
	cr_expect_str_eq(neg.addr, "198.51.100.7");
	cr_expect_eq(neg.port, 6004);
	cr_expect_eq(neg.codec, SDP_CODEC_NONE);
	cr_expect_eq(neg.t38.version, 0);
	cr_expect_eq(neg.t38.max_bitrate, 14400);
	cr_expect_eq(neg.t38.rate_mgmt, SDP_T38_TRANSFERRED_TCF);
	cr_expect_eq(neg.t38.ec, SDP_T38_EC_REDUNDANCY);
	cr_expect_eq(neg.t38.max_datagram, 272, "the peer's datagram limit is what we may send");
	cr_expect_eq(neg.t38.max_buffer, 1800);

	struct sdp_neg cur;
	cr_assert_eq(sdp_oa_negotiated(oa, &cur), 0);
	cr_expect_eq(cur.kind, SDP_KIND_IMAGE);
	cr_expect(sdp_neg_same_t38(&cur, &neg));
}

/* RFC 3264 §6: the audio m= line the peer disabled stays in the answer with port 0. */
Test(sdp_oa_t38, reoffer_audio_disabled_image_added)
{
	audio_session_answered();
	cr_assert_eq(answer(REMOTE_HEAD_V(6) L("m=audio 0 RTP/AVP 0") PEER_IMAGE(6004)), 0, "%s",
		     err.msg);
	cr_assert_str_eq(out, OUR_HEAD(2) L("m=audio 0 RTP/AVP 0") OUR_IMAGE);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
	cr_expect_eq(neg.stream, 1);
	cr_expect_eq(neg.port, 6004);
}

Test(sdp_oa_t38, audio_and_image_prefer_audio)
{
	cr_assert_eq(answer(REMOTE_HEAD PEER_AUDIO PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1) OUR_PCMU_ANSWER_TE
			 L("m=image 0 udptl t38"));
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect_eq(neg.stream, 0);
	cr_expect_eq(neg.t38.max_datagram, 0, "no T.38 values for audio");
}

Test(sdp_oa_t38, audio_and_image_prefer_image)
{
	sdp_oa_set_prefer(oa, SDP_PREFER_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD PEER_AUDIO PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1) L("m=audio 0 RTP/AVP 0 101") OUR_IMAGE);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
	cr_expect_eq(neg.stream, 1);
	cr_expect_eq(neg.port, 6004);

	/* The preference only chooses between usable streams: image first in the offer and
	 * prefer AUDIO still takes the audio. */
	mk(true);
	sdp_oa_set_prefer(oa, SDP_PREFER_AUDIO);
	cr_assert_eq(answer(REMOTE_HEAD PEER_IMAGE(6004) PEER_AUDIO), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1) L("m=image 0 udptl t38") OUR_PCMU_ANSWER_TE);
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect_eq(neg.stream, 1);
}

/* prefer IMAGE, but the image is not usable (no T.38 here, or it cannot be read): audio. */
Test(sdp_oa_t38, prefer_image_falls_back_to_audio)
{
	mk(false);
	sdp_oa_set_prefer(oa, SDP_PREFER_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD PEER_AUDIO PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect(strstr(out, "m=image 0 udptl t38\r\n"), "%s", out);

	mk(true);
	sdp_oa_set_prefer(oa, SDP_PREFER_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD PEER_AUDIO L("m=image 6004 udptl t38")
			    L("a=T38FaxMaxDatagram:many")), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect(strstr(out, "m=image 0 udptl t38\r\n"), "%s", out);
}

/* Without params.t38 an image-only re-offer gets 488 and the call stays as it was. */
Test(sdp_oa_t38, image_offer_without_t38_refused)
{
	mk(false);
	audio_session_answered();
	cr_expect_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_NO_AUDIO);
	cr_expect(strstr(err.msg, "T.38"), "%s", err.msg);
	expect_audio_still();
	cr_expect_eq(sdp_oa_offer_t38(oa, out, sizeof(out), NULL, &err), EINVAL);
	/* the refused offer did not move the version: the next SDP is 2 */
	offer_ok();
	cr_expect(!strncmp(out, OUR_HEAD(2), strlen(OUR_HEAD(2))), "%s", out);
}

/* Malformed T.38 attributes: 488 when the image is all there is; the session stands. */
Test(sdp_oa_t38, malformed_t38_attributes)
{
	static const char *const bad[] = {
		"a=T38FaxVersion:x", "a=T38FaxVersion:", "a=T38MaxBitRate:14400a",
		"a=T38FaxRateManagement:sometimes", "a=T38FaxUdpEC:t38UDPMagic",
		"a=T38FaxMaxDatagram:1234567890", "a=T38FaxMaxBuffer:-1",
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[512];

		mk(true);
		audio_session_answered();
		snprintf(t, sizeof(t), REMOTE_HEAD_V(6) L("m=image 6004 udptl t38") "%s\r\n",
			 bad[i]);
		cr_expect_eq(answer(t), EBADMSG, "%s", bad[i]);
		cr_expect_eq(err.code, SDP_E_SYNTAX, "%s", bad[i]);
		expect_audio_still();
	}
}

/* T.38 Annex D: the answer lowers version and bit rate, echoes rate management, and a FEC
 * offer gets redundancy (we do not send FEC); a version above 3 is answered with ours. */
Test(sdp_oa_t38, answer_honours_the_offer)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=image 6004 udptl t38") L("a=T38FaxVersion:5")
			    L("a=T38maxBitRate:9600") L("a=T38FaxRateManagement:localTCF")
			    L("a=T38FaxUdpEC:t38UDPFEC") L("a=T38FaxFillBitRemoval")
			    L("a=T38FaxTranscodingMMR:1")), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(1) L("m=image 4000 udptl t38") L("a=T38FaxVersion:0")
			 L("a=T38MaxBitRate:9600") L("a=T38FaxRateManagement:localTCF")
			 L("a=T38FaxMaxBuffer:2000") L("a=T38FaxMaxDatagram:400")
			 L("a=T38FaxUdpEC:t38UDPRedundancy"));
	cr_expect_eq(neg.t38.max_bitrate, 9600);
	cr_expect_eq(neg.t38.rate_mgmt, SDP_T38_LOCAL_TCF);
	cr_expect_eq(neg.t38.ec, SDP_T38_EC_REDUNDANCY);
	cr_expect_eq(neg.t38.max_datagram, 0, "the peer gave none: 0, the media layer's 400");
	cr_expect(!neg.t38.fill_bit_removal && !neg.t38.transcoding_mmr);
}

/* --- we switch to T.38 --------------------------------------------------------------------- */

Test(sdp_oa_t38, our_reoffer_answered_with_image)
{
	audio_session_offered();
	offer_t38_ok();
	cr_assert_str_eq(out, OUR_HEAD(2) OUR_IMAGE);
	cr_assert_eq(take(REMOTE_HEAD_V(6) L("m=image 7000 udptl t38") L("a=T38FaxVersion:0")
			  L("a=T38MaxBitRate:14400") L("a=T38FaxRateManagement:transferredTCF")
			  L("a=T38FaxMaxBuffer:1024") L("a=T38FaxMaxDatagram:320")
			  L("a=T38FaxUdpEC:t38UDPRedundancy")), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
	cr_expect_eq(neg.stream, 0);
	cr_expect_eq(neg.port, 7000);
	cr_expect_eq(neg.t38.max_datagram, 320);
	cr_expect_eq(neg.t38.max_buffer, 1024);
	cr_expect_eq(neg.t38.ec, SDP_T38_EC_REDUNDANCY);

	struct sdp_neg cur;
	cr_assert_eq(sdp_oa_negotiated(oa, &cur), 0);
	cr_expect_eq(cur.kind, SDP_KIND_IMAGE);
	cr_expect_eq(cur.t38.max_datagram, 320);
}

/* A second m= line of the session stays in place with port 0; ours becomes image. */
Test(sdp_oa_t38, our_reoffer_keeps_other_m_lines)
{
	cr_assert_eq(answer(REMOTE_HEAD L("m=video 6002 RTP/AVP 31") PEER_AUDIO), 0, "%s",
		     err.msg);
	offer_t38_ok();
	cr_assert_str_eq(out, OUR_HEAD(2) L("m=video 0 RTP/AVP 31") OUR_IMAGE);
	cr_expect_eq(take(REMOTE_HEAD_V(6) L("m=video 0 RTP/AVP 31") PEER_IMAGE(7000)), 0, "%s",
		     err.msg);
	cr_expect_eq(neg.stream, 1);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
}

/* The answer may lower our values, never raise them; what exceeds is held to ours. */
Test(sdp_oa_t38, answer_above_our_offer_held_to_it)
{
	audio_session_offered();
	offer_t38_ok();
	cr_assert_eq(take(REMOTE_HEAD_V(6) L("m=image 7000 udptl t38") L("a=T38FaxVersion:3")
			  L("a=T38MaxBitRate:33600") L("a=T38FaxUdpEC:t38UDPFEC")), 0, "%s",
		     err.msg);
	cr_expect_eq(neg.t38.version, 0);
	cr_expect_eq(neg.t38.max_bitrate, 14400);
	cr_expect_eq(neg.t38.ec, SDP_T38_EC_REDUNDANCY);
}

/* Refused by port 0: ENOTSUP (the gateway falls back to G.711 pass-through), the audio
 * session stands, and the next SDP carries a new version (RFC 3264 §8: the peer saw 2). */
Test(sdp_oa_t38, our_reoffer_rejected_port_0)
{
	audio_session_offered();
	offer_t38_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(6) L("m=image 0 udptl t38")), ENOTSUP);
	cr_expect_eq(err.code, SDP_E_REJECTED);
	expect_audio_still();
	offer_ok();
	cr_expect_str_eq(out, OUR_HEAD(3) OUR_AUDIO_OFFER);
}

/* A peer that answers our image offer with audio breaks RFC 3264 §6: EPROTO (ACK + BYE, or
 * the owner's choice), and the audio session stands. */
Test(sdp_oa_t38, image_offer_answered_with_audio)
{
	audio_session_offered();
	offer_t38_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(6) PEER_AUDIO), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
	expect_audio_still();
}

/* An image m= line that is not udptl t38, or extra m= lines, are not our offer either. */
Test(sdp_oa_t38, image_answer_of_wrong_shape)
{
	audio_session_offered();
	offer_t38_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(6) L("m=image 7000 udptl t37")), EPROTO);
	cr_expect_eq(err.code, SDP_E_NOT_OFFERED);
	offer_t38_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(6) PEER_IMAGE(7000) PEER_AUDIO), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
	offer_t38_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(6) L("m=image 7000 udptl t38")
			  L("a=T38FaxUdpEC:t38UDPMagic")), EBADMSG);
	cr_expect_eq(err.code, SDP_E_SYNTAX);
	expect_audio_still();
}

Test(sdp_oa_t38, offer_t38_states)
{
	mk(false);
	cr_expect_eq(sdp_oa_offer_t38(oa, out, sizeof(out), NULL, &err), EINVAL);
	cr_expect_eq(err.code, SDP_E_INVAL);
	cr_expect_eq(sdp_oa_offer_t38(NULL, out, sizeof(out), NULL, &err), EINVAL);

	/* T.38 limits beyond T38FaxVersion 3 are bad parameters */
	struct sdp_t38_local v4 = { .max_version = 4 };
	struct sdp_oa_params p = { .addr = "192.0.2.10", .port = 4000, .t38 = &v4 };
	struct sdp_oa *o = NULL;
	cr_expect_eq(sdp_oa_alloc(&o, &p), EINVAL);
	cr_expect_null(o);

	mk(true);
	audio_session_offered();
	offer_t38_ok();
	cr_expect_eq(sdp_oa_offer_t38(oa, out, sizeof(out), NULL, &err), EBUSY);
	cr_expect_eq(sdp_oa_offer(oa, out, sizeof(out), NULL, &err), EBUSY);
	/* glare: the peer's offer crosses ours (RFC 3261 §14.1: it gets 491) */
	cr_expect_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), EBUSY);
	cr_expect_eq(err.code, SDP_E_STATE);
	/* 491 to ours: cancelled, the session unchanged; the retry is version 3 */
	sdp_oa_cancel_offer(oa);
	expect_audio_still();
	offer_t38_ok();
	cr_expect_str_eq(out, OUR_HEAD(3) OUR_IMAGE);
	cr_expect_eq(take(REMOTE_HEAD_V(7) PEER_IMAGE(7000)), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);

	/* too small a buffer: ENOSPC, nothing pending */
	offer_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(8) PEER_AUDIO), 0, "%s", err.msg);
	cr_expect_eq(sdp_oa_offer_t38(oa, out, 64, NULL, &err), ENOSPC);
	offer_t38_ok();
}

/* The first SDP of a dialog may be a T.38 offer too: one image m= line. */
Test(sdp_oa_t38, initial_t38_offer)
{
	offer_t38_ok();
	cr_assert_str_eq(out, OUR_HEAD(1) OUR_IMAGE);
	cr_expect_eq(take(REMOTE_HEAD PEER_IMAGE(7000)), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_IMAGE);
	cr_expect_eq(neg.t38.max_datagram, 272);
}

/* --- back to voice after the fax ---------------------------------------------------------- */

Test(sdp_oa_t38, our_audio_offer_after_t38)
{
	audio_session_offered();
	offer_t38_ok();
	cr_assert_eq(take(REMOTE_HEAD_V(6) PEER_IMAGE(7000)), 0, "%s", err.msg);
	offer_ok();
	cr_assert_str_eq(out, OUR_HEAD(3) OUR_AUDIO_OFFER);
	cr_assert_eq(take(REMOTE_HEAD_V(7) L("m=audio 6010 RTP/AVP 8")), 0, "%s", err.msg);
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect_eq(neg.codec, SDP_CODEC_PCMA);
	cr_expect_eq(neg.port, 6010);
	cr_expect_eq(neg.t38.max_datagram, 0);

	/* and an image answer to that audio offer is the peer's error */
	offer_ok();
	cr_expect_eq(take(REMOTE_HEAD_V(8) PEER_IMAGE(7000)), EPROTO);
	cr_expect_eq(err.code, SDP_E_MCOUNT);
}

Test(sdp_oa_t38, peer_audio_reoffer_after_t38)
{
	audio_session_answered();
	cr_assert_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_assert_eq(neg.kind, SDP_KIND_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD_V(7) L("m=audio 6020 RTP/AVP 0")), 0, "%s", err.msg);
	cr_assert_str_eq(out, OUR_HEAD(3) OUR_PCMU_ANSWER);
	cr_expect_eq(neg.kind, SDP_KIND_AUDIO);
	cr_expect_eq(neg.port, 6020);
	cr_expect_eq(neg.t38.max_datagram, 0);
}

/* --- session refresh (RFC 4028) during a fax --------------------------------------------- */

/* The same T.38 SDP with a new o= version: our answer is unchanged and so is its version
 * (RFC 3264 §8), and sdp_neg_same_t38 says "the same session": the fax must not restart. */
Test(sdp_oa_t38, refresh_is_the_same_session)
{
	struct sdp_neg first, second;

	audio_session_answered();
	sdp_oa_set_prefer(oa, SDP_PREFER_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), 0, "%s", err.msg);
	first = neg;
	cr_assert_str_eq(out, OUR_HEAD(2) OUR_IMAGE);
	cr_assert_eq(answer(REMOTE_HEAD_V(7) PEER_IMAGE(6004)), 0, "%s", err.msg);
	second = neg;
	cr_expect_str_eq(out, OUR_HEAD(2) OUR_IMAGE, "unchanged answer, same version");
	cr_expect(sdp_neg_same_t38(&first, &second));
	/* a refresh without SDP changes: the same answer to the same version too */
	cr_assert_eq(answer(REMOTE_HEAD_V(7) PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_expect_str_eq(out, OUR_HEAD(2) OUR_IMAGE);

	/* our own refresh re-offer of T.38 answered the same: the same session too */
	offer_t38_ok();
	cr_expect_str_eq(out, OUR_HEAD(3) OUR_IMAGE);
	cr_assert_eq(take(REMOTE_HEAD_V(8) PEER_IMAGE(6004)), 0, "%s", err.msg);
	cr_expect(sdp_neg_same_t38(&first, &neg));
}

Test(sdp_oa_t38, same_t38_false_on_changes)
{
	struct sdp_neg base, n;

	audio_session_answered();
	struct sdp_neg audio = neg;
	cr_assert_eq(answer(REMOTE_HEAD_V(6) PEER_IMAGE(6004)), 0, "%s", err.msg);
	base = neg;
	cr_expect(sdp_neg_same_t38(&base, &base));
	cr_expect_not(sdp_neg_same_t38(&audio, &base), "audio is no T.38 session");
	cr_expect_not(sdp_neg_same_t38(&base, &audio));
	cr_expect_not(sdp_neg_same_t38(NULL, &base));

	cr_assert_eq(answer(REMOTE_HEAD_V(7) PEER_IMAGE(6006)), 0, "%s", err.msg);
	cr_expect_not(sdp_neg_same_t38(&base, &neg), "port changed");

	cr_assert_eq(answer(L("v=0") L("o=- 5 8 IN IP4 198.51.100.7") L("s=-")
			    L("c=IN IP4 198.51.100.9") L("t=0 0") PEER_IMAGE(6004)), 0, "%s",
		     err.msg);
	cr_expect_not(sdp_neg_same_t38(&base, &neg), "address changed");

	cr_assert_eq(answer(REMOTE_HEAD_V(9) L("m=image 6004 udptl t38") L("a=T38FaxVersion:0")
			    L("a=T38MaxBitRate:14400") L("a=T38FaxMaxDatagram:272")
			    L("a=T38FaxUdpEC:t38UDPNoEC")), 0, "%s", err.msg);
	cr_expect_not(sdp_neg_same_t38(&base, &neg), "error correction changed");

	cr_assert_eq(answer(REMOTE_HEAD_V(10) L("m=image 6004 udptl t38")
			    L("a=T38FaxRateManagement:localTCF")
			    L("a=T38FaxUdpEC:t38UDPRedundancy")), 0, "%s", err.msg);
	cr_expect_not(sdp_neg_same_t38(&base, &neg), "rate management changed");

	/* only the datagram size differs: the same session (the media layer applies it) */
	cr_assert_eq(answer(REMOTE_HEAD_V(11) L("m=image 6004 udptl t38") L("a=T38FaxVersion:0")
			    L("a=T38MaxBitRate:14400") L("a=T38FaxMaxDatagram:500")
			    L("a=T38FaxUdpEC:t38UDPRedundancy")), 0, "%s", err.msg);
	n = neg;
	cr_expect(sdp_neg_same_t38(&base, &n));
	cr_expect_eq(n.t38.max_datagram, 500);
}
