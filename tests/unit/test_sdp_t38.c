/* Unit tests for sip/sdp_t38: reading T.38 attributes of an image stream (T.38 Annex D),
 * answering an offer within what it allows, and the exact text we write. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sdp.h"
#include "sip/sdp_t38.h"

#define L(x) x "\r\n"
#define HEAD L("v=0") L("o=- 5 5 IN IP4 198.51.100.7") L("s=-") L("c=IN IP4 198.51.100.7") L("t=0 0")

static int parse(struct sdp_t38 *t, const char *sdp, unsigned stream)
{
	/* exactly strlen() bytes on the heap, no NUL: a read past len is an ASan report */
	size_t n = strlen(sdp);
	char *p = malloc(n ? n : 1);
	int ret;

	memcpy(p, sdp, n);
	ret = sdp_t38_parse(t, p, n, stream);
	free(p);
	return ret;
}

Test(sdp_t38, parse_a_typical_reinvite)
{
	static const char sdp[] = HEAD
		L("m=image 6004 udptl t38")
		L("a=T38FaxVersion:0")
		L("a=T38MaxBitRate:14400")
		L("a=T38FaxRateManagement:transferredTCF")
		L("a=T38FaxMaxBuffer:262")
		L("a=T38FaxMaxDatagram:176")
		L("a=T38FaxUdpEC:t38UDPRedundancy");
	struct sdp_t38 t;
	struct sdp_desc d;

	/* the structural parser agrees on where the image stream is */
	cr_assert_eq(sdp_desc_parse(&d, sdp, strlen(sdp), NULL), 0);
	cr_assert_eq(d.n_streams, 1);
	cr_expect_eq(d.streams[0].kind, SDP_KIND_IMAGE);
	cr_expect_eq(d.streams[0].port, 6004);

	cr_assert_eq(parse(&t, sdp, 0), 0);
	cr_expect_eq(t.version, 0);
	cr_expect_eq(t.max_bitrate, 14400);
	cr_expect_eq(t.rate_mgmt, SDP_T38_TRANSFERRED_TCF);
	cr_expect_eq(t.max_buffer, 262);
	cr_expect_eq(t.max_datagram, 176);
	cr_expect_eq(t.ec, SDP_T38_EC_REDUNDANCY);
	cr_expect_not(t.fill_bit_removal || t.transcoding_mmr || t.transcoding_jbig);
}

Test(sdp_t38, parse_second_stream_case_and_booleans)
{
	/* audio and image offered at once; names in odd case, booleans in three spellings */
	static const char sdp[] = HEAD
		L("m=audio 6000 RTP/AVP 0")
		L("a=T38FaxVersion:3")
		L("m=image 6004 udptl t38")
		L("a=t38faxversion:2")
		L("a=T38maxBitRate:9600")
		L("a=T38FaxRateManagement:localTCF")
		L("a=T38FaxUdpEC:t38UDPFEC")
		L("a=T38FaxFillBitRemoval")
		L("a=T38FaxTranscodingMMR:1")
		L("a=T38FaxTranscodingJBIG:0")
		L("a=sendrecv");
	struct sdp_t38 t;

	cr_expect_eq(parse(&t, sdp, 0), ENOTSUP);
	cr_assert_eq(parse(&t, sdp, 1), 0);
	cr_expect_eq(t.version, 2);
	cr_expect_eq(t.max_bitrate, 9600);
	cr_expect_eq(t.rate_mgmt, SDP_T38_LOCAL_TCF);
	cr_expect_eq(t.ec, SDP_T38_EC_FEC);
	cr_expect(t.fill_bit_removal);
	cr_expect(t.transcoding_mmr);
	cr_expect_not(t.transcoding_jbig);
	cr_expect_eq(t.max_datagram, 0, "not given");
	cr_expect_eq(parse(&t, sdp, 2), ENOENT);
}

Test(sdp_t38, parse_refuses_unreadable_values)
{
	static const char *const bad[] = {
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxMaxDatagram:abc"),
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxMaxDatagram:"),
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxMaxDatagram:99999999999999"),
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxUdpEC:t38UDPMagic"),
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxRateManagement:"),
		HEAD L("m=image 6004 udptl t38") L("a=T38FaxVersion:-1"),
	};
	static const char lf_only[] = "m=image 1 udptl t38\na=T38FaxMaxDatagram:300";
	struct sdp_t38 t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse(&t, bad[i], 0), EBADMSG, "case %zu", i);
	/* LF line ends and no final newline: still read, and only within len */
	cr_assert_eq(parse(&t, lf_only, 0), 0);
	cr_expect_eq(t.max_datagram, 300);
	cr_expect_eq(parse(&t, HEAD L("m=image 6004 udptl t38x"), 0), ENOTSUP);
	cr_expect_eq(parse(&t, HEAD L("m=image 6004 RTP/AVP t38"), 0), ENOTSUP);
}

Test(sdp_t38, answer_honours_the_offer)
{
	struct sdp_t38_local local = { .max_version = 3 };
	struct sdp_t38 offer = {
		.version = 1, .max_bitrate = 9600, .rate_mgmt = SDP_T38_LOCAL_TCF,
		.max_buffer = 200, .max_datagram = 150, .ec = SDP_T38_EC_FEC,
		.fill_bit_removal = true, .transcoding_mmr = true, .transcoding_jbig = true,
	};
	struct sdp_t38 a;

	cr_assert_eq(sdp_t38_answer(&offer, &local, &a), 0);
	cr_expect_eq(a.version, 1, "never above the offer");
	cr_expect_eq(a.max_bitrate, 9600, "never above the offer");
	cr_expect_eq(a.rate_mgmt, SDP_T38_LOCAL_TCF, "echoed");
	cr_expect_eq(a.ec, SDP_T38_EC_REDUNDANCY, "we do not send FEC");
	cr_expect_eq(a.max_buffer, 2000, "ours, not the offer's");
	cr_expect_eq(a.max_datagram, 400, "ours, not the offer's");
	cr_expect_not(a.fill_bit_removal || a.transcoding_mmr || a.transcoding_jbig);

	/* an offer above us is lowered to us; missing bit rate means ours */
	offer = (struct sdp_t38){ .version = 3, .ec = SDP_T38_EC_REDUNDANCY };
	local = (struct sdp_t38_local){ .max_version = 0, .max_datagram = 320 };
	cr_assert_eq(sdp_t38_answer(&offer, &local, &a), 0);
	cr_expect_eq(a.version, 0);
	cr_expect_eq(a.max_bitrate, 14400);
	cr_expect_eq(a.ec, SDP_T38_EC_REDUNDANCY);
	cr_expect_eq(a.max_datagram, 320);

	/* no error correction offered: none answered; configured off: none */
	offer.ec = SDP_T38_EC_NONE;
	cr_assert_eq(sdp_t38_answer(&offer, &local, &a), 0);
	cr_expect_eq(a.ec, SDP_T38_EC_NONE);
	offer.ec = SDP_T38_EC_REDUNDANCY;
	local.no_redundancy = true;
	cr_assert_eq(sdp_t38_answer(&offer, &local, &a), 0);
	cr_expect_eq(a.ec, SDP_T38_EC_NONE);
	/* FEC kept when we can send it */
	offer.ec = SDP_T38_EC_FEC;
	local = (struct sdp_t38_local){ .send_fec = true };
	cr_assert_eq(sdp_t38_answer(&offer, &local, &a), 0);
	cr_expect_eq(a.ec, SDP_T38_EC_FEC);

	offer.version = 4;
	cr_expect_eq(sdp_t38_answer(&offer, &local, &a), EINVAL);
}

Test(sdp_t38, format_exact_text_and_round_trip)
{
	static const char want[] =
		L("m=image 4002 udptl t38")
		L("a=T38FaxVersion:0")
		L("a=T38MaxBitRate:14400")
		L("a=T38FaxRateManagement:transferredTCF")
		L("a=T38FaxMaxBuffer:2000")
		L("a=T38FaxMaxDatagram:400")
		L("a=T38FaxUdpEC:t38UDPRedundancy");
	struct sdp_t38_local local = { 0 };
	struct sdp_t38 o, back;
	char buf[512], *sdp;
	size_t n;

	sdp_t38_offer(&local, &o);
	cr_assert_eq(sdp_t38_format(&o, 4002, buf, sizeof(buf), &n), 0);
	cr_assert_str_eq(buf, want);
	cr_expect_eq(n, strlen(want));

	/* what we write, inside a whole SDP, reads back the same through both parsers */
	o.transcoding_jbig = true;
	cr_assert_eq(sdp_t38_format(&o, 4002, buf, sizeof(buf), &n), 0);
	cr_assert(asprintf(&sdp, "%s%s", HEAD, buf) > 0);
	cr_assert_eq(parse(&back, sdp, 0), 0);
	cr_expect_eq(memcmp(&back, &o, sizeof(o)), 0);
	struct sdp_desc d;
	cr_assert_eq(sdp_desc_parse(&d, sdp, strlen(sdp), NULL), 0);
	cr_expect_eq(d.streams[0].kind, SDP_KIND_IMAGE);
	free(sdp);

	cr_assert_eq(sdp_t38_format(&o, 0, buf, sizeof(buf), &n), 0);
	cr_expect_str_eq(buf, L("m=image 0 udptl t38"));
	cr_expect_eq(sdp_t38_format(&o, 4002, buf, 40, &n), ENOSPC);
}
