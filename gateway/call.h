/* A call: one TDM leg (a PRI call on a B-channel) and one SIP leg (an INVITE dialog),
 * joined by a media stream; routing, number rewriting and Q.850 <-> SIP mapping happen
 * here and nowhere else. */
#ifndef STROWGER_CALL_H
#define STROWGER_CALL_H

#include <stdbool.h>

struct daemon;
struct media_event;
struct pri_event;
struct pri_link;
struct sipua_event;

/* Events from the legs, delivered by the daemon's loop. */
void call_on_pri_event(struct daemon *d, struct pri_link *link, const struct pri_event *ev);
void call_on_sip_event(struct daemon *d, const struct sipua_event *ev);
void call_on_media_event(struct daemon *d, const struct media_event *ev);

/* Clear every call with cause (shutdown). Calls go away as their legs confirm. */
void call_clear_all(struct daemon *d, int cause);

/* Free what is left without signalling (the loop is gone). */
void call_free_all(struct daemon *d);

#endif
