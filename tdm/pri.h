/* ISDN PRI signalling on one span (ITU-T Q.931 layer 3 over Q.921), user side (cpe) or
 * network side (net), through libpri.
 *
 * One struct pri_span per D-channel. It owns no event loop: the caller polls pri_span_fd()
 * for reading with the timeout from pri_span_next_timeout_ms(), then calls
 * pri_span_on_readable() when readable and pri_span_run_timers() on every pass. Everything
 * that happens comes out through one handler as a struct pri_event; the caller acts through
 * the pri_call_*() commands. B-channels come from a struct bchan_group (tdm/bchan.h) that
 * the caller owns and may share between spans.
 *
 * Calls: the span owns its struct pri_call objects. A call pointer stays valid until the
 * PRI_EV_RELEASE event for it has been handled; the call is freed when that handler
 * returns. Commands may be issued from inside the handler.
 *
 * Names: libpri's own functions (pri_new(), pri_call(), pri_hangup()…) are used only in
 * pri.c; none of ours collides with a symbol libpri 1.6.0 exports. */
#ifndef STROWGER_TDM_PRI_H
#define STROWGER_TDM_PRI_H

#include <stdbool.h>
#include <sys/time.h>

#include "tdm/bchan.h"

#define PRI_NUM_MAX	31	/* [digits] longest number kept (Q.931 allows more, E.164 15) */
#define PRI_NAME_MAX	63	/* [chars] longest calling name kept */

struct pri_span;
struct pri_call;

enum pri_role {
	PRI_ROLE_CPE,	/* user side: TE, Q.931 states U0..U25 */
	PRI_ROLE_NET,	/* network side: NT, Q.931 states N0..N25 */
};

enum pri_switch { PRI_SW_EUROISDN, PRI_SW_NI2, PRI_SW_DMS100, PRI_SW_5ESS, PRI_SW_4ESS,
		  PRI_SW_QSIG };

enum pri_line { PRI_LINE_E1, PRI_LINE_T1 };

/* What the fd is. */
enum pri_io {
	PRI_IO_DAHDI,	/* a DAHDI D-channel in HDLC mode: frames carry a 2-byte FCS */
	PRI_IO_SOCKET,	/* a message socket (SOCK_SEQPACKET): one frame per message, no FCS */
};

/* Q.931 §4.5.10 type of number (octet 3, bits 7-5). */
enum q931_ton { Q931_TON_UNKNOWN = 0, Q931_TON_INTERNATIONAL = 1, Q931_TON_NATIONAL = 2,
		Q931_TON_NETWORK = 3, Q931_TON_SUBSCRIBER = 4, Q931_TON_ABBREVIATED = 6 };

/* Q.931 §4.5.10 numbering plan identification (octet 3, bits 4-1). */
enum q931_npi { Q931_NPI_UNKNOWN = 0, Q931_NPI_E164 = 1, Q931_NPI_DATA = 3, Q931_NPI_TELEX = 4,
		Q931_NPI_NATIONAL = 8, Q931_NPI_PRIVATE = 9 };

/* Q.931 §4.5.9 presentation indicator (octet 3a, bits 7-6). */
enum q931_pres { Q931_PRES_ALLOWED = 0, Q931_PRES_RESTRICTED = 1, Q931_PRES_UNAVAILABLE = 2 };

/* Reason for redirection (Q.931 §4.5.13 Redirecting number, octet 3b). */
enum q931_redir_reason {
	Q931_REDIR_UNKNOWN = 0x0,
	Q931_REDIR_BUSY = 0x1,		/* call forwarding busy */
	Q931_REDIR_NO_REPLY = 0x2,	/* call forwarding no reply */
	Q931_REDIR_DEFLECTION = 0x4,	/* call deflection */
	Q931_REDIR_OUT_OF_ORDER = 0x9,	/* called DTE out of order */
	Q931_REDIR_BY_DTE = 0xa,	/* call forwarding by the called DTE */
	Q931_REDIR_UNCONDITIONAL = 0xf,	/* call forwarding unconditional */
};

/* Q.931 §4.5.9 screening indicator (octet 3a, bits 2-1). */
enum q931_screen { Q931_SCREEN_USER_NOT_SCREENED = 0, Q931_SCREEN_USER_PASSED = 1,
		   Q931_SCREEN_USER_FAILED = 2, Q931_SCREEN_NETWORK = 3 };

/* Bearer capability (Q.931 §4.5.5), reduced to what a voice gateway tells apart. */
enum pri_bearer { PRI_BEARER_SPEECH, PRI_BEARER_AUDIO_3K1, PRI_BEARER_DIGITAL,
		  PRI_BEARER_OTHER };

/* User information layer 1 protocol of the bearer capability. */
enum pri_law { PRI_LAW_DEFAULT, PRI_LAW_ALAW, PRI_LAW_ULAW, PRI_LAW_NONE };

struct pri_number {
	char digits[PRI_NUM_MAX + 1];
	enum q931_ton ton;
	enum q931_npi npi;
};

struct pri_party {
	struct pri_number number;
	enum q931_pres pres;
	enum q931_screen screen;
	char name[PRI_NAME_MAX + 1];	/* "" if none; carried by display (euroisdn) or
					 * facility (ni2, dms100, qsig) depending on switch */
};

/* Who redirected a call and why (Q.931 §4.5.13 Redirecting number IE). */
struct pri_redirecting {
	struct pri_number number;	/* digits "" = no redirecting number */
	enum q931_pres pres;
	enum q931_redir_reason reason;
	unsigned counter;		/* redirections so far (RFC 5806 counter), 0 = 1 */
};

/* The content of an incoming SETUP (Q.931 §3.1.14), kept with the call. */
struct pri_setup {
	struct pri_number called;	/* overlap: grows with every INFO */
	struct pri_party calling;
	enum pri_bearer bearer;
	enum pri_law law;
	struct bchan_req requested;	/* the channel identification as received */
	bool complete;			/* Sending Complete received (never with ni2) */
	struct pri_redirecting redirecting;	/* a forwarded call's redirecting party */
};

/* Q.931 call states (§2.1 user side, §2.2 network side). The numbers are the standard's;
 * the same value is Un for a cpe span and Nn for a net span. The names are the same on
 * both sides, but the side that sends SETUP walks 1→3→4→10 as user and 6→9→7→8→10 as
 * network, and the reverse for the side that receives it. */
enum pri_call_state {
	PRI_CS_NULL = 0,
	PRI_CS_CALL_INITIATED = 1,
	PRI_CS_OVERLAP_SENDING = 2,
	PRI_CS_OUTGOING_CALL_PROCEEDING = 3,
	PRI_CS_CALL_DELIVERED = 4,
	PRI_CS_CALL_PRESENT = 6,
	PRI_CS_CALL_RECEIVED = 7,
	PRI_CS_CONNECT_REQUEST = 8,
	PRI_CS_INCOMING_CALL_PROCEEDING = 9,
	PRI_CS_ACTIVE = 10,
	PRI_CS_DISCONNECT_REQUEST = 11,
	PRI_CS_DISCONNECT_INDICATION = 12,
	PRI_CS_RELEASE_REQUEST = 19,
	PRI_CS_OVERLAP_RECEIVING = 25,
};

enum pri_event_type {
	PRI_EV_DCHAN_UP,	/* Q.921 multiple-frame established: calls possible */
	PRI_EV_DCHAN_DOWN,	/* link lost; every call was cleared (a RELEASE each) first */
	PRI_EV_SETUP,		/* incoming call, B-channel already reserved: ev->setup */
	PRI_EV_INFO,		/* overlap receiving: ev->digits new, ev->setup->called all */
	PRI_EV_SETUP_ACK,	/* outgoing call: the far end wants more digits */
	PRI_EV_PROCEEDING,	/* CALL PROCEEDING received */
	PRI_EV_ALERTING,	/* ALERTING received */
	PRI_EV_PROGRESS,	/* PROGRESS received */
	PRI_EV_CONNECT,		/* CONNECT received (outgoing) or acknowledged (incoming) */
	PRI_EV_DISCONNECT,	/* far end cleared (DISCONNECT): reply with pri_call_hangup() */
	PRI_EV_RELEASE,		/* the call is over: last event for ev->call, freed after */
	PRI_EV_RESTART,		/* far end sent RESTART: ev->restart channels are idle again */
};

struct pri_event {
	enum pri_event_type type;
	struct pri_span *span;
	struct pri_call *call;		/* NULL for DCHAN_UP/DOWN and RESTART */
	struct bchan_ref chan;		/* the call's B-channel; pos 0 if none */
	int cause;			/* DISCONNECT, RELEASE: Q.850 cause; else 0 */
	bool inband;			/* progress indicator No. 8: in-band information
					 * available (tones or announcement on the B-channel) */
	const struct pri_setup *setup;	/* SETUP and INFO */
	const char *digits;		/* INFO: only the digits this message brought */
	struct {
		bool whole_interface;	/* every channel of the span */
		unsigned pos;		/* else this span position */
	} restart;
};

/* Called for every event, after it is logged. Never NULL. */
typedef void (pri_event_h)(const struct pri_event *ev, void *arg);

struct pri_span_params {
	unsigned span;			/* DAHDI span number; the bchan span of its channels */
	enum pri_role role;
	enum pri_switch sw;
	enum pri_line line;		/* default law: A-law on E1, µ-law on T1 */
	int fd;				/* non-blocking; not closed by pri_span_free() */
	enum pri_io io;
	struct bchan_group *chans;	/* not owned; holds this span's B-channels */
	bool overlap;			/* overlap receiving: incoming SETUPs may be
					 * incomplete; answer them with pri_call_more_info() */
	bool restart_on_up;		/* RESTART every B-channel when the link comes up
					 * (Q.931 §5.5); DCHAN_UP follows their ACKNOWLEDGE */
	pri_event_h *eh;
	void *arg;
};

/* Create the span and start bringing the D-channel up (SABME). 0, EINVAL, ENOMEM, or EIO
 * if libpri refuses. */
int pri_span_alloc(struct pri_span **spanp, const struct pri_span_params *p);

/* Free the span and every call on it without signalling (the fd stays open). NULL is a
 * no-op. libpri 1.6.0 has no destructor for its controller: a few kB stay allocated per
 * span ever created (tests/unit/lsan.supp names them). */
void pri_span_free(struct pri_span *span);

/* The fd to poll for reading; -1 once the far end has closed it (PRI_IO_SOCKET). */
int pri_span_fd(const struct pri_span *span);

/* [ms] until pri_span_run_timers() is due: -1 if no timer runs, 0 if one is due. now is
 * gettimeofday() time (libpri's clock); NULL means now. */
int pri_span_next_timeout_ms(struct pri_span *span, const struct timeval *now);

/* The fd is readable: take one frame off the D-channel and act on it. */
void pri_span_on_readable(struct pri_span *span);

/* Run the libpri timers that are due by gettimeofday() (Q.921 T200/T203, Q.931 T303,
 * T305, T308, T310…). Call on every pass of the loop. */
void pri_span_run_timers(struct pri_span *span);

/* Layer 1 went into alarm (true) or out of it (false): in alarm the D-channel counts as
 * down at once, its calls are cleared with cause 38 and its channels are unusable. */
void pri_span_set_alarm(struct pri_span *span, bool alarm);

bool pri_span_dchan_up(const struct pri_span *span);
unsigned pri_span_number(const struct pri_span *span);
enum pri_role pri_span_role(const struct pri_span *span);
unsigned pri_span_calls(const struct pri_span *span);

/* Take the span's B-channels from another table (a reload regrouped the span): the
 * channels of its calls are marked busy there and the span usable there as it is now, so
 * the calls go on and the next hunt passes over them. chans must hold the span's channels.
 * 0, EINVAL, or EBUSY when a call's channel cannot be taken there (nothing changed). */
int pri_span_set_chans(struct pri_span *span, struct bchan_group *chans);

/* An outgoing call (Q.931 §5.1.1). */
struct pri_call_params {
	struct pri_number called;
	struct pri_party calling;
	enum pri_bearer bearer;
	enum pri_law law;		/* PRI_LAW_DEFAULT: from the span's line type */
	struct bchan_req chan;		/* chan.span is ignored: this span */
	bool complete;			/* add Sending Complete; false: pri_call_digits() may
					 * follow (overlap sending, §5.1.3) */
	struct pri_redirecting redirecting;	/* digits "": none sent */
	void *user;			/* caller's context, see pri_call_user() */
};

/* Reserve a B-channel and send SETUP; the call is in U1/N6. Returns 0, ENOTCONN if the
 * D-channel is down (*cause 38), EBUSY if no channel fits (*cause 34, 44 or 82), EINVAL,
 * ENOMEM, EIO (*cause 41). cause may be NULL. */
int pri_call_place(struct pri_span *span, struct pri_call **callp,
		   const struct pri_call_params *p, int *cause);

/* Incoming call, overlap receiving (Q.931 §5.2.4): SETUP ACKNOWLEDGE, more INFO follows. */
int pri_call_more_info(struct pri_call *call);

/* Outgoing call, overlap sending (Q.931 §5.1.3): send more called-number digits. */
int pri_call_digits(struct pri_call *call, const char *digits);

/* Incoming call: CALL PROCEEDING (§5.2.5.1), ALERTING (§5.2.5.2), PROGRESS (§5.1.6),
 * CONNECT (§5.2.8). inband adds progress indicator No. 8. Each returns 0, EINVAL (NULL),
 * EPROTO (not allowed in the call's state) or EIO (libpri refused). */
int pri_call_proceeding(struct pri_call *call);
int pri_call_alerting(struct pri_call *call, bool inband);
int pri_call_progress(struct pri_call *call, bool inband);
int pri_call_answer(struct pri_call *call);

/* Clear the call with a Q.850 cause (Q.931 §5.3): DISCONNECT, or RELEASE after the far
 * end's DISCONNECT. An incoming call not yet answered gets CALL PROCEEDING first so that
 * the far end sees the cause at once. A PRI_EV_RELEASE follows (not from inside this
 * function). Hanging up twice is a no-op. 0, EINVAL. */
int pri_call_hangup(struct pri_call *call, int cause);

/* The call's B-channel (pos 0 if none). */
struct bchan_ref pri_call_chan(const struct pri_call *call);
enum pri_call_state pri_call_state(const struct pri_call *call);
bool pri_call_outgoing(const struct pri_call *call);
unsigned pri_call_id(const struct pri_call *call);	/* unique per process, for logs */
struct pri_span *pri_call_span(const struct pri_call *call);
void pri_call_set_user(struct pri_call *call, void *user);
void *pri_call_user(const struct pri_call *call);

/* The Q.931 name of a state ("Active"); logs prefix it with U or N and the number. */
const char *pri_call_state_name(enum pri_call_state state);

/* The span number of a live libpri controller (for its log lines); 0 if unknown. */
struct pri;
unsigned pri_ctrl_span(const struct pri *ctrl);
/* A line libpri printed for a controller (its message callback, tdm_log_init()): how a
 * span learns that the far end reset the data link (Q.921 MDL-ERROR (F)); its calls are
 * then checked on the next pri_span_on_readable() / pri_span_run_timers() (Q.931 §5.8.8).
 * Lines of controllers that are not a live span's are ignored. */
void pri_ctrl_message(const struct pri *ctrl, const char *msg);
const char *pri_event_name(enum pri_event_type type);

#endif
