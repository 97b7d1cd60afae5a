/* The media engine's insides, shared by engine.c (thread, commands, frames and packets),
 * engine_udp.c (the RTP socket's peer) and engine_rtcp.c (RTCP reports). Not an API. */
#ifndef STROWGER_MEDIA_ENGINE_INT_H
#define STROWGER_MEDIA_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/log.h"
#include "media/engine.h"
#include "media/pipe.h"
#include "media/pipe_tdm.h"
#include "media/queue.h"

#define RTP_BUF_LEN	1500	/* [bytes] */
#define NSTATS		11
#define RTCP_INTERVAL_MS 5000	/* RFC 3550 §6.2 minimum */
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
	bool tdm_err_logged;			/* a transient read error was logged */
	bool tdm_cushioned;			/* fax: silence written ahead (MEDIA_FAX_TX_CUSHION) */
	bool connected;				/* rtp_fd connect()ed to remote */
	bool can_connect;			/* rtp_fd bound to one address (engine_rtp_connect) */
	bool symmetric, latched;
	bool timed_out;
	bool stranger_logged;			/* a stranger's packet was logged */
	socklen_t remote_len;			/* 0: peer unknown, nothing is sent */
	uint32_t latched_ssrc;
	int rtcp_fd;				/* ≤ 0: none */
	uint64_t last_rx_us;			/* [µs] last valid RTP */
	unsigned rtp_timeout_ms;		/* [ms] the channel's own; 0: the engine's */
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
	uint32_t rtcp_ssrc;			/* sender SSRC of the report latched on */
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

enum cmd_type { CMD_ADD, CMD_MODIFY, CMD_EVENT };	/* removes travel as the channel's node */

struct cmd {
	enum cmd_type type;
	struct media_chan *ch;
	struct media_chan_params p;
	uint8_t te_event;			/* CMD_EVENT: RFC 4733 event code */
	unsigned te_ms;				/* [ms] its length */
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
	atomic_uint live;			/* channels added, not yet handed back */
};

enum { ST_FRAMES, ST_SENT, ST_RECV, ST_INVALID, ST_CONCEAL, ST_IDLE, ST_SENDERR, ST_EVDROP,
       ST_TE_SENT, ST_TE_RECV, ST_TDM_ERR };

/* engine.c */
void engine_send_failed(struct media_engine *e, struct media_chan *ch);

/* engine_udp.c: the RTP socket's peer (connect while symmetric, RFC 4961 latching). */
socklen_t engine_addr_len(const struct sockaddr_storage *ss);
bool engine_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
bool engine_bound_to_one_address(struct media_chan *ch);
void engine_rtp_connect(struct media_chan *ch);
void engine_rtp_disconnect(struct media_chan *ch);
ssize_t engine_rtp_send(struct media_chan *ch, const void *pkt, size_t len);
/* A packet (what: "RTP", "RTCP") from a stranger to the latched stream, dropped: counted,
 * logged once per channel. */
void engine_stranger(struct media_chan *ch, const char *what,
		     const struct sockaddr_storage *from, uint32_t ssrc);

/* engine_rtcp.c (RFC 3550 §6) */
void engine_rtcp_schedule(struct media_engine *e, struct media_chan *ch, uint64_t now, bool first);
/* Send one compound packet (SR or RR, SDES CNAME, and BYE if bye); schedule the next. */
void engine_rtcp_send(struct media_engine *e, struct media_chan *ch, uint64_t now, bool bye);
/* One RTCP datagram is readable on the channel's rtcp_fd. */
void engine_on_rtcp(struct media_engine *e, struct media_chan *ch, uint64_t now);

#endif
