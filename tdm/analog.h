/* An analog port on a DAHDI channel (FXS: fxoks/fxols signalling, the port faces a phone;
 * FXO: fxsks/fxsls, the port faces an exchange line): hook operations, the events DAHDI
 * reports on the channel, tones from the channel's tone zone (libtonezone), DTMF dialling.
 * The channel is a span's audio channel (tdm/span.h opens it): its events are read by the
 * daemon's loop only (POLLPRI -> tdm_span_handle_event -> the span's chan_evh), so that a
 * read of audio refused with ELAST (an event queued) is retried by whoever reads the audio
 * and never busy-loops. Each function returns 0 or an errno value. */
#ifndef STROWGER_TDM_ANALOG_H
#define STROWGER_TDM_ANALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum analog_hook_op {
	ANALOG_ONHOOK,		/* FXO: hang up. FXS: stop ringing, loop current off (kewlstart) */
	ANALOG_OFFHOOK,		/* FXO: seize the line / answer */
	ANALOG_RING,		/* FXS: ring with the channel's cadence (repeats until stopped) */
	ANALOG_RINGOFF,		/* FXS: stop ringing */
	ANALOG_FLASH,		/* FXO: hook flash */
};

/* DAHDI_HOOK. */
int analog_hook(int fd, enum analog_hook_op op);

enum analog_event_type {
	ANALOG_EV_NONE,
	ANALOG_EV_OFFHOOK,	/* FXS: the phone went off-hook. FXO: ring detected (RINGOFFHOOK) */
	ANALOG_EV_ONHOOK,	/* FXS: the phone hung up. FXO: loop current dropped (kewlstart:
				 * the far end cleared) */
	ANALOG_EV_FLASH,	/* FXS: hook flash (WINKFLASH) */
	ANALOG_EV_RINGER_ON,	/* FXS: our ringing burst started */
	ANALOG_EV_RINGER_OFF,	/* FXS: our ringing burst ended: the caller-ID gap */
	ANALOG_EV_RING_BEGIN,	/* FXO: ringing voltage began (cards that report it) */
	ANALOG_EV_POLARITY,	/* FXO: battery reversal (answer/disconnect supervision) */
	ANALOG_EV_DIAL_DONE,	/* DAHDI_DIAL finished */
	ANALOG_EV_HOOK_DONE,	/* a DAHDI_HOOK operation completed */
	ANALOG_EV_PULSE_DIGIT,	/* a pulse-dialled digit (digit set) */
	ANALOG_EV_ALARM,	/* the span went into / out of alarm */
	ANALOG_EV_OTHER,
};

struct analog_event {
	enum analog_event_type type;
	char digit;		/* PULSE_DIGIT */
	int raw;		/* DAHDI_EVENT_* as read */
};

/* Decode a DAHDI event number (DAHDI_GETEVENT) into ev. */
void analog_event_decode(int dahdi_event, struct analog_event *ev);
const char *analog_event_name(enum analog_event_type t);

enum analog_tone {
	ANALOG_TONE_OFF,
	ANALOG_TONE_DIAL,
	ANALOG_TONE_BUSY,
	ANALOG_TONE_RINGBACK,
	ANALOG_TONE_CONGESTION,	/* reorder */
	ANALOG_TONE_STUTTER,	/* stutter dial tone: message waiting */
	ANALOG_TONE_DIALRECALL,	/* recall dial tone: after a flash */
	ANALOG_TONE_CALLWAIT,
};

/* Make the zone the channel's (DAHDI_SETTONEZONE), loading it into DAHDI through
 * "<dir>/ctl" first if dahdi_cfg did not (libtonezone). ENOENT: no such zone. */
int analog_set_zone(int fd, const char *dir, const char *zone);

/* Start a tone of the channel's zone, or stop it (DAHDI_SENDTONE). DAHDI plays it until
 * stopped; audio written meanwhile is not sent. ENODATA: the zone lacks it. */
int analog_tone(int fd, enum analog_tone tone);

/* The zone's definition of a tone as libtonezone writes it ("350+440", "480+620/500,0/500"),
 * for detecting it (FXO disconnect supervision); NULL if unknown. */
const char *analog_zone_tone(const char *zone, enum analog_tone tone);

/* How long a tone libtonezone defines ("440/300,0/10000", "!425/200,!0/200,!425/200,!0/5000")
 * sounds before its first long pause (silence of 1 s or more): the call-waiting tone's
 * burst(s), after which the CAS may follow. Pure. 0 for NULL, a continuous tone or a
 * definition it cannot read. */
unsigned analog_tone_burst_ms(const char *def);
/* The same burst(s) as 8 kHz linear audio (each frequency at -16 dBm0; a modulated part
 * "F1*F2" as plain F1), to write to a channel behind audio already queued: a DAHDI tone
 * (DAHDI_SENDTONE) would cut in, and any write stops it. Pure. The sample count, or
 * -EINVAL (unreadable or continuous), -ENOSPC (more than max). */
int analog_tone_render(const char *def, int16_t *out, size_t max);

/* Ring cadence in ms, on/off pairs as DAHDI_SETCADENCE takes them; n pairs (<= 8).
 * Used by a zone's cadence or a distinctive ring. */
int analog_set_cadence(int fd, const unsigned *ms, unsigned n);

/* The zone's ring cadence (on, off, on, off... in ms, up to max values); the count. */
unsigned analog_zone_ring_cadence(const char *zone, unsigned *ms, unsigned max);

/* How DAHDI (dahdi-base.c, __dahdi_hooksig_pvt, case DAHDI_SIG_FXOKS) tells an FXS port's
 * on-hooks apart, by their length when the phone goes off-hook again: shorter than
 * DAHDI_MINPULSETIME, nothing; up to DAHDI_MAXPULSETIME, a dial pulse (counted; 250 ms
 * without one ends the digit: DAHDI_EVENT_PULSEDIGIT, ten pulses '0'); longer, a hook flash
 * (DAHDI_EVENT_WINKFLASH); lasting rxflashtime, a hang-up (DAHDI_EVENT_ONHOOK, at once).
 * Both pulse limits are compile-time constants of the kernel's dahdi/kernel.h, no parameter:
 * 15 and 200 ms (80 ms if DAHDI is built with SHORT_FLASH_TIME in dahdi_config.h, which
 * Debian's dahdi-dkms is not). So the shortest flash is fixed; the longest is ours. */
#define ANALOG_PULSE_MIN_MS	15
#define ANALOG_PULSE_MAX_MS	200

/* FXS: the longest on-hook DAHDI reports as a hook flash (rxflashtime, DAHDI_SET_PARAMS);
 * a longer one is a hang-up. */
int analog_set_flash(int fd, unsigned max_ms);
/* FXS: on-hook transmission (DAHDI_ONHOOKTRANSFER) for ms: the line stays powered on-hook so
 * the phone takes data sent now (visual message waiting, GR-30 §2.3). 0 or an errno. */
int analog_onhook_transfer(int fd, unsigned ms);

/* Dial digits as DTMF (DAHDI_DIAL, "T" prefix): 0-9 * # A-D, 'w' a 500 ms pause. The
 * channel reports ANALOG_EV_DIAL_DONE when finished. */
int analog_dial(int fd, const char *digits);

#endif
