/* media/queue: the ring refuses when full, nodes never are, order (as pushed, items and
 * nodes mixed),
 * and an eventfd that is readable exactly while something is queued, with no lost
 * wake-up under a racing producer. */
#include "media/queue.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

Test(media_queue, full_ring_refuses_nodes_never)
{
	struct mq q;
	struct mq_node a, b, *n;
	int v;

	cr_assert_eq(mq_init(&q, 2, sizeof(int)), 0);
	cr_assert_not(readable(mq_fd(&q)));
	cr_assert_eq(mq_push(&q, &(int){ 1 }), 0);
	cr_assert(readable(mq_fd(&q)));
	cr_assert_eq(mq_push(&q, &(int){ 2 }), 0);
	cr_assert_eq(mq_push(&q, &(int){ 3 }), EAGAIN, "a full ring refuses");
	mq_push_node(&q, &a);
	mq_push_node(&q, &b);

	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(v, 1);
	cr_assert_null(n);
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(v, 2);
	cr_assert_null(n);
	cr_assert(readable(mq_fd(&q)), "nodes are still queued");
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(n, &a);
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(n, &b);
	cr_assert_not(readable(mq_fd(&q)), "empty: the eventfd is cleared");
	cr_assert_eq(mq_pop(&q, &v, &n), EAGAIN);
	mq_push_node(&q, &a);
	cr_assert(readable(mq_fd(&q)), "a node alone makes it readable");
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(n, &a);
	mq_destroy(&q);
}

/* A remove request (node) pushed before an add (item) is taken first: the engine must not
 * add a stream on a B-channel whose old stream it has not removed yet. */
Test(media_queue, items_and_nodes_in_push_order)
{
	struct mq q;
	struct mq_node a, b, *n;
	int v;

	cr_assert_eq(mq_init(&q, 4, sizeof(int)), 0);
	cr_assert_eq(mq_push(&q, &(int){ 1 }), 0);
	mq_push_node(&q, &a);
	cr_assert_eq(mq_push(&q, &(int){ 2 }), 0);
	cr_assert_eq(mq_push(&q, &(int){ 3 }), 0);
	mq_push_node(&q, &b);
	cr_assert_eq(mq_push(&q, &(int){ 4 }), 0);

	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert(!n && v == 1, "the item pushed first");
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(n, &a, "then the node pushed before item 2");
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert(!n && v == 2);
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert(!n && v == 3);
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert_eq(n, &b);
	cr_assert_eq(mq_pop(&q, &v, &n), 0);
	cr_assert(!n && v == 4);
	cr_assert_not(readable(mq_fd(&q)), "empty: the eventfd is cleared");
	cr_assert_eq(mq_pop(&q, &v, &n), EAGAIN);
	mq_destroy(&q);
}

#define N_ITEMS 200000

static void *producer(void *arg)
{
	struct mq *q = arg;

	for (unsigned i = 0; i < N_ITEMS; i++)
		while (mq_push(q, &i) == EAGAIN)
			sched_yield();
	return NULL;
}

/* Under the queue's lock (no push can land meanwhile): something is queued but the
 * eventfd is clear. That is the lost wake-up, seen without relying on timing. */
static bool lost_wakeup(struct mq *q)
{
	bool queued, lost;

	pthread_mutex_lock(&q->lock);
	queued = q->head != q->tail || q->first;
	lost = queued && !readable(q->fd);
	pthread_mutex_unlock(&q->lock);
	return lost;
}

/* The consumer sleeps in poll() on the eventfd and drains when woken, as the daemon does.
 * A wake-up lost between "found empty" and "cleared the eventfd" leaves an item queued
 * with the eventfd clear: the consumer would sleep with work waiting. Checked after every
 * drain and on every quiet poll. */
Test(media_queue, no_lost_wakeup, .timeout = 60)
{
	static struct mq q;	/* static: a failed assert must not leave the producer on a
				 * dead stack frame */
	pthread_t t;
	unsigned taken = 0, expect = 0;

	cr_assert_eq(mq_init(&q, 4, sizeof(unsigned)), 0);
	cr_assert_eq(pthread_create(&t, NULL, producer, &q), 0);
	while (taken < N_ITEMS) {
		struct pollfd p = { .fd = mq_fd(&q), .events = POLLIN };
		struct mq_node *n;
		unsigned v;

		if (poll(&p, 1, 100) == 1) {
			while (!mq_pop(&q, &v, &n)) {
				cr_assert_eq(v, expect++, "items in order");
				taken++;
			}
		}
		cr_assert_not(lost_wakeup(&q), "eventfd clear with items queued: a lost wake-up "
			      "after %u items", taken);
	}
	pthread_join(t, NULL);
	cr_assert_not(readable(mq_fd(&q)), "drained: the eventfd is clear");
	mq_destroy(&q);
}
