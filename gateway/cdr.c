/* Call detail records (gateway/cdr.h): the queue, the writer thread, SQLite and CSV. */
#include "gateway/cdr.h"

#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 1000	/* per attempt; a locked database is retried until close */
#define CLOSE_GIVE_UP_MS 5000	/* at close, a database still locked after this loses rows */
#define DROP_LOG_EVERY_MS 10000

/* Schema version 1 (docs/cdr.md). A new column means a new version and a migration in
 * open_schema(); rows are never rewritten. */
static const char schema_v1[] =
	"CREATE TABLE cdr ("
	" id INTEGER PRIMARY KEY,"
	" call_id INTEGER NOT NULL,"
	" start_time TEXT NOT NULL,"
	" answer_time TEXT,"
	" end_time TEXT NOT NULL,"
	" duration_ms INTEGER NOT NULL,"
	" billsec_ms INTEGER NOT NULL,"
	" direction TEXT NOT NULL,"
	" span INTEGER,"
	" channel INTEGER,"
	" line TEXT,"
	" trunk TEXT,"
	" called TEXT,"
	" calling TEXT,"
	" presentation TEXT,"
	" sip_call_id TEXT,"
	" cause INTEGER NOT NULL,"
	" cause_name TEXT,"
	" sip_status INTEGER,"
	" cleared_by TEXT,"
	" codec TEXT,"
	" rtp_sent INTEGER,"
	" rtp_received INTEGER,"
	" rtp_lost INTEGER,"
	" jitter_ms REAL,"
	" peer_lost_pct REAL,"
	" rtt_ms REAL,"
	" fax_transport TEXT,"
	" fax_pages INTEGER,"
	" fax_rate INTEGER,"
	" fax_ecm INTEGER,"
	" fax_code INTEGER);"
	"CREATE INDEX cdr_start_time ON cdr(start_time);"
	"PRAGMA user_version = 1;";

#define COLUMNS "call_id,start_time,answer_time,end_time,duration_ms,billsec_ms,direction," \
	"span,channel,line,trunk,called,calling,presentation,sip_call_id,cause,cause_name," \
	"sip_status,cleared_by,codec,rtp_sent,rtp_received,rtp_lost,jitter_ms,peer_lost_pct," \
	"rtt_ms,fax_transport,fax_pages,fax_rate,fax_ecm,fax_code"
#define NCOLUMNS 31

const char cdr_csv_header[] = COLUMNS "\n";

struct cdr_writer {
	sqlite3 *db;
	sqlite3_stmt *insert;
	FILE *csv;
	char *db_path;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;			/* close: drain and end */

	/* Under lock: */
	struct cdr_rec *queue;		/* ring of queue_max */
	unsigned queue_max, head, count;
	unsigned in_hand;		/* taken by the writer, not yet committed */
	struct cdr_writer_stats st;
	uint64_t last_drop_log_us;
	struct cdr_rec tail[CDR_TAIL_MAX];	/* ring of the last rows */
	unsigned tail_head, tail_count;

	struct cdr_rec *batch;		/* the writer's own: queue_max */
};

/* ---- formats --------------------------------------------------------------------------- */

void cdr_format_time(int64_t us, char *buf, size_t len)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0 || !gmtime_r(&s, &tm)) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(us / 1000 % 1000));
}

size_t cdr_csv_field(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf), k = n;
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

#define PUT(ch) do { if (k + 1 < len) { buf[k] = (ch); buf[k + 1] = '\0'; } k++; } while (0)
	if (quote)
		PUT('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			PUT('"');	/* RFC 4180 §2.7: a quote inside is doubled */
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	return k;
}

int cdr_csv_line(const struct cdr_rec *r, char *buf, size_t len)
{
	char start[CDR_TIME_LEN], answer[CDR_TIME_LEN], end[CDR_TIME_LEN], num[32];
	const char *text[] = { r->direction, r->line, r->trunk, r->called, r->calling,
			       r->presentation, r->sip_call_id, r->cause_name, r->cleared_by,
			       r->codec, r->fax_transport };
	size_t k;

	if (!len)
		return EINVAL;
	cdr_format_time(r->start_us, start, sizeof(start));
	cdr_format_time(r->answer_us, answer, sizeof(answer));
	cdr_format_time(r->end_us, end, sizeof(end));
	buf[0] = '\0';
	/* call_id..billsec_ms */
	k = (size_t)snprintf(buf, len, "%" PRIu64 ",%s,%s,%s,%" PRId64 ",%" PRId64 ",", r->call_id,
			     start, answer, end, r->duration_ms, r->billsec_ms);
	if (k >= len)
		return ENOSPC;
	k = cdr_csv_field(buf, len, text[0]);	/* direction */
	if (r->span)
		snprintf(num, sizeof(num), ",%u,%u,", r->span, r->channel);
	else
		snprintf(num, sizeof(num), ",,,");
	strncat(buf, num, len - strlen(buf) - 1);
	for (unsigned i = 1; i <= 6; i++) {	/* line..sip_call_id */
		k = cdr_csv_field(buf, len, text[i]);
		strncat(buf, ",", len - strlen(buf) - 1);
	}
	snprintf(num, sizeof(num), "%d,", r->cause);
	strncat(buf, num, len - strlen(buf) - 1);
	k = cdr_csv_field(buf, len, text[7]);	/* cause_name */
	snprintf(num, sizeof(num), ",%d,", r->sip_status);
	strncat(buf, num, len - strlen(buf) - 1);
	k = cdr_csv_field(buf, len, text[8]);	/* cleared_by */
	strncat(buf, ",", len - strlen(buf) - 1);
	k = cdr_csv_field(buf, len, text[9]);	/* codec */
	k = strlen(buf);
	if (r->have_rtp)
		k += (size_t)snprintf(buf + k, k < len ? len - k : 0,
				      ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%.1f,%.1f,%.1f",
				      r->rtp_sent, r->rtp_received, r->rtp_lost, r->jitter_ms,
				      r->peer_lost_pct, r->rtt_ms);
	else
		k += (size_t)snprintf(buf + k, k < len ? len - k : 0, ",,,,,,");
	if (k >= len)
		return ENOSPC;
	if (r->have_fax) {
		strncat(buf, ",", len - strlen(buf) - 1);
		k = cdr_csv_field(buf, len, text[10]);
		if (k < len)
			k += (size_t)snprintf(buf + k, len - k, ",%u,%u,%d,%d\n", r->fax_pages,
					      r->fax_rate, r->fax_ecm, r->fax_code);
	} else {
		k += (size_t)snprintf(buf + k, len - k, ",,,,,\n");
	}
	return k < len ? 0 : ENOSPC;
}

/* ---- SQLite ---------------------------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		LOGE(LS_MAIN, "CDR database: %s: %s", sql[0] == 'C' ? "creating the schema" : sql,
		     msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
	}
	return rc;
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Check the schema's version, or create it in a fresh file. */
static int open_schema(struct cdr_writer *w)
{
	int v = 0, rc;

	/* WAL: readers (sqlite3, cdr reports) never block the writer, nor it them. FULL: the
	 * WAL is fsync'd at each commit, so a committed row survives a power cut too; it
	 * costs the writer thread one fsync per batch, never the signalling thread. */
	if (exec(w->db, "PRAGMA journal_mode=WAL") || exec(w->db, "PRAGMA synchronous=FULL"))
		return EIO;
	rc = user_version(w->db, &v);
	if (rc != SQLITE_OK) {
		LOGE(LS_MAIN, "CDR database %s: %s", w->db_path, sqlite3_errmsg(w->db));
		return EIO;
	}
	if (v > CDR_SCHEMA_VERSION) {
		LOGE(LS_MAIN, "CDR database %s has schema version %d, newer than this program's "
		     "%d: not writing to it", w->db_path, v, CDR_SCHEMA_VERSION);
		return ENOTSUP;
	}
	if (v == 0) {
		if (exec(w->db, "BEGIN IMMEDIATE"))
			return EIO;
		/* user_version 0 with a cdr table: not ours (or a broken create). Say so. */
		if (exec(w->db, schema_v1)) {
			(void)exec(w->db, "ROLLBACK");
			return EIO;
		}
		if (exec(w->db, "COMMIT"))
			return EIO;
		LOGI(LS_MAIN, "CDR database %s created (schema version %d)", w->db_path,
		     CDR_SCHEMA_VERSION);
	}
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t[0])
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static int insert(struct cdr_writer *w, const struct cdr_rec *r)
{
	sqlite3_stmt *s = w->insert;
	char start[CDR_TIME_LEN], answer[CDR_TIME_LEN], end[CDR_TIME_LEN];
	int i = 1, rc;

	cdr_format_time(r->start_us, start, sizeof(start));
	cdr_format_time(r->answer_us, answer, sizeof(answer));
	cdr_format_time(r->end_us, end, sizeof(end));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, i++, (sqlite3_int64)r->call_id);
	bind_text(s, i++, start);
	bind_text(s, i++, answer);
	bind_text(s, i++, end);
	sqlite3_bind_int64(s, i++, r->duration_ms);
	sqlite3_bind_int64(s, i++, r->billsec_ms);
	bind_text(s, i++, r->direction);
	if (r->span) {
		sqlite3_bind_int(s, i++, (int)r->span);
		sqlite3_bind_int(s, i++, (int)r->channel);
	} else {
		i += 2;
	}
	bind_text(s, i++, r->line);
	bind_text(s, i++, r->trunk);
	bind_text(s, i++, r->called);
	bind_text(s, i++, r->calling);
	bind_text(s, i++, r->presentation);
	bind_text(s, i++, r->sip_call_id);
	sqlite3_bind_int(s, i++, r->cause);
	bind_text(s, i++, r->cause_name);
	if (r->sip_status)
		sqlite3_bind_int(s, i, r->sip_status);
	i++;
	bind_text(s, i++, r->cleared_by);
	bind_text(s, i++, r->codec);
	if (r->have_rtp) {
		sqlite3_bind_int64(s, i++, (sqlite3_int64)r->rtp_sent);
		sqlite3_bind_int64(s, i++, (sqlite3_int64)r->rtp_received);
		sqlite3_bind_int64(s, i++, r->rtp_lost);
		sqlite3_bind_double(s, i++, r->jitter_ms);
		if (r->peer_lost_pct >= 0)
			sqlite3_bind_double(s, i, r->peer_lost_pct);
		i++;
		sqlite3_bind_double(s, i++, r->rtt_ms);
	} else {
		i += 6;
	}
	if (r->have_fax) {
		bind_text(s, i++, r->fax_transport);
		sqlite3_bind_int(s, i++, (int)r->fax_pages);
		sqlite3_bind_int(s, i++, (int)r->fax_rate);
		sqlite3_bind_int(s, i++, r->fax_ecm);
		sqlite3_bind_int(s, i++, r->fax_code);
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* "2026-12-05T02:09:45.123Z" back to µs; 0 if empty or not that form. */
static int64_t parse_time(const unsigned char *t)
{
	struct tm tm = { 0 };
	int ms = 0;

	if (!t || sscanf((const char *)t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000 + ms * 1000;
}

static void col_text(sqlite3_stmt *s, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static void tail_push(struct cdr_writer *w, const struct cdr_rec *r)
{
	w->tail[(w->tail_head + w->tail_count) % CDR_TAIL_MAX] = *r;
	if (w->tail_count < CDR_TAIL_MAX)
		w->tail_count++;
	else
		w->tail_head = (w->tail_head + 1) % CDR_TAIL_MAX;
}

/* The last rows of the file (a restart keeps cdr tail's view), oldest first. */
static void load_tail(struct cdr_writer *w)
{
	sqlite3_stmt *s;
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT " COLUMNS " FROM (SELECT * FROM cdr ORDER BY id DESC "
		 "LIMIT %d) ORDER BY id", CDR_TAIL_MAX);
	if (sqlite3_prepare_v2(w->db, sql, -1, &s, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct cdr_rec r = { .call_id = (uint64_t)sqlite3_column_int64(s, 0) };
		int i = 1;

		r.start_us = parse_time(sqlite3_column_text(s, i++));
		r.answer_us = parse_time(sqlite3_column_text(s, i++));
		r.end_us = parse_time(sqlite3_column_text(s, i++));
		r.duration_ms = sqlite3_column_int64(s, i++);
		r.billsec_ms = sqlite3_column_int64(s, i++);
		col_text(s, i++, r.direction, sizeof(r.direction));
		r.span = (unsigned)sqlite3_column_int(s, i++);
		r.channel = (unsigned)sqlite3_column_int(s, i++);
		col_text(s, i++, r.line, sizeof(r.line));
		col_text(s, i++, r.trunk, sizeof(r.trunk));
		col_text(s, i++, r.called, sizeof(r.called));
		col_text(s, i++, r.calling, sizeof(r.calling));
		col_text(s, i++, r.presentation, sizeof(r.presentation));
		col_text(s, i++, r.sip_call_id, sizeof(r.sip_call_id));
		r.cause = sqlite3_column_int(s, i++);
		col_text(s, i++, r.cause_name, sizeof(r.cause_name));
		r.sip_status = sqlite3_column_int(s, i++);
		col_text(s, i++, r.cleared_by, sizeof(r.cleared_by));
		col_text(s, i++, r.codec, sizeof(r.codec));
		r.have_rtp = sqlite3_column_type(s, i) != SQLITE_NULL;
		r.rtp_sent = (uint64_t)sqlite3_column_int64(s, i++);
		r.rtp_received = (uint64_t)sqlite3_column_int64(s, i++);
		r.rtp_lost = sqlite3_column_int64(s, i++);
		r.jitter_ms = sqlite3_column_double(s, i++);
		r.peer_lost_pct = sqlite3_column_type(s, i) == SQLITE_NULL ? -1 :
				  sqlite3_column_double(s, i);
		i++;
		r.rtt_ms = sqlite3_column_double(s, i++);
		r.have_fax = sqlite3_column_type(s, i) != SQLITE_NULL;
		col_text(s, i++, r.fax_transport, sizeof(r.fax_transport));
		r.fax_pages = (unsigned)sqlite3_column_int(s, i++);
		r.fax_rate = (unsigned)sqlite3_column_int(s, i++);
		r.fax_ecm = sqlite3_column_int(s, i++);
		r.fax_code = sqlite3_column_int(s, i++);
		tail_push(w, &r);
	}
	sqlite3_finalize(s);
}

/* ---- the writer thread ----------------------------------------------------------------- */

/* One transaction for the batch. SQLITE_BUSY: nothing written, try again. */
static int write_batch(struct cdr_writer *w, unsigned n)
{
	int rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		rc = insert(w, &w->batch[i]);
		if (rc != SQLITE_OK)
			break;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		(void)sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void write_csv(struct cdr_writer *w, unsigned n)
{
	char line[2048];

	for (unsigned i = 0; i < n && w->csv; i++)
		if (!cdr_csv_line(&w->batch[i], line, sizeof(line)))
			fputs(line, w->csv);
	if (w->csv && fflush(w->csv)) {
		LOGE(LS_MAIN, "CDR CSV: write: %s: no more CSV lines", strerror(errno));
		fclose(w->csv);
		w->csv = NULL;
	}
}

static void *writer_main(void *arg)
{
	struct cdr_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->count && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->count)
			break;	/* stop, and nothing left */
		unsigned n = w->count;
		for (unsigned i = 0; i < n; i++)
			w->batch[i] = w->queue[(w->head + i) % w->queue_max];
		w->head = (w->head + n) % w->queue_max;
		w->count = 0;
		w->in_hand = n;
		pthread_mutex_unlock(&w->lock);

		uint64_t t0 = clock_now_us();
		bool logged = false;
		int rc;
		for (;;) {
			rc = write_batch(w, n);
			if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
				break;
			/* Someone holds the database (a long report, a backup): the rows wait
			 * here, new records in the queue, until it lets go, or close gives up. */
			if (!logged)
				LOGW(LS_MAIN, "CDR database %s is locked: %u rows wait", w->db_path, n);
			logged = true;
			pthread_mutex_lock(&w->lock);
			bool stopping = w->stop;
			pthread_mutex_unlock(&w->lock);
			if (stopping && clock_now_us() - t0 > CLOSE_GIVE_UP_MS * 1000ull)
				break;
		}
		if (rc != SQLITE_OK)
			LOGE(LS_MAIN, "CDR database %s: %s: %u rows lost", w->db_path,
			     sqlite3_errstr(rc), n);
		else
			write_csv(w, n);

		pthread_mutex_lock(&w->lock);
		w->in_hand = 0;
		if (rc == SQLITE_OK) {
			w->st.written += n;
			for (unsigned i = 0; i < n; i++)
				tail_push(w, &w->batch[i]);
		} else {
			w->st.failed += n;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- the object ------------------------------------------------------------------------ */

static void writer_free(struct cdr_writer *w)
{
	if (w->csv)
		fclose(w->csv);
	sqlite3_finalize(w->insert);
	if (w->db)
		sqlite3_close(w->db);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->queue);
	free(w->batch);
	free(w->db_path);
	free(w);
}

static int open_csv(struct cdr_writer *w, const char *path)
{
	struct stat st;
	bool fresh = stat(path, &st) || st.st_size == 0;

	w->csv = fopen(path, "ae");
	if (!w->csv)
		return errno;
	if (fresh)
		fputs(cdr_csv_header, w->csv);
	return fflush(w->csv) ? errno : 0;
}

int cdr_writer_open(struct cdr_writer **wp, const struct cdr_writer_params *p)
{
	struct cdr_writer *w;
	int err = 0, rc;

	if (!wp || !p || !p->db_path || !p->db_path[0])
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->queue_max = p->queue_max ? p->queue_max : CDR_QUEUE_DEFAULT;
	w->queue = calloc(w->queue_max, sizeof(*w->queue));
	w->batch = calloc(w->queue_max, sizeof(*w->batch));
	w->db_path = strdup(p->db_path);
	if (!w->queue || !w->batch || !w->db_path) {
		err = ENOMEM;
		goto out;
	}

	/* The directory may not exist on a fresh install (/var/lib/strowger). */
	err = fs_make_parent(p->db_path, 0750);
	if (err) {
		LOGE(LS_MAIN, "CDR database %s: cannot make its directory: %s", p->db_path,
		     strerror(err));
		goto out;
	}
	rc = sqlite3_open_v2(p->db_path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		LOGE(LS_MAIN, "CDR database %s: %s", p->db_path,
		     w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
		err = EIO;
		goto out;
	}
	sqlite3_busy_timeout(w->db, BUSY_TIMEOUT_MS);
	err = open_schema(w);
	if (err)
		goto out;
	rc = sqlite3_prepare_v2(w->db, "INSERT INTO cdr (" COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,"
				"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &w->insert, NULL);
	if (rc != SQLITE_OK) {
		LOGE(LS_MAIN, "CDR database %s: %s", p->db_path, sqlite3_errmsg(w->db));
		err = EIO;
		goto out;
	}
	load_tail(w);
	if (p->csv_path && p->csv_path[0]) {
		err = open_csv(w, p->csv_path);
		if (err) {
			LOGE(LS_MAIN, "CDR CSV %s: %s", p->csv_path, strerror(err));
			goto out;
		}
	}
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err)
		goto out;
	*wp = w;
	return 0;
out:
	writer_free(w);
	return err;
}

int cdr_writer_submit(struct cdr_writer *w, const struct cdr_rec *r)
{
	int err = 0;

	pthread_mutex_lock(&w->lock);
	if (w->count == w->queue_max) {
		uint64_t now = clock_now_us();

		w->st.dropped++;
		/* Logged from here (the caller's thread) but at most every 10 s. */
		if (w->st.dropped == 1 || now - w->last_drop_log_us > DROP_LOG_EVERY_MS * 1000ull) {
			w->last_drop_log_us = now;
			LOGE(LS_MAIN, "CDR queue full (%u records: the database is slow or locked): "
			     "call %" PRIu64 "'s record dropped, %" PRIu64 " dropped so far",
			     w->queue_max, r->call_id, w->st.dropped);
		}
		err = EAGAIN;
	} else {
		w->queue[(w->head + w->count) % w->queue_max] = *r;
		w->count++;
		w->st.submitted++;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void cdr_writer_close(struct cdr_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	LOGI(LS_MAIN, "CDR database %s closed: %" PRIu64 " rows written, %" PRIu64 " dropped, %"
	     PRIu64 " lost", w->db_path, w->st.written, w->st.dropped, w->st.failed);
	writer_free(w);
}

void cdr_writer_get_stats(struct cdr_writer *w, struct cdr_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	st->queued = w->count;
	st->writing = w->in_hand;
	pthread_mutex_unlock(&w->lock);
}

unsigned cdr_writer_tail(struct cdr_writer *w, struct cdr_rec *out, unsigned max)
{
	unsigned n;

	pthread_mutex_lock(&w->lock);
	n = w->tail_count < max ? w->tail_count : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = w->tail[(w->tail_head + w->tail_count - n + i) % CDR_TAIL_MAX];
	pthread_mutex_unlock(&w->lock);
	return n;
}
