/* strowger: the gateway daemon's entry point (command line, config, run). */
#include "common/log.h"
#include "conf/conf.h"
#include "gateway/daemon.h"
#include "gateway/genconf.h"
#include "gateway/hwcheck.h"
#include "gateway/service.h"
#include "gateway/status.h"
#include "media/dsp_log.h"
#include "tdm/tdm.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses: 0 done, 1 could not run, 2 configuration or usage error. */
enum { EXIT_RUNTIME = 1, EXIT_CONFIG = 2 };

#ifndef STROWGER_VERSION
#define STROWGER_VERSION "0.1"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"usage: strowger [-c FILE] [--check] [--status FILE]\n"
		"       strowger genconf --span N=ROLE[,OPTION...]... (see strowger genconf --help)\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"      --check        validate the file, print the effective configuration, exit\n"
		"      --status FILE  where SIGUSR1 writes the resource status (default %s)\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this text\n"
		"Exit status: 0 ok, 1 could not run, 2 configuration or usage error.\n",
		CONF_DEFAULT_PATH, STATUS_DEFAULT_PATH);
}

/* Cross-check lines: on stderr for --check, in the log for the daemon. */
static void on_hwcheck(enum hwcheck_level level, const char *line, void *arg)
{
	static const char *const tag[] = {"notice", "warning", "error"};

	if (arg)
		fprintf(stderr, "%s: %s\n", tag[level], line);
	else
		LOG_AT(LS_CONF, level == HWCHECK_ERROR ? LL_ERROR :
		       level == HWCHECK_WARN ? LL_WARN : LL_NOTICE, "%s", line);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"status", required_argument, NULL, 's'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *path = CONF_DEFAULT_PATH;
	const char *status_path = STATUS_DEFAULT_PATH;
	struct conf_errors errs = {0};
	struct conf *conf = NULL;
	struct daemon *d = NULL;
	bool check = false;
	int c, err;

	if (argc > 1 && !strcmp(argv[1], "genconf"))
		return genconf_main(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 's': status_path = optarg; break;
		case 'V': printf("strowger %s\n", STROWGER_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "strowger: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}

	if (conf_load(&conf, path, &errs)) {
		for (unsigned i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "strowger: %u error%s in the configuration; nothing started\n",
			errs.count, errs.count == 1 ? "" : "s");
		conf_errors_clear(&errs);
		return EXIT_CONFIG;
	}
	conf_errors_clear(&errs);
	if (check) {
		unsigned bad = hwcheck_run(conf, NULL, on_hwcheck, stderr);
		conf_print(conf, stdout);
		conf_free(conf);
		return bad ? EXIT_CONFIG : 0;
	}

	/* Before any library starts a thread: every thread inherits this mask, and the daemon
	 * takes these signals through a signalfd. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	daemon_apply_logging(conf);
	tdm_log_init();
	dsp_log_init();
	LOGN(LS_MAIN, "strowger %s starting with %s", STROWGER_VERSION, path);
	unsigned bad = hwcheck_run(conf, NULL, on_hwcheck, NULL);
	if (bad) {
		LOGE(LS_MAIN, "%u mismatch%s between %s and DAHDI; nothing started", bad,
		     bad == 1 ? "" : "es", path);
		conf_free(conf);
		return EXIT_CONFIG;
	}

	struct daemon_params p = { .conf_path = path, .conf = conf, .status_path = status_path };
	err = daemon_alloc(&d, &p);
	if (err) {
		LOGE(LS_MAIN, "cannot start: %s", strerror(err));
		conf_free(conf);
		return EXIT_RUNTIME;
	}
	char status[128];
	snprintf(status, sizeof(status), "running: %u span%s, %u trunk%s, %u route%s",
		 conf->nspans, conf->nspans == 1 ? "" : "s", conf->ntrunks,
		 conf->ntrunks == 1 ? "" : "s", conf->nroutes, conf->nroutes == 1 ? "" : "s");
	service_ready(status);
	daemon_run(d);
	daemon_free(d);
	LOGN(LS_MAIN, "stopped");
	return 0;
}
