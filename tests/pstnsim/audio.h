/* PSTN simulator: B-channel audio sources and checks (tone, DTMF), free of I/O. */
#ifndef STROWGER_PSTNSIM_AUDIO_H
#define STROWGER_PSTNSIM_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* G.711 companding law of the bytes on a B-channel (ITU-T G.711). */
enum sim_law { SIM_LAW_ALAW, SIM_LAW_ULAW };

#define SIM_RATE	8000	/* [samples/s] */
#define SIM_BLOCK	160	/* [samples] one 20 ms analysis block / DAHDI read */
#define SIM_GAP_RUN	8	/* [samples] a run this long of one byte value is a gap */
#define SIM_MAX_DIGITS	128	/* DTMF digits kept per receiver */

/* Parse "alaw"/"ulaw" (also "a"/"u"/"mulaw"); 0 or EINVAL. */
int sim_law_parse(const char *s, enum sim_law *law);
const char *sim_law_name(enum sim_law law);
void sim_law_encode(enum sim_law law, const int16_t *lin, uint8_t *out, size_t n);
void sim_law_decode(enum sim_law law, const uint8_t *in, int16_t *lin, size_t n);

/*
 * Gap filter. DAHDI fills the slots a slow reader missed with the idle byte (0xFF) and a
 * gateway or jitter buffer may insert runs of silence: any run of at least SIM_GAP_RUN
 * identical bytes carries no tone or DTMF (a tone above ~300 Hz never repeats a G.711
 * byte that often) and is cut out, so the checks see the signal stitched together and
 * a 4–8 ms hole does not split a DTMF digit or spoil a tone block.
 */
struct sim_gapf {
	uint8_t byte;		/* value of the current run */
	unsigned run;		/* length of the current run [samples] */
	uint64_t gap;		/* samples cut out so far */
};

/* Filter n bytes from in to out (room for n + SIM_GAP_RUN); return the count written.
 * Up to SIM_GAP_RUN - 1 bytes of a possible run are held back until it is decided. */
size_t sim_gapf_run(struct sim_gapf *g, const uint8_t *in, size_t n, uint8_t *out);

/* ---- transmit side: a tone, DTMF digits over it, or silence -------------------------- */
struct sim_tx;

int sim_tx_alloc(struct sim_tx **txp, enum sim_law law);
void sim_tx_free(struct sim_tx *tx);
/* Continuous tone at freq [Hz] and level [dBm0]; freq 0 = silence. */
int sim_tx_tone(struct sim_tx *tx, unsigned freq, int level_dbm0);
/* Queue DTMF digits (0-9 * # A-D), sent with on/off times [ms] instead of the tone. */
int sim_tx_dtmf(struct sim_tx *tx, const char *digits, unsigned on_ms, unsigned off_ms);
/* True while queued DTMF is still being sent. */
bool sim_tx_busy(const struct sim_tx *tx);
/* Produce n bytes of line signal. */
void sim_tx_fill(struct sim_tx *tx, uint8_t *out, size_t n);
unsigned sim_tx_freq(const struct sim_tx *tx);
/* Digits queued so far (all calls of sim_tx_dtmf), for the call summary. */
const char *sim_tx_digits(const struct sim_tx *tx);

/* ---- "which frequency is this?": a histogram of per-block zero-crossing estimates ------- */

#define SIM_HIST_STEP	25			/* [Hz] bucket width */
#define SIM_HIST_N	(4000 / SIM_HIST_STEP)

struct sim_freq_hist {
	unsigned n[SIM_HIST_N];			/* blocks per bucket */
	double sum[SIM_HIST_N];			/* [Hz] their estimates, summed */
};

void sim_freq_hist_reset(struct sim_freq_hist *h);

/* Add one block of linear audio (not silence: the caller checks). */
void sim_freq_hist_add(struct sim_freq_hist *h, const int16_t *x, size_t n);

/* [Hz] the commonest estimate, 0 if no block was added. */
unsigned sim_freq_hist_mode(const struct sim_freq_hist *h);

/* ---- receive side: DTMF detector always on, one tone check at a time ------------------ */

struct sim_rx;
/* Detect DTMF in the audio as it comes, without the gap filter (tone checks keep it): an
 * analog line's DTMF dialled by DAHDI has digital silence (runs of one byte) between the
 * digits, which the filter would cut out, joining two equal digits into one. */
void sim_rx_set_raw(struct sim_rx *rx, bool raw);

/* Verdict of one tone (or silence) check. */
enum sim_tone_state { SIM_TONE_WAIT, SIM_TONE_MEASURE, SIM_TONE_PASS, SIM_TONE_FAIL };

struct sim_tone_params {
	unsigned freq;		/* [Hz] expected tone; 0 = expect silence */
	unsigned window_ms;	/* [ms] of received audio measured after onset */
	unsigned within_ms;	/* [ms] of audio to wait for the onset (tone only) */
	unsigned min_pct;	/* [%] of the window (gaps not counted) that must match */
};

struct sim_tone_result {
	enum sim_tone_state state;
	unsigned freq;		/* [Hz] expected (0 = silence) */
	unsigned heard_hz;	/* [Hz] dominant frequency of non-silent blocks, 0 = silence */
	unsigned match_ms;	/* [ms] blocks that matched */
	unsigned window_ms;	/* [ms] audio measured */
	unsigned gap_ms;	/* [ms] cut out by the gap filter inside the window */
	unsigned onset_ms;	/* [ms] of audio before the tone started */
	unsigned silent_ms;	/* [ms] silent blocks in the window */
};

struct sim_rx;

int sim_rx_alloc(struct sim_rx **rxp, enum sim_law law);
void sim_rx_free(struct sim_rx *rx);
/* Feed n received bytes. */
void sim_rx_feed(struct sim_rx *rx, const uint8_t *in, size_t n);
/* All DTMF digits detected so far, in order. */
const char *sim_rx_digits(const struct sim_rx *rx);
/* Start a tone/silence check (replaces a running one). */
int sim_rx_tone_start(struct sim_rx *rx, const struct sim_tone_params *p);
/* State of the current check (PASS/FAIL once decided); st may be NULL. */
enum sim_tone_state sim_rx_tone_result(const struct sim_rx *rx, struct sim_tone_result *r);
/* Decide a check that ran out of wall-clock time: WAIT/MEASURE become FAIL. */
void sim_rx_tone_abort(struct sim_rx *rx);
/* Total audio received [ms], gaps included. */
uint64_t sim_rx_audio_ms(const struct sim_rx *rx);

/* One line "audio ok: heard 1800 Hz for 1980 ms of 2000 (gaps 8 ms)" into buf. */
void sim_tone_describe(const struct sim_tone_result *r, char *buf, size_t len);

#endif
