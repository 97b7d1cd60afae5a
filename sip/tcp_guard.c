/* Inbound SIP over TCP: shut down idle connections and those beyond a per-address limit. */
#include "sip/tcp_guard.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct conn {
	int fd;
	struct sockaddr_storage peer;	/* address only: port zeroed */
	uint32_t idle_ms;
};

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)ss)->sin6_port);
	return 0;
}

/* The peer's address without its port, so that one host's connections compare equal. */
static void addr_only(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = in->sin_addr };
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &a, sizeof(a));
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (void *)ss;
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6->sin6_addr };
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &a, sizeof(a));
	}
}

/* Is fd a connected TCP socket whose local port is port or tls_port? Fill c if so. */
static int conn_probe(int fd, uint16_t port, uint16_t tls_port, struct conn *c)
{
	struct stat st;
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int type = 0, listening = 0;
	socklen_t ilen = sizeof(int);
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) || type != SOCK_STREAM)
		return 0;
	ilen = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) || listening)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&local, &len) ||
	    (local.ss_family != AF_INET && local.ss_family != AF_INET6) ||
	    (port_of(&local) != port && (!tls_port || port_of(&local) != tls_port)))
		return 0;
	len = sizeof(c->peer);
	if (getpeername(fd, (struct sockaddr *)&c->peer, &len))
		return 0;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen))
		return 0;
	/* Both clocks start when the connection is established: a peer that never sent a
	 * byte is idle since then. */
	c->fd = fd;
	c->idle_ms = ti.tcpi_last_data_recv < ti.tcpi_last_data_sent ? ti.tcpi_last_data_recv
								      : ti.tcpi_last_data_sent;
	addr_only(&c->peer);
	return 1;
}

static int peer_cmp(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	int d = memcmp(&x->peer, &y->peer, sizeof(x->peer));

	if (d)
		return d;
	/* the busiest first: the connections kept are the ones in use */
	return (x->idle_ms > y->idle_ms) - (x->idle_ms < y->idle_ms);
}

int sip_tcp_guard_sweep(const struct sip_tcp_guard_limits *l, struct sip_tcp_guard_report *r)
{
	struct conn *conns = NULL;
	size_t n = 0, cap = 0;
	struct rlimit rl;
	int err = 0;
	DIR *d;

	memset(r, 0, sizeof(*r));
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		r->fd_limit = rl.rlim_cur > UINT32_MAX ? UINT32_MAX : (unsigned)rl.rlim_cur;
	d = opendir("/proc/self/fd");
	if (!d)
		return errno;
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		r->fds++;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct conn *grown = realloc(conns, ncap * sizeof(*grown));
			if (!grown) {
				err = ENOMEM;
				break;
			}
			conns = grown;
			cap = ncap;
		}
		n += (size_t)conn_probe((int)fd, l->port, l->tls_port, &conns[n]);
	}
	closedir(d);
	r->conns = (unsigned)n;
	if (n)
		qsort(conns, n, sizeof(*conns), peer_cmp);
	for (size_t i = 0, run = 0; i < n; i++) {
		run = i && !memcmp(&conns[i].peer, &conns[i - 1].peer, sizeof(conns[i].peer))
			? run + 1 : 0;
		if (l->idle_ms && conns[i].idle_ms >= l->idle_ms) {
			if (!shutdown(conns[i].fd, SHUT_RDWR))
				r->shut_idle++;
		} else if (l->per_addr && run >= l->per_addr) {
			if (!shutdown(conns[i].fd, SHUT_RDWR))
				r->shut_excess++;
		}
	}
	free(conns);
	return err;
}
