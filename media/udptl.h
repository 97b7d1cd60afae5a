/* UDPTL, the T.38 transport over UDP (ITU-T T.38 §9.1, ASN.1 UDPTLPacket in Annex A), I/O-free.
 * The sender wraps each IFP packet in a datagram with a sequence number and the previous
 * IFP packets as redundancy; the receiver turns datagrams back into IFP packets in order,
 * recovering losses from redundancy or from a peer's FEC parity, dropping duplicates,
 * holding a few packets to undo reordering, and reporting what stays missing. */
#ifndef STROWGER_MEDIA_UDPTL_H
#define STROWGER_MEDIA_UDPTL_H

#include <stddef.h>
#include <stdint.h>

struct udptl;

enum {
	UDPTL_MAX_IFP = 512,		/* [octets] largest IFP packet carried */
	UDPTL_MAX_REDUNDANCY = 8,	/* secondary IFP packets we send at most */
	UDPTL_MAX_SECONDARY = 16,	/* secondaries accepted in one datagram; more is malformed */
	UDPTL_MAX_FEC_ENTRIES = 8,	/* fec-data entries accepted in one datagram */
	UDPTL_MAX_FEC_SPAN = 8,		/* fec-npackets accepted; span × entries ≤ 32 */
	UDPTL_MAX_HOLD = 32,		/* [packets] largest reorder/FEC hold */
	UDPTL_DEFAULT_REDUNDANCY = 3,	/* for the primary (control) IFP packets */
	UDPTL_DEFAULT_HOLD = 4,		/* [packets] see udptl_params.hold */
};

/* Delivers one IFP packet, in sequence order. ifp is valid during the call only. */
typedef void (udptl_ifp_h)(uint16_t seq, const uint8_t *ifp, size_t len, void *arg);
/* Reports an IFP packet that is given up as lost (for t38_core_rx_missing()). */
typedef void (udptl_missing_h)(uint16_t seq, void *arg);

struct udptl_params {
	unsigned redundancy;	/* secondary IFP packets per datagram by default, ≤ UDPTL_MAX_REDUNDANCY */
	size_t max_datagram;	/* [octets] the peer's T38FaxMaxDatagram; 0 = no limit beyond the buffer */
	/* [packets] how far the newest packet may run ahead of a gap before the gap is given up:
	 * a reordered packet arriving within it is still delivered in order. With FEC the hold
	 * grows to the peer's span × entries so that parity can arrive. 0 = UDPTL_DEFAULT_HOLD. */
	unsigned hold;
	udptl_ifp_h *ifp_h;		/* NULL = drop */
	udptl_missing_h *missing_h;	/* NULL = ignore */
	void *arg;
};

struct udptl_stats {
	uint64_t tx_datagrams;
	uint64_t tx_trimmed;	/* secondaries left out to fit max_datagram */
	uint64_t tx_too_big;	/* IFP packets refused: no room even without redundancy */
	uint64_t rx_datagrams;	/* all datagrams offered */
	uint64_t rx_malformed;	/* bad framing or lengths: dropped */
	uint64_t rx_bad_seq;	/* absurd sequence jumps: dropped */
	uint64_t rx_resync;	/* the stream restarted at a new sequence number */
	uint64_t rx_dup;	/* primaries already held or delivered */
	uint64_t rx_late;	/* primaries older than the window or already given up */
	uint64_t rx_delivered;	/* IFP packets handed to ifp_h */
	uint64_t rx_recovered_red;	/* … of which recovered from secondaries */
	uint64_t rx_recovered_fec;	/* … of which rebuilt from FEC parity */
	uint64_t rx_lost;	/* sequence numbers reported to missing_h */
};

/* Create a session. Return 0, EINVAL or ENOMEM. */
int udptl_alloc(struct udptl **up, const struct udptl_params *p);
void udptl_free(struct udptl *u);

/* Change the peer's T38FaxMaxDatagram [octets] (0 = none), e.g. after a re-INVITE. */
void udptl_set_max_datagram(struct udptl *u, size_t max_datagram);

/*
 * Wrap one IFP packet into the next datagram (T.38 §9.1): the sequence number, the packet,
 * and up to `redundancy` previous packets (-1 = the session's default; image data wants
 * fewer). Secondaries are dropped oldest first to fit max_datagram and `size`.
 * Return 0 with *outlen set, EINVAL (empty or > UDPTL_MAX_IFP), or EMSGSIZE (not even the
 * bare packet fits; the sequence number is not used up).
 */
int udptl_encode(struct udptl *u, const uint8_t *ifp, size_t len, int redundancy,
		 uint8_t *out, size_t size, size_t *outlen);

/*
 * Take one received datagram: deliver the IFP packets that are now in order through
 * ifp_h (recovered ones first, oldest first) and report given-up ones through missing_h.
 * Return the number delivered (≥ 0), -EBADMSG (malformed: counted and dropped) or -ENOMEM
 * (the first FEC datagram found no memory for parity). Never reads outside data[0..len).
 */
int udptl_decode(struct udptl *u, const uint8_t *data, size_t len);

/* Give up every gap and deliver whatever is held (the stream ended or went quiet).
 * Return the number delivered. */
int udptl_flush(struct udptl *u);

void udptl_stats(const struct udptl *u, struct udptl_stats *st);

#endif
