/* The T.30 control frame observer (ITU-T T.30 §5 procedure, §5.3.6 frame formats). */
#include "media/t30_observe.h"

#include <stdio.h>
#include <string.h>

#include <spandsp.h>

#include "common/log.h"

/* The phases of a T.30 call as a third party sees them (T.30 §2.3, Figure 5-2a): B is split at
 * the training (DCS sent, CFR/FTT awaited), D at the post-message exchange. */
enum t30o_phase {
	T30O_A,		/* nothing seen yet */
	T30O_B,		/* DIS/DTC seen: identification and selection */
	T30O_B_TRAIN,	/* DCS sent: TCF and CFR/FTT */
	T30O_C,		/* CFR seen: a page (or ECM block) is on its way */
	T30O_D,		/* post-message command sent, response awaited */
	T30O_D_DONE,	/* post-message response seen, no page under way */
};

static const char *const phase_names[] = {
	[T30O_A] = "A", [T30O_B] = "B", [T30O_B_TRAIN] = "B-train", [T30O_C] = "C",
	[T30O_D] = "D", [T30O_D_DONE] = "D-done",
};

/* T.30 §5.3.6.1: the first bit sent of most FCFs is X, set by the station that received a
 * valid DIS. SpanDSP's byte values hold the first bit sent in the LSB. The initial
 * identification frames and the "commands to send" (DIS, DTC, CIG...) carry no X. */
enum { FCF_X = 0x01 };

/* Bits of DIS/DTC/DCS (T.30 Table 2), numbered from 1 as in the table; bit n is in FIF octet
 * (n - 1) / 8, LSB first. */
enum {
	BIT_RX_READY = 10,	/* DIS: ready to receive; DCS: receive fax document */
	BIT_RATE_11 = 11,	/* data signalling rate, bits 11-14 */
	BIT_200_200 = 15,	/* "fine": R8 x 7.7 lines/mm or 200 x 200 pels/25.4 mm */
	BIT_ECM = 27,
	BIT_R8_15_4 = 41,	/* R8 x 15.4 lines/mm "superfine" */
	BIT_300_300 = 42,
	BIT_400_400 = 43,	/* R16 x 15.4 lines/mm or 400 x 400 pels/25.4 mm */
	BIT_INCH = 44,		/* DCS: inch-based resolution */
};

static void set_phase(struct t30_observe *o, enum t30o_phase p)
{
	if (o->phase == (int)p)
		return;
	LOGD(LS_DSP, "t30: %s -> %s", phase_names[o->phase], phase_names[p]);
	o->phase = p;
}

void t30_observe_init(struct t30_observe *o)
{
	memset(o, 0, sizeof(*o));
	o->phase = T30O_A;
	o->modem = "";
	o->resolution = "";
}

/* Bit n of a DIS/DTC/DCS FIF, 0 when the FIF does not reach it. Octets past the third exist
 * only while the extension bits (24, 32, 40...: the last bit of each octet) say so (T.30
 * Table 2, note on "Extend field"). */
static bool fif_bit(const uint8_t *fif, size_t len, unsigned n)
{
	size_t octet = (n - 1) / 8;

	if (octet >= len)
		return false;
	for (size_t k = 2; k < octet; k++)
		if (!(fif[k] & 0x80))
			return false;
	return fif[octet] & (1u << ((n - 1) % 8));
}

static uint8_t rate_bits(const uint8_t *fif, size_t len)
{
	uint8_t b = 0;

	for (unsigned i = 0; i < 4; i++)
		if (fif_bit(fif, len, BIT_RATE_11 + i))
			b |= 1u << i;
	return b;	/* bit 0 = T.30 bit 11 ... bit 3 = T.30 bit 14 */
}

enum { R11 = 1, R12 = 2, R13 = 4, R14 = 8 };

/* DCS bits 11-14 → modem and rate (T.30 Table 2, "Data signalling rate" for DCS). V.33 and
 * the reserved combinations give 0. V.34 is chosen through V.8 with the rate bits ignored
 * (T.30 Annex F); its control channel is not V.21, so it does not show here. */
static unsigned dcs_rate(uint8_t bits, const char **modem)
{
	static const struct { uint8_t bits; unsigned rate; const char *modem; } tab[] = {
		{ 0, 2400, "V.27ter" },
		{ R12, 4800, "V.27ter" },
		{ R11, 9600, "V.29" },
		{ R11 | R12, 7200, "V.29" },
		{ R14, 14400, "V.17" },
		{ R12 | R14, 12000, "V.17" },
		{ R11 | R14, 9600, "V.17" },
		{ R11 | R12 | R14, 7200, "V.17" },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].bits == bits) {
			*modem = tab[i].modem;
			return tab[i].rate;
		}
	*modem = "";
	return 0;
}

/* Does the DIS/DTC rate field (T.30 Table 2, for DIS) allow the DCS modem? 2400 bit/s V.27ter
 * is always allowed; bit 12 adds V.27ter 4800, bit 11 V.29, bit 14 (with 11 and 12) V.17. */
static bool dis_allows(uint8_t dis_bits, const char *modem, unsigned rate)
{
	if (strcmp(modem, "V.27ter") == 0)
		return rate == 2400 || (dis_bits & R12);
	if (strcmp(modem, "V.29") == 0)
		return dis_bits & R11;
	if (strcmp(modem, "V.17") == 0)
		return (dis_bits & (R11 | R12 | R14)) == (R11 | R12 | R14);
	return false;
}

static const char *dcs_resolution(const uint8_t *fif, size_t len)
{
	bool inch = fif_bit(fif, len, BIT_INCH);

	if (fif_bit(fif, len, BIT_400_400))
		return inch ? "400x400" : "R16x15.4";
	if (fif_bit(fif, len, BIT_300_300))
		return "300x300";
	if (fif_bit(fif, len, BIT_R8_15_4))
		return "superfine";
	if (fif_bit(fif, len, BIT_200_200))
		return inch ? "200x200" : "fine";
	return "standard";
}

/* A 20-digit id (T.30 §5.3.6.2.4 CSI, TSI, CIG): sent last digit first, padded with spaces.
 * Returns false for a FIF longer than 20 octets. Bytes that are not printable become '?'. */
static bool decode_id(char out[T30_ID_LEN + 1], const uint8_t *fif, size_t len)
{
	size_t k = 0;

	if (len > T30_ID_LEN)
		return false;
	for (size_t i = len; i > 0; i--) {
		uint8_t c = fif[i - 1];

		out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	size_t lead = strspn(out, " ");
	memmove(out, out + lead, k - lead + 1);
	return true;
}

static void on_dis(struct t30_observe *o, bool from_tdm, const uint8_t *fif, size_t len)
{
	o->have_dis = true;
	o->dis_from_tdm = from_tdm;
	o->dis_rate_bits = rate_bits(fif, len);
	o->dis_ecm = fif_bit(fif, len, BIT_ECM);
	o->dis_rx_ready = fif_bit(fif, len, BIT_RX_READY);
	if (o->phase < T30O_B || o->phase == T30O_D_DONE)
		set_phase(o, T30O_B);
}

static void on_dcs(struct t30_observe *o, bool from_tdm, const uint8_t *fif, size_t len)
{
	const char *modem;

	o->have_dcs = true;
	o->dcs_from_tdm = from_tdm;
	o->dcs_rate_bits = rate_bits(fif, len);
	o->bit_rate = dcs_rate(o->dcs_rate_bits, &modem);
	o->modem = modem;
	o->ecm = fif_bit(fif, len, BIT_ECM);
	o->resolution = dcs_resolution(fif, len);
	/* T.30 §5.3.6.2.2: DCS chooses among what the DIS offered. */
	o->dcs_incompatible = !o->have_dis || o->dis_from_tdm == from_tdm
			      || !dis_allows(o->dis_rate_bits, o->modem, o->bit_rate)
			      || (o->ecm && !o->dis_ecm);
	o->pending_cmd = 0;
	set_phase(o, T30O_B_TRAIN);
}

/* A post-message command (T.30 §5.3.6.1.5) from the page sender. fcf2: for PPS and EOR the
 * command it carries (T.30 §A.4, PPS-NULL/MPS/EOM/EOP/PRI-x), else the FCF itself. */
static void on_command(struct t30_observe *o, bool from_tdm, uint8_t fcf, uint8_t fcf2)
{
	/* A PPS/EOR whose page and block counters are those of the last one answered is the
	 * sender asking again because the answer got lost: its answer is not a new page. */
	if (fcf == T30_PPS || fcf == T30_EOR)
		o->pending_repeat = o->ecm_ctr_known && o->ecm_ctr_valid
				    && o->ecm_confirmed_ctr == o->ecm_ctr;
	/* Non-ECM: after EOP/EOM, RTP, RTN or PIP/PIN answered, the next page needs DCS and
	 * CFR first (T.30 §5.3.6.1.6, Figure 5-2b); a command before that is a repeat. After
	 * MCF to MPS only the image tells a new page from a repeat (t30_observe_image()). */
	else if (fcf != T30_RR)
		o->pending_repeat = o->awaiting_cfr || (o->image_hint && !o->image_since_answer);
	else
		o->pending_repeat = false;
	o->pending_cmd = fcf;
	o->pending_fcf2 = fcf2;
	o->pending_from_tdm = from_tdm;
	if (!o->pending_repeat)
		set_phase(o, T30O_D);
}

static bool ends_page(uint8_t fcf2)
{
	switch (fcf2) {
	case T30_MPS: case T30_EOM: case T30_EOP:
	case T30_PRI_MPS: case T30_PRI_EOM: case T30_PRI_EOP:
		return true;
	default:
		return false;	/* PPS-NULL: one ECM block of a page that goes on */
	}
}

/* A post-message response (T.30 §5.3.6.1.6) to the pending command. MCF, RTP (received,
 * retrain before the next) and PIP (received, operator wanted) accept the page; for ECM also
 * ERR, the answer to EOR-x: the page is kept with the frames that never arrived (§A.5). */
static void on_response(struct t30_observe *o, uint8_t fcf)
{
	uint8_t cmd = o->pending_cmd;

	if (cmd == 0)
		return;		/* a repeated response: already counted */
	if (o->pending_repeat && fcf != T30_RNR) {
		/* The answer to a repeated command: the first answer stands. */
		o->repeats++;
		o->pending_cmd = 0;
		return;
	}
	o->last_response = fcf;
	if (cmd != T30_PPS && cmd != T30_EOR && cmd != T30_RR && fcf != T30_RNR) {
		o->image_since_answer = false;
		o->awaiting_cfr = !(fcf == T30_MCF && (o->pending_fcf2 == T30_MPS
							|| o->pending_fcf2 == T30_PRI_MPS));
	}
	switch (fcf) {
	case T30_MCF: case T30_RTP: case T30_PIP: case T30_ERR:
		if (fcf == T30_ERR && cmd != T30_EOR)
			break;
		if (o->pending_cmd == T30_PPS || o->pending_cmd == T30_EOR) {
			o->ecm_confirmed_ctr = o->ecm_ctr;
			o->ecm_ctr_valid = o->ecm_ctr_known;
		}
		if (ends_page(o->pending_fcf2)) {
			o->pages++;
			if (o->pending_fcf2 == T30_EOP || o->pending_fcf2 == T30_PRI_EOP)
				o->eop_confirmed = true;
		}
		o->pending_cmd = 0;
		/* After MPS (and a PPS-NULL block) the next page (block) follows in phase C;
		 * EOM goes back to phase B, EOP on to release (T.30 Figure 5-2b). */
		switch (o->pending_fcf2) {
		case 0: case T30_MPS: case T30_PRI_MPS:
			o->page_in_progress = true;
			set_phase(o, T30O_C);
			break;
		default:
			o->page_in_progress = false;
			set_phase(o, T30O_D_DONE);
			break;
		}
		return;
	case T30_RNR:
		return;		/* T.30 §A.4: the sender asks again with RR; keep the command */
	case T30_PPR:
		/* T.30 §A.4: frames of the block are resent, then PPS again. */
		o->ppr_count++;
		o->pending_cmd = 0;
		o->page_in_progress = true;
		set_phase(o, T30O_C);
		return;
	default:		/* RTN, PIN: the page was not received well */
		o->rtn_count += fcf == T30_RTN;
		o->pending_cmd = 0;
		o->page_in_progress = false;
		set_phase(o, T30O_D_DONE);
		return;
	}
}

void t30_observe_frame(struct t30_observe *o, bool from_tdm, const uint8_t *frame, size_t len,
		       bool ok)
{
	if (!ok) {
		o->bad_frames++;
		return;
	}
	/* T.30 §5.3.4-5.3.5: address 0xFF, control 0x03 (more frames follow) or 0x13 (final). */
	if (len < 3 || frame[0] != 0xFF || (frame[1] != 0x03 && frame[1] != 0x13)) {
		o->bad_format++;
		return;
	}
	const uint8_t fcf = frame[2];
	const uint8_t *fif = frame + 3;
	const size_t fif_len = len - 3;

	o->seen = true;
	/* The frames without an X bit first (T.30 §5.3.6.1.1-2). */
	switch (fcf) {
	case T30_DIS:
	case T30_DTC:
		if (fif_len < 3) {	/* T.30 Table 2: bits 1-24 are always there */
			o->bad_format++;
			return;
		}
		on_dis(o, from_tdm, fif, fif_len);
		return;
	case T30_CSI:
	case T30_CIG:
		if (!decode_id(o->csi, fif, fif_len))
			o->bad_format++;
		return;
	case T30_NSF: case T30_NSC: case T30_PWD: case T30_SEP: case T30_PSA: case T30_CIA:
	case T30_ISP: case T30_DES:
		return;
	case T4_FCD: case T4_RCP:	/* ECM image frames (T.4 Annex A), not T.30 control */
		return;
	default:
		break;
	}
	switch (fcf & ~FCF_X) {
	case T30_DCS:
		if (fif_len < 3) {
			o->bad_format++;
			return;
		}
		on_dcs(o, from_tdm, fif, fif_len);
		return;
	case T30_TSI:
		if (!decode_id(o->tsi, fif, fif_len))
			o->bad_format++;
		return;
	case T30_NSS: case T30_SUB: case T30_SID: case T30_TSA: case T30_IRA: case T30_CSA:
	case T30_FNV: case T30_TNR: case T30_TR: case T30_FDM:
		return;
	case T30_CFR:
		o->awaiting_cfr = false;
		o->ftt_count = 0;
		o->cfr_seen = true;
		o->page_in_progress = true;
		set_phase(o, T30O_C);
		return;
	case T30_FTT:
		o->ftt_count++;
		o->ftt_total++;
		return;
	case T30_CTC:			/* T.30 §A.4: continue to correct, at a new rate */
		return;
	case T30_CTR:
		set_phase(o, T30O_C);
		return;
	case T30_MPS: case T30_EOM: case T30_EOP:
	case T30_PRI_MPS: case T30_PRI_EOM: case T30_PRI_EOP:
		on_command(o, from_tdm, fcf & ~FCF_X, fcf & ~FCF_X);
		return;
	case T30_PPS:
	case T30_EOR:
		/* T.30 §A.4: FIF = FCF2, page counter, block counter, frame count. */
		if (fif_len < 1) {
			o->bad_format++;
			return;
		}
		/* page and block counters, when the FIF has them */
		o->ecm_ctr_known = fif_len >= 3;
		o->ecm_ctr = o->ecm_ctr_known ? (uint16_t)(fif[1] << 8 | fif[2]) : 0;
		on_command(o, from_tdm, fcf & ~FCF_X, fif[0] & ~FCF_X);
		return;
	case T30_RR:
		/* Asks again after RNR: the PPS it follows is still what is answered. */
		if (o->pending_cmd == 0)
			on_command(o, from_tdm, T30_RR, 0);
		return;
	case T30_MCF: case T30_RTP: case T30_RTN: case T30_PIP: case T30_PIN:
	case T30_PPR: case T30_RNR: case T30_ERR:
		on_response(o, fcf & ~FCF_X);
		return;
	case T30_CRP:
		o->crp_count++;
		return;
	case T30_DCN:
		/* Phase E. The phase it ended in stays: the report tells where. */
		LOGD(LS_DSP, "t30: DCN in phase %s", phase_names[o->phase]);
		o->dcn_seen = true;
		o->dcn_from_tdm = from_tdm;
		return;
	default:
		o->unknown_fcf++;
		return;
	}
}

void t30_observe_image(struct t30_observe *o)
{
	/* Only a page counts: TCF (after DCS) is high-speed data too. */
	o->image_hint = true;
	if (o->phase == T30O_C)
		o->image_since_answer = true;
}

static const char *cmd_name(uint8_t fcf)
{
	switch (fcf) {
	case T30_MPS: return "MPS";
	case T30_EOM: return "EOM";
	case T30_EOP: return "EOP";
	case T30_PRI_MPS: return "PRI-MPS";
	case T30_PRI_EOM: return "PRI-EOM";
	case T30_PRI_EOP: return "PRI-EOP";
	case 0: return "NULL";
	default: return "?";
	}
}

/* The pending post-message command in words: "EOP", "PPS-MPS", "EOR-EOP", "RR". */
static void pending_text(const struct t30_observe *o, char *buf, size_t size)
{
	switch (o->pending_cmd) {
	case T30_PPS:
		snprintf(buf, size, "PPS-%s", cmd_name(o->pending_fcf2));
		break;
	case T30_EOR:
		snprintf(buf, size, "EOR-%s", cmd_name(o->pending_fcf2));
		break;
	case T30_RR:
		snprintf(buf, size, "RR");
		break;
	default:
		snprintf(buf, size, "%s", cmd_name(o->pending_cmd));
		break;
	}
}

/* completion and where for a fax that has not reached MCF to EOP. Codes are SpanDSP's
 * (spandsp/t30.h), seen from the fax machine that would report them. */
static void failure(const struct t30_observe *o, struct t30_report *r)
{
	const unsigned next = o->pages + 1;	/* the page being sent when it stopped */
	const bool dcn = o->dcn_seen;
	/* A DCN from the page receiver (the DIS side) or from the sender. */
	const bool dcn_by_sender = o->have_dcs && o->dcn_from_tdm == o->dcs_from_tdm;
	const char *end = dcn ? (dcn_by_sender ? "DCN from the sender" : "DCN from the receiver")
			      : "call ended";
	char cmd[16];

	if (!o->seen) {
		r->completion = T30_ERR_T0_EXPIRED;
		snprintf(r->where, sizeof(r->where), "no T.30 frame seen");
		return;
	}
	if (!o->have_dis) {
		r->completion = dcn ? T30_ERR_TX_GOTDCN : T30_ERR_CALLDROPPED;
		snprintf(r->where, sizeof(r->where), "before DIS: %s", end);
		return;
	}
	if (!o->have_dcs) {
		if (!o->dis_rx_ready)
			r->completion = T30_ERR_RX_INCAPABLE;
		else
			r->completion = dcn ? T30_ERR_RX_DCNWHY : T30_ERR_CALLDROPPED;
		snprintf(r->where, sizeof(r->where), "after DIS%s: no DCS, %s",
			 o->dis_rx_ready ? "" : " (not ready to receive)", end);
		return;
	}
	switch (o->phase) {
	case T30O_B:
	case T30O_B_TRAIN:
		if (o->phase == T30O_B && o->pages > 0) {	/* after EOM */
			r->completion = dcn ? T30_ERR_RX_DCNPHD : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "after page %u (EOM): %s", o->pages,
				 end);
		} else if (o->dcs_incompatible) {
			r->completion = T30_ERR_INCOMPATIBLE;
			snprintf(r->where, sizeof(r->where),
				 "DCS %u bit/s %s%s not offered by DIS, %s", o->bit_rate,
				 o->modem[0] ? o->modem : "?", o->ecm ? " ECM" : "", end);
		} else if (o->ftt_count > 0) {
			r->completion = dcn ? T30_ERR_RETRYDCN : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "training: %u FTT at %u bit/s, %s",
				 o->ftt_count, o->bit_rate, end);
		} else {
			r->completion = dcn ? (dcn_by_sender ? T30_ERR_TX_PHBDEAD
							     : T30_ERR_TX_BADDCS)
					    : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "after DCS: no CFR, %s", end);
		}
		return;
	case T30O_C:
		r->completion = dcn ? (dcn_by_sender ? T30_ERR_RX_DCNDATA : T30_ERR_TX_BADPG)
				    : T30_ERR_CALLDROPPED;
		snprintf(r->where, sizeof(r->where), "page %u%s: %s", next,
			 o->last_response == T30_PPR ? " (after PPR)" : "", end);
		return;
	case T30O_D:
		pending_text(o, cmd, sizeof(cmd));
		if (o->last_response == T30_RNR)
			r->completion = dcn ? T30_ERR_RX_DCNRRD : T30_ERR_CALLDROPPED;
		else
			r->completion = dcn ? (dcn_by_sender ? T30_ERR_TX_PHDDEAD
							     : T30_ERR_TX_BADPG)
					    : T30_ERR_CALLDROPPED;
		snprintf(r->where, sizeof(r->where), "after page %u: no MCF to %s, %s", next, cmd,
			 end);
		return;
	case T30O_D_DONE:
	default:
		if (o->last_response == T30_RTN || o->last_response == T30_PIN) {
			r->completion = dcn ? T30_ERR_RETRYDCN : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "after page %u: %s, %s", next,
				 o->last_response == T30_RTN ? "RTN" : "PIN", end);
		} else if (o->page_in_progress) {
			r->completion = dcn ? T30_ERR_RX_DCNDATA : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "page %u: %s", next, end);
		} else if (o->pages > 0) {
			r->completion = dcn ? T30_ERR_RX_DCNPHD : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "after page %u (MCF): %s", o->pages,
				 end);
		} else {
			r->completion = dcn ? T30_ERR_RX_DCNWHY : T30_ERR_CALLDROPPED;
			snprintf(r->where, sizeof(r->where), "before page 1: %s", end);
		}
		return;
	}
}

void t30_observe_report(const struct t30_observe *o, struct t30_report *r)
{
	memset(r, 0, sizeof(*r));
	r->seen = o->seen;
	r->sender_is_tdm = o->have_dcs && o->dcs_from_tdm;
	r->pages = o->pages;
	r->bit_rate = o->bit_rate;
	r->modem = o->modem ? o->modem : "";
	r->ecm = o->ecm;
	r->resolution = o->resolution ? o->resolution : "";
	memcpy(r->tsi, o->tsi, sizeof(r->tsi));
	memcpy(r->csi, o->csi, sizeof(r->csi));
	if (o->eop_confirmed) {
		r->completion = T30_ERR_OK;
		r->where[0] = '\0';
		return;
	}
	failure(o, r);
}

const char *t30_completion_text(int completion)
{
	return t30_completion_code_to_str(completion);
}
