/* Thin wrappers over the DAHDI character devices: every ioctl the gateway issues goes
 * through here, each returning 0 or an errno value. */
#ifndef STROWGER_TDM_DAHDI_H
#define STROWGER_TDM_DAHDI_H

#include <stdbool.h>

#define DAHDI_FRAME_BYTES 160	/* [bytes] one 20 ms block of 8 kHz G.711 */

enum dahdi_chan_mode {
	DAHDI_MODE_AUDIO,	/* B-channel / analog port: blocksize 160, immediate policy */
	DAHDI_MODE_HDLC,	/* D-channel: one HDLC frame per read */
};

/* Open "<dir>/channel" and bind it to DAHDI channel number channo (DAHDI_SPECIFY), then
 * set up buffering for mode. *fdp is a non-blocking fd on success. */
int dahdi_chan_open(int *fdp, const char *dir, unsigned channo, enum dahdi_chan_mode mode);

/* A span's line error counters (DAHDI_SPANSTAT), counted by the card since the span was
 * configured; 0 on spans that count nothing (dynamic spans, analog cards). DAHDI 2.11 puts
 * timing slips only in /proc/dahdi/N: dahdi_span_stat() takes them from there. */
struct dahdi_span_counts {
	unsigned bpv;			/* bipolar violations: line coding (AMI/B8ZS/HDB3) */
	unsigned crc4;			/* E1 CRC-4 errors */
	unsigned ebit;			/* E-bits: the far end saw CRC-4 errors */
	unsigned fas;			/* frame alignment signal errors */
	unsigned fe;			/* framing errors */
	unsigned cv;			/* coding violations */
	unsigned irqmisses;		/* the card's interrupts the host missed */
	unsigned slips;			/* timing slips (/proc/dahdi/N): two clocks disagree */
};

/* "bpv +3 (7), crc4 +1 (12)": the counters that differ between old and now, with the
 * increase and the total; "" if none differ. Returns buf. */
const char *dahdi_counts_delta_str(const struct dahdi_span_counts *old,
				   const struct dahdi_span_counts *now, char *buf, unsigned buflen);

/* The span's state as DAHDI_SPANSTAT reports it. */
struct dahdi_span_info {
	int alarms;			/* DAHDI_ALARM_* bits */
	struct dahdi_span_counts counts;
	unsigned totalchans;		/* channels the span has */
	unsigned numchans;		/* of which configured */
	char name[24];
	char desc[48];
};

/* Query span number spanno through "<dir>/ctl". ENXIO/EINVAL: no such span. */
int dahdi_span_stat(const char *dir, unsigned spanno, struct dahdi_span_info *info);

/* The same on a ctl fd kept open (dahdi_ctl_open(): "<dir>/ctl"), for polling without
 * an open() each time; EINTR is retried. */
int dahdi_ctl_open(const char *dir, int *fdp);
int dahdi_span_stat_fd(int ctl, unsigned spanno, struct dahdi_span_info *info);

/* Find the global channel numbers of span spanno: chan_of_pos[p] for span positions
 * 1..npos (0 where the position has no channel). Uses DAHDI_GET_PARAMS on ctl. */
int dahdi_span_channels(const char *dir, unsigned spanno, unsigned *chan_of_pos, unsigned npos);

/* Tones DAHDI generates itself from the span's tone zone (loadzone in system.conf). */
enum dahdi_tone { DAHDI_TONE_OFF, DAHDI_TONE_RINGBACK, DAHDI_TONE_BUSY_SIGNAL,
		  DAHDI_TONE_CONGESTION_SIGNAL };

/* Start (or stop, DAHDI_TONE_OFF) a tone on a channel (DAHDI_SENDTONE). ENODATA: no zone. */
int dahdi_chan_tone(int fd, enum dahdi_tone tone);

/* Drop what is buffered in both directions and any queued event (DAHDI_FLUSH), before a
 * call's audio starts. */
int dahdi_chan_flush(int fd);

/* Switch the channel's echo canceller on with a tail of taps (32..1024, a power of two), or
 * off (taps 0) (DAHDI_ECHOCANCEL_PARAMS). On puts a clear channel in audio mode first
 * (DAHDI_AUDIOMODE), where it stays: G.711 voice passes through it unchanged. Succeeds, doing nothing, on a channel with no
 * canceller attached (echocanceller= in system.conf): DAHDI cannot be asked which it is. */
int dahdi_chan_echocan(int fd, unsigned taps);

/* Read one pending event (DAHDI_GETEVENT); *event is DAHDI_EVENT_NONE if none. */
int dahdi_get_event(int fd, int *event);

/* "RED+LOS" etc. for DAHDI_ALARM_* bits; "none" for 0. */
const char *dahdi_alarm_str(int alarms, char *buf, unsigned buflen);

#endif
