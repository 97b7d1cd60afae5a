/* The daemon's CDRs (gateway/cdr.h): the writer started from [general] cdr_db and cdr_csv,
 * and the call model's end-of-call hook feeding it and the metrics (gateway/metrics.h). */
#ifndef STROWGER_GATEWAY_CDR_DAEMON_H
#define STROWGER_GATEWAY_CDR_DAEMON_H

struct daemon;

/* Open the configured database and hook the calls to it; a failure is logged and the
 * daemon runs without CDRs. */
void gw_cdr_start(struct daemon *d);
/* Unhook, commit what is queued, close. */
void gw_cdr_stop(struct daemon *d);

/* Serve the Prometheus page on [general] metrics_listen (none if empty); a failure is
 * logged and the daemon runs without. */
void gw_metrics_start(struct daemon *d);
void gw_metrics_stop(struct daemon *d);

#endif
