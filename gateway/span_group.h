/* A trunk group of PRI spans as the daemon runs it: one B-channel table (tdm/bchan) that
 * its spans share, with the group's hunt order, and the placing of an outgoing call on the
 * first span, in that order, that takes it. A [group NAME] of the config is one; so is
 * every PRI span in no group (a group of one, named "span N").
 *
 * I/O-free: the SETUP itself goes out through a callback (gateway/call.c: pri_call_place()
 * on the span's D-channel). The spans of a group never share a D-channel (no NFAS, Q.931
 * Annex F): a call's channel is always on the span its SETUP is sent on. */
#ifndef STROWGER_GATEWAY_SPAN_GROUP_H
#define STROWGER_GATEWAY_SPAN_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "tdm/bchan.h"

struct span_group;

struct span_group_params {
	const char *name;			/* "pbx", or "span 2": for logs; copied */
	const struct conf_span *const *spans;	/* PRI spans in hunt order */
	unsigned nspans;			/* 1..CONF_GROUP_MAX_SPANS */
	enum conf_hunt hunt;			/* over the whole group */
};

/* Build the group's channel table: the first span's bearer channels in position order, then
 * the next span's... (tdm/bchan.h: ascending, descending and round robin run over it). Every
 * channel starts free, every span unusable until its D-channel comes up. 0, EINVAL (no span,
 * too many, one twice, a span without bearer channels) or ENOMEM. */
int span_group_alloc(struct span_group **gp, const struct span_group_params *p);

/* NULL is a no-op. */
void span_group_free(struct span_group *g);

/* How a config groups its PRI spans: its [group]s in file order, then a group of one
 * ("span N", with the span's own hunt) for each PRI span in none. The daemon builds its
 * groups from this at start, and a reload rebuilds those that differ. */
struct span_group_def {
	char name[CONF_NAME_MAX + 8];
	const struct conf_span *spans[CONF_GROUP_MAX_SPANS];	/* into the conf */
	unsigned nspans;
	enum conf_hunt hunt;
};

/* Fill defs (room for max: conf->ngroups + conf->nspans is always enough) and return how
 * many groups the config has; those past max are left out. */
unsigned span_group_defs(const struct conf *conf, struct span_group_def *defs, unsigned max);

/* span_group_alloc() for a def. */
int span_group_alloc_def(struct span_group **gp, const struct span_group_def *def);

/* Whether g runs as def says: same name, same spans in the same order, same hunt. */
bool span_group_is(const struct span_group *g, const struct span_group_def *def);

enum conf_hunt span_group_hunt(const struct span_group *g);

/* "2 spans, 53 B-channels, hunt descending", for logs. */
void span_group_describe(const struct span_group *g, char *buf, size_t len);

const char *span_group_name(const struct span_group *g);

/* The channel table, shared with tdm/pri (struct pri_span_params.chans) by every span of the
 * group: it marks spans usable or not and frees channels. Owned by the group. */
struct bchan_group *span_group_chans(const struct span_group *g);

/* Whether the DAHDI span number is one of the group's. */
bool span_group_has(const struct span_group *g, unsigned span);

/* Send the call's SETUP on chan.span with chan as the preferred channel (it is free on a
 * usable span when this is called). Return 0 when the call is placed. Return ENOTCONN,
 * EBUSY or EIO only when nothing went out on that span (D-channel not running, no channel
 * after all, libpri refused the SETUP): the next span of the group is then tried. Any other
 * value (EINVAL, ENOMEM, ...) ends the hunt: the call fails with *cause. *cause is the
 * Q.850 cause of a failure. */
typedef int (span_group_place_h)(struct bchan_ref chan, int *cause, void *arg);

struct span_group_result {
	struct bchan_ref chan;			/* placed: the call's channel */
	unsigned failed[CONF_GROUP_MAX_SPANS];	/* spans that could not take it, in order */
	int failed_err[CONF_GROUP_MAX_SPANS];	/* the place_h result on each */
	unsigned nfailed;
	int cause;				/* not placed: the Q.850 cause */
};

/* Place a call on the group: the hunt picks a free channel on a usable span (D-channel up,
 * no alarm), place() sends the SETUP; when a span cannot take the call (see
 * span_group_place_h), the hunt goes on past that span. span 0 = any span of the group;
 * else that span only ("to = span N"). Returns 0 (res->chan), or an errno value with
 * res->cause set:
 *   ENOTCONN  38  none of the spans that may take it is usable (nothing was tried);
 *   EBUSY     34  no free channel on any of them (nothing was tried);
 *   otherwise     what place() returned on the last span tried, and its cause.
 * EINVAL (cause 41) for bad arguments or a span not in the group. */
int span_group_place(struct span_group *g, unsigned span, span_group_place_h *place, void *arg,
		     struct span_group_result *res);

/* The channel span_group_place() would try first, without taking it (to know the span's
 * line law before the call is placed). 0, or EBUSY when nothing is free and usable. */
int span_group_peek(const struct span_group *g, unsigned span, struct bchan_ref *out);

#endif
