/* Telling the service manager how the daemon is doing (systemd's notify protocol through
 * libsystemd's sd_notify(3); contrib/systemd/strowger.service is Type=notify). Each call is
 * a no-op when the daemon was not started by a service manager (no NOTIFY_SOCKET). */
#ifndef STROWGER_SERVICE_H
#define STROWGER_SERVICE_H

/* Spans open, SIP listening: start the units that wait for us. status: one line for
 * `systemctl status`. */
void service_ready(const char *status);
/* SIGHUP: re-reading the configuration; service_ready() follows when done. */
void service_reloading(void);
/* Clearing calls before exit. */
void service_stopping(void);

#endif
