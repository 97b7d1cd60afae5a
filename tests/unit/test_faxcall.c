/* The faxlab chain (tests/unit/faxcall) end to end at 0 % loss: fax machine → T.38 gateway
 * → UDPTL → T.38 gateway → fax machine; every page arrives with the same pixels, and both
 * gateways' fax reports agree with the machines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "tests/unit/faxcall.h"
#include "tests/unit/faxpage.h"

enum { PAGES = 3, ROWS = 150 };

static void one_call(bool ecm, unsigned latency_ms)
{
	char tx[64], rx[64];
	struct faxcall_params p = {
		.ecm = ecm,
		.t38 = { .redundancy = 3, .redundancy_image = 1 },
		.latency_ms = latency_ms,
		.seed = 1,
		.max_seconds = 300,
	};
	struct faxcall_result r;
	unsigned pages = 0;

	snprintf(tx, sizeof(tx), "/tmp/faxcall-tx-%d.tif", (int)getpid());
	snprintf(rx, sizeof(rx), "/tmp/faxcall-rx-%d.tif", (int)getpid());
	cr_assert_eq(faxpage_write(tx, PAGES, ROWS), 0);
	p.tx_tiff = tx;
	p.rx_tiff = rx;
	cr_assert_eq(faxcall_run(&p, &r), 0);
	cr_expect(r.tx_done && r.rx_done);
	cr_expect_eq(r.tx_completion, T30_ERR_OK, "sender: %s",
		     t30_completion_code_to_str(r.tx_completion));
	cr_expect_eq(r.rx_completion, T30_ERR_OK, "receiver: %s",
		     t30_completion_code_to_str(r.rx_completion));
	cr_expect_eq(r.pages_in_file, PAGES);
	cr_expect_eq(r.pages_rx, PAGES);
	cr_expect(faxcall_complete(&r));
	cr_expect_eq(r.ecm, ecm);
	cr_expect_eq(r.bit_rate, 14400);
	cr_expect_eq(r.dropped, 0);
	cr_expect_gt(r.datagrams, 0);
	cr_expect_eq(faxpage_compare(rx, ROWS, &pages), 0, "rows differ");
	cr_expect_eq(pages, PAGES);

	/* Each gateway's T.30 observer saw the whole fax. */
	const struct media_fax_report *g[2] = { &r.rep_a, &r.rep_b };

	for (int i = 0; i < 2; i++) {
		cr_expect(g[i]->valid && g[i]->t38);
		cr_expect_eq(g[i]->t30.pages, PAGES, "gateway %c", "AB"[i]);
		cr_expect_eq(g[i]->t30.completion, T30_ERR_OK, "gateway %c: %s", "AB"[i],
			     g[i]->t30.where);
		cr_expect_eq(g[i]->t30.bit_rate, 14400);
		cr_expect_eq(g[i]->t30.ecm, ecm);
		cr_expect_str_eq(g[i]->t30.tsi, "FAXCALL TX");
		cr_expect_str_eq(g[i]->t30.csi, "FAXCALL RX");
		cr_expect_eq(g[i]->ifp_lost, 0);
	}
	/* And as G.711 pass-through would see it on each B-channel. */
	const struct t30_report *v[2] = { &r.v21_a, &r.v21_b };

	for (int i = 0; i < 2; i++) {
		cr_expect_eq(v[i]->pages, PAGES, "v21 %c", "AB"[i]);
		cr_expect_eq(v[i]->completion, T30_ERR_OK, "v21 %c: %s", "AB"[i], v[i]->where);
		cr_expect_eq(v[i]->bit_rate, 14400);
		cr_expect_eq(v[i]->ecm, ecm);
		cr_expect_str_eq(v[i]->tsi, "FAXCALL TX");
		cr_expect_str_eq(v[i]->csi, "FAXCALL RX");
	}
	cr_expect(r.v21_a.sender_is_tdm);
	cr_expect_not(r.v21_b.sender_is_tdm);
	cr_expect(r.rep_a.t30.sender_is_tdm);
	cr_expect_not(r.rep_b.t30.sender_is_tdm);
	cr_expect_eq(r.rep_a.udptl_sent, r.rep_b.udptl_received);
	cr_expect_eq(r.rep_b.udptl_sent, r.rep_a.udptl_received);
	cr_expect_gt(r.gw_frames, 0);
	unlink(tx);
	unlink(rx);
}

Test(faxcall, no_loss_non_ecm, .timeout = 120)
{
	one_call(false, 0);
}

Test(faxcall, no_loss_ecm_40ms, .timeout = 120)
{
	one_call(true, 40);
}
