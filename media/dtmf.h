/* DTMF: a detector on TDM audio (SpanDSP dtmf_rx) reporting digit start and end, for
 * RFC 4733 events and for keeping tones out of the RTP audio; and a player (SpanDSP
 * dtmf_tx) turning received RFC 4733 events back into tones of the event's length. */
#ifndef STROWGER_MEDIA_DTMF_H
#define STROWGER_MEDIA_DTMF_H

#include <stdbool.h>
#include <stdint.h>

struct dtmf_det;

struct dtmf_det_event {
	char digit;		/* '0'-'9', '*', '#', 'A'-'D' */
	bool end;		/* false: the digit started; true: it ended */
};

/* Create a detector. Return 0 or ENOMEM. */
int dtmf_det_alloc(struct dtmf_det **dp);
void dtmf_det_free(struct dtmf_det *d);

/*
 * Feed n samples of 8 kHz linear audio. Up to max start/end events are stored in ev;
 * return how many. *tone (may be NULL) is set when a tone was present or being
 * qualified in this block: the caller should not pass that audio on as speech.
 */
unsigned dtmf_det_process(struct dtmf_det *d, const int16_t *amp, int n,
			  struct dtmf_det_event *ev, unsigned max, bool *tone);

/*
 * The player. Digits queue up (DTMF_GEN_QUEUE); each plays as a tone from its start
 * until its end is known and it has lasted max(duration, DTMF_GEN_MIN_TONE_MS), then
 * DTMF_GEN_GAP_MS of silence follow before the next digit. A digit whose end never comes
 * plays on: the caller ends it (the RFC 4733 receiver times out). Allocates only in
 * dtmf_gen_alloc().
 */
#define DTMF_GEN_MIN_TONE_MS	40	/* [ms] shortest tone played */
#define DTMF_GEN_GAP_MS		40	/* [ms] silence after each tone */
#define DTMF_GEN_QUEUE		8	/* digits waiting or playing */

struct dtmf_gen;

/* Return 0 or ENOMEM. */
int dtmf_gen_alloc(struct dtmf_gen **gp);
void dtmf_gen_free(struct dtmf_gen *g);

/* A digit starts, at volume [-dBm0] (RFC 4733 §2.3.4: total power of the pair). A digit
 * still open before it is ended at the length it has played. Return 0, EINVAL (not a
 * DTMF digit) or ENOSPC (queue full: dropped). */
int dtmf_gen_start(struct dtmf_gen *g, char digit, uint8_t volume);
/* The digit last started lasted duration [samples]. No-op if none is open. */
void dtmf_gen_end(struct dtmf_gen *g, uint32_t duration);
/* Produce the next n samples into amp: true if the player had something (tone or gap,
 * silence after the last one to the end of the block), false when idle (amp untouched:
 * play the caller's audio). */
bool dtmf_gen_frame(struct dtmf_gen *g, int16_t *amp, int n);

/* RFC 4733 §3.2 event code of a DTMF digit (0-15), or -1. */
int dtmf_digit_to_event(char digit);
/* Digit of an RFC 4733 event code 0-15, or 0. */
char dtmf_event_to_digit(int event);

#endif
