/* faxlab: the fax loss sweep, faster than real time. Each call is a SpanDSP fax machine
 * sending a generated multi-page document through two T.38 gateway stages and a lossy
 * UDPTL link to a second fax machine (tests/unit/faxcall), clocked by sample count. The
 * table gives, per loss pattern and redundancy, the share of calls that completed with
 * every page and the pages received / sent; the footer the gateway CPU per 20 ms frame
 * and the T.38 gateway channels one core carries. Figures only, no pass/fail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/faxcall.h"
#include "tests/unit/faxpage.h"

enum { MAX_RED = 5 };

struct loss_row {
	const char *name;
	double random;		/* share lost at random */
	double burst;		/* share lost in bursts */
	unsigned burst_len;	/* [datagrams] */
};

static const struct loss_row rows[] = {
	{ "0 %", 0, 0, 0 },
	{ "1 %", 0.01, 0, 0 },
	{ "2 %", 0.02, 0, 0 },
	{ "5 %", 0.05, 0, 0 },
	{ "10 %", 0.10, 0, 0 },
	{ "2 % bursts of 4", 0, 0.02, 4 },
	{ "5 % bursts of 4", 0, 0.05, 4 },
};
enum { NROWS = sizeof(rows) / sizeof(rows[0]) };

struct cell {
	unsigned calls, complete;
	unsigned pages_rx, pages_sent;
	unsigned agree_a;	/* gateway A's T.30 report: pages == the sender's count */
	unsigned agree_b;	/* gateway B's: pages == the receiver's count */
	unsigned v21_a, v21_b;	/* the same for v21_listen on each B-channel */
	uint64_t datagrams, dropped;
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_failure(int ecm, const struct loss_row *L, unsigned red, uint32_t seed,
			  const struct faxcall_result *r)
{
	printf("  ECM %s, %s, r=%u, seed %u: sender %s (%s), receiver %s (%s), %u/%u pages "
	       "(sent %u); gateway A: %u pages, %s (%s); gateway B: %u pages; v21 A %u, B %u\n",
	       ecm ? "on" : "off", L->name, red, seed,
	       r->tx_done ? "done" : "not done", t30_completion_text(r->tx_completion),
	       r->rx_done ? "done" : "not done", t30_completion_text(r->rx_completion),
	       r->pages_rx, r->pages_in_file, r->pages_tx, r->rep_a.t30.pages,
	       t30_completion_text(r->rep_a.t30.completion), r->rep_a.t30.where,
	       r->rep_b.t30.pages, r->v21_a.pages, r->v21_b.pages);
}

static void usage(void)
{
	fprintf(stderr, "usage: faxlab [-n calls per cell] [-p pages] [-r rows per page] "
		"[-s seed] [-l loss row] [-R redundancy] [-v]\n"
		"  -l N: only the Nth loss row (0: 0 %%, ... 3: 5 %%, ...); -R r: only redundancy r\n"
		"  -v: one line per incomplete call (both machines' and gateway A's view)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct cell cells[2][NROWS][MAX_RED + 1];
	unsigned ncalls = 10, pages = 3, nrows = 300;
	int only_row = -1, only_red = -1;
	bool verbose = false;
	uint32_t seed = 1;
	char tx[] = "/tmp/faxlab-tx-XXXXXX", rx[] = "/tmp/faxlab-rx-XXXXXX";
	uint64_t cpu_ns = 0, frames = 0;
	double sim = 0, t0 = wall();
	int opt, fd;

	while ((opt = getopt(argc, argv, "l:n:p:r:R:s:v")) != -1) {
		switch (opt) {
		case 'l': only_row = atoi(optarg); break;
		case 'n': ncalls = (unsigned)atoi(optarg); break;
		case 'R': only_red = atoi(optarg); break;
		case 'p': pages = (unsigned)atoi(optarg); break;
		case 'r': nrows = (unsigned)atoi(optarg); break;
		case 's': seed = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (!ncalls || !pages || !nrows || only_row >= (int)NROWS || only_red > MAX_RED)
		usage();
	if ((fd = mkstemp(tx)) < 0 || close(fd) || (fd = mkstemp(rx)) < 0 || close(fd)) {
		perror("faxlab: mkstemp");
		return 1;
	}
	if (faxpage_write(tx, pages, nrows)) {
		fprintf(stderr, "faxlab: cannot write %s\n", tx);
		return 1;
	}
	printf("faxlab: %u calls per cell, %u pages of %u rows (1728 pels, fine, T.4 1D), "
	       "V.17/V.29/V.27ter offered,\n"
	       "        redundancy r for control IFPs and min(r, 1) for image IFPs, 20 ms link "
	       "latency, seed %u\n\n", ncalls, pages, nrows, seed);
	fflush(stdout);

	for (int ecm = 0; ecm < 2; ecm++)
		for (unsigned lr = 0; lr < NROWS; lr++)
			for (unsigned red = 0; red <= MAX_RED; red++)
				for (unsigned c = 0; c < ncalls; c++) {
					if ((only_row >= 0 && lr != (unsigned)only_row) ||
					    (only_red >= 0 && red != (unsigned)only_red))
						break;
					struct cell *ce = &cells[ecm][lr][red];
					const struct loss_row *L = &rows[lr];
					struct faxcall_params p = {
						.tx_tiff = tx, .rx_tiff = rx, .ecm = ecm,
						.t38 = { .redundancy = red,
							 .redundancy_image = red < 1 ? red : 1 },
						.loss = L->random,
						.burst_start = L->burst_len ?
							L->burst / L->burst_len : 0,
						.burst_len = L->burst_len,
						.seed = seed + c * 7919u + red * 104729u + lr * 15485863u,
						.latency_ms = 20,
						.max_seconds = 600,
					};
					struct faxcall_result r;

					if (faxcall_run(&p, &r)) {
						fprintf(stderr, "faxlab: call setup failed\n");
						return 1;
					}
					if (verbose && !faxcall_complete(&r))
						print_failure(ecm, L, red, p.seed, &r);
					ce->calls++;
					ce->complete += faxcall_complete(&r);
					ce->pages_rx += r.pages_rx;
					ce->pages_sent += pages;
					ce->agree_a += r.rep_a.t30.pages == r.pages_tx;
					ce->agree_b += r.rep_b.t30.pages == r.pages_rx;
					ce->v21_a += r.v21_a.pages == r.pages_tx;
					ce->v21_b += r.v21_b.pages == r.pages_rx;
					ce->datagrams += r.datagrams;
					ce->dropped += r.dropped;
					cpu_ns += r.gw_cpu_ns;
					frames += r.gw_frames;
					sim += r.seconds;
				}

	unsigned calls = 0, agree_a = 0, agree_b = 0, v21_a = 0, v21_b = 0;

	for (int ecm = 0; ecm < 2; ecm++) {
		printf("ECM %s: calls complete with every page [%%] (pages received/sent)\n",
		       ecm ? "on" : "off");
		printf("%-16s %7s", "loss", "lost");
		for (unsigned red = 0; red <= MAX_RED; red++)
			printf("   r=%u%s       ", red, red == 3 ? "*" : " ");
		printf("\n");
		for (unsigned lr = 0; lr < NROWS; lr++) {
			uint64_t dg = 0, dr = 0;

			for (unsigned red = 0; red <= MAX_RED; red++) {
				dg += cells[ecm][lr][red].datagrams;
				dr += cells[ecm][lr][red].dropped;
			}
			printf("%-16s %6.2f%%", rows[lr].name, dg ? 100.0 * dr / dg : 0.0);
			for (unsigned red = 0; red <= MAX_RED; red++) {
				const struct cell *ce = &cells[ecm][lr][red];
				char pg[24];

				snprintf(pg, sizeof(pg), "(%u/%u)", ce->pages_rx, ce->pages_sent);
				if (!ce->calls) {
					printf(" %5s %-9s", "-", "");
					continue;
				}
				printf(" %5.1f %-9s", 100.0 * ce->complete / ce->calls, pg);
				calls += ce->calls;
				agree_a += ce->agree_a;
				agree_b += ce->agree_b;
				v21_a += ce->v21_a;
				v21_b += ce->v21_b;
			}
			printf("\n");
		}
		printf("\n");
	}
	double w = wall() - t0, us = frames ? cpu_ns / 1e3 / frames : 0;

	printf("* default: 3 for control, 1 for image. \"lost\": datagrams dropped by the link.\n");
	printf("T.30 report pages = the fax machine's own count, in %u calls:\n"
	       "  T.38 gateway A (sender's side) %u, gateway B (receiver's side) %u;\n"
	       "  v21_listen on B-channel A %u, on B-channel B %u\n", calls, agree_a, agree_b,
	       v21_a, v21_b);
	printf("%u calls, %.0f s of fax simulated in %.1f s (%.0fx real time)\n", calls, sim, w,
	       w > 0 ? sim / w : 0);
	printf("T.38 gateway: %.1f us CPU per 20 ms frame (audio in and out + UDPTL), "
	       "%.0f channels per core\n", us, us > 0 ? 20000.0 / us : 0);
	unlink(tx);
	unlink(rx);
	return 0;
}
