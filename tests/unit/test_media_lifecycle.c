/* media/engine lifecycle under full queues (issue hole 2): remove never fails, and every
 * removed channel's MEDIA_EV_REMOVED arrives even when the event queue is full. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/engine.h"

#define NCH 24

struct tchan {
	int sp[2], rtp;
	struct media_chan *mc;
};

static int udp_lo(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Add n channels; a full command queue (tiny queue_len) is retried, as it may be. */
static void add_all(struct media_engine *e, struct tchan *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct media_chan_params p = { .cookie = 1000 + i, .tdm_law = G711_LAW_ALAW,
					       .pt = 8, .ssrc = i };
		int err;

		cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, c[i].sp), 0);
		c[i].rtp = udp_lo();
		p.tdm_fd = c[i].sp[0];
		p.rtp_fd = c[i].rtp;
		for (int tries = 0; (err = media_engine_add(e, &p, &c[i].mc)) == EAGAIN &&
				    tries < 1000; tries++)
			usleep(1000);
		cr_assert_eq(err, 0);
	}
}

static void close_all(struct tchan *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		close(c[i].sp[0]);
		close(c[i].sp[1]);
		close(c[i].rtp);
	}
}

/* Take events until every channel's REMOVED came (each once) or 3 s pass quietly. */
static unsigned collect_removed(struct media_engine *e, bool *seen, unsigned n)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };
	unsigned got = 0;
	struct media_event ev;

	while (got < n && poll(&p, 1, 3000) == 1) {
		while (!media_engine_event_get(e, &ev)) {
			if (ev.type != MEDIA_EV_REMOVED)
				continue;
			cr_assert(ev.cookie >= 1000 && ev.cookie < 1000 + n);
			cr_assert_not(seen[ev.cookie - 1000], "REMOVED twice for %llu",
				      (unsigned long long)ev.cookie);
			seen[ev.cookie - 1000] = true;
			got++;
		}
	}
	return got;
}

/* The event queue (2 entries) is filled by RTP timeouts nobody takes; then every channel
 * is removed: each REMOVED must still come (the call would never be freed otherwise). */
Test(media_lifecycle, removed_survives_full_event_queue, .timeout = 30)
{
	struct media_engine_params ep = { .rtp_timeout_ms = 1, .queue_len = 2 };
	struct media_engine *e;
	struct media_engine_stats st;
	static struct tchan c[NCH];
	bool seen[NCH] = { false };

	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	add_all(e, c, NCH);
	/* The timeout sweep runs once a second: wait until it overflowed the queue. */
	for (int i = 0; i < 40; i++) {
		media_engine_stats(e, &st);
		if (st.events_dropped >= NCH - 2)
			break;
		usleep(100000);
	}
	cr_assert_geq(st.events_dropped, NCH - 2, "the event queue did not fill (%llu dropped)",
		      (unsigned long long)st.events_dropped);
	for (unsigned i = 0; i < NCH; i++) {
		int err;

		/* (EAGAIN is retried: the next test is about refusals; this one is about loss) */
		for (int tries = 0; (err = media_engine_remove(e, c[i].mc)) == EAGAIN &&
				    tries < 1000; tries++)
			usleep(1000);
		cr_assert_eq(err, 0);
	}
	cr_expect_eq(collect_removed(e, seen, NCH), NCH, "a REMOVED was lost");
	media_engine_free(e);
	close_all(c, NCH);
}

/* A one-entry command queue and a burst of removes: none may be refused (the caller would
 * take a refusal for "already gone" and close fds the engine still polls). A second
 * remove is harmless, and a modify after remove is refused without touching the engine. */
Test(media_lifecycle, remove_never_refused, .timeout = 30)
{
	struct media_engine_params ep = { .queue_len = 1 };
	struct media_engine *e;
	static struct tchan c[NCH];
	bool seen[NCH] = { false };
	struct media_chan_params mp = { .tdm_law = G711_LAW_ULAW, .pt = 0 };

	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	add_all(e, c, NCH);
	/* Fill the command queue with a modify where we can, then remove everything at once. */
	(void)media_engine_modify(e, c[0].mc, &mp);
	for (unsigned i = 0; i < NCH; i++)
		cr_assert_eq(media_engine_remove(e, c[i].mc), 0, "remove %u refused", i);
	cr_assert_eq(media_engine_remove(e, c[3].mc), 0, "a second remove is a no-op");
	cr_assert_eq(media_engine_modify(e, c[5].mc, &mp), EINVAL,
		     "a channel being removed cannot be modified");
	cr_expect_eq(collect_removed(e, seen, NCH), NCH, "a REMOVED was lost");
	media_engine_free(e);
	close_all(c, NCH);
}

/* Stopping the engine with removes and REMOVED events outstanding frees everything once
 * (ASan's leak check and double-free detection are the judges). */
Test(media_lifecycle, free_with_requests_pending)
{
	struct media_engine_params ep = { .queue_len = 4 };
	struct media_engine *e;
	static struct tchan c[8];

	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	add_all(e, c, 8);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(media_engine_remove(e, c[i].mc), 0);
	usleep(50000);		/* some REMOVED wait untaken, */
	for (unsigned i = 4; i < 6; i++)	/* some requests may not be picked up */
		cr_assert_eq(media_engine_remove(e, c[i].mc), 0);
	media_engine_free(e);
	close_all(c, 8);
}
