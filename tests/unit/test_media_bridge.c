/* TDM ⇄ TDM: pipe_tdm on its own (law conversion both ways, a copy when the laws agree)
 * and media_engine_add_bridge over socketpairs standing in for two B-channels (160-byte
 * blocks): blocks cross both ways, A-law ⇄ µ-law, until removed; disconnect supervision on
 * one side of pipe_tdm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/g711.h"
#include "media/pipe_tdm.h"
#include "tdm/analog.h"

static void pattern(uint8_t *b, unsigned seed)
{
	for (int i = 0; i < 160; i++)
		b[i] = (uint8_t)(i * 7 + seed * 31);
}

Test(media_bridge, pipe_tdm_laws)
{
	struct pipe_tdm p;
	uint8_t in[160], out[160];

	pattern(in, 1);
	cr_assert_eq(pipe_tdm_init(&p, G711_LAW_ALAW, G711_LAW_ULAW, NULL, NULL), 0);
	cr_expect_eq(pipe_tdm_frame(&p, 0, in, out), MEDIA_DISC_NONE);
	for (int i = 0; i < 160; i++)
		cr_expect_eq(out[i], g711_alaw_to_ulaw(in[i]), "a → b converts A-law to µ-law");
	pipe_tdm_frame(&p, 1, in, out);
	for (int i = 0; i < 160; i++)
		cr_expect_eq(out[i], g711_ulaw_to_alaw(in[i]), "b → a converts µ-law to A-law");
	cr_expect_eq(p.frames[0], 1);
	cr_expect_eq(p.frames[1], 1);

	cr_assert_eq(pipe_tdm_init(&p, G711_LAW_ULAW, G711_LAW_ULAW, NULL, NULL), 0);
	pipe_tdm_frame(&p, 0, in, out);
	cr_expect_arr_eq(out, in, 160, "same law: the block passes unchanged");
	pipe_tdm_release(&p);
}

static ssize_t read_wait(int fd, uint8_t *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, buf, len);
}

static bool wait_removed(struct media_engine *e, uint64_t cookie)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };
	struct media_event ev;

	while (poll(&p, 1, 2000) == 1)
		while (!media_engine_event_get(e, &ev))
			if (ev.type == MEDIA_EV_REMOVED && ev.cookie == cookie)
				return true;
	return false;
}

Test(media_bridge, engine_bridges_two_b_channels, .timeout = 20)
{
	struct media_engine_params ep = { 0 };
	struct media_engine *e;
	struct media_chan *br;
	int a[2], b[2];		/* [0]: the engine's end, [1]: the "driver's" */
	uint8_t in[160], out[256];
	struct media_chan_params mp = { .pt = 0 };

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, a), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, b), 0);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	cr_assert_eq(media_engine_add_bridge(e, &(struct media_bridge_params){
			.cookie = 5, .fd_a = a[0], .fd_b = a[0], .law_a = G711_LAW_ALAW },
			&br), EINVAL, "one fd on both sides");
	cr_assert_eq(media_engine_add_bridge(e, &(struct media_bridge_params){
			.cookie = 5, .fd_a = a[0], .fd_b = b[0], .law_a = G711_LAW_ALAW,
			.law_b = G711_LAW_ULAW }, &br), 0);
	cr_expect_eq(media_engine_modify(e, br, &mp), EINVAL, "a bridge has nothing to modify");

	for (unsigned k = 0; k < 5; k++) {
		pattern(in, k);
		cr_assert_eq(write(a[1], in, 160), 160);
		cr_assert_eq(read_wait(b[1], out, sizeof out, 2000), 160, "block %u a → b", k);
		for (int i = 0; i < 160; i++)
			cr_assert_eq(out[i], g711_alaw_to_ulaw(in[i]));
		cr_assert_eq(write(b[1], in, 160), 160);
		cr_assert_eq(read_wait(a[1], out, sizeof out, 2000), 160, "block %u b → a", k);
		for (int i = 0; i < 160; i++)
			cr_assert_eq(out[i], g711_ulaw_to_alaw(in[i]));
	}
	cr_assert_eq(media_engine_remove(e, br), 0);
	cr_assert(wait_removed(e, 5));
	cr_assert_eq(write(a[1], in, 160), 160);
	cr_expect_eq(read_wait(b[1], out, sizeof out, 200), -1, "removed: nothing crosses");
	media_engine_free(e);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* A side that closes stops being read (level-triggered epoll would otherwise report its
 * EOF forever: the engine thread would spin), and the bridge still removes cleanly. */
Test(media_bridge, dead_side_is_dropped, .timeout = 20)
{
	struct media_engine_params ep = { 0 };
	struct media_engine *e;
	struct media_chan *br;
	int a[2], b[2];
	uint8_t in[160], out[256];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, a), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, b), 0);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	cr_assert_eq(media_engine_add_bridge(e, &(struct media_bridge_params){
			.cookie = 6, .fd_a = a[0], .fd_b = b[0], .law_a = G711_LAW_ULAW,
			.law_b = G711_LAW_ULAW }, &br), 0);
	struct media_engine_stats s0, s1;

	pattern(in, 9);
	close(a[1]);		/* side a's "driver" goes away: EOF on a[0] */
	usleep(50000);
	media_engine_stats(e, &s0);
	usleep(300000);
	media_engine_stats(e, &s1);
	cr_expect_lt(s1.cpu_ns - s0.cpu_ns, 30000000u, "engine busy on a dead fd: %llu ns in 300 ms",
		     (unsigned long long)(s1.cpu_ns - s0.cpu_ns));
	cr_assert_eq(write(b[1], in, 160), 160);
	usleep(50000);
	cr_assert_eq(media_engine_remove(e, br), 0);
	cr_assert(wait_removed(e, 6), "the engine survived a dead side and removed the bridge");
	(void)read_wait(a[0], out, sizeof out, 0);
	media_engine_free(e);
	close(a[0]);
	close(b[0]);
	close(b[1]);
}

/* Disconnect supervision on one side of a bridge (an FXO port to a PRI channel): the zone's
 * busy tone in its cadence from side a is recognised after two cycles and passes through
 * unchanged; side b has none and says nothing of the same tone. */
Test(media_bridge, pipe_tdm_supervision)
{
	struct media_line_sup sup = { .busy = "480+620/500,0/500", .congestion = "480+620/250,0/250" };
	struct pipe_tdm p;
	int16_t cycle[8000];
	uint8_t in[160], out[160];
	unsigned busy_at = 0, other = 0;

	cr_assert_eq(analog_tone_render(sup.busy, cycle, 8000), 8000, "one 500/500 cycle");
	cr_assert_eq(pipe_tdm_init(&p, G711_LAW_ULAW, G711_LAW_ULAW, &sup, NULL), 0);
	cr_assert_not_null(p.sup[0]);
	cr_assert_null(p.sup[1]);
	for (unsigned f = 0; f < 4 * 50; f++) {	/* 4 s: 4 cycles */
		g711_block_encode(G711_LAW_ULAW, in, cycle + (f % 50) * 160, 160);
		enum media_disconnect d = pipe_tdm_frame(&p, 0, in, out);
		cr_assert_arr_eq(out, in, 160);
		if (d == MEDIA_DISC_BUSY && !busy_at)
			busy_at = f;
		else if (d && d != MEDIA_DISC_BUSY)
			other++;
		cr_assert_eq(pipe_tdm_frame(&p, 1, in, out), MEDIA_DISC_NONE, "side b has none");
	}
	cr_expect(busy_at >= 2 * 50 - 25 && busy_at < 3 * 50 + 25, "busy after %u frames", busy_at);
	cr_expect_eq(other, 0, "congestion or silence reported %u times", other);
	pipe_tdm_release(&p);

	struct media_line_sup bad = { .busy = "not a tone" };
	cr_expect_eq(pipe_tdm_init(&p, G711_LAW_ULAW, G711_LAW_ULAW, NULL, &bad), EINVAL);
}
