/* Does strowger.conf agree with what dahdi_cfg configured? Each [span N] is compared with
 * DAHDI's report of span N (/proc/dahdi/N, sysfs): the span exists, its type (E1/T1) is
 * the one DAHDI has where DAHDI can tell, the D-channel is an HDLC channel, the B-channels
 * are clear channels, FXS/FXO ports carry the signalling their role needs. Each mismatch is
 * one line naming strowger.conf:LINE, the DAHDI source and what differs. Run at start
 * (errors stop the daemon) and by --check. */
#ifndef STROWGER_GATEWAY_HWCHECK_H
#define STROWGER_GATEWAY_HWCHECK_H

struct conf;
struct conf_span;
struct dahdi_report_span;

enum hwcheck_level {
	HWCHECK_NOTICE,		/* for information: the timing source, what was not checked */
	HWCHECK_WARN,		/* worth fixing, calls still work (a span not there yet) */
	HWCHECK_ERROR,		/* calls on the span would fail: the daemon refuses to start */
};

/* One finished line, without a newline. */
typedef void (hwcheck_h)(enum hwcheck_level level, const char *line, void *arg);

#define HWCHECK_SYSTEM_CONF "/etc/dahdi/system.conf"

/* Compare one [span] section with DAHDI's report of it (rs NULL: DAHDI has no such span).
 * conf_path names the file in the lines; sets *no_line when DAHDI's report shows no line
 * configuration (so the caller can say so once). Returns the number of errors. No I/O. */
unsigned hwcheck_span(const char *conf_path, const struct conf_span *cs,
		      const struct dahdi_report_span *rs, int *no_line, hwcheck_h *h, void *arg);

struct hwcheck_params {
	const char *procdir;	/* "/proc/dahdi" */
	const char *sysdir;	/* "/sys/bus/dahdi_spans/devices" */
};

/* Check every [span] of conf when DAHDI is present (the configured dahdi_dir exists);
 * otherwise nothing is checked. p NULL: the system's paths. Returns the number of errors. */
unsigned hwcheck_run(const struct conf *conf, const struct hwcheck_params *p, hwcheck_h *h,
		     void *arg);

#endif
