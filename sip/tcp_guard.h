/* Inbound SIP over TCP against fd exhaustion: a sweep over the process's sockets that
 * closes what Sofia-SIP 1.12.11 would keep forever.
 *
 * Sofia's own limits (TPTAG_IDLE, TPTAG_TIMEOUT, set by sip/ua.c) close a connection that
 * has carried bytes and then went quiet or stalled mid-message; but a connection that never
 * sends a byte never arms its idle timer, and nothing bounds how many connections one
 * address may hold. Anyone who reaches the SIP port could hold every fd of the daemon. The
 * sweep finds the connected TCP sockets on our SIP port and on our TLS port (a peer that
 * never starts its handshake is the same threat) through /proc/self/fd and getsockname, and
 * shuts down (never closes: the fd stays Sofia's, which then sees EOF and frees it) those
 * idle for idle_ms by the kernel's own clocks (TCP_INFO: no data either way), and, per peer
 * address, those beyond per_addr. It also counts our fds against RLIMIT_NOFILE so that the
 * UA can say it cannot take calls (OPTIONS 503) before the limit is hit.
 */
#ifndef STROWGER_SIP_TCP_GUARD_H
#define STROWGER_SIP_TCP_GUARD_H

#include <stdint.h>

struct sip_tcp_guard_limits {
	uint16_t port;		/* our SIP port: connections whose local port it is */
	uint16_t tls_port;	/* and our SIP-over-TLS port; 0: none */
	unsigned idle_ms;	/* [ms] no data either way this long: shut down; 0 = never */
	unsigned per_addr;	/* connections one peer address may hold; 0 = no limit */
};

struct sip_tcp_guard_report {
	unsigned fds;		/* open fds of the process */
	unsigned fd_limit;	/* RLIMIT_NOFILE soft limit (0: unknown) */
	unsigned conns;		/* connected TCP sockets on the port */
	unsigned shut_idle;	/* shut down for idleness by this sweep */
	unsigned shut_excess;	/* shut down beyond per_addr by this sweep */
};

/* One sweep. Return 0, or an errno value (/proc/self/fd unreadable, ENOMEM) with the
 * report as far as it got. */
int sip_tcp_guard_sweep(const struct sip_tcp_guard_limits *l, struct sip_tcp_guard_report *r);

#endif
