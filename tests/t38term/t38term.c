/*
 * t38term: a T.38 fax terminal for tests (tests/t38term/README.md): SpanDSP's t38_terminal
 * (T.30 over T.38 IFP packets) carried by the project's UDPTL (media/udptl.c) on one UDP
 * socket. It sends or receives a TIFF-F fax and prints one report line; exit 0 only when
 * T.30 completed with T30_ERR_OK. It can drop a share of the datagrams it sends, with a
 * fixed seed, so loss and UDPTL redundancy can be tested.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <spandsp.h>

#include "media/udptl.h"
#include "tests/tools/inaddr.h"

#define TICK_MS		20	/* T.38 terminal clock: 160 samples */
#define TICK_SAMPLES	160
#define LINGER_MS	1500	/* keep answering after phase E: the peer's last DCN/MCF repeats */
#define DGRAM_MAX	1500

struct opts {
	struct sockaddr_in local, remote;
	bool have_remote, wait_peer;
	const char *send_file, *recv_file;
	bool ecm;
	int calling;		/* -1 = the sender calls */
	unsigned redundancy;
	size_t max_datagram;
	double drop_pct;
	uint32_t seed;
	const char *ident;
	unsigned timeout_s;
	bool verbose;
};

struct term {
	struct opts o;
	int fd;
	bool peer_known;
	t38_terminal_state_t *t38;
	t30_state_t *t30;
	struct udptl *u;
	uint32_t rng;
	bool done;
	int code;
	uint64_t tx_sent, tx_dropped, tx_errors;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* xorshift32: the same drops for the same seed */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* t38_core → UDPTL → socket. `count` is SpanDSP's repeat count for the packet's category;
 * we set every category to 1 and let UDPTL redundancy do the repeating. */
static int tx_packet(t38_core_state_t *core, void *arg, const uint8_t *buf, int len, int count)
{
	struct term *t = arg;
	uint8_t dg[DGRAM_MAX];
	size_t dlen;

	if (len <= 0 || udptl_encode(t->u, buf, (size_t)len, -1, dg, sizeof(dg), &dlen)) {
		t->tx_errors++;
		return 0;
	}
	if (!t->peer_known)
		return 0;	/* --wait-peer and nobody heard yet: the sequence number is used up */
	for (int i = 0; i < (count > 0 ? count : 1); i++) {
		if (t->o.drop_pct > 0 && (rnd(&t->rng) % 1000000u) < t->o.drop_pct * 10000.0) {
			t->tx_dropped++;
			continue;
		}
		if (sendto(t->fd, dg, dlen, 0, (const struct sockaddr *)&t->o.remote,
			   sizeof(t->o.remote)) < 0)
			t->tx_errors++;
		else
			t->tx_sent++;
	}
	return 0;
}

/* UDPTL → t38_core, in sequence order; t38_core sees the gaps in the numbers itself. */
static void rx_ifp(uint16_t seq, const uint8_t *ifp, size_t len, void *arg)
{
	struct term *t = arg;

	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(t->t38), ifp, (int)len, seq);
}

static void phase_e(t30_state_t *s, void *arg, int code)
{
	struct term *t = arg;

	t->done = true;
	t->code = code;
}

static void report(struct term *t, const char *extra)
{
	t30_stats_t st;
	struct udptl_stats us;
	const char *id = t30_get_rx_ident(t->t30);
	char remote[24];
	size_t n = 0;

	/* the far TSI/CSI is space-padded free text: trimmed, one word */
	while (id && *id == ' ')
		id++;
	for (; id && id[n] && n < sizeof(remote) - 1; n++)
		remote[n] = id[n] == ' ' ? '_' : id[n];
	while (n && remote[n - 1] == '_')
		n--;
	remote[n] = '\0';

	t30_get_transfer_statistics(t->t30, &st);
	udptl_stats(t->u, &us);
	printf("t38term: pages=%d rate=%d ecm=%s code=%d (%s) remote=%s dir=%s res=%dx%d "
	       "udptl_tx=%llu udptl_rx=%llu lost=%llu recovered=%llu dropped=%llu malformed=%llu%s\n",
	       t->o.send_file ? st.pages_tx : st.pages_rx, st.bit_rate,
	       st.error_correcting_mode ? "on" : "off", t->code, t30_completion_code_to_str(t->code),
	       *remote ? remote : "-", t->o.send_file ? "send" : "recv", st.x_resolution,
	       st.y_resolution, (unsigned long long)t->tx_sent,
	       (unsigned long long)us.rx_datagrams, (unsigned long long)us.rx_lost,
	       (unsigned long long)(us.rx_recovered_red + us.rx_recovered_fec),
	       (unsigned long long)t->tx_dropped, (unsigned long long)us.rx_malformed, extra);
	fflush(stdout);
}

static void usage(FILE *f)
{
	fputs("usage: t38term --local ADDR:PORT (--remote ADDR:PORT | --wait-peer)\n"
	      "               (--send FILE | --recv FILE) [--ecm on|off] [--call|--answer]\n"
	      "               [--redundancy N] [--max-datagram N] [--drop PCT --seed N]\n"
	      "               [--ident TEXT] [--timeout S] [--verbose]\n"
	      "Sends or receives a TIFF-F fax over T.38/UDPTL; exit 0 only on T30_ERR_OK.\n", f);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "remote", required_argument, NULL, 'r' },
		{ "send", required_argument, NULL, 's' },
		{ "recv", required_argument, NULL, 'R' },
		{ "ecm", required_argument, NULL, 'e' },
		{ "call", no_argument, NULL, 'C' },
		{ "answer", no_argument, NULL, 'A' },
		{ "redundancy", required_argument, NULL, 'n' },
		{ "max-datagram", required_argument, NULL, 'm' },
		{ "drop", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'S' },
		{ "ident", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "wait-peer", no_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_local = false;
	int opt;
	char *end;

	o->ecm = true;
	o->calling = -1;
	o->redundancy = UDPTL_DEFAULT_REDUNDANCY;
	o->max_datagram = 400;
	o->seed = 1;
	o->ident = "t38term";
	o->timeout_s = 180;
	while ((opt = getopt_long(argc, argv, "l:r:s:R:e:CAn:m:d:S:i:t:wvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (inaddr_parse(optarg, &o->local))
				return EINVAL;
			have_local = true;
			break;
		case 'r':
			if (inaddr_parse(optarg, &o->remote))
				return EINVAL;
			o->have_remote = true;
			break;
		case 's':
			o->send_file = optarg;
			break;
		case 'R':
			o->recv_file = optarg;
			break;
		case 'e':
			if (!strcmp(optarg, "on"))
				o->ecm = true;
			else if (!strcmp(optarg, "off"))
				o->ecm = false;
			else
				return EINVAL;
			break;
		case 'C':
			o->calling = 1;
			break;
		case 'A':
			o->calling = 0;
			break;
		case 'n':
			o->redundancy = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->redundancy > UDPTL_MAX_REDUNDANCY)
				return EINVAL;
			break;
		case 'm':
			o->max_datagram = strtoul(optarg, &end, 10);
			if (*end || (o->max_datagram && o->max_datagram < 32) ||
			    o->max_datagram > DGRAM_MAX)
				return EINVAL;
			break;
		case 'd':
			o->drop_pct = strtod(optarg, &end);
			if (*end || o->drop_pct < 0 || o->drop_pct > 100)
				return EINVAL;
			break;
		case 'S':
			o->seed = (uint32_t)strtoul(optarg, &end, 10);
			if (*end)
				return EINVAL;
			if (!o->seed)
				o->seed = 1;	/* xorshift's one fixed point */
			break;
		case 'i':
			o->ident = optarg;
			break;
		case 't':
			o->timeout_s = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !o->timeout_s)
				return EINVAL;
			break;
		case 'w':
			o->wait_peer = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return EINVAL;
		}
	}
	if (optind != argc || !have_local || !!o->send_file == !!o->recv_file ||
	    (!o->have_remote && !o->wait_peer))
		return EINVAL;
	if (o->calling < 0)
		o->calling = o->send_file != NULL;
	return 0;
}

static int setup(struct term *t)
{
	struct udptl_params up = {
		.redundancy = t->o.redundancy,
		.max_datagram = t->o.max_datagram,
		.ifp_h = rx_ifp,
		.arg = t,
	};
	t38_core_state_t *core;

	t->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (t->fd < 0 || bind(t->fd, (const struct sockaddr *)&t->o.local, sizeof(t->o.local))) {
		fprintf(stderr, "t38term: bind: %s\n", strerror(errno));
		return errno;
	}
	if (udptl_alloc(&t->u, &up))
		return ENOMEM;
	t->t38 = t38_terminal_init(NULL, t->o.calling, tx_packet, t);
	if (!t->t38)
		return ENOMEM;
	t->t30 = t38_terminal_get_t30_state(t->t38);
	core = t38_terminal_get_t38_core_state(t->t38);
	/* SDP we stand for (tests/sip/t38_uas.xml): T38FaxVersion 0, 14400, transferredTCF */
	t38_set_t38_version(core, 0);
	t38_set_data_rate_management_method(core, T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
	t38_set_fastest_image_data_rate(core, 14400);
	t38_set_max_buffer_size(core, 2000);
	if (t->o.max_datagram)
		t38_set_max_datagram_size(core, (int)t->o.max_datagram);
	for (int cat = T38_PACKET_CATEGORY_INDICATOR; cat <= T38_PACKET_CATEGORY_IMAGE_DATA_END; cat++)
		t38_set_redundancy_control(core, cat, 1);
	t38_terminal_set_config(t->t38, 0);
	t38_terminal_set_tep_mode(t->t38, 0);
	t38_terminal_set_fill_bit_removal(t->t38, 0);

	t30_set_tx_ident(t->t30, t->o.ident);
	t30_set_ecm_capability(t->t30, t->o.ecm);
	t30_set_supported_modems(t->t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_supported_compressions(t->t30, T30_SUPPORT_T4_1D_COMPRESSION |
				       T30_SUPPORT_T4_2D_COMPRESSION |
				       (t->o.ecm ? T30_SUPPORT_T6_COMPRESSION : 0));
	t30_set_phase_e_handler(t->t30, phase_e, t);
	if (t->o.send_file)
		t30_set_tx_file(t->t30, t->o.send_file, -1, -1);
	else
		t30_set_rx_file(t->t30, t->o.recv_file, -1);
	if (t->o.verbose) {
		logging_state_t *ls = t30_get_logging_state(t->t30);

		span_log_set_level(ls, SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW);
		span_log_set_tag(ls, "T.30");
	}
	t->peer_known = t->o.have_remote && !t->o.wait_peer;
	return 0;
}

static void rx_datagrams(struct term *t)
{
	uint8_t dg[DGRAM_MAX];
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		fl = sizeof(from);
		n = recvfrom(t->fd, dg, sizeof(dg), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (!t->peer_known) {
			t->o.remote = from;
			t->peer_known = true;
			if (t->o.verbose)
				fprintf(stderr, "t38term: peer %s:%u\n", inet_ntoa(from.sin_addr),
					ntohs(from.sin_port));
		}
		(void)udptl_decode(t->u, dg, (size_t)n);
	}
}

int main(int argc, char **argv)
{
	struct term t = { .fd = -1, .code = -1 };
	uint64_t start, next, end_at = 0, deadline;
	int rc = 0;
	char extra[64] = "";

	if (parse_opts(argc, argv, &t.o)) {
		usage(stderr);
		return 2;
	}
	t.rng = t.o.seed;
	if (setup(&t))
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	start = next = mono_ms();
	deadline = start + (uint64_t)t.o.timeout_s * 1000u;
	for (;;) {
		struct pollfd pfd = { .fd = t.fd, .events = POLLIN };
		uint64_t now = mono_ms();
		int wait;

		if (stop_sig) {
			snprintf(extra, sizeof(extra), " stopped=signal");
			break;
		}
		if (now >= deadline) {
			snprintf(extra, sizeof(extra), " stopped=timeout");
			break;
		}
		if (t.done && !end_at)
			end_at = now + LINGER_MS;
		if (end_at && now >= end_at)
			break;
		/* the terminal's clock: 160 samples per 20 ms, caught up after a stall; it starts
		 * only once the peer is known so that nothing is sent into the void */
		while (now >= next) {
			if (t.peer_known)
				t38_terminal_send_timeout(t.t38, TICK_SAMPLES);
			next += TICK_MS;
		}
		wait = (int)(next - now);
		if (poll(&pfd, 1, wait) > 0 && (pfd.revents & POLLIN))
			rx_datagrams(&t);
	}
	(void)udptl_flush(t.u);
	if (!t.done)
		t.code = T30_ERR_CALLDROPPED;
	report(&t, extra);
	rc = t.done && t.code == T30_ERR_OK ? 0 : 1;
	t38_terminal_free(t.t38);
	udptl_free(t.u);
	close(t.fd);
	return rc;
}
