/* What DAHDI reports about a span and its channels: the text of /proc/dahdi/N and the
 * attributes under /sys/bus/dahdi_spans/devices/span-N/, parsed without I/O (the formats are
 * those of DAHDI 2.11's dahdi-base.c dahdi_seq_show() and dahdi-sysfs.c). Used to check
 * that strowger.conf agrees with what dahdi_cfg configured, and to write both files. */
#ifndef STROWGER_TDM_DAHDI_REPORT_H
#define STROWGER_TDM_DAHDI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#define DAHDI_REPORT_MAX_CHANS 32	/* an E1 has 31; dynamic spans may have 32 */

/* Signalling of a channel as DAHDI names it, grouped by what the gateway needs of it. */
enum dahdi_report_sig {
	DR_SIG_UNCONFIGURED,	/* "Unconfigured" or "Reserved": dahdi_cfg gave it nothing */
	DR_SIG_CLEAR,		/* "Clear": bchan= (audio, a B-channel) */
	DR_SIG_HDLC,		/* "HDLCFCS", "HDLCRAW", "HDLCNET", "Hardware-assisted HDLC":
				 * dchan=, hardhdlc= (a D-channel) */
	DR_SIG_FXO,		/* "FXOLS/FXOKS/FXOGS": FXO signalling, the port faces a phone
				 * (the gateway acts as FXS) */
	DR_SIG_FXS,		/* "FXSLS/FXSKS/FXSGS": FXS signalling, faces an exchange line */
	DR_SIG_OTHER,		/* E&M, CAS, DACS, MTP2, ... */
};

struct dahdi_report_chan {
	unsigned channo;		/* DAHDI's global channel number */
	char name[40];			/* "TE4/0/1/16", "DYN/loc/1:1/16" */
	char sig_name[24];		/* as printed: "HDLCFCS", "Clear", "" if none */
	enum dahdi_report_sig sig;
	bool in_use;			/* "(In use)": some process has it open */
};

/* Line configuration as DAHDI prints it (dahdi_cfg's span= framing and coding). */
enum {
	DR_LINE_D4 = 1 << 0, DR_LINE_ESF = 1 << 1, DR_LINE_AMI = 1 << 2, DR_LINE_B8ZS = 1 << 3,
	DR_LINE_CCS = 1 << 4, DR_LINE_HDB3 = 1 << 5, DR_LINE_CRC4 = 1 << 6,
};

/* Alarms as printed ("RED ", "YELLOW "...). */
enum {
	DR_ALARM_BLUE = 1 << 0, DR_ALARM_YELLOW = 1 << 1, DR_ALARM_RED = 1 << 2,
	DR_ALARM_LOOP = 1 << 3, DR_ALARM_RECOVERING = 1 << 4, DR_ALARM_NOTOPEN = 1 << 5,
};

/* Error counters, printed only when non-zero (0 otherwise). */
struct dahdi_report_counts {
	unsigned bpv;			/* bipolar violations */
	unsigned crc4;			/* E1 CRC-4 errors */
	unsigned ebit;			/* E-bit errors (the far end saw CRC-4 errors) */
	unsigned fas;			/* frame alignment signal errors */
	unsigned irqmisses;
	unsigned timingslips;
};

enum dahdi_report_type {
	DR_TYPE_UNKNOWN,	/* nothing tells: a dynamic span with no line configuration */
	DR_TYPE_E1,
	DR_TYPE_T1,		/* T1 and J1 */
	DR_TYPE_ANALOG,		/* FXS/FXO modules of an analog card */
	DR_TYPE_OTHER,		/* BRI */
};

struct dahdi_report_span {
	unsigned spanno;
	char name[40];			/* "TE4/0/1", "DYN/loc/1:1" */
	char desc[80];			/* "T4XXP (PCI) Card 0 Span 1" */
	bool sync_master;		/* "(MASTER)": DAHDI's timing master */
	bool clock_source;		/* "ClockSource": the span the card takes its clock from */
	unsigned lineconfig;		/* DR_LINE_* bits, 0 if DAHDI shows none */
	unsigned alarms;		/* DR_ALARM_* bits */
	struct dahdi_report_counts counts;
	char spantype[16];		/* sysfs spantype: "E1", "T1", "DYNAMIC", "" if not read */
	unsigned nchans;		/* channels listed; chans[i] is span position i + 1 */
	struct dahdi_report_chan chans[DAHDI_REPORT_MAX_CHANS];
};

/* Parse the text of /proc/dahdi/N (len bytes, need not be NUL-terminated) into *s, which
 * is cleared first. Returns 0, EINVAL for a text that is not a span report (no
 * "Span N: " line) or E2BIG for more than DAHDI_REPORT_MAX_CHANS channels. */
int dahdi_report_parse_proc(struct dahdi_report_span *s, const char *text, size_t len);

/* Take one sysfs attribute of the span's directory (name "spantype", "lineconfig",
 * "channels"...; value as read, trailing newline allowed). Unknown names are ignored.
 * Returns 0 or EINVAL. */
int dahdi_report_set_attr(struct dahdi_report_span *s, const char *attr, const char *value);

/* The span's type from what DAHDI told: the sysfs spantype, else the line configuration
 * (CCS/HDB3/CRC4 E1, D4/ESF/AMI/B8ZS T1), else DR_TYPE_UNKNOWN. *from gets a few words
 * saying which ("spantype E1", "line CCS/HDB3"). */
enum dahdi_report_type dahdi_report_type(const struct dahdi_report_span *s, const char **from);

/* "CCS/HDB3/CRC4" for DR_LINE_* bits, "" for none. */
const char *dahdi_report_line_str(unsigned lineconfig, char *buf, size_t size);

const char *dahdi_report_type_name(enum dahdi_report_type t);

/* Read /proc/dahdi/N under procdir ("/proc/dahdi") and the attributes of span-N under
 * sysdir ("/sys/bus/dahdi_spans/devices"; missing attributes are left empty). ENOENT: no
 * such span. */
int dahdi_report_read(struct dahdi_report_span *s, const char *procdir, const char *sysdir,
		      unsigned spanno);

/* The span numbers /proc/dahdi lists, ascending, at most max. Returns how many (0 if the
 * directory cannot be read). */
unsigned dahdi_report_list(const char *procdir, unsigned *spans, unsigned max);

#endif
