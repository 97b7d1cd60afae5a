/* Unit tests for gateway/ctl: the control socket in a real su_root loop with real clients.
 * Requests and replies, a line split over several writes, two clients interleaved,
 * garbage, a line that is too long, a client that leaves mid-reply, one client too many,
 * a client that half-closes, the socket's mode, and a stale or live socket at the path. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sofia-sip/su_wait.h>

#include "gateway/ctl.h"

static char dir[64], path[96];
static su_root_t *root;
static struct ctl *ctl;

static unsigned f_spans(void *arg, struct ctl_span_row *rows, unsigned max) { return 0; }
static unsigned f_trunks(void *arg, struct ctl_trunk_row *rows, unsigned max) { return 0; }
static int f_hangup(void *arg, bool all, uint64_t id, int cause) { return 0; }

/* Many rows: a big reply (about 130 kB), so a client that reads nothing fills its socket. */
static unsigned f_calls(void *arg, struct ctl_call_row *rows, unsigned max)
{
	for (unsigned i = 0; i < max; i++)
		rows[i] = (struct ctl_call_row){ .id = i + 1, .dir = "sip->tdm", .state = "ACTIVE",
						 .chan = "span 1 ch 1", .trunk = "t",
						 .called = "1", .calling = "2", .codec = "PCMU" };
	return max;
}

static void f_status(void *arg, struct ctl_status *st)
{
	*st = (struct ctl_status){ .calls = 3, .calls_created = 9, .dchan_up = "-" };
}

static const struct ctl_ops ops = { .spans = f_spans, .calls = f_calls, .trunks = f_trunks,
				    .status = f_status, .hangup = f_hangup };

static void setup(void)
{
	struct ctl_params p = { .path = path, .mode = 0640, .ops = &ops };

	snprintf(dir, sizeof(dir), "/tmp/strowger-ctl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/control", dir);	/* run/ does not exist yet */
	cr_assert_eq(su_init(), 0);
	root = su_root_create(NULL);
	cr_assert_not_null(root);
	cr_assert_eq(ctl_alloc(&ctl, root, &p), 0);
}

static void teardown(void)
{
	char sub[128];

	ctl_free(ctl);
	ctl = NULL;
	cr_expect_neq(access(path, F_OK), 0, "the socket file is removed");
	su_root_destroy(root);
	su_deinit();
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
}

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 30);

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	return fd;
}

static void say(int fd, const char *s)
{
	cr_assert_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static void turn(int ms)
{
	for (int i = 0; i < ms / 5; i++)
		su_root_step(root, 5);
}

/* Turn the loop until n clients are connected (at most 2 s). */
static unsigned wait_clients(unsigned n)
{
	for (int i = 0; i < 400 && ctl_clients(ctl) != n; i++)
		su_root_step(root, 5);
	return ctl_clients(ctl);
}

/* recv() says the daemon closed: EOF, or a reset (it closed with our input unread). */
static bool closed(int fd, char *buf)
{
	ssize_t n = recv(fd, buf, 1, MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Turn the loop until fd has a whole reply (ending "\n\n") or EOF; return it (free it).
 * *eof: the daemon closed the connection after it. */
static char *reply(int fd, bool *eof)
{
	size_t len = 0, cap = 1 << 18;
	char *buf = malloc(cap);

	cr_assert_not_null(buf);
	*eof = false;
	for (int i = 0; i < 2000; i++) {
		su_root_step(root, 2);
		ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			*eof = true;
			break;
		}
		if (n > 0)
			len += (size_t)n;
		buf[len] = '\0';
		if (len >= 2 && !strcmp(buf + len - 2, "\n\n")) {
			/* and see whether EOF follows at once */
			turn(20);
			*eof = closed(fd, buf + len);
			break;
		}
	}
	buf[len] = '\0';
	return buf;
}

static void expect_reply(int fd, const char *want, bool want_eof)
{
	bool eof;
	char *r = reply(fd, &eof);

	cr_expect_str_eq(r, want);
	cr_expect_eq(eof, want_eof, "connection %s after '%s'", eof ? "closed" : "open", want);
	free(r);
}

static const char status_reply[] =
	"calls=3\ncalls_created=9\nmedia_channels=0\nbchan_in_use=0\nfds=0\nsockets=0\n"
	"dahdi_fds=0\ndchan_up=-\n\n";

Test(ctl, request_and_reply_and_the_socket_mode)
{
	struct stat st;
	int fd = client();

	cr_assert_eq(stat(path, &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0640);
	say(fd, "show status\n");
	expect_reply(fd, status_reply, false);
	say(fd, "nonsense\n");
	expect_reply(fd, "error: unknown command 'nonsense' (try help)\n\n", false);
	cr_expect_eq(ctl_clients(ctl), 1);
	close(fd);
	cr_expect_eq(wait_clients(0), 0, "a client that leaves is closed");
}

Test(ctl, two_clients_with_lines_in_pieces)
{
	int a = client(), b = client();

	say(a, "show st");
	turn(20);
	say(b, "show sta");
	turn(20);
	say(b, "tus\r\nhelp\n");		/* the rest, and a second request */
	bool eof;
	char *r = reply(b, &eof);
	cr_expect(!strncmp(r, status_reply, strlen(status_reply)), "%s", r);
	if (!strstr(r, "this list\n\n")) {
		free(r);
		r = reply(b, &eof);
		cr_expect_not_null(strstr(r, "this list\n\n"), "%s", r);
	}
	free(r);
	say(a, "atus\n");
	expect_reply(a, status_reply, false);
	cr_expect_eq(ctl_clients(ctl), 2);
	close(a);
	close(b);
}

Test(ctl, garbage_gets_an_error_and_the_connection_goes_on)
{
	int fd = client();
	static const char bin[] = { 'x', 0, 1, (char)0xff, '\n' };

	cr_assert_eq(send(fd, bin, sizeof(bin), MSG_NOSIGNAL), (ssize_t)sizeof(bin));
	expect_reply(fd, "error: request is not printable text (try help)\n\n", false);
	say(fd, "\n");
	expect_reply(fd, "error: empty request (try help)\n\n", false);
	say(fd, "show status\n");
	expect_reply(fd, status_reply, false);
	close(fd);
}

Test(ctl, a_line_too_long_is_refused_and_closed)
{
	int fd = client();
	char big[CTL_LINE_MAX + 100];

	memset(big, 'a', sizeof(big));
	cr_assert_eq(send(fd, big, sizeof(big), MSG_NOSIGNAL), (ssize_t)sizeof(big));
	expect_reply(fd, "error: request longer than 511 bytes\n\n", true);
	cr_expect_eq(wait_clients(0), 0);
	/* the socket still serves others */
	fd = client();
	say(fd, "show status\n");
	expect_reply(fd, status_reply, false);
	close(fd);
}

Test(ctl, a_client_that_leaves_mid_reply_costs_only_itself)
{
	int fd = client(), other;

	/* Far more reply than the socket holds: the daemon queues, then stops reading it. */
	for (int i = 0; i < 40; i++)
		say(fd, "show calls\n");
	turn(200);
	cr_expect_eq(ctl_clients(ctl), 1);
	close(fd);
	cr_expect_eq(wait_clients(0), 0, "the daemon noticed the client left mid-reply");
	other = client();
	say(other, "show status\n");
	expect_reply(other, status_reply, false);
	close(other);
}

Test(ctl, a_big_reply_arrives_whole)
{
	int fd = client();
	bool eof;
	char *r;

	say(fd, "show calls\n");
	r = reply(fd, &eof);
	cr_expect_not_null(strstr(r, "\n1024 calls\n\n"), "reply of %zu bytes", strlen(r));
	cr_expect_not_null(strstr(r, "\n1024   sip->tdm"));
	free(r);
	close(fd);
}

Test(ctl, one_client_too_many_is_turned_away)
{
	int fds[CTL_MAX_CLIENTS], extra;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		fds[i] = client();
	cr_expect_eq(wait_clients(CTL_MAX_CLIENTS), CTL_MAX_CLIENTS);
	extra = client();
	expect_reply(extra, "error: too many control clients\n\n", true);
	close(extra);
	say(fds[3], "show status\n");
	expect_reply(fds[3], status_reply, false);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	cr_expect_eq(wait_clients(0), 0);
}

Test(ctl, half_close_answers_the_last_line_then_closes)
{
	int fd = client();

	say(fd, "show status");		/* no newline: the end of input ends it */
	shutdown(fd, SHUT_WR);
	expect_reply(fd, status_reply, true);
	close(fd);
}

Test(ctl, a_live_socket_is_not_taken_a_stale_one_is)
{
	struct ctl_params p = { .path = path, .mode = 0600, .ops = &ops };
	struct ctl *second = NULL;
	char file[128];
	int fd;

	cr_expect_eq(ctl_alloc(&second, root, &p), EADDRINUSE);
	/* a stale socket: bound, nobody listening */
	ctl_free(ctl);
	ctl = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	cr_assert_eq(access(path, F_OK), 0);
	cr_expect_eq(ctl_alloc(&ctl, root, &p), 0);
	fd = client();
	say(fd, "show status\n");
	expect_reply(fd, status_reply, false);
	close(fd);
	/* not a socket: left alone */
	snprintf(file, sizeof(file), "%s/file", dir);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	p.path = file;
	cr_expect_eq(ctl_alloc(&second, root, &p), EEXIST);
	cr_expect_eq(access(file, F_OK), 0);
	unlink(file);
}

/* More reply than the socket holds and than CTL_OUT_MAX: the daemon stops reading, sends as
 * the client takes it (POLLOUT), then reads again; every reply arrives, in order. */
Test(ctl, replies_beyond_the_socket_buffer_all_arrive)
{
	enum { N = 12 };
	int fd = client(), whole = 0;
	char buf[65536], tail[13] = "";	/* the pattern's length - 1, and a NUL */
	size_t total = 0;

	for (int i = 0; i < N; i++)
		say(fd, "show calls\n");
	for (int i = 0; i < 5000 && whole < N; i++) {
		su_root_step(root, 1);
		ssize_t n;
		while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
			/* count "1024 calls\n\n" also across reads: keep the last bytes */
			char join[sizeof(tail) + sizeof(buf)];
			size_t tl = strlen(tail);

			memcpy(join, tail, tl);
			memcpy(join + tl, buf, (size_t)n);
			join[tl + (size_t)n] = '\0';
			for (char *p = join; (p = strstr(p, "\n1024 calls\n\n")); p++)
				whole++;
			size_t keep = tl + (size_t)n < sizeof(tail) - 1 ? tl + (size_t)n : sizeof(tail) - 1;
			memcpy(tail, join + tl + (size_t)n - keep, keep);
			tail[keep] = '\0';
			/* the tail is one byte shorter than the pattern: no match counts twice */
			total += (size_t)n;
		}
	}
	cr_expect_eq(whole, N, "%d of %d replies (%zu bytes)", whole, N, total);
	cr_expect_gt(total, (size_t)CTL_OUT_MAX);
	close(fd);
}
