/* Fake legs and environment for tests/unit/test_call*.c (see test_call_fake.h). */
#include "tests/unit/test_call_fake.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fake_leg *fl(struct leg *l) { return (struct fake_leg *)l; }

static void note(struct leg *l, const char *fmt, ...)
{
	char *ops = fl(l)->ops;
	size_t n = strlen(ops);
	va_list ap;

	if (n && n < sizeof(fl(l)->ops) - 1)
		ops[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(ops + n, sizeof(fl(l)->ops) - n, fmt, ap);
	va_end(ap);
}

static int f_place(struct leg *l, const struct leg_place *p, int *cause)
{
	note(l, "place(%s)", p->called);
	*cause = fl(l)->place_cause;
	return fl(l)->place_err;
}

static void f_proceeding(struct leg *l) { note(l, "proceeding"); }
static void f_alerting(struct leg *l, bool inband) { note(l, "alerting(%d)", inband); }
static void f_progress(struct leg *l, bool inband) { note(l, "progress(%d)", inband); }
static void f_answer(struct leg *l) { note(l, "answer"); }
static void f_clear(struct leg *l, int cause) { note(l, "clear(%d)", cause); }

static int f_digits(struct leg *l, const char *d)
{
	note(l, "digits(%s)", d);
	return 0;
}

static void f_fax(struct leg *l, enum media_fax_tone tone) { note(l, "fax(%d)", (int)tone); }

static int f_media(struct leg *l, struct leg_media *m)
{
	if (fl(l)->media_err)
		return fl(l)->media_err;
	*m = (struct leg_media){ .kind = l->ops->line_side ? LEG_MEDIA_TDM : LEG_MEDIA_RTP,
				 .fd = -1, .rtcp_fd = -1 };
	return 0;
}

static void f_summary(const struct leg *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s", l->ops->line_side ? "span 9 ch 1" : "trunk=fake");
}

static void f_debug(const struct leg *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s", l->live ? "live" : "over");
}

static void f_destroy(struct leg *l)
{
	if (fl(l)->destroyed)
		(*fl(l)->destroyed)++;
	free(l);
}

static const struct leg_ops line_ops = {
	.side = "tdm", .line_side = true, .answer_name = "CONNECT",
	.place = f_place, .proceeding = f_proceeding, .alerting = f_alerting,
	.progress = f_progress, .answer = f_answer, .clear = f_clear, .digits = f_digits,
	.media = f_media, .summary = f_summary, .tag = f_summary, .debug = f_debug,
	.destroy = f_destroy,
};

/* A network leg switches its stream for fax (fax); a line leg has nothing to do. */
static const struct leg_ops net_ops = {
	.side = "sip", .line_side = false, .answer_name = "200 OK",
	.place = f_place, .proceeding = f_proceeding, .alerting = f_alerting,
	.progress = f_progress, .answer = f_answer, .clear = f_clear, .digits = f_digits,
	.media = f_media, .fax = f_fax, .summary = f_summary, .tag = f_summary, .debug = f_debug,
	.destroy = f_destroy,
};

static struct fake_leg *fake_new(struct fake_env *f, const struct leg_ops *ops, bool live)
{
	struct fake_leg *l = calloc(1, sizeof(*l));

	if (!l)
		abort();
	l->leg.ops = ops;
	l->leg.live = live;
	l->destroyed = &f->legs_destroyed;
	return l;
}

struct fake_leg *fake_line(struct fake_env *f, bool live) { return fake_new(f, &line_ops, live); }
struct fake_leg *fake_net(struct fake_env *f, bool live) { return fake_new(f, &net_ops, live); }

static struct fake_env *fe(struct call_env *e) { return e->arg; }

static int e_join(struct call_env *e, struct call *c, const struct leg_media *a,
		  const struct leg_media *b, void **hp)
{
	if (fe(e)->join_err)
		return fe(e)->join_err;
	/* The engine joins a line and a network endpoint, one of each. */
	if ((a->kind == LEG_MEDIA_TDM) == (b->kind == LEG_MEDIA_TDM))
		return ENOTSUP;
	if (!*hp) {
		fe(e)->adds++;
		*hp = &fe(e)->token;
	}
	fe(e)->joins++;
	return 0;
}

static int e_remove(struct call_env *e, void *h)
{
	if (h != &fe(e)->token)
		abort();	/* a stream the engine never handed out */
	fe(e)->removes++;
	return fe(e)->remove_err;
}

static void e_route(struct call_env *e, struct call *c, bool complete)
{
	fe(e)->routes++;
	fe(e)->routes_complete += complete;
}

static void e_timer(struct call_env *e, struct call *c, bool on) { fe(e)->timer_on = on; }
static bool e_failover(struct call_env *e, struct call *c, int cause)
{
	fe(e)->failovers++;
	fe(e)->failover_cause = cause;
	return fe(e)->spare > 0;
}

static void e_reroute(struct call_env *e, struct call *c)
{
	struct fake_env *f = fe(e);
	struct conf_endpoint to = { .kind = EP_TRUNK, .trunk = "next" };
	struct pri_party caller = { 0 };
	struct leg_place p = { .called = "next", .caller = &caller, .to = &to, .route = "r" };

	f->reroutes++;
	f->spare--;
	f->next_b = fake_net(f, false);
	f->next_b->place_err = f->next_place_err;
	f->next_b->place_cause = f->next_place_cause;
	f->next_place_err = 0;		/* the one after it takes the call */
	call_set_leg_b(c, &f->next_b->leg);
	(void)call_place(c, &p);
}

static void e_freed(struct call_env *e, struct call *c) { fe(e)->freed++; }
static void e_idle(struct call_env *e) { fe(e)->idle++; }

static const struct call_env_ops env_ops = {
	.media_join = e_join, .media_remove = e_remove, .route = e_route,
	.digit_timer = e_timer, .freed = e_freed, .idle = e_idle,
	.failover = e_failover, .reroute = e_reroute,
};

void fake_env_init(struct fake_env *f)
{
	memset(f, 0, sizeof(*f));
	fake_env_bind(&f->e, f);
}

void fake_env_bind(struct call_env *e, struct fake_env *f)
{
	*e = (struct call_env){ .ops = &env_ops, .arg = f };
}

int fake_raise(struct fake_leg *l, enum leg_event_type type, int cause, bool inband)
{
	struct leg_event ev = { .type = type, .cause = cause, .inband = inband,
				.complete = inband };

	return call_leg_event(&l->leg, &ev);
}
