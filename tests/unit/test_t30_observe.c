/* Unit tests for media/t30_observe: T.30 control frames written out by hand (octets as SpanDSP
 * and the HDLC receiver deliver them: the first bit sent in the LSB), fed in the order of
 * T.30 Figure 5-2 flows, and the report read at each step. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "media/t30_observe.h"

/* Direction: the calling fax (page sender) on the B-channel, the called fax on the net. */
enum { TDM = 1, NET = 0 };

static void feed(struct t30_observe *o, bool from_tdm, const uint8_t *f, size_t len)
{
	/* An exact-size copy: ASan catches a read past the frame. */
	uint8_t *c = malloc(len ? len : 1);

	cr_assert_not_null(c);
	memcpy(c, f, len);
	t30_observe_frame(o, from_tdm, c, len, true);
	free(c);
}

#define FEED(o, dir, ...) do { \
	static const uint8_t f_[] = { __VA_ARGS__ }; \
	feed(o, dir, f_, sizeof(f_)); \
} while (0)

/* T.30 §5.3.6: address FF, control 03 (not final) or 13 (final), FCF, FIF. */

/* DIS (FCF 0x80 = [0000 0001]), FIF octets (Table 2):
 *  1: bits 1-8   00
 *  2: bits 9-16  6E = bit 10 ready to receive, bits 11,12,14 = V.27ter+V.29+V.17, bit 15 fine
 *  3: bits 17-24 80 = A4 width, A4 length, 20 ms scan time, bit 24 extend
 *  4: bits 25-32 84 = bit 27 ECM, bit 32 extend
 *  5: bits 33-40 80 = bit 40 extend
 *  6: bits 41-48 01 = bit 41 R8 x 15.4 */
#define DIS_V17_ECM 0xFF, 0x13, 0x80, 0x00, 0x6E, 0x80, 0x84, 0x80, 0x01
/* The same without ECM (octet 4 = 80) */
#define DIS_V17 0xFF, 0x13, 0x80, 0x00, 0x6E, 0x80, 0x80, 0x80, 0x01
/* V.27ter only (bit 12), fine, no extension */
#define DIS_V27 0xFF, 0x13, 0x80, 0x00, 0x4A, 0x00
/* CSI (0x40 = [0000 0010]), "+1 555 0100" last digit first, padded with spaces (§5.3.6.2.4) */
#define CSI_1 0xFF, 0x03, 0x40, '0', '0', '1', '0', ' ', '5', '5', '5', ' ', '1', '+', \
	' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '
/* TSI (0x42 | X = 0x43), "STROWGER 7" */
#define TSI_1 0xFF, 0x03, 0x43, '7', ' ', 'R', 'E', 'G', 'W', 'O', 'R', 'T', 'S', \
	' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '
/* DCS (0x82 | X = 0x83): octet 2 = 62: bit 10 receive, bit 14 = 14400 V.17, bit 15 fine;
 * octet 3 = 00: no extension */
#define DCS_V17_14400_FINE 0xFF, 0x13, 0x83, 0x00, 0x62, 0x00
/* DCS with ECM: octet 3 = 80 (extend), octet 4 = 04 (bit 27 ECM); rate bits 11+14 = 9600 V.17,
 * standard resolution: octet 2 = 26 */
#define DCS_V17_9600_ECM 0xFF, 0x13, 0x83, 0x00, 0x26, 0x80, 0x04
/* DCS 4800 V.27ter (bit 12) standard */
#define DCS_V27_4800 0xFF, 0x13, 0x83, 0x00, 0x0A, 0x00
/* DCS 9600 V.29 (bit 11) with bit 41 R8 x 15.4: octets 3, 4, 5 extend */
#define DCS_V29_SUPERFINE 0xFF, 0x13, 0x83, 0x00, 0x46, 0x80, 0x80, 0x80, 0x01

/* Responses from the called station (X = 0: it sent the DIS) and commands with X = 1. */
#define CFR 0xFF, 0x13, 0x84
#define FTT 0xFF, 0x13, 0x44
#define MPS 0xFF, 0x13, 0x4F
#define EOP 0xFF, 0x13, 0x2F
#define EOM 0xFF, 0x13, 0x8F
#define MCF 0xFF, 0x13, 0x8C
#define RTN 0xFF, 0x13, 0x4C
#define RTP 0xFF, 0x13, 0xCC
#define CRP 0xFF, 0x13, 0x1A
#define DCN_TX 0xFF, 0x13, 0xFB
#define DCN_RX 0xFF, 0x13, 0xFA
/* ECM (T.30 §A.4): PPS 0xBF, FIF = FCF2, page, block, frames-1; PPR FIF = 256-bit map */
#define PPS(fcf2, page, block, n) 0xFF, 0x13, 0xBF, fcf2, page, block, n
#define PPR_FRAME3 0xFF, 0x13, 0xBC, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define RNR 0xFF, 0x13, 0xEC
#define RR 0xFF, 0x13, 0x6F
#define FCF2_NULL 0x00
#define FCF2_MPS 0x4F
#define FCF2_EOP 0x2F

static struct t30_report rep(const struct t30_observe *o)
{
	struct t30_report r;

	t30_observe_report(o, &r);
	return r;
}

static void expect_ok(const struct t30_report *r)
{
	cr_expect_eq(r->completion, T30_ERR_OK, "completion %d (%s) where '%s'", r->completion,
		     t30_completion_text(r->completion), r->where);
	cr_expect_str_empty(r->where);
}

Test(t30_observe, nothing_seen)
{
	struct t30_observe o;

	t30_observe_init(&o);
	struct t30_report r = rep(&o);

	cr_expect_not(r.seen);
	cr_expect_eq(r.pages, 0);
	cr_expect_str_eq(r.modem, "");
	cr_expect_str_eq(r.resolution, "");
	cr_expect_neq(r.completion, T30_ERR_OK);
	cr_expect_str_not_empty(r.where);
}

/* T.30 Figure 5-2a flow, non-ECM, three pages at 14400 V.17, fine. */
Test(t30_observe, three_pages_v17)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, NET, CSI_1);
	FEED(&o, NET, DIS_V17_ECM);
	r = rep(&o);
	cr_expect(r.seen);
	cr_expect_str_eq(r.csi, "+1 555 0100");
	cr_expect_eq(r.bit_rate, 0);
	cr_expect_eq(r.completion, T30_ERR_CALLDROPPED);
	cr_expect_str_eq(r.where, "after DIS: no DCS, call ended");

	FEED(&o, TDM, TSI_1);
	FEED(&o, TDM, DCS_V17_14400_FINE);
	FEED(&o, NET, CFR);
	r = rep(&o);
	cr_expect(r.sender_is_tdm);
	cr_expect_eq(r.bit_rate, 14400);
	cr_expect_str_eq(r.modem, "V.17");
	cr_expect_not(r.ecm);
	cr_expect_str_eq(r.resolution, "fine");
	cr_expect_str_eq(r.tsi, "STROWGER 7");
	cr_expect_str_eq(r.where, "page 1: call ended");

	FEED(&o, TDM, MPS);
	r = rep(&o);
	cr_expect_eq(r.pages, 0, "MPS alone confirms nothing");
	cr_expect_str_eq(r.where, "after page 1: no MCF to MPS, call ended");
	FEED(&o, NET, MCF);
	cr_expect_eq(rep(&o).pages, 1);
	FEED(&o, NET, MCF);	/* a repeated response counts once */
	cr_expect_eq(rep(&o).pages, 1);
	FEED(&o, TDM, MPS);
	FEED(&o, NET, CRP);	/* command repeat (§5.3.6.1.7): the MPS again */
	FEED(&o, TDM, MPS);
	FEED(&o, NET, MCF);
	cr_expect_eq(rep(&o).pages, 2);
	FEED(&o, TDM, EOP);
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	cr_expect_neq(r.completion, T30_ERR_OK);
	FEED(&o, NET, MCF);
	r = rep(&o);
	cr_expect_eq(r.pages, 3);
	expect_ok(&r);
	FEED(&o, TDM, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.pages, 3);
	expect_ok(&r);
	cr_expect_eq(o.crp_count, 1);
	cr_expect_eq(o.bad_format + o.unknown_fcf + o.bad_frames, 0);
}

/* ECM (T.30 Annex A): page 1 in two blocks, a PPR for frame 3 of block 1, page 2 with a
 * receiver that is not ready (RNR/RR). Pages end only at PPS-MPS/EOP. */
Test(t30_observe, ecm_two_pages)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, TDM, DIS_V17_ECM);	/* the receiver on the B-channel this time */
	FEED(&o, NET, DCS_V17_9600_ECM);
	FEED(&o, TDM, CFR);
	FEED(&o, NET, PPS(FCF2_NULL, 0, 0, 255));
	FEED(&o, TDM, PPR_FRAME3);
	FEED(&o, NET, PPS(FCF2_NULL, 0, 0, 255));
	r = rep(&o);
	cr_expect_eq(r.pages, 0);
	cr_expect_str_eq(r.where, "after page 1: no MCF to PPS-NULL, call ended");
	FEED(&o, TDM, MCF);
	cr_expect_eq(rep(&o).pages, 0, "a block is not a page");
	FEED(&o, NET, PPS(FCF2_MPS, 0, 1, 10));
	FEED(&o, TDM, MCF);
	r = rep(&o);
	cr_expect_eq(r.pages, 1);
	cr_expect_not(r.sender_is_tdm);
	cr_expect(r.ecm);
	cr_expect_eq(r.bit_rate, 9600);
	cr_expect_str_eq(r.modem, "V.17");
	cr_expect_str_eq(r.resolution, "standard");
	FEED(&o, NET, PPS(FCF2_EOP, 1, 0, 40));
	FEED(&o, TDM, RNR);
	FEED(&o, NET, RR);
	FEED(&o, TDM, RNR);
	r = rep(&o);
	cr_expect_eq(r.pages, 1);
	cr_expect_str_eq(r.where, "after page 2: no MCF to PPS-EOP, call ended");
	FEED(&o, NET, RR);
	FEED(&o, TDM, MCF);
	FEED(&o, NET, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	expect_ok(&r);
	cr_expect_eq(o.ppr_count, 1);
}

/* A three-page fax that stops after page 2, in each of the places it can stop. */
Test(t30_observe, stops_after_page_2)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, NET, DIS_V17);
	FEED(&o, TDM, DCS_V29_SUPERFINE);
	FEED(&o, NET, CFR);
	FEED(&o, TDM, MPS);
	FEED(&o, NET, MCF);
	FEED(&o, TDM, MPS);
	FEED(&o, NET, MCF);
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	cr_expect_eq(r.bit_rate, 9600);
	cr_expect_str_eq(r.modem, "V.29");
	cr_expect_str_eq(r.resolution, "superfine");
	cr_expect_eq(r.completion, T30_ERR_CALLDROPPED);
	cr_expect_str_eq(r.where, "page 3: call ended");

	struct t30_observe o2 = o;	/* the receiver hangs up during page 3 */
	FEED(&o2, NET, DCN_RX);
	r = rep(&o2);
	cr_expect_eq(r.pages, 2);
	cr_expect_eq(r.completion, T30_ERR_TX_BADPG);
	cr_expect_str_eq(r.where, "page 3: DCN from the receiver");

	FEED(&o, TDM, EOP);	/* page 3 sent, no answer, the sender gives up */
	FEED(&o, TDM, EOP);
	FEED(&o, TDM, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	cr_expect_eq(r.completion, T30_ERR_TX_PHDDEAD);
	cr_expect_str_eq(r.where, "after page 3: no MCF to EOP, DCN from the sender");
	cr_expect_str_eq(t30_completion_text(r.completion),
			 t30_completion_code_to_str(T30_ERR_TX_PHDDEAD));
}

/* RTN (T.30 §5.3.6.1.6): page 2 rejected. Either the sender retrains and sends it again, or
 * gives up. RTP accepts the page. */
Test(t30_observe, rtn)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, NET, DIS_V17);
	FEED(&o, TDM, DCS_V17_14400_FINE);
	FEED(&o, NET, CFR);
	FEED(&o, TDM, MPS);
	FEED(&o, NET, RTP);
	cr_expect_eq(rep(&o).pages, 1, "RTP confirms the page");
	FEED(&o, TDM, DCS_V17_14400_FINE);
	FEED(&o, NET, CFR);
	FEED(&o, TDM, EOP);
	FEED(&o, NET, RTN);
	r = rep(&o);
	cr_expect_eq(r.pages, 1);
	cr_expect_str_eq(r.where, "after page 2: RTN, call ended");

	struct t30_observe gave_up = o;
	FEED(&gave_up, TDM, DCN_TX);
	r = rep(&gave_up);
	cr_expect_eq(r.completion, T30_ERR_RETRYDCN);
	cr_expect_str_eq(r.where, "after page 2: RTN, DCN from the sender");

	/* Retrain at a lower rate and send page 2 again. */
	FEED(&o, TDM, DCS_V27_4800);
	FEED(&o, NET, CFR);
	FEED(&o, TDM, EOP);
	FEED(&o, NET, MCF);
	FEED(&o, TDM, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	cr_expect_eq(r.bit_rate, 4800);
	cr_expect_str_eq(r.modem, "V.27ter");
	cr_expect_str_eq(r.resolution, "standard");
	expect_ok(&r);
	cr_expect_eq(o.rtn_count, 1);
}

/* DCS asking for what the DIS did not offer (T.30 §5.3.6.2.2), and training failures. */
Test(t30_observe, incompatible)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, NET, DIS_V27);
	FEED(&o, TDM, DCS_V17_14400_FINE);
	FEED(&o, NET, DCN_RX);
	r = rep(&o);
	cr_expect_eq(r.completion, T30_ERR_INCOMPATIBLE);
	cr_expect_str_eq(r.where, "DCS 14400 bit/s V.17 not offered by DIS, DCN from the receiver");

	t30_observe_init(&o);	/* ECM asked, not offered */
	FEED(&o, NET, DIS_V17);
	FEED(&o, TDM, DCS_V17_9600_ECM);
	r = rep(&o);
	cr_expect_eq(r.completion, T30_ERR_INCOMPATIBLE);
	cr_expect_str_eq(r.where, "DCS 9600 bit/s V.17 ECM not offered by DIS, call ended");

	t30_observe_init(&o);	/* a compatible DCS that never trains */
	FEED(&o, NET, DIS_V27);
	FEED(&o, TDM, DCS_V27_4800);
	FEED(&o, NET, FTT);
	FEED(&o, TDM, DCS_V27_4800);
	FEED(&o, NET, FTT);
	FEED(&o, TDM, DCS_V27_4800);
	FEED(&o, NET, FTT);
	FEED(&o, TDM, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.completion, T30_ERR_RETRYDCN);
	cr_expect_str_eq(r.where, "training: 3 FTT at 4800 bit/s, DCN from the sender");

	t30_observe_init(&o);	/* DIS from a station that cannot receive, then DCN */
	FEED(&o, NET, 0xFF, 0x13, 0x80, 0x00, 0x00, 0x00);
	FEED(&o, TDM, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.completion, T30_ERR_RX_INCAPABLE);

	t30_observe_init(&o);	/* DCN with no DIS at all */
	FEED(&o, TDM, DCN_TX);
	cr_expect_eq(rep(&o).completion, T30_ERR_TX_GOTDCN);
}

/* Ids: reversed, padded, odd bytes replaced, overlong ignored. */
Test(t30_observe, ids)
{
	struct t30_observe o;

	t30_observe_init(&o);
	FEED(&o, NET, 0xFF, 0x03, 0x40, ' ', ' ', '2', '1', ' ', ' ');
	cr_expect_str_eq(rep(&o).csi, "12");
	FEED(&o, TDM, 0xFF, 0x03, 0x43, 'b', 0x01, 'a');
	cr_expect_str_eq(rep(&o).tsi, "a?b");
	FEED(&o, TDM, 0xFF, 0x03, 0x43, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
	     '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'X');	/* 21 digits */
	cr_expect_str_eq(rep(&o).tsi, "a?b");
	cr_expect_eq(o.bad_format, 1);
	FEED(&o, TDM, 0xFF, 0x03, 0x43, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
	     '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X');
	cr_expect_str_eq(rep(&o).tsi, "X9876543210987654321");
	FEED(&o, TDM, 0xFF, 0x03, 0x43);
	cr_expect_str_eq(rep(&o).tsi, "");
}

/* Bad CRC frames are counted and change nothing. */
Test(t30_observe, bad_crc_ignored)
{
	struct t30_observe o;
	static const uint8_t dcn[] = { DCN_TX };
	static const uint8_t dis[] = { DIS_V17 };

	t30_observe_init(&o);
	t30_observe_frame(&o, NET, dis, sizeof(dis), false);
	t30_observe_frame(&o, TDM, dcn, sizeof(dcn), false);
	cr_expect_not(rep(&o).seen);
	cr_expect_eq(o.bad_frames, 2);
}

/* Every prefix of every frame of a whole call, then random garbage with a fixed seed: never
 * read out of bounds (ASan: exact-size copies), never a report out of its ranges. */
Test(t30_observe, truncated_and_garbage)
{
	static const uint8_t f0[] = { CSI_1 }, f1[] = { DIS_V17_ECM }, f2[] = { TSI_1 },
		f3[] = { DCS_V29_SUPERFINE }, f4[] = { CFR }, f5[] = { PPS(FCF2_MPS, 0, 0, 9) },
		f6[] = { PPR_FRAME3 }, f7[] = { MCF }, f8[] = { EOP }, f9[] = { DCN_TX };
	static const struct { const uint8_t *f; size_t n; } call[] = {
		{ f0, sizeof(f0) }, { f1, sizeof(f1) }, { f2, sizeof(f2) }, { f3, sizeof(f3) },
		{ f4, sizeof(f4) }, { f5, sizeof(f5) }, { f6, sizeof(f6) }, { f7, sizeof(f7) },
		{ f8, sizeof(f8) }, { f9, sizeof(f9) },
	};
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	for (size_t i = 0; i < sizeof(call) / sizeof(call[0]); i++)
		for (size_t n = 0; n <= call[i].n; n++) {
			feed(&o, i & 1, call[i].f, n);
			r = rep(&o);
			cr_assert(strlen(r.tsi) <= T30_ID_LEN && strlen(r.csi) <= T30_ID_LEN);
		}
	cr_expect(o.bad_format > 0);

	uint32_t x = 12345;
	uint8_t buf[64];

	t30_observe_init(&o);
	for (unsigned i = 0; i < 200000; i++) {
		size_t n = 0;

		x = x * 1103515245u + 12345u;
		n = (x >> 16) % sizeof(buf);
		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		/* Most of them with a valid address and control so that the FCF is looked at. */
		if (n >= 2 && (i & 3)) {
			buf[0] = 0xFF;
			buf[1] = (i & 4) ? 0x13 : 0x03;
		}
		feed(&o, i & 1, buf, n);
		if (i % 1000 == 0) {
			r = rep(&o);
			cr_assert(strlen(r.where) < sizeof(r.where));
			cr_assert(r.bit_rate <= 14400);
			cr_assert_not_null(r.modem);
			cr_assert_not_null(r.resolution);
			cr_assert_not_null(t30_completion_text(r.completion));
		}
	}
	cr_expect(o.unknown_fcf > 0);
}

/* ECM give-up (T.30 §A.4: EOR after PPRs, answered ERR: the page stays with what arrived)
 * and a procedure interrupt (PRI-EOP answered PIP) both end a page. */
Test(t30_observe, eor_err_and_pri)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, NET, DIS_V17_ECM);
	FEED(&o, TDM, DCS_V17_9600_ECM);
	FEED(&o, NET, CFR);
	for (int i = 0; i < 4; i++) {
		FEED(&o, TDM, PPS(FCF2_MPS, 0, 0, 30));
		FEED(&o, NET, PPR_FRAME3);
	}
	FEED(&o, TDM, 0xFF, 0x13, 0xCF, FCF2_MPS, 0, 0, 30);	/* EOR-MPS */
	r = rep(&o);
	cr_expect_eq(r.pages, 0);
	cr_expect_str_eq(r.where, "after page 1: no MCF to EOR-MPS, call ended");
	FEED(&o, NET, 0xFF, 0x13, 0x1C);			/* ERR */
	cr_expect_eq(rep(&o).pages, 1);
	FEED(&o, NET, 0xFF, 0x13, 0x1C);			/* ERR again: no command pending */
	cr_expect_eq(rep(&o).pages, 1);
	cr_expect_eq(o.ppr_count, 4);
	FEED(&o, TDM, PPS(0x3F, 1, 0, 30));			/* PPS-PRI-EOP */
	FEED(&o, NET, 0xFF, 0x13, 0xAC);			/* PIP */
	r = rep(&o);
	cr_expect_eq(r.pages, 2);
	expect_ok(&r);
}

/* The MCF to PPS-MPS got lost on its way to the sender (seen here, on the receiver's side):
 * the sender repeats PPS-MPS with the same page and block counters (T.30 §A.4), the receiver
 * answers MCF again. One page, not two; the next page's PPS counts again. */
Test(t30_observe, ecm_repeated_pps)
{
	struct t30_observe o;

	t30_observe_init(&o);
	FEED(&o, TDM, DIS_V17_ECM);
	FEED(&o, NET, DCS_V17_9600_ECM);
	FEED(&o, TDM, CFR);
	FEED(&o, NET, PPS(FCF2_MPS, 0, 0, 20));
	FEED(&o, TDM, MCF);
	FEED(&o, NET, PPS(FCF2_MPS, 0, 0, 20));
	FEED(&o, TDM, MCF);
	cr_expect_eq(rep(&o).pages, 1);
	cr_expect_eq(o.repeats, 1);
	FEED(&o, NET, PPS(FCF2_EOP, 1, 0, 20));
	FEED(&o, TDM, MCF);
	struct t30_report r = rep(&o);

	cr_expect_eq(r.pages, 2);
	expect_ok(&r);
}

/* Non-ECM answers lost on their way to the sender (seen on the receiver's side): after RTP
 * or an answered EOP the sender must retrain (DCS, CFR) before another page, so a command
 * before that is a repeat; after MCF to MPS only the image hint tells. */
Test(t30_observe, non_ecm_repeats)
{
	struct t30_observe o;
	struct t30_report r;

	t30_observe_init(&o);
	FEED(&o, TDM, DIS_V17);
	FEED(&o, NET, DCS_V17_14400_FINE);
	FEED(&o, TDM, CFR);
	t30_observe_image(&o);
	FEED(&o, NET, MPS);
	FEED(&o, TDM, RTP);
	FEED(&o, NET, MPS);	/* RTP lost: asked again */
	FEED(&o, TDM, RTP);
	cr_expect_eq(rep(&o).pages, 1);
	FEED(&o, NET, DCS_V17_14400_FINE);
	FEED(&o, TDM, CFR);
	t30_observe_image(&o);
	FEED(&o, NET, MPS);
	FEED(&o, TDM, MCF);
	FEED(&o, NET, MPS);	/* MCF lost, no image since: a repeat */
	FEED(&o, TDM, MCF);
	cr_expect_eq(rep(&o).pages, 2);
	t30_observe_image(&o);	/* page 3 */
	FEED(&o, NET, EOP);
	FEED(&o, TDM, MCF);
	FEED(&o, NET, EOP);	/* MCF lost */
	FEED(&o, TDM, MCF);
	FEED(&o, NET, DCN_TX);
	r = rep(&o);
	cr_expect_eq(r.pages, 3);
	expect_ok(&r);
	cr_expect_eq(o.repeats, 3);
}
