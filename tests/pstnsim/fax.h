/* PSTN simulator: a fax machine on a B-channel (SpanDSP fax_state_t: T.30 over V.21, V.27ter,
 * V.29 and V.17 audio), free of I/O: the runner feeds it the channel's bytes and takes its
 * bytes to send, so it runs on the DAHDI clock. */
#ifndef STROWGER_PSTNSIM_FAX_H
#define STROWGER_PSTNSIM_FAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/pstnsim/audio.h"

struct sim_fax;

struct sim_fax_params {
	enum sim_law law;
	bool calling;		/* the calling terminal (sends CNG) or the answering one (CED) */
	bool send;		/* send `file` or receive into it */
	const char *file;	/* TIFF-F */
	bool ecm;		/* offer/accept ECM (T.30 Annex A) */
	const char *ident;	/* our TSI/CSI, NULL = none */
};

struct sim_fax_result {
	bool done;		/* T.30 reached phase E */
	int code;		/* T30_ERR_*; 0 = OK */
	const char *code_text;
	bool send;
	int pages;		/* pages sent or received */
	int bit_rate;		/* [bit/s] of the last page */
	bool ecm;
	int x_res, y_res;	/* [pixels/m] of the last page */
	char remote[24];	/* the far machine's TSI/CSI, "" = none */
	uint64_t audio_ms;	/* [ms] of audio received when phase E was reached (or now) */
};

/* Start a fax machine. 0, EINVAL or ENOMEM. */
int sim_fax_alloc(struct sim_fax **fp, const struct sim_fax_params *p);
void sim_fax_free(struct sim_fax *f);
/* Received line bytes (in the channel's law). */
void sim_fax_rx(struct sim_fax *f, const uint8_t *in, size_t n);
/* Produce n line bytes to send. */
void sim_fax_tx(struct sim_fax *f, uint8_t *out, size_t n);
/* Fill r (also before the end: pages so far); true once T.30 has ended. */
bool sim_fax_result(struct sim_fax *f, struct sim_fax_result *r);
/* "fax: pages=3 rate=14400 ecm=on code=0 (OK) remote=ID dir=recv time=47.2s" into buf. */
void sim_fax_describe(const struct sim_fax_result *r, char *buf, size_t len);

#endif
