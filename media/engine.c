/* The media engine thread: epoll over B-channel fds and RTP sockets, TDM-paced. */
#include "media/engine_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "media/rtp.h"

#define MAX_EPOLL_EVENTS 256
#define SWEEP_US	1000000	/* [µs] RTP timeout check period */
#define CONNECT_IDLE_US	100000	/* [µs] connected peer quiet this long: hear its stream
				 * from a new address again (NAT rebinding) */

static void post_event(struct media_engine *e, const struct media_event *ev)
{
	if (mq_push(&e->events, ev))
		e->local.events_dropped++;
}

void engine_send_failed(struct media_engine *e, struct media_chan *ch)
{
	unsigned sup;

	e->local.send_errors++;
	if (log_ratelimit_ok(&e->rl_send, clock_now_us() / 1000, 5, 10000, &sup))
		LOGW(LS_RTP, "channel %llu: RTP send: %s (%u suppressed)",
		     (unsigned long long)ch->cookie, strerror(errno), sup);
}

/* Return what pipe_modify does (rep: the fax report of a mode left). */
static int apply_params(struct media_chan *ch, const struct media_chan_params *p,
			struct media_fax_report *rep)
{
	int err = pipe_modify(&ch->pipe, p, rep);

	if (ch->connected && !engine_same_addr(&p->remote, &ch->remote))
		engine_rtp_disconnect(ch);
	ch->remote = p->remote;
	ch->remote_len = engine_addr_len(&p->remote);
	ch->symmetric = p->symmetric;
	ch->rtp_timeout_ms = p->rtp_timeout_ms;
	ch->latched = false;
	ch->rtcp_remote_len = 0;		/* learn the peer's RTCP source again */
	return err;
}

static const char *const mode_names[] = { "audio", "fax pass-through", "T.38" };

static void post_fax_report(struct media_engine *e, struct media_chan *ch,
			    const struct media_fax_report *rep)
{
	struct media_event ev = { .type = MEDIA_EV_FAX_REPORT, .cookie = ch->cookie, .fax = *rep };

	post_event(e, &ev);
}

static void chan_free(struct media_chan *ch)
{
	if (!ch)
		return;
	if (!ch->bridge)
		pipe_release(&ch->pipe);
	else
		pipe_tdm_release(&ch->tdm);
	free(ch);
}

/* ---- media thread ---- */

static int ep_add(struct media_engine *e, int fd, struct media_chan *ch, unsigned tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uintptr_t)ch | tag };

	return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}

static void chan_unlink(struct media_engine *e, struct media_chan *ch)
{
	if (!ch->tdm_dead)
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, ch->tdm_fd, NULL);
	if (ch->bridge && !ch->b_dead)
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, ch->tdm_fd_b, NULL);
	if (!ch->bridge)
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, ch->rtp_fd, NULL);
	if (ch->rtcp_fd > 0)
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, ch->rtcp_fd, NULL);
	if (ch->prev)
		ch->prev->next = ch->next;
	else
		e->chans = ch->next;
	if (ch->next)
		ch->next->prev = ch->prev;
}


static void do_cmd(struct media_engine *e, struct cmd *c, uint64_t now)
{
	struct media_chan *ch = c->ch;
	int err;

	switch (c->type) {
	case CMD_ADD:
		ch->last_rx_us = now;
		ch->next = e->chans;
		if (e->chans)
			e->chans->prev = ch;
		e->chans = ch;
		if (ch->bridge) {
			err = ep_add(e, ch->tdm_fd, ch, TAG_BRIDGE_A);
			if (!err)
				err = ep_add(e, ch->tdm_fd_b, ch, TAG_BRIDGE_B);
			if (err)
				LOGE(LS_RTP, "bridge %llu: epoll add: %s",
				     (unsigned long long)ch->cookie, strerror(err));
			break;
		}
		err = ep_add(e, ch->tdm_fd, ch, TAG_TDM);
		if (!err)
			err = ep_add(e, ch->rtp_fd, ch, TAG_RTP);
		if (!err && ch->rtcp_fd > 0) {
			err = ep_add(e, ch->rtcp_fd, ch, TAG_RTCP);
			engine_rtcp_schedule(e, ch, now, true);
		}
		if (err)
			LOGE(LS_RTP, "channel %llu: epoll add: %s", (unsigned long long)ch->cookie,
			     strerror(err));
		break;
	case CMD_MODIFY: {
		enum media_mode was = ch->pipe.mode;
		struct media_fax_report rep;

		if ((ch->pipe.no_recv || ch->pipe.no_send) && !c->p.no_recv && !c->p.no_send) {
			/* resuming: a full timeout again */
			ch->last_rx_us = now;
			ch->timed_out = false;
		}
		err = apply_params(ch, &c->p, &rep);
		if (rep.valid)
			post_fax_report(e, ch, &rep);
		if (err)
			LOGE(LS_RTP, "channel %llu: %s mode: %s; audio instead",
			     (unsigned long long)ch->cookie, mode_names[c->p.mode], strerror(err));
		if (ch->pipe.mode != was || rep.valid) {	/* a new stream: a full timeout */
			LOGI(LS_RTP, "channel %llu: %s -> %s%s", (unsigned long long)ch->cookie,
			     mode_names[was], mode_names[ch->pipe.mode],
			     ch->pipe.mode == was ? " (new session)" : "");
			ch->last_rx_us = now;
			ch->timed_out = false;
			if (was == MEDIA_MODE_T38 && ch->rtcp_fd > 0)
				engine_rtcp_schedule(e, ch, now, false);
		}
		break;
	}
	case CMD_EVENT:
		err = pipe_send_event(&ch->pipe, c->te_event, c->te_ms);
		if (err)
			LOGI(LS_RTP, "channel %llu: RFC 4733 event %u not sent: %s",
			     (unsigned long long)ch->cookie, c->te_event,
			     err == ENOTCONN ? "no telephone-event on the stream" : strerror(err));
		break;
	}
}

/* A remove request taken from the command queue: last RTCP, unlink, and hand the channel
 * back through the event queue's node list (REMOVED cannot be dropped); it is freed by
 * whoever takes that event. */
static void do_remove(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	struct media_event *ev = &ch->removed_ev;

	*ev = (struct media_event){ .type = MEDIA_EV_REMOVED, .cookie = ch->cookie };
	if (ch->rtcp_fd > 0 && ch->pipe.mode != MEDIA_MODE_T38)
		engine_rtcp_send(e, ch, now, true);	/* last report + BYE (§6.6) */
	if (!ch->bridge) {
		struct media_fax_report rep;

		pipe_fax_report(&ch->pipe, &rep);
		if (rep.valid)		/* before REMOVED, which frees the channel */
			post_fax_report(e, ch, &rep);
		pipe_stats(&ch->pipe, &ev->stats);
	}
	chan_unlink(e, ch);
	engine_rtp_disconnect(ch);	/* the caller gets its socket back as it gave it */
	mq_push_node(&e->events, &ch->node);
}

/* pipe_io: one packet to the peer. */
static int chan_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct media_chan *ch = arg;
	struct media_engine *e = ch->e;

	if (engine_rtp_send(ch, pkt, len) < 0) {
		engine_send_failed(e, ch);
		return errno;
	}
	e->local.rtp_sent++;
	e->local.te_sent += te;
	return 0;
}

/* pipe_io: a digit, to the signalling thread. */
static void chan_event(void *arg, const struct media_event *ev)
{
	struct media_chan *ch = arg;
	struct media_event out = *ev;

	out.cookie = ch->cookie;
	post_event(ch->e, &out);
}

static const struct pipe_io chan_io = { .send_h = chan_send, .event_h = chan_event };

#define DAHDI_ELAST 500	/* DAHDI's "read the event first" errno (dahdi/kernel.h) */

/* A B-channel read that did not give one whole block (r: what read() returned, errno
 * set). Return true if the fd is gone for good, after taking it out of the loop. Most
 * errors pass: DAHDI refuses reads with ELAST while an event (an alarm, a hook or dial
 * event) is queued on the channel, until the signalling thread, which watches the channel
 * for POLLPRI, has read it; a call must not go silent for that. Only a closed fd or one
 * the driver no longer knows ends the reading. side: 'a'/'b' for a bridge, else 0. */
static bool tdm_read_failed(struct media_engine *e, struct media_chan *ch, int fd, ssize_t r,
			    const char *what, char side)
{
	int err = r < 0 ? errno : 0;

	if (r > 0 || err == EAGAIN || err == EINTR)
		return false;	/* a short block is not ours to reframe; a spurious wakeup */
	if (r < 0 && err != EBADF && err != ENODEV && err != ENXIO && err != EINVAL) {
		e->local.tdm_read_errors++;
		if (!ch->tdm_err_logged) {	/* once per channel: it repeats every frame */
			ch->tdm_err_logged = true;
			LOGN(LS_RTP, "%s %llu: B-channel%s%.1s read: %s (errno %d%s); reading "
			     "goes on", what, (unsigned long long)ch->cookie, side ? " " : "",
			     &side, strerror(err), err,
			     err == DAHDI_ELAST ? ": DAHDI has an event queued" : "");
		}
		return false;
	}
	LOGW(LS_RTP, "%s %llu: B-channel%s%.1s %s; stop reading it", what,
	     (unsigned long long)ch->cookie, side ? " " : "", &side,
	     r ? strerror(err) : "closed");
	(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
	return true;
}

/* Writing one frame per frame read leaves DAHDI one frame to send: a wake-up of ours 20 ms
 * late and the line sends idle in the middle of the signal. Voice shrugs that off; a fax
 * modem loses its training or its page. So once a channel carries fax, frames of silence
 * go out ahead, before the modems start, and the engine may then be that late without the
 * line noticing (B-channels keep 16 buffers: dahdi_chan_open). Measured in the guest
 * (t-fax-loop.sh, two T.38 gateways in the sanitized daemon under emulation): no cushion,
 * V.17 training and pages fail; 60-100 ms, 2 of 5 faxes pass; 200 ms, every one. T.30's
 * timers are seconds long: the delay costs nothing. */

static void tdm_cushion(struct media_chan *ch)
{
	uint8_t sil[PIPE_TDM_FRAME];

	memset(sil, g711_silence(ch->pipe.tdm_law), sizeof sil);
	for (int i = 0; i < MEDIA_FAX_TX_CUSHION; i++)
		(void)!write(ch->tdm_fd, sil, sizeof sil);
	ch->tdm_cushioned = true;
}

/* One B-channel frame: through the pipeline to RTP, and one frame back (TDM-paced). */
static void on_tdm(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t in[MEDIA_FRAME_SAMPLES], out[MEDIA_FRAME_SAMPLES];
	ssize_t r;

	r = read(ch->tdm_fd, in, sizeof in);
	if (r != (ssize_t)sizeof in) {
		if (tdm_read_failed(e, ch, ch->tdm_fd, r, "channel", 0))
			ch->tdm_dead = true;
		return;
	}
	e->local.tdm_frames++;
	if (ch->connected && now - ch->last_rx_us > CONNECT_IDLE_US)
		engine_rtp_disconnect(ch);
	pipe_from_tdm(&ch->pipe, in, now, ch->remote_len != 0);
	switch (pipe_to_tdm(&ch->pipe, now, out)) {
	case JBUF_CONCEAL:
		e->local.concealed++;
		break;
	case JBUF_IDLE:
		e->local.idle++;
		break;
	default:
		break;
	}
	(void)!write(ch->tdm_fd, out, sizeof out);
	if (ch->pipe.mode != MEDIA_MODE_AUDIO && !ch->tdm_cushioned)
		tdm_cushion(ch);
	if (ch->rtcp_fd > 0 && now >= ch->rtcp_next_us && ch->pipe.mode != MEDIA_MODE_T38)
		engine_rtcp_send(e, ch, now, false);
}

/* A block on one side of a bridge, written to the other (paced by the reading side). */
static void on_bridge(struct media_engine *e, struct media_chan *ch, unsigned side)
{
	uint8_t in[PIPE_TDM_FRAME], out[PIPE_TDM_FRAME];
	int from = side ? ch->tdm_fd_b : ch->tdm_fd, to = side ? ch->tdm_fd : ch->tdm_fd_b;
	ssize_t r = read(from, in, sizeof in);

	if (r != (ssize_t)sizeof in) {
		if (!tdm_read_failed(e, ch, from, r, "bridge", side ? 'b' : 'a'))
			return;
		if (side)
			ch->b_dead = true;
		else
			ch->tdm_dead = true;
		return;
	}
	e->local.tdm_frames++;
	enum media_disconnect d = pipe_tdm_frame(&ch->tdm, side, in, out);
	(void)!write(to, out, sizeof out);	/* a full side drops the block, as DAHDI does */
	if (d) {
		struct media_event ev = { .type = MEDIA_EV_DISCONNECT, .cookie = ch->cookie,
					  .disconnect = d };
		post_event(e, &ev);
	}
}

/* One datagram per readiness: the level-triggered loop comes back for more, which saves
 * the EAGAIN read a drain loop would cost on every wakeup. */
static void on_rtp(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t buf[RTP_BUF_LEN];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	struct media_rx rx;
	ssize_t r;
	int err;

	r = recvfrom(ch->rtp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	if (r < 0)
		return;
	if (ch->symmetric && ch->latched && !engine_same_addr(&from, &ch->remote)) {
		/* Symmetric RTP (RFC 4961) latched: a new address is the same stream behind a
		 * NAT that rebound (its SSRC), never someone else's (RFC 3550 §8.2). UDPTL has
		 * no SSRC: its latch is the address. Peeked before the transport opens the
		 * packet, so a stranger costs SRTP no replay state. */
		uint32_t ssrc = r >= RTP_HDR_LEN ? rtp_peek_ssrc(buf) : 0;

		if (ch->pipe.mode == MEDIA_MODE_T38 || ssrc != ch->latched_ssrc) {
			engine_stranger(ch, "RTP", &from, ssrc);
			return;
		}
	}
	err = pipe_from_net(&ch->pipe, buf, (size_t)r, now, &rx);
	if (err) {
		unsigned sup;

		e->local.rtp_invalid++;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(err == EACCES || err == EALREADY ? LS_SRTP : LS_RTP,
			     "channel %llu: far end sent %s (%u suppressed)",
			     (unsigned long long)ch->cookie, transport_strerror(err), sup);
		return;
	}
	if (ch->symmetric && (!ch->latched || rx.h.ssrc != ch->latched_ssrc ||
			      !engine_same_addr(&from, &ch->remote))) {
		/* Answer where the media comes from: latched on the stream's first packet
		 * (again after each media modify), followed to a new address only with the
		 * same SSRC; the latched address may start a new SSRC (a new stream). */
		if (ch->connected && !engine_same_addr(&from, &ch->remote))
			engine_rtp_disconnect(ch);
		ch->remote = from;
		ch->remote_len = fromlen;
		ch->latched = true;
		ch->latched_ssrc = rx.h.ssrc;
	}
	if (!ch->connected && ch->can_connect && ch->remote_len && engine_same_addr(&from, &ch->remote))
		engine_rtp_connect(ch);
	e->local.te_received += rx.kind == MEDIA_RX_EVENT && !ch->pipe.no_recv;
	e->local.rtp_received++;
	ch->last_rx_us = now;
	ch->timed_out = false;
}

/* No valid RTP (in T.38 mode: no UDPTL, silence_ms if set) for too long, not on hold: say
 * so once. */
static void sweep(struct media_engine *e, uint64_t now)
{
	const uint64_t rtp_limit = (uint64_t)e->p.rtp_timeout_ms * 1000u;

	for (struct media_chan *ch = e->chans; ch; ch = ch->next) {
		uint64_t limit = ch->rtp_timeout_ms ? (uint64_t)ch->rtp_timeout_ms * 1000u
						    : rtp_limit;

		if (!ch->bridge && ch->pipe.mode == MEDIA_MODE_T38 && ch->pipe.t38->p.silence_ms)
			limit = (uint64_t)ch->pipe.t38->p.silence_ms * 1000u;
		/* On hold either way, no timeout: a peer that holds us with sendonly often
		 * sends nothing (no music on hold), and we expect nothing when we hold it. */
		if (limit && !ch->bridge && !ch->timed_out && !ch->pipe.no_recv && !ch->pipe.no_send &&
		    now - ch->last_rx_us > limit) {
			ch->timed_out = true;
			post_event(e, &(struct media_event){ .type = MEDIA_EV_RTP_TIMEOUT,
				.cookie = ch->cookie,
				.silent_ms = (unsigned)((now - ch->last_rx_us) / 1000u) });
		}
	}
}

static void flush_stats(struct media_engine *e)
{
	const uint64_t *v[NSTATS] = { &e->local.tdm_frames, &e->local.rtp_sent,
				      &e->local.rtp_received, &e->local.rtp_invalid,
				      &e->local.concealed, &e->local.idle, &e->local.send_errors,
				      &e->local.events_dropped, &e->local.te_sent,
				      &e->local.te_received, &e->local.tdm_read_errors };

	for (int i = 0; i < NSTATS; i++)
		if (*v[i])
			atomic_store_explicit(&e->st[i], atomic_load_explicit(&e->st[i],
					      memory_order_relaxed) + *v[i], memory_order_relaxed);
	memset(&e->local, 0, sizeof e->local);
}

/* What of a channel a TDM frame touches (up to the PLC's per-frame part), and what an
 * RTP packet does (up to the DTMF stage, then the playout stage's up to its PLC). */
#define PIPE_AT(f) (offsetof(struct media_chan, pipe) + offsetof(struct media_pipe, f))
#define CHAN_TDM_END (PIPE_AT(po) + offsetof(struct stage_playout, cc) + \
		      offsetof(struct conceal, plc) + sizeof(int))
#define CHAN_RTP_END PIPE_AT(dt)
#define CHAN_RTP_PO PIPE_AT(po)
#define CHAN_RTP_PO_END (PIPE_AT(po) + offsetof(struct stage_playout, cc))

static void prefetch_chan(uint64_t d)
{
	const char *p = (const char *)(uintptr_t)(d & ~(uint64_t)TAG_MASK);

	if (!p)
		return;
	if ((d & TAG_MASK) == TAG_TDM) {
		for (size_t k = 0; k < CHAN_TDM_END; k += CACHE_LINE)
			__builtin_prefetch(p + k);
		return;
	}
	for (size_t k = 0; k < CHAN_RTP_END; k += CACHE_LINE)
		__builtin_prefetch(p + k);
	for (size_t k = CHAN_RTP_PO; k < CHAN_RTP_PO_END; k += CACHE_LINE)
		__builtin_prefetch(p + k);
}

static void *engine_main(void *arg)
{
	struct media_engine *e = arg;
	struct epoll_event evs[MAX_EPOLL_EVENTS];
	uint64_t next_sweep = clock_now_us() + SWEEP_US;

	while (!atomic_load(&e->stop)) {
		int n = epoll_wait(e->epfd, evs, MAX_EPOLL_EVENTS, 200);
		uint64_t now = clock_now_us();

		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			struct media_chan *ch = (struct media_chan *)(uintptr_t)(d & ~(uint64_t)TAG_MASK);

			if (i + 1 < n)	/* fetch the next channel while this one is in syscalls */
				prefetch_chan(evs[i + 1].data.u64);
			switch (d & TAG_MASK) {
			case TAG_TDM:
				on_tdm(e, ch, now);
				break;
			case TAG_RTP:
				on_rtp(e, ch, now);
				break;
			case TAG_RTCP:
				engine_on_rtcp(e, ch, now);
				break;
			case TAG_BRIDGE_A:
			case TAG_BRIDGE_B:
				on_bridge(e, ch, (d & TAG_MASK) == TAG_BRIDGE_B);
				break;
			case TAG_CMD: {
				struct mq_node *rm;
				struct cmd c;

				while (!mq_pop(&e->cmds, &c, &rm)) {
					if (!rm) {
						do_cmd(e, &c, now);
						continue;
					}
					do_remove(e, CHAN_OF(rm), now);
					/* A removed channel may have later events in this batch. */
					for (int j = i + 1; j < n; j++)
						if ((evs[j].data.u64 & ~(uint64_t)TAG_MASK) ==
						    (uintptr_t)CHAN_OF(rm))
							evs[j].data.u64 = TAG_NONE;
				}
				break;
			}
			}
		}
		if (now >= next_sweep) {
			sweep(e, now);
			next_sweep = now + SWEEP_US;
		}
		flush_stats(e);
	}
	return NULL;
}

/* ---- signalling-thread API ---- */

int media_engine_alloc(struct media_engine **ep, const struct media_engine_params *p)
{
	struct media_engine *e;
	unsigned qlen;
	int err;

	if (!ep || !p)
		return EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return ENOMEM;
	e->p = *p;
	if (!e->p.jb_min_ms)
		e->p.jb_min_ms = 20;
	if (!e->p.jb_max_ms)
		e->p.jb_max_ms = 200;
	if (!e->p.rtcp_interval_ms)
		e->p.rtcp_interval_ms = RTCP_INTERVAL_MS;
	qlen = p->queue_len ? p->queue_len : 4096;
	e->epfd = -1;
	e->cmds.fd = e->events.fd = -1;
	atomic_init(&e->stop, false);
	for (int i = 0; i < NSTATS; i++)
		atomic_init(&e->st[i], 0);

	err = mq_init(&e->cmds, qlen, sizeof(struct cmd));
	if (!err)
		err = mq_init(&e->events, qlen, sizeof(struct media_event));
	if (err)
		goto out;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		err = errno;
		goto out;
	}
	err = ep_add(e, mq_fd(&e->cmds), NULL, TAG_CMD);
	if (err)
		goto out;
	err = pthread_create(&e->thread, NULL, engine_main, e);
	if (err)
		goto out;
	e->running = true;
	*ep = e;
	return 0;
out:
	media_engine_free(e);
	return err;
}

void media_engine_free(struct media_engine *e)
{
	struct mq_node *n;
	struct cmd c;

	if (!e)
		return;
	if (e->running) {
		uint64_t one = 1;

		atomic_store(&e->stop, true);
		(void)!write(mq_fd(&e->cmds), &one, sizeof one);	/* wake it; it exits */
		pthread_join(e->thread, NULL);
	}
	/* Channels added but never picked up join the loop's list (a remove request for
	 * one names a channel on it), then that list and the removed not yet taken. */
	while (e->cmds.buf && !mq_pop(&e->cmds, &c, &n)) {
		if (n || c.type != CMD_ADD)
			continue;
		c.ch->prev = NULL;
		c.ch->next = e->chans;
		if (e->chans)
			e->chans->prev = c.ch;
		e->chans = c.ch;
	}
	while (e->chans) {
		struct media_chan *ch = e->chans;

		e->chans = ch->next;
		engine_rtp_disconnect(ch);
		chan_free(ch);
	}
	while (e->events.buf && !mq_pop(&e->events, &(struct media_event){ 0 }, &n))
		if (n)
			chan_free(CHAN_OF(n));
	if (e->epfd >= 0)
		close(e->epfd);
	mq_destroy(&e->cmds);
	mq_destroy(&e->events);
	free(e);
}

static int valid_params(const struct media_chan_params *p)
{
	if (p->pt != 0 && p->pt != 8)
		return EINVAL;
	if (p->ptime_ms && p->ptime_ms != 10 && p->ptime_ms != 20 && p->ptime_ms != 30 &&
	    p->ptime_ms != 40)
		return EINVAL;
	if (p->tdm_law != G711_LAW_ALAW && p->tdm_law != G711_LAW_ULAW)
		return EINVAL;
	if (p->remote.ss_family != AF_UNSPEC && !engine_addr_len(&p->remote))
		return EINVAL;
	if (p->te_pt < -1 || p->te_pt > 127 || (p->te_pt > 0 && p->te_pt == p->pt) ||
	    p->rx_te_pt < -1 || p->rx_te_pt > 127 || (p->rx_te_pt > 0 && p->rx_te_pt == p->pt))
		return EINVAL;
	if (!memchr(p->cname, 0, sizeof p->cname))
		return EINVAL;
	if (p->mode != MEDIA_MODE_AUDIO && p->mode != MEDIA_MODE_FAX && p->mode != MEDIA_MODE_T38)
		return EINVAL;
	if (p->mode == MEDIA_MODE_T38 && p->t38.version > 3)
		return EINVAL;
	if (!memchr(p->sup.busy, 0, sizeof p->sup.busy) ||
	    !memchr(p->sup.congestion, 0, sizeof p->sup.congestion))
		return EINVAL;
	return 0;
}

int media_engine_add(struct media_engine *e, const struct media_chan_params *p,
		     struct media_chan **chp)
{
	struct media_chan *ch;
	struct cmd c = { .type = CMD_ADD };
	const struct jbuf_params jp = { .frame_ms = 20, .min_ms = e->p.jb_min_ms,
					.max_ms = e->p.jb_max_ms, .clock_rate = 8000,
					.max_payload = MEDIA_FRAME_SAMPLES };
	int err;

	if (!e || !p || !chp || p->tdm_fd < 0 || p->rtp_fd < 0)
		return EINVAL;
	err = valid_params(p);
	if (err)
		return err;
	/* On a cache line of its own: the fields every frame touches span the fewest. */
	ch = aligned_alloc(CACHE_LINE, (sizeof(*ch) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1));
	if (!ch)
		return ENOMEM;
	memset(ch, 0, sizeof(*ch));
	ch->e = e;
	ch->cookie = p->cookie;
	ch->tdm_fd = p->tdm_fd;
	ch->rtp_fd = p->rtp_fd;
	ch->rtcp_fd = p->rtcp_fd > 0 ? p->rtcp_fd : -1;
	ch->can_connect = engine_bound_to_one_address(ch);
	ch->rng = (p->ssrc ^ (uint32_t)p->cookie ^ (uint32_t)(uintptr_t)ch) | 1;
	if (p->cname[0])
		memcpy(ch->cname, p->cname, sizeof ch->cname);
	else
		snprintf(ch->cname, sizeof ch->cname, "strowger-%08x", (unsigned)p->ssrc);
	err = pipe_init(&ch->pipe, p, &jp, &chan_io, ch);
	if (err) {
		free(ch);
		return err;
	}
	(void)apply_params(ch, p, &(struct media_fax_report){ 0 });	/* same mode: no-op there */
	c.ch = ch;
	err = mq_push(&e->cmds, &c);
	if (err)
		goto out;
	atomic_fetch_add_explicit(&e->live, 1, memory_order_relaxed);
	*chp = ch;
	return 0;
out:
	chan_free(ch);
	return err;
}

int media_engine_add_bridge(struct media_engine *e, const struct media_bridge_params *p,
			    struct media_chan **chp)
{
	struct media_chan *ch;
	struct cmd c = { .type = CMD_ADD };
	int err;

	if (!e || !p || !chp || p->fd_a < 0 || p->fd_b < 0 || p->fd_a == p->fd_b)
		return EINVAL;
	if ((p->law_a != G711_LAW_ALAW && p->law_a != G711_LAW_ULAW) ||
	    (p->law_b != G711_LAW_ALAW && p->law_b != G711_LAW_ULAW))
		return EINVAL;
	ch = aligned_alloc(CACHE_LINE, (sizeof(*ch) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1));
	if (!ch)
		return ENOMEM;
	memset(ch, 0, sizeof(*ch));
	ch->e = e;
	ch->bridge = true;
	ch->cookie = p->cookie;
	ch->tdm_fd = p->fd_a;
	ch->tdm_fd_b = p->fd_b;
	ch->rtp_fd = ch->rtcp_fd = -1;
	err = pipe_tdm_init(&ch->tdm, p->law_a, p->law_b, &p->sup_a, &p->sup_b);
	if (err) {
		free(ch);
		return err;
	}
	c.ch = ch;
	err = mq_push(&e->cmds, &c);
	if (err) {
		pipe_tdm_release(&ch->tdm);
		free(ch);
		return err;
	}
	atomic_fetch_add_explicit(&e->live, 1, memory_order_relaxed);
	*chp = ch;
	return 0;
}

int media_engine_modify(struct media_engine *e, struct media_chan *ch,
			const struct media_chan_params *p)
{
	struct cmd c = { .type = CMD_MODIFY, .ch = ch };
	int err;

	if (!e || !ch || !p)
		return EINVAL;
	if (ch->remove_requested || ch->bridge)	/* leaving, or nothing to change */
		return EINVAL;
	err = valid_params(p);
	if (err)
		return err;
	c.p = *p;
	return mq_push(&e->cmds, &c);
}

int media_engine_send_event(struct media_engine *e, struct media_chan *ch, uint8_t event,
			    unsigned duration_ms)
{
	struct cmd c = { .type = CMD_EVENT, .ch = ch, .te_event = event, .te_ms = duration_ms };

	if (!e || !ch || ch->remove_requested || ch->bridge)
		return EINVAL;
	return mq_push(&e->cmds, &c);
}

int media_engine_remove(struct media_engine *e, struct media_chan *ch)
{
	if (!e || !ch)
		return EINVAL;
	if (!ch->remove_requested) {	/* a second remove is the first one still */
		ch->remove_requested = true;
		mq_push_node(&e->cmds, &ch->node);
	}
	return 0;
}

int media_engine_event_fd(const struct media_engine *e)
{
	return mq_fd(&e->events);
}

int media_engine_event_get(struct media_engine *e, struct media_event *ev)
{
	struct mq_node *n;
	int err = mq_pop(&e->events, ev, &n);

	if (!err && n) {	/* REMOVED: the channel is done with; free it here */
		struct media_chan *ch = CHAN_OF(n);

		*ev = ch->removed_ev;
		chan_free(ch);
		atomic_fetch_sub_explicit(&e->live, 1, memory_order_relaxed);
	}
	return err;
}

void media_engine_stats(struct media_engine *e, struct media_engine_stats *st)
{
	uint64_t v[NSTATS];
	clockid_t cid;
	struct timespec ts;

	for (int i = 0; i < NSTATS; i++)
		v[i] = atomic_load_explicit(&e->st[i], memory_order_relaxed);
	*st = (struct media_engine_stats){
		.tdm_frames = v[ST_FRAMES], .rtp_sent = v[ST_SENT], .rtp_received = v[ST_RECV],
		.rtp_invalid = v[ST_INVALID], .concealed = v[ST_CONCEAL], .idle = v[ST_IDLE],
		.send_errors = v[ST_SENDERR], .events_dropped = v[ST_EVDROP],
		.te_sent = v[ST_TE_SENT], .te_received = v[ST_TE_RECV],
		.tdm_read_errors = v[ST_TDM_ERR],
		.channels = atomic_load_explicit(&e->live, memory_order_relaxed),
	};
	if (e->running && !pthread_getcpuclockid(e->thread, &cid) &&
	    !clock_gettime(cid, &ts))
		st->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
