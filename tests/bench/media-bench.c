/* Media engine benchmark: N channels of 20 ms G.711 both ways through one engine thread,
 * socketpairs standing in for B-channels and loopback UDP peers, DTMF detection on.
 * Reports engine CPU per channel per 20 ms against a bare UDP send+receive measured in
 * the same run: plain RTP, then SRTP (RFC 3711) with AES_CM_128_HMAC_SHA1_80 and with
 * AEAD_AES_128_GCM (the peers protect what they send). Bounded: per transport, warm-up +
 * rounds of 1 s each. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/engine.h"
#include "media/g711.h"
#include "media/rtp.h"
#include "media/transport.h"

#define FRAME 160
#define PKT_LEN (RTP_HDR_LEN + FRAME)	/* 172 bytes */

struct bench_chan {
	int tdm_drv;		/* driver's end of the socketpair */
	int tdm_eng;
	int rtp_eng, rtp_peer;
	struct sockaddr_in eng_addr;
	struct rtp_packetiser pk;
	struct media_transport *peer_tr;	/* SRTP: the peer's end; NULL: plain RTP */
	struct media_chan *mc;
};

static struct bench_chan *chans;
static unsigned nchan = 1000;
static atomic_bool stop_driver;
static atomic_ulong driver_overruns, driver_rx_tdm, driver_rx_rtp;
static uint8_t audio[8000];	/* 1 s of speech-like A-law */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int udp_bound(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		die("socket");
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) || getsockname(fd, (struct sockaddr *)a, &len))
		die("bind");
	return fd;
}

/* Bare floor: one 172-byte datagram sent and received on loopback, per iteration. */
static double bare_udp_us(void)
{
	struct sockaddr_in a, b;
	int fa = udp_bound(&a), fb = udp_bound(&b);
	uint8_t pkt[PKT_LEN] = { 0x80 }, in[2048];
	double r[5];

	for (int round = 0; round < 5; round++) {
		enum { N = 20000 };
		uint64_t t0 = thread_cpu_ns();

		for (int i = 0; i < N; i++) {
			if (sendto(fa, pkt, sizeof pkt, 0, (struct sockaddr *)&b, sizeof b) < 0)
				die("sendto");
			while (recv(fb, in, sizeof in, 0) < 0)
				;
		}
		r[round] = (double)(thread_cpu_ns() - t0) / 1000.0 / N;
	}
	close(fa);
	close(fb);
	for (int i = 0; i < 5; i++)	/* median of 5 */
		for (int j = i + 1; j < 5; j++)
			if (r[j] < r[i]) {
				double t = r[i];

				r[i] = r[j];
				r[j] = t;
			}
	return r[2];
}

/* Every 20 ms, for each channel: the TDM driver (arg 0) writes one frame into the B-channel
 * socketpair and reads back what the engine wrote; the RTP peer (arg 1) sends one packet
 * and receives the engine's. One read per tick: the engine answers each frame with one. */
static void *driver(void *arg)
{
	bool rtp = arg != NULL;
	struct timespec next;
	unsigned pos = 0;
	uint8_t pkt[PKT_LEN + TRANSPORT_MAX_OVERHEAD], in[2048];

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&stop_driver)) {
		struct timespec now;
		unsigned long rx = 0;

		for (unsigned i = 0; i < nchan; i++) {
			struct bench_chan *c = &chans[i];

			if (!rtp) {
				(void)!write(c->tdm_drv, audio + pos, FRAME);
				rx += read(c->tdm_drv, in, sizeof in) > 0;
			} else {
				size_t len = PKT_LEN;

				rtp_packetiser_next(&c->pk, pkt, FRAME);
				memcpy(pkt + RTP_HDR_LEN, audio + pos, FRAME);
				if (c->peer_tr &&
				    c->peer_tr->ops->seal(c->peer_tr, pkt, &len, sizeof pkt))
					continue;
				(void)sendto(c->rtp_peer, pkt, len, 0,
					     (struct sockaddr *)&c->eng_addr, sizeof c->eng_addr);
				rx += recv(c->rtp_peer, in, sizeof in, 0) > 0;
			}
		}
		atomic_fetch_add(rtp ? &driver_rx_rtp : &driver_rx_tdm, rx);
		pos = (pos + FRAME) % sizeof audio;
		next.tv_nsec += 20000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec)) {
			atomic_fetch_add(&driver_overruns, 1);
			next = now;
		} else {
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: media-bench [-n channels (1000)] [-r rounds of 1 s (6)]\n");
	exit(2);
}

/* libsrtp2 alone: one seal and one open of a 172-byte RTP packet [us], median of 5 runs. */
static double srtp_pair_us(enum media_srtp_suite suite)
{
	struct media_srtp_params k = { .suite = suite };
	struct media_transport_pts pts = { .pt = 0 };
	struct media_transport *a, *b;
	struct rtp_packetiser pk;
	uint8_t pkt[PKT_LEN + TRANSPORT_MAX_OVERHEAD];
	struct media_rx rx;
	double r[5];

	memset(k.tx_key, 0x5A, sizeof k.tx_key);
	memset(k.rx_key, 0xA5, sizeof k.rx_key);
	if (transport_srtp_alloc(&a, &pts, &k))
		die("transport_srtp_alloc");
	memcpy(k.rx_key, k.tx_key, sizeof k.rx_key);
	memset(k.tx_key, 0xA5, sizeof k.tx_key);
	if (transport_srtp_alloc(&b, &pts, &k))
		die("transport_srtp_alloc");
	rtp_packetiser_init(&pk, 0, 0x1234, 0, 0);
	for (int round = 0; round < 5; round++) {
		enum { N = 20000 };
		uint64_t t0 = thread_cpu_ns();

		for (int i = 0; i < N; i++) {
			size_t len = PKT_LEN;

			rtp_packetiser_next(&pk, pkt, FRAME);
			memcpy(pkt + RTP_HDR_LEN, audio, FRAME);
			if (a->ops->seal(a, pkt, &len, sizeof pkt) || b->ops->open(b, pkt, len, &rx))
				die("srtp round trip");
		}
		r[round] = (double)(thread_cpu_ns() - t0) / 1000.0 / N;
	}
	a->ops->free(a);
	b->ops->free(b);
	qsort(r, 5, sizeof r[0], cmp_double);
	return r[2];
}

/* One transport's run: nchan channels added, driven for rounds seconds after a warm-up,
 * torn down. Return the median engine CPU per channel per 20 ms [us]. */
static double run(const char *label, enum media_srtp_suite suite, unsigned rounds)
{
	struct media_engine *eng;
	struct media_engine_params ep = { .rtp_timeout_ms = 0 };
	struct media_engine_stats s0, s1;
	pthread_t drv, peer;
	double per[32], disp[32], med, med_disp;
	unsigned seed = 42;

	printf("%s:\n", label);
	atomic_store(&stop_driver, false);
	atomic_store(&driver_overruns, 0);
	atomic_store(&driver_rx_tdm, 0);
	atomic_store(&driver_rx_rtp, 0);
	if (media_engine_alloc(&eng, &ep))
		die("media_engine_alloc");
	chans = calloc(nchan, sizeof(*chans));
	if (!chans)
		die("calloc");
	for (unsigned i = 0; i < nchan; i++) {
		struct bench_chan *c = &chans[i];
		struct sockaddr_in peer_addr;
		int sp[2];
		struct media_chan_params p = { .cookie = i, .tdm_law = G711_LAW_ALAW,
					       .pt = (i & 1) ? 0 : 8, .dtmf_detect = true,
					       .ssrc = (uint32_t)rand_r(&seed),
					       .seq0 = (uint16_t)rand_r(&seed),
					       .ts0 = (uint32_t)rand_r(&seed) };

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp))
			die("socketpair");
		c->tdm_eng = sp[0];
		c->tdm_drv = sp[1];
		c->rtp_eng = udp_bound(&c->eng_addr);
		c->rtp_peer = udp_bound(&peer_addr);
		memcpy(&p.remote, &peer_addr, sizeof peer_addr);
		p.tdm_fd = c->tdm_eng;
		p.rtp_fd = c->rtp_eng;
		rtp_packetiser_init(&c->pk, p.pt, (uint32_t)rand_r(&seed), 0, 0);
		if (suite != MEDIA_SRTP_OFF) {
			struct media_srtp_params k = { .suite = suite };
			struct media_transport_pts pts = { .pt = p.pt };

			for (unsigned b = 0; b < MEDIA_SRTP_KEY_MAX; b++) {
				k.tx_key[b] = (uint8_t)rand_r(&seed);
				k.rx_key[b] = (uint8_t)rand_r(&seed);
			}
			p.srtp = k;
			memcpy(k.tx_key, p.srtp.rx_key, sizeof k.tx_key);
			memcpy(k.rx_key, p.srtp.tx_key, sizeof k.rx_key);
			if (transport_srtp_alloc(&c->peer_tr, &pts, &k))
				die("transport_srtp_alloc");
		}
		if (media_engine_add(eng, &p, &c->mc))
			die("media_engine_add");
	}
	if (pthread_create(&drv, NULL, driver, NULL) ||
	    pthread_create(&peer, NULL, driver, (void *)1))
		die("pthread_create");

	sleep(1); /* warm-up: jitter buffers fill, caches settle */
	for (unsigned r = 0; r < rounds; r++) {
		struct timespec wait = { 1, 0 };

		media_engine_stats(eng, &s0);
		nanosleep(&wait, NULL);
		media_engine_stats(eng, &s1);
		per[r] = s1.tdm_frames > s0.tdm_frames
				 ? (double)(s1.cpu_ns - s0.cpu_ns) / 1000.0 /
					   (double)(s1.tdm_frames - s0.tdm_frames)
				 : 0;
		disp[r] = (double)(s1.tdm_frames - s0.tdm_frames);
		printf("  round %u: %.0f frames/s (expected %u), %.2f us per channel per 20 ms\n",
		       r + 1, disp[r], nchan * 50, per[r]);
	}
	atomic_store(&stop_driver, true);
	pthread_join(drv, NULL);
	pthread_join(peer, NULL);
	media_engine_stats(eng, &s1);

	qsort(per, rounds, sizeof per[0], cmp_double);
	qsort(disp, rounds, sizeof disp[0], cmp_double);
	med = per[rounds / 2];
	med_disp = disp[rounds / 2];
	printf("  totals: tdm frames %lu, rtp sent %lu, rtp received %lu, invalid %lu, "
	       "concealed %lu, idle %lu, send errors %lu; driver: %lu TDM frames and %lu RTP "
	       "packets back, %lu driver ticks overran; median throughput %.0f frames/s\n",
	       (unsigned long)s1.tdm_frames, (unsigned long)s1.rtp_sent,
	       (unsigned long)s1.rtp_received, (unsigned long)s1.rtp_invalid,
	       (unsigned long)s1.concealed, (unsigned long)s1.idle,
	       (unsigned long)s1.send_errors, (unsigned long)atomic_load(&driver_rx_tdm),
	       (unsigned long)atomic_load(&driver_rx_rtp),
	       (unsigned long)atomic_load(&driver_overruns), med_disp);

	media_engine_free(eng);
	for (unsigned i = 0; i < nchan; i++) {
		close(chans[i].tdm_eng);
		close(chans[i].tdm_drv);
		close(chans[i].rtp_eng);
		close(chans[i].rtp_peer);
		if (chans[i].peer_tr)
			chans[i].peer_tr->ops->free(chans[i].peer_tr);
	}
	free(chans);
	chans = NULL;
	return med;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; enum media_srtp_suite suite; } srtp[] = {
		{ "AES_CM_128_HMAC_SHA1_80", MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80 },
		{ "AEAD_AES_128_GCM", MEDIA_SRTP_AEAD_AES_128_GCM },
	};
	unsigned rounds = 6;
	struct rlimit rl;
	double bare, med, med_srtp[2];
	unsigned seed = 42;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			nchan = (unsigned)atoi(optarg);
			break;
		case 'r':
			rounds = (unsigned)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!nchan || nchan > 20000 || !rounds || rounds > 32)
		usage();
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((rlim_t)nchan * 4 + 64 > rl.rlim_cur) {
		fprintf(stderr, "need %u fds, limit %lu\n", nchan * 4 + 64,
			(unsigned long)rl.rlim_cur);
		return 1;
	}

	/* Speech-like test signal: two drifting tones plus noise, -20 dBm0-ish. */
	for (unsigned i = 0; i < sizeof audio; i++) {
		double t = i / 8000.0;
		double v = 2000 * sin(2 * M_PI * (300 + 200 * sin(2 * M_PI * 0.5 * t)) * t) +
			   1200 * sin(2 * M_PI * 1130 * t) + (rand_r(&seed) % 800) - 400;

		audio[i] = g711_linear_to_alaw((int16_t)v);
	}

	printf("media-bench: %u channels, 20 ms G.711 both ways, DTMF detection on, "
	       "jitter buffer + PLC, half the channels transcoding A-law <-> PCMU\n", nchan);
	bare = bare_udp_us();
	printf("bare UDP send+receive of a %d-byte packet on loopback: %.2f us (median of 5)\n",
	       PKT_LEN, bare);

	for (unsigned k = 0; k < 2; k++)
		printf("libsrtp2 alone, %s: protect + unprotect of a %d-byte packet: %.2f us "
		       "(median of 5)\n", srtp[k].name, PKT_LEN, srtp_pair_us(srtp[k].suite));
	med = run("plain RTP", MEDIA_SRTP_OFF, rounds);
	printf("engine CPU per channel per 20 ms (thread CPU time / TDM frames, median of %u "
	       "rounds): %.2f us\n", rounds, med);
	printf("channels per core (20000 us / that): %.0f\n", 20000.0 / med);
	printf("ratio = per-channel cost / (2 x bare UDP send+receive) "
	       "[the engine does one RTP send and one RTP receive per channel per 20 ms]: %.2f\n",
	       med / (2 * bare));
	printf("targets: >= 2000 channels per core, ratio <= 2.5\n");

	for (unsigned k = 0; k < 2; k++) {
		char label[64];

		snprintf(label, sizeof label, "SRTP %s", srtp[k].name);
		med_srtp[k] = run(label, srtp[k].suite, rounds);
	}
	printf("summary (same run, median of %u rounds each; UDP floor %.2f us):\n", rounds, bare);
	printf("  %-28s %7.2f us/channel  %6.0f channels per core  ratio to UDP floor %.2f\n",
	       "plain RTP", med, 20000.0 / med, med / (2 * bare));
	for (unsigned k = 0; k < 2; k++)
		printf("  SRTP %-23s %7.2f us/channel  %6.0f channels per core  ratio to UDP floor "
		       "%.2f  (%.0f%% of plain RTP's channels)\n", srtp[k].name, med_srtp[k],
		       20000.0 / med_srtp[k], med_srtp[k] / (2 * bare), 100.0 * med / med_srtp[k]);
	return 0;
}
