/* The daemon's resource status, written on SIGUSR1 (gateway/status.c): one line
 *   seq=N calls=N calls_created=N media_channels=N bchan_in_use=N fds=N sockets=N dahdi_fds=N
 *   dchan_up=2,4
 * seq counts the writes; calls are those not yet freed, calls_created every call so far (its
 * ids are 1..calls_created, one CALL line each once cleared); fds leaves out /dev/dahdi/ctl (opened for a moment on every span
 * poll); dchan_up lists the PRI spans whose D-channel is up ("-": none). Then one line per
 * analog port (the port state dump, gw_port_dump()):
 *   port 5:1 fxs number=2001 hook=off state=connected ringing=no reg=registered user=line01
 *   expires=3412 call=12
 * state: the port's line state (idle, dial tone, collecting, calling, ringing, connected,
 * cleared, howler; FXO: idle, ringing, offered, seized, dialling, connected); reg: its SIP
 * registration as its own user ("-": it does not register; unregistered, registering,
 * registered, failed), user and expires (seconds left) only when it has them; call: the
 * call's id, 0 for none. strowgerctl show ports lists the same rows. */
#ifndef STROWGER_GATEWAY_STATUS_H
#define STROWGER_GATEWAY_STATUS_H

#include <stdio.h>

struct ctl_port_row;
struct ctl_status;
struct daemon;

#define STATUS_DEFAULT_PATH "/run/strowger/status"

/* Write the line to path (through path.tmp and a rename). 0 or an errno value. */
int gw_status_write(struct daemon *d, const char *path);

/* The analog ports' rows, FXS then FXO (the port state dump; "show ports"): at most max
 * filled, how many there are returned. */
unsigned gw_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max);
/* One line per port, as in the status file. */
void gw_port_dump(struct daemon *d, FILE *out);

/* The same counts, for the control socket's "show status". */
void gw_status_get(struct daemon *d, struct ctl_status *st);

#endif
