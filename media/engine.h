/* The media engine: one thread with its own epoll loop joining many B-channel fds to RTP
 * sockets (docs/architecture.md §2; each channel a pipeline of stages over a packet
 * transport: media/pipe.h), or two B-channels to each other (media/pipe_tdm.h). Commands
 * arrive from the signalling thread through a queue + eventfd; events (DTMF, RTP timeout,
 * channel removed) go back through another (media/queue.h). */
#ifndef STROWGER_MEDIA_ENGINE_H
#define STROWGER_MEDIA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/g711.h"
#include "media/t30_observe.h"

#define MEDIA_FRAME_SAMPLES 160	/* [samples] 20 ms at 8 kHz: one B-channel block */
#define MEDIA_PTIME_MAX_MS 40		/* [ms] longest packets we send (ptime 10, 20, 30, 40) */
#define MEDIA_PTIME_MAX_SAMPLES (MEDIA_PTIME_MAX_MS * 8)
/* [frames] of silence a channel writes ahead on its B-channel the first time it carries fax
 * (FAX or T38 mode), after the frame that answers the first one read: a late wake-up of
 * the engine then leaves the modem's signal whole (media/engine.c). */
#define MEDIA_FAX_TX_CUSHION 10

struct media_engine;
struct media_chan;

struct media_engine_params {
	unsigned rtp_timeout_ms;	/* [ms] no RTP for this long → event; 0 = never (a
					 * channel's own rtp_timeout_ms overrides it) */
	unsigned jb_min_ms;		/* [ms] jitter buffer bounds; 0 → 20 */
	unsigned jb_max_ms;		/* [ms] 0 → 200 */
	unsigned queue_len;		/* commands and events each; 0 → 4096 */
	unsigned rtcp_interval_ms;	/* [ms] mean RTCP report interval; 0 → 5000
					 * (RFC 3550 §6.2 minimum; randomised 0.5–1.5×) */
};

enum media_mode {
	MEDIA_MODE_AUDIO = 0,	/* voice: as today */
	MEDIA_MODE_FAX,		/* G.711 fax pass-through: fixed jitter buffer (no adaptation),
				 * no PLC (silence/last-sample fill instead), no DTMF detection,
				 * muting or RFC 4733 in either direction, no fax tone detection;
				 * v21_listen on both directions builds the fax report */
	MEDIA_MODE_T38,		/* T.38 gateway: B-channel audio ⇄ IFP over UDPTL on the same socket */
};

enum media_fax_tone { MEDIA_FAX_CNG = 1, MEDIA_FAX_CED, MEDIA_FAX_V21 };

/* Disconnect supervision on an analog line (FXO): what the line said after the far end hung
 * up without dropping loop current (media/stage_disconnect.h). */
enum media_disconnect { MEDIA_DISC_NONE = 0, MEDIA_DISC_BUSY, MEDIA_DISC_CONGESTION,
			MEDIA_DISC_SILENCE,
			MEDIA_DISC_VOICE };	/* answer supervision by voice (answer_voice):
						 * the far end answered (media/stage_answer.h) */
#define MEDIA_TONE_SPEC_MAX 96	/* [bytes] a tone as libtonezone writes it, with its NUL */

/* What to listen for on the B-channel: the zone's tones as libtonezone writes them
 * ("480+620/500,0/500"; "" = not listened for) and a silence timeout. All empty/0: off. */
struct media_line_sup {
	char busy[MEDIA_TONE_SPEC_MAX];
	char congestion[MEDIA_TONE_SPEC_MAX];
	unsigned silence_ms;		/* [ms] no energy on the line this long; 0 = off */
	/* Answer supervision by voice, before the answer (media/stage_answer.h): the
	 * zone's tones that are not an answer; busy and congestion heard then are reported
	 * whatever disconnect_tone says. answer_voice false: off. */
	bool answer_voice;
	char ans_busy[MEDIA_TONE_SPEC_MAX];
	char ans_congestion[MEDIA_TONE_SPEC_MAX];
	char ans_ringback[MEDIA_TONE_SPEC_MAX];
	char ans_dialtone[MEDIA_TONE_SPEC_MAX];
};

/* A T.38 session's terms (the gateway translates the agreed SDP into these). */
struct media_t38_params {
	unsigned version;		/* T38FaxVersion agreed, 0..3 */
	unsigned max_bitrate;		/* [bit/s] 14400 (V.17), 9600 (V.29), 4800 (V.27ter) */
	bool local_tcf;			/* T38FaxRateManagement localTCF; false: transferredTCF */
	unsigned max_datagram;		/* [octets] the peer's T38FaxMaxDatagram; 0: 400 */
	unsigned redundancy;		/* secondaries with control/indicator IFPs (T.38 §9.1) */
	unsigned redundancy_image;	/* secondaries with image data IFPs */
	bool no_ecm;			/* refuse ECM (t38_gateway_set_ecm_capability) */
	unsigned silence_ms;		/* [ms] no UDPTL for this long in T.38 mode → MEDIA_EV_RTP_TIMEOUT
					 * (0: the engine's rtp_timeout_ms) */
};

/* SRTP (RFC 3711) crypto suites, as SDES names them (RFC 4568 §6.2, RFC 7714 §12). */
enum media_srtp_suite {
	MEDIA_SRTP_OFF = 0,			/* plain RTP */
	MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
	MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,	/* SRTCP keeps the 80-bit tag (RFC 4568 §6.2.1) */
	MEDIA_SRTP_AEAD_AES_128_GCM,		/* 16-byte tag (RFC 7714) */
};
#define MEDIA_SRTP_KEY_MAX 30	/* [bytes] master key ‖ master salt: 16 + 14 (AES-CM), 16 + 12 (GCM) */

/* An SRTP session's keys, as SDES exchanged them: each side's a=crypto carries the key it
 * sends with (RFC 4568 §6.1). Never logged. */
struct media_srtp_params {
	enum media_srtp_suite suite;
	uint8_t tx_key[MEDIA_SRTP_KEY_MAX];	/* ours: we protect RTP and RTCP with it */
	uint8_t rx_key[MEDIA_SRTP_KEY_MAX];	/* the peer's: we unprotect with it */
};

/* [bytes] master key ‖ salt of a suite; 0 for MEDIA_SRTP_OFF or an unknown one. */
unsigned media_srtp_key_len(enum media_srtp_suite suite);

/* One channel. The engine does not own the fds: close them after MEDIA_EV_REMOVED. */
struct media_chan_params {
	uint64_t cookie;		/* caller's id, echoed in events */
	int tdm_fd;			/* B-channel: non-blocking, 160-byte blocks */
	/* Bound UDP socket, non-blocking. Bound to one address (not the wildcard), it is
	 * connect()ed to the peer while the peer's RTP comes from where we send (sends
	 * then skip the route lookup), and handed back unconnected on its port. */
	int rtp_fd;
	struct sockaddr_storage remote;	/* RTP peer; family AF_UNSPEC = not known yet */
	enum g711_law tdm_law;		/* the line's law: A-law on E1, µ-law on T1 */
	uint8_t pt;			/* RTP payload type: 0 (PCMU) or 8 (PCMA) */
	/* [ms] the audio packets we send (RFC 4566 a=ptime as negotiated): 10, 20, 30 or
	 * 40; 0: 20. Received packets may be of any of these sizes (or others up to 80 ms)
	 * whatever this says: they are cut or joined into 20 ms B-channel frames. */
	unsigned ptime_ms;
	/* [ms] no valid RTP for this long → MEDIA_EV_RTP_TIMEOUT (not while no_recv or
	 * no_send: on hold; in T38 mode t38.silence_ms rules); 0: the engine's rtp_timeout_ms. */
	unsigned rtp_timeout_ms;
	bool symmetric;			/* learn the peer from received RTP (RFC 4961 style) */
	bool dtmf_detect;		/* detect (report) DTMF in TDM audio */
	/* RFC 4733 telephone-events (-1 or 0: none). te_pt: PT we send digits detected on
	 * the B-channel with (turns detection on; their tones are kept out of the audio);
	 * without it the tones stay in the audio (the peer hears them) and are reported.
	 * rx_te_pt: PT we accept events on; they play as tones into the
	 * B-channel. Both may differ (each side's SDP names its own). */
	int te_pt;
	int rx_te_pt;
	uint32_t ssrc;			/* RTP stream: initial values, normally random */
	uint16_t seq0;
	uint32_t ts0;
	/* Direction (RFC 3264 §5.1, §8.4 hold): no_send sends no RTP (we are recvonly or
	 * inactive; the stream's clock keeps running and the first packet after resuming
	 * carries M); no_recv discards received RTP and plays silence to the B-channel (we
	 * are sendonly or inactive; no RTP timeout meanwhile). Both false: sendrecv. */
	bool no_send;
	bool no_recv;
	/* RTCP (RFC 3550 §6): a bound non-blocking UDP socket, normally on the RTP port + 1;
	 * 0 or -1: no RTCP. Reports go to the RTP peer's address with port + 1 (or, with
	 * symmetric, where the peer's RTCP comes from). Taken by add only. */
	int rtcp_fd;
	char cname[64];		/* SDES CNAME (§6.5.1); empty: derived from the SSRC */
	enum media_mode mode;
	bool fax_detect;		/* MEDIA_MODE_AUDIO: detect CNG (1100 Hz), CED/ANS (2100 Hz) and
					 * the V.21 HDLC preamble on the B-channel; each kind raised once
					 * per channel as MEDIA_EV_FAX_TONE */
	struct media_t38_params t38;	/* MEDIA_MODE_T38 */
	/* MEDIA_MODE_AUDIO: disconnect supervision on the B-channel, raised as
	 * MEDIA_EV_DISCONNECT (again after each further timeout or tone) */
	struct media_line_sup sup;
	/* SRTP and SRTCP instead of RTP and RTCP (suite not OFF); a modify with the same
	 * suite and keys keeps the session, other keys start a new one (re-keying), OFF
	 * goes back to plain RTP. T.38's UDPTL stays plain. */
	struct media_srtp_params srtp;
};

/* How a fax went, for the FAX log line and the CALL line. */
struct media_fax_report {
	bool valid;			/* the channel was in FAX or T38 mode */
	bool t38;			/* T.38 (else G.711 pass-through) */
	struct t30_report t30;
	uint64_t udptl_sent, udptl_received;		/* datagrams */
	uint64_t ifp_lost, ifp_recovered;		/* IFP packets given up / rebuilt from
							 * redundancy or FEC */
	uint64_t udptl_malformed;
};

/* Per-channel figures, RFC 3550 §6.4 terms. Delivered with MEDIA_EV_REMOVED. */
struct media_chan_stats {
	uint64_t packets_sent;		/* RTP, audio and telephone-events */
	uint64_t octets_sent;		/* [bytes] RTP payload */
	uint64_t packets_received;	/* valid RTP from the peer (not while no_recv) */
	uint64_t octets_received;	/* [bytes] their payload */
	int64_t packets_lost;		/* cumulative, §A.3: expected - received */
	double jitter_ms;		/* [ms] our interarrival jitter estimate (§A.8) */
	uint64_t rtcp_sent, rtcp_received;	/* compound packets */
	bool peer_report;		/* the peer reported on our stream: next 3 valid */
	double peer_fraction_lost;	/* [0..1] in its last report */
	int64_t peer_packets_lost;	/* cumulative, as the peer counted */
	double peer_jitter_ms;		/* [ms] as the peer estimated it */
	double rtt_ms;			/* [ms] round trip (§6.4.1); < 0: not known */
	uint64_t srtp_auth_failed;	/* SRTP/SRTCP packets that failed authentication */
	uint64_t srtp_replayed;		/* ... refused as replays (RFC 3711 §3.3.2) */
	uint64_t strangers_dropped;	/* RTP/RTCP from another address and SSRC than the
					 * latched stream's (symmetric) */
};

enum media_event_type {
	MEDIA_EV_DTMF_START,	/* digit began on the TDM side (sent as RFC 4733 if te_pt) */
	MEDIA_EV_DTMF_END,	/* digit ended; duration_ms set */
	MEDIA_EV_RTP_TIMEOUT,	/* no valid RTP for rtp_timeout_ms (silent_ms: how long) */
	MEDIA_EV_REMOVED,	/* remove done: the channel's fds may be closed */
	MEDIA_EV_RTP_DTMF_START,	/* RFC 4733 digit received (played to the B-channel) */
	MEDIA_EV_RTP_DTMF_END,		/* its end; duration_ms from the events */
	MEDIA_EV_FAX_TONE,	/* ev.fax_tone: a fax tone on the B-channel (fax_detect) */
	MEDIA_EV_FAX_REPORT,	/* ev.fax: the fax report, when the channel leaves FAX/T38 mode
				 * by modify or is removed while in it (before MEDIA_EV_REMOVED) */
	MEDIA_EV_DISCONNECT,	/* ev.disconnect: busy/congestion tone or silence on the B-channel
				 * (sup) */
};

enum media_dtmf_dir {
	MEDIA_DTMF_FROM_TDM,	/* detected in B-channel audio */
	MEDIA_DTMF_FROM_RTP,	/* received as RFC 4733 events */
};

struct media_event {
	enum media_event_type type;
	uint64_t cookie;
	char digit;
	unsigned duration_ms;	/* [ms] */
	enum media_dtmf_dir dir;	/* DTMF events: where the digit came from */
	bool timed_out;		/* MEDIA_EV_RTP_DTMF_END: its end packets were lost */
	unsigned silent_ms;	/* [ms] MEDIA_EV_RTP_TIMEOUT: since the last packet (or since
				 * the stream began or resumed, if none came) */
	struct media_chan_stats stats;	/* MEDIA_EV_REMOVED: the channel's final figures */
	enum media_fax_tone fax_tone;	/* MEDIA_EV_FAX_TONE */
	enum media_disconnect disconnect;	/* MEDIA_EV_DISCONNECT */
	struct media_fax_report fax;	/* MEDIA_EV_FAX_REPORT (media_event may grow; it is
					 * copied by value) */
};

struct media_engine_stats {
	uint64_t tdm_frames;	/* frames read from B-channels */
	uint64_t rtp_sent;
	uint64_t rtp_received;	/* valid packets for a known PT */
	uint64_t rtp_invalid;	/* failed validation or unknown PT; also invalid RTCP */
	uint64_t concealed;	/* frames played out by PLC */
	uint64_t idle;		/* frames played as silence (no stream yet) */
	uint64_t send_errors;
	uint64_t events_dropped;
	uint64_t te_sent;	/* RFC 4733 packets sent (also counted in rtp_sent) */
	uint64_t te_received;	/* RFC 4733 packets accepted (also in rtp_received) */
	uint64_t tdm_read_errors;	/* B-channel reads refused and retried (DAHDI ELAST) */
	uint64_t cpu_ns;	/* [ns] engine thread CPU time */
	unsigned channels;	/* added and not yet handed back by MEDIA_EV_REMOVED */
};

/* Create the engine and start its thread. Return 0, EINVAL, ENOMEM or a syscall errno. */
int media_engine_alloc(struct media_engine **ep, const struct media_engine_params *p);
/* Stop the thread and free every channel still present (their fds stay open). */
void media_engine_free(struct media_engine *e);

/* Add a channel; *chp is its handle until its MEDIA_EV_REMOVED is taken with
 * media_engine_event_get (which frees it). Allocation happens here, in the caller's
 * thread. Return 0, EINVAL, ENOMEM or EAGAIN (command queue full). The API is for one
 * thread (the signalling thread): add, modify, remove and event_get. */
int media_engine_add(struct media_engine *e, const struct media_chan_params *p,
		     struct media_chan **chp);
/* Two B-channels bridged (PRI ⇄ PRI pass-through): every 160-byte block read on one is
 * written to the other, law-converted when the lines differ. The engine does not own the
 * fds: close them after MEDIA_EV_REMOVED. */
struct media_bridge_params {
	uint64_t cookie;		/* caller's id, echoed in events */
	int fd_a, fd_b;			/* B-channels: non-blocking, 160-byte blocks */
	enum g711_law law_a, law_b;	/* each line's law */
	/* disconnect supervision of what each line sends (an FXO port's), raised as
	 * MEDIA_EV_DISCONNECT as in a channel; all empty: none */
	struct media_line_sup sup_a, sup_b;
};

/* Add a bridge; *chp is its handle as for a channel (media_engine_remove ends it with
 * MEDIA_EV_REMOVED, its stats zero; modify refuses it). Return 0, EINVAL, ENOMEM or
 * EAGAIN (command queue full). */
int media_engine_add_bridge(struct media_engine *e, const struct media_bridge_params *p,
			    struct media_chan **chp);

/* Change remote address, PT, ptime, RTP timeout, TDM law, symmetric learning, direction
 * (no_send, no_recv),
 * the telephone-event PTs, fax_detect and the mode of a channel (other fields of p are
 * ignored; te_pt sends only if the channel was added with dtmf_detect or te_pt). Entering
 * T38 starts a fresh T.38 gateway on the channel's UDP socket (no RTCP meanwhile); T38 with
 * equal t38 terms keeps the session (a refresh must not restart the fax) and takes only
 * remote and max_datagram; leaving FAX or T38 (or replacing the T.38 session) posts
 * MEDIA_EV_FAX_REPORT. A mode that cannot start (no memory) is logged and leaves the
 * channel in AUDIO. Return 0, EINVAL (also once the channel is
 * being removed) or EAGAIN (command queue full). */
int media_engine_modify(struct media_engine *e, struct media_chan *ch,
			const struct media_chan_params *p);
/* Send an RFC 4733 event of duration_ms [ms] on a channel's stream, as its digits are sent
 * (the telephone-event PT it was given; after a digit in progress): for what the line
 * signals other than by tone, event 16 for a hook flash (RFC 4733 §3.2 keeps RFC 2833's
 * code). A channel without a telephone-event PT, or not in AUDIO mode, logs and drops it.
 * Return 0, EINVAL (a bridge, or being removed) or EAGAIN (command queue full). */
int media_engine_send_event(struct media_engine *e, struct media_chan *ch, uint8_t event,
			    unsigned duration_ms);
/* Remove a channel; MEDIA_EV_REMOVED follows, always (neither the request nor the event
 * can be refused by a full queue: both travel on the channel's own node). Until that
 * event, the engine may still use the channel's fds: close them only after it. A second
 * remove of the same channel is a no-op. Return 0, or EINVAL for a NULL argument. */
int media_engine_remove(struct media_engine *e, struct media_chan *ch);

/* An eventfd that is readable exactly while events are queued. */
int media_engine_event_fd(const struct media_engine *e);
/* Take one event: 0, or EAGAIN when none is queued. Events other than REMOVED are dropped
 * (counted in events_dropped) while queue_len of them wait; REMOVED never is, and comes
 * after the channel's other events. Taking REMOVED frees the channel's handle. */
int media_engine_event_get(struct media_engine *e, struct media_event *ev);

void media_engine_stats(struct media_engine *e, struct media_engine_stats *st);

#endif
