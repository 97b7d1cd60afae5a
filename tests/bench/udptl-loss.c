/* UDPTL loss sweep: IFP packets through encode → random loss (fixed seed) → decode at
 * 0/1/2/5/10 % loss and in bursts, redundancy 0…5, printing the share delivered.
 * Figures only: the fax-call sweep with SpanDSP at both ends is a later step. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "media/udptl.h"

#define NPKT 200000u

struct count {
	uint64_t got, lost;
};

static void on_ifp(uint16_t seq, const uint8_t *ifp, size_t len, void *arg)
{
	(void)seq, (void)ifp, (void)len;
	((struct count *)arg)->got++;
}

static void on_missing(uint16_t seq, void *arg)
{
	(void)seq;
	((struct count *)arg)->lost++;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Loss model: with burst > 1, a loss starts a run of 1…2·burst-1 losses (mean `burst`),
 * starts being made rarer so that the overall share stays `pct`. */
static double sweep(unsigned red, double pct, unsigned burst, uint32_t seed)
{
	struct count c = { 0 };
	struct udptl_params sp = { .redundancy = red, .max_datagram = 400 };
	struct udptl_params rp = { .ifp_h = on_ifp, .missing_h = on_missing, .arg = &c };
	struct udptl *tx, *rx;
	uint8_t ifp[64], dg[512];
	unsigned run = 0;
	size_t n;

	if (udptl_alloc(&tx, &sp) || udptl_alloc(&rx, &rp))
		exit(1);
	for (uint32_t i = 0; i < NPKT; i++) {
		/* T.38 image data packets: a few tens of octets */
		size_t len = 20 + rnd(&seed) % 40;

		for (size_t k = 0; k < len; k++)
			ifp[k] = (uint8_t)(i + k);
		if (udptl_encode(tx, ifp, len, -1, dg, sizeof(dg), &n))
			exit(1);
		if (run) {
			run--;
			continue;
		}
		if (rnd(&seed) % 1000000 < (uint32_t)(pct / burst * 10000)) {
			run = burst > 1 ? rnd(&seed) % (2 * burst - 1) : 0;
			continue;
		}
		(void)udptl_decode(rx, dg, n);
	}
	udptl_flush(rx);
	udptl_free(tx);
	udptl_free(rx);
	return 100.0 * (double)c.got / NPKT;
}

int main(void)
{
	static const double loss[] = { 0, 1, 2, 5, 10 };
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("udptl-loss: %u IFP packets of 20-59 octets per cell, T38FaxMaxDatagram 400, "
	       "seed fixed; %% of IFP packets delivered\n", NPKT);
	printf("%-22s", "loss \\ redundancy");
	for (unsigned r = 0; r <= 5; r++)
		printf("%9u", r);
	printf("\n");
	for (unsigned b = 1; b <= 3; b += 2)
		for (size_t i = 0; i < sizeof(loss) / sizeof(loss[0]); i++) {
			char lbl[32];

			if (b > 1 && loss[i] == 0)
				continue;
			snprintf(lbl, sizeof(lbl), "%.0f %% %s", loss[i], b > 1 ? "bursts of ~3" : "random");
			printf("%-22s", lbl);
			for (unsigned r = 0; r <= 5; r++)
				printf("%9.3f", sweep(r, loss[i], b, 0x7385u + r));
			printf("\n");
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("(%.2f s for %u encode+decode)\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       NPKT * 6 * 9);
	return 0;
}
