/* SDP for T.38 fax over UDPTL (ITU-T T.38 Annex D: "m=image PORT udptl t38" and its
 * a=T38… attributes), free of I/O: read the attributes of an offered image stream, decide
 * the answer's values from the offer and our limits, and write them out.
 * Where the stream is and where it goes (m= index, c=, port) come from sdp_desc_parse(). */
#ifndef STROWGER_SDP_T38_H
#define STROWGER_SDP_T38_H

#include <stdbool.h>
#include <stddef.h>

/* T38FaxRateManagement (Annex D): TCF made by each gateway, or carried end to end. */
enum sdp_t38_rate { SDP_T38_TRANSFERRED_TCF = 0, SDP_T38_LOCAL_TCF };

/* T38FaxUdpEC: the UDPTL error recovery (T.38 §9.1, Annex A error-recovery CHOICE). */
enum sdp_t38_ec { SDP_T38_EC_NONE = 0, SDP_T38_EC_REDUNDANCY, SDP_T38_EC_FEC };

/* The T.38 attributes of one image stream; 0 in a size field means "not given". */
struct sdp_t38 {
	unsigned version;		/* T38FaxVersion 0..3 */
	unsigned max_bitrate;		/* [bit/s] T38MaxBitRate (T38maxBitRate too) */
	enum sdp_t38_rate rate_mgmt;	/* absent: transferredTCF, the UDP default */
	unsigned max_buffer;		/* [octets] T38FaxMaxBuffer: the writer's receive buffer */
	unsigned max_datagram;		/* [octets] T38FaxMaxDatagram: the largest UDPTL
					 * datagram the writer takes (set udptl_set_max_datagram) */
	enum sdp_t38_ec ec;		/* T38FaxUdpEC; absent: none */
	bool fill_bit_removal;		/* T38FaxFillBitRemoval */
	bool transcoding_mmr;		/* T38FaxTranscodingMMR */
	bool transcoding_jbig;		/* T38FaxTranscodingJBIG */
};

/* What we can do. A zeroed struct: version 0, 14400 bit/s, redundancy, buffer 2000 and
 * datagram 400 octets. */
struct sdp_t38_local {
	unsigned max_version;		/* highest T38FaxVersion we run, ≤ 3 */
	unsigned max_bitrate;		/* [bit/s] 0: 14400 (V.17) */
	unsigned max_buffer;		/* [octets] 0: 2000 */
	unsigned max_datagram;		/* [octets] 0: 400 */
	bool send_fec;			/* we can send FEC; without it a FEC offer is answered
					 * with redundancy */
	bool no_redundancy;		/* answer t38UDPNoEC even to a redundancy offer */
};

/*
 * Read the T.38 attributes of the m= line number `stream` (0-based, as struct sdp_desc
 * counts them) of an SDP body of len bytes. Attribute names are matched without regard to
 * case; a boolean attribute is true when present with no value or a value other than 0;
 * unknown attributes are ignored. Never reads past len.
 * Return 0, ENOENT (no such m= line), ENOTSUP (it is not "image … udptl t38"), EBADMSG (a
 * T.38 attribute with a value we cannot read), EINVAL.
 */
int sdp_t38_parse(struct sdp_t38 *t, const char *text, size_t len, unsigned stream);

/*
 * Our answer to an offer (T.38 Annex D): the lower version and bit rate, the offer's
 * rate management, its error correction if we can send it (FEC falls back to redundancy,
 * redundancy to none only when configured), our own buffer and datagram sizes, and the
 * three transcoding options false. Return 0 or EINVAL (offer version above 3).
 */
int sdp_t38_answer(const struct sdp_t38 *offer, const struct sdp_t38_local *local,
		   struct sdp_t38 *ans);

/* Our offer from our limits alone. */
void sdp_t38_offer(const struct sdp_t38_local *local, struct sdp_t38 *offer);

/*
 * Write "m=image PORT udptl t38" (port 0 rejects the stream and writes nothing else) and
 * the a= lines of t, CRLF-terminated, into buf (NUL-terminated; *lenp gets the length if
 * non-NULL). False booleans are left out: absence means false (T.38 Annex D).
 * Return 0, ENOSPC, EINVAL.
 */
int sdp_t38_format(const struct sdp_t38 *t, unsigned port, char *buf, size_t size,
		   size_t *lenp);

const char *sdp_t38_ec_name(enum sdp_t38_ec ec);	/* "t38UDPRedundancy"… */

#endif
