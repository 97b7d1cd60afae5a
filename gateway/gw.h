/* The daemon's objects, shared by the files of gateway/ that know the concrete legs and
 * modules (daemon.c, gw_trunk.c, reload.c, pri_link.c, leg_pri.c, leg_sip.c, call_route.c,
 * call_env.c, rtp_port.c, ctl_daemon.c; never call.c, which sees legs only through gateway/leg.h). Not an API for other modules: gateway/ is the only place that knows tdm/,
 * sip/ and media/ at once. */
#ifndef STROWGER_GW_H
#define STROWGER_GW_H

#define SU_ROOT_MAGIC_T    struct daemon
#define SU_WAKEUP_ARG_T    void
#define SU_TIMER_ARG_T     void
#define SU_PREPOLL_MAGIC_T struct daemon

#include <stdbool.h>
#include <stdint.h>

#include <sofia-sip/su_wait.h>

#include "conf/conf.h"
#include "gateway/call.h"
#include "gateway/maint_state.h"

struct analog_ports;
struct fxo_ports;
struct cause_map;
struct ctl;
struct cdr_writer;
struct metrics;
struct status_history;
struct media_engine;
struct pri_link;
struct route_table;
struct sip_trunk;
struct sipua;
struct span_group;
struct tdm_span;

#define MAX_WATCHES 512

/* One fd the loop watches for DAHDI events, and for D-channel frames on PRI spans. */
struct watch {
	int fd;
	int index;			/* su_root registration, > 0 */
	struct tdm_span *span;
	struct pri_link *link;		/* set on a PRI span's D-channel */
	bool audio;			/* an analog port's: POLLIN too (gw_watch_audio) */
};

/* A configured SIP trunk (gateway/gw_trunk.c): its settings and its sip/trunk object. A SIP
 * leg holds a reference while it lives, so a reload may change a trunk in place or remove
 * it: a removed trunk takes no new calls, withdraws its registration and is freed after
 * its last call. */
struct gw_trunk {
	char name[CONF_NAME_MAX];
	struct conf_trunk conf;		/* its settings; a reload changes them in place */
	struct sip_trunk *trunk;
	unsigned refs;			/* the daemon's (until removed) and one per SIP leg */
	bool removed;			/* taken out by a reload: on d->retired */
	struct gw_trunk *next;		/* d->retired */
	struct daemon *d;
	su_timer_t *timer;		/* removed: waits for the withdrawal's answer */
	unsigned polls;
	uint64_t calls;			/* calls placed on or taken from it */
};

/* Counters an engineer asks for first; logged at exit. */
struct gw_stats {
	uint64_t calls_in_tdm;		/* calls that arrived on a span */
	uint64_t calls_in_sip;		/* calls that arrived on a trunk */
};

struct daemon {
	const char *conf_path;
	struct conf *conf;
	su_root_t *root;
	su_timer_t *poll_timer;
	su_timer_t *stop_timer;
	bool stopping;
	int sigfd;
	int sig_index;
	int media_index;
	struct tdm_span **spans;
	unsigned nspans;
	struct pri_link **links;	/* one per PRI span, same order as conf spans */
	unsigned nlinks;
	struct span_group **groups;	/* the [group]s, then one per PRI span in none */
	unsigned ngroups;
	struct watch watches[MAX_WATCHES];
	unsigned nwatches;
	struct sipua *ua;
	struct gw_trunk **trunks;	/* the running ones, in config order */
	unsigned ntrunks;
	struct gw_trunk *retired;	/* removed by a reload, calls still on them */
	uint32_t blocked[MAINT_WORDS];		/* bit n: span n is blocked (strowgerctl span block) */
	struct media_engine *media;
	struct route_table *routes;
	struct cause_map *causes;
	struct call_env calls;		/* the calls not yet freed (gateway/call.h) */
	uint16_t next_rtp_port;
	struct gw_stats stats;
	const char *status_path;	/* written on SIGUSR1 (gateway/status.h) */
	uint64_t status_seq;
	struct ctl *ctl;		/* the control socket (gateway/ctl.h), NULL if none */
	struct cdr_writer *cdr;		/* CDRs (gateway/cdr.h), NULL if none */
	struct metrics *metrics;	/* Prometheus (gateway/metrics.h), NULL if none */
	su_timer_t *metrics_timer;	/* refreshes its page and the status page's document */
	struct status_history *history;	/* the status page's charts (gateway/status_page.h) */
	struct analog_ports *analog;	/* FXS ports (gateway/leg_fxs.c), NULL if none */
	struct fxo_ports *fxo;		/* FXO ports (gateway/leg_fxo.c), NULL if none */
};

/* Microseconds of CLOCK_MONOTONIC, for latencies and durations. */

/* The running (not removed) trunk called name, or NULL. */
struct sip_trunk *gw_trunk_find(struct daemon *d, const char *name);
struct gw_trunk *gw_trunk_get(struct daemon *d, const char *name);

/* Start a trunk from its settings and add it to d->trunks. 0 or an errno value (logged). */
int gw_trunk_add(struct daemon *d, const struct conf_trunk *ct);
/* A reload changed its settings (sip_trunk_update()). 0 or an errno value: unchanged. */
int gw_trunk_change(struct daemon *d, struct gw_trunk *gt, const struct conf_trunk *ct,
		    bool *reregistered);
/* A reload removed it: off d->trunks, retired (sip_trunk_retire()), freed after its last
 * reference. */
void gw_trunk_remove(struct daemon *d, struct gw_trunk *gt);
struct gw_trunk *gw_trunk_ref(struct gw_trunk *gt);
void gw_trunk_unref(struct gw_trunk *gt);
/* At stop, after the calls. */
void gw_trunks_free(struct daemon *d);

/* Reload the configuration (gateway/reload.h gw_reload) and apply logging and timers;
 * reply: its one-line summary or why nothing changed. 0 or an errno value. */
int gw_daemon_reload(struct daemon *d, char *reply, size_t len);

/* Maintenance block of a span (strowgerctl span block N): no new calls either way. */
bool gw_span_blocked(const struct daemon *d, unsigned span);
/* Write the blocked spans to state_file; a failure is logged. */
void gw_save_blocked_spans(struct daemon *d);

/* The PRI link of DAHDI span number span, or NULL. */
struct pri_link *gw_link_find(struct daemon *d, unsigned span);

/* The open DAHDI span number span, or NULL. */
struct tdm_span *gw_span_find(struct daemon *d, unsigned span);

/* The running [group] called name (never a span's group of one), or NULL. */
struct span_group *gw_group_find(struct daemon *d, const char *name);

/* The group whose channels span's are: its [group], or its group of one. NULL if the span
 * is not a running PRI span. */
struct span_group *gw_group_of_span(struct daemon *d, unsigned span);

/* Watch an analog port's fd for audio (POLLIN) as well as events, or events only again:
 * the loop reads the port's audio while it collects digits. 0 or ENOENT. */
int gw_watch_audio(struct daemon *d, int fd, bool on);

/* Start (flushing what DAHDI buffered meanwhile) or stop the loop's reading of a port's
 * audio; *reading says which it is. */
void gw_port_reading(struct daemon *d, int fd, bool *reading, bool on);

/* An analog port's echo canceller for its call's audio (tdm_echocan(), gateway/legs.h), *on
 * says whether it runs. Returns the taps the call's media runs it with (0: none), for
 * struct leg_media's echocan_taps: fax switches it off and voice on again. */
unsigned gw_port_echocan(struct daemon *d, unsigned span, unsigned pos, int fd, bool *on_now,
			 bool on);

/* Arm the one-shot timer *t (created on first use, kept for reuse) to call f(d, t, arg)
 * after ms, 0 meaning the next pass of the loop. 0, or ENOMEM. */
int gw_timer_arm(struct daemon *d, su_timer_t **t, su_timer_f f, void *arg, unsigned ms);

/* Bind UDP sockets on the next free even port of the configured RTP range (RTP) and the
 * odd one above it (RTCP, RFC 3550 §11). Both non-blocking; *portp the RTP port.
 * Returns 0 or an errno value (EADDRINUSE: the range is full). */
int rtp_port_open(struct daemon *d, int *fdp, int *rtcp_fdp, uint16_t *portp);

#endif
