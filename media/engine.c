/* The media engine thread: epoll over B-channel fds and RTP sockets, TDM-paced. */
#include "media/engine.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spandsp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "media/pipe.h"
#include "media/pipe_tdm.h"
#include "media/queue.h"
#include "media/rtcp.h"
#include "media/rtp.h"

#define MAX_EPOLL_EVENTS 256
#define RTP_BUF_LEN	1500	/* [bytes] */
#define SWEEP_US	1000000	/* [µs] RTP timeout check period */
#define SAMPLES_PER_MS	8	/* RTP clock of G.711 and its telephone-events */
#define NSTATS		10
#define RTCP_INTERVAL_MS 5000	/* RFC 3550 §6.2 minimum */
#define NTP_UNIX_OFFSET	2208988800u	/* [s] 1900-01-01 to 1970-01-01 */
#define CONNECT_IDLE_US	100000	/* [µs] connected peer quiet this long: hear anyone again */
#define CACHE_LINE	64	/* [bytes] */

/* epoll data tags in the low bits of the channel pointer (channels are line-aligned) */
enum { TAG_TDM = 0, TAG_RTP = 1, TAG_CMD = 2, TAG_NONE = 3, TAG_RTCP = 4, TAG_BRIDGE_A = 5,
       TAG_BRIDGE_B = 6, TAG_MASK = 7 };
_Static_assert(CACHE_LINE > TAG_MASK, "epoll tags need 3 free pointer bits");

struct media_chan {
	/* Touched by every frame or packet, together at the start: with a thousand
	 * channels the engine's time goes to cache misses as much as to work. */
	int tdm_fd, rtp_fd;
	bool tdm_dead;
	bool connected;				/* rtp_fd connect()ed to remote */
	bool can_connect;			/* rtp_fd bound to one address (rtp_connect) */
	bool symmetric, latched;
	bool timed_out;
	socklen_t remote_len;			/* 0: peer unknown, nothing is sent */
	uint32_t latched_ssrc;
	int rtcp_fd;				/* ≤ 0: none */
	uint64_t last_rx_us;			/* [µs] last valid RTP */
	uint64_t rtcp_next_us;			/* [µs] next report due */
	struct media_engine *e;
	struct media_pipe pipe;			/* the frames' and packets' work */
	struct sockaddr_storage remote;		/* per frame only while not connected */

	/* Signalling, RTCP reports */
	struct media_chan *prev, *next;		/* engine's list (media thread only) */
	uint64_t cookie;
	struct sockaddr_storage local;		/* rtp_fd's address, as bound */
	socklen_t local_len;
	struct sockaddr_storage rtcp_remote;	/* learned from the peer's RTCP */
	socklen_t rtcp_remote_len;		/* 0: RTP peer's address, port + 1 */
	char cname[64];				/* SDES CNAME (RFC 3550 §6.5.1) */
	uint32_t rng;				/* xorshift32 state for the interval */
	uint32_t lsr;				/* peer's last SR, NTP middle 32 bits */
	uint64_t lsr_arrival_us;		/* [µs] when it came */

	/* A TDM ⇄ TDM bridge instead (no pipe, no RTP): tdm_fd is side a. */
	bool bridge;
	bool b_dead;				/* side b's fd failed */
	int tdm_fd_b;
	struct pipe_tdm tdm;

	/* Removal never fails and its event is never lost: the remove request and then
	 * the REMOVED event travel as this node on the queues' unbounded lists. The
	 * channel is freed by whoever takes REMOVED (media_engine_event_get). */
	struct mq_node node;
	bool remove_requested;			/* signalling thread only */
	struct media_event removed_ev;
};

#define CHAN_OF(n) ((struct media_chan *)((char *)(n) - offsetof(struct media_chan, node)))

enum cmd_type { CMD_ADD, CMD_MODIFY };	/* removes travel as the channel's node */

struct cmd {
	enum cmd_type type;
	struct media_chan *ch;
	struct media_chan_params p;
};

struct media_engine {
	struct media_engine_params p;
	pthread_t thread;
	bool running;
	int epfd;
	struct mq cmds, events;			/* commands in, events out */
	struct media_chan *chans;		/* media thread only */
	atomic_bool stop;
	struct log_ratelimit rl_invalid, rl_send;

	/* Counters: one writer (the media thread), flushed once per loop pass. */
	struct media_engine_stats local;
	_Atomic uint64_t st[NSTATS];
};

enum { ST_FRAMES, ST_SENT, ST_RECV, ST_INVALID, ST_CONCEAL, ST_IDLE, ST_SENDERR, ST_EVDROP,
       ST_TE_SENT, ST_TE_RECV };

static void post_event(struct media_engine *e, const struct media_event *ev)
{
	if (mq_push(&e->events, ev))
		e->local.events_dropped++;
}

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
	switch (ss->ss_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
	}
	return false;
}

/*
 * A connected UDP socket skips the route lookup and address copy of every sendto() (a
 * loopback send+receive here: 4.6 → 4.0 µs), but hears only its peer. So rtp_fd is connected
 * only while the peer's RTP comes from the address we send to (symmetric in fact, latched
 * or not), and disconnected when the remote changes or the peer has been quiet for
 * CONNECT_IDLE_US: a peer that moves, or symmetric RTP latching on a new source, is heard
 * again. Only a socket bound to one address qualifies: connect() narrows a wildcard
 * socket's local address to the route's source, which may not be where the peer sends.
 */
static bool bound_to_one_address(struct media_chan *ch)
{
	struct sockaddr_storage *ss = &ch->local;

	ch->local_len = sizeof *ss;
	if (getsockname(ch->rtp_fd, (struct sockaddr *)ss, &ch->local_len))
		return false;
	if (ss->ss_family == AF_INET)
		return ((struct sockaddr_in *)ss)->sin_addr.s_addr != htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return !IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

static void rtp_connect(struct media_chan *ch)
{
	if (connect(ch->rtp_fd, (struct sockaddr *)&ch->remote, ch->remote_len)) {
		LOGW(LS_RTP, "channel %llu: RTP connect: %s; sending with sendto",
		     (unsigned long long)ch->cookie, strerror(errno));
		ch->can_connect = false;
		return;
	}
	ch->connected = true;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static void rtp_disconnect(struct media_chan *ch)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (!ch->connected)
		return;
	(void)connect(ch->rtp_fd, &unspec, sizeof unspec);
	ch->connected = false;
	/* Linux gives up, on disconnect, a port it chose itself at bind time (port 0): take
	 * it back. Bound by name now, the port stays through later disconnects. */
	if (getsockname(ch->rtp_fd, (struct sockaddr *)&ss, &len) || port_of(&ss))
		return;
	if (bind(ch->rtp_fd, (struct sockaddr *)&ch->local, ch->local_len)) {
		LOGE(LS_RTP, "channel %llu: RTP port %u lost on disconnect: %s",
		     (unsigned long long)ch->cookie, port_of(&ch->local), strerror(errno));
		ch->can_connect = false;
	}
}

/* One RTP packet to the peer. */
static ssize_t rtp_send(struct media_chan *ch, const void *pkt, size_t len)
{
	ssize_t r;

	if (!ch->connected)
		return sendto(ch->rtp_fd, pkt, len, 0, (struct sockaddr *)&ch->remote,
			      ch->remote_len);
	r = send(ch->rtp_fd, pkt, len, 0);
	/* A connected socket fails the call after an ICMP port unreachable and drops the
	 * packet; unconnected we never heard of it and sent anyway: do the same. */
	if (r < 0 && errno == ECONNREFUSED)
		r = send(ch->rtp_fd, pkt, len, 0);
	return r;
}

static void apply_params(struct media_chan *ch, const struct media_chan_params *p)
{
	pipe_modify(&ch->pipe, p);
	if (ch->connected && !same_addr(&p->remote, &ch->remote))
		rtp_disconnect(ch);
	ch->remote = p->remote;
	ch->remote_len = addr_len(&p->remote);
	ch->symmetric = p->symmetric;
	ch->latched = false;
	ch->rtcp_remote_len = 0;		/* learn the peer's RTCP source again */
}

static void chan_free(struct media_chan *ch)
{
	if (!ch)
		return;
	if (!ch->bridge)
		pipe_release(&ch->pipe);
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


static void send_failed(struct media_engine *e, struct media_chan *ch)
{
	unsigned sup;

	e->local.send_errors++;
	if (log_ratelimit_ok(&e->rl_send, clock_now_us() / 1000, 5, 10000, &sup))
		LOGW(LS_RTP, "channel %llu: RTP send: %s (%u suppressed)",
		     (unsigned long long)ch->cookie, strerror(errno), sup);
}

/* ---- RTCP (RFC 3550 §6) ---- */

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + NTP_UNIX_OFFSET) << 32 |
	       (((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

/* The next report: §6.2 interval, randomised 0.5–1.5 × (§6.3.1); the first one after
 * half of it (§6.2 "initial delay"). */
static void rtcp_schedule(struct media_engine *e, struct media_chan *ch, uint64_t now,
			  bool first)
{
	uint64_t mean = (uint64_t)e->p.rtcp_interval_ms * 1000u;

	if (first)
		mean /= 2;
	ch->rng ^= ch->rng << 13;
	ch->rng ^= ch->rng >> 17;
	ch->rng ^= ch->rng << 5;
	ch->rtcp_next_us = now + mean / 2 + (mean ? ch->rng % mean : 0);
}

static double ts_to_ms(uint32_t samples)
{
	return samples / (double)SAMPLES_PER_MS;
}

/* Send one compound packet (SR or RR, SDES CNAME, and BYE if bye) and schedule the next. */
static void rtcp_send(struct media_engine *e, struct media_chan *ch, uint64_t now, bool bye)
{
	uint8_t buf[RTCP_MAX_LEN];
	struct sockaddr_storage to;
	socklen_t tolen;
	struct rtcp_sender_info si;
	struct rtcp_report_block rb;
	struct rtcp_build_params bp = { .ssrc = ch->pipe.pk.ssrc, .cname = ch->cname, .bye = bye };
	size_t len;

	rtcp_schedule(e, ch, now, false);
	if (ch->rtcp_remote_len) {
		to = ch->rtcp_remote;
		tolen = ch->rtcp_remote_len;
	} else if (ch->remote_len) {
		to = ch->remote;
		tolen = ch->remote_len;
		if (to.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&to;

			a->sin_port = htons((uint16_t)(ntohs(a->sin_port) + 1));
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;

			a->sin6_port = htons((uint16_t)(ntohs(a->sin6_port) + 1));
		}
	} else {
		return;		/* peer not known yet */
	}
	if (ch->pipe.we_sent) {
		si = (struct rtcp_sender_info){ .ntp = ntp_now(), .rtp_ts = ch->pipe.pk.ts,
						.packets = (uint32_t)ch->pipe.st.packets_sent,
						.octets = (uint32_t)ch->pipe.st.octets_sent };
		bp.sr = &si;
	}
	if (ch->pipe.have_src && !ch->pipe.src.probation) {
		struct jbuf_stats js;

		jbuf_stats(ch->pipe.po.jb, &js);
		rb = (struct rtcp_report_block){ .ssrc = ch->pipe.src_ssrc, .jitter = js.jitter,
						 .lsr = ch->lsr };
		rtcp_source_report(&ch->pipe.src, &rb);
		if (ch->lsr)
			rb.dlsr = (uint32_t)(((now - ch->lsr_arrival_us) << 16) / 1000000u);
		bp.rb = &rb;
	}
	if (rtcp_build(&bp, buf, sizeof buf, &len))
		return;
	if (sendto(ch->rtcp_fd, buf, len, 0, (struct sockaddr *)&to, tolen) < 0) {
		send_failed(e, ch);
		return;
	}
	ch->pipe.st.rtcp_sent++;
	ch->pipe.we_sent = false;
}

/* One datagram per readiness, as on_rtp. */
static void on_rtcp(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t buf[RTP_BUF_LEN];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	struct rtcp_info info;
	ssize_t r;
	int err;

	r = recvfrom(ch->rtcp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	if (r < 0)
		return;
	err = rtcp_parse(&info, buf, (size_t)r, ch->pipe.pk.ssrc);
	if (err) {
		unsigned sup;

		e->local.rtp_invalid++;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(LS_RTP, "channel %llu: far end sent bad RTCP: %s (%u suppressed)",
			     (unsigned long long)ch->cookie, strerror(err), sup);
		return;
	}
	ch->pipe.st.rtcp_received++;
	if (ch->symmetric && (!ch->pipe.have_src || info.ssrc == ch->pipe.src_ssrc)) {
		/* answer where the RTP peer's RTCP comes from, not anyone's */
		ch->rtcp_remote = from;
		ch->rtcp_remote_len = fromlen;
	}
	if (info.sr) {
		ch->lsr = rtcp_ntp_mid(info.si.ntp);
		ch->lsr_arrival_us = now;
	}
	if (info.have_rb) {
		int64_t rtt = rtcp_rtt(&info.rb, ntp_now());

		ch->pipe.st.peer_report = true;
		ch->pipe.st.peer_fraction_lost = info.rb.fraction / 256.0;
		ch->pipe.st.peer_packets_lost = info.rb.lost;
		ch->pipe.st.peer_jitter_ms = ts_to_ms(info.rb.jitter);
		if (rtt >= 0)
			ch->pipe.st.rtt_ms = (double)rtt * 1000.0 / 65536.0;
	}
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
			rtcp_schedule(e, ch, now, true);
		}
		if (err)
			LOGE(LS_RTP, "channel %llu: epoll add: %s", (unsigned long long)ch->cookie,
			     strerror(err));
		break;
	case CMD_MODIFY:
		if (ch->pipe.no_recv && !c->p.no_recv) {	/* resuming: a full timeout again */
			ch->last_rx_us = now;
			ch->timed_out = false;
		}
		apply_params(ch, &c->p);
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
	if (ch->rtcp_fd > 0)
		rtcp_send(e, ch, now, true);	/* last report + BYE (§6.6) */
	if (!ch->bridge)
		pipe_stats(&ch->pipe, &ev->stats);
	chan_unlink(e, ch);
	rtp_disconnect(ch);	/* the caller gets its socket back as it gave it */
	mq_push_node(&e->events, &ch->node);
}

/* pipe_io: one packet to the peer. */
static int chan_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct media_chan *ch = arg;
	struct media_engine *e = ch->e;

	if (rtp_send(ch, pkt, len) < 0) {
		send_failed(e, ch);
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

/* One B-channel frame: through the pipeline to RTP, and one frame back (TDM-paced). */
static void on_tdm(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t in[MEDIA_FRAME_SAMPLES], out[MEDIA_FRAME_SAMPLES];
	ssize_t r;

	r = read(ch->tdm_fd, in, sizeof in);
	if (r != (ssize_t)sizeof in) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0)	/* a short block: not ours to reframe */
			return;
		LOGW(LS_RTP, "channel %llu: B-channel %s; stop reading it",
		     (unsigned long long)ch->cookie, r ? strerror(errno) : "closed");
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, ch->tdm_fd, NULL);
		ch->tdm_dead = true;
		return;
	}
	e->local.tdm_frames++;
	if (ch->connected && now - ch->last_rx_us > CONNECT_IDLE_US)
		rtp_disconnect(ch);
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
	if (ch->rtcp_fd > 0 && now >= ch->rtcp_next_us)
		rtcp_send(e, ch, now, false);
}

/* A block on one side of a bridge, written to the other (paced by the reading side). */
static void on_bridge(struct media_engine *e, struct media_chan *ch, unsigned side)
{
	uint8_t in[PIPE_TDM_FRAME], out[PIPE_TDM_FRAME];
	int from = side ? ch->tdm_fd_b : ch->tdm_fd, to = side ? ch->tdm_fd : ch->tdm_fd_b;
	ssize_t r = read(from, in, sizeof in);

	if (r != (ssize_t)sizeof in) {
		if ((r < 0 && (errno == EAGAIN || errno == EINTR)) || r > 0)
			return;
		LOGW(LS_RTP, "bridge %llu: B-channel %c %s; stop reading it",
		     (unsigned long long)ch->cookie, side ? 'b' : 'a',
		     r ? strerror(errno) : "closed");
		(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, from, NULL);
		if (side)
			ch->b_dead = true;
		else
			ch->tdm_dead = true;
		return;
	}
	e->local.tdm_frames++;
	pipe_tdm_frame(&ch->tdm, side, in, out);
	(void)!write(to, out, sizeof out);	/* a full side drops the block, as DAHDI does */
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
	err = pipe_from_net(&ch->pipe, buf, (size_t)r, now, &rx);
	if (err) {
		unsigned sup;

		e->local.rtp_invalid++;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(LS_RTP, "channel %llu: far end sent %s (%u suppressed)",
			     (unsigned long long)ch->cookie,
			     err == EPROTONOSUPPORT ? "an unexpected payload type" : strerror(err),
			     sup);
		return;
	}
	if (ch->symmetric && (!ch->latched || (rx.h.ssrc != ch->latched_ssrc &&
					       !same_addr(&from, &ch->remote)))) {
		/* Symmetric RTP (RFC 4961): answer where the media comes from. (Connected,
		 * only a packet queued before the connect can come from elsewhere.) */
		if (ch->connected && !same_addr(&from, &ch->remote))
			rtp_disconnect(ch);
		ch->remote = from;
		ch->remote_len = fromlen;
		ch->latched = true;
		ch->latched_ssrc = rx.h.ssrc;
	}
	if (!ch->connected && ch->can_connect && ch->remote_len && same_addr(&from, &ch->remote))
		rtp_connect(ch);
	e->local.te_received += rx.kind == MEDIA_RX_EVENT && !ch->pipe.no_recv;
	e->local.rtp_received++;
	ch->last_rx_us = now;
	ch->timed_out = false;
}

static void sweep(struct media_engine *e, uint64_t now)
{
	uint64_t limit = (uint64_t)e->p.rtp_timeout_ms * 1000u;

	if (!limit)
		return;
	for (struct media_chan *ch = e->chans; ch; ch = ch->next) {
		if (!ch->bridge && !ch->timed_out && !ch->pipe.no_recv &&
		    now - ch->last_rx_us > limit) {
			ch->timed_out = true;
			post_event(e, &(struct media_event){ .type = MEDIA_EV_RTP_TIMEOUT,
							     .cookie = ch->cookie });
		}
	}
}

static void flush_stats(struct media_engine *e)
{
	const uint64_t *v[NSTATS] = { &e->local.tdm_frames, &e->local.rtp_sent,
				      &e->local.rtp_received, &e->local.rtp_invalid,
				      &e->local.concealed, &e->local.idle, &e->local.send_errors,
				      &e->local.events_dropped, &e->local.te_sent,
				      &e->local.te_received };

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
				on_rtcp(e, ch, now);
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
		rtp_disconnect(ch);
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
	if (p->tdm_law != G711_LAW_ALAW && p->tdm_law != G711_LAW_ULAW)
		return EINVAL;
	if (p->remote.ss_family != AF_UNSPEC && !addr_len(&p->remote))
		return EINVAL;
	if (p->te_pt < -1 || p->te_pt > 127 || (p->te_pt > 0 && p->te_pt == p->pt) ||
	    p->rx_te_pt < -1 || p->rx_te_pt > 127 || (p->rx_te_pt > 0 && p->rx_te_pt == p->pt))
		return EINVAL;
	if (!memchr(p->cname, 0, sizeof p->cname))
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
	ch->can_connect = bound_to_one_address(ch);
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
	apply_params(ch, p);
	c.ch = ch;
	err = mq_push(&e->cmds, &c);
	if (err)
		goto out;
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
	pipe_tdm_init(&ch->tdm, p->law_a, p->law_b);
	c.ch = ch;
	err = mq_push(&e->cmds, &c);
	if (err) {
		free(ch);
		return err;
	}
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
	};
	if (e->running && !pthread_getcpuclockid(e->thread, &cid) &&
	    !clock_gettime(cid, &ts))
		st->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
