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
 * the transport (plain RTP today, SRTP later) is a vtable (transport.h).
 */
#ifndef STROWGER_MEDIA_PIPE_H
#define STROWGER_MEDIA_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "media/engine.h"
#include "media/jbuf.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/stage_dtmf.h"
#include "media/stage_playout.h"
#include "media/transport.h"

struct pipe_io {
	/* Send one packet (len bytes) to the peer; te: an RFC 4733 one. Return 0 or an
	 * errno value (the packet is not counted as sent). */
	int (*send_h)(void *arg, const uint8_t *pkt, size_t len, bool te);
	/* A digit detected or received (type, digit, dir, duration_ms, timed_out set). */
	void (*event_h)(void *arg, const struct media_event *ev);
};

/* Embedded in its channel; the fields a frame touches first, the PLC's history last. */
struct media_pipe {
	const struct pipe_io *io;
	void *arg;
	enum g711_law tdm_law, rtp_law;
	bool no_send, no_recv;			/* direction (RFC 3264 hold) */
	bool we_sent;				/* RTP sent since the last RTCP report */
	bool have_src;				/* src describes the peer's stream */
	uint32_t src_ssrc;
	struct rtp_packetiser pk;		/* our stream's numbering */
	struct media_transport tr;
	struct rtcp_source src;			/* receiver statistics, RFC 3550 §A.1 */
	struct media_chan_stats st;		/* counters; loss/jitter filled by pipe_stats */
	struct stage_dtmf dt;			/* TDM → network */
	struct stage_playout po;		/* network → TDM (ends with the PLC) */
};

/* Set up from the channel's parameters (tdm_law, pt, te PTs, dtmf_detect, direction,
 * ssrc/seq0/ts0) and the jitter buffer's bounds. Return 0 or ENOMEM. */
int pipe_init(struct media_pipe *p, const struct media_chan_params *cp,
	      const struct jbuf_params *jp, const struct pipe_io *io, void *arg);
void pipe_release(struct media_pipe *p);
/* Apply a modify: laws, PT, telephone-event PTs, direction. */
void pipe_modify(struct media_pipe *p, const struct media_chan_params *cp);

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
