/* A call: two legs (gateway/leg.h) joined by a media stream, driven by one state machine.
 * Leg A is the calling leg (it arrived), leg B the called leg (the gateway placed it).
 *
 * The call model knows no kind of leg and no media engine: it talks to legs through their
 * vtable, and to the world through the small struct call_env_ops the daemon provides
 * (media join/remove, routing of overlap digits, the inter-digit timer). Routing, number
 * rewriting and the choice of a leg kind happen in gateway/call_route.c. */
#ifndef STROWGER_CALL_H
#define STROWGER_CALL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "gateway/route.h"
#include "tdm/pri.h"

struct call;
struct call_env;
struct leg;
struct leg_media;
struct leg_place;
struct cdr_rec;
struct media_chan_stats;
struct media_fax_report;

/* Call states. A call walks ROUTING -> PLACED -> EARLY -> ACTIVE; any state may go to
 * CLEARING, which lasts until both legs are gone and the media stream is removed. */
enum call_state {
	CALL_ROUTING,		/* leg A known, collecting digits or choosing a route */
	CALL_PLACED,		/* leg B placed, nothing heard back yet */
	CALL_EARLY,		/* ringing or early media */
	CALL_ACTIVE,		/* answered */
	CALL_CLEARING,		/* tearing down; waiting for legs and media to go */
	CALL_STATE_COUNT
};

/* What the daemon provides to the call model. */
struct call_env_ops {
	/* Join the media endpoints of both legs (*hp NULL: add a stream) or re-point the
	 * stream *hp. Returns 0 or an errno value. */
	int (*media_join)(struct call_env *e, struct call *c, const struct leg_media *a,
			  const struct leg_media *b, void **hp);
	/* Remove stream h: 0 and call_media_removed() follows, or an errno value when the
	 * engine no longer knows it. */
	int (*media_remove)(struct call_env *e, void *h);
	/* ROUTING: route the number collected so far; complete: no more digits come. */
	void (*route)(struct call_env *e, struct call *c, bool complete);
	/* Arm (on) or stop the call's inter-digit timer; on expiry call_digit_timeout(). */
	void (*digit_timer)(struct call_env *e, struct call *c, bool on);
	/* Ordered fallback. Leg B failed with cause while the call was PLACED (nothing but
	 * "proceeding" reached leg A: no ringing, no early media, no answer): may the call
	 * try the route's next destination? NULL or false: the call clears with cause. */
	bool (*failover)(struct call_env *e, struct call *c, int cause);
	/* After failover() said yes and the failed leg B is gone: give the call a new leg B
	 * (call_set_leg_b()) and place it (call_place()), or clear the call. */
	void (*reroute)(struct call_env *e, struct call *c);
	/* The call is being freed: drop what the environment keeps for it. */
	void (*freed)(struct call_env *e, struct call *c);
	/* The last call was freed. */
	void (*idle)(struct call_env *e);
};

/* The calls of one daemon. */
struct call_env {
	const struct call_env_ops *ops;
	void *arg;			/* the daemon */
	/* A call ended: its record (gateway/cdr.h), filled with what the call model knows;
	 * the daemon adds its legs' details and hands it to the CDR writer. NULL: no CDRs. */
	void (*cdr)(struct call_env *e, struct call *c, struct cdr_rec *r);
	struct call *calls;		/* list of calls not yet freed */
	unsigned ncalls;
	uint64_t next_id;
	uint64_t answered;		/* calls freed after an answer */
	uint64_t failed;		/* calls freed without one */
};

/* What routing keeps in a call for the ordered fallback (gateway/call_route.c). */
struct route_call {
	struct conf_destlist dest;	/* the route's destinations in order (a copy: a
					 * reload may free the route) */
	unsigned attempt;		/* index in dest of leg B's destination */
	unsigned span_a;		/* the span leg A came from; 0: a trunk */
	bool alaw;			/* leg A's law (a line), or the law of our answer (SIP) */
	bool called_as_line;		/* the route left the number as leg A's line gave it */
};

/* Who the call is between, as routing and the summary see it. */
struct call_info {
	char called[ROUTE_NUMBER_MAX + CONF_NAME_MAX];	/* SIP form, "+4930..." */
	char calling[64];		/* caller's number in SIP form, for logs */
	struct pri_party caller;	/* the calling party, Q.931 view (both directions) */
	struct pri_redirecting redirecting;	/* who forwarded the call (digits "": none) */
	char route[CONF_NAME_MAX];	/* the route that chose leg B ("" before) */
	char to[CONF_NAME_MAX + 16];	/* leg B's destination, "trunk:peer", "span:4" */
	unsigned attempts;		/* destinations tried, with the one of leg B */
	struct route_call rc;
};

/* A new call with leg A (arrived, signalling live) and optionally leg B (not placed
 * yet): state ROUTING. Takes ownership of both legs, also on failure. 0 or ENOMEM. */
int call_alloc(struct call **cp, struct call_env *e, struct leg *a, struct leg *b);

/* Give the call its leg B (not placed yet), replacing none. */
void call_set_leg_b(struct call *c, struct leg *b);

/* Place leg B (ROUTING -> PLACED). On failure the call clears with the leg's cause and
 * an errno value is returned; the call may have been freed then. */
int call_place(struct call *c, const struct leg_place *p);

/* Clear the call (both legs, the media) with a Q.850 cause; by names who started it:
 * "tdm", "sip", "gateway". The call may be freed before this returns. */
void call_clear(struct call *c, int cause, const char *by);

/* The inter-digit timer expired. */
void call_digit_timeout(struct call *c);

/* The media stream is gone; st its final figures (NULL if none). */
void call_media_removed(struct call *c, const struct media_chan_stats *st);

/* The media heard a fax tone on the line (enum media_fax_tone): the legs switch to fax. */
void call_fax_tone(struct call *c, int tone);

/* A fax on the call ended or the stream left fax mode: its report, for the summary. */
void call_fax_report(struct call *c, const struct media_fax_report *r);

/* Clear every call with cause (shutdown); free what is left without signalling. */
void call_clear_all(struct call_env *e, int cause);
void call_free_all(struct call_env *e);

struct call *call_find(struct call_env *e, uint64_t id);
struct call *call_next(struct call_env *e, const struct call *c);	/* c NULL: the first */
double call_age_ms(const struct call *c);	/* [ms] since leg A arrived */
double call_billed_ms(const struct call *c);	/* [ms] since the answer; -1 if none */
uint64_t call_id(const struct call *c);
enum call_state call_state(const struct call *c);
const char *call_state_name(enum call_state st);
struct call_info *call_info(struct call *c);
struct leg *call_leg_a(const struct call *c);
struct leg *call_leg_b(const struct call *c);
struct call_env *call_env(const struct call *c);
bool call_media_joined(const struct call *c);
void **call_env_slot(struct call *c);	/* one pointer the environment may keep */

/* "call 3 (span 2 ch 1, peer): " + fmt, at level lvl of the call subsystem. */
void call_log(const struct call *c, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The call's state in one line: its state, its legs', its media. */
void call_debug(const struct call *c, char *buf, size_t len);

#define CLOG(lvl, c, ...) \
	do { if (log_enabled(LS_CALL, lvl)) call_log(c, lvl, __VA_ARGS__); } while (0)

#endif
