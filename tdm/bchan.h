/* B-channel selection for a group of bearer channels on one or more spans (Q.931 §4.5.13
 * channel identification, §5.1.2 / §5.2.3 channel selection). No I/O: a table of channel
 * states and the rules for picking one.
 *
 * A group is an ordered list of (span, position) pairs. Each channel is free, busy or out of
 * service; a whole span can also be marked unusable (D-channel down, span in alarm), which
 * hides its channels from selection without touching their state. */
#ifndef STROWGER_TDM_BCHAN_H
#define STROWGER_TDM_BCHAN_H

#include <stdbool.h>

/* Q.850 causes the selection reports (Q.931 §5.2.3.1). */
#define BCHAN_CAUSE_NO_CIRCUIT		34	/* no circuit/channel available */
#define BCHAN_CAUSE_CHAN_UNAVAIL	44	/* requested circuit/channel not available */
#define BCHAN_CAUSE_CHAN_NOT_EXIST	82	/* identified channel does not exist */

struct bchan_group;

/* One bearer channel: DAHDI span number and span position (timeslot, 1..31). */
struct bchan_ref {
	unsigned span;
	unsigned pos;
};

enum bchan_state {
	BCHAN_FREE,	/* idle, selectable */
	BCHAN_BUSY,	/* carries a call */
	BCHAN_OOS,	/* out of service (maintenance): never selected */
};

/* Order in which free channels are tried, over the whole list: with several spans the list
 * is one span's channels after another's, so ascending starts on the first span's first
 * channel, descending on the last span's last channel (its mirror image, as chan_dahdi's
 * "G" groups), and round robin runs on across span boundaries. */
enum bchan_hunt {
	BCHAN_HUNT_ASC,		/* first channel of the list first */
	BCHAN_HUNT_DESC,	/* last channel first (the usual choice of the side that does
				 * not own the low end, to make glare unlikely) */
	BCHAN_HUNT_RR,		/* round robin: start after the channel last acquired */
};

/* What the call asks for (Q.931 §4.5.13 octet 3, "preferred/exclusive" bit). */
enum bchan_want {
	BCHAN_WANT_ANY,		/* any channel: the group picks */
	BCHAN_WANT_PREFERRED,	/* this one if free, else any other */
	BCHAN_WANT_EXCLUSIVE,	/* this one or fail with cause 44 */
};

struct bchan_req {
	enum bchan_want want;
	struct bchan_ref chan;	/* PREFERRED/EXCLUSIVE; for ANY only chan.span is used */
	bool span_only;		/* pick only on chan.span (an interface without NFAS) */
	const unsigned *skip;	/* spans the hunt passes over (a call that could not be
				 * placed on them goes on to the next span of the group) */
	unsigned nskip;
};

struct bchan_params {
	const struct bchan_ref *chans;	/* the hunt list, copied; no duplicates */
	unsigned nchans;		/* >= 1 */
	enum bchan_hunt hunt;
};

/* Create a group with every channel free and every span usable. 0, EINVAL (empty list,
 * duplicate, position 0) or ENOMEM. */
int bchan_alloc(struct bchan_group **gp, const struct bchan_params *p);

/* NULL is a no-op. */
void bchan_free(struct bchan_group *g);

/* Select a channel for req and mark it busy; *out receives it. Returns 0, or EBUSY with
 * *cause set to the Q.850 cause to clear the call with: 44 when an exclusive channel is busy,
 * out of service or on an unusable span, 82 when an exclusive channel is not in the group,
 * 34 when nothing suitable is free. EINVAL on a bad request (cause unchanged).
 * Spans in req->skip are passed over by the hunt (ANY, and PREFERRED falling back to it); a
 * PREFERRED or EXCLUSIVE channel itself is taken wherever it is. */
int bchan_acquire(struct bchan_group *g, const struct bchan_req *req, struct bchan_ref *out,
		  int *cause);

/* The channel bchan_acquire() would take for req, left as it is: same returns. Taking it
 * later (PREFERRED on *out) gives the same channel as long as nothing changed in between;
 * round robin moves on only when a channel is taken. */
int bchan_select(const struct bchan_group *g, const struct bchan_req *req,
		 struct bchan_ref *out, int *cause);

/* A busy channel becomes free. ENOENT if it is not in the group, EALREADY if not busy. */
int bchan_release(struct bchan_group *g, struct bchan_ref ref);

/* Put a channel in or out of service (BCHAN_FREE or BCHAN_OOS). Taking a busy channel out
 * of service is allowed: it stays out of service after its call. ENOENT, EINVAL. */
int bchan_set_service(struct bchan_group *g, struct bchan_ref ref, bool in_service);

/* RESTART (Q.931 §5.5): the channel returns to idle whatever its call state; a channel out
 * of service stays out of service. ENOENT if not in the group. */
int bchan_reset(struct bchan_group *g, struct bchan_ref ref);

/* Mark every channel of span usable or not (D-channel up/down, alarm). Returns how many
 * channels of the group are on that span. */
unsigned bchan_set_span_usable(struct bchan_group *g, unsigned span, bool usable);

/* false also for a span with no channel in the group. */
bool bchan_span_usable(const struct bchan_group *g, unsigned span);

/* State of one channel; ENOENT if it is not in the group. */
int bchan_state(const struct bchan_group *g, struct bchan_ref ref, enum bchan_state *state);

/* How many channels are selectable right now (free and on a usable span); span 0 = all. */
unsigned bchan_available(const struct bchan_group *g, unsigned span);

/* Whether ref is one of the group's channels. */
bool bchan_contains(const struct bchan_group *g, struct bchan_ref ref);

const char *bchan_state_name(enum bchan_state state);

#endif
