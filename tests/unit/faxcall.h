/* One fax call through the T.38 gateway path, in memory and faster than real time:
 * SpanDSP fax machine (sender, audio) → stage_t38gw A → UDPTL datagrams over a lossy link
 * (random loss and bursts, fixed seed, both directions) → stage_t38gw B → fax machine
 * (receiver, audio), clocked by sample count in 20 ms steps. Shared by the unit test of the
 * chain and tests/bench/faxlab. */
#ifndef STROWGER_TESTS_FAXCALL_H
#define STROWGER_TESTS_FAXCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "media/engine.h"

struct faxcall_params {
	const char *tx_tiff;		/* pages to send */
	const char *rx_tiff;		/* where the receiver writes what it got */
	bool ecm;			/* both fax machines offer ECM */
	int modems;			/* T30_SUPPORT_*; 0: V.27ter, V.29 and V.17 */
	struct media_t38_params t38;	/* both gateways */
	double loss;			/* random loss per datagram, each direction [0..1] */
	double burst_start;		/* probability per datagram that a burst starts */
	unsigned burst_len;		/* [datagrams] length of a burst (all lost) */
	uint32_t seed;			/* loss pattern */
	unsigned latency_ms;		/* one-way, rounded to 20 ms steps */
	unsigned max_seconds;		/* [s] simulated; 0: 600 */
};

struct faxcall_result {
	bool tx_done, rx_done;		/* phase E reached */
	int tx_completion, rx_completion;	/* T30_ERR_*, -1 if not done */
	unsigned pages_in_file;		/* the sender's document */
	unsigned pages_tx, pages_rx;	/* each machine's own count */
	unsigned bit_rate;		/* [bit/s] the receiver's last */
	bool ecm;
	double seconds;			/* [s] simulated length of the call */
	uint64_t datagrams, dropped;	/* both directions */
	uint64_t gw_frames;		/* 20 ms frames through a gateway, both gateways */
	uint64_t gw_cpu_ns;		/* [ns] thread CPU time spent in both gateways */
	struct media_fax_report rep_a;	/* gateway A (sender on its B-channel side) */
	struct media_fax_report rep_b;	/* gateway B */
	/* The same fax as G.711 pass-through would report it: media/v21_listen on both audio
	 * directions of each B-channel, one t30_observe per side. */
	struct t30_report v21_a, v21_b;
};

/* Run one call to its end (both machines in phase E; the receiver gets 10 s after the
 * sender) or max_seconds. Return 0, or an errno value when it could not be set up. */
int faxcall_run(const struct faxcall_params *p, struct faxcall_result *r);

/* Did every page arrive: the sender finished OK and the receiver holds all pages. */
bool faxcall_complete(const struct faxcall_result *r);

#endif
