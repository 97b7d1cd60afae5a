/* SDP module internals shared by sip/sdp.c and sip/sdp_parse.c; not for other modules. */
#ifndef STROWGER_SDP_INT_H
#define STROWGER_SDP_INT_H

#include <stdint.h>

#include "sip/sdp.h"

/* Direction as two bits, the side that wrote the SDP: it sends, it receives. */
#define SDP_BIT_SEND 1u
#define SDP_BIT_RECV 2u

unsigned sdp_dir_bits(enum sdp_dir dir);
enum sdp_dir sdp_dir_from_bits(unsigned bits);
/* The same stream seen from the other side: its send is our receive (RFC 3264 §6.1). */
unsigned sdp_dir_bits_reverse(unsigned bits);

/* A set of RFC 4733 events 0..255 (a=fmtp of telephone-event, RFC 4733 §2.4.1). */
struct sdp_events {
	uint8_t map[32];
};

/* Parse "0-15,66": return 0 or EINVAL (empty, out of range, reversed range, junk). */
int sdp_events_parse(struct sdp_events *ev, const char *text);
/* Canonical text, ranges merged; "" for an empty set. */
void sdp_events_format(const struct sdp_events *ev, char *buf, size_t size);
/* a &= b; return whether anything is left. */
int sdp_events_intersect(struct sdp_events *a, const struct sdp_events *b);

/* Fill *err (if any) with code and a printf message; return the errno value for code. */
int sdp_fail(struct sdp_error *err, enum sdp_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
