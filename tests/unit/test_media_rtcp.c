/* Unit tests for media/rtcp: exact SR/RR/SDES/BYE bytes, parsing (valid, truncated,
 * garbage), round-trip time, and the RFC 3550 §A.1/§A.3 loss arithmetic with wrap. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtcp.h"

static const struct rtcp_sender_info SI = { .ntp = 0xE123456789ABCDEFull, .rtp_ts = 0x1000,
					    .packets = 100, .octets = 16000 };
static const struct rtcp_report_block RB = { .ssrc = 0x55667788, .fraction = 0x40,
					     .lost = 5, .ext_max_seq = 0x0001FFFF,
					     .jitter = 0x10, .lsr = 0x45678901,
					     .dlsr = 0x00020000 };

static const uint8_t SR_SDES_BYE[76] = {
	0x81, 0xC8, 0x00, 0x0C, 0x11, 0x22, 0x33, 0x44,		/* SR, RC=1, 13 words */
	0xE1, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,		/* NTP */
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x64,		/* RTP ts, packets */
	0x00, 0x00, 0x3E, 0x80,					/* octets */
	0x55, 0x66, 0x77, 0x88, 0x40, 0x00, 0x00, 0x05,		/* block: fraction, lost */
	0x00, 0x01, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x10,		/* ext seq, jitter */
	0x45, 0x67, 0x89, 0x01, 0x00, 0x02, 0x00, 0x00,		/* LSR, DLSR */
	0x81, 0xCA, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,		/* SDES, 1 chunk */
	0x01, 0x04, 'h', 'o', 's', 't', 0x00, 0x00,		/* CNAME "host", end */
	0x81, 0xCB, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,		/* BYE */
};

Test(media_rtcp, build_sr_block_sdes_bye_exact)
{
	uint8_t buf[RTCP_MAX_LEN];
	size_t len;
	struct rtcp_build_params p = { .ssrc = 0x11223344, .sr = &SI, .rb = &RB,
				       .cname = "host", .bye = true };

	cr_assert_eq(rtcp_build(&p, buf, sizeof buf, &len), 0);
	cr_assert_eq(len, sizeof SR_SDES_BYE);
	cr_expect_arr_eq(buf, SR_SDES_BYE, len);
	cr_expect_eq(rtcp_build(&p, buf, 75, &len), EMSGSIZE);
	cr_expect_eq(rtcp_build(NULL, buf, sizeof buf, &len), EINVAL);
}

Test(media_rtcp, build_rr_exact)
{
	static const uint8_t rr[24] = {
		0x80, 0xC9, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,	/* RR, RC=0 */
		0x81, 0xCA, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04,	/* SDES */
		0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x00,	/* 4 null octets: aligned */
	};
	static const uint8_t rr_neg[8 + 24] = {
		0x81, 0xC9, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04,	/* RR, RC=1 */
		0x00, 0x00, 0x00, 0x09, 0xFF, 0xFF, 0xFF, 0xFF,	/* lost -1 (duplicates) */
		0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct rtcp_report_block b = { .ssrc = 9, .fraction = 0xFF, .lost = -1,
				       .ext_max_seq = 10 };
	uint8_t buf[RTCP_MAX_LEN];
	char longname[RTCP_CNAME_MAX + 2];
	size_t len;

	cr_assert_eq(rtcp_build(&(struct rtcp_build_params){ .ssrc = 0x01020304,
							       .cname = "ab" },
				buf, sizeof buf, &len), 0);
	cr_assert_eq(len, sizeof rr);
	cr_expect_arr_eq(buf, rr, len);
	cr_assert_eq(rtcp_build(&(struct rtcp_build_params){ .ssrc = 0x01020304, .rb = &b },
				buf, sizeof buf, &len), 0);
	cr_assert_eq(len, sizeof rr_neg);
	cr_expect_arr_eq(buf, rr_neg, len);

	/* the largest CNAME fits RTCP_MAX_LEN; one more byte is refused */
	memset(longname, 'x', sizeof longname);
	longname[RTCP_CNAME_MAX] = 0;
	cr_expect_eq(rtcp_build(&(struct rtcp_build_params){ .sr = &SI, .rb = &RB,
							       .cname = longname, .bye = true },
				buf, sizeof buf, &len), 0);
	cr_expect_eq(len, RTCP_MAX_LEN);
	longname[RTCP_CNAME_MAX] = 'x';
	longname[RTCP_CNAME_MAX + 1] = 0;
	cr_expect_eq(rtcp_build(&(struct rtcp_build_params){ .cname = longname },
				buf, sizeof buf, &len), EINVAL);
}

Test(media_rtcp, parse_roundtrip)
{
	struct rtcp_info in;
	uint8_t buf[RTCP_MAX_LEN];
	size_t len;
	struct rtcp_report_block b = { .ssrc = 9, .lost = -0x800000 };

	cr_assert_eq(rtcp_parse(&in, SR_SDES_BYE, sizeof SR_SDES_BYE, 0x55667788), 0);
	cr_expect_eq(in.ssrc, 0x11223344u);
	cr_expect(in.sr);
	cr_expect_eq(in.si.ntp, SI.ntp);
	cr_expect_eq(in.si.rtp_ts, SI.rtp_ts);
	cr_expect_eq(in.si.packets, 100);
	cr_expect_eq(in.si.octets, 16000);
	cr_assert(in.have_rb);
	cr_expect_eq(memcmp(&in.rb, &RB, sizeof RB), 0);
	cr_expect(in.bye);

	/* a block about someone else is not ours */
	cr_assert_eq(rtcp_parse(&in, SR_SDES_BYE, sizeof SR_SDES_BYE, 0x1), 0);
	cr_expect(!in.have_rb);

	/* the 24-bit signed count: the most negative value survives */
	cr_assert_eq(rtcp_build(&(struct rtcp_build_params){ .ssrc = 1, .rb = &b }, buf,
				sizeof buf, &len), 0);
	cr_assert_eq(rtcp_parse(&in, buf, len, 9), 0);
	cr_expect(!in.sr);
	cr_expect_eq(in.rb.lost, -0x800000);
}

Test(media_rtcp, parse_validity_checks)
{
	uint8_t p[sizeof SR_SDES_BYE + 4];
	struct rtcp_info in;

	/* every prefix: only those ending on a packet boundary are whole */
	for (size_t n = 0; n <= sizeof SR_SDES_BYE; n++) {
		int err = rtcp_parse(&in, SR_SDES_BYE, n, 0x55667788);

		if (n == 52 || n == 68 || n == 76)
			cr_expect_eq(err, 0, "len %zu", n);
		else
			cr_expect_neq(err, 0, "len %zu", n);
	}
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[0] = 0x41;					/* version 1 */
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EPROTO);
	memcpy(p, SR_SDES_BYE + 52, 24);		/* SDES first */
	cr_expect_eq(rtcp_parse(&in, p, 24, 0), EPROTO);
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[0] = 0xA1;					/* padding in the first packet */
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EBADMSG);
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[0] = 0x82;					/* RC=2 with room for one block */
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EBADMSG);
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[53] = 0xC8;					/* SDES retyped as SR */
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EBADMSG, "SR body too short for RC=1");
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[68] = 0x41;					/* BYE of version 1 */
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EPROTO);

	/* padding on the last packet (BYE padded by 4): valid; a zero count is not */
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[68] |= 0x20;
	p[71] = 2;
	memcpy(p + 76, (uint8_t[]){ 0, 0, 0, 4 }, 4);
	cr_expect_eq(rtcp_parse(&in, p, 80, 0x55667788), 0);
	cr_expect(in.bye);
	p[79] = 0;
	cr_expect_eq(rtcp_parse(&in, p, 80, 0), EBADMSG);
	p[79] = 9;					/* more than the packet */
	cr_expect_eq(rtcp_parse(&in, p, 80, 0), EBADMSG);
	/* padding on a packet that is not the last */
	memcpy(p, SR_SDES_BYE, sizeof SR_SDES_BYE);
	p[52] |= 0x20;
	cr_expect_eq(rtcp_parse(&in, p, 76, 0), EBADMSG);
	cr_expect_eq(rtcp_parse(&in, NULL, 0, 0), EMSGSIZE);
}

/* Never crash, never read out of bounds (ASan watches): random bytes, and the valid packet
 * with random bytes flipped, each in a buffer of exactly its length. */
Test(media_rtcp, parse_garbage)
{
	struct rtcp_info in;
	unsigned ok = 0;

	srand(4733);
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)rand() % 120;
		uint8_t *b = malloc(n ? n : 1);

		cr_assert(b);
		if (i & 1) {
			for (size_t j = 0; j < n; j++)
				b[j] = (uint8_t)rand();
			if (n && (i & 2))
				b[0] = (uint8_t)(0x80 | (b[0] & 0x3f));	/* mostly V=2 */
			if (n > 1 && (i & 4))
				b[1] = (uint8_t)(200 + rand() % 5);
		} else {
			n = n < sizeof SR_SDES_BYE ? n : sizeof SR_SDES_BYE;
			memcpy(b, SR_SDES_BYE, n);
			for (int k = rand() % 4; k >= 0 && n; k--)
				b[(size_t)rand() % n] ^= (uint8_t)(1u << (rand() % 8));
		}
		ok += rtcp_parse(&in, b, n, 0x55667788) == 0;
		free(b);
	}
	cr_expect_gt(ok, 0);
}

Test(media_rtcp, round_trip_time)
{
	/* SR sent at 1 s (LSR 0x00010000), held 0.5 s at the peer, answer at 1.6 s: 100 ms */
	struct rtcp_report_block b = { .lsr = 0x00010000, .dlsr = 0x00008000 };
	uint64_t arrival = (uint64_t)(0x00018000 + 0x199A) << 16;

	cr_expect_eq(rtcp_rtt(&b, arrival), 0x199A);
	cr_expect_eq(rtcp_rtt(&b, (uint64_t)0x00017000 << 16), -1, "negative: unknown");
	b.lsr = 0;
	cr_expect_eq(rtcp_rtt(&b, arrival), -1, "no SR yet");
	cr_expect_eq(rtcp_ntp_mid(0x1122334455667788ull), 0x33445566u);
}

/* §A.1 probation, 16-bit wrap and §A.3 fraction/cumulative loss. */
Test(media_rtcp, loss_arithmetic_with_wrap)
{
	struct rtcp_source s;
	struct rtcp_report_block b;

	rtcp_source_init(&s, 65530);
	cr_expect(!rtcp_source_update(&s, 65530), "on probation");
	cr_expect(rtcp_source_update(&s, 65531), "second in sequence: valid");
	for (uint32_t q = 65532; q <= 65536 + 9; q++)
		if (q != 65536 + 2 && q != 65536 + 3)		/* 2 and 3 lost */
			cr_expect(rtcp_source_update(&s, (uint16_t)q));
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.ext_max_seq, 0x00010009u, "one cycle");
	cr_expect_eq(b.lost, 2);
	cr_expect_eq(b.fraction, 2 * 256 / 15, "2 of 15 expected");
	cr_expect_eq(rtcp_source_lost(&s), 2);

	/* next interval: 10..19 plus a duplicate of 19 → more received than expected */
	for (uint16_t q = 10; q <= 19; q++)
		cr_expect(rtcp_source_update(&s, q));
	cr_expect(rtcp_source_update(&s, 19));
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.fraction, 0);
	cr_expect_eq(b.lost, 1, "duplicate offsets a loss");
	cr_expect_eq(b.ext_max_seq, 0x00010013u);

	/* late packet (misorder): counted, max unchanged */
	cr_expect(rtcp_source_update(&s, 15));
	cr_expect_eq(rtcp_source_lost(&s), 0);

	/* 20..30 expected this interval, 2 received (the late 15, and 30) */
	cr_expect(rtcp_source_update(&s, 30));
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.fraction, 9 * 256 / 11);
	cr_expect_eq(b.lost, 10);
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.fraction, 0, "nothing expected");

	/* a jump: dropped until a second sequential packet confirms it, then resync */
	cr_expect(!rtcp_source_update(&s, 40000));
	cr_expect(rtcp_source_update(&s, 40001));
	cr_expect_eq(rtcp_source_lost(&s), 0);
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.ext_max_seq, 40001u);

	/* clamps of the 24-bit field; all lost gives 255, not 256 wrapped to 0 */
	memset(&s, 0, sizeof s);
	s.cycles = 0x1000000;
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.lost, 0x7fffff);
	cr_expect_eq(b.fraction, 255);
	memset(&s, 0, sizeof s);
	s.received = 0x1000000;
	rtcp_source_report(&s, &b);
	cr_expect_eq(b.lost, -0x800000);
}
