/* Trunk groups of PRI spans: one shared channel table, placing a call span after span. */
#include "gateway/span_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdm/bchan.h"

#define Q850_NO_CIRCUIT		34
#define Q850_NETWORK_OUT_OF_ORDER 38
#define Q850_TEMPORARY_FAILURE	41

struct span_group {
	char name[CONF_NAME_MAX + 8];
	struct bchan_group *chans;
	unsigned spans[CONF_GROUP_MAX_SPANS];
	unsigned nspans;
	enum conf_hunt hunt;
	unsigned nchans;
};

int span_group_alloc(struct span_group **gp, const struct span_group_params *p)
{
	static const enum bchan_hunt hunts[] = {
		[HUNT_ASCENDING] = BCHAN_HUNT_ASC, [HUNT_DESCENDING] = BCHAN_HUNT_DESC,
		[HUNT_ROUNDROBIN] = BCHAN_HUNT_RR,
	};
	struct bchan_ref refs[CONF_GROUP_MAX_SPANS * CONF_MAX_CHANS];
	struct span_group *g;
	unsigned n = 0;
	int err;

	if (!gp || !p || !p->name || !p->spans || !p->nspans ||
	    p->nspans > CONF_GROUP_MAX_SPANS || (unsigned)p->hunt > HUNT_ROUNDROBIN)
		return EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return ENOMEM;
	snprintf(g->name, sizeof(g->name), "%s", p->name);
	g->hunt = p->hunt;
	for (unsigned i = 0; i < p->nspans; i++) {
		const struct conf_span *cs = p->spans[i];
		unsigned before = n;

		for (unsigned k = 0; k < g->nspans; k++)
			if (g->spans[k] == cs->number) {
				err = EINVAL;
				goto out;
			}
		g->spans[g->nspans++] = cs->number;
		for (unsigned pos = 1; pos <= CONF_MAX_CHANS; pos++)
			if (cs->bchans & (UINT32_C(1) << pos))
				refs[n++] = (struct bchan_ref){ .span = cs->number, .pos = pos };
		if (n == before) {
			err = EINVAL;
			goto out;
		}
	}
	g->nchans = n;
	err = bchan_alloc(&g->chans, &(struct bchan_params){ .chans = refs, .nchans = n,
							     .hunt = hunts[p->hunt] });
	if (err)
		goto out;
	/* Nothing is usable before its D-channel is up (tdm/pri says when). */
	for (unsigned i = 0; i < g->nspans; i++)
		(void)bchan_set_span_usable(g->chans, g->spans[i], false);
out:
	if (err) {
		span_group_free(g);
		return err;
	}
	*gp = g;
	return 0;
}

void span_group_free(struct span_group *g)
{
	if (!g)
		return;
	bchan_free(g->chans);
	free(g);
}

unsigned span_group_defs(const struct conf *conf, struct span_group_def *defs, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; conf && i < conf->ngroups; i++, n++) {
		const struct conf_group *cg = &conf->groups[i];
		struct span_group_def *def = n < max ? &defs[n] : NULL;

		if (!def)
			continue;
		*def = (struct span_group_def){ .nspans = cg->spans.n, .hunt = cg->hunt };
		snprintf(def->name, sizeof(def->name), "%s", cg->name);
		/* conf/ checked that each is a PRI span of the file */
		for (unsigned k = 0; k < cg->spans.n && k < CONF_GROUP_MAX_SPANS; k++)
			def->spans[k] = conf_span_find(conf, cg->spans.span[k]);
	}
	for (unsigned i = 0; conf && i < conf->nspans; i++) {
		const struct conf_span *cs = &conf->spans[i];

		if ((cs->sig != SIG_PRI_CPE && cs->sig != SIG_PRI_NET) ||
		    conf_span_group(conf, cs->number))
			continue;
		if (n < max) {
			defs[n] = (struct span_group_def){ .spans = { cs }, .nspans = 1,
							   .hunt = cs->hunt };
			snprintf(defs[n].name, sizeof(defs[n].name), "span %u", cs->number);
		}
		n++;
	}
	return n;
}

int span_group_alloc_def(struct span_group **gp, const struct span_group_def *def)
{
	if (!def)
		return EINVAL;
	for (unsigned k = 0; k < def->nspans && k < CONF_GROUP_MAX_SPANS; k++)
		if (!def->spans[k])
			return EINVAL;
	return span_group_alloc(gp, &(struct span_group_params){
		.name = def->name, .spans = def->spans, .nspans = def->nspans, .hunt = def->hunt });
}

bool span_group_is(const struct span_group *g, const struct span_group_def *def)
{
	if (!g || !def || strcmp(g->name, def->name) || g->nspans != def->nspans ||
	    g->hunt != def->hunt)
		return false;
	for (unsigned k = 0; k < g->nspans; k++)
		if (!def->spans[k] || def->spans[k]->number != g->spans[k])
			return false;
	return true;
}

enum conf_hunt span_group_hunt(const struct span_group *g)
{
	return g ? g->hunt : HUNT_ASCENDING;
}

void span_group_describe(const struct span_group *g, char *buf, size_t len)
{
	static const char *const hunts[] = { "ascending", "descending", "roundrobin" };

	if (g && buf && len)
		snprintf(buf, len, "%u span%s, %u B-channels, hunt %s", g->nspans,
			 g->nspans == 1 ? "" : "s", g->nchans, hunts[g->hunt]);
}

const char *span_group_name(const struct span_group *g)
{
	return g ? g->name : "";
}

struct bchan_group *span_group_chans(const struct span_group *g)
{
	return g ? g->chans : NULL;
}

bool span_group_has(const struct span_group *g, unsigned span)
{
	for (unsigned i = 0; g && i < g->nspans; i++)
		if (g->spans[i] == span)
			return true;
	return false;
}

/* Whether a span that may take the call (span, or any of the group's) is usable. */
static bool any_usable(const struct span_group *g, unsigned span)
{
	if (span)
		return bchan_span_usable(g->chans, span);
	for (unsigned i = 0; i < g->nspans; i++)
		if (bchan_span_usable(g->chans, g->spans[i]))
			return true;
	return false;
}

static struct bchan_req hunt_req(unsigned span, const unsigned *skip, unsigned nskip)
{
	return (struct bchan_req){
		.want = BCHAN_WANT_ANY,
		.chan = { .span = span },
		.span_only = span != 0,
		.skip = skip,
		.nskip = nskip,
	};
}

int span_group_peek(const struct span_group *g, unsigned span, struct bchan_ref *out)
{
	struct bchan_req req = hunt_req(span, NULL, 0);
	int cause;

	if (!g || !out || (span && !span_group_has(g, span)))
		return EINVAL;
	return bchan_select(g->chans, &req, out, &cause);
}

/* A span that could not take the call, without anything sent on it: try the next one. */
static bool try_next(int err)
{
	return err == ENOTCONN || err == EBUSY || err == EIO;
}

int span_group_place(struct span_group *g, unsigned span, span_group_place_h *place, void *arg,
		     struct span_group_result *res)
{
	int last = 0;

	if (!res)
		return EINVAL;
	*res = (struct span_group_result){ .cause = Q850_TEMPORARY_FAILURE };
	if (!g || !place || (span && !span_group_has(g, span)))
		return EINVAL;
	/* Each pass either places the call or adds one span to res->failed: at most nspans. */
	for (;;) {
		struct bchan_req req = hunt_req(span, res->failed, res->nfailed);
		struct bchan_ref chan;
		int cause = Q850_TEMPORARY_FAILURE, err;

		if (bchan_select(g->chans, &req, &chan, &cause)) {
			if (res->nfailed)
				return last;	/* res->cause: the last span's */
			if (!any_usable(g, span)) {
				res->cause = Q850_NETWORK_OUT_OF_ORDER;
				return ENOTCONN;
			}
			res->cause = Q850_NO_CIRCUIT;
			return EBUSY;
		}
		err = place(chan, &cause, arg);
		if (!err) {
			res->chan = chan;
			return 0;
		}
		res->cause = cause;
		if (!try_next(err) || res->nfailed == CONF_GROUP_MAX_SPANS)
			return err;
		res->failed_err[res->nfailed] = err;
		res->failed[res->nfailed++] = chan.span;
		last = err;
	}
}
