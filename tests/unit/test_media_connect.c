/* Unit tests for media/engine's connected RTP socket: symmetric RTP (RFC 4961) latching
 * (on the stream's first packet; a new address only with the latched SSRC; strangers
 * dropped) with the socket connected to the peer, re-pointing on a remote change, and wildcard
 * sockets left unconnected. A socketpair stands in for the B-channel, loopback UDP for
 * the peers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/g711.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "tests/unit/log_capture.h"

static int udp(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)a, sizeof(*a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)a, &len), 0);
	return fd;
}

/* One 20 ms frame into the B-channel and the one the engine plays back. */
static void tick(int tdm)
{
	uint8_t frame[160], buf[2048];
	struct pollfd p = { .fd = tdm, .events = POLLIN };

	memset(frame, G711_ALAW_SILENCE, sizeof frame);
	cr_assert_eq(write(tdm, frame, 160), 160);
	cr_assert_eq(poll(&p, 1, 2000), 1);
	cr_assert_eq(read(tdm, buf, sizeof buf), 160);
}

/* RTP packets waiting at fd (the engine sends before it plays the frame back). */
static int drain(int fd)
{
	uint8_t buf[2048];
	int got = 0;

	while (recv(fd, buf, sizeof buf, 0) > 0)
		got++;
	return got;
}

/* One PCMU packet from fd to the engine; then time for the engine to take it. */
static void speak(int fd, const struct sockaddr_in *to, uint32_t ssrc, uint16_t seq)
{
	struct rtp_packetiser pk;
	uint8_t pkt[RTP_HDR_LEN + 160];

	rtp_packetiser_init(&pk, 0, ssrc, seq, 160u * seq);
	rtp_packetiser_next(&pk, pkt, 160);
	memset(pkt + RTP_HDR_LEN, G711_ULAW_SILENCE, 160);
	cr_assert_eq(sendto(fd, pkt, sizeof pkt, 0, (const struct sockaddr *)to, sizeof *to),
		     (ssize_t)sizeof pkt);
	usleep(3000);
}

static bool connected_to(int fd, const struct sockaddr_in *a)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;

	if (getpeername(fd, (struct sockaddr *)&peer, &len))
		return false;
	return peer.sin_port == a->sin_port && peer.sin_addr.s_addr == a->sin_addr.s_addr;
}

/* connected_to(), allowing the engine thread up to 2 s to take the packet that connects
 * it (speak()'s 3 ms are not always enough on a loaded machine). */
static bool connects_to(int fd, const struct sockaddr_in *a)
{
	for (int i = 0; i < 2000; i++) {
		if (connected_to(fd, a))
			return true;
		usleep(1000);
	}
	return false;
}

static bool unconnected(int fd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;

	return getpeername(fd, (struct sockaddr *)&peer, &len) && errno == ENOTCONN;
}

static int count_of(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static bool wait_removed(struct media_engine *e, struct media_event *ev)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };

	for (int i = 0; i < 40; i++) {
		while (!media_engine_event_get(e, ev))
			if (ev->type == MEDIA_EV_REMOVED)
				return true;
		(void)poll(&p, 1, 100);
	}
	return false;
}

/* The engine latches on the first source and connects to it (other sources go unheard
 * meanwhile); once that source has been quiet 100 ms it hears anyone again, but a stranger
 * (new SSRC, new address) is dropped, logged once, however long the quiet; the latched
 * SSRC from a new port (a NAT rebinding) is followed; a media modify re-opens latching; a
 * new remote re-points the socket at once; the socket is handed back unconnected. */
Test(media_connect, symmetric_latch)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, sdp_a, b_a, b2_a, c_a, d_a, now_a;
	socklen_t len = sizeof now_a;
	int sp[2], rtp_e, sdp_p, b_p, b2_p, c_p, d_p;
	struct media_event ev;
	const char *logs;
	char want[128];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	sdp_p = udp(&sdp_a);
	b_p = udp(&b_a);
	b2_p = udp(&b2_a);
	c_p = udp(&c_a);
	d_p = udp(&d_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 9, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .ssrc = 0x5EED,
				       .symmetric = true };
	memcpy(&p.remote, &sdp_a, sizeof sdp_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* the SDP address until the peer's RTP shows where it is */
	tick(sp[1]);
	cr_expect_eq(drain(sdp_p), 1);
	cr_expect(unconnected(rtp_e));

	/* B speaks: latched and connected; C is not heard while B goes on */
	for (int i = 0; i < 4; i++) {
		speak(b_p, &eng_a, 0xB, (uint16_t)(10 + i));
		if (i)
			speak(c_p, &eng_a, 0xC, (uint16_t)(500 + i));
		tick(sp[1]);
		cr_expect_eq(drain(b_p), 1, "frame %d not sent to B", i);
		cr_expect_eq(drain(c_p), 0, "frame %d sent to C", i);
		cr_expect(connects_to(rtp_e, &b_a), "frame %d: not connected to B", i);
	}
	cr_expect_eq(drain(sdp_p), 0);

	/* B falls quiet: after 100 ms anyone is heard, but C (new SSRC, new address) is a
	 * stranger: dropped, the stream stays B's, one log line for many packets */
	usleep(150000);
	tick(sp[1]);
	cr_expect(unconnected(rtp_e));
	cr_expect_eq(drain(b_p), 1);
	log_capture_start();
	for (int i = 0; i < 3; i++) {
		speak(c_p, &eng_a, 0xC, (uint16_t)(600 + i));
		tick(sp[1]);
		cr_expect_eq(drain(c_p), 0, "stranger C took the stream (packet %d)", i);
		cr_expect_eq(drain(b_p), 1);
	}
	usleep(300000);		/* a long quiet changes nothing */
	speak(c_p, &eng_a, 0xC, 700);
	tick(sp[1]);
	logs = log_capture_stop();
	cr_expect_eq(drain(c_p), 0, "stranger C took the stream after a long quiet");
	cr_expect_eq(drain(b_p), 1);
	snprintf(want, sizeof want, "RTP from stranger 127.0.0.1:%u ssrc 0000000c dropped",
		 ntohs(c_a.sin_port));
	cr_expect(strstr(logs, want), "no \"%s\" in:\n%s", want, logs);
	cr_expect_eq(count_of(logs, "from stranger"), 1, "logged more than once:\n%s", logs);

	/* B's NAT rebinds: the same SSRC from a new port is followed */
	speak(b2_p, &eng_a, 0xB, 20);
	tick(sp[1]);
	cr_expect_eq(drain(b2_p), 1, "the latched SSRC from a new port not followed");
	cr_expect_eq(drain(b_p), 0);
	cr_expect(connects_to(rtp_e, &b2_a));

	/* a re-INVITE (media modify, still symmetric) re-opens latching: C is heard now */
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	usleep(20000);
	speak(c_p, &eng_a, 0xC, 800);
	tick(sp[1]);
	cr_expect_eq(drain(c_p), 1, "a media modify did not re-open latching");
	cr_expect_eq(drain(b2_p), 0);
	cr_expect(connects_to(rtp_e, &c_a));

	/* a new remote (re-INVITE), not symmetric: sent there at once; unconnected, so
	 * another source is heard, until RTP comes from the remote itself */
	p.symmetric = false;
	memcpy(&p.remote, &d_a, sizeof d_a);
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	usleep(20000);
	cr_expect(unconnected(rtp_e));
	tick(sp[1]);
	cr_expect_eq(drain(d_p), 1);
	cr_expect_eq(drain(c_p), 0);
	speak(c_p, &eng_a, 0xC, 601);
	tick(sp[1]);
	cr_expect(unconnected(rtp_e), "connected to a source we do not send to");
	cr_expect_eq(drain(d_p), 1);
	speak(d_p, &eng_a, 0xD, 1);
	tick(sp[1]);
	cr_expect(connects_to(rtp_e, &d_a));
	cr_expect_eq(drain(d_p), 1);

	/* the same remote again (e.g. going on hold): still connected */
	p.no_send = true;
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	usleep(20000);
	tick(sp[1]);
	cr_expect(connects_to(rtp_e, &d_a));
	cr_expect_eq(drain(d_p), 0, "sent while no_send");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert(wait_removed(e, &ev));
	cr_expect_eq(ev.stats.packets_received, 4 + 1 + 1 + 1 + 1,
		     "C heard while B was connected");
	cr_expect_eq(ev.stats.strangers_dropped, 4);
	cr_expect(unconnected(rtp_e), "socket handed back connected");
	/* Linux drops a kernel-chosen port on disconnect; the engine keeps it */
	cr_assert_eq(getsockname(rtp_e, (struct sockaddr *)&now_a, &len), 0);
	cr_expect_eq(now_a.sin_port, eng_a.sin_port, "socket handed back on another port");
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(sdp_p);
	close(b_p);
	close(b2_p);
	close(c_p);
	close(d_p);
}

/* Packets queued before the connect still come from anyone: one from a new source (new
 * SSRC) is a stranger to the stream latched on the first, and dropped. Queued before the
 * channel is added, both are there when the engine connects to the first. */
Test(media_connect, queued_source_repoints)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, b_a, c_a;
	int sp[2], rtp_e, b_p, c_p;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	b_p = udp(&b_a);
	c_p = udp(&c_a);
	speak(b_p, &eng_a, 0xB, 1);
	speak(c_p, &eng_a, 0xC, 1);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 4, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .symmetric = true };
	memcpy(&p.remote, &b_a, sizeof b_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	usleep(20000);
	tick(sp[1]);
	cr_expect_eq(drain(b_p), 1, "not sent to the source latched first");
	cr_expect_eq(drain(c_p), 0, "re-latched on a stranger");
	cr_expect(connects_to(rtp_e, &b_a));
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(b_p);
	close(c_p);
}

/* One RR (sender ssrc) from fd to the engine's RTCP port; then time to take it. */
static void report(int fd, const struct sockaddr_in *to, uint32_t ssrc)
{
	uint8_t out[RTCP_MAX_LEN];
	size_t len;

	cr_assert_eq(rtcp_build(&(struct rtcp_build_params){ .ssrc = ssrc, .cname = "p" }, out,
				sizeof out, &len), 0);
	cr_assert_eq(sendto(fd, out, len, 0, (const struct sockaddr *)to, sizeof *to),
		     (ssize_t)len);
	usleep(3000);
}

/* Frames until the engine's next RTCP report arrives at one of the peers' RTCP sockets;
 * return which (or -1 after 3 s). */
static int next_report_at(int tdm, const int *fds, int n)
{
	uint8_t buf[2048];

	for (int f = 0; f < 150; f++) {
		tick(tdm);
		usleep(20000);
		for (int i = 0; i < n; i++)
			if (recv(fds[i], buf, sizeof buf, 0) > 0)
				return i;
	}
	return -1;
}

/* RTCP latches as RTP does: the latched stream's report from a stranger's address with
 * another SSRC is dropped; the latched SSRC from a new port moves the reports there. */
Test(media_connect, rtcp_stranger_dropped)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0, .rtcp_interval_ms = 200 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, eng_c, b_a, bc_a, b2c_a, cc_a;
	int sp[2], rtp_e, rtcp_e, b_p, fds[3];
	struct media_event ev;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtcp_e = udp(&eng_c);
	b_p = udp(&b_a);
	fds[0] = udp(&bc_a);
	fds[1] = udp(&b2c_a);
	fds[2] = udp(&cc_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 7, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .rtcp_fd = rtcp_e, .tdm_law = G711_LAW_ALAW, .pt = 0,
				       .ssrc = 0x5EED, .symmetric = true, .cname = "gw" };
	memcpy(&p.remote, &b_a, sizeof b_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	speak(b_p, &eng_a, 0xB, 1);		/* RTP latched on 0xB */
	report(fds[0], &eng_c, 0xB);		/* its RTCP latched on B's port */
	report(fds[2], &eng_c, 0xC);		/* a stranger */
	cr_expect_eq(next_report_at(sp[1], fds, 3), 0, "reports not sent to B's RTCP port");
	report(fds[2], &eng_c, 0xC);
	cr_expect_eq(next_report_at(sp[1], fds, 3), 0, "a stranger took the RTCP");
	report(fds[1], &eng_c, 0xB);		/* B's NAT rebinds the RTCP port */
	cr_expect_eq(next_report_at(sp[1], fds, 3), 1, "the latched SSRC not followed");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert(wait_removed(e, &ev));
	cr_expect_eq(ev.stats.rtcp_received, 2);
	cr_expect_eq(ev.stats.strangers_dropped, 2);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtcp_e);
	close(b_p);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

/* A connected peer's port closes and reopens: the ICMP port unreachable the engine's
 * sends provoke costs no packet once the port is back (as unconnected, where it was
 * never reported). */
Test(media_connect, port_unreachable_loses_nothing)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	int sp[2], rtp_e, rtp_p;
	uint8_t buf[2048];
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t plen;
	ssize_t r;
	uint16_t prev;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 2, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .seq0 = 100 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	speak(rtp_p, &eng_a, 0xA, 1);
	tick(sp[1]);
	cr_assert(connects_to(rtp_e, &peer_a));
	cr_assert_eq(drain(rtp_p), 1);

	close(rtp_p);		/* the next packet draws an ICMP port unreachable */
	tick(sp[1]);
	rtp_p = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(bind(rtp_p, (struct sockaddr *)&peer_a, sizeof peer_a), 0);
	for (int i = 0; i < 3; i++)
		tick(sp[1]);
	r = recv(rtp_p, buf, sizeof buf, 0);
	cr_assert_gt(r, 0);
	cr_assert_eq(rtp_decode(&h, buf, (size_t)r, &pl, &plen), 0);
	cr_expect_eq(h.seq, 102, "the packet after the ICMP was lost");
	prev = h.seq;
	while ((r = recv(rtp_p, buf, sizeof buf, 0)) > 0) {
		cr_assert_eq(rtp_decode(&h, buf, (size_t)r, &pl, &plen), 0);
		cr_expect_eq(h.seq, (uint16_t)(prev + 1));
		prev = h.seq;
	}
	cr_expect_eq(prev, 104);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
}

/* A socket bound to the wildcard address is never connected: connect() would narrow its
 * local address to the route's source. */
Test(media_connect, wildcard_socket_not_connected)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	socklen_t len = sizeof eng_a;
	int sp[2], rtp_e, rtp_p;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&eng_a, 0, sizeof eng_a);
	eng_a.sin_family = AF_INET;
	cr_assert_eq(bind(rtp_e, (struct sockaddr *)&eng_a, sizeof eng_a), 0);
	cr_assert_eq(getsockname(rtp_e, (struct sockaddr *)&eng_a, &len), 0);
	eng_a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 1, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .symmetric = true };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	for (int i = 0; i < 3; i++) {
		speak(rtp_p, &eng_a, 0xA, (uint16_t)i);
		tick(sp[1]);
		cr_expect_eq(drain(rtp_p), 1);
	}
	cr_expect(unconnected(rtp_e));
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
}
