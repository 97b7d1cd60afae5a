/* A queue between two threads: a bounded ring of fixed-size items plus an unbounded list of
 * caller-owned nodes (what must never be refused or lost: a channel's remove request and
 * its REMOVED event), taken in the order pushed, with an eventfd that is readable exactly
 * while something is queued. */
#ifndef STROWGER_MEDIA_QUEUE_H
#define STROWGER_MEDIA_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded in its owner; the owner keeps it alive until it is popped. */
struct mq_node {
	struct mq_node *next;
	unsigned after;		/* the ring's tail when pushed: taken after those items */
};

struct mq {
	pthread_mutex_t lock;
	unsigned head, tail, cap;	/* ring: head next to take, tail next free */
	size_t elem;			/* [bytes] one item */
	uint8_t *buf;
	struct mq_node *first, *last;	/* nodes, each after the items pushed before it */
	int fd;				/* eventfd, non-blocking; -1 until init */
	int fd_set;			/* the eventfd counts one (under lock) */
};

/* Return 0, ENOMEM or the eventfd's errno. cap: ring items (> 0), elem: item size. */
int mq_init(struct mq *q, unsigned cap, size_t elem);
/* Free the ring and close the eventfd; queued nodes stay the caller's. */
void mq_destroy(struct mq *q);

/* Copy an item in. Return 0, or EAGAIN when the ring is full. */
int mq_push(struct mq *q, const void *item);
/* Queue a node; cannot fail (no bound: the node is preallocated by its owner). */
void mq_push_node(struct mq *q, struct mq_node *n);

/* Take what was pushed first: a ring item into *item (return 0, *np NULL) or a node
 * (return 0 with *np set), else EAGAIN. In push order, so a channel's remove request goes
 * before a later add of a stream on the same B-channel. The eventfd is
 * cleared under the same lock that found the queue empty, so a push racing with the
 * consumer always leaves it readable (no lost wake-up). */
int mq_pop(struct mq *q, void *item, struct mq_node **np);

/* Readable while something is queued. */
static inline int mq_fd(const struct mq *q)
{
	return q->fd;
}

#endif
