/* PSTN simulator: the script language (README.md), parsed into steps; free of I/O. */
#ifndef STROWGER_PSTNSIM_SCRIPT_H
#define STROWGER_PSTNSIM_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

enum sim_op {
	OP_WAIT_UP,		/* wait-up [T] */
	OP_CALL,		/* call NUM [from NUM] [chan N|any] [overlap] [x COUNT] [as NAME] */
	OP_ANSWER,		/* answer [after D] */
	OP_RING,		/* ring: ALERTING without answering */
	OP_PROCEED,		/* proceed: CALL PROCEEDING */
	OP_REJECT,		/* reject [CAUSE] */
	OP_HANGUP,		/* hangup [CAUSE] */
	OP_TONE,		/* tone F [LEVEL] | tone off */
	OP_DTMF,		/* dtmf DIGITS */
	OP_INFO,		/* info DIGITS: overlap sending, INFORMATION (Q.931 §5.1.3) */
	OP_SLEEP,		/* sleep D */
	OP_USE,			/* use NAME */
	OP_ON_RING,		/* on-ring answer [after D] | ring | reject [CAUSE] | none */
	OP_EXIT,		/* exit */
	OP_RESTART,		/* restart [CHAN|all] [T]: RESTART (Q.931 §5.5), wait for its ACK */
	OP_RELINK,		/* relink [T]: layer 2 loss, our Q.921 re-establishes the link */
	OP_FAX_SEND,		/* fax-send FILE [ecm|noecm] [ident TEXT]: T.30 sender on the B-channel */
	OP_FAX_RECV,		/* fax-recv FILE [ecm|noecm] [ident TEXT]: T.30 receiver */
	OP_OFFHOOK,		/* offhook: analog line, DAHDI_HOOK off-hook (answer / seize) */
	OP_ONHOOK,		/* onhook: hang up (the exchange: drop loop current) */
	OP_FLASH,		/* flash [D]: hook flash (on-hook for D; DAHDI's flashtime if none) */
	OP_PULSE,		/* pulse DIGITS: dial them as loop breaks (rotary, 10 pps) */
	OP_RING_LINE,		/* ring-line [from NUM] [name NAME] [pres P]: the exchange rings */
	OP_LINE_TONE,		/* line-tone F1[+F2] [cadence ON/OFF] [LEVEL] | line-tone off */
	OP_EXPECT_RING,		/* expect ring [x COUNT] [from NUM] [to NUM] [as NAME] [T] */
	OP_EXPECT_PROCEEDING,	/* expect proceeding [T] */
	OP_EXPECT_ALERTING,	/* expect alerting [T] */
	OP_EXPECT_ANSWER,	/* expect answer [T] */
	OP_EXPECT_HANGUP,	/* expect hangup [CAUSE] [T] */
	OP_EXPECT_TONE,		/* expect-tone F [D] [within T] [min PCT] */
	OP_EXPECT_SILENCE,	/* expect-silence [D] [min PCT] */
	OP_EXPECT_DTMF,		/* expect-dtmf DIGITS [T] */
	OP_EXPECT_FAX,		/* expect fax-done [T] [pages N]: T.30 ended with T30_ERR_OK */
	OP_EXPECT_RINGING,	/* expect ringing [x COUNT] [cadence MS] [T]: analog ring bursts */
	OP_EXPECT_OFFHOOK,	/* expect offhook [T]: the far end of the line went off-hook */
	OP_EXPECT_ONHOOK,	/* expect onhook [T]: ... on-hook (loop current dropped) */
	OP_EXPECT_TONES,	/* expect-tones F1[+F2] [D] [within T] [min PCT] [cadence ON/OFF] */
	OP_EXPECT_CID,		/* expect cid [from NUM] [name NAME] [pres P] [mwi on|off] [T] */
	OP_EXPECT_CAS,		/* expect cas [T]: the call-waiting CAS (2130 + 2750 Hz) while
				 * off-hook; then listens for type II caller ID (expect cid) */
	OP_COUNT
};

/* What an on-ring policy does with a new incoming call. */
enum sim_on_ring { ON_RING_NONE, ON_RING_ANSWER, ON_RING_RING, ON_RING_REJECT };

#define SIM_NUM_LEN	32
#define SIM_NAME_LEN	16
#define SIM_FILE_LEN	160
#define SIM_IDENT_LEN	21	/* T.30 §5.3.6.2.4: a TSI/CSI carries up to 20 characters */

struct sim_cmd {
	enum sim_op op;
	unsigned line;			/* script line (1-based) */
	bool negate;			/* "!": the step passes iff the expectation fails */
	char text[240];			/* the step as written, for log lines */
	char target[SIM_NAME_LEN];	/* "@NAME": "" = current call, "all" = every call */
	char name[SIM_NAME_LEN];	/* "as NAME" */
	char num[SIM_NUM_LEN];		/* called number (call, expect ring "to") */
	char from[SIM_NUM_LEN];		/* calling number */
	char digits[SIM_NUM_LEN * 2];	/* dtmf / expect-dtmf */
	int chan;			/* B-channel timeslot; 0 = pick one (restart: the
					 * call's), -1 = "any" (restart: "all", the interface) */
	bool overlap;			/* call: no Sending Complete, digits follow with info */
	int ton;			/* calling number's type of number (Q.931), -1 = not given */
	int called_ton;			/* called number's type of number, -1 = not given */
	int pres;			/* calling presentation (Q.931 §4.5.9), -1 = not given */
	int mwi;			/* expect cid: 0 any; 1 a message-waiting on, 2 off (VMWI) */
	char cname[SIM_NUM_LEN];	/* calling name, "" = not given */
	char rdnis[SIM_NUM_LEN];	/* redirecting number (Q.931 §4.5.13), "" = not given */
	int rdnis_reason;		/* its reason for redirection (libpri PRI_REDIR_*), -1 */
	unsigned count;			/* x COUNT */
	int cause;			/* Q.850 cause; -1 = not given */
	unsigned freq;			/* [Hz] */
	unsigned freq2;			/* [Hz] expect-tones: the second frequency, 0 = none */
	unsigned cad_on, cad_off;	/* [ms] expect-tones, line-tone cadence; expect ringing: cad_on
					 * the ring period (0 = not checked) */
	int level;			/* [dBm0] */
	unsigned timeout_ms;		/* [ms] T; 0 = not given */
	unsigned dur_ms;		/* [ms] D */
	unsigned within_ms;		/* [ms] */
	unsigned min_pct;		/* [%] 0 = default */
	enum sim_on_ring on_ring;
	char file[SIM_FILE_LEN];	/* fax-send / fax-recv: the TIFF-F file */
	char ident[SIM_IDENT_LEN];	/* fax: our station identity, "" = default */
	bool ecm;			/* fax: offer ECM (T.30 Annex A); default on */
	unsigned pages;			/* expect fax-done: pages that must have passed, 0 = any */
};

struct sim_script {
	struct sim_cmd *cmds;
	size_t n;
};

/*
 * Parse script text: steps separated by newlines or ';'; a line starting with '#' is a
 * comment (a '#' elsewhere is a DTMF digit). Return 0, or EINVAL with "line N: why" in
 * err (size errlen). On success free the script with sim_script_free().
 */
int sim_script_parse(struct sim_script *s, const char *text, char *err, size_t errlen);
void sim_script_free(struct sim_script *s);

/* Parse a duration: "5s", "500ms", "1.5s", "2m", bare number = seconds. 0 or EINVAL. */
int sim_parse_duration(const char *tok, unsigned *ms);

/* Name of an op as written in scripts. */
const char *sim_ton_name(int ton);
const char *sim_pres_name(int pres);
const char *sim_op_name(enum sim_op op);

/* True for the expect* steps (those that can fail on their own). */
bool sim_op_is_expect(enum sim_op op);

#endif
