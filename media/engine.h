/* The media engine: one thread with its own epoll loop joining many B-channel fds to RTP
 * sockets (DESIGN.md §2). Commands arrive from the signalling thread through a queue +
 * eventfd; events (DTMF, RTP timeout, channel removed) go back through another. */
#ifndef STROWGER_MEDIA_ENGINE_H
#define STROWGER_MEDIA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/g711.h"

#define MEDIA_FRAME_SAMPLES 160	/* [samples] 20 ms at 8 kHz: one B-channel block */

struct media_engine;
struct media_chan;

struct media_engine_params {
	unsigned rtp_timeout_ms;	/* [ms] no RTP for this long → event; 0 = never */
	unsigned jb_min_ms;		/* [ms] jitter buffer bounds; 0 → 20 */
	unsigned jb_max_ms;		/* [ms] 0 → 200 */
	unsigned queue_len;		/* commands and events each; 0 → 4096 */
};

/* One channel. The engine does not own the fds: close them after MEDIA_EV_REMOVED. */
struct media_chan_params {
	uint64_t cookie;		/* caller's id, echoed in events */
	int tdm_fd;			/* B-channel: non-blocking, 160-byte blocks */
	int rtp_fd;			/* bound UDP socket, non-blocking */
	struct sockaddr_storage remote;	/* RTP peer; family AF_UNSPEC = not known yet */
	enum g711_law tdm_law;		/* the line's law: A-law on E1, µ-law on T1 */
	uint8_t pt;			/* RTP payload type: 0 (PCMU) or 8 (PCMA) */
	bool symmetric;			/* learn the peer from received RTP (RFC 4961 style) */
	bool dtmf_detect;		/* detect DTMF in TDM audio, keep it out of RTP */
	/* RFC 4733 telephone-events (-1 or 0: none). te_pt: PT we send digits detected on
	 * the B-channel with (turns detection on); without it they are muted and only
	 * reported. rx_te_pt: PT we accept events on; they play as tones into the
	 * B-channel. Both may differ (each side's SDP names its own). */
	int te_pt;
	int rx_te_pt;
	uint32_t ssrc;			/* RTP stream: initial values, normally random */
	uint16_t seq0;
	uint32_t ts0;
};

enum media_event_type {
	MEDIA_EV_DTMF_START,	/* digit began on the TDM side (sent as RFC 4733 if te_pt) */
	MEDIA_EV_DTMF_END,	/* digit ended; duration_ms set */
	MEDIA_EV_RTP_TIMEOUT,	/* no valid RTP for rtp_timeout_ms */
	MEDIA_EV_REMOVED,	/* remove done: the channel's fds may be closed */
	MEDIA_EV_RTP_DTMF_START,	/* RFC 4733 digit received (played to the B-channel) */
	MEDIA_EV_RTP_DTMF_END,		/* its end; duration_ms from the events */
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
};

struct media_engine_stats {
	uint64_t tdm_frames;	/* frames read from B-channels */
	uint64_t rtp_sent;
	uint64_t rtp_received;	/* valid packets for a known PT */
	uint64_t rtp_invalid;	/* failed validation or unknown PT */
	uint64_t concealed;	/* frames played out by PLC */
	uint64_t idle;		/* frames played as silence (no stream yet) */
	uint64_t send_errors;
	uint64_t events_dropped;
	uint64_t te_sent;	/* RFC 4733 packets sent (also counted in rtp_sent) */
	uint64_t te_received;	/* RFC 4733 packets accepted (also in rtp_received) */
	uint64_t cpu_ns;	/* [ns] engine thread CPU time */
};

/* Create the engine and start its thread. Return 0, EINVAL, ENOMEM or a syscall errno. */
int media_engine_alloc(struct media_engine **ep, const struct media_engine_params *p);
/* Stop the thread and free every channel still present (their fds stay open). */
void media_engine_free(struct media_engine *e);

/* Add a channel; *chp is its handle until MEDIA_EV_REMOVED. Allocation happens here, in
 * the caller's thread. Return 0, EINVAL, ENOMEM or EAGAIN (command queue full). */
int media_engine_add(struct media_engine *e, const struct media_chan_params *p,
		     struct media_chan **chp);
/* Change remote address, PT, TDM law, symmetric learning and the telephone-event PTs of a
 * channel (other fields of p are ignored; te_pt sends only if the channel was added with
 * dtmf_detect or te_pt). Return 0, EINVAL or EAGAIN. */
int media_engine_modify(struct media_engine *e, struct media_chan *ch,
			const struct media_chan_params *p);
/* Remove a channel; MEDIA_EV_REMOVED follows. Return 0 or EAGAIN. */
int media_engine_remove(struct media_engine *e, struct media_chan *ch);

/* An eventfd that is readable while events are queued. */
int media_engine_event_fd(const struct media_engine *e);
/* Take one event: 0, or EAGAIN when none is queued. */
int media_engine_event_get(struct media_engine *e, struct media_event *ev);

void media_engine_stats(struct media_engine *e, struct media_engine_stats *st);

#endif
