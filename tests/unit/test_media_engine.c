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
#include <time.h>
#include <unistd.h>

#include "media/dtmf.h"
#include "media/engine.h"
#include "media/g711.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/te.h"

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
		/* The tone (frames 0-2 carry 50 ms of it) stays in RTP: no telephone-event
		 * was negotiated, so in-band is the peer's only way to get the digit. */
		if (i <= 3) {
			for (int j = 0; j < 160; j++)
				toned += abs(g711_ulaw_to_linear(pl[j])) > 16;
		}
	}
	cr_expect_gt(toned, 200, "the digit's tone must reach RTP in-band (%u samples)", toned);
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

static void collect_digit(void *arg, int code, int level, int delay)
{
	char *s = arg;
	size_t n = strlen(s);

	(void)level;
	(void)delay;
	if (code && n < 15) {
		s[n] = (char)code;
		s[n + 1] = 0;
	}
}

/* RFC 4733 both ways through the engine: "123#" played into the B-channel leaves as
 * telephone-events (and no tone in audio); events sent by the peer come out of the
 * B-channel as tones SpanDSP decodes. */
Test(media_engine, rfc4733_end_to_end)
{
	enum { NF = 60, TE_PT = 101 };
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	int sp[2], rtp_e, rtp_p;
	static int16_t f[NF][160];
	uint8_t frame[160], buf[2048];
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	dtmf_rx_state_t *rx;
	struct media_event ev;
	char ev_digits[4][8] = { "", "", "", "" };	/* TDM start/end, RTP start/end */
	char te_digits[8] = "", heard[16] = "";
	uint16_t next_seq = 4000;
	uint32_t cur_ts = 0, cur_dur = 0, last_audio_ts = 0;
	unsigned ends = 0, loud = 0, audio = 0, te_pkts = 0, e_count[4] = { 0 };
	bool have_cur = false, seq_ok = true, overlap = false;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 9, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .dtmf_detect = true,
				       .te_pt = TE_PT, .rx_te_pt = TE_PT, .ssrc = 0xABCD,
				       .seq0 = 4000, .ts0 = 80000 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	p.pt = 8;
	p.te_pt = 8;
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);	/* clashes with PCMA */
	p.te_pt = 128;
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);
	p.pt = 0;
	p.te_pt = TE_PT;
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* ---- B-channel → RTP ---- */
	dtmf_tx_set_timing(tx, 100, 100);
	dtmf_tx_put(tx, "123#", -1);
	for (int i = 0; i < NF; i++) {
		int n = dtmf_tx(tx, f[i], 160);

		memset(f[i] + n, 0, (size_t)(160 - n) * 2);
	}
	for (int i = 0; i < NF + 15; i++) {
		ssize_t r;

		if (i < NF)
			g711_block_encode(G711_LAW_ALAW, frame, f[i], 160);
		else
			memset(frame, G711_ALAW_SILENCE, sizeof frame);
		cr_assert_eq(write(sp[1], frame, 160), 160);
		cr_assert_eq(wait_read(sp[1], buf, sizeof buf), 160);
		/* The engine sends before it writes the frame back: all is here. */
		while ((r = recv(rtp_p, buf, sizeof buf, 0)) > 0) {
			struct rtp_hdr h;
			const uint8_t *pl;
			size_t n;

			cr_assert_eq(rtp_decode(&h, buf, (size_t)r, &pl, &n), 0);
			cr_expect_eq(h.ssrc, 0xABCDu);
			seq_ok &= h.seq == next_seq;
			next_seq = (uint16_t)(h.seq + 1);
			if (h.pt == 0) {
				audio++;
				for (size_t j = 0; j < n; j++)
					loud += abs(g711_ulaw_to_linear(pl[j])) > 100;
				/* no audio inside an event's time span */
				overlap |= have_cur && h.ts - cur_ts < cur_dur;
				last_audio_ts = h.ts;
				continue;
			}
			struct te_payload tp;

			cr_assert_eq(h.pt, TE_PT);
			cr_assert_eq(n, 4);
			cr_assert_eq(te_decode(&tp, pl, n), 0);
			te_pkts++;
			if (!have_cur || h.ts != cur_ts) {
				size_t k = strlen(te_digits);

				cr_expect(h.marker, "first packet of an event has M");
				cr_expect_gt(h.ts, last_audio_ts);
				cr_assert_lt(k, 4);
				te_digits[k] = dtmf_event_to_digit(tp.event);
				te_digits[k + 1] = 0;
				have_cur = true;
				cur_ts = h.ts;
				cur_dur = 0;
			} else {
				cr_expect(!h.marker);
			}
			cr_expect_geq(tp.duration, cur_dur, "durations grow");
			cr_expect_eq(tp.volume, 10);
			if (tp.end) {
				if (e_count[strlen(te_digits) - 1]++ == 0)
					ends++;
				else
					cr_expect_eq(tp.duration, cur_dur, "same final duration");
			} else {
				cr_expect_eq(e_count[strlen(te_digits) - 1], 0, "update after end");
			}
			cur_dur = tp.duration;
			/* 100 ms tones: reported within a frame or two of that */
			if (tp.end)
				cr_expect(tp.duration >= 640 && tp.duration <= 960, "dur %u",
					  tp.duration);
		}
	}
	cr_expect_str_eq(te_digits, "123#");
	cr_expect_eq(ends, 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(e_count[i], 3, "digit %d: %u end packets", i, e_count[i]);
	cr_expect(seq_ok, "one sequence space for audio and events");
	cr_expect_eq(loud, 0, "tone leaked into audio");
	cr_expect(!overlap);
	cr_expect_gt(audio, 20);
	cr_expect_geq(te_pkts, 4 * 5);

	/* ---- RTP → B-channel ---- */
	struct rtp_packetiser pk;
	struct te_tx sender;
	const char *digits = "123#";

	rx = dtmf_rx_init(NULL, NULL, NULL);
	dtmf_rx_set_realtime_callback(rx, collect_digit, heard);
	rtp_packetiser_init(&pk, 0, 0x5150, 10, 320000);
	te_tx_init(&sender, NULL);
	for (int i = 0; i < 60; i++) {
		struct te_pkt tp[TE_TX_MAX_PKTS];
		uint32_t now = 320000 + 160u * (unsigned)(i + 1);
		unsigned n;
		int k = i / 12, ph = i % 12;

		/* each digit: 5 frames (100 ms) of event, then 7 frames of nothing */
		if (k < 4 && ph == 0)
			n = te_tx_start(&sender, (uint8_t)dtmf_digit_to_event(digits[k]),
					now - 160, now, tp);
		else if (k < 4 && ph == 5)
			n = te_tx_stop(&sender, now - 160, tp);
		else
			n = te_tx_tick(&sender, now, tp);
		for (unsigned j = 0; j < n; j++) {
			uint8_t pkt[16];

			rtp_packetiser_other(&pk, pkt, TE_PT, tp[j].ts, tp[j].marker);
			te_encode(&tp[j].pl, pkt + 12, 4);
			cr_assert_eq(sendto(rtp_p, pkt, sizeof pkt, 0, (struct sockaddr *)&eng_a,
					    sizeof eng_a), 16);
		}
		usleep(2000);	/* let the engine take the packets before the frame */
		memset(frame, G711_ALAW_SILENCE, sizeof frame);
		cr_assert_eq(write(sp[1], frame, 160), 160);
		cr_assert_eq(wait_read(sp[1], buf, sizeof buf), 160);
		g711_block_decode(G711_LAW_ALAW, f[0], buf, 160);
		(void)dtmf_rx(rx, f[0], 160);
		while (recv(rtp_p, buf, sizeof buf, 0) > 0)
			;
	}
	cr_expect_str_eq(heard, "123#");

	while (wait_event(e, &ev)) {
		int slot;

		if (ev.type == MEDIA_EV_DTMF_START || ev.type == MEDIA_EV_DTMF_END)
			cr_expect_eq(ev.dir, MEDIA_DTMF_FROM_TDM);
		else if (ev.type == MEDIA_EV_RTP_DTMF_START || ev.type == MEDIA_EV_RTP_DTMF_END)
			cr_expect_eq(ev.dir, MEDIA_DTMF_FROM_RTP);
		slot = ev.type == MEDIA_EV_DTMF_START ? 0 : ev.type == MEDIA_EV_DTMF_END ? 1
		     : ev.type == MEDIA_EV_RTP_DTMF_START ? 2 : ev.type == MEDIA_EV_RTP_DTMF_END ? 3
		     : -1;
		if (slot >= 0 && strlen(ev_digits[slot]) < 7)
			ev_digits[slot][strlen(ev_digits[slot])] = ev.digit;
		if (ev.type == MEDIA_EV_RTP_DTMF_END) {
			cr_expect_eq(ev.duration_ms, 100);
			cr_expect(!ev.timed_out);
		}
		if (strlen(ev_digits[3]) == 4)
			break;
	}
	for (int i = 0; i < 4; i++)
		cr_expect_str_eq(ev_digits[i], "123#", "event kind %d", i);

	struct media_engine_stats st;

	media_engine_stats(e, &st);
	cr_expect_eq(st.te_sent, te_pkts);
	cr_expect_gt(st.te_received, 0);
	cr_expect_eq(st.rtp_invalid, 0);

	dtmf_rx_free(rx);
	dtmf_tx_free(tx);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
}

/* One TDM tick: a frame in, the frame played back out (returned in back if non-NULL). */
static void tick(int tdm, uint8_t fill, uint8_t *back)
{
	uint8_t frame[160], buf[2048];

	memset(frame, fill, sizeof frame);
	cr_assert_eq(write(tdm, frame, 160), 160);
	cr_assert_eq(wait_read(tdm, buf, sizeof buf), 160);
	if (back)
		memcpy(back, buf, 160);
}

/* Packets the peer has now (the engine sends before it writes the frame back). */
static int drain_rtp(int fd, struct rtp_hdr *last, unsigned *count)
{
	uint8_t buf[2048];
	const uint8_t *pl;
	size_t n;
	ssize_t r;
	int got = 0;

	while ((r = recv(fd, buf, sizeof buf, 0)) > 0) {
		cr_assert_eq(rtp_decode(last, buf, (size_t)r, &pl, &n), 0);
		got++;
	}
	if (count)
		*count += (unsigned)got;
	return got;
}

static void send_rtp(int fd, const struct sockaddr_in *to, uint32_t ssrc, uint16_t seq,
		     int16_t level)
{
	struct rtp_packetiser pk;
	uint8_t pkt[172];

	rtp_packetiser_init(&pk, 0, ssrc, seq, 160u * seq);
	rtp_packetiser_next(&pk, pkt, 160);
	memset(pkt + 12, g711_linear_to_ulaw(level), 160);
	cr_assert_eq(sendto(fd, pkt, sizeof pkt, 0, (const struct sockaddr *)to, sizeof *to),
		     172);
}

static void modify_and_settle(struct media_engine *e, struct media_chan *ch,
			      const struct media_chan_params *p)
{
	cr_assert_eq(media_engine_modify(e, ch, p), 0);
	usleep(20000);	/* the command is taken before the next frame */
}

/* RFC 3264 hold: no_send stops RTP while the clock runs on; resuming continues the
 * sequence with M set. no_recv plays silence whatever arrives. */
Test(media_engine, direction_no_send_no_recv)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	int sp[2], rtp_e, rtp_p;
	struct rtp_hdr h;
	uint8_t back[160];
	struct media_event ev;
	const uint8_t loud = g711_ulaw_to_alaw(g711_linear_to_ulaw(3000));

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 3, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .ssrc = 0x600D,
				       .seq0 = 65534, .ts0 = 5000 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	for (int i = 0; i < 3; i++) {
		tick(sp[1], G711_ALAW_SILENCE, NULL);
		cr_assert_eq(drain_rtp(rtp_p, &h, NULL), 1);
		cr_expect_eq(h.seq, (uint16_t)(65534 + i));
		cr_expect_eq(h.marker, i == 0);
	}

	/* hold (we are recvonly): nothing goes out */
	p.no_send = true;
	modify_and_settle(e, ch, &p);
	for (int i = 0; i < 5; i++) {
		tick(sp[1], G711_ALAW_SILENCE, NULL);
		cr_expect_eq(drain_rtp(rtp_p, &h, NULL), 0, "sent while no_send");
	}
	/* resume: next sequence number, M set, timestamp moved on by the silent 100 ms */
	p.no_send = false;
	modify_and_settle(e, ch, &p);
	tick(sp[1], G711_ALAW_SILENCE, NULL);
	cr_assert_eq(drain_rtp(rtp_p, &h, NULL), 1);
	cr_expect_eq(h.seq, 1, "continues 65534, 65535, 0 → 1");
	cr_expect(h.marker, "a new talkspurt");
	cr_expect_eq(h.ts, 5000u + 160u * 3 + 160u * 5);
	tick(sp[1], G711_ALAW_SILENCE, NULL);
	cr_assert_eq(drain_rtp(rtp_p, &h, NULL), 1);
	cr_expect_eq(h.seq, 2);
	cr_expect(!h.marker);

	/* no_recv (sendonly/inactive): loud RTP from the peer plays as silence */
	p.no_recv = true;
	modify_and_settle(e, ch, &p);
	for (int i = 0; i < 8; i++) {
		send_rtp(rtp_p, &eng_a, 0x77, (uint16_t)(100 + i), 3000);
		usleep(3000);
		tick(sp[1], G711_ALAW_SILENCE, back);
		cr_expect_eq(back[0], G711_ALAW_SILENCE, "frame %d played while no_recv", i);
		drain_rtp(rtp_p, &h, NULL);
	}
	/* and back: the stream plays again */
	p.no_recv = false;
	modify_and_settle(e, ch, &p);
	bool heard = false;

	for (int i = 0; i < 8; i++) {
		send_rtp(rtp_p, &eng_a, 0x77, (uint16_t)(108 + i), 3000);
		usleep(3000);
		tick(sp[1], G711_ALAW_SILENCE, back);
		heard |= back[0] == loud;
		drain_rtp(rtp_p, &h, NULL);
	}
	cr_expect(heard, "audio after no_recv was cleared");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	while (wait_event(e, &ev) && ev.type != MEDIA_EV_REMOVED)
		;
	cr_assert_eq(ev.type, MEDIA_EV_REMOVED);
	cr_expect_eq(ev.stats.packets_sent, 3 + 2 + 8 + 8);
	cr_expect_eq(ev.stats.octets_sent, 160u * (3 + 2 + 8 + 8));
	cr_expect_eq(ev.stats.packets_received, 16, "counted on hold too");
	cr_expect_eq(ev.stats.packets_lost, 0);
	cr_expect_eq(ev.stats.rtcp_sent, 0, "no rtcp_fd: no RTCP");
	cr_expect_lt(ev.stats.rtt_ms, 0);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
}

/* A peer's RTP/RTCP pair on consecutive ports (RTCP = RTP + 1, RFC 3550 §11). */
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

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + 2208988800u) << 32 |
	       (((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

/* RTCP through the engine: SR + report on the peer's stream + CNAME arrive at the peer's
 * port + 1; the peer's SR/RR comes back; REMOVED carries plausible figures and a BYE
 * goes out. */
Test(media_engine, rtcp_end_to_end)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtcp_interval_ms = 200 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, eng_c, peer_a;
	int sp[2], rtp_e, rtcp_e, rtp_p, rtcp_p;
	struct rtp_hdr h;
	struct rtcp_info info;
	struct media_event ev;
	uint8_t buf[2048];
	ssize_t r;
	unsigned rtp_seen = 0, reports = 0;
	bool have_sr = false, answered = false;
	uint16_t seq = 100;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtcp_e = udp(&eng_c);
	udp_pair(&rtp_p, &rtcp_p, &peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 42, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .rtcp_fd = rtcp_e, .tdm_law = G711_LAW_ULAW, .pt = 0,
				       .ssrc = 0xE7E7, .seq0 = 1, .ts0 = 0,
				       .cname = "gw@test" };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	memset(p.cname, 'x', sizeof p.cname);	/* not terminated */
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);
	strcpy(p.cname, "gw@test");
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* 100 frames (~0.5-1 s): the peer sends 100..139 but never 105; answers once */
	for (int i = 0; i < 100; i++) {
		if (seq < 140) {
			if (seq != 105)
				send_rtp(rtp_p, &eng_a, 0x5150, seq, 500);
			seq++;
		}
		usleep(5000);
		tick(sp[1], 0xFF, NULL);
		drain_rtp(rtp_p, &h, &rtp_seen);
		while ((r = recv(rtcp_p, buf, sizeof buf, 0)) > 0) {
			cr_assert_eq(rtcp_parse(&info, buf, (size_t)r, 0x5150), 0);
			cr_expect_eq(info.ssrc, 0xE7E7u);
			cr_expect(memmem(buf, (size_t)r, "\x01\x07gw@test", 9), "CNAME");
			cr_expect(!info.bye);
			reports++;
			if (!info.sr)
				continue;
			have_sr = true;
			cr_expect_gt(info.si.packets, 0);
			cr_expect_eq(info.si.octets, 160 * info.si.packets);
			if (answered || !info.have_rb)
				continue;
			/* SR and a report about the engine's stream: 25 % lost, jitter 10 ms;
			 * DLSR 0 makes the RTT the whole time since the SR was sent. */
			struct rtcp_sender_info si = { .ntp = ntp_now(), .packets = 7 };
			struct rtcp_report_block rb = { .ssrc = 0xE7E7, .fraction = 64,
							.lost = 3, .ext_max_seq = 50,
							.jitter = 80,
							.lsr = rtcp_ntp_mid(info.si.ntp) };
			uint8_t out[RTCP_MAX_LEN];
			size_t len;

			cr_assert_eq(rtcp_build(&(struct rtcp_build_params){ .ssrc = 0x5150,
					.sr = &si, .rb = &rb, .cname = "peer" },
					out, sizeof out, &len), 0);
			cr_assert_eq(sendto(rtcp_p, out, len, 0, (struct sockaddr *)&eng_c,
					    sizeof eng_c), (ssize_t)len);
			/* and garbage, which must be ignored */
			cr_assert_eq(sendto(rtcp_p, "\x80\xc9\x00\x09", 4, 0,
					    (struct sockaddr *)&eng_c, sizeof eng_c), 4);
			answered = true;
		}
	}
	cr_expect_geq(reports, 2, "200 ms interval over ≥ 500 ms");
	cr_expect(have_sr);
	cr_expect(answered, "an SR with a block about the peer");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	while (wait_event(e, &ev) && ev.type != MEDIA_EV_REMOVED)
		;
	cr_assert_eq(ev.type, MEDIA_EV_REMOVED);
	cr_expect_eq(ev.cookie, 42);

	/* the last compound: report + BYE; the block says 1 lost of 101..139. (A periodic
	 * one sent after the last frame was written back may come first.) */
	do {
		r = wait_read(rtcp_p, buf, sizeof buf);
		cr_assert_gt(r, 0);
		cr_assert_eq(rtcp_parse(&info, buf, (size_t)r, 0x5150), 0);
		reports += !info.bye;
	} while (!info.bye);
	cr_assert(info.have_rb);
	cr_expect_eq(info.rb.lost, 1);
	cr_expect_eq(info.rb.ext_max_seq, 139);
	cr_expect_neq(info.rb.lsr, 0, "the peer's SR is echoed in LSR");

	const struct media_chan_stats *st = &ev.stats;

	cr_expect_eq(st->packets_sent, rtp_seen);
	cr_expect_eq(st->octets_sent, 160u * rtp_seen);
	cr_expect_eq(st->packets_received, 39);
	cr_expect_eq(st->octets_received, 160u * 39);
	cr_expect_eq(st->packets_lost, 1);
	cr_expect_geq(st->jitter_ms, 0);
	cr_expect_lt(st->jitter_ms, 50);
	cr_expect_eq(st->rtcp_sent, reports + 1);
	cr_expect_eq(st->rtcp_received, 1, "the garbage is not counted");
	cr_expect(st->peer_report);
	cr_expect_eq(st->peer_fraction_lost, 0.25);
	cr_expect_eq(st->peer_packets_lost, 3);
	cr_expect_eq(st->peer_jitter_ms, 10);
	cr_expect(st->rtt_ms >= 0 && st->rtt_ms < 1000, "rtt %f ms", st->rtt_ms);

	struct media_engine_stats es;

	media_engine_stats(e, &es);
	cr_expect_eq(es.rtp_invalid, 1, "the bad RTCP");
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtcp_e);
	close(rtp_p);
	close(rtcp_p);
}

/* A B-channel read that fails once (DAHDI's ELAST while an event is queued on the channel)
 * must not silence the call: reading resumes and RTP keeps flowing. The stand-in B-channel
 * is a UDP socket with a pending ICMP error: its next read fails with ECONNREFUSED, once. */
Test(media_engine, transient_tdm_read_error_is_retried)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_engine_stats st;
	struct media_chan *ch;
	struct media_event ev;
	struct sockaddr_in tdm_a, line_a, eng_a, peer_a;
	uint8_t frame[160], buf[2048];
	int tdm, line, rtp_e, rtp_p, got = 0;

	tdm = udp(&tdm_a);
	line = udp(&line_a);
	close(line);	/* nothing listens there now: a datagram to it comes back refused */
	cr_assert_eq(connect(tdm, (struct sockaddr *)&line_a, sizeof line_a), 0);
	memset(frame, 0xd5, sizeof frame);
	cr_assert_eq(send(tdm, frame, sizeof frame, 0), (ssize_t)sizeof frame);
	struct pollfd pe = { .fd = tdm, .events = POLLIN };
	cr_assert_eq(poll(&pe, 1, 2000), 1, "the ICMP error never came");
	cr_assert(pe.revents & POLLERR);

	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 9, .tdm_fd = tdm, .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 8, .ssrc = 1 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* The line comes back and sends frames: each one must come out as RTP. */
	line = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(bind(line, (struct sockaddr *)&line_a, sizeof line_a), 0);
	cr_assert_eq(connect(line, (struct sockaddr *)&tdm_a, sizeof tdm_a), 0);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(send(line, frame, sizeof frame, 0), (ssize_t)sizeof frame);
		if (wait_read(rtp_p, buf, sizeof buf) == 12 + 160)
			got++;
	}
	cr_expect_eq(got, 10, "RTP packets after the failed read: %d of 10", got);
	media_engine_stats(e, &st);
	cr_expect_eq(st.tdm_read_errors, 1);

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert(wait_event(e, &ev));
	cr_expect_eq(ev.type, MEDIA_EV_REMOVED);
	media_engine_free(e);
	close(tdm);
	close(line);
	close(rtp_e);
	close(rtp_p);
}
