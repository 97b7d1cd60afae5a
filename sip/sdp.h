/* SDP offer/answer for the gateway's media stream (RFC 3264 over RFC 4566), free of I/O:
 * audio (G.711 + RFC 4733), or T.38 fax over UDPTL in its place (ITU-T T.38 Annex D).
 *
 * Text in, text out: the SIP layer hands us the remote body and sends what we build. Parsing
 * goes through Sofia-SIP's sdp_parse() (its own offer/answer engine stays off:
 * it drops telephone-event and answers re-INVITEs behind our back);
 * no Sofia type appears here. One `struct sdp_oa` per SIP dialog holds the o= line, the m=
 * line layout of the session (RFC 3264 §8: later SDP keeps every m= line, in order), a
 * pending offer of ours, and the last negotiated result, which is what the media layer uses.
 *
 * Return values: 0, or an errno value, with the details in an optional struct sdp_error:
 *   EBADMSG  the remote SDP is malformed                     (reply 400/488)
 *   ENOTSUP  well-formed, but nothing we can use: no audio m= line, no common codec, an
 *            image stream and no T.38 here, our stream rejected, SRTP refused or required
 *            (SDP_E_NO_CRYPTO, sip/sdp_crypto.h) (reply 488, or end the call)
 *   EPROTO   a remote answer breaks the offer/answer rules   (ACK, then BYE)
 *   EBUSY    wrong state: an offer of ours is pending        (glare: 491)
 *   ENOSPC   the output buffer is too small (SDP_TEXT_MAX is enough)
 *   EINVAL   bad arguments or local parameters;  ENOMEM */
#ifndef STROWGER_SDP_H
#define STROWGER_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sdp_crypto.h"
#include "sip/sdp_t38.h"

#define SDP_ADDR_MAX      48	/* IPv6 text + NUL (INET6_ADDRSTRLEN is 46) */
#define SDP_TOKEN_MAX     32	/* m= media/proto tokens, encoding names, o= username */
#define SDP_FMTS_MAX      128	/* an m= line's format list as text */
#define SDP_FMTP_MAX      64	/* one a=fmtp value */
#define SDP_EVENTS_MAX    64	/* a telephone-event list, "0-16" */
#define SDP_MAX_STREAMS   8	/* m= lines per description; more is refused */
#define SDP_MAX_PAYLOADS  16	/* payloads kept per m= line; the rest is ignored */
#define SDP_MAX_CODECS    4	/* local codec preference list */
#define SDP_TEXT_MAX      4096	/* an output buffer this large always suffices */

#define SDP_TE_PT_DEFAULT 101	/* telephone-event payload type we offer (RFC 4733) */
#define SDP_PTIME_DEFAULT 20	/* [ms] */

/* Media direction, RFC 4566 §6 / RFC 3264 §5.1, seen from the side that wrote it.
 * sendrecv is 0 so that a zeroed params struct means the usual case. */
enum sdp_dir { SDP_DIR_SENDRECV = 0, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY, SDP_DIR_INACTIVE };

enum sdp_codec { SDP_CODEC_NONE = 0, SDP_CODEC_PCMU, SDP_CODEC_PCMA };

enum sdp_af { SDP_AF_IP4, SDP_AF_IP6 };

enum sdp_kind { SDP_KIND_AUDIO, SDP_KIND_VIDEO, SDP_KIND_IMAGE, SDP_KIND_OTHER };

enum sdp_errcode {
	SDP_E_NONE = 0,
	SDP_E_SYNTAX,		/* not SDP, or a required line missing or unreadable */
	SDP_E_NO_CONN,		/* a used m= line has no c= (session or media level) */
	SDP_E_BAD_ADDR,		/* c= not an IPv4/IPv6 literal of its address type, multicast */
	SDP_E_BAD_PORT,		/* m= port out of range */
	SDP_E_TOO_MANY,		/* more than SDP_MAX_STREAMS m= lines */
	SDP_E_NO_AUDIO,		/* no audio m= line we could use */
	SDP_E_NO_CODEC,		/* no codec in common: 488 */
	SDP_E_REJECTED,		/* the answer set our stream's port to 0 */
	SDP_E_MCOUNT,		/* m= lines missing, added or reordered (RFC 3264 §6, §8) */
	SDP_E_NOT_OFFERED,	/* the answer's codec was not in our offer (RFC 3264 §6.1) */
	SDP_E_STATE,		/* answer with no offer pending; offer while one is pending */
	SDP_E_NOSPACE,		/* output buffer too small */
	SDP_E_INVAL,		/* bad argument */
	SDP_E_NO_CRYPTO,	/* SRTP (RFC 4568) refused or required by the srtp policy: 488 */
	SDP_E_COUNT
};

struct sdp_error {
	enum sdp_errcode code;
	char msg[160];		/* one line for the log, names the offending line */
};

/* One payload format of an m= line. */
struct sdp_payload {
	uint8_t pt;				/* RTP payload type 0..127 */
	char encoding[SDP_TOKEN_MAX];		/* "PCMU", "telephone-event"; "" if unknown */
	uint32_t clock_rate;			/* [Hz] */
	uint8_t channels;
	char fmtp[SDP_FMTP_MAX];		/* a=fmtp value, "" if none */
};

/* One m= line, with session-level c= and direction already applied (RFC 4566 §5.7, §6). */
struct sdp_stream {
	enum sdp_kind kind;
	char media[SDP_TOKEN_MAX];		/* m= media token: "audio", "image" */
	char proto[SDP_TOKEN_MAX];		/* m= transport: "RTP/AVP", "udptl" */
	char fmts[SDP_FMTS_MAX];		/* m= format list as text: "0 8 101", "t38" */
	uint16_t port;				/* 0 for a rejected or disabled stream */
	bool rejected;				/* port 0 */
	enum sdp_af af;
	char addr[SDP_ADDR_MAX];		/* effective c= address; "" if rejected */
	bool null_addr;				/* c=0.0.0.0 (or ::): send nothing, RFC 3264 §8.4 */
	enum sdp_dir dir;			/* effective direction, default sendrecv */
	unsigned ptime;				/* [ms] a=ptime, 0 if absent */
	int te_pt;				/* telephone-event/8000 payload type, -1: none */
	char te_events[SDP_EVENTS_MAX];		/* its events; "0-15" when fmtp is absent
						 * (RFC 4733 §2.4.1) */
	unsigned n_payloads;
	struct sdp_payload payloads[SDP_MAX_PAYLOADS];	/* in m= line order */
	unsigned n_crypto;
	struct sdp_crypto crypto[SDP_CRYPTO_MAX];	/* a=crypto lines (RFC 4568) that parse,
							 * in order; see crypto[i].usable */
};

struct sdp_desc {
	char username[SDP_TOKEN_MAX];		/* o= username */
	uint64_t sess_id;			/* o= sess-id */
	uint64_t sess_version;			/* o= sess-version */
	unsigned n_streams;
	struct sdp_stream streams[SDP_MAX_STREAMS];	/* in m= line order */
};

/* The outcome of one offer/answer exchange: what the media layer points the stream at. */
struct sdp_neg {
	unsigned stream;		/* index of our m= line (audio or image) */
	enum sdp_kind kind;		/* SDP_KIND_AUDIO, or SDP_KIND_IMAGE: a T.38 stream agreed
					 * (addr/port are the peer's UDPTL address; codec fields
					 * unused) */
	enum sdp_af af;
	char addr[SDP_ADDR_MAX];	/* remote RTP (UDPTL) address */
	uint16_t port;			/* remote RTP port (RTCP on port + 1), or UDPTL port */
	enum sdp_codec codec;
	uint8_t pt;			/* payload type we send with (the remote receives it) */
	uint8_t rx_pt;			/* payload type we receive (from our own SDP) */
	int te_pt;			/* telephone-event PT we send with, -1: none */
	int rx_te_pt;			/* telephone-event PT we receive, -1: none */
	char te_events[SDP_EVENTS_MAX];	/* events both sides accept, "0-15" */
	unsigned ptime;			/* [ms] packetisation we send with */
	enum sdp_dir dir;		/* OUR direction: sendonly = we send and do not receive */
	bool remote_hold;		/* the remote put us on hold: sendonly/inactive from it,
					 * or c=0.0.0.0 (RFC 3264 §8.4) */
	struct sdp_t38 t38;		/* IMAGE: the agreed values, max_datagram and max_buffer
					 * the PEER's T38FaxMaxDatagram/MaxBuffer (what we may
					 * send; 0: not given); zeroed for AUDIO */
	struct sdp_srtp_keys srtp;	/* AUDIO: SRTP keys (SDES); suite NONE: plain RTP */
};

/* Local capabilities and identity. A zeroed struct plus addr and port is a usable offer:
 * PCMU then PCMA, telephone-event 101 events 0-16, ptime 20, sendrecv. */
struct sdp_oa_params {
	const char *addr;		/* local RTP address, IPv4 or IPv6 literal */
	uint16_t port;			/* local RTP port, non-zero */
	enum sdp_codec codecs[SDP_MAX_CODECS];	/* preference order, SDP_CODEC_NONE ends it;
						 * all NONE: PCMU, PCMA */
	int te_pt;			/* 96..127; 0: SDP_TE_PT_DEFAULT; -1: no telephone-event */
	const char *te_events;		/* events we handle, NULL: "0-16" */
	unsigned ptime;			/* [ms] 10/20/30/40; 0: 20 */
	enum sdp_dir dir;		/* our wish, e.g. sendonly to hold the remote */
	uint64_t sess_id;		/* o= sess-id, chosen by the caller (RFC 4566 §5.2
					 * suggests an NTP timestamp) */
	uint64_t sess_version;		/* o= sess-version of our first SDP */
	const char *username;		/* o= username, NULL: "strowger" */
	const char *session_name;	/* s=, NULL: "-" */
	const struct sdp_t38_local *t38; /* T.38 limits (copied); NULL: no T.38, image streams
					 * are refused (port 0, or 488 when nothing else) */
	enum sdp_srtp_policy srtp;	/* SRTP by SDES (sip/sdp_crypto.h); 0: off */
	enum sdp_crypto_suite srtp_suites[SDP_CRYPTO_MAX];	/* preference, NONE ends it;
						 * all NONE: the default list */
};

struct sdp_oa;

/* Parse one SDP body (offer or answer) of `len` bytes. Structural checks only: every used
 * m= line needs a c= with an IPv4/IPv6 literal and a port <= 65535; an SDP with no audio
 * is not an error here (a T.38 re-INVITE is image only). Never reads past len; m= lines
 * are checked against RFC 4566 §5.14 before Sofia sees them (see sip/sdp_parse.c).
 * Return 0, EBADMSG (SDP_E_SYNTAX, _NO_CONN, _BAD_ADDR, _BAD_PORT, _TOO_MANY), EINVAL,
 * ENOMEM. */
int sdp_desc_parse(struct sdp_desc *desc, const char *text, size_t len,
		   struct sdp_error *err);

/* Create the offer/answer state of one dialog. Return 0, EINVAL (bad params), ENOMEM. */
int sdp_oa_alloc(struct sdp_oa **oap, const struct sdp_oa_params *p);
void sdp_oa_free(struct sdp_oa *oa);

/* Change the local address/port or direction for the next SDP we build (re-INVITE, hold:
 * SDP_DIR_SENDONLY, resume: SDP_DIR_SENDRECV). Return 0 or EINVAL. */
int sdp_oa_set_addr(struct sdp_oa *oa, const char *addr, uint16_t port);
int sdp_oa_set_dir(struct sdp_oa *oa, enum sdp_dir dir);

/* Build an offer into buf (size bytes, NUL-terminated; *lenp gets the length if lenp is
 * non-NULL). The o= version goes up by one on each offer after our first SDP (RFC 3264 §8);
 * the m= lines of the session so far are kept, those not audio with port 0. The offer is
 * then pending until sdp_oa_process_answer() or sdp_oa_cancel_offer().
 * Return 0, EBUSY (an offer is pending), ENOSPC, EINVAL. */
int sdp_oa_offer(struct sdp_oa *oa, char *buf, size_t size, size_t *lenp,
		 struct sdp_error *err);

/* Forget a pending offer that got no answer (488, 491, timeout): the session stays as it
 * was (RFC 3264 §8). Harmless with none pending. */
void sdp_oa_cancel_offer(struct sdp_oa *oa);

/* Build a re-offer that switches the session's stream to T.38 (T.38 Annex D): the m= line
 * that carries our audio becomes "m=image PORT udptl t38" in the same place with the same
 * local port, and the T.38 attributes of sdp_t38_offer(params.t38); other m= lines as
 * sdp_oa_offer() keeps them. Pending until sdp_oa_process_answer() (an image answer, or
 * ENOTSUP SDP_E_REJECTED when the peer set its port 0; EPROTO when it answered with audio)
 * or sdp_oa_cancel_offer(). sdp_oa_offer() after a T.38 session offers audio again in that
 * place (back to voice after the fax). The first SDP of a dialog may be one too (one m=
 * line, image). Return as sdp_oa_offer(), plus EINVAL when params.t38 was NULL. */
int sdp_oa_offer_t38(struct sdp_oa *oa, char *buf, size_t size, size_t *lenp,
		     struct sdp_error *err);

enum sdp_prefer { SDP_PREFER_AUDIO = 0, SDP_PREFER_IMAGE };

/* Which stream sdp_oa_answer() accepts when an offer has both a usable audio and a usable
 * image stream; the other gets port 0. An offer with only one usable stream gets that one
 * (image only if params.t38 is set). Initial INVITE: AUDIO (the call starts as voice);
 * a re-INVITE: the gateway sets IMAGE when its fax setting is t38. The default is AUDIO. */
void sdp_oa_set_prefer(struct sdp_oa *oa, enum sdp_prefer prefer);

/* True when b describes the same T.38 session as a (both kind IMAGE; same peer address,
 * port, version, rate management and error correction): a session refresh (RFC 4028,
 * a new o= version with the same values), not a new fax. */
bool sdp_neg_same_t38(const struct sdp_neg *a, const struct sdp_neg *b);

/* Answer a remote offer (initial or re-INVITE), RFC 3264 §6: the first codec of the
 * OFFERER's order that we support, its telephone-event payload type mirrored (RFC 4733
 * §7.1.1), its ptime if 10/20/30/40 else 20, the direction mirrored (§6.1), every other
 * m= line kept in place with port 0. An "image udptl t38" stream is usable when params.t38
 * is set; when the offer has a usable audio and a usable image stream, sdp_oa_set_prefer()
 * picks one. An image answer carries sdp_t38_answer()'s values (T.38 Annex D). On success
 * writes the answer into buf and the new result into *neg; on failure the session is
 * unchanged (RFC 3264 §8: a refused re-offer leaves the old media in place) and buf holds
 * nothing usable.
 * Return 0, EBADMSG (also: the only usable stream is image and its T.38 attributes cannot
 * be read), ENOTSUP (SDP_E_NO_AUDIO, SDP_E_NO_CODEC: reply 488; SDP_E_NO_AUDIO also for
 * an image-only offer without params.t38), EBUSY (our offer is pending: glare), ENOSPC,
 * EINVAL. */
int sdp_oa_answer(struct sdp_oa *oa, const char *offer, size_t offer_len,
		  char *buf, size_t size, size_t *lenp, struct sdp_neg *neg,
		  struct sdp_error *err);

/* Take the remote answer to our pending offer: same m= lines (RFC 3264 §6), a codec we
 * offered (the first such in the answer's order; other formats are ignored), its
 * telephone-event PT if we offered one, its ptime if valid. For our T.38 offer: an image
 * stream in the same place, its T.38 attributes read with sdp_t38_parse() (version and
 * bit rate no higher than offered). Writes the result into *neg.
 * Return 0, EBADMSG, ENOTSUP (SDP_E_NO_AUDIO, SDP_E_REJECTED), EPROTO (SDP_E_MCOUNT: also
 * an audio answer to our image offer or the reverse; SDP_E_NOT_OFFERED), EBUSY
 * (SDP_E_STATE: no offer pending), EINVAL. Any answer ends the exchange: after a failure
 * the previous result (sdp_oa_negotiated) still stands. */
int sdp_oa_process_answer(struct sdp_oa *oa, const char *answer, size_t answer_len,
			  struct sdp_neg *neg, struct sdp_error *err);

/* The last negotiated result. Return 0, or ENOENT before the first exchange completes. */
int sdp_oa_negotiated(const struct sdp_oa *oa, struct sdp_neg *neg);

const char *sdp_dir_name(enum sdp_dir dir);		/* "sendrecv"... */
const char *sdp_codec_name(enum sdp_codec codec);	/* "PCMU", "PCMA", "none" */
const char *sdp_errcode_name(enum sdp_errcode code);	/* "SDP_E_NO_CODEC"... */

#endif
