/*
 * A media channel's pipeline, I/O-free: a TDM endpoint's frames on one side, a packet
 * transport's packets on the other, and between them a fixed chain of per-frame stages.
 *
 *   B-channel frame ─▶ DTMF detect/mute + RFC 4733 out ─▶ law conversion ─▶ RTP ─▶ seal ─▶ send_h
 *   B-channel frame ◀─ RFC 4733 tones ◀─ jitter buffer + PLC + law ◀─ RTP ◀─ open ◀─ datagram
 *
 * The engine owns the fds: it reads a frame and calls pipe_from_tdm (packets come back
 * through io->send_h, digits through io->event_h), hands each datagram to pipe_from_net,
 * and writes what pipe_to_tdm returns. The stages are called directly (they are fixed);
 * the transport (plain RTP or SRTP) is a vtable (transport.h).
 *
 * The mode (enum media_mode) picks the chain: AUDIO as above (with fax tone detection when
 * asked, and disconnect supervision by tone and silence when asked: stage_disconnect.h);
 * FAX is G.711 pass-through (a fixed jitter buffer, no PLC, no DTMF or RFC 4733,
 * V.21 listeners for the fax report); T38 replaces the chain and the transport by the T.38
 * gateway stage (stage_t38gw.h), its UDPTL datagrams on the same packet path.
 */
#ifndef STROWGER_MEDIA_PIPE_H
#define STROWGER_MEDIA_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "media/engine.h"
#include "media/jbuf.h"
#include "media/rtcp.h"
#include "media/reframe.h"
#include "media/rtp.h"
#include "media/stage_dtmf.h"
#include "media/stage_disconnect.h"
#include "media/stage_faxdetect.h"
#include "media/stage_playout.h"
#include "media/stage_t38gw.h"
#include "media/transport.h"

struct pipe_io {
	/* Send one packet (len bytes) to the peer; te: an RFC 4733 one. Return 0 or an
	 * errno value (the packet is not counted as sent). */
	int (*send_h)(void *arg, const uint8_t *pkt, size_t len, bool te);
	/* A digit detected or received (type, digit, dir, duration_ms, timed_out set). */
	void (*event_h)(void *arg, const struct media_event *ev);
};

/* Embedded in its channel; the fields a frame touches first, the PLC's history last. */
struct pipe_fax;	/* MEDIA_MODE_FAX's state (pipe.c) */

struct media_pipe {
	const struct pipe_io *io;
	void *arg;
	enum g711_law tdm_law, rtp_law;
	enum media_mode mode;
	bool no_send, no_recv;			/* direction (RFC 3264 hold) */
	bool peer;				/* T38: a peer address is known */
	bool we_sent;				/* RTP sent since the last RTCP report */
	bool have_src;				/* src describes the peer's stream */
	uint32_t src_ssrc;
	struct rtp_packetiser pk;		/* our stream's numbering */
	struct media_transport *tr;		/* &rtp_tr, or an SRTP one (allocated) */
	struct media_transport rtp_tr;
	struct rtcp_source src;			/* receiver statistics, RFC 3550 §A.1 */
	struct media_chan_stats st;		/* counters; loss/jitter filled by pipe_stats */
	struct stage_faxdetect *fd;		/* AUDIO with fax_detect, else NULL */
	unsigned fax_raised;			/* fax tones reported (1 << kind), per channel */
	struct stage_disconnect *sup;		/* AUDIO with line supervision, else NULL */
	struct stage_dtmf dt;			/* TDM → network */
	struct stage_playout po;		/* network → TDM (ends with the PLC) */
	struct pipe_fax *fax;			/* MEDIA_MODE_FAX, else NULL */
	struct stage_t38gw *t38;		/* MEDIA_MODE_T38, else NULL */
	/* Packetisation (RFC 4566 a=ptime): we send ptime_samples a packet, from txbuf
	 * (RTP law) where 20 ms frames gather for 30/40 ms; received packets of any size
	 * become 20 ms frames through rf. */
	unsigned ptime_samples;			/* [samples] 80, 160, 240 or 320 */
	unsigned txlen;				/* [samples] waiting in txbuf */
	uint8_t txbuf[MEDIA_PTIME_MAX_SAMPLES];
	struct reframe rf;
};

/* Set up from the channel's parameters (tdm_law, pt, te PTs, dtmf_detect, direction,
 * ssrc/seq0/ts0, mode, fax_detect, t38) and the jitter buffer's bounds. Return 0, EINVAL
 * (bad t38 parameters) or ENOMEM. */
int pipe_init(struct media_pipe *p, const struct media_chan_params *cp,
	      const struct jbuf_params *jp, const struct pipe_io *io, void *arg);
void pipe_release(struct media_pipe *p);
/* Apply a modify: laws, PT, ptime, telephone-event PTs, direction, fax detection, mode. Leaving
 * FAX or T38 (or a T38 session replaced by one with other terms) fills *rep with how the
 * fax went (rep->valid), else rep->valid is false; T38 with the same terms keeps the
 * session and takes only a new max_datagram. Return 0, or ENOMEM/EINVAL when the new mode
 * could not start (the pipe is then in AUDIO). Allocates: not per frame. */
int pipe_modify(struct media_pipe *p, const struct media_chan_params *cp,
		struct media_fax_report *rep);
/* Send an RFC 4733 event (event 16: a hook flash) of ms [ms] in AUDIO mode (stage_dtmf).
 * Return 0, ENOTCONN (no telephone-event negotiated, or not in AUDIO) or EBUSY. */
int pipe_send_event(struct media_pipe *p, uint8_t event, unsigned ms);
/* How the fax goes in FAX or T38 mode (rep->valid false in AUDIO). */
void pipe_fax_report(const struct media_pipe *p, struct media_fax_report *rep);

/* One B-channel frame (160 bytes, tdm law) at now [µs]. peer: a peer address is known;
 * without one, packets are numbered (the stream's clock runs) but not sent. */
void pipe_from_tdm(struct media_pipe *p, const uint8_t *in, uint64_t now, bool peer);
/* One datagram from the peer (opened in place). Return 0 with *rx describing it, or the
 * transport's errno (invalid: count and drop). */
int pipe_from_net(struct media_pipe *p, uint8_t *pkt, size_t len, uint64_t now,
		  struct media_rx *rx);
/* The frame to write to the B-channel now (160 bytes, tdm law). Return what the jitter
 * buffer had (JBUF_CONCEAL: PLC filled it; JBUF_IDLE: silence). */
enum jbuf_result pipe_to_tdm(struct media_pipe *p, uint64_t now, uint8_t *out);

/* The channel's figures now. */
void pipe_stats(const struct media_pipe *p, struct media_chan_stats *st);

#endif
