/* PSTN simulator: state shared by its parts (main loop, PRI side, B-channels, script runner). */
#ifndef STROWGER_PSTNSIM_H
#define STROWGER_PSTNSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/pstnsim/audio.h"
#include "tests/pstnsim/fax.h"
#include "tests/pstnsim/script.h"

struct pri;
struct q931_call;

#define SIM_MAX_TS	32	/* timeslots per span (E1: 1..31, T1: 1..24) */

/*
 * Call states, after the Q.931 §2.1 figure (user side numbering; the simulator uses the
 * same names whichever side of the interface it plays).
 */
enum sim_cstate {
	CS_NULL,		/* U0: not yet set up */
	CS_CALL_INITIATED,	/* U1: SETUP sent */
	CS_OUT_PROCEEDING,	/* U3: CALL PROCEEDING received */
	CS_DELIVERED,		/* U4: ALERTING received */
	CS_PRESENT,		/* U6: SETUP received */
	CS_RECEIVED,		/* U7: ALERTING sent */
	CS_IN_PROCEEDING,	/* U9: CALL PROCEEDING sent */
	CS_ACTIVE,		/* U10: CONNECT sent or received */
	CS_DISCONNECTING,	/* U11/U12/U19: DISCONNECT or RELEASE under way */
	CS_RELEASED,		/* back to U0, call reference freed */
	CS_COUNT
};

struct sim_call {
	struct sim_call *next;
	char name[SIM_NAME_LEN];
	bool outgoing;
	enum sim_cstate state;
	struct q931_call *q;		/* libpri's call; NULL once libpri freed it */
	int ts;				/* B-channel timeslot, 0 = none */
	int fd;				/* B-channel, -1 = closed */
	struct sim_tx *tx;
	struct sim_rx *rx;
	char called[SIM_NUM_LEN];
	char calling[SIM_NUM_LEN];
	int calling_ton, called_ton;	/* Q.931 type of number */
	int pres;			/* calling presentation indicator */
	char cname[SIM_NUM_LEN];	/* calling name */
	char rdnis[SIM_NUM_LEN];	/* redirecting number, "" = none */
	int rdnis_reason;		/* its reason (libpri PRI_REDIR_*) */
	uint64_t t_setup;		/* [ms] SETUP sent/received */
	uint64_t t_answer;		/* [ms] CONNECT received/sent, 0 = never */
	uint64_t t_release;		/* [ms] 0 = not yet */
	uint64_t answer_at;		/* [ms] scheduled answer, 0 = none */
	bool seen_proceeding, seen_alerting, ring_consumed, hangup_checked;
	bool local_hangup;		/* we sent the first clearing message */
	int cause;			/* Q.850 cause of the clearing, -1 = none yet */
	size_t digits_used;		/* received digits consumed by expect-dtmf */
	char audio[192];		/* audio verdicts "1800:ok:1980/2000,..." */
	struct sim_fax *fax;		/* the fax machine on the B-channel, NULL = none */
	char faxsum[64];		/* fax verdict "send:3:14400:ecm:0", "" = none */
	bool failed;
};

struct sim_opts {
	int dchan;			/* DAHDI channel of the D-channel */
	bool bchans_given;
	bool bchan[SIM_MAX_TS];		/* usable timeslots */
	int base;			/* DAHDI channel = base + timeslot */
	bool network;			/* PRI_NETWORK (the PBX) or PRI_CPE */
	int switchtype;			/* PRI_SWITCH_* */
	bool law_given;
	enum sim_law law;
	const char *tag;		/* prefix of every output line */
	bool keep_going;
	bool debug;
	unsigned dtmf_on_ms, dtmf_off_ms;
	int analog;			/* DAHDI channel of an analog line, 0 = PRI mode */
	int cid_std;			/* analog: caller ID standard (media/callerid.h) */
};

struct sim {
	struct sim_opts o;
	int dfd;
	struct pri *pri;
	bool up;
	uint64_t up_since;		/* [ms] when the D-channel last came up */
	struct sim_call *calls;		/* creation order */
	struct sim_call *cur;		/* the call steps act on by default */
	unsigned ncalls;
	bool busy[SIM_MAX_TS];
	enum sim_on_ring on_ring;
	int on_ring_cause;
	unsigned on_ring_delay;		/* [ms] */
	uint64_t t0_us;
	unsigned failures;
	int restart_class;		/* RESTARTs go out with this class (q931.h) */
	unsigned restart_acks;		/* RESTART ACKNOWLEDGEs received */
	enum { RELINK_NONE, RELINK_ARMED, RELINK_DEAF } relink;	/* sim_pri_relink() */
	unsigned relinks;		/* SABMEs sent while relinking */
	struct sim_line *line;		/* the analog line (analog.c), NULL in PRI mode */
};

/* main.c */
uint64_t sim_now(const struct sim *s);	/* [ms] since start */
void sim_say(const struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sim_cstate_name(enum sim_cstate st);

/* pri.c: the D-channel (Q.931 through libpri) */
int sim_pri_open(struct sim *s);
void sim_pri_close(struct sim *s);
/* Handle the readable D-channel / expired timers. */
void sim_pri_poll(struct sim *s, bool readable, bool exception);
/* [ms] until libpri's next timer, capped at cap. */
int sim_pri_timeout(struct sim *s, int cap);
int sim_pri_call(struct sim *s, const struct sim_cmd *c, const char *name, struct sim_call **cp);
int sim_pri_answer(struct sim *s, struct sim_call *call);
int sim_pri_alert(struct sim *s, struct sim_call *call);
int sim_pri_proceed(struct sim *s, struct sim_call *call);
int sim_pri_info(struct sim *s, struct sim_call *call, const char *digits);
int sim_pri_hangup(struct sim *s, struct sim_call *call, int cause);
/* RESTART (Q.931 §5.5) timeslot ts, or the whole interface for ts 0: the calls on it are
 * dropped here first, without clearing messages, as a PBX resetting its side does. Its
 * RESTART ACKNOWLEDGE counts in s->restart_acks. 0, ENOTCONN, EINVAL (not our channel),
 * EIO. */
int sim_pri_restart(struct sim *s, int ts);
/* Layer 2 loss (relink step): after the next frame received (which restarts T203 with the
 * short value set here) hear nothing on the D-channel, so that our Q.921 polls in vain
 * (T203, then N200 x T200: timer recovery, Q.921 §5.6.7) and then re-establishes the link
 * with SABME; from that SABME on the D-channel is heard again. The far end, which keeps
 * hearing our polls, never times out. libpri keeps its calls (no DL-RELEASE). */
void sim_pri_relink(struct sim *s);
/* Answers that were scheduled with a delay. */
void sim_pri_tick(struct sim *s);

/* bchan.c: B-channels on /dev/dahdi/channel */
int sim_bchan_open(struct sim *s, struct sim_call *call);
void sim_bchan_close(struct sim_call *call);
void sim_bchan_io(struct sim *s, struct sim_call *call, short revents);
/* Query the D-channel for its position and law; fills base, law and bchan defaults. */
int sim_dahdi_probe(struct sim *s);

/* analog.c: an analog line (--analog CHAN) as a phone or an exchange line */
struct sim_line;
int sim_analog_open(struct sim *s);
void sim_analog_close(struct sim *s);
void sim_analog_event(struct sim *s, int ev);
void sim_analog_audio(struct sim *s, const uint8_t *buf, size_t n);
/* The exchange's caller ID to send: fills buf and returns true while there is some. */
bool sim_analog_tx(struct sim *s, uint8_t *buf, size_t n);
/* True while nothing may be written on the line (DAHDI pulse-dials it: a write cancels). */
bool sim_analog_quiet(const struct sim *s);
/* Run an analog step: 0 pending, 1 passed, -1 failed (msg says why). first: the step's
 * first call; limit [ms] its time limit. */
int sim_analog_step(struct sim *s, const struct sim_cmd *c, bool first, uint64_t elapsed,
		    unsigned limit, char *msg, size_t len);
/* bchan.c: open DAHDI channel channo with blocksize (0: none); fd or -errno. */
int sim_chan_open(int channo, int blocksize);

/* run.c: the script runner */
struct sim_run;
int sim_run_alloc(struct sim_run **rp, struct sim *s, const struct sim_script *sc);
void sim_run_free(struct sim_run *r);
/* Advance the script; return true when it has finished (or failed and stops). */
bool sim_run_step(struct sim_run *r);
/* Print one CALL summary line per call. */
void sim_print_summary(struct sim *s);

/* calls */
struct sim_call *sim_call_new(struct sim *s, bool outgoing, const char *name);
struct sim_call *sim_call_find(struct sim *s, const char *name);
void sim_call_set_state(struct sim *s, struct sim_call *call, enum sim_cstate st);
void sim_calls_free(struct sim *s);

#endif
