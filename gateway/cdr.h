/* Call detail records: one row per finished call in an SQLite database (and optionally a
 * CSV file), written by a thread of their own so a slow disk never delays signalling.
 *
 * The signalling thread hands a finished call's record to cdr_writer_submit(), which only
 * copies it into a bounded queue: a full queue drops the record, counts it and logs (rate
 * limited), and never blocks. The writer thread takes everything queued and commits it as
 * one transaction at once (no timed batching), so a call's row is on disk a few ms after
 * its CALL line. The database is in WAL mode with synchronous=FULL: a committed row
 * survives the daemon's SIGKILL (it is in the file) and a power cut (fsync'd with its
 * commit). On close the queue is drained and committed before the thread ends (SIGTERM).
 *
 * Schema: docs/cdr.md; its version is PRAGMA user_version (CDR_SCHEMA_VERSION). */
#ifndef STROWGER_GATEWAY_CDR_H
#define STROWGER_GATEWAY_CDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDR_SCHEMA_VERSION 1
#define CDR_QUEUE_DEFAULT 1024	/* records waiting for the writer at most */
#define CDR_TAIL_MAX 100	/* the last rows kept in memory for cdr tail */
#define CDR_TIME_LEN 25		/* "2026-12-05T02:09:45.123Z" and its NUL */

/* One finished call. Times are wall clock [µs since the epoch, UTC]; answer_us 0: never
 * answered. Strings are "" when unknown. */
struct cdr_rec {
	uint64_t call_id;		/* the daemon's call number (restarts at 1) */
	int64_t start_us, answer_us, end_us;
	int64_t duration_ms;		/* arrival -> end */
	int64_t billsec_ms;		/* answer -> end; 0 if never answered */
	char direction[16];		/* "tdm-sip", "sip-tdm" */
	unsigned span, channel;		/* the line leg's DAHDI span and position; 0: none */
	char line[48];			/* the line leg as logs name it: "span 2 ch 1" */
	char trunk[64];			/* the SIP leg's trunk */
	char called[96], calling[64];
	char presentation[24];		/* "allowed", "restricted", ... */
	char sip_call_id[128];
	int cause;			/* Q.850 */
	char cause_name[48];
	int sip_status;			/* final SIP status, 0 if none */
	char cleared_by[16];		/* "tdm", "sip", "gateway" */
	char codec[16];			/* "PCMA", "PCMU" */
	bool have_rtp;			/* the media stream's final figures */
	uint64_t rtp_sent, rtp_received;
	int64_t rtp_lost;
	double jitter_ms, peer_lost_pct, rtt_ms;	/* peer_lost_pct -1: no RTCP report */
	double setup_relay_ms;		/* arrival -> passed on (the CALL line's); < 0: never */
	bool have_fax;			/* the last fax on the call */
	char fax_transport[16];		/* "t38", "passthrough" */
	unsigned fax_pages, fax_rate;
	bool fax_ecm;
	int fax_code;			/* T.30 completion code */
};

/* "2026-12-05T02:09:45.123Z" of us [µs since the epoch] into buf (CDR_TIME_LEN bytes). */
void cdr_format_time(int64_t us, char *buf, size_t len);

/* Append s to buf as one RFC 4180 CSV field: quoted (quotes doubled) when it holds a
 * comma, quote, CR or LF. Returns the length buf would have (snprintf-like). */
size_t cdr_csv_field(char *buf, size_t len, const char *s);

/* The CSV line of r (no header), newline included, in the columns of cdr_csv_header. */
int cdr_csv_line(const struct cdr_rec *r, char *buf, size_t len);
extern const char cdr_csv_header[];

struct cdr_writer;

struct cdr_writer_params {
	const char *db_path;		/* SQLite database; created with its directory */
	const char *csv_path;		/* NULL or "": no CSV */
	unsigned queue_max;		/* 0: CDR_QUEUE_DEFAULT */
};

struct cdr_writer_stats {
	uint64_t submitted;		/* records accepted into the queue */
	uint64_t written;		/* rows committed */
	uint64_t dropped;		/* records refused: the queue was full */
	uint64_t failed;		/* rows lost to a database error */
	unsigned queued;		/* records in the queue */
	unsigned writing;		/* records the writer took and has not committed */
};

/* Open (create) the database, check or create its schema, load the last rows for the
 * tail and start the writer thread. In the caller's thread, so a bad path is reported
 * here. 0, or an errno value: ENOTSUP (the schema is newer than this program's), EIO
 * (SQLite failed: logged), ENOMEM, or what mkdir said. */
int cdr_writer_open(struct cdr_writer **wp, const struct cdr_writer_params *p);

/* Queue r for writing. Never blocks on the disk. 0, or EAGAIN: the queue is full and the
 * record was dropped (counted, logged). */
int cdr_writer_submit(struct cdr_writer *w, const struct cdr_rec *r);

/* Commit everything queued, stop the thread, close the database. NULL is a no-op. */
void cdr_writer_close(struct cdr_writer *w);

void cdr_writer_get_stats(struct cdr_writer *w, struct cdr_writer_stats *st);

/* The last committed rows, oldest first, at most max (and CDR_TAIL_MAX). */
unsigned cdr_writer_tail(struct cdr_writer *w, struct cdr_rec *out, unsigned max);

#endif
