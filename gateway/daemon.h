/* The daemon: owns the configuration, the signalling loop (Sofia's su_root) and every
 * long-lived object; turns signals into stop and reload. */
#ifndef STROWGER_DAEMON_H
#define STROWGER_DAEMON_H

struct conf;
struct daemon;

struct daemon_params {
	const char *conf_path;	/* re-read on SIGHUP */
	struct conf *conf;	/* loaded and valid; the daemon takes ownership */
	const char *status_path;	/* written on SIGUSR1; NULL: STATUS_DEFAULT_PATH */
};

/* Build the daemon and open the configured spans. Failure here is a resource failure
 * (no memory, no event loop); missing hardware is not a failure. */
int daemon_alloc(struct daemon **dp, const struct daemon_params *p);

/* Run the signalling loop until SIGTERM or SIGINT. Returns 0. */
int daemon_run(struct daemon *d);

void daemon_free(struct daemon *d);

/* Apply the logging options of a configuration (target, levels). */
void daemon_apply_logging(const struct conf *conf);

#endif
