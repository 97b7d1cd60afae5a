/* strowger genconf: from the spans DAHDI reports and a few choices per span, write a
 * system.conf for dahdi_cfg and the matching [span N] sections of strowger.conf, so the two
 * files agree by construction (the checks of hwcheck.h then pass). */
#ifndef STROWGER_GATEWAY_GENCONF_H
#define STROWGER_GATEWAY_GENCONF_H

#include <stdio.h>

#include "tdm/dahdi_report.h"

enum genconf_role {
	GENCONF_PBX,		/* PRI toward a PBX: we are the network side (pri_net) */
	GENCONF_CARRIER,	/* PRI toward a carrier: we are the user side (pri_cpe) */
	GENCONF_FXS,		/* analog ports facing phones (fxoks channels) */
	GENCONF_FXO,		/* analog ports facing exchange lines (fxsks channels) */
};

struct genconf_span {
	struct dahdi_report_span rs;	/* what DAHDI reports */
	enum genconf_role role;
	int e1;				/* 1 E1, 0 T1, -1 from DAHDI's report */
	const char *switchtype;		/* strowger.conf name; NULL: euroisdn on E1, ni2 on T1 */
	int timing;			/* span= timing priority, -1: 1 for carrier, else 0 */
	int crc4;			/* E1 CRC-4 multiframe: 1 (default) or 0 */
	int d4ami;			/* T1: 1 D4/AMI instead of ESF/B8ZS */
	int lbo;			/* span= line build-out 0..7 */
};

/* Write system.conf text for the spans to sys and their [span] sections to spans. zone:
 * the tone zone ("us", "de"...). Returns 0 or EINVAL (a span whose type cannot be told:
 * *why gets the reason). No I/O besides the two streams. */
int genconf_write(const struct genconf_span *spans, unsigned n, const char *zone, FILE *sys,
		  FILE *spans_out, const char **why);

/* The subcommand: argv[0] is "genconf". Returns the exit status. */
int genconf_main(int argc, char **argv);

#endif
