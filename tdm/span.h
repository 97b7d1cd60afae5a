/* A DAHDI span as the gateway sees it: its channels (opened once, kept open) and its
 * alarm state. The span never blocks and never exits the process: a missing device, a
 * channel that will not open or a span in alarm is logged and reported, and the span
 * retries on the next poll. */
#ifndef STROWGER_TDM_SPAN_H
#define STROWGER_TDM_SPAN_H

#include <stdbool.h>
#include <stdint.h>

#define TDM_MAX_POS 31	/* span positions 1..31 (E1); T1 uses 1..24 */

struct tdm_span;

enum tdm_sig { TDM_SIG_PRI, TDM_SIG_ANALOG };

enum tdm_span_state {
	TDM_SPAN_ABSENT,	/* DAHDI has no such span (or no /dev/dahdi) */
	TDM_SPAN_ALARM,		/* present, in alarm: unusable */
	TDM_SPAN_UP,		/* present, no alarm */
};

/* Called on every state change, after it is logged. */
typedef void (tdm_span_state_h)(struct tdm_span *span, enum tdm_span_state state, void *arg);

/* An fd that carries signalling events was opened (added) or is about to be closed: the
 * caller's event loop watches it for POLLPRI and calls tdm_span_handle_event(). dchan: it
 * is the span's D-channel (HDLC frames to read as well). */
typedef void (tdm_span_fd_h)(struct tdm_span *span, int fd, bool dchan, bool added, void *arg);

/* An event (DAHDI_EVENT_*) other than an alarm on channel pos of an analog span: hook
 * state, ringing, dialling. Read by the loop that watches the fd, the only reader. */
typedef void (tdm_span_chan_event_h)(struct tdm_span *span, unsigned pos, int fd, int event,
				     void *arg);

struct tdm_span_params {
	unsigned number;		/* DAHDI span number */
	enum tdm_sig sig;
	uint32_t bchans;		/* bit n = span position n carries audio */
	unsigned dchannel;		/* span position of the D-channel, 0 if none */
	const char *dahdi_dir;		/* "/dev/dahdi"; copied */
	tdm_span_state_h *stateh;	/* may be NULL */
	tdm_span_fd_h *fdh;		/* may be NULL */
	tdm_span_chan_event_h *evh;	/* analog spans: may be NULL */
	void *arg;
};

int tdm_span_alloc(struct tdm_span **spanp, const struct tdm_span_params *p);

/* Close every channel and free. NULL is a no-op. */
void tdm_span_free(struct tdm_span *span);

/* Look at DAHDI: find the span, open the channels not yet open, read the alarms. Logs what
 * fails (span and channel named) and carries on. Call at start and on every poll tick;
 * cheap once everything is open. */
void tdm_span_poll(struct tdm_span *span);

/* An fd of this span reported POLLPRI: read its DAHDI events and act on them. */
void tdm_span_handle_event(struct tdm_span *span, int fd);

/* The open fd of span position pos, or -1 (closed, or not one of this span's channels).
 * B-channel fds belong to the span; the media engine borrows them during a call. */
int tdm_span_chan_fd(const struct tdm_span *span, unsigned pos);

enum tdm_span_state tdm_span_state(const struct tdm_span *span);
unsigned tdm_span_number(const struct tdm_span *span);

/* How many of the configured channels are open right now. */
unsigned tdm_span_open_channels(const struct tdm_span *span);

const char *tdm_span_state_name(enum tdm_span_state state);

#endif
