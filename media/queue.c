/* Two-thread queue with a level-true eventfd: see queue.h. */
#include "media/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int mq_init(struct mq *q, unsigned cap, size_t elem)
{
	memset(q, 0, sizeof *q);
	q->fd = -1;
	if (!cap || !elem)
		return EINVAL;
	q->buf = calloc(cap, elem);
	if (!q->buf)
		return ENOMEM;
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0) {
		int err = errno;

		free(q->buf);
		q->buf = NULL;
		return err;
	}
	q->cap = cap;
	q->elem = elem;
	pthread_mutex_init(&q->lock, NULL);
	return 0;
}

void mq_destroy(struct mq *q)
{
	if (!q->buf)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q->buf);
	q->buf = NULL;
	close(q->fd);
	q->fd = -1;
}

/* Under lock: something was queued. One write per empty → non-empty transition. */
static void signal_locked(struct mq *q)
{
	uint64_t one = 1;

	if (q->fd_set)
		return;
	(void)!write(q->fd, &one, sizeof one);
	q->fd_set = 1;
}

int mq_push(struct mq *q, const void *item)
{
	int err = 0;

	pthread_mutex_lock(&q->lock);
	if (q->tail - q->head >= q->cap) {
		err = EAGAIN;
	} else {
		memcpy(q->buf + (q->tail++ % q->cap) * q->elem, item, q->elem);
		signal_locked(q);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

void mq_push_node(struct mq *q, struct mq_node *n)
{
	n->next = NULL;
	pthread_mutex_lock(&q->lock);
	n->after = q->tail;
	if (q->last)
		q->last->next = n;
	else
		q->first = n;
	q->last = n;
	signal_locked(q);
	pthread_mutex_unlock(&q->lock);
}

int mq_pop(struct mq *q, void *item, struct mq_node **np)
{
	int err = 0;

	*np = NULL;
	pthread_mutex_lock(&q->lock);
	/* the first node once the items pushed before it are taken */
	if (q->head != q->tail && !(q->first && q->first->after == q->head)) {
		memcpy(item, q->buf + (q->head++ % q->cap) * q->elem, q->elem);
	} else if (q->first) {
		*np = q->first;
		q->first = q->first->next;
		if (!q->first)
			q->last = NULL;
	} else {
		err = EAGAIN;
	}
	if (q->head == q->tail && !q->first && q->fd_set) {
		uint64_t cnt;

		(void)!read(q->fd, &cnt, sizeof cnt);
		q->fd_set = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}
