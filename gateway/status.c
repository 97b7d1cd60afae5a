/* The daemon's resource status on SIGUSR1: one "key=value" line in a file, for tests and
 * operators to compare before and after calls (a leak shows as a count that does not
 * return). The counts come from the objects themselves, never from log text. */
#include "gateway/gw.h"
#include "gateway/status.h"
#include "gateway/legs.h"
#include "gateway/ctl_cmd.h"

#include "common/log.h"
#include "gateway/pri_link.h"
#include "gateway/span_group.h"
#include "media/engine.h"
#include "tdm/bchan.h"
#include "tdm/pri.h"

#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* B-channels marked busy in the channel tables, over every running PRI span. */
static unsigned bchans_in_use(struct daemon *d)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->conf->nspans; i++) {
		const struct conf_span *cs = &d->conf->spans[i];
		struct span_group *g = gw_group_of_span(d, cs->number);

		if (!g)
			continue;
		for (unsigned pos = 1; pos < 32; pos++) {
			enum bchan_state st;
			struct bchan_ref ref = { cs->number, pos };

			if ((cs->bchans & (1u << pos)) &&
			    !bchan_state(span_group_chans(g), ref, &st) && st == BCHAN_BUSY)
				n++;
		}
	}
	return n;
}

/* Our open fds by kind. /dev/dahdi/ctl is left out: the span poll opens it for a moment. */
static void count_fds(unsigned *all, unsigned *sockets, unsigned *dahdi)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	char path[sizeof(e->d_name) + 16], target[256];

	*all = *sockets = *dahdi = 0;
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "/dev/dahdi/ctl"))
			continue;
		(*all)++;
		if (!strncmp(target, "socket:", 7))
			(*sockets)++;
		else if (!strncmp(target, "/dev/dahdi/", 11))
			(*dahdi)++;
	}
	closedir(dir);
}

void gw_status_get(struct daemon *d, struct ctl_status *st)
{
	struct media_engine_stats ms;
	size_t n = 0;

	*st = (struct ctl_status){ .calls = d->calls.ncalls, .calls_created = d->calls.next_id };
	count_fds(&st->fds, &st->sockets, &st->dahdi_fds);
	media_engine_stats(d->media, &ms);
	st->media_channels = ms.channels;
	st->bchan_in_use = bchans_in_use(d);
	for (unsigned i = 0; i < d->nlinks; i++) {
		struct pri_span *ps = pri_link_pri(d->links[i]);

		if (ps && pri_span_dchan_up(ps) && n < sizeof(st->dchan_up))
			n += (size_t)snprintf(st->dchan_up + n, sizeof(st->dchan_up) - n, "%s%u",
					      n ? "," : "", pri_link_span(d->links[i]));
	}
	if (!n)
		snprintf(st->dchan_up, sizeof(st->dchan_up), "-");
}

unsigned gw_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max)
{
	unsigned n = leg_fxs_port_rows(d, rows, max);

	return n + leg_fxo_port_rows(d, n < max ? rows + n : rows, n < max ? max - n : 0);
}

void gw_port_dump(struct daemon *d, FILE *out)
{
	struct ctl_port_row *rows = calloc(CTL_MAX_ROWS, sizeof(*rows));
	unsigned n = rows ? gw_port_rows(d, rows, CTL_MAX_ROWS) : 0;

	for (unsigned i = 0; i < n && i < CTL_MAX_ROWS; i++) {
		const struct ctl_port_row *r = &rows[i];
		fprintf(out, "port %u:%u %s number=%s hook=%s state=%s ringing=%s reg=%s",
			r->span, r->pos, r->kind, r->number[0] ? r->number : "-",
			r->offhook ? "off" : "on", r->state, r->ringing ? "yes" : "no", r->reg);
		if (r->user[0])
			fprintf(out, " user=%s", r->user);
		if (r->expires >= 0)
			fprintf(out, " expires=%d", r->expires);
		fprintf(out, " call=%llu\n", (unsigned long long)r->call_id);
	}
	free(rows);
}

int gw_status_write(struct daemon *d, const char *path)
{
	struct ctl_status st;
	char tmp[4096 + 8];
	FILE *f;

	if (!path || !path[0])
		return EINVAL;
	gw_status_get(d, &st);	/* before the file adds an fd */
	/* Written aside and renamed: a reader never sees half a line. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return errno;
	fprintf(f, "seq=%llu calls=%u calls_created=%llu media_channels=%u bchan_in_use=%u fds=%u "
		"sockets=%u dahdi_fds=%u dchan_up=%s\n", (unsigned long long)++d->status_seq,
		st.calls, (unsigned long long)st.calls_created, st.media_channels, st.bchan_in_use,
		st.fds, st.sockets, st.dahdi_fds, st.dchan_up);
	/* then one line per analog port: the port state dump */
	gw_port_dump(d, f);
	if (fclose(f)) {
		int err = errno;
		unlink(tmp);
		return err;
	}
	if (rename(tmp, path)) {
		int err = errno;
		unlink(tmp);
		return err;
	}
	return 0;
}
