/* The daemon's control socket (gateway/ctl.h) answering from the daemon's objects. */
#ifndef STROWGER_GATEWAY_CTL_DAEMON_H
#define STROWGER_GATEWAY_CTL_DAEMON_H

struct daemon;

/* Listen on the configured control socket; a failure is logged and the daemon runs without. */
void gw_ctl_start(struct daemon *d);
/* The rows the control socket answers with (the metrics show the same). */
const struct ctl_ops *gw_ctl_ops(void);
/* Close it (every connection) and remove the socket file. */
void gw_ctl_stop(struct daemon *d);

#endif
