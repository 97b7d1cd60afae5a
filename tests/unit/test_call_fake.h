/* Fake legs and a fake environment for the unit tests of the call model (gateway/call.h):
 * each records the operations the call asked of it, in order, as a short script
 * ("proceeding alerting(0) answer clear(16)"), and answers as the test sets it. */
#ifndef STROWGER_TEST_CALL_FAKE_H
#define STROWGER_TEST_CALL_FAKE_H

#include <stdbool.h>

#include "gateway/call.h"
#include "gateway/leg.h"

struct fake_leg {
	struct leg leg;			/* first */
	char ops[512];			/* what the call asked, space separated */
	int place_err, place_cause;	/* place() answers this */
	int media_err;			/* media() answers this */
	int *destroyed;			/* incremented by destroy */
};

struct fake_env {
	struct call_env e;
	unsigned joins;			/* media_join calls that succeeded */
	unsigned adds;			/* ... of which added a stream */
	int join_err;			/* media_join answers this */
	unsigned removes;
	int remove_err;
	unsigned routes, routes_complete;
	bool timer_on;
	unsigned freed, idle;
	int legs_destroyed;
	int token;			/* what a stream handle points to */
	/* ordered fallback: failover() says yes while spare > 0; reroute() places a new
	 * network leg B (next_b, set up by next_place_err/cause) and counts down spare */
	unsigned spare;
	unsigned failovers, reroutes;
	int failover_cause;		/* the cause of the last failover() */
	struct fake_leg *next_b;
	int next_place_err, next_place_cause;
};

/* A line leg ("tdm", like PRI or analog) and a network leg ("sip"). */
struct fake_leg *fake_line(struct fake_env *f, bool live);
struct fake_leg *fake_net(struct fake_env *f, bool live);
void fake_env_init(struct fake_env *f);
/* Make e (a daemon's call list) run on f's fake operations; f's counters are kept. */
void fake_env_bind(struct call_env *e, struct fake_env *f);

/* Raise an event from a fake leg. */
int fake_raise(struct fake_leg *l, enum leg_event_type type, int cause, bool inband);
#define fake_ops(l) ((l)->ops)

#endif
