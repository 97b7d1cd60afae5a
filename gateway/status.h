/* The daemon's resource status, written on SIGUSR1 (gateway/status.c): one line
 *   seq=N calls=N calls_created=N media_channels=N bchan_in_use=N fds=N sockets=N dahdi_fds=N
 *   dchan_up=2,4
 * seq counts the writes; calls are those not yet freed, calls_created every call so far (its
 * ids are 1..calls_created, one CALL line each once cleared); fds leaves out /dev/dahdi/ctl (opened for a moment on every span
 * poll); dchan_up lists the PRI spans whose D-channel is up ("-": none). Then one line per
 * analog port (the port state dump):
 *   port 5:1 fxs number=2001 hook=off state=connected call=12
 * state: the port's line state (idle, dial tone, collecting, calling, ringing, connected,
 * cleared, howler; FXO: idle, ringing, offered, seized, dialling, connected); call: the
 * call's id, 0 for none. */
#ifndef STROWGER_GATEWAY_STATUS_H
#define STROWGER_GATEWAY_STATUS_H

struct ctl_status;
struct daemon;

#define STATUS_DEFAULT_PATH "/run/strowger/status"

/* Write the line to path (through path.tmp and a rename). 0 or an errno value. */
int gw_status_write(struct daemon *d, const char *path);

/* The same counts, for the control socket's "show status". */
void gw_status_get(struct daemon *d, struct ctl_status *st);

#endif
