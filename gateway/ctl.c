/* The control socket (gateway/ctl.h): accept, read request lines, queue replies, write them
 * as the client takes them. The requests themselves are gateway/ctl_cmd.c's. */
#define SU_ROOT_MAGIC_T void
#define SU_WAKEUP_ARG_T void
#include "gateway/ctl.h"

#include "common/fs.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sofia-sip/su_wait.h>

struct ctl_client {
	struct ctl *ctl;
	int fd;				/* -1: slot free */
	int index;			/* su_root registration, > 0 */
	char in[CTL_LINE_MAX];
	size_t inlen;
	struct ctl_buf out;		/* reply bytes not yet sent */
	bool closing;			/* close once out is sent (EOF, or a fatal request) */
	int events;			/* what the loop watches for now */
};

struct ctl {
	su_root_t *root;
	struct ctl_params p;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	int index;
	struct ctl_client clients[CTL_MAX_CLIENTS];
	unsigned nclients;
};

static void client_close(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	if (cl->fd < 0)
		return;
	su_root_deregister(c->root, cl->index);
	close(cl->fd);
	ctl_buf_free(&cl->out);
	cl->fd = -1;
	cl->index = 0;
	cl->inlen = 0;
	cl->closing = false;
	c->nclients--;
}

/* Watch for what the client's state needs: input while its unsent replies are few, output
 * while there are some. */
static void client_watch(struct ctl_client *cl)
{
	int ev = 0;

	if (!cl->closing && cl->out.len < CTL_OUT_MAX)
		ev |= POLLIN;
	if (cl->out.len)
		ev |= POLLOUT;
	if (ev != cl->events) {
		su_root_eventmask(cl->ctl->root, cl->index, cl->fd, ev);
		cl->events = ev;
	}
}

/* Send what the client will take. false: the client is gone (closed here). */
static bool client_flush(struct ctl_client *cl)
{
	while (cl->out.len) {
		ssize_t n = send(cl->fd, cl->out.data, cl->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* EPIPE, ECONNRESET: it left mid-reply. Its business, not ours. */
			LOGD(LS_MAIN, "control: client left mid-reply (%s)", strerror(errno));
			client_close(cl);
			return false;
		}
		ctl_buf_consume(&cl->out, (size_t)n);
	}
	if (cl->out.failed) {
		client_close(cl);	/* out of memory: a cut reply must not look whole */
		return false;
	}
	if (!cl->out.len && cl->closing) {
		client_close(cl);
		return false;
	}
	client_watch(cl);
	return true;
}

static void run_line(struct ctl_client *cl, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	LOGD(LS_MAIN, "control: request '%.*s'", (int)(len > 80 ? 80 : len), line);
	ctl_cmd_run(cl->ctl->p.ops, cl->ctl->p.arg, line, &cl->out);
}

/* Run every complete line in the input buffer; keep the rest. */
static void take_lines(struct ctl_client *cl)
{
	char *start = cl->in, *nl;

	while (!cl->closing && (nl = memchr(start, '\n', cl->inlen - (size_t)(start - cl->in)))) {
		*nl = '\0';
		if (memchr(start, '\0', (size_t)(nl - start)))
			ctl_cmd_error(&cl->out, "request is not printable text (try help)");
		else
			run_line(cl, start, (size_t)(nl - start));
		start = nl + 1;
	}
	cl->inlen -= (size_t)(start - cl->in);
	memmove(cl->in, start, cl->inlen);
	if (cl->inlen == sizeof(cl->in)) {
		/* No newline in a whole buffer: not our protocol. Say so and hang up. */
		ctl_cmd_error(&cl->out, "request longer than %d bytes", CTL_LINE_MAX - 1);
		cl->inlen = 0;
		cl->closing = true;
	}
}

static int on_client(su_root_magic_t *m, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct ctl_client *cl = arg;
	int revents = su_wait_events(w, cl->fd);

	if (revents & POLLOUT && !client_flush(cl))
		return 0;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		/* Bounded: read what one buffer holds, answer, and let the loop come back. */
		while (!cl->closing && cl->out.len < CTL_OUT_MAX) {
			ssize_t n = recv(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen,
					 MSG_DONTWAIT);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0) {
				client_close(cl);
				return 0;
			}
			if (n == 0) {
				/* The client is done sending: a last line without its newline
				 * still counts, then the replies go out and we close. */
				if (cl->inlen && cl->inlen < sizeof(cl->in)) {
					cl->in[cl->inlen++] = '\n';
					take_lines(cl);
				}
				cl->closing = true;
				break;
			}
			cl->inlen += (size_t)n;
			take_lines(cl);
		}
	}
	client_flush(cl);
	return 0;
}

static int on_accept(su_root_magic_t *m, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct ctl *c = arg;

	(void)su_wait_events(w, c->fd);
	for (;;) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *cl = NULL;
		su_wait_t cw;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				LOGW(LS_MAIN, "control: accept: %s", strerror(errno));
			return 0;
		}
		for (unsigned i = 0; i < CTL_MAX_CLIENTS && !cl; i++)
			if (c->clients[i].fd < 0)
				cl = &c->clients[i];
		if (!cl) {
			static const char busy[] = "error: too many control clients\n\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			LOGW(LS_MAIN, "control: %d clients connected, one more turned away",
			     CTL_MAX_CLIENTS);
			continue;
		}
		if (su_wait_create(&cw, fd, POLLIN) < 0) {
			close(fd);
			continue;
		}
		*cl = (struct ctl_client){ .ctl = c, .fd = fd, .events = POLLIN };
		cl->index = su_root_register(c->root, &cw, on_client, cl, 0);
		if (cl->index <= 0) {
			su_wait_destroy(&cw);
			close(fd);
			cl->fd = -1;
			continue;
		}
		c->nclients++;
	}
}

/* A socket already at path: a live daemon's (EADDRINUSE), or stale (removed). Anything
 * that is not a socket is left alone (EEXIST). */
static int clear_path(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : errno;
	if (!S_ISSOCK(st.st_mode))
		return EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	close(fd);
	if (!err)
		return EADDRINUSE;
	if (unlink(path) && errno != ENOENT)
		return errno;
	return 0;
}

int ctl_alloc(struct ctl **cp, su_root_t *root, const struct ctl_params *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl *c;
	su_wait_t w;
	int err;

	if (!cp || !root || !p || !p->path || !p->path[0] || !p->ops)
		return EINVAL;
	if (strlen(p->path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->root = root;
	c->p = *p;
	c->fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", p->path);
	c->p.path = c->path;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);

	/* The directory may be a fresh tmpfs (/run after a boot). */
	err = fs_make_parent(c->path, 0755);
	if (err)
		goto fail;
	err = clear_path(c->path, &sa);
	if (err)
		goto fail;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = errno;
		goto fail;
	}
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		goto fail;
	}
	/* Who may connect is who may write the socket: the configured mode, exactly. */
	if (chmod(c->path, p->mode & 07777) || listen(c->fd, CTL_MAX_CLIENTS)) {
		err = errno;
		unlink(c->path);
		goto fail;
	}
	if (su_wait_create(&w, c->fd, POLLIN) < 0) {
		err = ENOMEM;
		unlink(c->path);
		goto fail;
	}
	c->index = su_root_register(root, &w, on_accept, c, 0);
	if (c->index <= 0) {
		su_wait_destroy(&w);
		err = ENOMEM;
		unlink(c->path);
		goto fail;
	}
	*cp = c;
	return 0;
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return err;
}

void ctl_free(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		client_close(&c->clients[i]);
	if (c->index > 0)
		su_root_deregister(c->root, c->index);
	close(c->fd);
	unlink(c->path);
	free(c);
}

unsigned ctl_clients(const struct ctl *c)
{
	return c ? c->nclients : 0;
}
