/* Unit tests for CDRs (gateway/cdr.c, and the record the call model fills in call.c):
 * the time and CSV formats, a call's record (billable time from the answer, not the
 * arrival), and the writer against a real SQLite file in a temporary directory: rows and
 * their NULLs, the schema version and WAL mode, the tail surviving a reopen, a newer
 * schema refused, and a database held locked by another connection filling the queue so
 * that further records are dropped and counted while submit never blocks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/clock.h"
#include "gateway/cause.h"
#include "gateway/cdr.h"
#include "tests/unit/test_call_fake.h"

static char dir[64], db[128], csv[128];

static void setup(void)
{
	log_set_all(LL_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/strowger-cdr-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/sub/cdr.db", dir);	/* sub/: the writer makes it */
	snprintf(csv, sizeof(csv), "%s/cdr.csv", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

TestSuite(cdr, .init = setup, .fini = teardown);

/* ---- formats --------------------------------------------------------------------------- */

Test(cdr, time_is_utc_iso8601_with_ms)
{
	char buf[CDR_TIME_LEN];

	/* 2026-12-05 02:09:45 UTC = 1796436585 */
	cdr_format_time(1796436585123456LL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-12-05T02:09:45.123Z");
	cdr_format_time(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
}

Test(cdr, csv_fields_quoted_per_rfc4180)
{
	char buf[64];

	buf[0] = '\0';
	cdr_csv_field(buf, sizeof(buf), "+4930123");
	cr_assert_str_eq(buf, "+4930123");
	buf[0] = '\0';
	cdr_csv_field(buf, sizeof(buf), "a,b");
	cr_assert_str_eq(buf, "\"a,b\"");
	buf[0] = '\0';
	cdr_csv_field(buf, sizeof(buf), "say \"hi\"");
	cr_assert_str_eq(buf, "\"say \"\"hi\"\"\"");
	buf[0] = '\0';
	cdr_csv_field(buf, sizeof(buf), "two\nlines");
	cr_assert_str_eq(buf, "\"two\nlines\"");
	/* Cut short, never past the buffer, and the length it needed is returned. */
	char small[5] = "";
	cr_assert_eq(cdr_csv_field(small, sizeof(small), "abcdefgh"), 8);
	cr_assert_str_eq(small, "abcd");
}

static unsigned csv_columns(const char *line)
{
	unsigned n = 1;
	bool q = false;

	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == '"')
			q = !q;
		else if (*p == ',' && !q)
			n++;
	}
	return n;
}

static struct cdr_rec rec(uint64_t id)
{
	struct cdr_rec r = {
		.call_id = id, .start_us = 1796436585000000LL + (int64_t)id * 1000000,
		.duration_ms = 12500, .billsec_ms = 10250, .span = 2, .channel = 7,
		.cause = 16, .sip_status = 200, .have_rtp = true, .rtp_sent = 500,
		.rtp_received = 498, .rtp_lost = 2, .jitter_ms = 1.5, .peer_lost_pct = -1,
		.rtt_ms = 0.4,
	};
	r.answer_us = r.start_us + 2250000;
	r.end_us = r.start_us + 12500000;
	snprintf(r.direction, sizeof(r.direction), "tdm-sip");
	snprintf(r.line, sizeof(r.line), "span 2 ch 7");
	snprintf(r.trunk, sizeof(r.trunk), "carrier");
	snprintf(r.called, sizeof(r.called), "+4930123");
	snprintf(r.calling, sizeof(r.calling), "Smith, \"J\"");
	snprintf(r.presentation, sizeof(r.presentation), "allowed");
	snprintf(r.sip_call_id, sizeof(r.sip_call_id), "abc@127.0.0.1");
	snprintf(r.cause_name, sizeof(r.cause_name), "normal call clearing");
	snprintf(r.cleared_by, sizeof(r.cleared_by), "tdm");
	snprintf(r.codec, sizeof(r.codec), "PCMA");
	return r;
}

Test(cdr, csv_line_has_the_header_columns)
{
	struct cdr_rec r = rec(3);
	char line[2048];

	cr_assert_eq(cdr_csv_line(&r, line, sizeof(line)), 0);
	cr_assert_eq(csv_columns(line), csv_columns(cdr_csv_header), "%s", line);
	cr_assert_eq(csv_columns(cdr_csv_header), 31);
	cr_assert(strstr(line, "3,2026-12-05T02:09:48.000Z,2026-12-05T02:09:50.250Z,"
			 "2026-12-05T02:10:00.500Z,12500,10250,tdm-sip,2,7,span 2 ch 7,carrier,"
			 "+4930123,\"Smith, \"\"J\"\"\",allowed,") == line, "%s", line);
	cr_assert(strstr(line, ",16,normal call clearing,200,tdm,PCMA,500,498,2,1.5,-1.0,0.4,,,,,\n"),
		  "%s", line);
	cr_assert_eq(cdr_csv_line(&r, line, 40), ENOSPC);
}

/* ---- the record a call fills ----------------------------------------------------------- */

static struct fake_env f;
static struct cdr_rec got;
static unsigned ngot;

static void hook(struct call_env *e, struct call *c, struct cdr_rec *r)
{
	(void)e;
	(void)c;
	got = *r;
	ngot++;
}

static struct call *new_call(struct fake_leg **a, struct fake_leg **b)
{
	struct call *c = NULL;
	struct conf_endpoint to = { .kind = EP_TRUNK, .trunk = "peer" };
	struct pri_party caller = { 0 };
	struct leg_place p = { .called = "4930123", .caller = &caller, .to = &to, .route = "r" };

	fake_env_init(&f);
	f.e.cdr = hook;
	ngot = 0;
	*a = fake_line(&f, true);
	*b = fake_net(&f, false);
	cr_assert_eq(call_alloc(&c, &f.e, &(*a)->leg, &(*b)->leg), 0);
	snprintf(call_info(c)->called, sizeof(call_info(c)->called), "+4930123");
	cr_assert_eq(call_place(c, &p), 0);
	return c;
}

static void end_call(struct call *c, struct fake_leg *a, struct fake_leg *b, unsigned teardown_us)
{
	fake_raise(a, LEG_EV_CLEARED, CAUSE_NORMAL_CLEARING, false);
	usleep(teardown_us);		/* RELEASE COMPLETE, 200 to BYE: not the call's time */
	if (b->leg.live)
		fake_raise(b, LEG_EV_GONE, 0, false);
	if (a->leg.live)
		fake_raise(a, LEG_EV_GONE, 0, false);
	if (f.e.ncalls && f.removes)
		call_media_removed(c, NULL);
	cr_assert_eq(f.e.ncalls, 0);
}

Test(cdr, answered_call_bills_from_the_answer)
{
	struct fake_leg *a, *b;
	struct timespec t0;
	clock_gettime(CLOCK_REALTIME, &t0);
	struct call *c = new_call(&a, &b);

	usleep(80000);			/* ringing: not billed */
	fake_raise(b, LEG_EV_ANSWER, 0, false);
	usleep(120000);			/* talking: billed */
	end_call(c, a, b, 300000);

	cr_assert_eq(ngot, 1);
	cr_assert_eq(got.call_id, 1);
	cr_assert_str_eq(got.direction, "tdm-sip");
	cr_assert_str_eq(got.line, "span 9 ch 1");
	cr_assert_str_eq(got.called, "+4930123");
	cr_assert_str_eq(got.cleared_by, "tdm");
	cr_assert_eq(got.cause, CAUSE_NORMAL_CLEARING);
	cr_assert_str_eq(got.cause_name, cause_name(CAUSE_NORMAL_CLEARING));
	cr_assert_geq(got.billsec_ms, 120);
	cr_assert_lt(got.billsec_ms, 250, "the teardown was billed: %lld", (long long)got.billsec_ms);
	cr_assert_lt(got.duration_ms, 450, "the call ends when clearing begins");
	cr_assert_geq(got.duration_ms - got.billsec_ms, 80, "duration %lld billsec %lld",
		      (long long)got.duration_ms, (long long)got.billsec_ms);
	/* Wall clock: start now-ish, answer and end at the monotonic offsets. */
	int64_t now0 = (int64_t)t0.tv_sec * 1000000 + t0.tv_nsec / 1000;
	cr_assert_geq(got.start_us, now0 - 1000);
	cr_assert_lt(got.start_us, now0 + 50000);
	cr_assert_geq(got.answer_us - got.start_us, 80000);
	cr_assert_eq((got.end_us - got.start_us) / 1000, got.duration_ms);
	cr_assert_leq(got.end_us - got.answer_us - got.billsec_ms * 1000, 1000);
}

Test(cdr, unanswered_call_bills_nothing)
{
	struct fake_leg *a, *b;
	struct call *c = new_call(&a, &b);

	fake_raise(b, LEG_EV_ALERTING, 0, false);
	usleep(30000);
	end_call(c, a, b, 0);
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got.answer_us, 0);
	cr_assert_eq(got.billsec_ms, 0);
	cr_assert_geq(got.duration_ms, 30);
	cr_assert_not(got.have_rtp);
}

/* ---- the writer ------------------------------------------------------------------------ */

static sqlite3 *open_db(void)
{
	sqlite3 *h = NULL;

	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	return h;
}

static long long q_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s;
	long long v;

	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(h));
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void q_text(sqlite3 *h, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *s;

	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW, "%s", sql);
	snprintf(buf, len, "%s", sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) :
		 "NULL");
	sqlite3_finalize(s);
}

static void wait_written(struct cdr_writer *w, uint64_t n)
{
	struct cdr_writer_stats st;

	for (int i = 0; i < 500; i++) {
		cdr_writer_get_stats(w, &st);
		if (st.written >= n)
			return;
		usleep(10000);
	}
	cr_assert_fail("only %llu of %llu rows written", (unsigned long long)st.written,
		       (unsigned long long)n);
}

Test(cdr, writer_commits_rows_with_nulls_for_the_unknown)
{
	struct cdr_writer *w = NULL;
	struct cdr_writer_params p = { .db_path = db, .csv_path = csv };
	struct cdr_rec r1 = rec(1), r2 = rec(2);
	char buf[256];

	r2.answer_us = 0;
	r2.billsec_ms = 0;
	r2.have_rtp = false;
	r2.sip_call_id[0] = '\0';
	r2.sip_status = 0;
	r2.have_fax = true;
	snprintf(r2.fax_transport, sizeof(r2.fax_transport), "t38");
	r2.fax_pages = 3;
	r2.fax_rate = 14400;
	r2.fax_ecm = true;
	cr_assert_eq(cdr_writer_open(&w, &p), 0);
	cr_assert_eq(cdr_writer_submit(w, &r1), 0);
	cr_assert_eq(cdr_writer_submit(w, &r2), 0);
	/* Committed while the writer runs: another connection sees both rows. */
	wait_written(w, 2);
	sqlite3 *h = open_db();
	cr_assert_eq(q_int(h, "SELECT count(*) FROM cdr"), 2);
	cr_assert_eq(q_int(h, "PRAGMA user_version"), CDR_SCHEMA_VERSION);
	q_text(h, "PRAGMA journal_mode", buf, sizeof(buf));
	cr_assert_str_eq(buf, "wal");
	q_text(h, "SELECT start_time||' '||answer_time||' '||end_time||' '||billsec_ms||' '||"
	       "calling||' '||span||' '||channel||' '||sip_call_id||' '||rtp_lost FROM cdr "
	       "WHERE call_id=1", buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-12-05T02:09:46.000Z 2026-12-05T02:09:48.250Z "
			 "2026-12-05T02:09:58.500Z 10250 Smith, \"J\" 2 7 abc@127.0.0.1 2");
	cr_assert_eq(q_int(h, "SELECT count(*) FROM cdr WHERE call_id=2 AND answer_time IS NULL "
			   "AND sip_call_id IS NULL AND sip_status IS NULL AND rtp_sent IS NULL "
			   "AND billsec_ms=0 AND fax_transport='t38' AND fax_pages=3 AND "
			   "fax_rate=14400 AND fax_ecm=1"), 1);
	cr_assert_eq(q_int(h, "SELECT count(*) FROM cdr WHERE call_id=1 AND peer_lost_pct IS "
			   "NULL AND fax_transport IS NULL"), 1);
	sqlite3_close(h);
	cdr_writer_close(w);

	/* The CSV copy: the header once, then a line per row. */
	FILE *fp = fopen(csv, "r");
	char line[2048];
	unsigned n = 0;
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(line, sizeof(line), fp));
	cr_assert_str_eq(line, cdr_csv_header);
	while (fgets(line, sizeof(line), fp)) {
		cr_assert_eq(csv_columns(line), 31, "%s", line);	/* with and without fax */
		n++;
	}
	fclose(fp);
	cr_assert_eq(n, 2);
}

Test(cdr, close_commits_what_is_queued_and_reopen_keeps_the_tail)
{
	struct cdr_writer *w = NULL;
	struct cdr_writer_params p = { .db_path = db };
	struct cdr_rec tail[CDR_TAIL_MAX];

	cr_assert_eq(cdr_writer_open(&w, &p), 0);
	for (uint64_t i = 1; i <= 150; i++) {
		struct cdr_rec r = rec(i);
		cr_assert_eq(cdr_writer_submit(w, &r), 0);
	}
	cdr_writer_close(w);	/* at once: the queue drains before the thread ends */
	sqlite3 *h = open_db();
	cr_assert_eq(q_int(h, "SELECT count(*) FROM cdr"), 150);
	sqlite3_close(h);

	cr_assert_eq(cdr_writer_open(&w, &p), 0);
	unsigned n = cdr_writer_tail(w, tail, 5);
	cr_assert_eq(n, 5);
	cr_assert_eq(tail[0].call_id, 146);
	cr_assert_eq(tail[4].call_id, 150);
	struct cdr_rec want = rec(150);
	cr_assert_eq(tail[4].start_us, want.start_us);
	cr_assert_eq(tail[4].answer_us, want.answer_us);
	cr_assert_eq(tail[4].billsec_ms, 10250);
	cr_assert_str_eq(tail[4].calling, want.calling);
	cr_assert_eq(tail[4].span, 2);
	cr_assert(tail[4].have_rtp);
	cr_assert_eq(tail[4].peer_lost_pct, -1);
	cr_assert_eq(cdr_writer_tail(w, tail, CDR_TAIL_MAX), CDR_TAIL_MAX);
	cdr_writer_close(w);
}

Test(cdr, locked_database_fills_the_queue_and_drops_are_counted)
{
	struct cdr_writer *w = NULL;
	struct cdr_writer_params p = { .db_path = db, .queue_max = 4 };
	struct cdr_writer_stats st;
	struct cdr_rec r = rec(1);

	cr_assert_eq(cdr_writer_open(&w, &p), 0);
	/* Another connection holds the write lock (a backup, a long report). */
	sqlite3 *h = open_db();
	sqlite3_busy_timeout(h, 5000);
	cr_assert_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(cdr_writer_submit(w, &r), 0);
	for (int i = 0; i < 500; i++) {	/* the writer takes it and waits for the lock */
		cdr_writer_get_stats(w, &st);
		if (st.writing == 1)
			break;
		usleep(10000);
	}
	cr_assert_eq(st.writing, 1);
	uint64_t t0 = clock_now_us();
	for (uint64_t i = 2; i <= 10; i++) {
		r = rec(i);
		cr_assert_eq(cdr_writer_submit(w, &r), i <= 5 ? 0 : EAGAIN, "record %llu",
			     (unsigned long long)i);
	}
	cr_assert_lt(clock_now_us() - t0, 100000, "submit waited for the disk");
	cdr_writer_get_stats(w, &st);
	cr_assert_eq(st.dropped, 5);
	cr_assert_eq(st.queued, 4);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	wait_written(w, 5);
	cdr_writer_get_stats(w, &st);
	cr_assert_eq(st.submitted, 5);
	cr_assert_eq(st.failed, 0);
	cr_assert_eq(q_int(h, "SELECT count(*) FROM cdr"), 5);
	cr_assert_eq(q_int(h, "SELECT max(call_id) FROM cdr"), 5);
	sqlite3_close(h);
	cdr_writer_close(w);
}

Test(cdr, newer_schema_is_refused)
{
	struct cdr_writer *w = NULL;
	struct cdr_writer_params p = { .db_path = db };

	cr_assert_eq(cdr_writer_open(&w, &p), 0);
	cdr_writer_close(w);
	sqlite3 *h = open_db();
	cr_assert_eq(sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	w = NULL;
	cr_assert_eq(cdr_writer_open(&w, &p), ENOTSUP);
	cr_assert_null(w);
}

Test(cdr, unwritable_place_is_an_error_not_a_crash)
{
	struct cdr_writer *w = NULL;
	char path[192];
	struct cdr_writer_params p = { .db_path = path };

	snprintf(path, sizeof(path), "%s/file", dir);
	FILE *fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fclose(fp);
	strcat(path, "/cdr.db");	/* its directory is a file */
	cr_assert_neq(cdr_writer_open(&w, &p), 0);
	cr_assert_null(w);
}
