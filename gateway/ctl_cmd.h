/* The control protocol's core, free of I/O: one request line in, reply lines out.
 *
 * Protocol (the control socket, gateway/ctl.h; the client, strowgerctl): a request is one
 * line of printable ASCII words separated by blanks, at most CTL_LINE_MAX bytes with its
 * newline. Every reply is one or more lines ended by an empty line. A failed request's reply
 * is a single line starting "error: "; anything else succeeded. Tables are aligned for
 * people: a header line, then one row per object. A request with the word "--json" (anywhere)
 * gets its show reply as one line of JSON instead (an object; errors stay "error: " lines).
 *
 * The daemon answers through struct ctl_ops (gateway/ctl_daemon.c fills the rows from its
 * objects); tests give fixed rows. */
#ifndef STROWGER_GATEWAY_CTL_CMD_H
#define STROWGER_GATEWAY_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cdr_rec;

#define CTL_LINE_MAX 512	/* request line, newline included */
#define CTL_MAX_ROWS 1024	/* rows one show command lists at most */
#define CONF_NAME_MAX_CTL 48	/* an endpoint as text: "trunk " and a name */

/* A growing reply buffer. */
struct ctl_buf {
	char *data;
	size_t len, cap;
	bool failed;		/* out of memory: the reply is cut short */
};

void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_buf_free(struct ctl_buf *b);
/* Drop the first n bytes (sent). */
void ctl_buf_consume(struct ctl_buf *b, size_t n);

struct ctl_span_row {
	unsigned number;
	const char *type;		/* "E1", "T1" */
	const char *sig;		/* "pri_cpe", "pri_net", "fxs", "fxo" */
	const char *alarm;		/* tdm_span_state_name(): "up", "alarm", "absent" */
	int dchan_up;			/* 1 up, 0 down, -1 no D-channel (analog) */
	unsigned bchans_used, bchans_total;
	bool blocked;			/* maintenance: span block N */
};

struct ctl_chan_row {
	unsigned span, chan;		/* DAHDI span number, position on the span */
	const char *state;		/* bchan_state_name(): "free", "busy", "oos"; "alarm" */
	uint64_t call_id;		/* the call on it, 0 if none */
	const char *law;		/* "alaw", "ulaw" */
};

struct ctl_call_row {
	uint64_t id;
	char dir[16];			/* "tdm->sip" */
	const char *state;		/* call_state_name() */
	char chan[32];			/* "span 2 ch 1", or "-" */
	char trunk[64];			/* the SIP leg's trunk, or "-" */
	char called[96], calling[64];
	double age_ms;			/* since the call arrived */
	double billed_ms;		/* since the answer; < 0 not answered */
	const char *codec;		/* "PCMA", "PCMU", "-" */
	const char *fax;		/* "-", "t38", "passthrough", ...: the SIP leg's fax mode */
	char leg_a[128], leg_b[128];	/* each leg: side and state (leg debug) */
	char sip_call_id[128];
};

struct ctl_trunk_row {
	const char *name;
	const char *proxy;
	const char *transport;		/* "udp", "tcp" */
	const char *reg;		/* sip_trunk_reg_state_name(), or "off" */
	int options_up;			/* 1 up, 0 down, -1 no keepalive */
	unsigned calls;
};

struct ctl_route_row {
	const char *name;
	char from[CONF_NAME_MAX_CTL];	/* "any", "span 2", "trunk carrier", "group pbx" */
	const char *match;		/* as written; "" = every number */
	char to[4 * CONF_NAME_MAX_CTL];	/* "trunk a, trunk b, span 4" in the order tried */
	unsigned strip;
	const char *prepend;
	uint64_t calls;			/* calls it routed since start (kept over reloads) */
};

/* An analog port (the port state dump, gateway/status.h). */
struct ctl_port_row {
	unsigned span, pos;		/* "5:3" */
	const char *kind;		/* "fxs", "fxo" */
	char number[32];		/* "" = none */
	bool offhook;			/* the line's hook as the port sees it */
	bool ringing;			/* FXS: ringing the phone; FXO: the line rings */
	const char *state;		/* the port's line state ("idle", "dial tone", ...) */
	const char *reg;		/* SIP registration as its own user: "-" (does not
					 * register), "unregistered", "registering",
					 * "registered", "failed" (retrying) */
	char user[64];			/* the SIP user it registers as, "" */
	int expires;			/* [s] left of the binding; -1: not registered */
	uint64_t call_id;		/* the call on it, 0 if none */
};

/* The status file's counts (gateway/status.h). */
struct ctl_status {
	unsigned calls;
	uint64_t calls_created;
	unsigned media_channels, bchan_in_use, fds, sockets, dahdi_fds;
	char dchan_up[128];		/* "2,4" or "-" */
};

/* What the daemon provides. The listing functions fill at most max rows and return how
 * many there are (more than max: the reply says so). Strings in rows must stay valid until
 * the command's reply is formatted. */
struct ctl_ops {
	unsigned (*spans)(void *arg, struct ctl_span_row *rows, unsigned max);
	unsigned (*calls)(void *arg, struct ctl_call_row *rows, unsigned max);
	unsigned (*trunks)(void *arg, struct ctl_trunk_row *rows, unsigned max);
	void (*status)(void *arg, struct ctl_status *st);
	/* Clear call id (all: every call not already clearing) with a Q.850 cause. Returns how
	 * many calls were cleared; id unknown (not all): -1. */
	int (*hangup)(void *arg, bool all, uint64_t id, int cause);
	/* The B-channels of PRI span `span` (0: every span); span unknown: 0 rows. */
	unsigned (*channels)(void *arg, unsigned span, struct ctl_chan_row *rows, unsigned max);
	/* The last CDRs, oldest first, at most max; -1: CDRs are off. */
	int (*cdr_tail)(void *arg, struct cdr_rec *rows, unsigned max);
	/* Read the configuration again (gateway/reload.h); reply: the one-line summary or why
	 * nothing changed. 0, or nonzero for a failed reload. */
	int (*reload)(void *arg, char *reply, size_t len);
	/* Block (no new calls either way; calls up finish) or unblock PRI span `span`. 0,
	 * ENOENT (no such span running) or EINVAL (not a PRI span). */
	int (*span_block)(void *arg, unsigned span, bool block);
	/* The routes in config order. */
	unsigned (*routes)(void *arg, struct ctl_route_row *rows, unsigned max);
	/* SIP trace (sip/trace.h): on (scope "all", "trunk" or "call" with what: a trunk's name,
	 * a call id of show calls or a SIP Call-ID; path NULL: the configured trace_file), off
	 * (on false), or what is on (scope NULL). Reply: one line. 0, or nonzero with the reply
	 * saying why. */
	int (*trace)(void *arg, bool on, const char *scope, const char *what, const char *path,
		     char *reply, size_t len);
	/* The analog ports, FXS then FXO, each in span/position order. */
	unsigned (*ports)(void *arg, struct ctl_port_row *rows, unsigned max);
};

/* Run one request line (without its newline) and append the reply, its empty last line
 * included, to out. Returns 0 when the request succeeded, -1 when the reply is an error. */
int ctl_cmd_run(const struct ctl_ops *ops, void *arg, const char *line, struct ctl_buf *out);

/* Append "error: msg" and the empty line. Returns -1. */
int ctl_cmd_error(struct ctl_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
