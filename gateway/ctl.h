/* The control socket: a Unix stream socket in the signalling loop where operators and
 * strowgerctl send requests of the control protocol (gateway/ctl_cmd.h) and read replies.
 *
 * Everything is non-blocking and in the loop's thread: a request line is at most
 * CTL_LINE_MAX bytes (a longer one gets an error and the connection is closed), up to
 * CTL_MAX_CLIENTS connect at once (one more gets an error line and is closed), and a
 * client that stops reading or goes away mid-reply costs its own connection only. */
#ifndef STROWGER_GATEWAY_CTL_H
#define STROWGER_GATEWAY_CTL_H

#include <sys/types.h>

#include "gateway/ctl_cmd.h"

#define CTL_DEFAULT_PATH "/run/strowger/control"
#define CTL_MAX_CLIENTS 16
#define CTL_OUT_MAX (1u << 20)	/* [bytes] of unsent replies before a client is not read */

struct ctl;
struct su_root_s;

struct ctl_params {
	const char *path;		/* socket path; a stale socket there is replaced */
	mode_t mode;			/* its permissions, 0660 */
	const struct ctl_ops *ops;	/* answers the requests */
	void *arg;
};

/* Create the socket at p->path and listen in root's loop. 0, or an errno value: EADDRINUSE
 * (a live daemon listens there), EEXIST (something that is not a socket is there),
 * ENAMETOOLONG, or what socket/bind/listen/chmod said. */
int ctl_alloc(struct ctl **cp, struct su_root_s *root, const struct ctl_params *p);

/* Close every connection and the socket, and remove its path. NULL is a no-op. */
void ctl_free(struct ctl *c);

/* Connections open now. */
unsigned ctl_clients(const struct ctl *c);

#endif
