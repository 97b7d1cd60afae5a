/* pstnsim: plays a PBX / the PSTN on the far side of a looped DAHDI span (see README.md). */
#include "tests/pstnsim/pstnsim.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpri.h>

#include "common/log.h"

#define LOOP_TICK	10	/* [ms] longest poll() sleep: script timers resolution */
#define DRAIN_MS	3000	/* [ms] to let clearing finish after the script */
/*
 * [ms] to keep serving the D-channel once every call is released: libpri's Q.921 may still
 * hold I-frames (RELEASE COMPLETE of many calls) behind its window of k = 7 (Q.921 §5.9);
 * exiting at once loses them and the far end clears only after 2 x T308 (8 s).
 */
#define LINGER_MS	1000
#define MAX_SCRIPT	(1 << 20)

static const char *const cstate_names[CS_COUNT] = {
	[CS_NULL] = "null", [CS_CALL_INITIATED] = "call-initiated",
	[CS_OUT_PROCEEDING] = "outgoing-proceeding", [CS_DELIVERED] = "call-delivered",
	[CS_PRESENT] = "call-present", [CS_RECEIVED] = "call-received",
	[CS_IN_PROCEEDING] = "incoming-proceeding", [CS_ACTIVE] = "active",
	[CS_DISCONNECTING] = "disconnecting", [CS_RELEASED] = "released",
};

static const struct { const char *name; int type; } switches[] = {
	{ "euroisdn", PRI_SWITCH_EUROISDN_E1 }, { "euroisdn_e1", PRI_SWITCH_EUROISDN_E1 },
	{ "euroisdn_t1", PRI_SWITCH_EUROISDN_T1 }, { "ni2", PRI_SWITCH_NI2 },
	{ "national", PRI_SWITCH_NI2 }, { "ni1", PRI_SWITCH_NI1 }, { "dms100", PRI_SWITCH_DMS100 },
	{ "4ess", PRI_SWITCH_ATT4ESS }, { "5ess", PRI_SWITCH_LUCENT5E }, { "qsig", PRI_SWITCH_QSIG },
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sim_now(const struct sim *s)
{
	return (mono_us() - s->t0_us) / 1000u;
}

void sim_say(const struct sim *s, const char *fmt, ...)
{
	va_list ap;
	uint64_t us = mono_us() - s->t0_us;

	printf("[%4llu.%03llu] %s%s", (unsigned long long)(us / 1000000u),
	       (unsigned long long)(us / 1000u % 1000u), s->o.tag ? s->o.tag : "",
	       s->o.tag ? " " : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

const char *sim_cstate_name(enum sim_cstate st)
{
	return (unsigned)st < CS_COUNT ? cstate_names[st] : "?";
}

/* ---------------------------------------------------------------- calls */

struct sim_call *sim_call_new(struct sim *s, bool outgoing, const char *name)
{
	struct sim_call *c = calloc(1, sizeof(*c)), **tail;

	if (!c)
		return NULL;
	if (sim_tx_alloc(&c->tx, s->o.law) || sim_rx_alloc(&c->rx, s->o.law)) {
		sim_tx_free(c->tx);
		free(c);
		return NULL;
	}
	c->outgoing = outgoing;
	c->fd = -1;
	c->cause = -1;
	s->ncalls++;
	if (name && *name)
		snprintf(c->name, sizeof(c->name), "%s", name);
	else
		snprintf(c->name, sizeof(c->name), "c%u", s->ncalls);
	for (tail = &s->calls; *tail; tail = &(*tail)->next)
		;
	*tail = c;
	return c;
}

struct sim_call *sim_call_find(struct sim *s, const char *name)
{
	struct sim_call *found = NULL;

	/* the newest of that name: a script may reuse names across calls */
	for (struct sim_call *c = s->calls; c; c = c->next)
		if (!strcmp(c->name, name))
			found = c;
	return found;
}

void sim_call_set_state(struct sim *s, struct sim_call *call, enum sim_cstate st)
{
	if (call->state == st)
		return;
	if (st == CS_RELEASED && call->cause >= 0)
		sim_say(s, "evt   %s: %s -> %s (cause %d, cleared by %s)", call->name,
			sim_cstate_name(call->state), sim_cstate_name(st), call->cause,
			call->local_hangup ? "us" : "far end");
	else
		sim_say(s, "evt   %s: %s -> %s", call->name, sim_cstate_name(call->state),
			sim_cstate_name(st));
	call->state = st;
}

void sim_calls_free(struct sim *s)
{
	while (s->calls) {
		struct sim_call *c = s->calls;

		s->calls = c->next;
		sim_bchan_close(c);
		sim_tx_free(c->tx);
		sim_rx_free(c->rx);
		sim_fax_free(c->fax);
		free(c);
	}
}

/* ---------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fputs("usage: pstnsim --dchan N [--bchans LIST] [--role net|cpe] [--switch NAME]\n"
	      "               [--law alaw|ulaw] [--tag TEXT] [--keep-going] [--debug]\n"
	      "               [--dtmf-timing ON/OFF] (--script FILE | -e 'step; step' ...)\n"
	      "       pstnsim --check (--script FILE | -e ...)    parse only, no DAHDI\n"
	      "LIST: DAHDI channels, e.g. 1-15,17-31. Switches: euroisdn ni2 ni1 dms100 4ess 5ess\n"
	      "qsig euroisdn_t1. Steps: see tests/pstnsim/README.md. Exit 0 = every step passed.\n",
	      f);
}

/* "1-15,17-31" (DAHDI channel numbers) into timeslots relative to base. */
static int parse_chanlist(const char *list, int base, bool *ts)
{
	const char *p = list;

	memset(ts, 0, sizeof(bool) * SIM_MAX_TS);
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			return EINVAL;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1)
				return EINVAL;
			p = end;
		}
		if (a > b || a - base < 1 || b - base >= SIM_MAX_TS)
			return ERANGE;
		for (long k = a; k <= b; k++)
			ts[k - base] = true;
		if (*p == ',')
			p++;
		else if (*p)
			return EINVAL;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MAX_SCRIPT + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_SCRIPT, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int append(char **text, const char *more)
{
	size_t a = *text ? strlen(*text) : 0, b = strlen(more);
	char *n = realloc(*text, a + b + 2);

	if (!n)
		return ENOMEM;
	memcpy(n + a, more, b);
	n[a + b] = '\n';
	n[a + b + 1] = '\0';
	*text = n;
	return 0;
}

/* ---------------------------------------------------------------- main loop */

static void loop_once(struct sim *s)
{
	struct pollfd pfd[1 + SIM_MAX_TS];
	struct sim_call *who[1 + SIM_MAX_TS];
	int n = 0, timeout;

	pfd[n].fd = s->line ? -1 : s->dfd;	/* an analog line has no D-channel */
	pfd[n].events = POLLIN | POLLPRI;
	who[n++] = NULL;
	for (struct sim_call *c = s->calls; c; c = c->next)
		if (c->fd >= 0 && n < 1 + SIM_MAX_TS) {
			pfd[n].fd = c->fd;
			pfd[n].events = POLLIN | POLLPRI;
			who[n++] = c;
		}
	timeout = s->line ? LOOP_TICK : sim_pri_timeout(s, LOOP_TICK);
	if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
		return;
	if (!s->line)
		sim_pri_poll(s, pfd[0].revents & POLLIN, pfd[0].revents & POLLPRI);
	for (int i = 1; i < n; i++)
		if (pfd[i].revents && who[i]->fd == pfd[i].fd)
			sim_bchan_io(s, who[i], pfd[i].revents);
	if (!s->line)
		sim_pri_tick(s);
}

static bool all_released(const struct sim *s)
{
	for (struct sim_call *c = s->calls; c; c = c->next)
		if (c->state != CS_RELEASED)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dchan", required_argument, NULL, 'd' },
		{ "bchans", required_argument, NULL, 'b' },
		{ "role", required_argument, NULL, 'r' },
		{ "switch", required_argument, NULL, 's' },
		{ "law", required_argument, NULL, 'l' },
		{ "script", required_argument, NULL, 'f' },
		{ "tag", required_argument, NULL, 't' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "debug", no_argument, NULL, 'D' },
		{ "check", no_argument, NULL, 'c' },
		{ "dtmf-timing", required_argument, NULL, 'T' },
		{ "analog", required_argument, NULL, 'a' },
		{ "cid", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim s = { .dfd = -1, .on_ring_cause = 21 };
	struct sim_script sc = { 0 };
	struct sim_run *run = NULL;
	const char *bchans = NULL;
	char *text = NULL, err[256];
	bool check = false;
	int opt, rc;
	uint64_t drain_end;

	s.o.network = true;
	s.o.switchtype = -1;
	s.o.dtmf_on_ms = 80;
	s.o.dtmf_off_ms = 80;
	s.t0_us = mono_us();
	log_set_all(LL_WARN);
	while ((opt = getopt_long(argc, argv, "d:b:r:s:l:f:t:e:kDchT:a:C:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			s.o.dchan = atoi(optarg);
			break;
		case 'b':
			bchans = optarg;
			break;
		case 'r':
			if (!strcmp(optarg, "net") || !strcmp(optarg, "network"))
				s.o.network = true;
			else if (!strcmp(optarg, "cpe") || !strcmp(optarg, "user"))
				s.o.network = false;
			else if (!strcmp(optarg, "phone"))	/* analog: the phone */
				s.o.network = true;
			else if (!strcmp(optarg, "exchange"))	/* analog: the exchange line */
				s.o.network = false;
			else
				goto bad;
			break;
		case 's':
			for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++)
				if (!strcmp(optarg, switches[i].name))
					s.o.switchtype = switches[i].type;
			if (s.o.switchtype < 0)
				goto bad;
			break;
		case 'l':
			if (sim_law_parse(optarg, &s.o.law))
				goto bad;
			s.o.law_given = true;
			break;
		case 'f': {
			char *f = read_file(optarg);
			if (!f) {
				fprintf(stderr, "pstnsim: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			rc = append(&text, f);
			free(f);
			if (rc)
				return 2;
			break;
		}
		case 'e':
			if (append(&text, optarg))
				return 2;
			break;
		case 't':
			s.o.tag = optarg;
			break;
		case 'k':
			s.o.keep_going = true;
			break;
		case 'D':
			s.o.debug = true;
			log_set_all(LL_DEBUG);
			break;
		case 'c':
			check = true;
			break;
		case 'T':
			if (sscanf(optarg, "%u/%u", &s.o.dtmf_on_ms, &s.o.dtmf_off_ms) != 2 ||
			    s.o.dtmf_on_ms < 20 || s.o.dtmf_off_ms < 20)
				goto bad;
			break;
		case 'a':
			s.o.analog = atoi(optarg);
			if (s.o.analog <= 0)
				goto bad;
			break;
		case 'C':
			if (!strcmp(optarg, "bell202"))
				s.o.cid_std = 0;
			else if (!strcmp(optarg, "v23"))
				s.o.cid_std = 1;
			else if (!strcmp(optarg, "dtmf"))
				s.o.cid_std = 2;
			else
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc || !text || (!check && s.o.dchan <= 0 && s.o.analog <= 0))
		goto bad;
	if (sim_script_parse(&sc, text, err, sizeof(err))) {
		fprintf(stderr, "pstnsim: script %s\n", err);
		free(text);
		return 2;
	}
	free(text);
	if (check) {
		for (size_t i = 0; i < sc.n; i++)
			printf("L%-3u %s%s%s\n", sc.cmds[i].line, sc.cmds[i].negate ? "! " : "",
			       sim_op_name(sc.cmds[i].op),
			       *sc.cmds[i].target ? " (targeted)" : "");
		sim_script_free(&sc);
		return 0;
	}

	if (s.o.analog) {
		rc = sim_analog_open(&s);
		if (rc || sim_run_alloc(&run, &s, &sc)) {
			fprintf(stderr, "pstnsim: analog channel %d: %s\n", s.o.analog,
				strerror(rc ? rc : ENOMEM));
			return 2;
		}
		while (!sim_run_step(run))
			loop_once(&s);
		/* the line goes back on-hook; a short linger for the far end to see it */
		(void)sim_analog_step(&s, &(struct sim_cmd){ .op = OP_ONHOOK }, true, 0, 0, err,
				      sizeof(err));
		drain_end = sim_now(&s) + LINGER_MS;
		while (sim_now(&s) < drain_end)
			loop_once(&s);
		sim_print_summary(&s);
		sim_say(&s, "RESULT %s (%u failed step%s)", s.failures ? "FAIL" : "PASS",
			s.failures, s.failures == 1 ? "" : "s");
		sim_run_free(run);
		sim_analog_close(&s);
		sim_calls_free(&s);
		sim_script_free(&sc);
		return s.failures ? 1 : 0;
	}
	rc = sim_dahdi_probe(&s);
	if (rc) {
		fprintf(stderr, "pstnsim: D-channel %d: %s\n", s.o.dchan, strerror(rc));
		return 2;
	}
	if (bchans) {
		rc = parse_chanlist(bchans, s.o.base, s.o.bchan);
		if (rc) {
			fprintf(stderr, "pstnsim: --bchans %s: not channels of this span\n", bchans);
			return 2;
		}
		s.o.bchans_given = true;
	}
	rc = sim_pri_open(&s);
	/* libpri adds Sending Complete to every SETUP unless overlap dialling is on. */
	for (size_t k = 0; rc == 0 && k < sc.n; k++)
		if (sc.cmds[k].op == OP_CALL && sc.cmds[k].overlap)
			pri_set_overlapdial(s.pri, 1);
	if (rc || sim_run_alloc(&run, &s, &sc)) {
		fprintf(stderr, "pstnsim: D-channel %d: %s\n", s.o.dchan, strerror(rc ? rc : ENOMEM));
		return 2;
	}
	while (!sim_run_step(run))
		loop_once(&s);

	/* clear what the script left up, then let RELEASE / RELEASE COMPLETE finish */
	for (struct sim_call *c = s.calls; c; c = c->next)
		if (c->state != CS_RELEASED && c->state != CS_DISCONNECTING)
			(void)sim_pri_hangup(&s, c, 16);
	drain_end = sim_now(&s) + DRAIN_MS;
	while (!all_released(&s) && sim_now(&s) < drain_end)
		loop_once(&s);
	drain_end = sim_now(&s) + LINGER_MS;
	while (sim_now(&s) < drain_end)
		loop_once(&s);
	sim_print_summary(&s);
	sim_say(&s, "RESULT %s (%u failed step%s, %u call%s)", s.failures ? "FAIL" : "PASS",
		s.failures, s.failures == 1 ? "" : "s", s.ncalls, s.ncalls == 1 ? "" : "s");
	sim_run_free(run);
	sim_calls_free(&s);
	sim_script_free(&sc);
	sim_pri_close(&s);
	return s.failures ? 1 : 0;
bad:
	usage(stderr);
	free(text);
	return 2;
}
