/* Unit tests for gateway/status: the resource line the daemon writes on SIGUSR1 counts what
 * the objects hold (calls, media channels in the engine, busy B-channels, our fds by kind),
 * and each count returns when the resource is given back. A daemon is put together by hand:
 * one PRI span in its group of one, a running media engine, no libpri link. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/gw.h"
#include "gateway/span_group.h"
#include "gateway/status.h"
#include "media/engine.h"
#include "tdm/bchan.h"

static char path[64];

/* Write the status and return the value of key in it (-1: missing). */
static long stat_of(struct daemon *d, const char *key)
{
	char line[512], *p;
	size_t klen = strlen(key);
	FILE *f;

	cr_assert_eq(gw_status_write(d, path), 0);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	for (p = strtok(line, " \n"); p; p = strtok(NULL, " \n"))
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return strcmp(p + klen + 1, "-") ? atol(p + klen + 1) : 0;
	return -1;
}

static bool wait_removed(struct media_engine *e)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };
	struct media_event ev;

	for (int i = 0; i < 40; i++) {
		while (!media_engine_event_get(e, &ev))
			if (ev.type == MEDIA_EV_REMOVED)
				return true;
		(void)poll(&p, 1, 100);
	}
	return false;
}

Test(status, counts_follow_the_resources)
{
	struct conf_span span = { .number = 2, .type = SPAN_E1, .sig = SIG_PRI_CPE,
				  .bchans = (1u << 1) | (1u << 2) | (1u << 3) };
	const struct conf_span *spans[] = { &span };
	struct span_group_params gp = { .name = "span 2", .spans = spans, .nspans = 1 };
	struct conf conf = { .spans = &span, .nspans = 1 };
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct span_group *g;
	struct daemon d = { .conf = &conf, .groups = &g, .ngroups = 1 };
	struct bchan_req req = { .chan = { 2, 0 }, .span_only = true };
	struct bchan_ref got;
	struct media_chan *ch;
	int cause, sp[2], rtp;

	snprintf(path, sizeof(path), "/tmp/strowger-status-test.%d", (int)getpid());
	cr_assert_eq(span_group_alloc(&g, &gp), 0);
	cr_assert_eq(media_engine_alloc(&d.media, &ep), 0);

	long fds0 = stat_of(&d, "fds"), socks0 = stat_of(&d, "sockets");
	cr_expect_eq(stat_of(&d, "calls"), 0);
	cr_expect_eq(stat_of(&d, "media_channels"), 0);
	cr_expect_eq(stat_of(&d, "bchan_in_use"), 0);
	cr_expect_eq(stat_of(&d, "seq"), 6, "seq counts the writes");
	cr_expect_gt(fds0, 0);

	/* a call, a busy channel, a media channel on two new sockets */
	d.calls.ncalls = 1;
	d.calls.next_id = 7;
	bchan_set_span_usable(span_group_chans(g), 2, true);
	cr_assert_eq(bchan_acquire(span_group_chans(g), &req, &got, &cause), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(rtp, 0);
	struct media_chan_params p = { .cookie = 1, .tdm_fd = sp[0], .rtp_fd = rtp, .pt = 0,
				       .tdm_law = G711_LAW_ALAW, .ssrc = 1 };
	cr_assert_eq(media_engine_add(d.media, &p, &ch), 0);
	cr_expect_eq(stat_of(&d, "calls"), 1);
	cr_expect_eq(stat_of(&d, "calls_created"), 7);
	cr_expect_eq(stat_of(&d, "media_channels"), 1);
	cr_expect_eq(stat_of(&d, "bchan_in_use"), 1);
	cr_expect_eq(stat_of(&d, "fds"), fds0 + 3);
	cr_expect_eq(stat_of(&d, "sockets"), socks0 + 3);
	cr_expect_eq(stat_of(&d, "dchan_up"), 0, "no link: no D-channel up");

	/* all given back: the counts return */
	cr_assert_eq(media_engine_remove(d.media, ch), 0);
	cr_assert(wait_removed(d.media));
	cr_assert_eq(bchan_release(span_group_chans(g), got), 0);
	d.calls.ncalls = 0;
	close(sp[0]);
	close(sp[1]);
	close(rtp);
	cr_expect_eq(stat_of(&d, "media_channels"), 0);
	cr_expect_eq(stat_of(&d, "bchan_in_use"), 0);
	cr_expect_eq(stat_of(&d, "calls"), 0);
	cr_expect_eq(stat_of(&d, "fds"), fds0);
	cr_expect_eq(stat_of(&d, "sockets"), socks0);

	media_engine_free(d.media);
	span_group_free(g);
	unlink(path);
}

Test(status, unwritable_path_is_an_error)
{
	struct conf conf = { 0 };
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct daemon d = { .conf = &conf };

	cr_assert_eq(media_engine_alloc(&d.media, &ep), 0);
	cr_expect_eq(gw_status_write(&d, "/nonexistent-dir/status"), ENOENT);
	cr_expect_eq(gw_status_write(&d, ""), EINVAL);
	media_engine_free(d.media);
}
