/* An I/O-free observer of the T.30 control frames crossing the gateway (ITU-T T.30 §5, §6):
 * it reads the HDLC frames of both directions and tells how far the fax got (pages, rate,
 * modem, ECM, resolution, station ids, a completion code) without taking part in it. */
#ifndef STROWGER_MEDIA_T30_OBSERVE_H
#define STROWGER_MEDIA_T30_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { T30_ID_LEN = 20 };	/* T.30 §5.3.6.2.4: 20 digits */

struct t30_report {
	bool seen;			/* any T.30 frame seen */
	bool sender_is_tdm;		/* the page sender (who sent DCS) is on the B-channel side */
	unsigned pages;			/* pages confirmed: MCF after MPS/EOM/EOP (non-ECM), or
					 * MCF after PPS-MPS/EOM/EOP (ECM) */
	unsigned bit_rate;		/* [bit/s] from the last DCS, 0 if none */
	const char *modem;		/* "V.17" "V.29" "V.27ter" "V.34" or "" (static strings) */
	bool ecm;			/* last DCS asked for ECM */
	const char *resolution;		/* "standard" "fine" "superfine" "R8x15.4" ... or "" */
	char tsi[T30_ID_LEN + 1];	/* transmitting subscriber id (sender), trimmed, or "" */
	char csi[T30_ID_LEN + 1];	/* called subscriber id (receiver), trimmed, or "" */
	int completion;			/* SpanDSP T30_ERR_* (spandsp/t30.h) */
	char where[96];			/* for a failure: where it stopped, e.g.
					 * "after page 2: no MCF to EOP" ; "" when OK */
};

/* The observer's state. Embed it and treat the fields as private: only the functions below
 * read or write them. No allocation; t30_observe_init() resets it. */
struct t30_observe {
	int phase;			/* enum t30o_phase in t30_observe.c (T.30 Figure 5-2a) */
	bool seen;
	bool have_dis, have_dcs;
	bool dis_from_tdm;		/* who sent the last DIS/DTC */
	bool dis_ecm;			/* the last DIS/DTC offered ECM (bit 27) */
	bool dis_rx_ready;		/* the last DIS/DTC said "ready to receive" (bit 10) */
	uint8_t dis_rate_bits;		/* bits 11-14 of the last DIS/DTC (bit 11 in the LSB) */
	bool dcs_from_tdm;		/* who sent the last DCS: the page sender */
	bool dcs_incompatible;		/* the last DCS asked for what the DIS did not offer */
	uint8_t dcs_rate_bits;		/* bits 11-14 of the last DCS */
	bool ecm;
	unsigned bit_rate;		/* [bit/s] */
	const char *modem;
	const char *resolution;
	bool cfr_seen;
	bool page_in_progress;		/* CFR or PPS-NULL/PPR seen, page not ended */
	unsigned pages;			/* confirmed pages */
	uint8_t pending_cmd;		/* post-message command awaiting its response (MPS, EOM,
					 * EOP, PRI-x, PPS, EOR, RR; X bit cleared), 0 if none */
	uint8_t pending_fcf2;		/* PPS/EOR: the command it carries; else = pending_cmd */
	bool pending_from_tdm;
	bool pending_repeat;		/* the pending command was asked again (answer lost) */
	uint16_t ecm_ctr;		/* page << 8 | block counter of the last PPS/EOR (T.30 §A.4) */
	uint16_t ecm_confirmed_ctr;	/* ... of the last PPS/EOR answered */
	bool ecm_ctr_known;		/* the last PPS/EOR had its counters */
	bool ecm_ctr_valid;		/* ecm_confirmed_ctr holds a value */
	bool awaiting_cfr;		/* non-ECM: the next page needs DCS and CFR first */
	bool image_hint;		/* t30_observe_image() is in use */
	bool image_since_answer;	/* image data since the last answered command */
	unsigned repeats;		/* answers to repeated commands (not counted as pages) */
	uint8_t last_response;		/* last post-message response (X bit cleared), 0 if none */
	bool eop_confirmed;		/* MCF (RTP, PIP, ERR) to EOP, PPS-EOP or EOR-EOP seen */
	bool dcn_seen;
	bool dcn_from_tdm;
	unsigned ftt_count;		/* FTT since the last DCS that got CFR */
	unsigned ftt_total;
	unsigned rtn_count;
	unsigned ppr_count;
	unsigned crp_count;		/* CRP frames seen */
	unsigned bad_frames;		/* frames with a bad CRC (ok = false) */
	unsigned bad_format;		/* frames too short, without the T.30 address/control, or
					 * with a FIF that does not fit their FCF */
	unsigned unknown_fcf;		/* frames with an FCF we do not know */
	char tsi[T30_ID_LEN + 1];
	char csi[T30_ID_LEN + 1];
};

/* Reset o to "nothing seen". */
void t30_observe_init(struct t30_observe *o);

/* One complete HDLC frame (address 0xFF, control 0x03/0x13, FCF, info; no FCS), from_tdm: it
 * came from the B-channel side. ok=false: a frame with a bad CRC (counted, otherwise ignored).
 * Any len, including 0 and garbage, is safe: nothing is read past frame[len - 1]. */
void t30_observe_frame(struct t30_observe *o, bool from_tdm, const uint8_t *frame, size_t len,
		       bool ok);

/* Optional: image data passed (high-speed carrier or image IFPs; ignored unless a page may
 * be under way: after CFR, or MCF to MPS). A feeder that calls it lets the observer tell a post-message command asked
 * again (its answer got lost) from the one after a new page; without it, an MCF to MPS that
 * gets lost between the gateway and the sender and the MPS asked again count a page twice.
 * (ECM needs no hint: PPS carries page and block counters.) */
void t30_observe_image(struct t30_observe *o);

/* Where the fax stands now (a call may end at any time: the report says how far it got). */
void t30_observe_report(const struct t30_observe *o, struct t30_report *r);

/* The text of a SpanDSP T30_ERR_* code (wraps t30_completion_code_to_str()). */
const char *t30_completion_text(int completion);

#endif
