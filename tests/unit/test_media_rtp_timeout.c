/* media/engine: a channel's own RTP inactivity timeout (the trunk's rtp_timeout) raises
 * MEDIA_EV_RTP_TIMEOUT once, saying how long the peer was silent, on an engine whose own
 * timeout is off; a channel on hold either way (no_recv, no_send) or with the timeout off
 * never raises it;
 * RTP keeps it quiet. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/rtp.h"

static int udp(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	getsockname(fd, (struct sockaddr *)a, &len);
	return fd;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct line {
	int sp[2], rtp, peer;
	struct sockaddr_in rtp_a, peer_a;
	struct media_chan *ch;
};

static void line_add(struct media_engine *e, struct line *l, uint64_t cookie,
		     unsigned timeout_ms, bool no_recv, bool no_send)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, l->sp), 0);
	l->rtp = udp(&l->rtp_a);
	l->peer = udp(&l->peer_a);
	struct media_chan_params p = { .cookie = cookie, .tdm_fd = l->sp[0], .rtp_fd = l->rtp,
				       .tdm_law = G711_LAW_ULAW, .pt = 0,
				       .rtp_timeout_ms = timeout_ms, .no_recv = no_recv,
				       .no_send = no_send };
	memcpy(&p.remote, &l->peer_a, sizeof l->peer_a);
	cr_assert_eq(media_engine_add(e, &p, &l->ch), 0);
}

static void line_close(struct line *l)
{
	close(l->sp[0]);
	close(l->sp[1]);
	close(l->rtp);
	close(l->peer);
}

Test(media_rtp_timeout, per_channel)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct line quiet, held, off, talking, held_by_peer;
	unsigned timeouts[6] = { 0 }, silent = 0;
	uint64_t t0, quiet_at = 0;
	uint16_t seq = 0;

	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	line_add(e, &quiet, 1, 1200, false, false);
	line_add(e, &held, 2, 1200, true, false);
	line_add(e, &off, 3, 0, false, false);
	line_add(e, &talking, 4, 1200, false, false);
	line_add(e, &held_by_peer, 5, 1200, false, true);
	t0 = now_ms();
	while (now_ms() - t0 < 3500) {
		struct pollfd pf = { .fd = media_engine_event_fd(e), .events = POLLIN };
		struct media_event ev;
		uint8_t pkt[12 + 160];
		struct rtp_packetiser pk;

		/* the talking peer: a packet every 100 ms */
		rtp_packetiser_init(&pk, 0, 5, seq, (uint32_t)seq * 160u);
		rtp_packetiser_next(&pk, pkt, 160);
		memset(pkt + 12, 0xFF, 160);
		seq++;
		(void)sendto(talking.peer, pkt, sizeof pkt, 0, (struct sockaddr *)&talking.rtp_a,
			     sizeof talking.rtp_a);
		(void)poll(&pf, 1, 100);
		while (!media_engine_event_get(e, &ev)) {
			if (ev.type != MEDIA_EV_RTP_TIMEOUT)
				continue;
			cr_assert_lt(ev.cookie, 6);
			timeouts[ev.cookie]++;
			if (ev.cookie == 1) {
				quiet_at = now_ms() - t0;
				silent = ev.silent_ms;
			}
		}
	}
	cr_expect_eq(timeouts[1], 1, "the silent peer: one event (%u)", timeouts[1]);
	cr_expect(quiet_at >= 1200 && quiet_at <= 2500, "raised at %llu ms",
		  (unsigned long long)quiet_at);
	cr_expect(silent >= 1200 && silent <= 2500, "silent_ms %u", silent);
	cr_expect_eq(timeouts[2], 0, "on hold (no_recv): no timeout");
	cr_expect_eq(timeouts[3], 0, "timeout off: none");
	cr_expect_eq(timeouts[4], 0, "RTP arriving: none");
	cr_expect_eq(timeouts[5], 0, "held by the peer (no_send, its sendonly): none");
	media_engine_free(e);
	line_close(&quiet);
	line_close(&held);
	line_close(&off);
	line_close(&talking);
	line_close(&held_by_peer);
}
