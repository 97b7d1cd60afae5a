/* The media channel's fax modes. Pipe level: FAX pass-through sends DTMF as audio and
 * reports no digits, ignores received RFC 4733, plays silence (not PLC) for a lost packet,
 * and reports when left. Engine level over a socketpair B-channel and loopback UDP: a fax
 * machine's tones are raised once as MEDIA_EV_FAX_TONE in AUDIO; in T38 its signals leave
 * as UDPTL datagrams (no RTP, no RTCP); an equal T38 modify keeps the session (sequence
 * numbers go on), other terms restart it with a report; back to AUDIO reports the fax;
 * UDPTL silence times out; removal in T38 or FAX reports before REMOVED. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <spandsp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/g711.h"
#include "media/pipe.h"
#include "media/rtp.h"
#include "media/te.h"
#include "media/udptl.h"
#include "tests/unit/faxpage.h"

/* ---- pipe level: FAX pass-through ---- */

struct sink {
	unsigned n, te, events;
	uint8_t last[256];
	size_t last_len;
};

static int sink_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct sink *k = arg;

	k->n++;
	k->te += te;
	memcpy(k->last, pkt, len < sizeof k->last ? len : sizeof k->last);
	k->last_len = len;
	return 0;
}

static void sink_event(void *arg, const struct media_event *ev)
{
	(void)ev;
	((struct sink *)arg)->events++;
}

static const struct pipe_io io = { .send_h = sink_send, .event_h = sink_event };
static const struct jbuf_params jp = { .frame_ms = 20, .min_ms = 20, .max_ms = 200,
				       .clock_rate = 8000, .max_payload = 160 };

Test(media_fax_modes, pipe_fax_passthrough)
{
	static struct media_pipe p;
	struct sink k = { 0 };
	struct media_chan_params cp = { .tdm_law = G711_LAW_ULAW, .pt = 0, .dtmf_detect = true,
					.te_pt = 101, .rx_te_pt = 101, .fax_detect = true,
					.mode = MEDIA_MODE_FAX, .ssrc = 9 };
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	struct media_fax_report rep;
	struct media_rx rx;
	uint8_t frame[160], buf[256], out[160], v = g711_linear_to_ulaw(3000);
	int16_t lin[160];
	uint64_t now = 0;
	unsigned played = 0, silent_gaps = 0;

	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
	cr_assert_eq(p.mode, MEDIA_MODE_FAX);
	/* DTMF on the B-channel: plain audio in FAX mode, no digit, no RFC 4733. */
	dtmf_tx_put(tx, "159", -1);
	for (int i = 0; i < 30; i++, now += 20000) {
		int n = dtmf_tx(tx, lin, 160);

		memset(lin + n, 0, (size_t)(160 - n) * sizeof *lin);
		g711_block_encode(G711_LAW_ULAW, frame, lin, 160);
		pipe_from_tdm(&p, frame, now, true);
	}
	dtmf_tx_free(tx);
	cr_expect_eq(k.n, 30, "one audio packet per frame");
	cr_expect_eq(k.te, 0, "no RFC 4733 in FAX mode");
	cr_expect_eq(k.events, 0, "no DTMF or fax tone events in FAX mode");

	/* Received: an RFC 4733 packet is ignored; audio plays through a fixed buffer, a lost
	 * packet as silence. */
	for (uint16_t seq = 0; seq < 20; seq++, now += 20000) {
		struct rtp_hdr h = { .pt = 0, .seq = seq, .ts = 160u * seq, .ssrc = 77 };
		uint8_t pl[160];
		size_t len;

		memset(pl, v, sizeof pl);
		if (seq == 5) {		/* a digit instead */
			struct te_payload te = { .event = 5, .volume = 10, .duration = 160 };

			h.pt = 101;
			cr_assert_eq(te_encode(&te, pl, TE_PAYLOAD_LEN), 0);
			cr_assert_eq(rtp_encode(&h, pl, TE_PAYLOAD_LEN, buf, sizeof buf, &len), 0);
			cr_assert_eq(pipe_from_net(&p, buf, len, now, &rx), 0);
		} else if (seq != 10) {	/* 10 is lost */
			cr_assert_eq(rtp_encode(&h, pl, sizeof pl, buf, sizeof buf, &len), 0);
			cr_assert_eq(pipe_from_net(&p, buf, len, now, &rx), 0);
		}
		switch (pipe_to_tdm(&p, now, out)) {
		case JBUF_FRAME:
			played++;
			cr_expect_eq(out[80], v);
			break;
		case JBUF_CONCEAL:
			silent_gaps++;
			for (int i = 0; i < 160; i++)
				cr_assert_eq(out[i], G711_ULAW_SILENCE, "silence, not PLC");
			break;
		case JBUF_IDLE:
			cr_expect_eq(out[0], G711_ULAW_SILENCE);
			break;
		}
	}
	cr_expect_eq(k.events, 0, "the received digit is not reported");
	cr_expect_geq(played, 14);
	cr_expect_eq(silent_gaps, 2, "the digit's and the lost packet's frames");

	/* Leaving FAX reports (G.711: no UDPTL counters); AUDIO again leaves no report. */
	cp.mode = MEDIA_MODE_AUDIO;
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	cr_expect(rep.valid);
	cr_expect(!rep.t38);
	cr_expect_eq(rep.udptl_sent, 0);
	cr_expect_eq(p.mode, MEDIA_MODE_AUDIO);
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	cr_expect(!rep.valid);
	pipe_fax_report(&p, &rep);
	cr_expect(!rep.valid, "no report in AUDIO");
	pipe_release(&p);
}

/* A whole fax through a pipe in FAX mode: the sending machine on the B-channel side, the
 * receiving one behind RTP. Pages arrive intact and the V.21 listeners' report agrees. */
struct rtp_sink {
	uint8_t pl[16][160];
	unsigned n;
	unsigned events;
};

static int rtp_sink_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct rtp_sink *k = arg;
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t plen;

	cr_assert(!te);
	cr_assert_eq(rtp_decode(&h, pkt, len, &pl, &plen), 0);
	cr_assert_eq(plen, 160);
	cr_assert_lt(k->n, 16);
	memcpy(k->pl[k->n++], pl, 160);
	return 0;
}

static void rtp_sink_event(void *arg, const struct media_event *ev)
{
	(void)ev;
	((struct rtp_sink *)arg)->events++;
}

static int phase_e_code[2] = { -1, -1 };

static void phase_e(t30_state_t *t30, void *arg, int code)
{
	(void)t30;
	phase_e_code[(intptr_t)arg] = code;
}

Test(media_fax_modes, pipe_fax_carries_a_fax_and_reports, .timeout = 120)
{
	static struct media_pipe p;
	static const struct pipe_io fio = { .send_h = rtp_sink_send, .event_h = rtp_sink_event };
	static struct rtp_sink rsink;
	struct media_chan_params cp = { .tdm_law = G711_LAW_ALAW, .pt = 0, .dtmf_detect = true,
					.mode = MEDIA_MODE_FAX, .ssrc = 3 };
	char tx[64], rx[64];
	fax_state_t *a = fax_init(NULL, true), *b = fax_init(NULL, false);
	struct media_fax_report rep;
	uint64_t now = 0;
	uint16_t seq = 0;
	unsigned pages = 0;

	snprintf(tx, sizeof tx, "/tmp/strowger-faxmode-tx-%d.tif", (int)getpid());
	snprintf(rx, sizeof rx, "/tmp/strowger-faxmode-rx-%d.tif", (int)getpid());
	cr_assert_eq(faxpage_write(tx, 2, 100), 0);
	cr_assert(a && b);
	fax_set_transmit_on_idle(a, 1);
	fax_set_transmit_on_idle(b, 1);
	t30_set_tx_ident(fax_get_t30_state(a), "4711");
	t30_set_tx_ident(fax_get_t30_state(b), "0815");
	t30_set_tx_file(fax_get_t30_state(a), tx, -1, -1);
	t30_set_rx_file(fax_get_t30_state(b), rx, -1);
	t30_set_phase_e_handler(fax_get_t30_state(a), phase_e, (void *)0);
	t30_set_phase_e_handler(fax_get_t30_state(b), phase_e, (void *)1);
	phase_e_code[0] = phase_e_code[1] = -1;
	cr_assert_eq(pipe_init(&p, &cp, &jp, &fio, &rsink), 0);
	for (unsigned f = 0; f < 15000 && (phase_e_code[0] < 0 || phase_e_code[1] < 0);
	     f++, now += 20000) {
		int16_t lin[160];
		uint8_t frame[160], pkt[256];
		struct media_rx mrx;
		int n = fax_tx(a, lin, 160);

		/* B-channel → pipe → RTP → machine B */
		memset(lin + n, 0, (size_t)(160 - n) * sizeof *lin);
		g711_block_encode(G711_LAW_ALAW, frame, lin, 160);
		rsink.n = 0;
		pipe_from_tdm(&p, frame, now, true);
		cr_assert_eq(rsink.n, 1);
		g711_block_decode(G711_LAW_ULAW, lin, rsink.pl[0], 160);
		(void)fax_rx(b, lin, 160);
		/* machine B → RTP → pipe → B-channel */
		n = fax_tx(b, lin, 160);
		memset(lin + n, 0, (size_t)(160 - n) * sizeof *lin);
		{
			struct rtp_hdr h = { .pt = 0, .seq = seq, .ts = 160u * seq, .ssrc = 8 };
			uint8_t pl[160];
			size_t len;

			seq++;
			g711_block_encode(G711_LAW_ULAW, pl, lin, 160);
			cr_assert_eq(rtp_encode(&h, pl, 160, pkt, sizeof pkt, &len), 0);
			cr_assert_eq(pipe_from_net(&p, pkt, len, now, &mrx), 0);
		}
		(void)pipe_to_tdm(&p, now, frame);
		g711_block_decode(G711_LAW_ALAW, lin, frame, 160);
		(void)fax_rx(a, lin, 160);
	}
	cr_expect_eq(phase_e_code[0], T30_ERR_OK, "%s", t30_completion_code_to_str(phase_e_code[0]));
	cr_expect_eq(phase_e_code[1], T30_ERR_OK, "%s", t30_completion_code_to_str(phase_e_code[1]));
	pipe_fax_report(&p, &rep);
	cr_expect(rep.valid && !rep.t38);
	cr_expect(rep.t30.seen);
	cr_expect(rep.t30.sender_is_tdm);
	cr_expect_eq(rep.t30.pages, 2);
	cr_expect_str_eq(rep.t30.tsi, "4711");
	cr_expect_str_eq(rep.t30.csi, "0815");
	cr_expect_eq(rep.t30.completion, T30_ERR_OK, "%s", rep.t30.where);
	cr_expect_eq(rsink.events, 0, "no DTMF or tone events in FAX mode");
	pipe_release(&p);
	fax_free(a);
	fax_free(b);
	cr_expect_eq(faxpage_compare(rx, 100, &pages), 0);
	cr_expect_eq(pages, 2);
	unlink(tx);
	unlink(rx);
}

/* ---- engine level ---- */

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

static ssize_t wait_read(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return read(fd, buf, len);
}

/* What the UDP peer got since the last call. */
struct peer {
	int fd;
	unsigned rtp, udptl, rtcp;
	int first_seq, last_seq;	/* UDPTL, -1: none yet */
	uint8_t first_ifp0;		/* first octet of the first primary IFP */
};

static void peer_drain(struct peer *pr, int wait_ms)
{
	uint8_t b[2048];
	ssize_t r;

	while ((r = wait_read(pr->fd, b, sizeof b, wait_ms)) > 0) {
		wait_ms = 0;
		if (r >= 12 && (b[0] & 0xC0) == 0x80 && b[1] >= 200 && b[1] <= 204) {
			pr->rtcp++;
		} else if (r >= 12 && (b[0] & 0xC0) == 0x80 && ((b[1] & 0x7F) == 0 || (b[1] & 0x7F) == 8)) {
			pr->rtp++;	/* G.711 */
		} else {
			int seq = b[0] << 8 | b[1];

			/* T.38 §9.1: seq, then the primary IFP as a length-prefixed open type */
			cr_assert_geq(r, 4, "a UDPTL datagram");
			if (pr->first_seq < 0) {
				pr->first_seq = seq;
				pr->first_ifp0 = b[3];
			}
			pr->last_seq = seq;
			pr->udptl++;
		}
	}
}

static void peer_reset(struct peer *pr)
{
	pr->rtp = pr->udptl = pr->rtcp = 0;
	pr->first_seq = pr->last_seq = -1;
}

/* One 20 ms frame of the fax machine's audio into the B-channel, one frame back. */
static void tick(int tdm, fax_state_t *fax)
{
	int16_t lin[160];
	uint8_t f[160], back[256];
	int n = fax_tx(fax, lin, 160);

	memset(lin + n, 0, (size_t)(160 - n) * sizeof *lin);
	g711_block_encode(G711_LAW_ALAW, f, lin, 160);
	cr_assert_eq(write(tdm, f, 160), 160);
	cr_assert_eq(wait_read(tdm, back, sizeof back, 2000), 160);
	g711_block_decode(G711_LAW_ALAW, lin, back, 160);
	(void)fax_rx(fax, lin, 160);
}

/* The first frame of a fax mode is answered by the frame and then the silence the engine
 * writes ahead (MEDIA_FAX_TX_CUSHION): read that silence, so that every tick() gets the
 * answer to its own frame again. Call once, after the first tick() in FAX or T38. */
static void skip_cushion(int tdm, enum g711_law law)
{
	uint8_t back[256];

	for (int i = 0; i < MEDIA_FAX_TX_CUSHION; i++) {
		cr_assert_eq(wait_read(tdm, back, sizeof back, 2000), 160, "silence written ahead");
		cr_assert_eq(back[0], g711_silence(law));
		cr_assert_eq(back[159], g711_silence(law));
	}
}

/* Take up to max events, waiting up to wait_ms for each next one; return how many. */
static unsigned events(struct media_engine *e, struct media_event *ev, unsigned max, int wait_ms)
{
	struct pollfd p = { .fd = media_engine_event_fd(e), .events = POLLIN };
	unsigned n = 0;

	while (n < max) {
		if (!media_engine_event_get(e, &ev[n])) {
			n++;
			continue;
		}
		if (wait_ms <= 0 || poll(&p, 1, wait_ms) != 1)
			break;
	}
	return n;
}

/* A modify, and time for the engine to take it before the next frame. */
static void modify(struct media_engine *e, struct media_chan *ch, const struct media_chan_params *p)
{
	cr_assert_eq(media_engine_modify(e, ch, p), 0);
	usleep(30000);
}

static const struct media_t38_params t38p = { .version = 0, .max_bitrate = 14400,
					      .max_datagram = 400, .redundancy = 3,
					      .redundancy_image = 1 };

Test(media_fax_modes, engine_tone_t38_refresh_restart_report, .timeout = 60)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	struct peer pr = { 0 };
	int sp[2], rtp_e;
	fax_state_t *fax = fax_init(NULL, false);	/* answering: CED, then DIS in V.21 */
	struct media_event ev[8];
	unsigned n, ced = 0, v21 = 0, f;
	int seq_before;

	cr_assert(fax);
	fax_set_transmit_on_idle(fax, 1);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	pr.fd = udp(&peer_a);
	peer_reset(&pr);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 5, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 8, .fax_detect = true,
				       .ssrc = 1, .mode = MEDIA_MODE_AUDIO };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);

	/* AUDIO: CED is raised once while the tone lasts (~3 s). */
	for (f = 0; f < 150 && !ced; f++) {
		tick(sp[1], fax);
		n = events(e, ev, 8, 0);
		for (unsigned i = 0; i < n; i++) {
			cr_assert_eq(ev[i].type, MEDIA_EV_FAX_TONE);
			cr_expect_eq(ev[i].cookie, 5);
			ced += ev[i].fax_tone == MEDIA_FAX_CED;
			cr_expect_neq(ev[i].fax_tone, MEDIA_FAX_CNG);
		}
	}
	cr_assert_eq(ced, 1, "CED raised");
	peer_drain(&pr, 50);
	cr_expect_gt(pr.rtp, 0, "voice: RTP");
	cr_expect_eq(pr.udptl, 0);

	/* T38: the rest of CED and DIS leave as UDPTL from sequence number 0, no RTP. */
	p.mode = MEDIA_MODE_T38;
	p.t38 = t38p;
	peer_drain(&pr, 50);
	peer_reset(&pr);
	modify(e, ch, &p);
	tick(sp[1], fax);
	skip_cushion(sp[1], G711_LAW_ALAW);
	for (f = 1; f < 250; f++)
		tick(sp[1], fax);
	peer_drain(&pr, 100);
	cr_expect_eq(pr.rtp, 0, "no RTP in T38 mode");
	cr_expect_gt(pr.udptl, 10, "the gateway's IFPs");
	cr_expect_eq(pr.first_seq, 0, "a fresh session");
	n = events(e, ev, 8, 0);
	for (unsigned i = 0; i < n; i++)
		cr_expect_neq(ev[i].type, MEDIA_EV_FAX_REPORT, "entering T38 reports nothing");

	/* A refresh with equal terms (a new max datagram only): the session goes on. */
	seq_before = pr.last_seq;
	p.t38.max_datagram = 300;
	modify(e, ch, &p);
	peer_reset(&pr);
	for (f = 0; f < 200; f++)	/* the machine repeats DIS every 3 s */
		tick(sp[1], fax);
	peer_drain(&pr, 100);
	cr_assert_gt(pr.udptl, 0);
	/* (the first may be a repeat of the last before: stage_t38gw repeats a burst's end) */
	cr_expect_geq(pr.first_seq, seq_before, "sequence numbers go on: %d after %d",
		      pr.first_seq, seq_before);
	cr_expect_gt(pr.last_seq, seq_before);
	cr_expect_eq(events(e, ev, 8, 0), 0, "no report on a refresh");

	/* Other terms: the old session reports, a new one starts at 0. */
	p.t38.redundancy = 2;
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	cr_assert_eq(events(e, ev, 1, 2000), 1);
	cr_expect_eq(ev[0].type, MEDIA_EV_FAX_REPORT);
	cr_expect(ev[0].fax.valid && ev[0].fax.t38);
	cr_expect_gt(ev[0].fax.udptl_sent, 10);
	peer_drain(&pr, 50);
	peer_reset(&pr);
	for (f = 0; f < 400; f++)	/* a whole DIS at least (repeated every 3 s) */
		tick(sp[1], fax);
	peer_drain(&pr, 100);
	cr_expect_eq(pr.first_seq, 0, "a new session");

	/* Datagrams from the peer count; a malformed one is counted and dropped. */
	{
		static const uint8_t ind[] = { 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };	/* no-signal */
		static const uint8_t bad[] = { 0x00, 0x01, 0x09, 0x00 };

		cr_assert_eq(sendto(pr.fd, ind, sizeof ind, 0, (struct sockaddr *)&eng_a,
				    sizeof eng_a), (ssize_t)sizeof ind);
		struct media_engine_stats st0, st;

		media_engine_stats(e, &st0);
		cr_assert_eq(sendto(pr.fd, bad, sizeof bad, 0, (struct sockaddr *)&eng_a,
				    sizeof eng_a), (ssize_t)sizeof bad);
		tick(sp[1], fax);
		/* tick() may be answered by the silence written ahead: wait for the engine
		 * to have taken the bad datagram (counted invalid) before changing mode */
		for (int k = 0; k < 200; k++) {
			media_engine_stats(e, &st);
			if (st.rtp_invalid > st0.rtp_invalid)
				break;
			usleep(10000);
		}
	}

	/* Back to voice: the fax report, RTP again. */
	p.mode = MEDIA_MODE_AUDIO;
	cr_assert_eq(media_engine_modify(e, ch, &p), 0);
	cr_assert_eq(events(e, ev, 1, 2000), 1);
	cr_expect_eq(ev[0].type, MEDIA_EV_FAX_REPORT);
	cr_expect(ev[0].fax.valid && ev[0].fax.t38);
	cr_expect_eq(ev[0].fax.udptl_received, 1);
	cr_expect_eq(ev[0].fax.udptl_malformed, 1);
	cr_expect(ev[0].fax.t30.seen, "DIS went through the gateway");
	/* The machine repeats DIS: its V.21 preamble is raised now (first time in AUDIO), CED
	 * is not raised again. */
	ced = 0;
	for (f = 0; f < 300; f++) {
		tick(sp[1], fax);
		n = events(e, ev, 8, 0);
		for (unsigned i = 0; i < n; i++) {
			cr_expect_eq(ev[i].type, MEDIA_EV_FAX_TONE);
			v21 += ev[i].fax_tone == MEDIA_FAX_V21;
			ced += ev[i].fax_tone == MEDIA_FAX_CED;
		}
	}
	cr_expect_eq(v21, 1, "V.21 preamble raised once");
	cr_expect_eq(ced, 0, "CED is not raised twice");
	peer_drain(&pr, 50);
	cr_expect_gt(pr.rtp, 0, "voice again");

	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert_eq(events(e, ev, 8, 300), 1);
	cr_expect_eq(ev[0].type, MEDIA_EV_REMOVED, "no report: AUDIO at removal");
	media_engine_free(e);
	fax_free(fax);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(pr.fd);
}

Test(media_fax_modes, engine_t38_silence_timeout_and_removal_report, .timeout = 30)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	int sp[2], rtp_e, rtp_p, rtcp_e;
	struct media_event ev[4];
	unsigned n;
	struct sockaddr_in rtcp_a;
	socklen_t alen = sizeof rtcp_a;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	rtp_p = udp(&peer_a);
	rtcp_e = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&rtcp_a, 0, sizeof rtcp_a);
	rtcp_a.sin_family = AF_INET;
	rtcp_a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(rtcp_e, (struct sockaddr *)&rtcp_a, sizeof rtcp_a), 0);
	getsockname(rtcp_e, (struct sockaddr *)&rtcp_a, &alen);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 6, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .rtcp_fd = rtcp_e, .tdm_law = G711_LAW_ULAW, .pt = 0,
				       .mode = MEDIA_MODE_T38, .t38 = t38p };
	p.t38.silence_ms = 300;
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	/* Nothing arrives: the timeout comes from silence_ms although rtp_timeout_ms is 0. */
	cr_assert_eq(events(e, ev, 1, 2500), 1);
	cr_expect_eq(ev[0].type, MEDIA_EV_RTP_TIMEOUT);
	cr_expect_eq(ev[0].cookie, 6);
	cr_assert_eq(media_engine_remove(e, ch), 0);
	n = events(e, ev, 2, 2000);
	cr_assert_eq(n, 2);
	cr_expect_eq(ev[0].type, MEDIA_EV_FAX_REPORT, "the report comes before REMOVED");
	cr_expect(ev[0].fax.valid && ev[0].fax.t38);
	cr_expect(!ev[0].fax.t30.seen);
	cr_expect_eq(ev[1].type, MEDIA_EV_REMOVED);
	/* No RTCP in T38 mode: not even the BYE at removal (it would go to port + 1). */
	{
		uint8_t b[512];
		struct sockaddr_in rtcp_peer = peer_a;
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

		rtcp_peer.sin_port = htons((uint16_t)(ntohs(peer_a.sin_port) + 1));
		if (bind(fd, (struct sockaddr *)&rtcp_peer, sizeof rtcp_peer) == 0)
			cr_expect_lt(wait_read(fd, b, sizeof b, 50), 0);
		close(fd);
	}
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(rtp_p);
	close(rtcp_e);
}

/* A calling machine's CNG in AUDIO; then FAX pass-through (RTP goes on, no report on
 * entering); removal in FAX reports (G.711: t38 false) before REMOVED. */
Test(media_fax_modes, engine_cng_then_fax_removed, .timeout = 30)
{
	struct media_engine *e;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_chan *ch;
	struct sockaddr_in eng_a, peer_a;
	struct peer pr = { 0 };
	int sp[2], rtp_e;
	fax_state_t *fax = fax_init(NULL, true);	/* calling: CNG */
	struct media_event ev[4];
	unsigned n, cng = 0, f;

	cr_assert(fax);
	fax_set_transmit_on_idle(fax, 1);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	rtp_e = udp(&eng_a);
	pr.fd = udp(&peer_a);
	peer_reset(&pr);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .cookie = 9, .tdm_fd = sp[0], .rtp_fd = rtp_e,
				       .tdm_law = G711_LAW_ALAW, .pt = 0, .fax_detect = true,
				       .dtmf_detect = true, .ssrc = 2 };
	memcpy(&p.remote, &peer_a, sizeof peer_a);
	cr_assert_eq(media_engine_add(e, &p, &ch), 0);
	for (f = 0; f < 250; f++) {	/* 5 s: CNG bursts every 3.5 s */
		tick(sp[1], fax);
		n = events(e, ev, 4, 0);
		for (unsigned i = 0; i < n; i++) {
			cr_assert_eq(ev[i].type, MEDIA_EV_FAX_TONE);
			cr_expect_eq(ev[i].fax_tone, MEDIA_FAX_CNG);
			cng++;
		}
	}
	cr_expect_eq(cng, 1, "CNG raised once");
	p.mode = MEDIA_MODE_FAX;
	modify(e, ch, &p);
	peer_drain(&pr, 50);
	peer_reset(&pr);
	tick(sp[1], fax);
	skip_cushion(sp[1], G711_LAW_ALAW);
	for (f = 1; f < 20; f++)
		tick(sp[1], fax);
	/* the silence written ahead in fax modes answers tick() at once: the engine may
	 * still be working through the last frames */
	for (int k = 0; k < 20 && pr.rtp < 20; k++)
		peer_drain(&pr, 100);
	cr_expect_eq(pr.rtp, 20, "G.711 pass-through: one RTP packet per frame");
	cr_expect_eq(pr.udptl, 0);
	cr_expect_eq(events(e, ev, 4, 0), 0, "entering FAX reports nothing");
	cr_assert_eq(media_engine_remove(e, ch), 0);
	cr_assert_eq(events(e, ev, 2, 2000), 2);
	cr_expect_eq(ev[0].type, MEDIA_EV_FAX_REPORT);
	cr_expect(ev[0].fax.valid && !ev[0].fax.t38);
	cr_expect_eq(ev[1].type, MEDIA_EV_REMOVED);
	media_engine_free(e);
	fax_free(fax);
	close(sp[0]);
	close(sp[1]);
	close(rtp_e);
	close(pr.fd);
}

Test(media_fax_modes, engine_bad_mode_params)
{
	struct media_engine *e;
	struct media_engine_params ep = { 0 };
	struct media_chan *ch;
	struct sockaddr_in a;
	int sp[2], fd;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	fd = udp(&a);
	cr_assert_eq(media_engine_alloc(&e, &ep), 0);
	struct media_chan_params p = { .tdm_fd = sp[0], .rtp_fd = fd, .tdm_law = G711_LAW_ULAW,
				       .mode = 7 };
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);
	p.mode = MEDIA_MODE_T38;
	p.t38 = t38p;
	p.t38.version = 4;
	cr_expect_eq(media_engine_add(e, &p, &ch), EINVAL);
	media_engine_free(e);
	close(sp[0]);
	close(sp[1]);
	close(fd);
}
