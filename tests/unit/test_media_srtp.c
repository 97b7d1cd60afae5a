/* Unit tests for media/transport_srtp (SRTP/SRTCP, RFC 3711, libsrtp2): each suite's round
 * trip and overhead, a tampered, a replayed and a wrongly keyed packet refused; then through
 * the engine over a socketpair B-channel and loopback UDP: audio both ways protected,
 * a replay and a tampered packet dropped and counted, SRTCP both ways, re-keying by modify. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/g711.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/transport.h"

static const struct media_transport_pts pts0 = { .pt = 0, .rx_te_pt = 0 };

static void fill_key(uint8_t *k, uint8_t seed)
{
	for (int i = 0; i < MEDIA_SRTP_KEY_MAX; i++)
		k[i] = (uint8_t)(seed + 7 * i);
}

/* Two ends of one SRTP session: a sends with key 1, b with key 2. */
static void pair(enum media_srtp_suite suite, struct media_transport **a,
		 struct media_transport **b)
{
	struct media_srtp_params pa = { .suite = suite }, pb = { .suite = suite };

	fill_key(pa.tx_key, 1);
	fill_key(pa.rx_key, 2);
	fill_key(pb.tx_key, 2);
	fill_key(pb.rx_key, 1);
	cr_assert_eq(transport_srtp_alloc(a, &pts0, &pa), 0);
	cr_assert_eq(transport_srtp_alloc(b, &pts0, &pb), 0);
}

static size_t audio_pkt(uint8_t *buf, uint16_t seq, uint8_t fill)
{
	struct rtp_packetiser pk;
	size_t n;

	rtp_packetiser_init(&pk, 0, 0xABCD, seq, 160u * seq);
	n = rtp_packetiser_next(&pk, buf, 160);
	memset(buf + n, fill, 160);
	return n + 160;
}

Test(media_srtp, suites_round_trip_and_overhead)
{
	const struct { enum media_srtp_suite s; size_t tag; unsigned klen; } v[] = {
		{ MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, 10, 30 },
		{ MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, 4, 30 },
		{ MEDIA_SRTP_AEAD_AES_128_GCM, 16, 28 },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct media_transport *a, *b;
		uint8_t pkt[512], plain[512];
		struct media_rx rx;
		size_t len = audio_pkt(pkt, 10, 0x55), plen = len;

		cr_expect_eq(media_srtp_key_len(v[i].s), v[i].klen);
		pair(v[i].s, &a, &b);
		memcpy(plain, pkt, len);
		cr_assert_eq(a->ops->seal(a, pkt, &len, sizeof pkt), 0);
		cr_expect_eq(len, plen + v[i].tag, "suite %d: %zu bytes", v[i].s, len);
		cr_expect_neq(memcmp(pkt + 12, plain + 12, 160), 0, "payload encrypted");
		cr_assert_eq(b->ops->open(b, pkt, len, &rx), 0);
		cr_expect_eq(rx.kind, MEDIA_RX_AUDIO);
		cr_expect_eq(rx.plen, 160);
		cr_expect_eq(rx.h.seq, 10);
		cr_expect_eq(memcmp(rx.pl, plain + 12, 160), 0);
		/* b's own key does not open b's packets at b: the keys are per direction */
		len = audio_pkt(pkt, 11, 0x55);
		cr_assert_eq(b->ops->seal(b, pkt, &len, sizeof pkt), 0);
		cr_expect_eq(b->ops->open(b, pkt, len, &rx), EACCES);
		a->ops->free(a);
		b->ops->free(b);
	}
}

Test(media_srtp, tampered_replayed_and_small_buffer)
{
	struct media_transport *a, *b;
	uint8_t pkt[512], copy[512];
	struct media_rx rx;
	size_t len;

	pair(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80, &a, &b);
	len = audio_pkt(pkt, 1, 0x11);
	cr_expect_eq(a->ops->seal(a, pkt, &len, len + 20), EMSGSIZE, "no trailer room");
	cr_assert_eq(a->ops->seal(a, pkt, &len, sizeof pkt), 0);
	memcpy(copy, pkt, len);
	cr_assert_eq(b->ops->open(b, pkt, len, &rx), 0);
	memcpy(pkt, copy, len);
	cr_expect_eq(b->ops->open(b, pkt, len, &rx), EALREADY, "replay");
	len = audio_pkt(pkt, 2, 0x11);
	cr_assert_eq(a->ops->seal(a, pkt, &len, sizeof pkt), 0);
	pkt[40] ^= 1;
	cr_expect_eq(b->ops->open(b, pkt, len, &rx), EACCES, "tampered");
	pkt[40] ^= 1;
	cr_expect_eq(b->ops->open(b, pkt, len, &rx), 0, "the original still opens");
	cr_expect_eq(b->ops->open(b, pkt, 8, &rx), EMSGSIZE);
	cr_expect_str_eq(transport_strerror(EALREADY), "a replayed SRTP packet");
	a->ops->free(a);
	b->ops->free(b);

	struct media_srtp_params bad = { .suite = 99 };
	struct media_transport *t;
	cr_expect_eq(transport_srtp_alloc(&t, &pts0, &bad), EINVAL);
}

Test(media_srtp, srtcp_round_trip)
{
	struct media_transport *a, *b;
	struct rtcp_build_params bp = { .ssrc = 0xABCD, .cname = "a@test" };
	struct rtcp_info info;
	uint8_t buf[RTCP_MAX_LEN + TRANSPORT_MAX_OVERHEAD], copy[sizeof buf];
	size_t len, plain;

	pair(MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32, &a, &b);
	cr_assert_eq(rtcp_build(&bp, buf, RTCP_MAX_LEN, &len), 0);
	plain = len;
	cr_assert_eq(a->ops->seal_rtcp(a, buf, &len, sizeof buf), 0);
	/* SRTCP keeps the 80-bit tag with _32 (RFC 4568 §6.2.1): E+index (4) + 10 */
	cr_expect_eq(len, plain + 14);
	memcpy(copy, buf, len);
	cr_assert_eq(b->ops->open_rtcp(b, buf, &len), 0);
	cr_expect_eq(len, plain);
	cr_assert_eq(rtcp_parse(&info, buf, len, 0), 0);
	cr_expect_eq(info.ssrc, 0xABCDu);
	len = plain + 14;
	cr_expect_eq(b->ops->open_rtcp(b, copy, &len), EALREADY, "SRTCP replay");
	a->ops->free(a);
	b->ops->free(b);
}

/* ---- through the engine ---- */

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

static void udp_pair(int *rtp, int *rtcp, struct sockaddr_in *a)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in b;

		*rtp = udp(a);
		b = *a;
		b.sin_port = htons((uint16_t)(ntohs(a->sin_port) + 1));
		*rtcp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (!bind(*rtcp, (struct sockaddr *)&b, sizeof b))
			return;
		close(*rtcp);
		close(*rtp);
	}
	cr_assert_fail("no consecutive UDP ports");
}

static ssize_t wait_read(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return read(fd, buf, len);
}

static void tick(int tdm, uint8_t *back)
{
	uint8_t frame[160], buf[2048];

	memset(frame, 0xFF, sizeof frame);
	cr_assert_eq(write(tdm, frame, 160), 160);
	cr_assert_eq(wait_read(tdm, buf, sizeof buf), 160);
	if (back)
		memcpy(back, buf, 160);
}

/* What the peer got from the engine: count what opens with t, and what does not. */
static void drain(int fd, struct media_transport *t, unsigned *ok, unsigned *bad)
{
	uint8_t buf[2048];
	struct media_rx rx;
	ssize_t r;

	while ((r = recv(fd, buf, sizeof buf, 0)) > 0) {
		if (t->ops->open(t, buf, (size_t)r, &rx) == 0)
			++*ok;
		else
			++*bad;
	}
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

static size_t peer_pkt(struct media_transport *t, uint8_t *buf, uint16_t seq, uint8_t fill)
{
	size_t len = audio_pkt(buf, seq, fill);

	cr_assert_eq(t->ops->seal(t, buf, &len, 512), 0);
	return len;
}

Test(media_srtp, engine_round_trip_replay_tamper_rtcp_rekey)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtcp_interval_ms = 100 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, eng_c, peer_a;
	int sp[2], rtp_e, rtcp_e, rtp_p, rtcp_p;
	struct media_srtp_params peer_keys = { .suite = MEDIA_SRTP_AEAD_AES_128_GCM };
	struct media_transport *peer;
	struct media_event ev;
	uint8_t buf[2048], back[160], replay[512];
	size_t replay_len = 0;
	unsigned ok = 0, bad = 0, heard = 0, srtcp = 0;
	uint16_t seq = 1;
	ssize_t r;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtcp_e = udp(&eng_c);
	udp_pair(&rtp_p, &rtcp_p, &peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 9, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .rtcp_fd = rtcp_e, .tdm_law = G711_LAW_ULAW, .pt = 0,
				       .ssrc = 0x5EC0, .seq0 = 1, .ts0 = 0,
				       .srtp = { .suite = MEDIA_SRTP_AEAD_AES_128_GCM } };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	fill_key(p.srtp.tx_key, 40);
	fill_key(p.srtp.rx_key, 80);
	memcpy(peer_keys.tx_key, p.srtp.rx_key, MEDIA_SRTP_KEY_MAX);
	memcpy(peer_keys.rx_key, p.srtp.tx_key, MEDIA_SRTP_KEY_MAX);
	cr_assert_eq(transport_srtp_alloc(&peer, &pts0, &peer_keys), 0);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* 60 frames: the peer's SRTP reaches the B-channel; the engine's SRTP opens at the
	 * peer; SRTCP both ways. Frame 20's packet is sent again at 21 (replay); frame 30's
	 * goes with a flipped bit (tampered) and then as it was. */
	for (int i = 0; i < 60; i++) {
		size_t len = peer_pkt(peer, buf, seq++, 0x9A);

		if (i == 20) {
			memcpy(replay, buf, len);
			replay_len = len;
		}
		if (i == 21)
			cr_assert_eq(sendto(rtp_p, replay, replay_len, 0,
					    (struct sockaddr *)&eng_a, sizeof eng_a),
				     (ssize_t)replay_len);
		if (i == 30) {
			buf[20] ^= 0x80;
			cr_assert_eq(sendto(rtp_p, buf, len, 0, (struct sockaddr *)&eng_a,
					    sizeof eng_a), (ssize_t)len);
			buf[20] ^= 0x80;
		}
		cr_assert_eq(sendto(rtp_p, buf, len, 0, (struct sockaddr *)&eng_a, sizeof eng_a),
			     (ssize_t)len);
		usleep(4000);
		tick(sp[1], back);
		heard += back[0] == 0x9A;
		drain(rtp_p, peer, &ok, &bad);
		while ((r = recv(rtcp_p, buf, sizeof buf, 0)) > 0) {
			size_t n = (size_t)r;
			struct rtcp_info info;

			cr_assert_eq(peer->ops->open_rtcp(peer, buf, &n), 0, "SRTCP opens");
			cr_assert_eq(rtcp_parse(&info, buf, n, 0xABCD), 0);
			cr_expect_eq(info.ssrc, 0x5EC0u);
			srtcp++;
			if (srtcp == 1) {	/* answer with an SRTCP receiver report */
				struct rtcp_build_params bp = { .ssrc = 0xABCD, .cname = "peer" };

				cr_assert_eq(rtcp_build(&bp, buf, RTCP_MAX_LEN, &n), 0);
				cr_assert_eq(peer->ops->seal_rtcp(peer, buf, &n, sizeof buf), 0);
				cr_assert_eq(sendto(rtcp_p, buf, n, 0, (struct sockaddr *)&eng_c,
						    sizeof eng_c), (ssize_t)n);
			}
		}
	}
	cr_expect_gt(ok, 50, "engine's SRTP opened at the peer: %u", ok);
	cr_expect_eq(bad, 0);
	cr_expect_gt(heard, 40, "peer's audio on the B-channel: %u frames", heard);
	cr_expect_gt(srtcp, 0, "SRTCP reports");

	/* Re-key (a re-INVITE with new keys): the old peer's packets fail, the new ones play,
	 * and what the engine sends opens only with its new key. */
	struct media_transport *peer2;
	struct media_srtp_params k2 = { .suite = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80 };
	fill_key(k2.tx_key, 120);
	fill_key(k2.rx_key, 160);
	p.srtp = k2;
	peer_keys = (struct media_srtp_params){ .suite = k2.suite };
	memcpy(peer_keys.tx_key, k2.rx_key, MEDIA_SRTP_KEY_MAX);
	memcpy(peer_keys.rx_key, k2.tx_key, MEDIA_SRTP_KEY_MAX);
	cr_assert_eq(transport_srtp_alloc(&peer2, &pts0, &peer_keys), 0);
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	usleep(20000);
	tick(sp[1], NULL);
	drain(rtp_p, peer, &ok, &bad);
	unsigned ok2 = 0, bad2 = 0, heard2 = 0;
	for (int i = 0; i < 30; i++) {
		size_t len = peer_pkt(i < 5 ? peer : peer2, buf, seq++, i < 5 ? 0x33 : 0x44);

		cr_assert_eq(sendto(rtp_p, buf, len, 0, (struct sockaddr *)&eng_a, sizeof eng_a),
			     (ssize_t)len);
		usleep(4000);
		tick(sp[1], back);
		cr_expect_neq(back[0], 0x33, "old key's audio played");
		heard2 += back[0] == 0x44;
		drain(rtp_p, peer2, &ok2, &bad2);
	}
	cr_expect_gt(ok2, 20);
	cr_expect_eq(bad2, 0);
	cr_expect_gt(heard2, 15);

	/* The same keys again (a re-INVITE keeping them): the session goes on, no replays */
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	usleep(20000);
	unsigned ok3 = 0, bad3 = 0;
	for (int i = 0; i < 5; i++) {
		tick(sp[1], NULL);
		drain(rtp_p, peer2, &ok3, &bad3);
	}
	cr_expect_gt(ok3, 3);
	cr_expect_eq(bad3, 0, "kept session: the peer sees no replayed indexes");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert(wait_removed(e, &ev));
	cr_expect_eq(ev.stats.srtp_replayed, 1, "replayed: %llu",
		     (unsigned long long)ev.stats.srtp_replayed);
	/* the tampered packet and the old key's 5 after re-keying */
	cr_expect_eq(ev.stats.srtp_auth_failed, 6, "auth failed: %llu",
		     (unsigned long long)ev.stats.srtp_auth_failed);
	cr_expect_gt(ev.stats.rtcp_received, 0, "the peer's SRTCP was taken");
	struct media_engine_stats st;
	media_engine_stats(e, &st);
	cr_expect_geq(st.rtp_invalid, 7);
	media_engine_free(e);
	peer->ops->free(peer);
	peer2->ops->free(peer2);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtcp_e);
	close(rtp_p);
	close(rtcp_p);
}
