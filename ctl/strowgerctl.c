/* strowgerctl: send one request to the daemon's control socket and print the reply.
 *
 *   strowgerctl [-s SOCKET] [--json] COMMAND...      e.g. strowgerctl show calls
 *
 * The words of COMMAND are joined into one request line (protocol: gateway/ctl_cmd.h);
 * --json adds the request word "--json": a show reply comes as one line of JSON. The reply
 * is printed without the empty line that ends it. Exit status: 0 the request
 * succeeded, 1 the daemon answered with an error, 2 no answer (cannot connect, usage). */
#include "gateway/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 10000	/* the daemon answers from its loop: seconds mean it is stuck */

static void usage(FILE *f)
{
	fprintf(f, "usage: strowgerctl [-s SOCKET] [-j|--json] COMMAND...\n"
		"  -s SOCKET  the daemon's control socket (default %s)\n"
		"  -j, --json a show or cdr reply as one line of JSON (for scripts)\n"
		"Commands: strowgerctl help\n"
		"Exit status: 0 ok, 1 the daemon answered with an error, 2 no answer.\n",
		CTL_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	const char *path = CTL_DEFAULT_PATH;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[CTL_LINE_MAX], buf[65536];
	size_t len = 0;
	int c, fd;
	bool json = false;
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};

	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		size_t w = strlen(argv[i]);

		if (len + w + 2 > sizeof(line)) {
			fprintf(stderr, "strowgerctl: request longer than %d bytes\n", CTL_LINE_MAX - 1);
			return 2;
		}
		if (len)
			line[len++] = ' ';
		memcpy(line + len, argv[i], w);
		len += w;
	}
	if (json) {
		if (len + sizeof(" --json") + 1 > sizeof(line)) {
			fprintf(stderr, "strowgerctl: request longer than %d bytes\n", CTL_LINE_MAX - 1);
			return 2;
		}
		memcpy(line + len, " --json", 7);
		len += 7;
	}
	line[len++] = '\n';
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "strowgerctl: %s: socket path too long\n", path);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "strowgerctl: cannot connect to %s: %s (is strowger running? "
			"-s names another socket)\n", path, strerror(errno));
		return 2;
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "strowgerctl: %s: cannot send: %s\n", path, strerror(errno));
		return 2;
	}
	shutdown(fd, SHUT_WR);	/* one request: the daemon closes once it has answered */
	/* Read until the empty line that ends the reply; print as it comes. */
	char head[8] = "", prev = '\n';	/* an empty first line ends the reply too */
	size_t nhead = 0;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) == 0) {
			fprintf(stderr, "strowgerctl: %s: no reply in %d s\n", path,
				REPLY_TIMEOUT_MS / 1000);
			return 2;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "strowgerctl: %s: connection closed before the reply ended%s%s\n",
				path, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			return 2;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (nhead < sizeof(head) - 1)
				head[nhead++] = buf[i];
			if (buf[i] == '\n' && prev == '\n') {
				fwrite(buf, 1, (size_t)i, stdout);
				close(fd);
				return strncmp(head, "error: ", 7) ? 0 : 1;
			}
			prev = buf[i];
		}
		fwrite(buf, 1, (size_t)n, stdout);
	}
}
