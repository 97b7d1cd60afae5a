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
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "media/conceal.h"
#include "media/dtmf.h"
#include "media/jbuf.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/te.h"

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
enum { TAG_TDM = 0, TAG_RTP = 1, TAG_CMD = 2, TAG_NONE = 3, TAG_RTCP = 4, TAG_MASK = 7 };
_Static_assert(CACHE_LINE > TAG_MASK, "epoll tags need 3 free pointer bits");

struct media_chan {
	/* Touched by every frame or packet, together at the start: with a thousand
	 * channels the engine's time goes to cache misses as much as to work. */
	int tdm_fd, rtp_fd;
	enum g711_law tdm_law, rtp_law;
	bool tdm_dead;
	bool connected;				/* rtp_fd connect()ed to remote */
	bool can_connect;			/* rtp_fd bound to one address (rtp_connect) */
	bool symmetric, latched;
	bool no_send, no_recv;			/* direction (RFC 3264 hold) */
	bool playing;				/* gen has something: ask it each frame */
	bool held_valid, held_tone;
	bool timed_out;
	bool we_sent;				/* RTP sent since the last report: SR */
	bool have_src;				/* src describes the peer's stream */
	socklen_t remote_len;			/* 0: peer unknown, nothing is sent */
	uint32_t latched_ssrc;
	uint32_t src_ssrc;
	int rtcp_fd;				/* ≤ 0: none */
	int te_pt, rx_te_pt;			/* RFC 4733 PTs; ≤ 0: none */
	struct rtp_packetiser pk;
	uint64_t last_rx_us;			/* [µs] last valid RTP */
	uint64_t rtcp_next_us;			/* [µs] next report due */
	struct jbuf *jb;
	struct dtmf_det *det;			/* NULL: detection off */
	struct dtmf_gen *gen;			/* plays received events */
	struct rtcp_source src;			/* §A.1 */
	struct media_chan_stats st;		/* counters; loss/jitter filled on demand */
	struct te_tx te;			/* events out (shares pk's sequence) */
	struct te_rx terx;			/* events in */
	uint8_t held[MEDIA_FRAME_SAMPLES];	/* audio held one frame, TDM law */
	struct conceal cc;			/* PLC (its history: only on a loss) */
	struct sockaddr_storage remote;		/* per frame only while not connected */

	/* Signalling, digits, RTCP reports */
	struct media_chan *prev, *next;		/* engine's list (media thread only) */
	uint64_t cookie;
	struct sockaddr_storage local;		/* rtp_fd's address, as bound */
	socklen_t local_len;
	char digit;				/* in progress, for duration */
	uint64_t digit_start_us;
	struct sockaddr_storage rtcp_remote;	/* learned from the peer's RTCP */
	socklen_t rtcp_remote_len;		/* 0: RTP peer's address, port + 1 */
	char cname[64];				/* SDES CNAME (RFC 3550 §6.5.1) */
	uint32_t rng;				/* xorshift32 state for the interval */
	uint32_t lsr;				/* peer's last SR, NTP middle 32 bits */
	uint64_t lsr_arrival_us;		/* [µs] when it came */
};

enum cmd_type { CMD_ADD, CMD_MODIFY, CMD_REMOVE };

struct cmd {
	enum cmd_type type;
	struct media_chan *ch;
	struct media_chan_params p;
};

/* Fixed-size ring protected by a mutex; single producer side per direction in practice. */
struct ring {
	pthread_mutex_t lock;
	unsigned head, tail, cap;	/* head: next to take; tail: next free */
	size_t elem;
	uint8_t *buf;
};

struct media_engine {
	struct media_engine_params p;
	pthread_t thread;
	bool running;
	int epfd, cmd_fd, ev_fd;
	struct ring cmds, events;
	struct media_chan *chans;		/* media thread only */
	atomic_bool stop;
	struct log_ratelimit rl_invalid, rl_send;

	/* Counters: one writer (the media thread), flushed once per loop pass. */
	struct media_engine_stats local;
	_Atomic uint64_t st[NSTATS];
	atomic_uint live;			/* channels added, not yet removed */
};

enum { ST_FRAMES, ST_SENT, ST_RECV, ST_INVALID, ST_CONCEAL, ST_IDLE, ST_SENDERR, ST_EVDROP,
       ST_TE_SENT, ST_TE_RECV };

static int ring_init(struct ring *r, unsigned cap, size_t elem)
{
	r->buf = calloc(cap, elem);
	if (!r->buf)
		return ENOMEM;
	r->cap = cap;
	r->elem = elem;
	r->head = r->tail = 0;
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

static void ring_destroy(struct ring *r)
{
	if (!r->buf)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->buf);
	r->buf = NULL;
}

static int ring_push(struct ring *r, const void *item)
{
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (r->tail - r->head >= r->cap)
		err = EAGAIN;
	else
		memcpy(r->buf + (r->tail++ % r->cap) * r->elem, item, r->elem);
	pthread_mutex_unlock(&r->lock);
	return err;
}

static int ring_pop(struct ring *r, void *item)
{
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (r->head == r->tail)
		err = EAGAIN;
	else
		memcpy(item, r->buf + (r->head++ % r->cap) * r->elem, r->elem);
	pthread_mutex_unlock(&r->lock);
	return err;
}

static void kick(int fd)
{
	uint64_t one = 1;

	(void)!write(fd, &one, sizeof one);
}

static void post_event(struct media_engine *e, const struct media_event *ev)
{
	if (ring_push(&e->events, ev)) {
		e->local.events_dropped++;
		return;
	}
	kick(e->ev_fd);
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

static enum g711_law pt_law(uint8_t pt)
{
	return pt == 8 ? G711_LAW_ALAW : G711_LAW_ULAW;
}

static void apply_params(struct media_chan *ch, const struct media_chan_params *p)
{
	if (p->no_recv && !ch->no_recv && ch->jb) {	/* play nothing stale on hold */
		jbuf_reset(ch->jb);
		ch->playing = false;
	}
	ch->no_send = p->no_send;
	ch->no_recv = p->no_recv;
	if (ch->connected && !same_addr(&p->remote, &ch->remote))
		rtp_disconnect(ch);
	ch->remote = p->remote;
	ch->remote_len = addr_len(&p->remote);
	ch->tdm_law = p->tdm_law;
	ch->rtp_law = pt_law(p->pt);
	ch->pk.pt = p->pt;
	ch->symmetric = p->symmetric;
	ch->latched = false;
	ch->rtcp_remote_len = 0;		/* learn the peer's RTCP source again */
	ch->te_pt = p->te_pt > 0 ? p->te_pt : 0;
	if (!ch->te_pt)		/* sending turned off: drop an event in progress */
		te_tx_init(&ch->te, NULL);
	ch->rx_te_pt = p->rx_te_pt > 0 ? p->rx_te_pt : 0;
}

static void chan_free(struct media_chan *ch)
{
	if (!ch)
		return;
	jbuf_free(ch->jb);
	dtmf_det_free(ch->det);
	dtmf_gen_free(ch->gen);
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
	struct rtcp_build_params bp = { .ssrc = ch->pk.ssrc, .cname = ch->cname, .bye = bye };
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
	if (ch->we_sent) {
		si = (struct rtcp_sender_info){ .ntp = ntp_now(), .rtp_ts = ch->pk.ts,
						.packets = (uint32_t)ch->st.packets_sent,
						.octets = (uint32_t)ch->st.octets_sent };
		bp.sr = &si;
	}
	if (ch->have_src && !ch->src.probation) {
		struct jbuf_stats js;

		jbuf_stats(ch->jb, &js);
		rb = (struct rtcp_report_block){ .ssrc = ch->src_ssrc, .jitter = js.jitter,
						 .lsr = ch->lsr };
		rtcp_source_report(&ch->src, &rb);
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
	ch->st.rtcp_sent++;
	ch->we_sent = false;
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
	err = rtcp_parse(&info, buf, (size_t)r, ch->pk.ssrc);
	if (err) {
		unsigned sup;

		e->local.rtp_invalid++;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(LS_RTP, "channel %llu: far end sent bad RTCP: %s (%u suppressed)",
			     (unsigned long long)ch->cookie, strerror(err), sup);
		return;
	}
	ch->st.rtcp_received++;
	if (ch->symmetric && (!ch->have_src || info.ssrc == ch->src_ssrc)) {
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

		ch->st.peer_report = true;
		ch->st.peer_fraction_lost = info.rb.fraction / 256.0;
		ch->st.peer_packets_lost = info.rb.lost;
		ch->st.peer_jitter_ms = ts_to_ms(info.rb.jitter);
		if (rtt >= 0)
			ch->st.rtt_ms = (double)rtt * 1000.0 / 65536.0;
	}
}

/* The channel's figures now. */
static void chan_stats(const struct media_chan *ch, struct media_chan_stats *st)
{
	struct jbuf_stats js;

	*st = ch->st;
	if (ch->have_src && !ch->src.probation)
		st->packets_lost = rtcp_source_lost(&ch->src);
	jbuf_stats(ch->jb, &js);
	st->jitter_ms = ts_to_ms(js.jitter);
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
		if (ch->no_recv && !c->p.no_recv) {	/* resuming: a full timeout again */
			ch->last_rx_us = now;
			ch->timed_out = false;
		}
		apply_params(ch, &c->p);
		break;
	case CMD_REMOVE: {
		struct media_event ev = { .type = MEDIA_EV_REMOVED, .cookie = ch->cookie };

		if (ch->rtcp_fd > 0)
			rtcp_send(e, ch, now, true);	/* last report + BYE (§6.6) */
		chan_stats(ch, &ev.stats);
		chan_unlink(e, ch);
		rtp_disconnect(ch);	/* the caller gets its socket back as it gave it */
		post_event(e, &ev);
		chan_free(ch);
		atomic_fetch_sub_explicit(&e->live, 1, memory_order_relaxed);
		break;
	}
	}
}

static void send_frame(struct media_engine *e, struct media_chan *ch, const uint8_t *audio)
{
	uint8_t pkt[RTP_HDR_LEN + MEDIA_FRAME_SAMPLES];

	if (ch->no_send) {	/* on hold: time passes, the next packet starts a talkspurt */
		rtp_packetiser_skip(&ch->pk, MEDIA_FRAME_SAMPLES);
		return;
	}
	if (!ch->remote_len) {
		ch->pk.seq++;	/* keep the stream's clock running */
		ch->pk.ts += MEDIA_FRAME_SAMPLES;
		return;
	}
	rtp_packetiser_next(&ch->pk, pkt, MEDIA_FRAME_SAMPLES);
	g711_block_transcode(ch->tdm_law, ch->rtp_law, pkt + RTP_HDR_LEN, audio,
			     MEDIA_FRAME_SAMPLES);
	if (rtp_send(ch, pkt, sizeof pkt) < 0) {
		send_failed(e, ch);
		return;
	}
	e->local.rtp_sent++;
	ch->st.packets_sent++;
	ch->st.octets_sent += MEDIA_FRAME_SAMPLES;
	ch->we_sent = true;
}

/* RFC 4733 packets from the sender, numbered in the audio stream's sequence space. */
static void send_te(struct media_engine *e, struct media_chan *ch, const struct te_pkt *tp,
		    unsigned n)
{
	uint8_t pkt[RTP_HDR_LEN + TE_PAYLOAD_LEN];

	if (ch->no_send)
		return;
	for (unsigned i = 0; i < n; i++) {
		rtp_packetiser_other(&ch->pk, pkt, (uint8_t)ch->te_pt, tp[i].ts, tp[i].marker);
		if (!ch->remote_len)
			continue;
		(void)te_encode(&tp[i].pl, pkt + RTP_HDR_LEN, TE_PAYLOAD_LEN);
		if (rtp_send(ch, pkt, sizeof pkt) < 0) {
			send_failed(e, ch);
			continue;
		}
		e->local.rtp_sent++;
		e->local.te_sent++;
		ch->st.packets_sent++;
		ch->st.octets_sent += TE_PAYLOAD_LEN;
		ch->we_sent = true;
	}
}

/* Digits detected on the B-channel: report them and, with te_pt, drive the RFC 4733
 * sender. ts_now is the end of the held frame, the audio this tick accounts for: an event
 * starts with the held frame (the one before the frame its detection completed in, which
 * carried the tone's start anyway) and ends after the held frame of the tick its end was
 * detected in, so both edges carry the same detection delay. */
static void dtmf_events(struct media_engine *e, struct media_chan *ch,
			const struct dtmf_det_event *dev, unsigned n, uint64_t now)
{
	uint32_t ts_now = ch->pk.ts + MEDIA_FRAME_SAMPLES;

	for (unsigned i = 0; i < n; i++) {
		struct media_event ev = { .cookie = ch->cookie, .digit = dev[i].digit,
					  .dir = MEDIA_DTMF_FROM_TDM };
		struct te_pkt tp[TE_TX_MAX_PKTS];
		unsigned k = 0;

		if (!dev[i].end) {
			int code = dtmf_digit_to_event(dev[i].digit);

			ev.type = MEDIA_EV_DTMF_START;
			ch->digit = dev[i].digit;
			ch->digit_start_us = now;
			if (ch->te_pt && code >= 0)
				k = te_tx_start(&ch->te, (uint8_t)code, ch->pk.ts, ts_now, tp);
		} else {
			ev.type = MEDIA_EV_DTMF_END;
			ev.duration_ms = (unsigned)((now - ch->digit_start_us) / 1000);
			ch->digit = 0;
			k = te_tx_stop(&ch->te, ts_now, tp);
		}
		if (k)
			send_te(e, ch, tp, k);
		post_event(e, &ev);
	}
}

/* Events received and ended by timeout: report them and play them to the B-channel. */
static void rx_te_events(struct media_engine *e, struct media_chan *ch,
			 const struct te_rx_event *rev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char digit = dtmf_event_to_digit(rev[i].event);
		struct media_event ev = { .cookie = ch->cookie, .digit = digit,
					  .dir = MEDIA_DTMF_FROM_RTP };

		if (!digit)
			continue;	/* not DTMF (§3.2 covers only 0-15 here) */
		if (!rev[i].end) {
			ev.type = MEDIA_EV_RTP_DTMF_START;
			if (!dtmf_gen_start(ch->gen, digit, rev[i].volume))
				ch->playing = true;
		} else {
			ev.type = MEDIA_EV_RTP_DTMF_END;
			ev.duration_ms = rev[i].duration / SAMPLES_PER_MS;
			ev.timed_out = rev[i].timed_out;
			dtmf_gen_end(ch->gen, rev[i].duration);
		}
		post_event(e, &ev);
	}
}

/* One B-channel frame: detect DTMF, send RTP, and play one frame back (TDM-paced). */
static void on_tdm(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t in[MEDIA_FRAME_SAMPLES], out[MEDIA_FRAME_SAMPLES];
	int16_t lin[MEDIA_FRAME_SAMPLES];
	size_t len;
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

	if (ch->det) {
		/* Hold audio one frame so the frame before a detected tone can be silenced
		 * too; tone frames go out as silence (digits travel as events). */
		struct dtmf_det_event dev[4];
		bool tone, covered = ch->te.active;
		unsigned n;

		g711_block_decode(ch->tdm_law, lin, in, MEDIA_FRAME_SAMPLES);
		n = dtmf_det_process(ch->det, lin, MEDIA_FRAME_SAMPLES, dev, 4, &tone);
		if (n)
			dtmf_events(e, ch, dev, n, now);
		if (te_tx_busy(&ch->te)) {
			/* RFC 4733: updates and retransmissions; the held frame belongs to the
			 * event and is not sent as audio (§2.5.1.1 style replacement: the
			 * timestamp moves on, the next audio packet starts a talkspurt). */
			struct te_pkt tp[TE_TX_MAX_PKTS];
			unsigned k;

			covered |= ch->te.active;
			k = te_tx_tick(&ch->te, ch->pk.ts + MEDIA_FRAME_SAMPLES, tp);
			if (k)
				send_te(e, ch, tp, k);
		}
		if (covered && ch->held_valid)
			rtp_packetiser_skip(&ch->pk, MEDIA_FRAME_SAMPLES);
		else if (tone && ch->held_valid)
			memset(ch->held, g711_silence(ch->tdm_law), sizeof ch->held);
		if (ch->held_valid && !covered)
			send_frame(e, ch, ch->held);
		if (tone)
			memset(ch->held, g711_silence(ch->tdm_law), sizeof ch->held);
		else
			memcpy(ch->held, in, sizeof in);
		ch->held_valid = true;
		ch->held_tone = tone;
	} else {
		send_frame(e, ch, in);
	}

	switch (jbuf_get(ch->jb, now, out, &len)) {
	case JBUF_FRAME:
		if (len != MEDIA_FRAME_SAMPLES)
			memset(out + len, g711_silence(ch->rtp_law), sizeof out - len);
		conceal_frame(&ch->cc, ch->rtp_law, ch->tdm_law, out, out);
		break;
	case JBUF_CONCEAL:
		conceal_fill(&ch->cc, ch->tdm_law, out);
		e->local.concealed++;
		break;
	case JBUF_IDLE:
		memset(out, g711_silence(ch->tdm_law), sizeof out);
		e->local.idle++;
		break;
	}
	if (ch->terx.active) {	/* end an event whose end packets were all lost */
		struct te_rx_event rev[TE_RX_MAX_EVENTS];
		unsigned k = te_rx_tick(&ch->terx, now, rev);

		if (k)
			rx_te_events(e, ch, rev, k);
	}
	if (ch->playing) {	/* received digits replace the jitter buffer's audio */
		if (dtmf_gen_frame(ch->gen, lin, MEDIA_FRAME_SAMPLES))
			g711_block_encode(ch->tdm_law, out, lin, MEDIA_FRAME_SAMPLES);
		else
			ch->playing = false;
	}
	(void)!write(ch->tdm_fd, out, sizeof out);
	if (ch->rtcp_fd > 0 && now >= ch->rtcp_next_us)
		rtcp_send(e, ch, now, false);
}

/* One datagram per readiness: the level-triggered loop comes back for more, which saves
 * the EAGAIN read a drain loop would cost on every wakeup. */
static void on_rtp(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t buf[RTP_BUF_LEN];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	struct rtp_hdr h;
	struct te_payload tev;
	const uint8_t *pl;
	size_t plen;
	ssize_t r;
	int err;
	bool te = false;

	r = recvfrom(ch->rtp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	if (r < 0)
		return;
	err = rtp_decode(&h, buf, (size_t)r, &pl, &plen);
	if (!err && ch->rx_te_pt && h.pt == ch->rx_te_pt) {
		err = te_decode(&tev, pl, plen);
		te = true;
	}
	if (err || (!te && h.pt != ch->pk.pt)) {
		unsigned sup;

		e->local.rtp_invalid++;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(LS_RTP, "channel %llu: far end sent %s (%u suppressed)",
			     (unsigned long long)ch->cookie,
			     err ? strerror(err) : "an unexpected payload type", sup);
		return;
	}
	if (ch->symmetric && (!ch->latched || (h.ssrc != ch->latched_ssrc &&
					       !same_addr(&from, &ch->remote)))) {
		/* Symmetric RTP (RFC 4961): answer where the media comes from. (Connected,
		 * only a packet queued before the connect can come from elsewhere.) */
		if (ch->connected && !same_addr(&from, &ch->remote))
			rtp_disconnect(ch);
		ch->remote = from;
		ch->remote_len = fromlen;
		ch->latched = true;
		ch->latched_ssrc = h.ssrc;
	}
	if (!ch->connected && ch->can_connect && ch->remote_len && same_addr(&from, &ch->remote))
		rtp_connect(ch);
	/* Receiver statistics (§A.1) count what arrived, on hold too. */
	if (!ch->have_src || h.ssrc != ch->src_ssrc) {
		rtcp_source_init(&ch->src, h.seq);
		ch->have_src = true;
		ch->src_ssrc = h.ssrc;
	}
	(void)rtcp_source_update(&ch->src, h.seq);
	ch->st.packets_received++;
	ch->st.octets_received += plen;
	if (ch->no_recv) {
		/* inactive/sendonly: discard; the B-channel hears silence */
	} else if (te) {
		struct te_rx_event rev[TE_RX_MAX_EVENTS];
		unsigned k = te_rx_packet(&ch->terx, h.ssrc, h.ts, &tev, now, rev);

		if (k)
			rx_te_events(e, ch, rev, k);
		e->local.te_received++;
	} else {
		(void)jbuf_put(ch->jb, &(struct jbuf_pkt){ .ssrc = h.ssrc, .seq = h.seq,
							   .ts = h.ts, .data = pl,
							   .len = plen }, now);
	}
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
		if (!ch->timed_out && !ch->no_recv && now - ch->last_rx_us > limit) {
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

/* What of a channel a TDM frame touches (up to conceal's per-frame part), and an RTP
 * packet (the fields before te). */
#define CHAN_TDM_END (offsetof(struct media_chan, cc) + offsetof(struct conceal, plc) + \
		      sizeof(int))
#define CHAN_RTP_END offsetof(struct media_chan, te)

static void prefetch_chan(uint64_t d)
{
	const char *p = (const char *)(uintptr_t)(d & ~(uint64_t)TAG_MASK);
	size_t end = (d & TAG_MASK) == TAG_TDM ? CHAN_TDM_END : CHAN_RTP_END;

	if (!p)
		return;
	for (size_t k = 0; k < end; k += CACHE_LINE)
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
			case TAG_CMD: {
				uint64_t cnt;
				struct cmd c;

				(void)!read(e->cmd_fd, &cnt, sizeof cnt);
				while (!ring_pop(&e->cmds, &c)) {
					do_cmd(e, &c, now);
					/* A removed channel may have later events in this batch. */
					if (c.type == CMD_REMOVE)
						for (int j = i + 1; j < n; j++)
							if ((evs[j].data.u64 & ~(uint64_t)TAG_MASK) ==
							    (uintptr_t)c.ch)
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
	e->epfd = e->cmd_fd = e->ev_fd = -1;
	atomic_init(&e->stop, false);
	for (int i = 0; i < NSTATS; i++)
		atomic_init(&e->st[i], 0);

	err = ring_init(&e->cmds, qlen, sizeof(struct cmd));
	if (!err)
		err = ring_init(&e->events, qlen, sizeof(struct media_event));
	if (err)
		goto out;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->cmd_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->epfd < 0 || e->cmd_fd < 0 || e->ev_fd < 0) {
		err = errno;
		goto out;
	}
	err = ep_add(e, e->cmd_fd, NULL, TAG_CMD);
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
	struct cmd c;

	if (!e)
		return;
	if (e->running) {
		atomic_store(&e->stop, true);
		kick(e->cmd_fd);
		pthread_join(e->thread, NULL);
	}
	/* Channels added but never picked up, then those in the loop. */
	while (e->cmds.buf && !ring_pop(&e->cmds, &c))
		if (c.type == CMD_ADD)
			chan_free(c.ch);
	while (e->chans) {
		struct media_chan *ch = e->chans;

		e->chans = ch->next;
		rtp_disconnect(ch);
		chan_free(ch);
	}
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->cmd_fd >= 0)
		close(e->cmd_fd);
	if (e->ev_fd >= 0)
		close(e->ev_fd);
	ring_destroy(&e->cmds);
	ring_destroy(&e->events);
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
	ch->cookie = p->cookie;
	ch->tdm_fd = p->tdm_fd;
	ch->rtp_fd = p->rtp_fd;
	ch->rtcp_fd = p->rtcp_fd > 0 ? p->rtcp_fd : -1;
	ch->can_connect = bound_to_one_address(ch);
	ch->st.rtt_ms = -1;
	ch->rng = (p->ssrc ^ (uint32_t)p->cookie ^ (uint32_t)(uintptr_t)ch) | 1;
	if (p->cname[0])
		memcpy(ch->cname, p->cname, sizeof ch->cname);
	else
		snprintf(ch->cname, sizeof ch->cname, "strowger-%08x", (unsigned)p->ssrc);
	rtp_packetiser_init(&ch->pk, p->pt, p->ssrc, p->seq0, p->ts0);
	apply_params(ch, p);
	te_tx_init(&ch->te, NULL);
	te_rx_init(&ch->terx, 0);
	conceal_init(&ch->cc);
	err = jbuf_alloc(&ch->jb, &jp);
	if (!err && (p->dtmf_detect || p->te_pt > 0))
		err = dtmf_det_alloc(&ch->det);
	/* The player is small; always there so that modify can enable rx_te_pt. */
	if (!err)
		err = dtmf_gen_alloc(&ch->gen);
	if (err)
		goto out;
	c.ch = ch;
	err = ring_push(&e->cmds, &c);
	if (err)
		goto out;
	atomic_fetch_add_explicit(&e->live, 1, memory_order_relaxed);
	kick(e->cmd_fd);
	*chp = ch;
	return 0;
out:
	chan_free(ch);
	return err;
}

int media_engine_modify(struct media_engine *e, struct media_chan *ch,
			const struct media_chan_params *p)
{
	struct cmd c = { .type = CMD_MODIFY, .ch = ch };
	int err;

	if (!e || !ch || !p)
		return EINVAL;
	err = valid_params(p);
	if (err)
		return err;
	c.p = *p;
	err = ring_push(&e->cmds, &c);
	if (!err)
		kick(e->cmd_fd);
	return err;
}

int media_engine_remove(struct media_engine *e, struct media_chan *ch)
{
	struct cmd c = { .type = CMD_REMOVE, .ch = ch };
	int err;

	if (!e || !ch)
		return EINVAL;
	err = ring_push(&e->cmds, &c);
	if (!err)
		kick(e->cmd_fd);
	return err;
}

int media_engine_event_fd(const struct media_engine *e)
{
	return e->ev_fd;
}

int media_engine_event_get(struct media_engine *e, struct media_event *ev)
{
	uint64_t cnt;
	int err = ring_pop(&e->events, ev);

	if (err)
		(void)!read(e->ev_fd, &cnt, sizeof cnt);	/* drained: clear readiness */
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
		.channels = atomic_load_explicit(&e->live, memory_order_relaxed),
	};
	if (e->running && !pthread_getcpuclockid(e->thread, &cid) &&
	    !clock_gettime(cid, &ts))
		st->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
