/* RTP ports: an even port per call from the configured range (RFC 3550 §11: RTP on an
 * even port, RTCP on the odd one above it), handed out round-robin so a port just freed
 * is not reused at once by a new call that could receive the old call's late packets. */
#include "gateway/gw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_port(const char *addr, uint16_t port, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		family = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return EINVAL;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		family = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return EINVAL;
		len = sizeof(*s4);
	}
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		int err = errno;
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

int rtp_port_open(struct daemon *d, int *fdp, int *rtcp_fdp, uint16_t *portp)
{
	const struct conf_general *g = &d->conf->general;
	unsigned lo = (g->rtp_port_min + 1) & ~1u, hi = g->rtp_port_max - 1;
	unsigned span = (hi - lo) / 2 + 1;

	if (lo > hi)
		return EADDRINUSE;
	if (d->next_rtp_port < lo || d->next_rtp_port > hi)
		d->next_rtp_port = (uint16_t)lo;
	for (unsigned tries = 0; tries < span; tries++) {
		uint16_t port = d->next_rtp_port;
		d->next_rtp_port = port + 2u > hi ? (uint16_t)lo : (uint16_t)(port + 2u);
		int err = bind_port(g->rtp_address, port, fdp);
		if (!err) {
			err = bind_port(g->rtp_address, port + 1u, rtcp_fdp);
			if (!err) {
				*portp = port;
				return 0;
			}
			close(*fdp);
			*fdp = -1;
		}
		if (err != EADDRINUSE)
			return err;
	}
	return EADDRINUSE;
}
