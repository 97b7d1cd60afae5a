/* PSTN simulator: the fax machine (fax.h). */
#include "tests/pstnsim/fax.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

struct sim_fax {
	fax_state_t *fs;
	t30_state_t *t30;
	struct sim_fax_params p;
	bool done;
	int code;
	uint64_t rx_samples;
	uint64_t done_samples;
};

static void phase_e(t30_state_t *s, void *arg, int code)
{
	struct sim_fax *f = arg;

	f->done = true;
	f->code = code;
	f->done_samples = f->rx_samples;
}

int sim_fax_alloc(struct sim_fax **fp, const struct sim_fax_params *p)
{
	struct sim_fax *f;

	if (!fp || !p || !p->file || !*p->file)
		return EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return ENOMEM;
	f->p = *p;
	f->fs = fax_init(NULL, p->calling);
	if (!f->fs) {
		free(f);
		return ENOMEM;
	}
	f->t30 = fax_get_t30_state(f->fs);
	/* PSTNSIM_FAX_TRACE=1: SpanDSP's T.30 protocol trace on stderr (a failing fax test) */
	if (getenv("PSTNSIM_FAX_TRACE")) {
		int lvl = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_FLOW;
		span_log_set_level(fax_get_logging_state(f->fs), lvl);
		span_log_set_level(t30_get_logging_state(f->t30), lvl);
	}
	/* a fax machine keeps sending (silence between its signals), as the line expects */
	fax_set_transmit_on_idle(f->fs, 1);
	fax_set_tep_mode(f->fs, 0);
	if (p->ident && *p->ident)
		t30_set_tx_ident(f->t30, p->ident);
	t30_set_ecm_capability(f->t30, p->ecm);
	t30_set_supported_modems(f->t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	/* T.6 needs ECM (T.30 §5.3.6.2.2, bit 31) */
	t30_set_supported_compressions(f->t30, T30_SUPPORT_T4_1D_COMPRESSION |
				       T30_SUPPORT_T4_2D_COMPRESSION |
				       (p->ecm ? T30_SUPPORT_T6_COMPRESSION : 0));
	t30_set_phase_e_handler(f->t30, phase_e, f);
	if (p->send)
		t30_set_tx_file(f->t30, p->file, -1, -1);
	else
		t30_set_rx_file(f->t30, p->file, -1);
	*fp = f;
	return 0;
}

void sim_fax_free(struct sim_fax *f)
{
	if (!f)
		return;
	fax_free(f->fs);
	free(f);
}

void sim_fax_rx(struct sim_fax *f, const uint8_t *in, size_t n)
{
	int16_t lin[SIM_BLOCK];

	while (n) {
		size_t k = n < SIM_BLOCK ? n : SIM_BLOCK;

		sim_law_decode(f->p.law, in, lin, k);
		fax_rx(f->fs, lin, (int)k);
		f->rx_samples += k;
		in += k;
		n -= k;
	}
}

void sim_fax_tx(struct sim_fax *f, uint8_t *out, size_t n)
{
	int16_t lin[SIM_BLOCK];

	while (n) {
		size_t k = n < SIM_BLOCK ? n : SIM_BLOCK;
		int got = fax_tx(f->fs, lin, (int)k);

		/* transmit-on-idle fills every sample; zero what it did not, to be sure */
		if (got < (int)k)
			memset(lin + (got > 0 ? got : 0), 0, (k - (size_t)(got > 0 ? got : 0)) * 2);
		sim_law_encode(f->p.law, lin, out, k);
		out += k;
		n -= k;
	}
}

bool sim_fax_result(struct sim_fax *f, struct sim_fax_result *r)
{
	t30_stats_t st;
	const char *id;

	memset(r, 0, sizeof(*r));
	t30_get_transfer_statistics(f->t30, &st);
	r->done = f->done;
	r->code = f->done ? f->code : -1;
	r->code_text = f->done ? t30_completion_code_to_str(f->code) : "in progress";
	r->send = f->p.send;
	r->pages = f->p.send ? st.pages_tx : st.pages_rx;
	r->bit_rate = st.bit_rate;
	r->ecm = st.error_correcting_mode != 0;
	r->x_res = st.x_resolution;
	r->y_res = st.y_resolution;
	id = t30_get_rx_ident(f->t30);
	snprintf(r->remote, sizeof(r->remote), "%s", id ? id : "");
	r->audio_ms = (f->done ? f->done_samples : f->rx_samples) / (SIM_RATE / 1000);
	return f->done;
}

void sim_fax_describe(const struct sim_fax_result *r, char *buf, size_t len)
{
	char remote[sizeof(r->remote)];
	const char *p = r->remote;
	size_t i;

	/* the ident is free text, space-padded on the line: trimmed, one word */
	while (*p == ' ')
		p++;
	for (i = 0; p[i] && i < sizeof(remote) - 1; i++)
		remote[i] = p[i] == ' ' ? '_' : p[i];
	while (i && remote[i - 1] == '_')
		i--;
	remote[i] = '\0';
	snprintf(buf, len, "fax: pages=%d rate=%d ecm=%s code=%d (%s) remote=%s dir=%s time=%llu.%llus",
		 r->pages, r->bit_rate, r->ecm ? "on" : "off", r->code, r->code_text,
		 *remote ? remote : "-", r->send ? "send" : "recv",
		 (unsigned long long)(r->audio_ms / 1000), (unsigned long long)(r->audio_ms % 1000 / 100));
}
