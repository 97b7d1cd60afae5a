/* Caller ID on analog lines, sent between the first and second ring and received there:
 * Bell 202 FSK CLASS (Telcordia GR-30-CORE), ETSI V.23 FSK (EN 300 659-1/-3) and ETSI DTMF
 * CLIP (ES 200 778-1). Pure: message bytes and 8 kHz linear audio in and out, no I/O; SpanDSP's
 * adsi_tx/adsi_rx do the modulation underneath. */
#ifndef STROWGER_MEDIA_CALLERID_H
#define STROWGER_MEDIA_CALLERID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum callerid_std {
	CALLERID_BELL202,	/* Bellcore GR-30: Bell 202 FSK, MDMF (SDMF accepted on receive) */
	CALLERID_V23,		/* ETSI EN 300 659-1/-3: V.23 FSK, MDMF (call set-up 0x80) */
	CALLERID_DTMF,		/* ETSI ES 200 778-1 Annex B DTMF CLIP: A<number>C; absent: B10C
				 * private, B00C unavailable (Danish D1# / D2# accepted on receive) */
};

/* What the presentation allows: a field is sent, or its absence with the reason. */
enum callerid_absent { CALLERID_PRESENT = 0, CALLERID_PRIVATE /* 'P' */, CALLERID_UNAVAILABLE /* 'O' */ };

struct callerid {
	char number[33];	/* digits only, "" if absent */
	char name[51];		/* "" if absent (DTMF cannot carry it) */
	char datetime[9];	/* "MMDDhhmm" or "" */
	enum callerid_absent number_absent, name_absent;
	int mwi;		/* -1: no message-waiting field; 0 off; 1 on (VMWI, MDMF type 0x0B / 0x82) */
};

/* "bell202", "v23", "dtmf" (case-insensitive); *ok false (and CALLERID_BELL202) otherwise. */
enum callerid_std callerid_std_from_name(const char *name, bool *ok);
/* The name callerid_std_from_name() takes; "?" for an unknown value. */
const char *callerid_std_name(enum callerid_std std);

/* The message bytes (pure): MDMF/SDMF layout incl. message type, length and checksum for FSK;
 * for DTMF the digit string ("A4930123C"). Returns the length, or -EINVAL / -ENOSPC.
 * FSK sends MDMF: mwi >= 0 makes a message-waiting message (0x82: date/time if given, VMWI),
 * else a call set-up (0x80: date/time if given; the number, or its absence 0x04 'P'/'O' when
 * number_absent says so or number is ""; the name, or its absence 0x08 when name_absent says
 * so, or nothing when name is ""). Bell 202 carries 15 digits and 15 characters of name,
 * V.23 20 and 50, DTMF 20 digits: a longer number is -EINVAL, a longer name is cut. */
int callerid_encode_msg(enum callerid_std std, const struct callerid *id, uint8_t *buf, size_t len);

/* Parse a received message (checksum checked for FSK). 0, or -EINVAL/-EBADMSG. Bell 202 also
 * takes SDMF (0x04 caller ID, 0x06 message waiting); unknown MDMF parameters are skipped. */
int callerid_parse_msg(enum callerid_std std, const uint8_t *msg, size_t len, struct callerid *id);

/* Render the whole caller-ID signal (channel seizure + mark + message for FSK; the DTMF digits
 * for DTMF) as audio at level -13 dBm0 (configurable later), for playing between rings.
 * Returns the number of samples (<= max), or -errno. callerid_max_samples() bounds it.
 * FSK: 300 seizure bits, 180 marks, the message, 5 marks (~1.2 s for number, name and
 * date). DTMF: SpanDSP's digits (50 ms on, 55 ms off, -10 dBm0 low group). */
int callerid_render(enum callerid_std std, const struct callerid *id, int16_t *out, size_t max);
size_t callerid_max_samples(void);

/* Type II caller ID (on call waiting, the phone off-hook): the FSK message after the CAS below
 * and the phone's DTMF acknowledgement, without channel seizure and with 80 mark bits only.
 * FSK standards only (-EINVAL for DTMF); otherwise as callerid_render(). */
int callerid_render_type2(enum callerid_std std, const struct callerid *id, int16_t *out,
			  size_t max);

/* The call-waiting alerting signal for type II caller ID (CPE alerting signal, CAS: 2130 +
 * 2750 Hz for 80 ms, Bellcore GR-575 / ETSI EN 300 659-2), to play before the FSK message
 * once the phone acknowledged. Returns the number of samples (<= max), or -errno. */
int callerid_render_cas(int16_t *out, size_t max);

/* Streaming decoder: feed audio; returns 1 once a whole valid message was decoded (then
 * callerid_rx_result() holds it), 0 while none yet, -errno on a bad one (checksum).
 * 1 and -EBADMSG are events: reported by the feed call during which the message ended; the
 * result stays until a later valid message replaces it. Any n works (20 ms frames are fine).
 * FSK starts a message only after 40 mark bits, so noise does not frame one. */
struct callerid_rx;
int callerid_rx_new(struct callerid_rx **rxp, enum callerid_std std);
int callerid_rx_feed(struct callerid_rx *rx, const int16_t *samples, size_t n);
const struct callerid *callerid_rx_result(const struct callerid_rx *rx);
void callerid_rx_free(struct callerid_rx *rx);

#endif
