/* A PRI span as the daemon runs it: libpri on its D-channel once DAHDI has opened it, with
 * the B-channel table of the span's group (gateway/span_group.h); events go to the call
 * layer. */
#ifndef STROWGER_PRI_LINK_H
#define STROWGER_PRI_LINK_H

#include <stdbool.h>

struct bchan_group;
struct conf_span;
struct daemon;
struct pri_link;
struct pri_span;
struct tdm_span;

/* chans: the channel table of the span's group, shared with its other spans; not owned,
 * it must outlive the link. */
int pri_link_alloc(struct pri_link **lp, struct daemon *d, const struct conf_span *cs,
		   struct tdm_span *tspan, struct bchan_group *chans);
void pri_link_free(struct pri_link *l);

/* The D-channel fd opened: start libpri on it. Closed: stop (calls are cleared). */
void pri_link_attach(struct pri_link *l, int fd);
void pri_link_detach(struct pri_link *l);

/* A reload put the span in another group: take its channels from that group's table, with
 * the channels of the calls up marked busy there (tdm/pri.h pri_span_set_chans). 0 or
 * EBUSY (the old table stays). */
int pri_link_set_chans(struct pri_link *l, struct bchan_group *chans);

/* The span went into alarm (true) or out of it. */
void pri_link_set_alarm(struct pri_link *l, bool alarm);

/* The D-channel fd is readable: feed libpri one frame. */
void pri_link_on_readable(struct pri_link *l);

/* Before the loop sleeps: arm the libpri timer of every link. */
void pri_link_prepoll(struct daemon *d);

unsigned pri_link_span(const struct pri_link *l);
struct pri_span *pri_link_pri(const struct pri_link *l);	/* NULL while detached */
struct tdm_span *pri_link_tdm(const struct pri_link *l);
bool pri_link_alaw(const struct pri_link *l);			/* the line's law */

#endif
