/* Cross-checks of strowger.conf's [span] sections against DAHDI's reports. */
#include "gateway/hwcheck.h"

#include "conf/conf.h"
#include "tdm/dahdi_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void emit(hwcheck_h *h, void *arg, enum hwcheck_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void emit(hwcheck_h *h, void *arg, enum hwcheck_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h(level, line, arg);
}

static const char *sig_shown(const struct dahdi_report_chan *c)
{
	return c->sig_name[0] ? c->sig_name : "unconfigured";
}

/* The first position of the span DAHDI shows as an HDLC channel, 0 if none. */
static unsigned hdlc_pos(const struct dahdi_report_span *rs)
{
	for (unsigned i = 0; i < rs->nchans; i++)
		if (rs->chans[i].sig == DR_SIG_HDLC)
			return i + 1;
	return 0;
}

/* Positions of mask the span does not have; the highest one, 0 if none. */
static unsigned beyond(uint32_t mask, unsigned nchans)
{
	unsigned top = 0;

	for (unsigned pos = nchans + 1; pos <= CONF_MAX_CHANS; pos++)
		if (mask & (UINT32_C(1) << pos))
			top = pos;
	return top;
}

/* Every position of mask must have signalling of kind want: report the first that does
 * not, with how many more. */
static unsigned check_sig(const char *where, const struct conf_span *cs,
			  const struct dahdi_report_span *rs, uint32_t mask,
			  enum dahdi_report_sig want, const char *role, const char *fix,
			  hwcheck_h *h, void *arg)
{
	unsigned bad = 0, first = 0;

	for (unsigned pos = 1; pos <= rs->nchans && pos <= CONF_MAX_CHANS; pos++) {
		if (!(mask & (UINT32_C(1) << pos)) || rs->chans[pos - 1].sig == want)
			continue;
		if (!bad++)
			first = pos;
	}
	if (!bad)
		return 0;
	const struct dahdi_report_chan *c = &rs->chans[first - 1];
	char more[48] = "";
	if (bad > 1)
		snprintf(more, sizeof(more), " (and %u more)", bad - 1);
	emit(h, arg, HWCHECK_ERROR,
	     "%s: span %u: %s, but /proc/dahdi/%u shows position %u (channel %u) as %s%s: %s",
	     where, cs->number, role, rs->spanno, first, c->channo, sig_shown(c), more, fix);
	return 1;
}

unsigned hwcheck_span(const char *conf_path, const struct conf_span *cs,
		      const struct dahdi_report_span *rs, int *no_line, hwcheck_h *h, void *arg)
{
	char where[CONF_STR_MAX + 16], line[32];
	const char *from;
	unsigned errors = 0;
	bool pri = cs->sig == SIG_PRI_CPE || cs->sig == SIG_PRI_NET;
	const char *type = cs->type == SPAN_E1 ? "e1" : "t1";

	snprintf(where, sizeof(where), "%s:%u", conf_path, cs->line);
	if (!rs) {
		emit(h, arg, HWCHECK_WARN,
		     "%s: span %u: DAHDI has no such span (no /proc/dahdi/%u): nothing will work on "
		     "it until it appears (card driver loaded? span assigned? dahdi_cfg run with "
		     HWCHECK_SYSTEM_CONF "?)", where, cs->number, cs->number);
		return 0;
	}

	/* E1 or T1: what DAHDI says, else the channel count (an E1 has 31, a T1 24). */
	enum dahdi_report_type dt = dahdi_report_type(rs, &from);
	enum dahdi_report_type want = cs->type == SPAN_E1 ? DR_TYPE_E1 : DR_TYPE_T1;
	if (dt == DR_TYPE_UNKNOWN) {
		if (no_line)
			*no_line = 1;
		if (rs->nchans == 31 || rs->nchans == 24) {
			dt = rs->nchans == 31 ? DR_TYPE_E1 : DR_TYPE_T1;
			from = "its channel count";
		}
	}
	if (dt == DR_TYPE_ANALOG || dt == DR_TYPE_OTHER) {
		/* An analog card's span has no E1/T1 type: only a PRI on it is wrong. */
		if (pri) {
			emit(h, arg, HWCHECK_ERROR,
			     "%s: span %u: signalling = %s, but /proc/dahdi/%u is %s span (spantype "
			     "%s): a PRI needs an E1 or T1 span", where, cs->number,
			     cs->sig == SIG_PRI_CPE ? "pri_cpe" : "pri_net", rs->spanno,
			     dt == DR_TYPE_ANALOG ? "an analog" : "a BRI", rs->spantype);
			return 1;
		}
	} else if (dt != DR_TYPE_UNKNOWN && dt != want) {
		emit(h, arg, HWCHECK_ERROR,
		     "%s: span %u: type = %s, but /proc/dahdi/%u is %s %s (by %s%s%s, %u channels): "
		     "set type = %s here or fix span=%u in " HWCHECK_SYSTEM_CONF,
		     where, cs->number, type, rs->spanno, dt == DR_TYPE_E1 ? "an" : "a",
		     dahdi_report_type_name(dt), from, rs->lineconfig ? " " : "",
		     dahdi_report_line_str(rs->lineconfig, line, sizeof(line)), rs->nchans,
		     dt == DR_TYPE_E1 ? "e1" : dt == DR_TYPE_T1 ? "t1" : "?", cs->number);
		return 1;	/* the positions below follow from the type: one line is enough */
	}

	unsigned top = beyond(cs->bchans | (cs->dchannel ? UINT32_C(1) << cs->dchannel : 0),
			      rs->nchans);
	if (top) {
		emit(h, arg, HWCHECK_ERROR,
		     "%s: span %u: position %u is configured, but /proc/dahdi/%u has only %u "
		     "channels", where, cs->number, top, rs->spanno, rs->nchans);
		return 1;
	}

	if (pri && cs->dchannel) {
		const struct dahdi_report_chan *c = &rs->chans[cs->dchannel - 1];
		if (c->sig != DR_SIG_HDLC) {
			unsigned at = hdlc_pos(rs);
			char hint[96];
			if (at)
				snprintf(hint, sizeof(hint), "DAHDI's D-channel is position %u (channel %u)",
					 at, rs->chans[at - 1].channo);
			else
				snprintf(hint, sizeof(hint), "DAHDI has no D-channel on this span");
			emit(h, arg, HWCHECK_ERROR,
			     "%s: span %u: dchannel = %u, but /proc/dahdi/%u shows position %u "
			     "(channel %u) as %s, not HDLC: %s; dchannel here and dchan= in "
			     HWCHECK_SYSTEM_CONF " must name the same channel",
			     where, cs->number, cs->dchannel, rs->spanno, cs->dchannel, c->channo,
			     sig_shown(c), hint);
			errors++;
		}
	}
	if (pri)
		errors += check_sig(where, cs, rs, cs->bchans, DR_SIG_CLEAR,
				    "channels are B-channels", "they must be bchan= (Clear) in "
				    HWCHECK_SYSTEM_CONF, h, arg);
	else if (cs->sig == SIG_FXS)
		errors += check_sig(where, cs, rs, cs->bchans, DR_SIG_FXO,
				    "signalling = fxs needs FXO signalling (the port faces a phone)",
				    "use fxoks= (or fxols=, fxogs=) for them in " HWCHECK_SYSTEM_CONF,
				    h, arg);
	else
		errors += check_sig(where, cs, rs, cs->bchans, DR_SIG_FXS,
				    "signalling = fxo needs FXS signalling (the port faces an exchange)",
				    "use fxsks= (or fxsls=, fxsgs=) for them in " HWCHECK_SYSTEM_CONF,
				    h, arg);

	if (rs->clock_source || rs->sync_master)
		emit(h, arg, HWCHECK_NOTICE, "span %u: DAHDI takes its timing from this span "
		     "(/proc/dahdi/%u: %s)", cs->number, rs->spanno,
		     rs->clock_source ? "ClockSource" : "MASTER");
	return errors;
}

unsigned hwcheck_run(const struct conf *conf, const struct hwcheck_params *p, hwcheck_h *h,
		     void *arg)
{
	static const struct hwcheck_params sys = {
		.procdir = "/proc/dahdi", .sysdir = "/sys/bus/dahdi_spans/devices",
	};
	struct dahdi_report_span rs;
	struct stat st;
	unsigned errors = 0;
	char no_line[256] = "";
	size_t used = 0;

	if (!p)
		p = &sys;
	if (!conf->nspans || stat(conf->general.dahdi_dir, &st))
		return 0;	/* no DAHDI here: the spans report it themselves */
	if (stat(p->procdir, &st)) {
		emit(h, arg, HWCHECK_NOTICE, "%s exists but %s does not: spans not checked "
		     "against DAHDI", conf->general.dahdi_dir, p->procdir);
		return 0;
	}
	for (unsigned i = 0; i < conf->nspans; i++) {
		const struct conf_span *cs = &conf->spans[i];
		int nl = 0;
		bool have = !dahdi_report_read(&rs, p->procdir, p->sysdir, cs->number);

		errors += hwcheck_span(conf->path, cs, have ? &rs : NULL, &nl, h, arg);
		if (nl && used < sizeof(no_line) - 8) {
			int n = snprintf(no_line + used, sizeof(no_line) - used, " %u", cs->number);
			if (n > 0)
				used += (size_t)n;
		}
	}
	if (used)
		emit(h, arg, HWCHECK_NOTICE, "span%s%s: DAHDI shows no line configuration (a "
		     "dynamic span keeps none): E1/T1 judged by the channel count, framing and "
		     "coding not checked", strchr(no_line + 1, ' ') ? "s" : "", no_line);
	return errors;
}
