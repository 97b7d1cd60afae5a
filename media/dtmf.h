/* DTMF: a detector on TDM audio (SpanDSP dtmf_rx) reporting digit start and end, for
 * RFC 4733 events and for keeping tones out of the RTP audio. */
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

/* RFC 4733 §3.2 event code of a DTMF digit (0-15), or -1. */
int dtmf_digit_to_event(char digit);
/* Digit of an RFC 4733 event code 0-15, or 0. */
char dtmf_event_to_digit(int event);

#endif
