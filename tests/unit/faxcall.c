/* A fax call through two T.38 gateway stages and a lossy link: see faxcall.h. */
#include "tests/unit/faxcall.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>

#include "media/stage_t38gw.h"
#include "media/t30_observe.h"
#include "media/v21_listen.h"

enum { FRAME = STAGE_T38GW_FRAME, STEP_US = 20000, QMAX = 4096, RX_GRACE_STEPS = 500 };

struct dg {
	uint64_t due;			/* [µs] */
	uint16_t len;
	uint8_t b[STAGE_T38GW_DATAGRAM];
};

/* One direction of the link: a FIFO of datagrams (same latency for all: order kept). */
struct link {
	struct dg *q;
	unsigned head, n;
	uint64_t now, latency;
	uint32_t rng;
	double loss, burst_start;
	unsigned burst_len, burst_left;
	uint64_t sent, dropped, overflow;
};

struct machine {
	fax_state_t *fax;
	int completion;
	bool done;
};

static double rnd(uint32_t *x)
{
	/* xorshift32: a fixed, portable sequence per seed */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x >> 8) / 16777216.0;
}

static int link_send(void *arg, const uint8_t *dg, size_t len)
{
	struct link *l = arg;

	l->sent++;
	if (l->burst_left) {
		l->burst_left--;
		l->dropped++;
		return 0;
	}
	if (l->burst_start > 0 && rnd(&l->rng) < l->burst_start) {
		l->burst_left = l->burst_len ? l->burst_len - 1 : 0;
		l->dropped++;
		return 0;
	}
	if (l->loss > 0 && rnd(&l->rng) < l->loss) {
		l->dropped++;
		return 0;
	}
	if (l->n == QMAX || len > STAGE_T38GW_DATAGRAM) {
		l->overflow++;
		return ENOBUFS;
	}
	struct dg *d = &l->q[(l->head + l->n++) % QMAX];

	d->due = l->now + l->latency;
	d->len = (uint16_t)len;
	memcpy(d->b, dg, len);
	return 0;
}

static void link_deliver(struct link *l, struct stage_t38gw *to, uint64_t now)
{
	while (l->n && l->q[l->head].due <= now) {
		struct dg *d = &l->q[l->head];

		(void)stage_t38gw_from_net(to, d->b, d->len, now);
		l->head = (l->head + 1) % QMAX;
		l->n--;
	}
}

static void phase_e(t30_state_t *t30, void *arg, int completion)
{
	struct machine *m = arg;

	(void)t30;
	m->completion = completion;
	m->done = true;
}

static int machine_init(struct machine *m, bool calling, const struct faxcall_params *p)
{
	t30_state_t *t30;

	memset(m, 0, sizeof(*m));
	m->completion = -1;
	m->fax = fax_init(NULL, calling);
	if (!m->fax)
		return ENOMEM;
	fax_set_transmit_on_idle(m->fax, 1);
	t30 = fax_get_t30_state(m->fax);
	t30_set_tx_ident(t30, calling ? "FAXCALL TX" : "FAXCALL RX");
	t30_set_ecm_capability(t30, p->ecm);
	t30_set_supported_modems(t30, p->modems ? p->modems :
				 T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION |
				       T30_SUPPORT_T4_2D_COMPRESSION | T30_SUPPORT_T6_COMPRESSION);
	if (calling)
		t30_set_tx_file(t30, p->tx_tiff, -1, -1);
	else
		t30_set_rx_file(t30, p->rx_tiff, -1);
	t30_set_phase_e_handler(t30, phase_e, m);
	return 0;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fill(int16_t *a, int n)
{
	if (n < 0)
		n = 0;
	if (n < FRAME)
		memset(a + n, 0, (size_t)(FRAME - n) * sizeof(*a));
}

int faxcall_run(const struct faxcall_params *p, struct faxcall_result *r)
{
	struct link ab = { 0 }, ba = { 0 };
	struct stage_t38gw ga, gb;
	struct machine ma = { 0 }, mb = { 0 };
	struct t30_observe oa, ob;
	/* each B-channel's two directions: from the fax machine (from_tdm) and to it */
	struct v21_listen la_in = { 0 }, la_out = { 0 }, lb_in = { 0 }, lb_out = { 0 };
	uint64_t now = 1000000, end_us;
	int err;

	memset(r, 0, sizeof(*r));
	r->tx_completion = r->rx_completion = -1;
	if (!p->tx_tiff || !p->rx_tiff)
		return EINVAL;
	ab.q = malloc(QMAX * sizeof(*ab.q));
	ba.q = malloc(QMAX * sizeof(*ba.q));
	if (!ab.q || !ba.q) {
		err = ENOMEM;
		goto out_q;
	}
	ab.latency = ba.latency = (uint64_t)(p->latency_ms / 20) * STEP_US;
	ab.loss = ba.loss = p->loss;
	ab.burst_start = ba.burst_start = p->burst_start;
	ab.burst_len = ba.burst_len = p->burst_len;
	ab.rng = p->seed * 2654435761u + 1;
	ba.rng = p->seed * 2246822519u + 7;
	if (!ab.rng)
		ab.rng = 1;
	if (!ba.rng)
		ba.rng = 1;
	err = stage_t38gw_init(&ga, &p->t38, link_send, &ab);
	if (err)
		goto out_q;
	err = stage_t38gw_init(&gb, &p->t38, link_send, &ba);
	if (err)
		goto out_ga;
	err = machine_init(&ma, true, p);
	if (!err)
		err = machine_init(&mb, false, p);
	t30_observe_init(&oa);
	t30_observe_init(&ob);
	if (!err)
		err = v21_listen_init(&la_in, &oa, true);
	if (!err)
		err = v21_listen_init(&la_out, &oa, false);
	if (!err)
		err = v21_listen_init(&lb_in, &ob, true);
	if (!err)
		err = v21_listen_init(&lb_out, &ob, false);
	if (err)
		goto out_fax;

	end_us = now + (uint64_t)(p->max_seconds ? p->max_seconds : 600) * 1000000u;
	for (unsigned grace = RX_GRACE_STEPS; now < end_us && !(ma.done && mb.done) && grace;
	     now += STEP_US) {
		int16_t a_out[FRAME], b_out[FRAME], a_in[FRAME], b_in[FRAME];
		uint64_t t0, t1;

		grace -= ma.done;
		ab.now = ba.now = now;
		fill(a_out, fax_tx(ma.fax, a_out, FRAME));
		fill(b_out, fax_tx(mb.fax, b_out, FRAME));
		t0 = cpu_ns();
		stage_t38gw_from_tdm(&ga, a_out, now);
		stage_t38gw_from_tdm(&gb, b_out, now);
		link_deliver(&ab, &gb, now);
		link_deliver(&ba, &ga, now);
		stage_t38gw_to_tdm(&ga, a_in, now);
		stage_t38gw_to_tdm(&gb, b_in, now);
		t1 = cpu_ns();
		v21_listen_audio(&la_in, a_out, FRAME);
		v21_listen_audio(&la_out, a_in, FRAME);
		v21_listen_audio(&lb_in, b_out, FRAME);
		v21_listen_audio(&lb_out, b_in, FRAME);
		(void)fax_rx(ma.fax, a_in, FRAME);
		(void)fax_rx(mb.fax, b_in, FRAME);
		r->gw_cpu_ns += t1 - t0;
		r->gw_frames += 2;
	}
	r->seconds = (double)(now - 1000000) / 1e6;
	r->tx_done = ma.done;
	r->rx_done = mb.done;
	r->tx_completion = ma.completion;
	r->rx_completion = mb.completion;
	t30_stats_t st;

	t30_get_transfer_statistics(fax_get_t30_state(ma.fax), &st);
	r->pages_tx = (unsigned)st.pages_tx;
	r->pages_in_file = (unsigned)st.pages_in_file;
	t30_get_transfer_statistics(fax_get_t30_state(mb.fax), &st);
	r->pages_rx = (unsigned)st.pages_rx;
	r->bit_rate = (unsigned)st.bit_rate;
	r->ecm = st.error_correcting_mode != 0;
	r->datagrams = ab.sent + ba.sent;
	r->dropped = ab.dropped + ba.dropped;
	stage_t38gw_report(&ga, &r->rep_a);
	stage_t38gw_report(&gb, &r->rep_b);
	t30_observe_report(&oa, &r->v21_a);
	t30_observe_report(&ob, &r->v21_b);
out_fax:
	v21_listen_release(&la_in);
	v21_listen_release(&la_out);
	v21_listen_release(&lb_in);
	v21_listen_release(&lb_out);
	if (ma.fax)
		fax_free(ma.fax);
	if (mb.fax)
		fax_free(mb.fax);
	stage_t38gw_release(&gb);
out_ga:
	stage_t38gw_release(&ga);
out_q:
	free(ab.q);
	free(ba.q);
	return err;
}

bool faxcall_complete(const struct faxcall_result *r)
{
	return r->tx_completion == T30_ERR_OK && r->pages_in_file > 0
	       && r->pages_rx == r->pages_in_file;
}
