/* bchan_check: prove looped DAHDI channel pairs carry data both ways (guest tier test tool).
 *
 * Audio mode (default): every pair A:B is exercised at once, both directions. Each channel
 * transmits its own pseudo-random stream (seeded by its channel number) paced by the DAHDI
 * clock, and the far end must receive exactly that stream. The streams never contain an idle
 * or silence byte (0xFF, 0x7F, 0xD5, 0x55), so the receiver drops those: what DAHDI pads in
 * when a sender misses its 1 ms slot under TCG (a delay, not a loss) is tolerated, while a
 * lost, corrupted, reordered or crossed byte is not.
 *
 * HDLC mode (-D): the pairs are D-channels; each side sends numbered frames of varying
 * length and the far end must receive every frame intact and in order.
 *
 * -L alaw|mulaw also checks every channel's law (DAHDI_GET_PARAMS curlaw) before the exchange.
 *
 * Pairs are "A:B" or ranges "A1-A2:B1-B2" of equal length, e.g. 1-15:32-46.
 * Exit status: 0 all pairs good, 1 a pair failed, 2 usage or setup error.
 */
#include <dahdi/user.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENDS	256
#define BLOCK		160	/* [bytes] 20 ms of 8 kHz audio, one read per block */
#define HDLC_BUF	1024	/* [bytes] D-channel buffer size */
#define FCS_LEN		2	/* DAHDI appends/strips the CRC-16 in place of two bytes */

/* One end of a looped pair: what it sends and what it must receive from its peer. */
struct end {
	int channo;
	int peer;		/* index of the peer end */
	int fd;
	size_t tx;		/* [bytes] written */
	size_t rx_raw;		/* [bytes] read, idle fill included */
	size_t rx_good;		/* [bytes] of the peer's stream received in order */
	double t_first;		/* [s] first byte of the peer's stream seen, -1 before */
	double t_done;		/* [s] peer's whole stream received, -1 before */
	unsigned gaps;		/* idle runs inside the peer's stream */
	bool in_gap;
	bool bad;		/* a byte that is neither idle nor the expected one */
	size_t bad_at;
	uint8_t bad_exp, bad_got;
	unsigned events;	/* DAHDI events consumed while reading */
	unsigned frames;	/* HDLC: frames received intact */
};

static struct end ends[MAX_ENDS];
static int nends;

static const uint8_t idle_bytes[] = { 0xFF, 0x7F, 0xD5, 0x55 };
static uint8_t alphabet[256];
static int alphabet_len;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_idle(uint8_t b)
{
	for (size_t i = 0; i < sizeof(idle_bytes); i++)
		if (b == idle_bytes[i])
			return true;
	return false;
}

static void alphabet_init(void)
{
	for (int v = 0; v < 256; v++)
		if (!is_idle((uint8_t)v))
			alphabet[alphabet_len++] = (uint8_t)v;
}

/* Byte i of the stream sent by channel `seed`: never an idle byte. */
static uint8_t pattern(int seed, size_t i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ (uint32_t)seed * 0x9e3779b9u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	x *= 0x297a2d39u;
	x ^= x >> 15;
	return alphabet[x % (uint32_t)alphabet_len];
}

static int open_chan(int channo, int bufsize, int numbufs, int blocksize)
{
	struct dahdi_bufferinfo bi;
	int fd, flush = DAHDI_FLUSH_ALL;

	fd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "open /dev/dahdi/channel: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(fd, DAHDI_SPECIFY, &channo)) {
		fprintf(stderr, "DAHDI_SPECIFY %d: %s\n", channo, strerror(errno));
		goto fail;
	}
	memset(&bi, 0, sizeof(bi));
	bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.numbufs = numbufs;
	bi.bufsize = bufsize;
	if (ioctl(fd, DAHDI_SET_BUFINFO, &bi)) {
		fprintf(stderr, "DAHDI_SET_BUFINFO %d: %s\n", channo, strerror(errno));
		goto fail;
	}
	if (blocksize > 0 && ioctl(fd, DAHDI_SET_BLOCKSIZE, &blocksize)) {
		fprintf(stderr, "DAHDI_SET_BLOCKSIZE %d: %s\n", channo, strerror(errno));
		goto fail;
	}
	(void)ioctl(fd, DAHDI_FLUSH, &flush);
	return fd;
fail:
	close(fd);
	return -1;
}

/* Parse "A:B" or "A1-A2:B1-B2" and append the ends. Return 0 or -1. */
static int add_pairs(const char *spec)
{
	int a1, a2, b1, b2;
	char dash;

	if (sscanf(spec, "%d-%d:%d-%d", &a1, &a2, &b1, &b2) == 4) {
		/* range form */
	} else if (sscanf(spec, "%d:%d%c", &a1, &b1, &dash) == 2) {
		a2 = a1;
		b2 = b1;
	} else {
		fprintf(stderr, "bad pair '%s' (want A:B or A1-A2:B1-B2)\n", spec);
		return -1;
	}
	if (a1 < 1 || b1 < 1 || a2 < a1 || b2 - b1 != a2 - a1) {
		fprintf(stderr, "bad pair '%s' (ranges must be ascending and of equal length)\n", spec);
		return -1;
	}
	for (int k = 0; k <= a2 - a1; k++) {
		if (nends + 2 > MAX_ENDS) {
			fprintf(stderr, "too many channels (max %d)\n", MAX_ENDS);
			return -1;
		}
		ends[nends] = (struct end){ .channo = a1 + k, .peer = nends + 1, .fd = -1 };
		ends[nends + 1] = (struct end){ .channo = b1 + k, .peer = nends, .fd = -1 };
		nends += 2;
	}
	return 0;
}

/* A read failed with ELAST: an event (hook, alarm, abort...) is pending; consume it. */
static void drain_event(struct end *e)
{
	int ev = 0;

	if (ioctl(e->fd, DAHDI_GETEVENT, &ev) == 0 && ev) {
		e->events++;
		fprintf(stderr, "chan %d: DAHDI event %d\n", e->channo, ev);
	}
}

/* Check received audio bytes against the peer's stream. */
static void audio_rx(struct end *e, const uint8_t *buf, size_t n, size_t total, double t)
{
	int seed = ends[e->peer].channo;

	e->rx_raw += n;
	for (size_t i = 0; i < n && !e->bad; i++) {
		if (e->rx_good == total)
			break;	/* whole stream in; the rest is idle fill */
		if (is_idle(buf[i])) {
			if (e->rx_good > 0 && !e->in_gap) {
				e->in_gap = true;
				e->gaps++;
			}
			continue;
		}
		if (buf[i] != pattern(seed, e->rx_good)) {
			e->bad = true;
			e->bad_at = e->rx_good;
			e->bad_exp = pattern(seed, e->rx_good);
			e->bad_got = buf[i];
			break;
		}
		if (e->rx_good == 0)
			e->t_first = t;
		e->in_gap = false;
		if (++e->rx_good == total)
			e->t_done = t;
	}
}

static int audio_write(struct end *e, size_t upto)
{
	uint8_t buf[BLOCK];

	while (e->tx < upto) {
		ssize_t w;

		for (int i = 0; i < BLOCK; i++)
			buf[i] = pattern(e->channo, e->tx + (size_t)i);
		w = write(e->fd, buf, BLOCK);
		if (w < 0 && errno == ELAST) {
			drain_event(e);
			continue;
		}
		if (w < 0 && errno == EAGAIN)
			return 0;	/* tx buffers full: the clock will make room */
		if (w != BLOCK) {
			fprintf(stderr, "chan %d: write: %s\n", e->channo, w < 0 ? strerror(errno) : "short");
			return -1;
		}
		e->tx += BLOCK;
	}
	return 0;
}

/* Return 0 if every end's channel uses `law` (DAHDI_LAW_*), else print which do not. */
static int check_law(int law)
{
	int bad = 0;

	for (int i = 0; i < nends; i++) {
		struct dahdi_params p;

		memset(&p, 0, sizeof(p));
		p.channo = ends[i].channo;
		if (ioctl(ends[i].fd, DAHDI_GET_PARAMS, &p)) {
			fprintf(stderr, "DAHDI_GET_PARAMS %d: %s\n", ends[i].channo, strerror(errno));
			return 2;
		}
		if (p.curlaw != law) {
			printf("  chan %d: law %d, expected %d (%s)\n", ends[i].channo, p.curlaw, law,
			       law == DAHDI_LAW_ALAW ? "A-law" : "mu-law");
			bad = 1;
		}
	}
	return bad;
}

static int run_audio(int duration_ms, int numbufs, int prime, int law, bool verbose)
{
	size_t total = (size_t)(duration_ms / 20) * BLOCK;
	struct pollfd *pfd;
	double t0, deadline, t_end;
	int rc = 0, ok = 0;
	unsigned gaps = 0, worst_gaps = 0, events = 0;
	double worst_lat = 0;

	if (total == 0)
		total = BLOCK;
	pfd = calloc((size_t)nends, sizeof(*pfd));
	if (!pfd)
		return 2;
	for (int i = 0; i < nends; i++) {
		ends[i].fd = open_chan(ends[i].channo, BLOCK, numbufs, BLOCK);
		if (ends[i].fd < 0) {
			free(pfd);
			return 2;
		}
		ends[i].t_first = ends[i].t_done = -1;
		pfd[i].fd = ends[i].fd;
		pfd[i].events = POLLIN | POLLPRI;
	}
	if (law >= 0 && (rc = check_law(law)) != 0) {
		for (int i = 0; i < nends; i++)
			close(ends[i].fd);
		free(pfd);
		printf("bchan_check: channels not in the expected law\n");
		return rc;
	}
	t0 = now_s();
	/* Budget: the audio itself, 3 s for the tail in flight, and twice the audio again for a
	 * guest that keeps missing its slots (idle fill delays the stream, it does not end it). */
	deadline = t0 + 3.0 + 3.0 * duration_ms / 1000.0;
	for (int i = 0; i < nends; i++)
		if (audio_write(&ends[i], (size_t)prime * BLOCK) < 0)
			rc = 2;

	while (rc == 0) {
		int done = 0;
		double t;

		for (int i = 0; i < nends; i++)
			if (ends[i].bad || ends[i].rx_good == total)
				done++;
		if (done == nends || now_s() > deadline)
			break;
		if (poll(pfd, (nfds_t)nends, 100) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			rc = 2;
			break;
		}
		t = now_s();
		for (int i = 0; i < nends && rc == 0; i++) {
			struct end *e = &ends[i];
			uint8_t buf[BLOCK];
			size_t lead;

			if (!(pfd[i].revents & (POLLIN | POLLPRI | POLLERR)))
				continue;
			for (;;) {
				ssize_t r = read(e->fd, buf, sizeof(buf));

				if (r < 0 && errno == ELAST) {
					drain_event(e);
					continue;
				}
				if (r < 0 && errno == EAGAIN)
					break;
				if (r < 0) {
					fprintf(stderr, "chan %d: read: %s\n", e->channo, strerror(errno));
					rc = 2;
					break;
				}
				if (r == 0)
					break;
				audio_rx(e, buf, (size_t)r, total, t);
			}
			/* Keep `prime` blocks ahead of what the clock has taken from us. */
			lead = e->rx_raw + (size_t)prime * BLOCK;
			if (audio_write(e, lead < total ? lead : total) < 0)
				rc = 2;
		}
	}
	t_end = now_s();

	for (int i = 0; i < nends; i++) {
		struct end *e = &ends[i];
		struct end *src = &ends[e->peer];
		double lat = e->t_first >= 0 ? (e->t_first - t0) * 1000.0 : -1;
		bool good = !e->bad && e->rx_good == total;

		gaps += e->gaps;
		events += e->events;
		if (e->gaps > worst_gaps)
			worst_gaps = e->gaps;
		if (lat > worst_lat)
			worst_lat = lat;
		if (good)
			ok++;
		if (!good || verbose) {
			printf("  %4d -> %4d: %s: %zu/%zu bytes in order, first after %.0f ms, %u idle gaps",
			       src->channo, e->channo, good ? "ok" : "FAIL", e->rx_good, total, lat, e->gaps);
			if (e->bad)
				printf(", byte %zu is 0x%02x, expected 0x%02x", e->bad_at, e->bad_got, e->bad_exp);
			else if (!good)
				printf(", stream incomplete (%zu raw bytes read)", e->rx_raw);
			printf("\n");
		}
		close(e->fd);
	}
	free(pfd);
	if (rc)
		return rc;
	/* The DAHDI clock, from the raw byte count of the first channel (8000 bytes/s nominal). */
	printf("bchan_check: %d/%d directions ok, %zu bytes each (%.1f s of audio), worst first-byte "
	       "latency %.0f ms, %u idle gaps (worst channel %u), %u events, %.2f s wall, clock %.2fx\n",
	       ok, nends, total, total / 8000.0, worst_lat, gaps, worst_gaps, events, t_end - t0,
	       ends[0].rx_raw / 8000.0 / (t_end - t0));
	return ok == nends ? 0 : 1;
}

static size_t frame_len(int k)
{
	return 4 + (size_t)(k * 37) % 200;
}

static int run_hdlc(int nframes)
{
	struct pollfd *pfd;
	double deadline;
	int rc = 0, ok = 0;

	pfd = calloc((size_t)nends, sizeof(*pfd));
	if (!pfd)
		return 2;
	for (int i = 0; i < nends; i++) {
		ends[i].fd = open_chan(ends[i].channo, HDLC_BUF, 16, 0);
		if (ends[i].fd < 0) {
			free(pfd);
			return 2;
		}
		pfd[i].fd = ends[i].fd;
		pfd[i].events = POLLIN | POLLPRI;
	}
	/* A receiver only finds the first frame once it has seen flags: the far end sends them
	 * from its open on, so give the link 250 ms of flags and drop what arrived meanwhile. */
	usleep(250000);
	for (int i = 0; i < nends; i++) {
		uint8_t buf[HDLC_BUF];
		ssize_t r;

		while ((r = read(ends[i].fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == ELAST))
			if (r < 0)
				drain_event(&ends[i]);
	}
	/* Send everything up front: 16 buffers per channel hold the frames. */
	for (int i = 0; i < nends && rc == 0; i++) {
		for (int k = 0; k < nframes; k++) {
			uint8_t buf[HDLC_BUF];
			size_t n = frame_len(k);
			ssize_t w;

			for (size_t j = 0; j < n; j++)
				buf[j] = (uint8_t)pattern(ends[i].channo, (size_t)k * 256 + j);
			memset(buf + n, 0, FCS_LEN);
			w = write(ends[i].fd, buf, n + FCS_LEN);
			if (w != (ssize_t)(n + FCS_LEN)) {
				fprintf(stderr, "chan %d: write frame %d: %s\n", ends[i].channo, k,
				        w < 0 ? strerror(errno) : "short");
				rc = 2;
				break;
			}
		}
	}
	deadline = now_s() + 5.0 + nframes * 0.2;
	while (rc == 0 && now_s() < deadline) {
		int done = 0;

		for (int i = 0; i < nends; i++)
			if (ends[i].bad || ends[i].frames == (unsigned)nframes)
				done++;
		if (done == nends)
			break;
		if (poll(pfd, (nfds_t)nends, 100) < 0 && errno != EINTR) {
			perror("poll");
			rc = 2;
			break;
		}
		for (int i = 0; i < nends; i++) {
			struct end *e = &ends[i];
			int seed = ends[e->peer].channo;

			if (!(pfd[i].revents & (POLLIN | POLLPRI | POLLERR)))
				continue;
			for (;;) {
				uint8_t buf[HDLC_BUF];
				ssize_t r = read(e->fd, buf, sizeof(buf));
				size_t n = frame_len((int)e->frames);

				if (r < 0 && errno == ELAST) {
					drain_event(e);
					continue;
				}
				if (r <= 0)
					break;
				if (e->bad || e->frames == (unsigned)nframes) {
					e->bad = true;	/* a frame nobody sent */
					continue;
				}
				if ((size_t)r != n + FCS_LEN) {
					printf("  %4d -> %4d: frame %u has %zd bytes, expected %zu\n", seed,
					       e->channo, e->frames, r, n + FCS_LEN);
					e->bad = true;
					continue;
				}
				for (size_t j = 0; j < n && !e->bad; j++)
					if (buf[j] != (uint8_t)pattern(seed, (size_t)e->frames * 256 + j)) {
						printf("  %4d -> %4d: frame %u byte %zu differs\n", seed,
						       e->channo, e->frames, j);
						e->bad = true;
					}
				if (!e->bad)
					e->frames++;
			}
		}
	}
	for (int i = 0; i < nends; i++) {
		struct end *e = &ends[i];
		bool good = !e->bad && e->frames == (unsigned)nframes;

		if (good)
			ok++;
		printf("  %4d -> %4d: %s: %u/%d frames, %u events\n", ends[e->peer].channo, e->channo,
		       good ? "ok" : "FAIL", e->frames, nframes, e->events);
		close(e->fd);
	}
	free(pfd);
	if (rc)
		return rc;
	printf("bchan_check: HDLC %d/%d directions ok, %d frames each\n", ok, nends, nframes);
	return ok == nends ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: bchan_check [-t ms] [-n numbufs] [-p prime] [-L law] [-v] PAIR...\n"
	        "       bchan_check -D [-f frames] PAIR...\n"
	        "  PAIR      A:B or A1-A2:B1-B2 (DAHDI channel numbers, looped to each other)\n"
	        "  -t ms     audio per direction (default 2000)\n"
	        "  -n N      DAHDI buffers per channel (default 16, at least 4 under TCG)\n"
	        "  -p N      blocks kept queued ahead of the clock (default 4)\n"
	        "  -L law    first check every channel is in this law: alaw or mulaw\n"
	        "  -D        pairs are HDLC D-channels: exchange frames instead of audio\n"
	        "  -f N      frames per direction in -D mode (default 8, at most 16)\n"
	        "  -v        print every direction, not only the failed ones\n");
}

int main(int argc, char **argv)
{
	int duration_ms = 2000, numbufs = 16, prime = 4, nframes = 8, law = -1, opt;
	bool hdlc = false, verbose = false;

	while ((opt = getopt(argc, argv, "t:n:p:L:Df:vh")) != -1) {
		switch (opt) {
		case 't': duration_ms = atoi(optarg); break;
		case 'n': numbufs = atoi(optarg); break;
		case 'p': prime = atoi(optarg); break;
		case 'L':
			if (!strcmp(optarg, "alaw"))
				law = DAHDI_LAW_ALAW;
			else if (!strcmp(optarg, "mulaw"))
				law = DAHDI_LAW_MULAW;
			else {
				usage();
				return 2;
			}
			break;
		case 'D': hdlc = true; break;
		case 'f': nframes = atoi(optarg); break;
		case 'v': verbose = true; break;
		default: usage(); return 2;
		}
	}
	if (optind == argc || duration_ms <= 0 || numbufs < 2 || prime < 1 || prime >= numbufs ||
	    nframes < 1 || nframes > 16) {
		usage();
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (add_pairs(argv[i]) < 0)
			return 2;
	alphabet_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return hdlc ? run_hdlc(nframes) : run_audio(duration_ms, numbufs, prime, law, verbose);
}
