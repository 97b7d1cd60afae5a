/* B-channel selection: the channel table of a group and Q.931 §5.1.2/§5.2.3 selection. */
#include "tdm/bchan.h"

#include <errno.h>
#include <stdlib.h>

struct chan {
	struct bchan_ref ref;
	enum bchan_state state;
	bool oos_after_call;	/* taken out of service while busy */
	bool span_down;		/* its span is unusable */
};

struct bchan_group {
	struct chan *chans;
	unsigned nchans;
	enum bchan_hunt hunt;
	unsigned rr_next;	/* index the next round-robin hunt starts at */
};

static const char *const state_names[] = {
	[BCHAN_FREE] = "free",
	[BCHAN_BUSY] = "busy",
	[BCHAN_OOS] = "out of service",
};

const char *bchan_state_name(enum bchan_state state)
{
	if ((unsigned)state >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[state];
}

static bool ref_eq(struct bchan_ref a, struct bchan_ref b)
{
	return a.span == b.span && a.pos == b.pos;
}

static int find(const struct bchan_group *g, struct bchan_ref ref)
{
	for (unsigned i = 0; i < g->nchans; i++)
		if (ref_eq(g->chans[i].ref, ref))
			return (int)i;
	return -1;
}

/* The channel ref names in g: 0 with *cp set, EINVAL (no group) or ENOENT (not in it). */
static int lookup(const struct bchan_group *g, struct bchan_ref ref, struct chan **cp)
{
	int i;

	if (!g)
		return EINVAL;
	i = find(g, ref);
	if (i < 0)
		return ENOENT;
	*cp = (struct chan *)&g->chans[i];
	return 0;
}

int bchan_alloc(struct bchan_group **gp, const struct bchan_params *p)
{
	struct bchan_group *g;

	if (!gp || !p || !p->chans || !p->nchans || p->hunt > BCHAN_HUNT_RR)
		return EINVAL;
	for (unsigned i = 0; i < p->nchans; i++) {
		if (!p->chans[i].pos)
			return EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (ref_eq(p->chans[i], p->chans[j]))
				return EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return ENOMEM;
	g->chans = calloc(p->nchans, sizeof(*g->chans));
	if (!g->chans) {
		free(g);
		return ENOMEM;
	}
	for (unsigned i = 0; i < p->nchans; i++)
		g->chans[i].ref = p->chans[i];
	g->nchans = p->nchans;
	g->hunt = p->hunt;
	*gp = g;
	return 0;
}

void bchan_free(struct bchan_group *g)
{
	if (!g)
		return;
	free(g->chans);
	free(g);
}

static bool selectable(const struct chan *c)
{
	return c->state == BCHAN_FREE && !c->span_down;
}

static void take(struct bchan_group *g, unsigned i, struct bchan_ref *out)
{
	g->chans[i].state = BCHAN_BUSY;
	g->rr_next = (i + 1) % g->nchans;
	*out = g->chans[i].ref;
}

static bool skipped(const struct bchan_req *req, unsigned span)
{
	for (unsigned i = 0; i < req->nskip; i++)
		if (req->skip[i] == span)
			return true;
	return false;
}

/* Hunt the group in its order for a selectable channel (on span, if span != 0). */
static int hunt(const struct bchan_group *g, const struct bchan_req *req, unsigned span)
{
	for (unsigned k = 0; k < g->nchans; k++) {
		unsigned i;

		switch (g->hunt) {
		case BCHAN_HUNT_DESC:
			i = g->nchans - 1 - k;
			break;
		case BCHAN_HUNT_RR:
			i = (g->rr_next + k) % g->nchans;
			break;
		case BCHAN_HUNT_ASC:
		default:
			i = k;
			break;
		}
		if (span && g->chans[i].ref.span != span)
			continue;
		if (req->nskip && skipped(req, g->chans[i].ref.span))
			continue;
		if (selectable(&g->chans[i]))
			return (int)i;
	}
	return -1;
}

/* The index of the channel for req in g, or -1 with *cause set. */
static int choose(const struct bchan_group *g, const struct bchan_req *req, int *cause)
{
	unsigned span = req->span_only ? req->chan.span : 0;
	int i;

	if (req->want != BCHAN_WANT_ANY) {
		i = find(g, req->chan);
		if (i >= 0 && selectable(&g->chans[i]))
			return i;
		if (req->want == BCHAN_WANT_EXCLUSIVE) {
			/* §5.2.3.1 c): the indicated channel is the only acceptable one. */
			*cause = i < 0 ? BCHAN_CAUSE_CHAN_NOT_EXIST : BCHAN_CAUSE_CHAN_UNAVAIL;
			return -1;
		}
		/* Preferred but not available: §5.2.3.1 b), any other channel. */
	}
	i = hunt(g, req, span);
	if (i < 0)
		*cause = BCHAN_CAUSE_NO_CIRCUIT;
	return i;
}

static bool req_valid(const struct bchan_req *req)
{
	return req && req->want <= BCHAN_WANT_EXCLUSIVE && (!req->nskip || req->skip);
}

/* The index of the channel req selects, or -EINVAL / -EBUSY (*cause set). */
static int pick(const struct bchan_group *g, const struct bchan_req *req,
		const struct bchan_ref *out, int *cause)
{
	if (!g || !req_valid(req) || !out || !cause)
		return -EINVAL;
	int i = choose(g, req, cause);
	return i < 0 ? -EBUSY : i;
}

int bchan_acquire(struct bchan_group *g, const struct bchan_req *req, struct bchan_ref *out,
		  int *cause)
{
	int i = pick(g, req, out, cause);

	if (i < 0)
		return -i;
	take(g, (unsigned)i, out);
	return 0;
}

int bchan_select(const struct bchan_group *g, const struct bchan_req *req,
		 struct bchan_ref *out, int *cause)
{
	int i = pick(g, req, out, cause);

	if (i < 0)
		return -i;
	*out = g->chans[i].ref;
	return 0;
}

int bchan_release(struct bchan_group *g, struct bchan_ref ref)
{
	struct chan *c;
	int err = lookup(g, ref, &c);

	if (err)
		return err;
	if (c->state != BCHAN_BUSY)
		return EALREADY;
	c->state = c->oos_after_call ? BCHAN_OOS : BCHAN_FREE;
	c->oos_after_call = false;
	return 0;
}

int bchan_set_service(struct bchan_group *g, struct bchan_ref ref, bool in_service)
{
	struct chan *c;
	int err = lookup(g, ref, &c);

	if (err)
		return err;
	if (c->state == BCHAN_BUSY)
		c->oos_after_call = !in_service;
	else
		c->state = in_service ? BCHAN_FREE : BCHAN_OOS;
	return 0;
}

int bchan_reset(struct bchan_group *g, struct bchan_ref ref)
{
	struct chan *c;
	int err = lookup(g, ref, &c);

	if (err)
		return err;
	if (c->state == BCHAN_BUSY)
		c->state = c->oos_after_call ? BCHAN_OOS : BCHAN_FREE;
	c->oos_after_call = false;
	return 0;
}

unsigned bchan_set_span_usable(struct bchan_group *g, unsigned span, bool usable)
{
	unsigned n = 0;

	if (!g)
		return 0;
	for (unsigned i = 0; i < g->nchans; i++)
		if (g->chans[i].ref.span == span) {
			g->chans[i].span_down = !usable;
			n++;
		}
	return n;
}

bool bchan_span_usable(const struct bchan_group *g, unsigned span)
{
	if (!g)
		return false;
	for (unsigned i = 0; i < g->nchans; i++)
		if (g->chans[i].ref.span == span)
			return !g->chans[i].span_down;
	return false;
}

int bchan_state(const struct bchan_group *g, struct bchan_ref ref, enum bchan_state *state)
{
	struct chan *c;
	int err = state ? lookup(g, ref, &c) : EINVAL;

	if (err)
		return err;
	*state = c->state;
	return 0;
}

unsigned bchan_available(const struct bchan_group *g, unsigned span)
{
	unsigned n = 0;

	if (!g)
		return 0;
	for (unsigned i = 0; i < g->nchans; i++)
		if ((!span || g->chans[i].ref.span == span) && selectable(&g->chans[i]))
			n++;
	return n;
}

bool bchan_contains(const struct bchan_group *g, struct bchan_ref ref)
{
	return g && find(g, ref) >= 0;
}
