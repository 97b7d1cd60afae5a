/* Unit tests for tdm/span polling against a fake DAHDI: the DAHDI ioctls of this test
 * binary go through the ioctl() below while a test turns it on (else straight to the
 * kernel), on a directory of plain files standing in for /dev/dahdi. They prove that a
 * transient error reading a span's status (EMFILE, EINTR) leaves a healthy span and its
 * channels alone, that "no such span" still closes them, and that the ctl device is
 * opened once, not on every poll. */
#include <criterion/criterion.h>
#include <dahdi/user.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "tdm/span.h"

static struct {
	bool on;
	int spanstat_err;	/* SPANSTAT fails with this */
	unsigned eintr;		/* ... or first with this many EINTRs */
	int stat_fd[16];	/* fds SPANSTAT was asked on */
	unsigned nstat;
} fk;

int ioctl(int fd, unsigned long req, ...);
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fk.on)
		return (int)syscall(SYS_ioctl, fd, req, arg);
	switch (req) {
	case DAHDI_SPANSTAT: {
		struct dahdi_spaninfo *si = arg;
		if (fk.nstat < 16)
			fk.stat_fd[fk.nstat++] = fd;
		if (fk.eintr) {
			fk.eintr--;
			errno = EINTR;
			return -1;
		}
		if (fk.spanstat_err) {
			errno = fk.spanstat_err;
			return -1;
		}
		si->alarms = 0;
		si->totalchans = si->numchans = 3;
		snprintf(si->desc, sizeof(si->desc), "fake span");
		return 0;
	}
	case DAHDI_GET_PARAMS: {
		struct dahdi_params *p = arg;
		if (p->channo > 3) {
			errno = ENXIO;
			return -1;
		}
		p->spanno = 1;
		p->chanpos = p->channo;
		return 0;
	}
	case DAHDI_SPECIFY:
	case DAHDI_SET_BUFINFO:
	case DAHDI_SET_BLOCKSIZE:
		return 0;
	default:
		return (int)syscall(SYS_ioctl, fd, req, arg);
	}
}

static char dir[64];
static unsigned fd_added, fd_removed, state_changes;

static void on_fd(struct tdm_span *s, int fd, bool dchan, bool added, void *arg)
{
	if (added)
		fd_added++;
	else
		fd_removed++;
}

static void on_state(struct tdm_span *s, enum tdm_span_state st, void *arg)
{
	state_changes++;
}

static void touch(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_CREAT | O_RDWR, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
}

static struct tdm_span *up_span(void)
{
	struct tdm_span *s = NULL;
	struct tdm_span_params p = {
		.number = 1, .sig = TDM_SIG_PRI, .bchans = (1u << 1) | (1u << 2),
		.dchannel = 3, .dahdi_dir = dir, .stateh = on_state, .fdh = on_fd,
	};

	log_set_all(LL_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/strowger-span-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	touch("ctl");
	touch("channel");
	fk.on = true;
	cr_assert_eq(tdm_span_alloc(&s, &p), 0);
	tdm_span_poll(s);
	cr_assert_eq(tdm_span_state(s), TDM_SPAN_UP);
	cr_assert_eq(tdm_span_open_channels(s), 3);
	cr_assert_eq(fd_added, 1, "the D-channel was not handed to the loop");
	return s;
}

static void done(struct tdm_span *s)
{
	char path[128];

	tdm_span_free(s);
	fk.on = false;
	snprintf(path, sizeof(path), "%s/ctl", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/channel", dir);
	unlink(path);
	rmdir(dir);
}

Test(span_poll, ctl_is_opened_once)
{
	struct tdm_span *s = up_span();

	for (int i = 0; i < 5; i++)
		tdm_span_poll(s);
	cr_assert_eq(fk.nstat, 6);
	for (unsigned i = 1; i < fk.nstat; i++)
		cr_assert_eq(fk.stat_fd[i], fk.stat_fd[0], "ctl opened again for poll %u", i);
	cr_assert_geq(fcntl(fk.stat_fd[0], F_GETFD), 0, "the kept ctl fd is not open");
	done(s);
}

Test(span_poll, transient_errors_leave_the_span_up)
{
	struct tdm_span *s = up_span();
	unsigned changes = state_changes;

	fk.spanstat_err = EMFILE;	/* the process is short of fds for a moment */
	tdm_span_poll(s);
	fk.spanstat_err = ENOMEM;
	tdm_span_poll(s);
	cr_assert_eq(tdm_span_state(s), TDM_SPAN_UP);
	cr_assert_eq(tdm_span_open_channels(s), 3, "channels of a healthy span closed");
	cr_assert_eq(fd_removed, 0, "the D-channel was taken from the loop");
	cr_assert_eq(state_changes, changes);
	fk.spanstat_err = 0;
	fk.eintr = 2;			/* interrupted: retried at once */
	tdm_span_poll(s);
	cr_assert_eq(tdm_span_state(s), TDM_SPAN_UP);
	cr_assert_eq(fd_removed, 0);
	done(s);
}

Test(span_poll, a_span_that_vanished_closes_its_channels)
{
	struct tdm_span *s = up_span();

	fk.spanstat_err = ENXIO;	/* DAHDI has no such span any more */
	tdm_span_poll(s);
	cr_assert_eq(tdm_span_state(s), TDM_SPAN_ABSENT);
	cr_assert_eq(tdm_span_open_channels(s), 0);
	cr_assert_eq(fd_removed, 1);
	fk.spanstat_err = 0;		/* back: channels reopened */
	tdm_span_poll(s);
	cr_assert_eq(tdm_span_state(s), TDM_SPAN_UP);
	cr_assert_eq(tdm_span_open_channels(s), 3);
	done(s);
}
