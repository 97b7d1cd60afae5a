/* Unit tests for media/dtmf (detector) and media/engine over a socketpair B-channel and
 * loopback UDP: RTP out, DTMF events and muting, RTP in to TDM, remove. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <spandsp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/dtmf.h"
#include "media/engine.h"
#include "media/g711.h"
#include "media/rtp.h"

/* 160-sample frames of "1", "2" (SpanDSP dtmf_tx: 50 ms on, 55 ms off) then silence. */
static int dtmf_frames(const char *digits, int16_t (*frames)[160], int nframes)
{
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);

	dtmf_tx_put(tx, digits, -1);
	for (int i = 0; i < nframes; i++) {
		int n = dtmf_tx(tx, frames[i], 160);

		memset(frames[i] + n, 0, (size_t)(160 - n) * 2);
	}
	dtmf_tx_free(tx);
	return nframes;
}

Test(media_engine, dtmf_detector_start_end)
{
	static int16_t f[40][160];
	struct dtmf_det *d;
	struct dtmf_det_event ev[4];
	char seen[16] = "";
	size_t k = 0;

	dtmf_frames("12#", f, 40);
	cr_assert_eq(dtmf_det_alloc(&d), 0);
	for (int i = 0; i < 40; i++) {
		unsigned n = dtmf_det_process(d, f[i], 160, ev, 4, NULL);

		for (unsigned j = 0; j < n && k + 2 < sizeof seen; j++) {
			seen[k++] = ev[j].digit;
			seen[k++] = ev[j].end ? '.' : '+';
		}
	}
	cr_expect_str_eq(seen, "1+1.2+2.#+#.");
	cr_expect_eq(dtmf_digit_to_event('#'), 11);
	cr_expect_eq(dtmf_digit_to_event('D'), 15);
	cr_expect_eq(dtmf_digit_to_event('x'), -1);
	cr_expect_eq(dtmf_event_to_digit(10), '*');
	dtmf_det_free(d);
}

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

static ssize_t wait_read(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return read(fd, buf, len);
}

static bool wait_event(struct media_engine *e, struct media_event *ev)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };

	for (int i = 0; i < 20; i++) {
		if (!media_engine_event_get(e, ev))
			return true;
		(void)poll(&p, 1, 100);
	}
	return false;
}

Test(media_engine, channel_end_to_end)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	int sp[2], rtp_e, rtp_p;
	static int16_t f[30][160];
	uint8_t frame[160], buf[2048];
	struct media_event ev;
	unsigned starts = 0, ends = 0, toned = 0;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 77, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .dtmf_detect = true,
				       .ssrc = 0x11223344, .seq0 = 65535, .ts0 = 1000 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	dtmf_frames("5", f, 30);
	for (int i = 0; i < 30; i++) {
		struct rtp_hdr h;
		const uint8_t *pl;
		size_t n;
		ssize_t r;

		g711_block_encode(G711_LAW_ALAW, frame, f[i], 160);
		cr_assert_eq(write(sp[1], frame, 160), 160);
		/* TDM-paced playout: one frame back per frame in; idle silence for now. */
		cr_assert_eq(wait_read(sp[1], buf, sizeof buf), 160);
		cr_expect_eq(buf[0], G711_ALAW_SILENCE);
		if (i == 0)
			continue; /* audio is held one frame */
		r = wait_read(rtp_p, buf, sizeof buf);
		cr_assert_eq(r, 172);
		cr_assert_eq(rtp_decode(&h, buf, (size_t)r, &pl, &n), 0);
		cr_expect_eq(h.pt, 0);
		cr_expect_eq(h.ssrc, 0x11223344u);
		cr_expect_eq(h.seq, (uint16_t)(65535 + i - 1));
		cr_expect_eq(h.ts, 1000u + 160u * (unsigned)(i - 1));
		cr_expect_eq(h.marker, i == 1);
		/* The tone (frames 0-2 carry 50 ms of it) never reaches RTP: silence. */
		if (i <= 3) {
			for (int j = 0; j < 160; j++)
				toned += abs(g711_ulaw_to_linear(pl[j])) > 16;
		}
	}
	cr_expect_eq(toned, 0);
	while (wait_event(e, &ev)) {
		cr_expect_eq(ev.cookie, 77);
		cr_expect_eq(ev.digit, '5');
		starts += ev.type == MEDIA_EV_DTMF_START;
		ends += ev.type == MEDIA_EV_DTMF_END;
		if (starts && ends)
			break;
	}
	cr_expect_eq(starts, 1);
	cr_expect_eq(ends, 1);

	/* RTP in: two packets fill the 20 ms jitter buffer, then frames play out (law
	 * converted PCMU -> A-law). */
	for (int i = 0; i < 3; i++) {
		struct rtp_packetiser pk;
		uint8_t pkt[172];

		rtp_packetiser_init(&pk, 0, 99, (uint16_t)(500 + i), (uint32_t)(160 * i));
		rtp_packetiser_next(&pk, pkt, 160);
		memset(pkt + 12, g711_linear_to_ulaw(1000), 160);
		cr_assert_eq(sendto(rtp_p, pkt, sizeof pkt, 0, (struct sockaddr *)&eng_a,
				    sizeof eng_a), 172);
	}
	usleep(50000);
	cr_assert_eq(write(sp[1], frame, 160), 160);
	cr_assert_eq(wait_read(sp[1], buf, sizeof buf), 160);
	cr_expect_eq(buf[0], g711_ulaw_to_alaw(g711_linear_to_ulaw(1000)));

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert(wait_event(e, &ev));
	while (ev.type != MEDIA_EV_REMOVED && wait_event(e, &ev))
		;
	cr_expect_eq(ev.type, MEDIA_EV_REMOVED);
	cr_expect_eq(ev.cookie, 77);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
}

Test(media_engine, rtp_timeout_event_and_bad_params)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 100 };
	struct media_chan *ch;
	struct sockaddr_in a;
	int sp[2], fd;
	struct media_event ev;
	struct media_chan_params p = { .cookie = 5, .tdm_law = G711_LAW_ULAW, .pt = 0 };

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	fd = udp(&a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	p.tdm_fd = sp[0];
	p.rtp_fd = fd;
	p.pt = 18;
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);
	p.pt = 0;
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	cr_assert(wait_event(e, &ev) || wait_event(e, &ev));
	cr_expect_eq(ev.type, MEDIA_EV_RTP_TIMEOUT);
	cr_expect_eq(ev.cookie, 5);
	p.pt = 8;
	cr_expect_eq(media_engine_modify(e, ch, &p), 0);
	media_engine_free(e); /* frees the channel still present */
	close(sp[0]);
	close(sp[1]);
	close(fd);
}
