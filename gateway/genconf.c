/* strowger genconf: system.conf and [span] sections from DAHDI's spans. */
#include "gateway/genconf.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GENCONF_MAX_SPANS 64

/* "32-46,48-62": the global channel numbers (chan) or span positions (!chan) of the
 * positions in mask. */
static void print_list(FILE *out, const struct dahdi_report_span *rs, uint64_t mask, bool chan)
{
	bool first = true;

	for (unsigned pos = 1; pos <= rs->nchans; pos++) {
		if (!(mask & (UINT64_C(1) << pos)))
			continue;
		unsigned end = pos;
		while (end + 1 <= rs->nchans && (mask & (UINT64_C(1) << (end + 1))))
			end++;
		unsigned a = chan ? rs->chans[pos - 1].channo : pos;
		unsigned b = chan ? rs->chans[end - 1].channo : end;
		fprintf(out, "%s%u", first ? "" : ",", a);
		if (b != a)
			fprintf(out, "-%u", b);
		first = false;
		pos = end;
	}
}

static uint64_t all_positions(unsigned n)
{
	return ((UINT64_C(1) << (n + 1)) - 1) & ~UINT64_C(1);
}

int genconf_write(const struct genconf_span *spans, unsigned n, const char *zone, FILE *sys,
		  FILE *out, const char **why)
{
	static const char *const roles[] = {
		[GENCONF_PBX] = "PRI toward a PBX: we are the network side",
		[GENCONF_CARRIER] = "PRI toward a carrier: we are the user side",
		[GENCONF_FXS] = "FXS ports: phones on fxoks channels",
		[GENCONF_FXO] = "FXO ports: exchange lines on fxsks channels",
	};
	static const char *const sigs[] = {
		[GENCONF_PBX] = "pri_net", [GENCONF_CARRIER] = "pri_cpe",
		[GENCONF_FXS] = "fxs", [GENCONF_FXO] = "fxo",
	};

	static char why_buf[128];	/* *why: the one error, for the caller to print */
	int carriers = 0;

	fprintf(sys, "# DAHDI configuration for dahdi_cfg, written by strowger genconf: %u span%s.\n"
		"# span=N,timing,lbo,framing,coding[,crc4]: timing 0 = never our clock source,\n"
		"# 1 = the first one to take the clock from (a carrier), 2 the next...\n",
		n, n == 1 ? "" : "s");
	fprintf(out, "; [span] sections matching the system.conf strowger genconf wrote: copy them\n"
		"; into strowger.conf (strowger --check compares both with DAHDI).\n");
	for (unsigned i = 0; i < n; i++) {
		const struct genconf_span *g = &spans[i];
		const struct dahdi_report_span *rs = &g->rs;
		enum dahdi_report_type t = dahdi_report_type(rs, NULL);
		bool analog = g->role == GENCONF_FXS || g->role == GENCONF_FXO;
		bool e1;

		if (g->e1 >= 0)
			e1 = g->e1;
		else if (t == DR_TYPE_E1 || t == DR_TYPE_T1)
			e1 = t == DR_TYPE_E1;
		else if (rs->nchans == 31 || rs->nchans == 24 || t == DR_TYPE_ANALOG)
			e1 = rs->nchans == 31;	/* dynamic spans: the channel count tells */
		else {
			snprintf(why_buf, sizeof(why_buf), "span %u: DAHDI does not tell whether it "
				 "is E1 or T1: give e1 or t1", rs->spanno);
			*why = why_buf;
			return EINVAL;
		}
		if (!analog && rs->nchans != (e1 ? 31u : 24u)) {
			snprintf(why_buf, sizeof(why_buf), "span %u: %s PRI needs %u channels, DAHDI "
				 "shows %u", rs->spanno, e1 ? "an E1" : "a T1", e1 ? 31 : 24,
				 rs->nchans);
			*why = why_buf;
			return EINVAL;
		}
		unsigned dpos = analog ? 0 : e1 ? 16 : 24;
		uint64_t b = all_positions(rs->nchans) & ~(dpos ? UINT64_C(1) << dpos : 0);
		/* Carrier spans are clock sources in the order given; a PBX syncs to us. */
		int timing = g->timing >= 0 ? g->timing :
			     g->role == GENCONF_CARRIER ? ++carriers : 0;

		fprintf(sys, "\n# span %u: %s \"%s\": %s, %s\n", rs->spanno, rs->name, rs->desc,
			e1 ? "E1" : "T1", roles[g->role]);
		if (t != DR_TYPE_ANALOG) {
			if (e1)
				fprintf(sys, "span=%u,%d,%d,ccs,hdb3%s\n", rs->spanno, timing, g->lbo,
					g->crc4 ? ",crc4" : "");
			else
				fprintf(sys, "span=%u,%d,%d,%s\n", rs->spanno, timing, g->lbo,
					analog || !g->d4ami ? "esf,b8zs" : "d4,ami");
		}
		fputs(g->role == GENCONF_FXS ? "fxoks=" : g->role == GENCONF_FXO ? "fxsks=" :
		      "bchan=", sys);
		print_list(sys, rs, b, true);
		fputc('\n', sys);
		if (dpos)
			fprintf(sys, "dchan=%u\n", rs->chans[dpos - 1].channo);
		if (e1) {
			/* A card's E1 span is A-law already; a dynamic span defaults to mu-law. */
			fputs("alaw=", sys);
			print_list(sys, rs, b, true);
			fputc('\n', sys);
		}

		fprintf(out, "\n; %s \"%s\": %s\n[span %u]\ntype = %s\nsignalling = %s\n", rs->name,
			rs->desc, roles[g->role], rs->spanno, e1 ? "e1" : "t1", sigs[g->role]);
		if (!analog)
			fprintf(out, "switchtype = %s\n", g->switchtype ? g->switchtype :
				e1 ? "euroisdn" : "ni2");
		fputs("channels = ", out);
		print_list(out, rs, b, false);
		fputc('\n', out);
		if (dpos)
			fprintf(out, "dchannel = %u\n", dpos);
	}
	fprintf(sys, "\nloadzone=%s\ndefaultzone=%s\n", zone, zone);
	return 0;
}

static int parse_span(const char *arg, struct genconf_span *g, unsigned *spanno)
{
	static const char *const switches[] = {"euroisdn", "ni2", "dms100", "5ess", "4ess", "qsig"};
	char buf[256], *save = NULL, *tok, *e;
	unsigned long v = strtoul(arg, &e, 10);

	if (e == arg || *e != '=' || !v || v > 255)
		return EINVAL;
	*spanno = (unsigned)v;
	*g = (struct genconf_span){ .e1 = -1, .timing = -1, .crc4 = 1 };
	snprintf(buf, sizeof(buf), "%s", e + 1);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool known = false;
		if (!strcmp(tok, "pbx")) g->role = GENCONF_PBX;
		else if (!strcmp(tok, "carrier")) g->role = GENCONF_CARRIER;
		else if (!strcmp(tok, "fxs")) g->role = GENCONF_FXS;
		else if (!strcmp(tok, "fxo")) g->role = GENCONF_FXO;
		else if (!strcmp(tok, "e1")) g->e1 = 1;
		else if (!strcmp(tok, "t1")) g->e1 = 0;
		else if (!strcmp(tok, "nocrc4")) g->crc4 = 0;
		else if (!strcmp(tok, "d4")) g->d4ami = 1;
		else if (!strncmp(tok, "timing=", 7)) g->timing = atoi(tok + 7);
		else if (!strncmp(tok, "lbo=", 4)) g->lbo = atoi(tok + 4);
		else {
			for (unsigned k = 0; k < sizeof(switches) / sizeof(switches[0]); k++)
				if (!strcmp(tok, switches[k])) {
					g->switchtype = switches[k];
					known = true;
				}
			if (!known)
				return EINVAL;
		}
	}
	if (g->timing < -1 || g->timing > 255 || g->lbo < 0 || g->lbo > 7)
		return EINVAL;
	return 0;
}

/* Show what changes (diff -u), then write text to path unless it exists and force is off.
 * Returns 0 written (or unchanged), 1 refused, -1 failed. */
static int install(const char *path, const char *text, size_t len, bool force)
{
	char tmp[512];
	struct stat st;
	bool exists = !stat(path, &st);
	int fd;

	if (!strcmp(path, "-")) {
		fwrite(text, 1, len, stdout);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.genconf.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd)) {
		fprintf(stderr, "genconf: cannot write %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	if (exists) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execlp("diff", "diff", "-u", path, tmp, (char *)NULL);
			_exit(127);
		}
		int status = 0;
		if (pid > 0)
			waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("genconf: %s unchanged\n", path);
			unlink(tmp);
			return 0;
		}
		if (!force) {
			printf("genconf: %s exists; not replaced (--force replaces it)\n", path);
			unlink(tmp);
			return 1;
		}
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "genconf: cannot replace %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	chmod(path, 0644);
	printf("genconf: wrote %s\n", path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: strowger genconf --span N=ROLE[,OPTION...] [--span ...] [options]\n"
		"  ROLE: pbx (PRI, we are the network side), carrier (PRI, we are the user side),\n"
		"        fxs (analog ports facing phones), fxo (analog ports facing exchange lines)\n"
		"  OPTION: e1 | t1 (else from DAHDI), euroisdn | ni2 | dms100 | 5ess | 4ess | qsig,\n"
		"          timing=P (0 never our clock; default 1 for carrier, 0 otherwise),\n"
		"          nocrc4 (E1), d4 (T1 D4/AMI instead of ESF/B8ZS), lbo=0..7\n"
		"  --zone Z            tone zone (default us)\n"
		"  --system-conf PATH  DAHDI's file (default /etc/dahdi/system.conf; - stdout)\n"
		"  --spans-conf PATH   the [span] sections for strowger.conf (default - stdout)\n"
		"  --force             replace existing files (a diff is shown first either way)\n"
		"  --proc DIR, --sys DIR  where DAHDI reports (/proc/dahdi, /sys/bus/dahdi_spans/devices)\n"
		"Exit status: 0 written, 1 a file exists (nothing replaced), 2 usage or DAHDI error.\n");
}

int genconf_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"span", required_argument, NULL, 's'}, {"zone", required_argument, NULL, 'z'},
		{"system-conf", required_argument, NULL, 'y'},
		{"spans-conf", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
		{"proc", required_argument, NULL, 'p'}, {"sys", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'}, {0},
	};
	static struct genconf_span spans[GENCONF_MAX_SPANS];
	const char *zone = "us", *sys_path = "/etc/dahdi/system.conf", *spans_path = "-";
	const char *procdir = "/proc/dahdi", *sysdir = "/sys/bus/dahdi_spans/devices";
	unsigned nums[GENCONF_MAX_SPANS], n = 0;
	bool force = false;
	int c, rc = 2;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (n == GENCONF_MAX_SPANS || parse_span(optarg, &spans[n], &nums[n])) {
				fprintf(stderr, "genconf: bad --span '%s'\n", optarg);
				return 2;
			}
			n++;
			break;
		case 'z': zone = optarg; break;
		case 'y': sys_path = optarg; break;
		case 'o': spans_path = optarg; break;
		case 'f': force = true; break;
		case 'p': procdir = optarg; break;
		case 'S': sysdir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!n || optind < argc) {
		usage(stderr);
		return 2;
	}
	for (unsigned i = 0; i < n; i++) {
		int err = dahdi_report_read(&spans[i].rs, procdir, sysdir, nums[i]);
		if (err) {
			fprintf(stderr, "genconf: span %u: cannot read %s/%u: %s\n", nums[i], procdir,
				nums[i], strerror(err));
			return 2;
		}
	}

	char *sys_text = NULL, *spans_text = NULL;
	size_t sys_len = 0, spans_len = 0;
	FILE *sys = open_memstream(&sys_text, &sys_len);
	FILE *out = open_memstream(&spans_text, &spans_len);
	const char *why = "";
	int err = sys && out ? genconf_write(spans, n, zone, sys, out, &why) : ENOMEM;
	if (sys)
		fclose(sys);
	if (out)
		fclose(out);
	if (err) {
		fprintf(stderr, "genconf: %s\n", err == EINVAL ? why : strerror(err));
		goto out;
	}
	int a = install(sys_path, sys_text, sys_len, force);
	int b = install(spans_path, spans_text, spans_len, force);
	rc = a < 0 || b < 0 ? 2 : a || b ? 1 : 0;
out:
	free(sys_text);
	free(spans_text);
	return rc;
}
