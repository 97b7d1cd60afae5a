/* The command line of a unit test's SIPp run (sipp_args.h). */
#include "tests/unit/sipp_args.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

void sipp_args_add(struct sipp_args *a, const char *opt, const char *val)
{
	cr_assert_lt(a->n + 3, (int)(sizeof(a->argv) / sizeof(a->argv[0])), "SIPp argv full");
	a->argv[a->n++] = opt;
	if (val)
		a->argv[a->n++] = val;
}

void sipp_args_init(struct sipp_args *a, const char *scenario, uint16_t port, uint16_t cport,
		    uint16_t mport, unsigned calls, const char *timeout, const char *msg_file,
		    const char *err_file)
{
	char sf[PATH_MAX];

	snprintf(sf, sizeof(sf), "tests/sip/%s", scenario);
	cr_assert_not_null(realpath(sf, a->path), "scenario %s not found (run from the repo root)",
			   sf);
	snprintf(a->port, sizeof(a->port), "%u", port);
	snprintf(a->cport, sizeof(a->cport), "%u", cport);
	snprintf(a->mport, sizeof(a->mport), "%u", mport);
	snprintf(a->calls, sizeof(a->calls), "%u", calls);
	a->n = 0;
	sipp_args_add(a, "sipp", NULL);
	sipp_args_add(a, "-sf", a->path);
	sipp_args_add(a, "-i", "127.0.0.1");
	sipp_args_add(a, "-p", a->port);
	sipp_args_add(a, "-cp", a->cport);
	sipp_args_add(a, "-mp", a->mport);
	sipp_args_add(a, "-m", a->calls);
	sipp_args_add(a, "-timeout", timeout);
	sipp_args_add(a, "-timeout_error", NULL);
	sipp_args_add(a, "-nostdin", NULL);
	sipp_args_add(a, "-trace_msg", NULL);
	sipp_args_add(a, "-message_file", msg_file);
	sipp_args_add(a, "-trace_err", NULL);
	sipp_args_add(a, "-error_file", err_file);
}

const char **sipp_args_end(struct sipp_args *a, uint16_t target)
{
	if (target) {
		snprintf(a->target, sizeof(a->target), "127.0.0.1:%u", target);
		sipp_args_add(a, a->target, NULL);
	}
	a->argv[a->n] = NULL;
	return a->argv;
}

pid_t sipp_spawn(const char **argv)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir("/tmp"))
			_exit(127);
		execvp("sipp", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

bool proc_net_has(const char *table, uint16_t port, const char *tail)
{
	char line[512], want[64], path[32];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", table);
	f = fopen(path, "r");
	if (!f)
		return false;
	snprintf(want, sizeof(want), "0100007F:%04X %s", port, tail);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}
