/* media/stage_t38gw: two T.38 gateway stages back to back through an in-memory datagram
 * link, SpanDSP fax machines on their audio sides, carry a two-page fax (V.17, V.29,
 * V.27ter; ECM on and off; transferred and local TCF), also through a lossy link (the
 * redundancy recovers) and with garbage datagrams in between (counted, dropped). The
 * received pages (tests/unit/faxpage) are compared with the sent ones pixel for pixel. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "media/stage_t38gw.h"
#include "tests/unit/faxpage.h"

enum { ROWS = 200, PAGES = 2, MAXQ = 4096, DGMAX = STAGE_T38GW_DATAGRAM };

/* ---- the link: datagrams queued per direction, delivered on the next tick ---- */

struct dg {
	uint16_t len;
	uint8_t b[DGMAX];
};

struct link {
	unsigned n;
	struct dg q[MAXQ];
	unsigned loss_pct;		/* random loss */
	uint32_t rng;
	unsigned sent, dropped;
};

static int link_send(void *arg, const uint8_t *dg, size_t len)
{
	struct link *l = arg;

	cr_assert_leq(len, DGMAX);
	l->sent++;
	l->rng = l->rng * 1103515245u + 12345u;
	if ((l->rng >> 16) % 100 < l->loss_pct) {
		l->dropped++;
		return 0;
	}
	cr_assert_lt(l->n, MAXQ);
	l->q[l->n].len = (uint16_t)len;
	memcpy(l->q[l->n++].b, dg, len);
	return 0;
}

/* ---- a fax machine ---- */

struct machine {
	fax_state_t *fax;
	int completion;
	bool done;
};

static void phase_e(t30_state_t *t30, void *arg, int completion)
{
	struct machine *m = arg;

	(void)t30;
	m->completion = completion;
	m->done = true;
}

static void machine_init(struct machine *m, bool calling, bool ecm, const char *tx,
			 const char *rx, const char *ident)
{
	t30_state_t *t30;

	memset(m, 0, sizeof *m);
	m->completion = -1;
	m->fax = fax_init(NULL, calling);
	cr_assert(m->fax);
	fax_set_transmit_on_idle(m->fax, 1);
	t30 = fax_get_t30_state(m->fax);
	t30_set_tx_ident(t30, ident);
	t30_set_ecm_capability(t30, ecm);
	t30_set_supported_modems(t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION |
				       T30_SUPPORT_T4_2D_COMPRESSION | T30_SUPPORT_T6_COMPRESSION);
	if (tx)
		t30_set_tx_file(t30, tx, -1, -1);
	if (rx)
		t30_set_rx_file(t30, rx, -1);
	t30_set_phase_e_handler(t30, phase_e, m);
	if (getenv("T38DBG") && !calling)	/* T38DBG=1: SpanDSP's logs on stderr */
		span_log_set_level(t30_get_logging_state(t30), SPAN_LOG_FLOW | SPAN_LOG_SHOW_TAG);
}

/* One machine's 20 ms against its gateway stage: its audio in, the stage's audio back. */
static void machine_tick(struct machine *m, struct stage_t38gw *g, uint64_t now)
{
	int16_t a[STAGE_T38GW_FRAME], b[STAGE_T38GW_FRAME];
	int n = fax_tx(m->fax, a, STAGE_T38GW_FRAME);

	if (n < STAGE_T38GW_FRAME)
		memset(a + n, 0, (size_t)(STAGE_T38GW_FRAME - n) * sizeof *a);
	stage_t38gw_from_tdm(g, a, now);
	stage_t38gw_to_tdm(g, b, now);
	(void)fax_rx(m->fax, b, STAGE_T38GW_FRAME);
}

struct run {
	struct media_t38_params p;
	bool ecm;
	bool rx_may_wait;		/* the receiver may still wait for DCN when the call ends */
	unsigned loss_pct;
	unsigned garbage_every;		/* a malformed datagram every N ticks (0: none) */
	/* results */
	int tx_completion, rx_completion;
	t30_stats_t tx_stats, rx_stats;
	unsigned pages;
	long bad;
	unsigned malformed_rejected;
	struct media_fax_report ra, rb;	/* A: the sender's gateway; B: the receiver's */
	unsigned dropped, dropped_ba;
};

static struct link ab, ba;	/* A → B and B → A */

static void deliver(struct link *l, struct stage_t38gw *to, uint64_t now)
{
	for (unsigned i = 0; i < l->n; i++)
		cr_assert_eq(stage_t38gw_from_net(to, l->q[i].b, l->q[i].len, now), 0);
	l->n = 0;
}

static void fax_run(struct run *r)
{
	char tx[] = "/tmp/strowger-t38gw-tx-XXXXXX", rx[] = "/tmp/strowger-t38gw-rx-XXXXXX";
	static struct stage_t38gw ga, gb;
	struct machine ma, mb;
	uint64_t now = 1000000;
	int fd;

	fd = mkstemp(tx);
	cr_assert_geq(fd, 0);
	close(fd);
	fd = mkstemp(rx);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(faxpage_write(tx, PAGES, ROWS), 0);
	memset(&ab, 0, sizeof ab);
	memset(&ba, 0, sizeof ba);
	ab.loss_pct = ba.loss_pct = r->loss_pct;
	ab.rng = 1;
	ba.rng = 2;
	cr_assert_eq(stage_t38gw_init(&ga, &r->p, link_send, &ab), 0);
	cr_assert_eq(stage_t38gw_init(&gb, &r->p, link_send, &ba), 0);
	if (getenv("T38DBG")) {
		span_log_set_level(t38_gateway_get_logging_state(ga.gw), SPAN_LOG_FLOW | SPAN_LOG_SHOW_TAG);
		span_log_set_tag(t38_gateway_get_logging_state(ga.gw), "GWA");
		span_log_set_level(t38_gateway_get_logging_state(gb.gw), SPAN_LOG_FLOW | SPAN_LOG_SHOW_TAG);
		span_log_set_tag(t38_gateway_get_logging_state(gb.gw), "GWB");
	}
	machine_init(&ma, true, r->ecm, tx, NULL, "111");
	machine_init(&mb, false, r->ecm, NULL, rx, "222");
	/* Until both are done; a receiver still waiting 10 s after the sender hung up has
	 * had its call end (see v29_ecm). */
	for (unsigned tick = 0, grace = 500; tick < 15000 && !(ma.done && mb.done) && grace;
	     tick++, now += 20000) {
		grace -= ma.done;
		machine_tick(&ma, &ga, now);
		machine_tick(&mb, &gb, now);
		deliver(&ab, &gb, now);
		deliver(&ba, &ga, now);
		if (r->garbage_every && tick % r->garbage_every == 0) {
			/* a secondary count far past the datagram, then a cut-off length */
			static const uint8_t g1[] = { 0x00, 0x05, 0x01, 0x80, 0x00, 0x7f, 0x03 };
			static const uint8_t g2[] = { 0x00, 0x06, 0x40, 0x00 };

			r->malformed_rejected += stage_t38gw_from_net(&gb, g1, sizeof g1, now) ==
						 EBADMSG;
			r->malformed_rejected += stage_t38gw_from_net(&ga, g2, sizeof g2, now) ==
						 EBADMSG;
		}
	}
	r->tx_completion = ma.completion;
	r->rx_completion = mb.completion;
	t30_get_transfer_statistics(fax_get_t30_state(ma.fax), &r->tx_stats);
	t30_get_transfer_statistics(fax_get_t30_state(mb.fax), &r->rx_stats);
	stage_t38gw_report(&ga, &r->ra);
	stage_t38gw_report(&gb, &r->rb);
	r->dropped = ab.dropped + ba.dropped;
	r->dropped_ba = ba.dropped;
	fax_free(ma.fax);
	fax_free(mb.fax);	/* closes the received file */
	stage_t38gw_release(&ga);
	stage_t38gw_release(&gb);
	r->bad = faxpage_compare(rx, ROWS, &r->pages);
	unlink(tx);
	unlink(rx);
}

static void expect_ok(const struct run *r, unsigned rate)
{
	cr_expect_eq(r->tx_completion, T30_ERR_OK, "sender: %s", t30_completion_code_to_str(r->tx_completion));
	if (!r->rx_may_wait || r->rx_completion != -1)
		cr_expect_eq(r->rx_completion, T30_ERR_OK, "receiver: %s",
			     t30_completion_code_to_str(r->rx_completion));
	cr_expect_eq(r->rx_stats.pages_rx, PAGES);
	cr_expect_eq(r->pages, PAGES, "pages in the received file");
	cr_expect_eq(r->rx_stats.bit_rate, (int)rate);
	cr_expect_eq(!!r->rx_stats.error_correcting_mode, r->ecm);
	cr_expect(r->ra.valid && r->ra.t38 && r->rb.valid);
	cr_expect_gt(r->ra.udptl_sent, 0);
	cr_expect_eq(r->ra.udptl_received, r->rb.udptl_sent - r->dropped_ba);
	/* What the observer saw, from each gateway's side. */
	cr_expect(r->ra.t30.seen && r->rb.t30.seen);
	cr_expect(r->ra.t30.sender_is_tdm, "A's fax machine sends");
	cr_expect(!r->rb.t30.sender_is_tdm);
	cr_expect_eq(r->ra.t30.pages, PAGES);
	cr_expect_eq(r->rb.t30.pages, PAGES);
	cr_expect_eq(r->ra.t30.bit_rate, rate);
	cr_expect_eq(r->ra.t30.ecm, r->ecm);
	cr_expect_str_eq(r->rb.t30.tsi, "111");
	cr_expect_str_eq(r->ra.t30.csi, "222");
	cr_expect_eq(r->ra.t30.completion, T30_ERR_OK, "%s", r->ra.t30.where);
}

static const struct media_t38_params defaults = {
	.version = 0, .max_bitrate = 14400, .max_datagram = 400, .redundancy = 3,
	.redundancy_image = 1,
};

Test(media_t38gw, v17_no_ecm, .timeout = 120)
{
	static struct run r = { .ecm = false };

	r.p = defaults;
	fax_run(&r);
	expect_ok(&r, 14400);
	cr_expect_eq(r.bad, 0, "rows differing");
	cr_expect_eq(r.ra.ifp_lost + r.rb.ifp_lost, 0);
	cr_expect_eq(r.ra.udptl_malformed + r.rb.udptl_malformed, 0);
}

Test(media_t38gw, v17_ecm, .timeout = 120)
{
	static struct run r = { .ecm = true };

	r.p = defaults;
	r.p.version = 3;
	fax_run(&r);
	expect_ok(&r, 14400);
	cr_expect_eq(r.bad, 0, "ECM pages are exact");
}

/* SpanDSP 0.0.6's gateway, listening for a V.29 short training after the last MCF, takes
 * the sender's V.21 DCN for V.29 training and forwards it so: the receiver hears DCN as
 * aborts and waits (every page is confirmed by then; in a call the sender hangs up). */
Test(media_t38gw, v29_ecm, .timeout = 120)
{
	static struct run r = { .ecm = true, .rx_may_wait = true };

	r.p = defaults;
	r.p.max_bitrate = 9600;
	r.p.version = 2;
	fax_run(&r);
	expect_ok(&r, 9600);
	cr_expect_eq(r.bad, 0, "ECM pages are exact");
}

Test(media_t38gw, v27ter_local_tcf, .timeout = 120)
{
	static struct run r = { .ecm = false };

	r.p = defaults;
	r.p.max_bitrate = 4800;
	r.p.local_tcf = true;
	fax_run(&r);
	expect_ok(&r, 4800);
	cr_expect_eq(r.bad, 0);
}

/* ECM refused by the gateway: the machines agree on a non-ECM transfer. */
Test(media_t38gw, no_ecm_param, .timeout = 120)
{
	static struct run r = { .ecm = true };

	r.p = defaults;
	r.p.no_ecm = true;
	fax_run(&r);
	r.ecm = false;
	expect_ok(&r, 14400);
}

/* 3 % random loss each way: redundancy fills the gaps and the fax is exact (ECM). */
Test(media_t38gw, loss_recovered_by_redundancy, .timeout = 120)
{
	static struct run r = { .ecm = true, .loss_pct = 3 };

	r.p = defaults;
	r.p.redundancy_image = 2;
	fax_run(&r);
	cr_expect_gt(r.dropped, 0);
	cr_expect_gt(r.ra.ifp_recovered + r.rb.ifp_recovered, 0);
	cr_expect_eq(r.rx_completion, T30_ERR_OK, "%s", t30_completion_code_to_str(r.rx_completion));
	cr_expect_eq(r.pages, PAGES);
	cr_expect_eq(r.bad, 0);
}

/* Malformed datagrams between the good ones are refused, counted, and change nothing. */
Test(media_t38gw, malformed_dropped, .timeout = 120)
{
	static struct run r = { .ecm = false, .garbage_every = 7 };

	r.p = defaults;
	fax_run(&r);
	cr_expect_gt(r.malformed_rejected, 100);
	cr_expect_eq(r.ra.udptl_malformed + r.rb.udptl_malformed, r.malformed_rejected);
	expect_ok(&r, 14400);
	cr_expect_eq(r.bad, 0);
}

Test(media_t38gw, bad_params)
{
	static struct stage_t38gw g;
	struct media_t38_params p = defaults;

	p.version = 4;
	cr_expect_eq(stage_t38gw_init(&g, &p, link_send, &ab), EINVAL);
	cr_expect_eq(stage_t38gw_init(&g, &defaults, NULL, &ab), EINVAL);
	p = defaults;
	p.max_datagram = 0;
	cr_assert_eq(stage_t38gw_init(&g, &p, link_send, &ab), 0);
	cr_expect(stage_t38gw_same(&g, &defaults), "0 means 400 and a datagram size is no restart");
	p.redundancy = 2;
	cr_expect(!stage_t38gw_same(&g, &p));
	stage_t38gw_release(&g);
}


/* A datagram that ends a burst (here the CNG indicator, then no-signal) goes twice at once
 * and three times more 20 ms apart while nothing follows it; all copies are one packet. */
struct rec {
	unsigned n;
	uint16_t seq[64];
	uint64_t at[64];
	uint64_t now;
};

static int rec_send(void *arg, const uint8_t *dg, size_t len)
{
	struct rec *r = arg;

	cr_assert_geq(len, 4);
	if (r->n < 64) {
		r->seq[r->n] = (uint16_t)(dg[0] << 8 | dg[1]);
		r->at[r->n++] = r->now;
	}
	return 0;
}

Test(media_t38gw, burst_end_repeated)
{
	static struct stage_t38gw g;
	static struct rec r;
	fax_state_t *fax = fax_init(NULL, true);	/* calling: CNG, 0.5 s on, 3 s off */
	int16_t a[STAGE_T38GW_FRAME], b[STAGE_T38GW_FRAME];
	unsigned copies = 0;

	cr_assert(fax);
	fax_set_transmit_on_idle(fax, 1);
	cr_assert_eq(stage_t38gw_init(&g, &defaults, rec_send, &r), 0);
	for (unsigned f = 0; f < 100; f++, r.now += 20000) {
		int n = fax_tx(fax, a, STAGE_T38GW_FRAME);

		if (n < STAGE_T38GW_FRAME)
			memset(a + n, 0, (size_t)(STAGE_T38GW_FRAME - n) * sizeof *a);
		stage_t38gw_from_tdm(&g, a, r.now);
		stage_t38gw_to_tdm(&g, b, r.now);
	}
	cr_assert_geq(r.n, 5, "an indicator and its copies");
	for (unsigned i = 0; i < r.n && r.seq[i] == r.seq[0]; i++)
		copies++;
	cr_expect_eq(copies, 5, "2 at once + 3 repeats of seq %u", r.seq[0]);
	cr_expect_eq(r.at[1], r.at[0]);
	cr_expect_eq(r.at[2], r.at[0] + 20000);
	cr_expect_eq(r.at[3], r.at[0] + 40000);
	cr_expect_eq(r.at[4], r.at[0] + 60000);
	stage_t38gw_release(&g);
	fax_free(fax);
}
