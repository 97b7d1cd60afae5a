/* RTCP (RFC 3550 §6): SR/RR + SDES CNAME (+ BYE) compound packets, a robust parser, and
 * the receiver statistics of §A.1/§A.3. I/O-free: times are passed in. */
#ifndef STROWGER_MEDIA_RTCP_H
#define STROWGER_MEDIA_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	RTCP_PT_SR = 200,
	RTCP_PT_RR = 201,
	RTCP_PT_SDES = 202,
	RTCP_PT_BYE = 203,
	RTCP_PT_APP = 204,
};

#define RTCP_SDES_CNAME	1
#define RTCP_CNAME_MAX	255	/* [bytes] an SDES item's length is one octet */
/* [bytes] our largest: SR with one block 52, SDES with a 255-byte CNAME 268, BYE 8 */
#define RTCP_MAX_LEN	328

/* §6.4.1 sender info. */
struct rtcp_sender_info {
	uint64_t ntp;		/* NTP timestamp: [s] << 32 | fraction */
	uint32_t rtp_ts;	/* same instant on the RTP clock */
	uint32_t packets;	/* sender's packet count */
	uint32_t octets;	/* sender's payload octet count */
};

/* §6.4.1 report block: the sender's view of the stream `ssrc`. */
struct rtcp_report_block {
	uint32_t ssrc;		/* source this block is about */
	uint8_t fraction;	/* lost since the previous report [1/256] */
	int32_t lost;		/* cumulative, 24-bit signed (duplicates make it < 0) */
	uint32_t ext_max_seq;	/* cycles << 16 | highest sequence received */
	uint32_t jitter;	/* [RTP timestamp units] */
	uint32_t lsr;		/* middle 32 bits of the last SR's NTP time; 0: none */
	uint32_t dlsr;		/* [1/65536 s] since that SR was received */
};

struct rtcp_build_params {
	uint32_t ssrc;				/* ours */
	const struct rtcp_sender_info *sr;	/* non-NULL: SR, else RR */
	const struct rtcp_report_block *rb;	/* non-NULL: one report block */
	const char *cname;			/* SDES CNAME (§6.5.1), ≤ 255 bytes; NULL: none */
	bool bye;				/* append BYE for ssrc (§6.6) */
};

/* Build the compound packet (§6.1: SR or RR first, then SDES, then BYE) into buf of size
 * bytes; *lenp gets its length. Return 0, EINVAL or EMSGSIZE. */
int rtcp_build(const struct rtcp_build_params *p, uint8_t *buf, size_t size, size_t *lenp);

/* What a received compound packet told us. */
struct rtcp_info {
	uint32_t ssrc;			/* sender of the leading SR/RR */
	bool sr;			/* it was an SR: si is valid */
	struct rtcp_sender_info si;
	bool have_rb;			/* a report block about our SSRC: rb is valid */
	struct rtcp_report_block rb;
	bool bye;			/* a BYE for ssrc */
};

/* Parse and validate (§A.2: version 2, first packet SR or RR, padding only in the last
 * one, the lengths add up to len) a compound packet; our_ssrc selects the report block.
 * Never reads outside buf. Return 0, EMSGSIZE (truncated, lengths do not add up),
 * EPROTO (version, first packet type) or EBADMSG (padding, report count too large). */
int rtcp_parse(struct rtcp_info *info, const uint8_t *buf, size_t len, uint32_t our_ssrc);

/* Round-trip time from a report block received at NTP time `arrival` (§6.4.1: A - LSR -
 * DLSR). Return it [1/65536 s], or -1 if the block has no LSR or the result is negative. */
int64_t rtcp_rtt(const struct rtcp_report_block *rb, uint64_t arrival_ntp);

/* Middle 32 bits of an NTP timestamp (LSR, §6.4.1). */
static inline uint32_t rtcp_ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/* ---- §A.1 / §A.3 receiver statistics for one source ---- */

struct rtcp_source {
	uint16_t max_seq;		/* highest seq. number seen */
	uint32_t cycles;		/* shifted count of seq. number cycles */
	uint32_t base_seq;		/* base seq number */
	uint32_t bad_seq;		/* last 'bad' seq number + 1 */
	uint32_t probation;		/* sequ. packets till source is valid */
	uint32_t received;		/* packets received */
	uint32_t expected_prior;	/* packet expected at last interval */
	uint32_t received_prior;	/* packet received at last interval */
};

/* A new source whose first packet has sequence number seq (§A.1: on probation). */
void rtcp_source_init(struct rtcp_source *s, uint16_t seq);
/* A packet of the source arrived: return true if it counts (valid, §A.1 update_seq). */
bool rtcp_source_update(struct rtcp_source *s, uint16_t seq);
/* Fill fraction, lost and ext_max_seq of rb (§A.3) and start a new interval. */
void rtcp_source_report(struct rtcp_source *s, struct rtcp_report_block *rb);
/* Cumulative lost now (§A.3), without starting an interval. */
int64_t rtcp_source_lost(const struct rtcp_source *s);

#endif
