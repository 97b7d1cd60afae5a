/* media/v21_listen: two SpanDSP fax machines joined back to back in memory, a v21_listen on
 * each audio direction feeding one t30_observe. The observer's report must say what the fax
 * machines' own T.30 says about the call: pages, bit rate, modem, ECM, resolution, ids. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include "media/t30_observe.h"
#include "media/v21_listen.h"
#include "tests/unit/faxpage.h"

enum { PAGES = 3, ROWS = 120, BLOCK = 160, MAX_SECONDS = 300 };

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

static void machine_init(struct machine *m, bool calling, int modems, bool ecm,
			 const char *ident)
{
	memset(m, 0, sizeof(*m));
	m->fax = fax_init(NULL, calling);
	cr_assert_not_null(m->fax);
	t30_state_t *t = fax_get_t30_state(m->fax);

	fax_set_transmit_on_idle(m->fax, true);
	t30_set_tx_ident(t, ident);
	t30_set_supported_modems(t, modems);
	t30_set_ecm_capability(t, ecm);
	t30_set_phase_e_handler(t, phase_e, m);
}

struct run {
	char tx_path[64], rx_path[64];
	struct machine snd, rcv;
	struct t30_observe obs;
	struct v21_listen to_rcv, to_snd;
	t30_stats_t snd_st, rcv_st;
};

/* The sender (calling, on the B-channel side) sends PAGES pages to the receiver. */
static void run_fax(struct run *r, int modems, bool ecm)
{
	int16_t a[BLOCK], b[BLOCK];

	snprintf(r->tx_path, sizeof(r->tx_path), "/tmp/v21l-tx-%d.tif", (int)getpid());
	snprintf(r->rx_path, sizeof(r->rx_path), "/tmp/v21l-rx-%d.tif", (int)getpid());
	cr_assert_eq(faxpage_write(r->tx_path, PAGES, ROWS), 0);
	machine_init(&r->snd, true, modems, ecm, "+49 30 1234567");
	machine_init(&r->rcv, false, modems, ecm, "STROWGER RX 42");
	t30_set_tx_file(fax_get_t30_state(r->snd.fax), r->tx_path, -1, -1);
	t30_set_rx_file(fax_get_t30_state(r->rcv.fax), r->rx_path, -1);
	t30_observe_init(&r->obs);
	cr_assert_eq(v21_listen_init(&r->to_rcv, &r->obs, true), 0);
	cr_assert_eq(v21_listen_init(&r->to_snd, &r->obs, false), 0);

	for (long n = 0; n < MAX_SECONDS * 8000L / BLOCK && !(r->snd.done && r->rcv.done); n++) {
		int la = fax_tx(r->snd.fax, a, BLOCK), lb = fax_tx(r->rcv.fax, b, BLOCK);

		/* transmit_on_idle: always a whole block */
		cr_assert_eq(la, BLOCK);
		cr_assert_eq(lb, BLOCK);
		v21_listen_audio(&r->to_rcv, a, BLOCK);
		v21_listen_audio(&r->to_snd, b, BLOCK);
		fax_rx(r->rcv.fax, a, BLOCK);
		fax_rx(r->snd.fax, b, BLOCK);
	}
	cr_assert(r->snd.done && r->rcv.done, "the fax did not end within %d s", MAX_SECONDS);
	t30_get_transfer_statistics(fax_get_t30_state(r->snd.fax), &r->snd_st);
	t30_get_transfer_statistics(fax_get_t30_state(r->rcv.fax), &r->rcv_st);
}

static void run_free(struct run *r)
{
	v21_listen_release(&r->to_rcv);
	v21_listen_release(&r->to_snd);
	fax_free(r->snd.fax);
	fax_free(r->rcv.fax);
	unlink(r->tx_path);
	unlink(r->rx_path);
}

/* The report against both machines' own account. */
static void check(struct run *r, const char *modem)
{
	struct t30_report rep;
	unsigned pages = 0;

	t30_observe_report(&r->obs, &rep);
	cr_assert_eq(r->snd.completion, T30_ERR_OK, "sender: %s",
		     t30_completion_code_to_str(r->snd.completion));
	cr_assert_eq(r->rcv.completion, T30_ERR_OK, "receiver: %s",
		     t30_completion_code_to_str(r->rcv.completion));
	cr_expect_eq(faxpage_compare(r->rx_path, ROWS, &pages), 0);
	cr_expect_eq(pages, PAGES);

	cr_expect(rep.seen);
	cr_expect(rep.sender_is_tdm);
	cr_expect_eq(rep.completion, T30_ERR_OK, "%s: %s", t30_completion_text(rep.completion),
		     rep.where);
	cr_expect_eq(rep.pages, (unsigned)r->snd_st.pages_tx);
	cr_expect_eq(rep.pages, (unsigned)r->rcv_st.pages_rx);
	cr_expect_eq(rep.pages, PAGES);
	cr_expect_eq(rep.bit_rate, (unsigned)r->rcv_st.bit_rate);
	cr_expect_eq(rep.bit_rate, (unsigned)r->snd_st.bit_rate);
	cr_expect_str_eq(rep.modem, modem);
	cr_expect_eq(rep.ecm, r->rcv_st.error_correcting_mode != 0);
	cr_expect_str_eq(rep.resolution,
			 r->rcv_st.y_resolution == T4_Y_RESOLUTION_FINE ? "fine" : "?");
	cr_expect_str_eq(rep.tsi, t30_get_rx_ident(fax_get_t30_state(r->rcv.fax)));
	cr_expect_str_eq(rep.csi, t30_get_rx_ident(fax_get_t30_state(r->snd.fax)));
	cr_expect_str_eq(rep.tsi, "+49 30 1234567");
	cr_expect_str_eq(rep.csi, "STROWGER RX 42");
	cr_expect_eq(r->obs.bad_format + r->obs.unknown_fcf, 0);
	cr_expect_gt(r->to_rcv.frames_ok, 0);
	/* TCF and every page are high-speed runs from the sender; from the receiver only its
	 * answer tone (CED, 2100 Hz, T.30 §5.2.2), before any DIS: the observer ignores both */
	cr_expect_geq(r->to_rcv.images, PAGES + 1);
	cr_expect_eq(r->to_snd.images, 1);
	cr_expect_eq(r->obs.repeats, 0);
	cr_expect_gt(r->to_snd.frames_ok, 0);
}

Test(media_v21_listen, v17_no_ecm, .timeout = 120)
{
	struct run r;

	run_fax(&r, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17, false);
	check(&r, "V.17");
	cr_expect_eq(r.rcv_st.bit_rate, 14400);
	cr_expect_not(r.rcv_st.error_correcting_mode);
	run_free(&r);
}

Test(media_v21_listen, v17_ecm, .timeout = 120)
{
	struct run r;

	run_fax(&r, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17, true);
	check(&r, "V.17");
	cr_expect(r.rcv_st.error_correcting_mode);
	run_free(&r);
}

Test(media_v21_listen, v29_no_ecm, .timeout = 120)
{
	struct run r;

	run_fax(&r, T30_SUPPORT_V27TER | T30_SUPPORT_V29, false);
	check(&r, "V.29");
	cr_expect_eq(r.rcv_st.bit_rate, 9600);
	run_free(&r);
}

Test(media_v21_listen, v27ter_ecm, .timeout = 120)
{
	struct run r;

	run_fax(&r, T30_SUPPORT_V27TER, true);
	check(&r, "V.27ter");
	cr_expect_eq(r.rcv_st.bit_rate, 4800);
	run_free(&r);
}

/* Silence, noise-free garbage and a release on a zeroed struct are harmless. */
Test(media_v21_listen, idle_and_release)
{
	struct t30_observe o;
	struct v21_listen l;
	int16_t buf[800];

	memset(&l, 0, sizeof(l));
	v21_listen_release(&l);
	t30_observe_init(&o);
	cr_assert_eq(v21_listen_init(&l, &o, true), 0);
	memset(buf, 0, sizeof(buf));
	v21_listen_audio(&l, buf, 800);
	for (unsigned i = 0; i < 800; i++)
		buf[i] = (int16_t)((i * 7919u) % 20000u) - 10000;
	v21_listen_audio(&l, buf, 800);
	v21_listen_audio(&l, buf, 0);
	cr_expect_eq(l.frames_ok, 0);
	v21_listen_release(&l);
	v21_listen_release(&l);
	cr_expect_eq(v21_listen_init(NULL, &o, true), EINVAL);
}
