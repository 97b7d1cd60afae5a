/* The daemon's control socket (gateway/ctl.h) answering from the daemon's objects. */
#ifndef STROWGER_GATEWAY_CTL_DAEMON_H
#define STROWGER_GATEWAY_CTL_DAEMON_H

struct daemon;

/* Listen on the configured control socket; a failure is logged and the daemon runs without. */
void gw_ctl_start(struct daemon *d);
/* Close it (every connection) and remove the socket file. */
void gw_ctl_stop(struct daemon *d);

#endif
