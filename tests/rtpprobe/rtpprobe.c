/* rtpprobe: the media of a SIP phone or trunk for tests (SIPp signals, rtpprobe sends and
 * checks the audio): G.711 tone out, tone and DTMF (RFC 4733 or in-band) checked in; over
 * SRTP (RFC 3711) with given SDES keys when asked. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <spandsp.h>

#include "media/dtmf.h"
#include "media/engine.h"
#include "media/g711.h"
#include "media/rtp.h"
#include "media/transport.h"
#include "sip/sdp_crypto.h"
#include "tests/pstnsim/audio.h"
#include "tests/tools/inaddr.h"

#define PTIME_MS	20			/* [ms] audio packet interval */
#define PTIME_SAMPLES	(PTIME_MS * 8)		/* [samples] per audio packet */
#define PTIME_MAX_MS	40			/* [ms] longest audio packet sent (--ptime) */
#define TICK_MS		10			/* [ms] scheduler resolution */
#define EV_UPDATE_MS	50			/* [ms] RFC 4733 update interval (§2.5.1.2) */
#define EV_END_COPIES	3			/* end packets sent (§2.5.1.4) */
#define EV_VOLUME	10			/* [-dBm0] power level of sent events */
#define PKT_MAX		1500			/* [bytes] */
#define SILENCE_RMS	90.0			/* [linear] ~ -45 dBm0, as pstnsim */
#define TONE_RATIO	0.6			/* Goertzel power / block energy, as pstnsim */
#define MAX_DIGITS	SIM_MAX_DIGITS

enum dtmf_mode { DTMF_RFC4733, DTMF_INBAND };

/* Command line; times in ms. */
struct opts {
	struct sockaddr_in listen;
	struct sockaddr_in remote;
	bool have_remote;
	uint8_t pt;			/* 0 PCMU or 8 PCMA, what we send */
	uint8_t dtmf_pt;		/* RFC 4733 payload type, both directions */
	unsigned send_hz;		/* [Hz] 0 = silence */
	int level;			/* [dBm0] of the sent tone */
	bool expect_tone;
	unsigned expect_hz;		/* [Hz] 0 = expect silence */
	unsigned min_pct;		/* [%] */
	unsigned min_ms;		/* [ms] of audio the tone check must measure */
	char send_dtmf[MAX_DIGITS + 1];
	char expect_dtmf[MAX_DIGITS + 1];
	enum dtmf_mode dtmf_mode;
	unsigned dtmf_on_ms, dtmf_off_ms, dtmf_delay_ms;
	unsigned duration_ms;
	unsigned wait_first_ms;
	bool wait_first_set;
	unsigned tx_loss_pct;		/* [%] packets dropped on purpose (tests of the checks) */
	unsigned ptime_ms;		/* [ms] audio packets sent: 10, 20, 30 or 40 */
	const char *tag;
	const char *srtp_suite;		/* SRTP: suite name, NULL: plain RTP */
	const char *srtp_tx, *srtp_rx;	/* SDES inline keys (base64): ours, the peer's */
};

/* The sending side: paced by ticks of TICK_MS from a monotonic start. */
struct tx {
	struct rtp_packetiser pk;
	struct sim_tx *gen;
	bool active;			/* a destination is known */
	uint64_t start_tick;		/* tick of the first packet */
	unsigned sent, sent_ev, dropped;
	/* RFC 4733 digit being sent */
	size_t next_digit;		/* index into opts.send_dtmf */
	bool ev_on;			/* between start and the last end packet */
	bool ev_audio_muted;		/* audio replaced by the event */
	uint64_t ev_start_tick, ev_next_tick;
	uint64_t next_digit_tick;
	uint32_t ev_ts;
	unsigned ev_ends;		/* end packets sent so far */
	uint8_t ev_code;
	bool inband_queued;
	uint32_t rng;
};

/* The receiving side. */
struct rx {
	unsigned packets, audio_packets, ev_packets, other_packets, bad, dup, late;
	unsigned ssrc_changes;
	bool have_ssrc;
	uint32_t ssrc;
	uint32_t max_ext, base_ext;	/* extended seq numbers of this SSRC */
	unsigned lost_prev;		/* lost in earlier SSRCs */
	unsigned received_cur;		/* packets of the current SSRC */
	int pt_audio;			/* last audio PT seen, -1 none */
	unsigned ptime_rx;		/* [samples] of the audio packets received; 0 none */
	bool ptime_mixed;		/* they were not all of one size */
	double first_ms;		/* [ms] since start, first packet */
	struct sockaddr_in first_from;
	/* interarrival jitter (RFC 3550 §6.4.1), in samples */
	bool have_transit;
	int64_t transit;
	double jitter;

	/* audio analysis on the gap-filtered signal */
	struct sim_gapf gapf;
	uint64_t in_samples;		/* received audio, gaps included */
	int16_t block[SIM_BLOCK];
	size_t nblock;
	goertzel_descriptor_t gdesc;
	bool onset;			/* tone check: first matching block seen */
	uint64_t onset_in, onset_gap;	/* in_samples and gap samples at the onset */
	unsigned match_blocks, silent_blocks;
	struct sim_freq_hist hist;		/* what was heard (pstnsim's audio.c) */

	/* DTMF: in-band (SpanDSP) and RFC 4733 */
	dtmf_rx_state_t *dtmf;
	char inband[MAX_DIGITS + 1], rfc[MAX_DIGITS + 1], merged[MAX_DIGITS + 1];
	bool have_ev;
	uint32_t ev_ts;
	bool ev_ended;
	unsigned ev_noend;		/* events that never sent an end packet */
};

struct probe {
	struct opts o;
	int fd;
	struct timespec t0;
	struct sockaddr_in dest;
	struct tx tx;
	struct rx rx;
	struct media_transport *srtp;	/* NULL: plain RTP */
	unsigned srtp_tag;		/* [bytes] the suite's RTP auth tag */
	unsigned srtp_failed;		/* received packets refused (auth, replay) */
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static double now_ms(const struct probe *p)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - p->t0.tv_sec) * 1000.0 + (double)(t.tv_nsec - p->t0.tv_nsec) / 1e6;
}

static void say(const struct probe *p, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One output line: "[   1.234] TAG KIND  text". */
static void say(const struct probe *p, const char *kind, const char *fmt, ...)
{
	va_list ap;

	printf("[%8.3f] %s %-4s ", now_ms(p) / 1000.0, p->o.tag, kind);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *addr_str(const struct sockaddr_in *a, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

/* ---------------------------------------------------------------- command line */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtpprobe --listen 127.0.0.1:PORT [options]\n"
		"  --remote ADDR:PORT    send there (default: to the source of the first RTP packet)\n"
		"  --pt 0|8              payload type sent: 0 PCMU, 8 PCMA (default 0)\n"
		"  --send-tone HZ        tone sent (default: silence); --level DBM0 (default -10)\n"
		"  --expect-tone HZ      tone that must be heard (0: silence); --min-pct N (80),\n"
		"                        --min-ms MS of audio measured after the onset (1000)\n"
		"  --send-dtmf DIGITS    sent as RFC 4733 events (or --dtmf-mode inband); timing\n"
		"                        --dtmf-ms ON/OFF (100/100), first after --dtmf-delay MS (500)\n"
		"  --expect-dtmf DIGITS  digits that must arrive, as RFC 4733 events or in-band\n"
		"  --dtmf-pt N           telephone-event payload type (101)\n"
		"  --duration S          run time (5); --wait-first S: fail if no RTP by then\n"
		"  --tx-loss PCT         drop PCT %% of sent packets (to test the checks)\n"
		"  --ptime MS            audio packets sent: 10, 20, 30 or 40 ms (default 20)\n"
		"  --tag TEXT            prefix of output lines (probe)\n"
		"  --srtp SUITE --srtp-tx KEY --srtp-rx KEY\n"
		"                        SRTP (RFC 3711): AES_CM_128_HMAC_SHA1_80|_32 or\n"
		"                        AEAD_AES_128_GCM; KEY as SDES's inline: (base64 key||salt),\n"
		"                        tx ours, rx the peer's\n"
		"exit: 0 every expectation held, 1 one failed, 2 setup error\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || x > max || *s == '-')
		return EINVAL;
	*v = (unsigned)x;
	return 0;
}

/* Seconds, possibly fractional ("1.5"), to ms. */
static int parse_secs(const char *s, unsigned *ms)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || x < 0 || x > 86400)
		return EINVAL;
	*ms = (unsigned)lrint(x * 1000.0);
	return 0;
}

static int parse_digits(const char *s, char *out)
{
	size_t n = strlen(s);

	if (!n || n > MAX_DIGITS || strspn(s, "0123456789*#ABCDabcd") != n)
		return EINVAL;
	for (size_t i = 0; i <= n; i++)
		out[i] = (s[i] >= 'a' && s[i] <= 'd') ? (char)(s[i] - 'a' + 'A') : s[i];
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "pt", required_argument, NULL, 'p' },
		{ "send-tone", required_argument, NULL, 's' },
		{ "level", required_argument, NULL, 'L' },
		{ "expect-tone", required_argument, NULL, 'e' },
		{ "min-pct", required_argument, NULL, 'm' },
		{ "min-ms", required_argument, NULL, 'M' },
		{ "send-dtmf", required_argument, NULL, 'd' },
		{ "expect-dtmf", required_argument, NULL, 'D' },
		{ "dtmf-mode", required_argument, NULL, 'x' },
		{ "dtmf-ms", required_argument, NULL, 'T' },
		{ "dtmf-delay", required_argument, NULL, 'y' },
		{ "dtmf-pt", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 't' },
		{ "wait-first", required_argument, NULL, 'w' },
		{ "tx-loss", required_argument, NULL, 'z' },
		{ "ptime", required_argument, NULL, 'Q' },
		{ "tag", required_argument, NULL, 'g' },
		{ "srtp", required_argument, NULL, 'S' },
		{ "srtp-tx", required_argument, NULL, 'K' },
		{ "srtp-rx", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_listen = false;
	unsigned v, v2;
	int c, idx = 0, err = 0;

	*o = (struct opts){
		.pt = 0, .dtmf_pt = 101, .level = -10, .min_pct = 80, .min_ms = 1000,
		.dtmf_mode = DTMF_RFC4733, .dtmf_on_ms = 100, .dtmf_off_ms = 100,
		.dtmf_delay_ms = 500, .duration_ms = 5000, .tag = "probe", .ptime_ms = PTIME_MS,
	};
	while (!err && (c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		switch (c) {
		case 'l':
			err = inaddr_parse(optarg, &o->listen);
			have_listen = !err;
			break;
		case 'r':
			err = inaddr_parse(optarg, &o->remote);
			o->have_remote = !err;
			break;
		case 'Q':
			err = parse_uint(optarg, PTIME_MAX_MS, &o->ptime_ms);
			if (!err && o->ptime_ms % TICK_MS)
				err = EINVAL;	/* 10, 20, 30, 40 */
			if (!err && !o->ptime_ms)
				err = EINVAL;
			break;
		case 'p':
			err = parse_uint(optarg, 127, &v);
			if (!err && v != 0 && v != 8)
				err = EINVAL;
			o->pt = (uint8_t)v;
			break;
		case 's':
			err = parse_uint(optarg, SIM_RATE / 2 - 1, &o->send_hz);
			break;
		case 'L':
			o->level = atoi(optarg);
			err = o->level > 3 || o->level < -60 ? EINVAL : 0;
			break;
		case 'e':
			err = parse_uint(optarg, SIM_RATE / 2 - 1, &o->expect_hz);
			o->expect_tone = !err;
			break;
		case 'm':
			err = parse_uint(optarg, 100, &o->min_pct);
			break;
		case 'M':
			err = parse_uint(optarg, 3600000, &o->min_ms);
			break;
		case 'd':
			err = parse_digits(optarg, o->send_dtmf);
			break;
		case 'D':
			err = parse_digits(optarg, o->expect_dtmf);
			break;
		case 'x':
			if (!strcmp(optarg, "rfc4733"))
				o->dtmf_mode = DTMF_RFC4733;
			else if (!strcmp(optarg, "inband"))
				o->dtmf_mode = DTMF_INBAND;
			else
				err = EINVAL;
			break;
		case 'T':
			if (sscanf(optarg, "%u/%u", &v, &v2) != 2 || v < 40 || v > 5000 || v2 < 40 ||
			    v2 > 5000)
				err = EINVAL;
			o->dtmf_on_ms = v;
			o->dtmf_off_ms = v2;
			break;
		case 'y':
			err = parse_uint(optarg, 3600000, &o->dtmf_delay_ms);
			break;
		case 'P':
			err = parse_uint(optarg, 127, &v);
			if (!err && (v == 0 || v == 8 || v < 96))
				err = EINVAL;	/* dynamic range only (RFC 3551 §3) */
			o->dtmf_pt = (uint8_t)v;
			break;
		case 't':
			err = parse_secs(optarg, &o->duration_ms);
			if (!err && !o->duration_ms)
				err = EINVAL;
			break;
		case 'w':
			err = parse_secs(optarg, &o->wait_first_ms);
			o->wait_first_set = !err;
			break;
		case 'z':
			err = parse_uint(optarg, 100, &o->tx_loss_pct);
			break;
		case 'g':
			o->tag = optarg;
			break;
		case 'S':
			o->srtp_suite = optarg;
			break;
		case 'K':
			o->srtp_tx = optarg;
			break;
		case 'k':
			o->srtp_rx = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return EINVAL;
		}
		if (err)
			fprintf(stderr, "rtpprobe: bad value for --%s: %s\n", lo[idx].name, optarg);
	}
	if (err)
		return err;
	if (optind < argc) {
		fprintf(stderr, "rtpprobe: unexpected argument %s\n", argv[optind]);
		return EINVAL;
	}
	if (!have_listen) {
		fprintf(stderr, "rtpprobe: --listen ADDR:PORT is required\n");
		return EINVAL;
	}
	if (!o->srtp_suite != !o->srtp_tx || !o->srtp_suite != !o->srtp_rx) {
		fprintf(stderr, "rtpprobe: --srtp needs --srtp-tx and --srtp-rx\n");
		return EINVAL;
	}
	return 0;
}

/* One SDES key ("SUITE", base64 key||salt) decoded as sip/sdp_crypto reads a=crypto. */
static int srtp_key(const char *suite, const char *b64, struct sdp_crypto *c)
{
	char line[SDP_CRYPTO_TEXT_MAX];

	if ((size_t)snprintf(line, sizeof line, "1 %s inline:%s", suite, b64) >= sizeof line ||
	    sdp_crypto_parse(c, line) || !c->usable)
		return EINVAL;
	return 0;
}

static int srtp_init(struct probe *p)
{
	static const enum media_srtp_suite suites[SDP_CRYPTO_SUITE_COUNT] = {
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80] = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32] = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,
		[SDP_CRYPTO_AEAD_AES_128_GCM] = MEDIA_SRTP_AEAD_AES_128_GCM,
	};
	static const unsigned tags[SDP_CRYPTO_SUITE_COUNT] = {
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80] = 10,
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32] = 4,
		[SDP_CRYPTO_AEAD_AES_128_GCM] = 16,
	};
	struct sdp_crypto tx, rx;
	struct media_srtp_params sp = { 0 };
	struct media_transport_pts pts = { .pt = p->o.pt, .rx_te_pt = p->o.dtmf_pt };

	if (!p->o.srtp_suite)
		return 0;
	if (srtp_key(p->o.srtp_suite, p->o.srtp_tx, &tx) ||
	    srtp_key(p->o.srtp_suite, p->o.srtp_rx, &rx)) {
		fprintf(stderr, "rtpprobe: --srtp %s: a key is not that suite's base64 key||salt\n",
			p->o.srtp_suite);
		return EINVAL;
	}
	sp.suite = suites[tx.suite];
	memcpy(sp.tx_key, tx.key, tx.key_len);
	memcpy(sp.rx_key, rx.key, rx.key_len);
	p->srtp_tag = tags[tx.suite];
	return transport_srtp_alloc(&p->srtp, &pts, &sp);
}

/* An SRTP packet from the peer, unprotected in place: its plain length, or 0 (refused). */
static size_t srtp_open(struct probe *p, uint8_t *buf, size_t n)
{
	struct media_rx rx;
	int err = p->srtp->ops->open(p->srtp, buf, n, &rx);

	/* EACCES, EALREADY: libsrtp refused it; anything else came after the decryption */
	if (err == EACCES || err == EALREADY || n < RTP_HDR_LEN + p->srtp_tag) {
		p->srtp_failed++;
		return 0;
	}
	return n - p->srtp_tag;
}

/* ---------------------------------------------------------------- sending */

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void send_pkt(struct probe *p, const uint8_t *buf, size_t len, bool event)
{
	struct tx *tx = &p->tx;

	if (p->o.tx_loss_pct && xorshift(&tx->rng) % 100 < p->o.tx_loss_pct) {
		tx->dropped++;
		return;
	}
	uint8_t sealed[PKT_MAX];

	if (p->srtp) {
		if (len + TRANSPORT_MAX_OVERHEAD > sizeof sealed)
			return;
		memcpy(sealed, buf, len);
		if (p->srtp->ops->seal(p->srtp, sealed, &len, sizeof sealed))
			return;
		buf = sealed;
	}
	if (sendto(p->fd, buf, len, 0, (const struct sockaddr *)&p->dest, sizeof(p->dest)) < 0)
		return;	/* e.g. ECONNREFUSED from an earlier datagram: the count shows it */
	if (event)
		tx->sent_ev++;
	else
		tx->sent++;
}

/* RFC 4733 §2.3 payload: event, E|R|volume, duration [samples]. */
static void send_event(struct probe *p, bool marker, bool end, uint32_t duration)
{
	struct tx *tx = &p->tx;
	uint8_t buf[RTP_HDR_LEN + 4];
	size_t n = rtp_packetiser_other(&tx->pk, buf, p->o.dtmf_pt, tx->ev_ts, marker);

	buf[n++] = tx->ev_code;
	buf[n++] = (uint8_t)((end ? 0x80 : 0) | EV_VOLUME);
	buf[n++] = (uint8_t)(duration > 0xffff ? 0xff : duration >> 8);
	buf[n++] = (uint8_t)(duration > 0xffff ? 0xff : duration);
	send_pkt(p, buf, n, true);
}

/*
 * RFC 4733 sender (§2.5): the event replaces the audio from the start of the digit; the
 * first packet (M set) goes one ptime after the start, then updates every 50 ms carrying the
 * duration so far, then three end packets one ptime apart, all with the start timestamp.
 */
static void tx_event_tick(struct probe *p, uint64_t k)
{
	struct tx *tx = &p->tx;
	const struct opts *o = &p->o;
	uint64_t on_ticks = (o->dtmf_on_ms + PTIME_MS - 1) / PTIME_MS * (PTIME_MS / TICK_MS);
	uint64_t off_ticks = (o->dtmf_off_ms + PTIME_MS - 1) / PTIME_MS * (PTIME_MS / TICK_MS);
	uint64_t el;

	if (!tx->ev_on) {
		/* a digit starts on an audio tick, so its timestamp is that of the packet it mutes */
		if (!o->send_dtmf[tx->next_digit] || k < tx->next_digit_tick ||
		    (k - tx->start_tick) % (PTIME_MS / TICK_MS))
			return;
		tx->ev_code = (uint8_t)dtmf_digit_to_event(o->send_dtmf[tx->next_digit]);
		tx->ev_ts = tx->pk.ts;
		tx->ev_start_tick = k;
		tx->ev_next_tick = k + PTIME_MS / TICK_MS;
		tx->ev_ends = 0;
		tx->ev_on = true;
		tx->ev_audio_muted = true;
		return;
	}
	el = k - tx->ev_start_tick;
	if (el >= on_ticks) {
		tx->ev_audio_muted = false;
		if ((!tx->ev_ends || k >= tx->ev_next_tick) && tx->ev_ends < EV_END_COPIES) {
			send_event(p, false, true, (uint32_t)(on_ticks * TICK_MS * 8));
			tx->ev_ends++;
			tx->ev_next_tick = k + PTIME_MS / TICK_MS;
		}
		if (tx->ev_ends == EV_END_COPIES) {
			tx->ev_on = false;
			tx->next_digit++;
			tx->next_digit_tick = tx->ev_start_tick + on_ticks + off_ticks;
		}
		return;
	}
	if (k >= tx->ev_next_tick) {
		bool first = el == PTIME_MS / TICK_MS;

		send_event(p, first, false, (uint32_t)(el * TICK_MS * 8));
		tx->ev_next_tick = k + EV_UPDATE_MS / TICK_MS;
	}
}

/* Work due at tick k (TICK_MS each since the start). */
static void tx_tick(struct probe *p, uint64_t k)
{
	struct tx *tx = &p->tx;
	uint8_t buf[RTP_HDR_LEN + PTIME_MAX_MS * 8];
	unsigned n = p->o.ptime_ms * 8;

	if (!tx->active)
		return;
	if (*p->o.send_dtmf && p->o.dtmf_mode == DTMF_RFC4733)
		tx_event_tick(p, k);
	if ((k - tx->start_tick) % (p->o.ptime_ms / TICK_MS))
		return;
	if (*p->o.send_dtmf && p->o.dtmf_mode == DTMF_INBAND && !tx->inband_queued &&
	    k >= tx->next_digit_tick) {
		(void)sim_tx_dtmf(tx->gen, p->o.send_dtmf, p->o.dtmf_on_ms, p->o.dtmf_off_ms);
		tx->inband_queued = true;
	}
	if (tx->ev_audio_muted) {
		rtp_packetiser_skip(&tx->pk, n);
		return;
	}
	sim_tx_fill(tx->gen, buf + RTP_HDR_LEN, n);
	rtp_packetiser_next(&tx->pk, buf, n);
	send_pkt(p, buf, RTP_HDR_LEN + n, false);
}

static void tx_begin(struct probe *p, const struct sockaddr_in *dest, uint64_t k)
{
	char a[64];

	p->dest = *dest;
	p->tx.active = true;
	p->tx.start_tick = k;
	p->tx.next_digit_tick = k + p->o.dtmf_delay_ms / TICK_MS;
	say(p, "evt", "sending %s %u Hz to %s", p->o.pt == 8 ? "PCMA" : "PCMU", p->o.send_hz,
	    addr_str(dest, a, sizeof(a)));
	tx_tick(p, k);	/* the first packet now, the next ones on the 20 ms grid from here */
}

/* ---------------------------------------------------------------- receiving */

static void append_digit(char *s, char d)
{
	size_t n = strlen(s);

	if (n < MAX_DIGITS) {
		s[n] = d;
		s[n + 1] = '\0';
	}
}

static void inband_digits_h(void *arg, const char *digits, int len)
{
	struct rx *rx = arg;

	for (int i = 0; i < len; i++) {
		append_digit(rx->inband, digits[i]);
		append_digit(rx->merged, digits[i]);
	}
}


/*
 * One 20 ms block of the stitched signal. The expected tone "matches" as in pstnsim (Goertzel
 * power >= 60 % of the block energy, above -45 dBm0); the window of the check opens at the
 * first matching block and runs to the end of the received audio.
 */
static void analyse_block(struct probe *p)
{
	struct rx *rx = &p->rx;
	const int16_t *x = rx->block;
	double energy = 0;
	bool silent, match = false;

	for (size_t i = 0; i < SIM_BLOCK; i++)
		energy += (double)x[i] * x[i];
	silent = sqrt(energy / SIM_BLOCK) < SILENCE_RMS;
	if (p->o.expect_tone && p->o.expect_hz) {
		goertzel_state_t gs;

		goertzel_init(&gs, &rx->gdesc);
		goertzel_update(&gs, x, SIM_BLOCK);
		match = !silent && goertzel_result(&gs) / (SIM_BLOCK * energy) >= TONE_RATIO;
		if (!rx->onset && match) {
			rx->onset = true;
			rx->onset_in = rx->in_samples >= SIM_BLOCK ? rx->in_samples - SIM_BLOCK : 0;
			rx->onset_gap = rx->gapf.gap;
			sim_freq_hist_reset(&rx->hist);
		}
	}
	if (!silent)
		sim_freq_hist_add(&rx->hist, x, SIM_BLOCK);
	if (rx->onset) {
		rx->match_blocks += match;
		rx->silent_blocks += silent;
	}
	if (p->o.expect_tone && !p->o.expect_hz)
		rx->silent_blocks += silent;	/* silence check: the whole run is the window */
}

static void rx_audio(struct probe *p, enum g711_law law, const uint8_t *pl, size_t n)
{
	struct rx *rx = &p->rx;
	uint8_t kept[SIM_BLOCK + SIM_GAP_RUN];
	int16_t lin[SIM_BLOCK + SIM_GAP_RUN];

	while (n) {
		size_t chunk = n < SIM_BLOCK ? n : SIM_BLOCK;
		size_t k = sim_gapf_run(&rx->gapf, pl, chunk, kept);

		rx->in_samples += chunk;
		g711_block_decode(law, lin, kept, k);
		if (k)
			dtmf_rx(rx->dtmf, lin, (int)k);
		for (size_t i = 0; i < k; i++) {
			rx->block[rx->nblock++] = lin[i];
			if (rx->nblock == SIM_BLOCK) {
				analyse_block(p);
				rx->nblock = 0;
			}
		}
		pl += chunk;
		n -= chunk;
	}
}

/* RFC 4733 §2.3: a new event is a new timestamp; updates and end copies repeat it. */
static void rx_event(struct probe *p, const struct rtp_hdr *h, const uint8_t *pl, size_t n)
{
	struct rx *rx = &p->rx;
	char d;

	if (n < 4) {
		rx->bad++;
		return;
	}
	if (!rx->have_ev || h->ts != rx->ev_ts) {
		if (rx->have_ev && !rx->ev_ended)
			rx->ev_noend++;
		rx->have_ev = true;
		rx->ev_ts = h->ts;
		rx->ev_ended = false;
		d = dtmf_event_to_digit(pl[0]);
		if (d) {
			append_digit(rx->rfc, d);
			append_digit(rx->merged, d);
			say(p, "evt", "RFC 4733 event %u (%c)%s", pl[0], d, h->marker ? "" : " without M bit");
		} else {
			say(p, "evt", "RFC 4733 event %u (not a DTMF digit)", pl[0]);
		}
	}
	if (pl[1] & 0x80)
		rx->ev_ended = true;
}

/* Sequence accounting per SSRC (RFC 3550 Appendix A.1, simplified: no probation). */
static bool rx_seq(struct rx *rx, const struct rtp_hdr *h)
{
	uint32_t ext;
	int16_t d;

	if (!rx->have_ssrc || h->ssrc != rx->ssrc) {
		if (rx->have_ssrc) {
			uint32_t expected = rx->max_ext - rx->base_ext + 1;

			rx->ssrc_changes++;
			if (expected > rx->received_cur)
				rx->lost_prev += expected - rx->received_cur;
		}
		rx->have_ssrc = true;
		rx->ssrc = h->ssrc;
		rx->max_ext = rx->base_ext = 0x10000u | h->seq;	/* room for earlier late packets */
		rx->received_cur = 1;
		rx->have_transit = false;
		return true;
	}
	d = rtp_seq_diff(h->seq, (uint16_t)rx->max_ext);
	if (d == 0) {
		rx->dup++;
		return false;
	}
	ext = rx->max_ext + (uint32_t)(int32_t)d;
	if (d > 0)
		rx->max_ext = ext;
	else
		rx->late++;
	if (ext < rx->base_ext)
		rx->base_ext = ext;
	rx->received_cur++;
	return true;
}

static unsigned rx_lost(const struct rx *rx)
{
	uint32_t expected;

	if (!rx->have_ssrc)
		return rx->lost_prev;
	expected = rx->max_ext - rx->base_ext + 1;
	return rx->lost_prev + (expected > rx->received_cur ? expected - rx->received_cur : 0);
}

static void rx_packet(struct probe *p, const uint8_t *buf, size_t len, const struct sockaddr_in *from,
		      uint64_t tick)
{
	struct rx *rx = &p->rx;
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;
	char a[64];

	if (rtp_decode(&h, buf, len, &pl, &n)) {
		rx->bad++;
		return;
	}
	if (!rx->packets) {
		rx->first_ms = now_ms(p);
		rx->first_from = *from;
		say(p, "evt", "first RTP from %s: pt %u ssrc 0x%08x seq %u%s",
		    addr_str(from, a, sizeof(a)), h.pt, h.ssrc, h.seq, h.marker ? " M" : "");
	}
	rx->packets++;
	if (!p->tx.active)	/* symmetric RTP (RFC 4961): answer where it comes from */
		tx_begin(p, from, tick);
	if (!rx_seq(rx, &h))
		return;
	if (h.pt == 0 || h.pt == 8) {
		/* jitter in samples: arrival clock of 8 kHz against the RTP timestamp */
		int64_t arrival = (int64_t)llrint(now_ms(p) * 8.0);
		int64_t transit = arrival - (int64_t)h.ts, dd;

		if (rx->have_transit) {
			dd = transit - rx->transit;
			if (dd < 0)
				dd = -dd;
			rx->jitter += ((double)dd - rx->jitter) / 16.0;
		}
		rx->transit = transit;
		rx->have_transit = true;
		if (rx->pt_audio >= 0 && rx->pt_audio != h.pt)
			say(p, "evt", "audio payload type changed %d -> %u", rx->pt_audio, h.pt);
		rx->pt_audio = h.pt;
		if (rx->ptime_rx && rx->ptime_rx != n)
			rx->ptime_mixed = true;
		rx->ptime_rx = (unsigned)n;
		rx->audio_packets++;
		rx_audio(p, h.pt == 8 ? G711_LAW_ALAW : G711_LAW_ULAW, pl, n);
	} else if (h.pt == p->o.dtmf_pt) {
		rx->ev_packets++;
		rx_event(p, &h, pl, n);
	} else {
		rx->other_packets++;
	}
}

/* ---------------------------------------------------------------- verdicts */

struct tone_verdict {
	bool pass;
	unsigned heard_hz, match_ms, window_ms, gap_ms, onset_ms;
	char text[256];
};

static void tone_verdict(const struct probe *p, struct tone_verdict *v)
{
	const struct rx *rx = &p->rx;
	unsigned f = p->o.expect_hz, pct = p->o.min_pct, need;
	char heard[32];

	memset(v, 0, sizeof(*v));
	v->heard_hz = sim_freq_hist_mode(&rx->hist);
	if (v->heard_hz)
		snprintf(heard, sizeof(heard), "%u Hz", v->heard_hz);
	else
		snprintf(heard, sizeof(heard), "silence");
	if (!f) {
		/* silence: silent blocks and gaps both count; a dead stream is no proof */
		v->window_ms = (unsigned)(rx->in_samples / 8);
		v->gap_ms = (unsigned)(rx->gapf.gap / 8);
		v->match_ms = rx->silent_blocks * PTIME_MS + v->gap_ms;
		if (v->match_ms > v->window_ms)
			v->match_ms = v->window_ms;
		v->pass = v->window_ms >= p->o.min_ms && v->match_ms >= v->window_ms * pct / 100;
		snprintf(v->text, sizeof(v->text),
			 "audio %s: silence for %u ms of %u (gaps %u ms; heard otherwise: %s)",
			 v->pass ? "ok" : "FAIL", v->match_ms, v->window_ms, v->gap_ms, heard);
		return;
	}
	if (!rx->onset) {
		v->window_ms = (unsigned)(rx->in_samples / 8);
		v->gap_ms = (unsigned)(rx->gapf.gap / 8);
		if (!rx->audio_packets)
			snprintf(v->text, sizeof(v->text), "audio FAIL: expected %u Hz, no audio received", f);
		else
			snprintf(v->text, sizeof(v->text),
				 "audio FAIL: expected %u Hz, heard %s; %u Hz for 0 ms of %u (gaps %u ms)",
				 f, heard, f, v->window_ms, v->gap_ms);
		return;
	}
	v->window_ms = (unsigned)((rx->in_samples - rx->onset_in) / 8);
	v->gap_ms = (unsigned)((rx->gapf.gap - rx->onset_gap) / 8);
	if (v->gap_ms > v->window_ms)
		v->gap_ms = v->window_ms;
	v->match_ms = rx->match_blocks * PTIME_MS;
	v->onset_ms = (unsigned)(rx->onset_in / 8);
	need = (v->window_ms - v->gap_ms) * pct / 100;
	/* gaps are tolerated, but a window that is mostly gap heard nothing */
	v->pass = v->window_ms >= p->o.min_ms && v->gap_ms <= v->window_ms / 2 && v->match_ms > 0 &&
		  v->match_ms >= need;
	if (v->pass)
		snprintf(v->text, sizeof(v->text),
			 "audio ok: heard %u Hz for %u ms of %u (gaps %u ms, onset after %u ms)", f,
			 v->match_ms, v->window_ms, v->gap_ms, v->onset_ms);
	else
		snprintf(v->text, sizeof(v->text),
			 "audio FAIL: expected %u Hz, heard %s; %u Hz for %u ms of %u (gaps %u ms, need %u%s)",
			 f, heard, f, v->match_ms, v->window_ms, v->gap_ms, need,
			 v->window_ms < p->o.min_ms ? ", window too short" : "");
}

/* Digits must arrive exactly as expected, seen either way (events, in-band, or both mixed). */
static bool dtmf_verdict(const struct probe *p)
{
	const struct rx *rx = &p->rx;
	const char *e = p->o.expect_dtmf;

	return !strcmp(rx->rfc, e) || !strcmp(rx->inband, e) || !strcmp(rx->merged, e);
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static int report(struct probe *p, bool no_first)
{
	const struct opts *o = &p->o;
	const struct rx *rx = &p->rx;
	struct tone_verdict tv;
	bool tone_ok = true, dtmf_ok = true, pass;
	char tone[64] = "-", remote[64] = "-", jit[32], first[32] = "-", ptime_rx[16] = "-";

	if (rx->have_ev && !rx->ev_ended)
		p->rx.ev_noend++;
	tone_verdict(p, &tv);
	if (no_first)
		say(p, "FAIL", "no RTP received within %u ms", o->wait_first_ms);
	if (o->expect_tone) {
		tone_ok = tv.pass;
		say(p, tone_ok ? "ok" : "FAIL", "%s", tv.text);
		snprintf(tone, sizeof(tone), "%u:%s:%u/%u", o->expect_hz, tone_ok ? "ok" : "fail",
			 tv.match_ms, tv.window_ms);
	}
	if (*o->expect_dtmf) {
		dtmf_ok = dtmf_verdict(p);
		say(p, dtmf_ok ? "ok" : "FAIL", "dtmf %s: expected %s, got %s (rfc4733 %s, in-band %s)",
		    dtmf_ok ? "ok" : "FAIL", o->expect_dtmf, or_dash(rx->merged), or_dash(rx->rfc),
		    or_dash(rx->inband));
	}
	pass = !no_first && tone_ok && dtmf_ok;
	if (p->tx.active)
		addr_str(&p->dest, remote, sizeof(remote));
	snprintf(jit, sizeof(jit), "%.1f", rx->jitter / 8.0);
	if (rx->ptime_mixed)
		snprintf(ptime_rx, sizeof(ptime_rx), "mixed");
	else if (rx->ptime_rx)
		snprintf(ptime_rx, sizeof(ptime_rx), "%u", rx->ptime_rx / 8);
	if (rx->packets)
		snprintf(first, sizeof(first), "%.0f", rx->first_ms);
	printf("PROBE tag=%s remote=%s pt_tx=%u sent=%u sent_events=%u dropped=%u "
	       "received=%u rx_audio=%u rx_events=%u rx_other=%u bad=%u pt_rx=%s ptime_tx=%u "
	       "ptime_rx=%s lost=%u late=%u "
	       "dup=%u ssrc_changes=%u jitter_ms=%s first_ms=%s audio_ms=%llu gap_ms=%llu "
	       "heard=%u tone=%s dtmf_tx=%s dtmf_rx=%s dtmf_rfc4733=%s dtmf_inband=%s "
	       "srtp=%s srtp_failed=%u result=%s\n",
	       o->tag, remote, o->pt, p->tx.sent, p->tx.sent_ev, p->tx.dropped, rx->packets,
	       rx->audio_packets, rx->ev_packets, rx->other_packets, rx->bad,
	       rx->pt_audio < 0 ? "-" : rx->pt_audio == 8 ? "8" : "0", o->ptime_ms, ptime_rx,
	       rx_lost(rx), rx->late,
	       rx->dup, rx->ssrc_changes, jit,
	       first, (unsigned long long)(rx->in_samples / 8),
	       (unsigned long long)(rx->gapf.gap / 8), tv.heard_hz, tone, or_dash(o->send_dtmf),
	       or_dash(rx->merged), or_dash(rx->rfc), or_dash(rx->inband),
	       o->srtp_suite ? o->srtp_suite : "-", p->srtp_failed, pass ? "pass" : "fail");
	return pass ? 0 : 1;
}

/* ---------------------------------------------------------------- main loop */

static int open_socket(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static int probe_init(struct probe *p)
{
	struct timespec t;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	clock_gettime(CLOCK_REALTIME, &t);
	p->tx.rng = (uint32_t)(t.tv_nsec ^ (t.tv_sec << 7) ^ ((long)getpid() << 16)) | 1u;
	/* random SSRC, sequence and timestamp origins (RFC 3550 §5.1) */
	rtp_packetiser_init(&p->tx.pk, p->o.pt, xorshift(&p->tx.rng), (uint16_t)xorshift(&p->tx.rng),
			    xorshift(&p->tx.rng));
	err = sim_tx_alloc(&p->tx.gen, p->o.pt == 8 ? SIM_LAW_ALAW : SIM_LAW_ULAW);
	if (err)
		return err;
	err = sim_tx_tone(p->tx.gen, p->o.send_hz, p->o.level);
	if (err)
		return err;
	p->rx.pt_audio = -1;
	p->rx.dtmf = dtmf_rx_init(NULL, inband_digits_h, &p->rx);
	if (!p->rx.dtmf)
		return ENOMEM;
	if (p->o.expect_tone && p->o.expect_hz)
		make_goertzel_descriptor(&p->rx.gdesc, (float)p->o.expect_hz, SIM_BLOCK);
	return srtp_init(p);
}

static void probe_release(struct probe *p)
{
	if (p->srtp)
		p->srtp->ops->free(p->srtp);
	sim_tx_free(p->tx.gen);
	if (p->rx.dtmf)
		dtmf_rx_free(p->rx.dtmf);
	if (p->fd >= 0)
		close(p->fd);
}

/* Run until the duration ends, a signal arrives or --wait-first expires; true on the last. */
static bool run(struct probe *p)
{
	uint64_t k = 0, end_tick = p->o.duration_ms / TICK_MS;
	uint8_t buf[PKT_MAX];

	if (p->o.have_remote)
		tx_begin(p, &p->o.remote, 0);
	while (!stop_sig && k < end_tick) {
		double next = (double)(k + 1) * TICK_MS, now = now_ms(p);
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

		if (now < next) {
			double wait = next - now;
			struct timespec ts = { .tv_sec = (time_t)(wait / 1000),
					       .tv_nsec = (long)(fmod(wait, 1000.0) * 1e6) };

			(void)ppoll(&pfd, 1, &ts, NULL);
		} else {
			(void)poll(&pfd, 1, 0);
		}
		for (;;) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;	/* EAGAIN, or ICMP port unreachable reported on the socket */
			if (p->srtp && !(n = (ssize_t)srtp_open(p, buf, (size_t)n)))
				continue;
			rx_packet(p, buf, (size_t)n, &from, k);
		}
		/* every tick that has come due, in order (catching up after a stall) */
		while (k < end_tick && now_ms(p) >= (double)(k + 1) * TICK_MS) {
			k++;
			tx_tick(p, k);
		}
		if (p->o.wait_first_set && !p->rx.packets && now_ms(p) >= p->o.wait_first_ms)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct probe p = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	char a[64];
	bool no_first;
	int err, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_opts(argc, argv, &p.o)) {
		usage(stderr);
		return 2;
	}
	err = probe_init(&p);
	if (err) {
		fprintf(stderr, "rtpprobe: setup: %s\n", strerror(err));
		probe_release(&p);
		return 2;
	}
	p.fd = open_socket(&p.o.listen);
	if (p.fd < 0) {
		fprintf(stderr, "rtpprobe: bind %s: %s\n", addr_str(&p.o.listen, a, sizeof(a)),
			strerror(-p.fd));
		probe_release(&p);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	say(&p, "evt", "listening on %s for %u ms", addr_str(&p.o.listen, a, sizeof(a)),
	    p.o.duration_ms);
	no_first = run(&p);
	if (stop_sig)
		say(&p, "evt", "stopped by signal %d", (int)stop_sig);
	rc = report(&p, no_first);
	probe_release(&p);
	return rc;
}
