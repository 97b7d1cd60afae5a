/* Unit tests of the PSTN simulator's I/O-free parts: script parser, tone and DTMF checks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "tests/pstnsim/audio.h"
#include "tests/pstnsim/fax.h"
#include "tests/pstnsim/q931.h"
#include "tests/pstnsim/script.h"

/* ---------------------------------------------------------------- script */

static struct sim_script parse_ok(const char *text)
{
	struct sim_script s;
	char err[128];
	int rc = sim_script_parse(&s, text, err, sizeof(err));

	cr_assert_eq(rc, 0, "parse failed: %s", err);
	return s;
}

static void parse_bad(const char *text, const char *want_in_err)
{
	struct sim_script s;
	char err[128];

	cr_assert_eq(sim_script_parse(&s, text, err, sizeof(err)), EINVAL, "accepted: %s", text);
	cr_assert(strstr(err, want_in_err), "error '%s' lacks '%s'", err, want_in_err);
	cr_assert_null(s.cmds);
}

Test(pstnsim_script, full_call)
{
	struct sim_script s = parse_ok(
		"# the network side\n"
		"wait-up 20s\n"
		"call 4930123456 from 5551000 chan 5 as a; expect answer 5s\n"
		"tone 1004 -13dBm0; expect-tone 1800 2s within 3s min 90%\n"
		"dtmf 123#; expect-dtmf 456* 5s\n"
		"  # indented comment; with a semicolon\n"
		"hangup 16; expect hangup normal 5s @all\n");

	cr_assert_eq(s.n, 9);
	cr_assert_eq(s.cmds[0].op, OP_WAIT_UP);
	cr_assert_eq(s.cmds[0].timeout_ms, 20000);
	cr_assert_eq(s.cmds[0].line, 2);
	cr_assert_eq(s.cmds[1].op, OP_CALL);
	cr_assert_str_eq(s.cmds[1].num, "4930123456");
	cr_assert_str_eq(s.cmds[1].from, "5551000");
	cr_assert_eq(s.cmds[1].chan, 5);
	cr_assert_str_eq(s.cmds[1].name, "a");
	cr_assert_eq(s.cmds[2].op, OP_EXPECT_ANSWER);
	cr_assert_eq(s.cmds[2].timeout_ms, 5000);
	cr_assert_eq(s.cmds[2].line, 3);
	cr_assert_eq(s.cmds[3].op, OP_TONE);
	cr_assert_eq(s.cmds[3].freq, 1004);
	cr_assert_eq(s.cmds[3].level, -13);
	cr_assert_eq(s.cmds[4].op, OP_EXPECT_TONE);
	cr_assert_eq(s.cmds[4].freq, 1800);
	cr_assert_eq(s.cmds[4].dur_ms, 2000);
	cr_assert_eq(s.cmds[4].within_ms, 3000);
	cr_assert_eq(s.cmds[4].min_pct, 90);
	cr_assert_str_eq(s.cmds[5].digits, "123#");
	cr_assert_eq(s.cmds[6].op, OP_EXPECT_DTMF);
	cr_assert_str_eq(s.cmds[6].digits, "456*");
	cr_assert_eq(s.cmds[6].timeout_ms, 5000);
	cr_assert_eq(s.cmds[7].op, OP_HANGUP);
	cr_assert_eq(s.cmds[7].cause, 16);
	cr_assert_eq(s.cmds[8].op, OP_EXPECT_HANGUP);
	cr_assert_eq(s.cmds[8].cause, 16);
	cr_assert_eq(s.cmds[8].timeout_ms, 5000);
	cr_assert_str_eq(s.cmds[8].target, "all");
	cr_assert_eq(s.cmds[8].line, 7);
	sim_script_free(&s);
}

Test(pstnsim_script, answering_side)
{
	struct sim_script s = parse_ok(
		"expect ring x 3 to 4930 from 555 10s; answer after 1.5s; ring; proceed\n"
		"reject 17; reject busy; on-ring answer after 200ms; on-ring reject 34; on-ring none\n"
		"silence; tone off; sleep 250ms; use c2; ! expect-silence 500ms; exit");

	cr_assert_eq(s.n, 15);
	cr_assert_eq(s.cmds[0].op, OP_EXPECT_RING);
	cr_assert_eq(s.cmds[0].count, 3);
	cr_assert_str_eq(s.cmds[0].num, "4930");
	cr_assert_str_eq(s.cmds[0].from, "555");
	cr_assert_eq(s.cmds[0].timeout_ms, 10000);
	cr_assert_eq(s.cmds[1].op, OP_ANSWER);
	cr_assert_eq(s.cmds[1].dur_ms, 1500);
	cr_assert_eq(s.cmds[2].op, OP_RING);
	cr_assert_eq(s.cmds[3].op, OP_PROCEED);
	cr_assert_eq(s.cmds[4].cause, 17);
	cr_assert_eq(s.cmds[5].cause, 17);
	cr_assert_eq(s.cmds[6].on_ring, ON_RING_ANSWER);
	cr_assert_eq(s.cmds[6].dur_ms, 200);
	cr_assert_eq(s.cmds[7].on_ring, ON_RING_REJECT);
	cr_assert_eq(s.cmds[7].cause, 34);
	cr_assert_eq(s.cmds[8].on_ring, ON_RING_NONE);
	cr_assert_eq(s.cmds[9].op, OP_TONE);
	cr_assert_eq(s.cmds[9].freq, 0);
	cr_assert_eq(s.cmds[10].freq, 0);
	cr_assert_eq(s.cmds[11].dur_ms, 250);
	cr_assert_str_eq(s.cmds[12].name, "c2");
	cr_assert(s.cmds[13].negate);
	cr_assert_eq(s.cmds[13].op, OP_EXPECT_SILENCE);
	cr_assert_eq(s.cmds[13].dur_ms, 500);
	cr_assert_eq(s.cmds[14].op, OP_EXIT);
	sim_script_free(&s);
}

Test(pstnsim_script, hangup_cause_versus_duration)
{
	struct sim_script s = parse_ok("expect hangup 5s; expect hangup 17; hangup; call 1 chan any x 30");

	cr_assert_eq(s.cmds[0].cause, -1);
	cr_assert_eq(s.cmds[0].timeout_ms, 5000);
	cr_assert_eq(s.cmds[1].cause, 17);
	cr_assert_eq(s.cmds[1].timeout_ms, 0);
	cr_assert_eq(s.cmds[2].cause, -1);
	cr_assert_eq(s.cmds[3].chan, -1);
	cr_assert_eq(s.cmds[3].count, 30);
	sim_script_free(&s);
}

Test(pstnsim_script, errors_name_the_line)
{
	parse_bad("wait-up\nfrobnicate", "line 2: unknown command 'frobnicate'");
	parse_bad("tone 5000", "bad frequency");
	parse_bad("! hangup", "expectations only");
	parse_bad("dtmf 12x", "digits");
	parse_bad("call 123 chan 0", "bad channel");
	parse_bad("expect answer soon", "unexpected 'soon'");
	parse_bad("expect nothing", "unknown expectation");
	parse_bad("sleep", "duration expected");
	parse_bad("hangup 200", "unexpected '200'");
	parse_bad("answer @", "bad call");
}

Test(pstnsim_script, restart)
{
	struct sim_script s = parse_ok("restart; restart 1; restart all 5s; restart @c1 2s; "
				       "restart 31 3");

	cr_assert_eq(s.n, 5);
	cr_assert_eq(s.cmds[0].op, OP_RESTART);
	cr_assert_eq(s.cmds[0].chan, 0);
	cr_assert_eq(s.cmds[0].timeout_ms, 0);
	cr_assert_eq(s.cmds[1].chan, 1);
	cr_assert_eq(s.cmds[2].chan, -1);
	cr_assert_eq(s.cmds[2].timeout_ms, 5000);
	cr_assert_str_eq(s.cmds[3].target, "c1");
	cr_assert_eq(s.cmds[3].chan, 0);
	cr_assert_eq(s.cmds[3].timeout_ms, 2000);
	cr_assert_eq(s.cmds[4].chan, 31);
	cr_assert_eq(s.cmds[4].timeout_ms, 3000);
	cr_assert(!sim_op_is_expect(OP_RESTART));
	cr_assert_str_eq(sim_op_name(OP_RESTART), "restart");
	sim_script_free(&s);
	parse_bad("restart 32", "bad channel '32'");
	parse_bad("restart 0", "bad channel '0'");
	parse_bad("restart all all", "unexpected 'all'");
	parse_bad("! restart", "expectations only");
}

Test(pstnsim_script, relink)
{
	struct sim_script s = parse_ok("relink; relink 15s");

	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.cmds[0].op, OP_RELINK);
	cr_assert_eq(s.cmds[0].timeout_ms, 0);
	cr_assert_eq(s.cmds[1].timeout_ms, 15000);
	cr_assert_str_eq(sim_op_name(OP_RELINK), "relink");
	sim_script_free(&s);
	parse_bad("relink now", "unexpected 'now'");
}

Test(pstnsim_script, expect_cid_fields)
{
	struct sim_script s = parse_ok("expect cid from 5551000 name Bob 8s; "
				       "expect cid pres restricted; expect cid mwi on; "
				       "expect cid mwi off 10s");

	cr_assert_eq(s.n, 4);
	cr_expect_str_eq(s.cmds[0].from, "5551000");
	cr_expect_str_eq(s.cmds[0].cname, "Bob");
	cr_expect_eq(s.cmds[0].timeout_ms, 8000);
	cr_expect_eq(s.cmds[0].mwi, 0);
	cr_expect_eq(s.cmds[1].pres, 1);
	cr_expect_eq(s.cmds[2].mwi, 1);
	cr_expect_eq(s.cmds[3].mwi, 2);
	cr_expect_eq(s.cmds[3].timeout_ms, 10000);
	sim_script_free(&s);
	parse_bad("expect cid mwi maybe", "bad message waiting 'maybe'");
}

/* ---------------------------------------------------------------- Q.931 rewriting */

/* What libpri 1.6.0's pri_reset(pri, 2) puts on the D-channel (measured): Q.921 I-frame
 * header, then RESTART with the global call reference, channel identification (exclusive,
 * B-channel 2) and restart indicator class 0 (indicated channels). */
static const uint8_t restart_ch2[] = {
	0x02, 0x01, 0x00, 0x00,  0x08, 0x02, 0x00, 0x00, 0x46,
	0x18, 0x03, 0xa9, 0x83, 0x82,  0x79, 0x01, 0x80,
};

Test(pstnsim_q931, restart_made_whole_interface)
{
	uint8_t f[sizeof(restart_ch2)];
	static const uint8_t want[] = { 0x02, 0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x46,
					0x79, 0x01, 0x87 };

	memcpy(f, restart_ch2, sizeof(f));
	cr_assert_eq(sim_q931_restart_rewrite(f, sizeof(f), SIM_RESTART_ALL), sizeof(want));
	cr_assert_arr_eq(f, want, sizeof(want));
	memcpy(f, restart_ch2, sizeof(f));
	cr_assert_eq(sim_q931_restart_rewrite(f, sizeof(f), SIM_RESTART_INTERFACE), sizeof(want));
	cr_assert_eq(f[sizeof(want) - 1], 0x86);
}

Test(pstnsim_q931, other_frames_untouched)
{
	uint8_t f[sizeof(restart_ch2)];
	/* a SETUP (0x05) with call reference 1 */
	uint8_t setup[] = { 0x02, 0x01, 0x02, 0x02, 0x08, 0x02, 0x00, 0x01, 0x05, 0x04, 0x03,
			    0x80, 0x90, 0xa3 };
	uint8_t copy[sizeof(setup)];

	memcpy(copy, setup, sizeof(setup));
	cr_assert_eq(sim_q931_restart_rewrite(setup, sizeof(setup), 7), sizeof(setup));
	cr_assert_arr_eq(setup, copy, sizeof(setup));
	/* class 0 asked for: no rewriting */
	memcpy(f, restart_ch2, sizeof(f));
	cr_assert_eq(sim_q931_restart_rewrite(f, sizeof(f), 0), sizeof(f));
	cr_assert_arr_eq(f, restart_ch2, sizeof(f));
	/* an S-frame (RR) and a U-frame (SABME) */
	uint8_t rr[] = { 0x02, 0x01, 0x01, 0x04 }, sabme[] = { 0x00, 0x01, 0x7f };
	cr_assert_eq(sim_q931_restart_rewrite(rr, sizeof(rr), 7), sizeof(rr));
	cr_assert_eq(sim_q931_restart_rewrite(sabme, sizeof(sabme), 7), sizeof(sabme));
	/* the same bytes in a frame whose control field is not an I-frame's */
	memcpy(f, restart_ch2, sizeof(f));
	f[2] = 0x03;
	cr_assert_eq(sim_q931_restart_rewrite(f, sizeof(f), 7), sizeof(f));
	cr_assert_eq(sim_q931_restart_rewrite(NULL, 0, 7), 0);
}

Test(pstnsim_script, durations)
{
	unsigned ms;

	cr_assert_eq(sim_parse_duration("5s", &ms), 0);
	cr_assert_eq(ms, 5000);
	cr_assert_eq(sim_parse_duration("1.5", &ms), 0);
	cr_assert_eq(ms, 1500);
	cr_assert_eq(sim_parse_duration("20ms", &ms), 0);
	cr_assert_eq(ms, 20);
	cr_assert_eq(sim_parse_duration("2m", &ms), 0);
	cr_assert_eq(ms, 120000);
	cr_assert_eq(sim_parse_duration("5x", &ms), EINVAL);
	cr_assert_eq(sim_parse_duration("-1s", &ms), EINVAL);
	cr_assert_eq(sim_parse_duration("", &ms), EINVAL);
}

/* ---------------------------------------------------------------- audio */

#define MS(x) ((size_t)(x) * (SIM_RATE / 1000))

/* Generate n bytes from tx into buf, then overwrite `gaps` holes of `gap` bytes with fill. */
static void make_line(struct sim_tx *tx, uint8_t *buf, size_t n, unsigned gaps, size_t gap,
		      uint8_t fill)
{
	sim_tx_fill(tx, buf, n);
	for (unsigned g = 0; g < gaps; g++) {
		size_t at = (n / (gaps + 1)) * (g + 1) + 37 * g;
		memset(buf + at, fill, gap);
	}
}

/* Feed in DAHDI-sized blocks, as the simulator does. */
static void feed(struct sim_rx *rx, const uint8_t *buf, size_t n)
{
	for (size_t off = 0; off < n; off += SIM_BLOCK)
		sim_rx_feed(rx, buf + off, n - off < SIM_BLOCK ? n - off : SIM_BLOCK);
}

static enum sim_tone_state check_tone(enum sim_law txlaw, enum sim_law rxlaw, unsigned send_hz,
				      unsigned expect_hz, unsigned gaps, size_t gap,
				      struct sim_tone_result *res)
{
	static uint8_t buf[MS(3000)];
	struct sim_tx *tx;
	struct sim_rx *rx;
	struct sim_tone_params p = { .freq = expect_hz, .window_ms = 1000, .within_ms = 1500 };

	cr_assert_eq(sim_tx_alloc(&tx, txlaw), 0);
	cr_assert_eq(sim_rx_alloc(&rx, rxlaw), 0);
	cr_assert_eq(sim_tx_tone(tx, send_hz, -10), 0);
	make_line(tx, buf, sizeof(buf), gaps, gap, 0xFF);
	if (txlaw != rxlaw) {	/* a transcoding gateway in between */
		int16_t lin[1];
		for (size_t i = 0; i < sizeof(buf); i++) {
			sim_law_decode(txlaw, &buf[i], lin, 1);
			sim_law_encode(rxlaw, lin, &buf[i], 1);
		}
	}
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	feed(rx, buf, sizeof(buf));
	sim_rx_tone_result(rx, res);
	sim_tx_free(tx);
	sim_rx_free(rx);
	return res->state;
}

Test(pstnsim_audio, tone_heard)
{
	struct sim_tone_result r;
	char d[160];

	cr_assert_eq(check_tone(SIM_LAW_ALAW, SIM_LAW_ALAW, 1004, 1004, 0, 0, &r), SIM_TONE_PASS);
	cr_assert_geq(r.match_ms, 960);
	cr_assert(r.heard_hz >= 994 && r.heard_hz <= 1014, "heard %u", r.heard_hz);
	sim_tone_describe(&r, d, sizeof(d));
	cr_assert(strstr(d, "audio ok: heard 1004 Hz for"), "%s", d);
}

Test(pstnsim_audio, wrong_frequency_fails)
{
	struct sim_tone_result r;
	char d[160];

	cr_assert_eq(check_tone(SIM_LAW_ALAW, SIM_LAW_ALAW, 1004, 1800, 0, 0, &r), SIM_TONE_FAIL);
	cr_assert_eq(r.match_ms, 0);
	cr_assert(r.heard_hz >= 990 && r.heard_hz <= 1020, "heard %u", r.heard_hz);
	sim_tone_describe(&r, d, sizeof(d));
	cr_assert(strstr(d, "audio FAIL: expected 1800 Hz, heard 10"), "%s", d);
	/* close neighbours are told apart too */
	cr_assert_eq(check_tone(SIM_LAW_ULAW, SIM_LAW_ULAW, 1004, 1100, 0, 0, &r), SIM_TONE_FAIL);
}

Test(pstnsim_audio, silence_fails)
{
	struct sim_tone_result r;
	char d[160];

	cr_assert_eq(check_tone(SIM_LAW_ALAW, SIM_LAW_ALAW, 0, 1004, 0, 0, &r), SIM_TONE_FAIL);
	cr_assert_eq(r.heard_hz, 0);
	sim_tone_describe(&r, d, sizeof(d));
	cr_assert(strstr(d, "heard silence"), "%s", d);
	/* the idle pattern (all 0xFF, as DAHDI sends when nobody writes) is silence too */
	cr_assert_eq(check_tone(SIM_LAW_ULAW, SIM_LAW_ULAW, 0, 1004, 0, 0, &r), SIM_TONE_FAIL);
}

Test(pstnsim_audio, tolerates_guest_gaps)
{
	struct sim_tone_result r;

	/* five holes of 8 ms of idle 0xFF, worse than the 1-3 of 4-8 ms per 5 s seen */
	cr_assert_eq(check_tone(SIM_LAW_ALAW, SIM_LAW_ALAW, 1800, 1800, 5, 64, &r), SIM_TONE_PASS);
	cr_assert_eq(check_tone(SIM_LAW_ULAW, SIM_LAW_ULAW, 1800, 1800, 5, 64, &r), SIM_TONE_PASS);
	cr_assert_geq(r.match_ms, 900);
}

Test(pstnsim_audio, through_transcoding)
{
	struct sim_tone_result r;

	cr_assert_eq(check_tone(SIM_LAW_ALAW, SIM_LAW_ULAW, 1004, 1004, 3, 48, &r), SIM_TONE_PASS);
	cr_assert_eq(check_tone(SIM_LAW_ULAW, SIM_LAW_ALAW, 1800, 1800, 3, 48, &r), SIM_TONE_PASS);
	cr_assert_eq(check_tone(SIM_LAW_ULAW, SIM_LAW_ALAW, 1800, 1004, 0, 0, &r), SIM_TONE_FAIL);
}

Test(pstnsim_audio, onset_and_mostly_gap)
{
	static uint8_t buf[MS(3000)];
	struct sim_tx *tx;
	struct sim_rx *rx;
	struct sim_tone_params p = { .freq = 697, .window_ms = 1000, .within_ms = 2000 };
	struct sim_tone_result r;

	cr_assert_eq(sim_tx_alloc(&tx, SIM_LAW_ALAW), 0);
	cr_assert_eq(sim_rx_alloc(&rx, SIM_LAW_ALAW), 0);
	/* 600 ms of idle, then the tone */
	memset(buf, 0xD5, MS(600));
	cr_assert_eq(sim_tx_tone(tx, 697, -20), 0);
	sim_tx_fill(tx, buf + MS(600), sizeof(buf) - MS(600));
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	feed(rx, buf, sizeof(buf));
	cr_assert_eq(sim_rx_tone_result(rx, &r), SIM_TONE_PASS);
	cr_assert(r.onset_ms >= 560 && r.onset_ms <= 640, "onset %u", r.onset_ms);

	/* a tone that is cut to shreds: gaps make up more than half the window */
	sim_tx_fill(tx, buf, sizeof(buf));
	for (size_t off = 0; off + 160 <= sizeof(buf); off += 160)
		memset(buf + off + 50, 0xFF, 110);
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	feed(rx, buf, sizeof(buf));
	cr_assert_eq(sim_rx_tone_result(rx, &r), SIM_TONE_FAIL);
	sim_tx_free(tx);
	sim_rx_free(rx);
}

Test(pstnsim_audio, expect_silence)
{
	static uint8_t buf[MS(1500)];
	struct sim_tx *tx;
	struct sim_rx *rx;
	struct sim_tone_params p = { .freq = 0, .window_ms = 1000 };
	struct sim_tone_result r;

	cr_assert_eq(sim_tx_alloc(&tx, SIM_LAW_ULAW), 0);
	cr_assert_eq(sim_rx_alloc(&rx, SIM_LAW_ULAW), 0);
	sim_tx_fill(tx, buf, sizeof(buf));	/* silence by default */
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	feed(rx, buf, sizeof(buf));
	cr_assert_eq(sim_rx_tone_result(rx, &r), SIM_TONE_PASS);
	cr_assert_eq(sim_tx_tone(tx, 440, -10), 0);
	sim_tx_fill(tx, buf, sizeof(buf));
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	feed(rx, buf, sizeof(buf));
	cr_assert_eq(sim_rx_tone_result(rx, &r), SIM_TONE_FAIL);
	cr_assert(r.heard_hz >= 430 && r.heard_hz <= 450, "heard %u", r.heard_hz);
	sim_tx_free(tx);
	sim_rx_free(rx);
}

Test(pstnsim_audio, abort_without_audio)
{
	struct sim_rx *rx;
	struct sim_tone_params p = { .freq = 1004, .window_ms = 1000, .within_ms = 1000 };

	cr_assert_eq(sim_rx_alloc(&rx, SIM_LAW_ALAW), 0);
	cr_assert_eq(sim_rx_tone_start(rx, &p), 0);
	cr_assert_eq(sim_rx_tone_result(rx, NULL), SIM_TONE_WAIT);
	sim_rx_tone_abort(rx);
	cr_assert_eq(sim_rx_tone_result(rx, NULL), SIM_TONE_FAIL);
	sim_rx_free(rx);
}

static void dtmf_roundtrip(enum sim_law txlaw, enum sim_law rxlaw, const char *digits,
			   unsigned gaps, const char *want)
{
	static uint8_t buf[MS(4000)];
	struct sim_tx *tx;
	struct sim_rx *rx;

	cr_assert_eq(sim_tx_alloc(&tx, txlaw), 0);
	cr_assert_eq(sim_rx_alloc(&rx, rxlaw), 0);
	cr_assert_eq(sim_tx_tone(tx, 1004, -10), 0);	/* the tone stops while digits play */
	cr_assert_eq(sim_tx_dtmf(tx, digits, 80, 80), 0);
	cr_assert(sim_tx_busy(tx));
	/* holes of 6 ms every ~170 ms land inside digits as well as between them */
	make_line(tx, buf, sizeof(buf), gaps, 48, 0xFF);
	cr_assert_not(sim_tx_busy(tx));
	if (txlaw != rxlaw) {
		int16_t lin[1];
		for (size_t i = 0; i < sizeof(buf); i++) {
			sim_law_decode(txlaw, &buf[i], lin, 1);
			sim_law_encode(rxlaw, lin, &buf[i], 1);
		}
	}
	feed(rx, buf, sizeof(buf));
	cr_assert_str_eq(sim_rx_digits(rx), want);
	cr_assert_str_eq(sim_tx_digits(tx), digits);
	sim_tx_free(tx);
	sim_rx_free(rx);
}

Test(pstnsim_audio, dtmf)
{
	dtmf_roundtrip(SIM_LAW_ALAW, SIM_LAW_ALAW, "123#", 0, "123#");
	dtmf_roundtrip(SIM_LAW_ULAW, SIM_LAW_ULAW, "0123456789*#ABCD", 0, "0123456789*#ABCD");
	dtmf_roundtrip(SIM_LAW_ALAW, SIM_LAW_ALAW, "456*", 20, "456*");
	dtmf_roundtrip(SIM_LAW_ALAW, SIM_LAW_ULAW, "9876", 20, "9876");
}

Test(pstnsim_audio, dtmf_rejects_bad_digits)
{
	struct sim_tx *tx;

	cr_assert_eq(sim_tx_alloc(&tx, SIM_LAW_ALAW), 0);
	cr_assert_eq(sim_tx_dtmf(tx, "12x", 80, 80), EINVAL);
	cr_assert_eq(sim_tx_dtmf(tx, "", 80, 80), EINVAL);
	cr_assert_not(sim_tx_busy(tx));
	sim_tx_free(tx);
}

Test(pstnsim_audio, gap_filter)
{
	struct sim_gapf g = { 0 };
	uint8_t in[40], out[40 + SIM_GAP_RUN];
	size_t n = 0;

	/* 1 2 2 2 | eight 7s | 3 ...: the short run survives, the long one is cut */
	memset(in, 0, sizeof(in));
	in[0] = 1;
	in[1] = in[2] = in[3] = 2;
	memset(in + 4, 7, 8);
	in[12] = 3;
	for (int i = 13; i < 40; i++)
		in[i] = (uint8_t)(10 + i % 2);
	/* in two pieces, splitting the long run */
	n += sim_gapf_run(&g, in, 8, out);
	n += sim_gapf_run(&g, in + 8, sizeof(in) - 8, out + n);
	cr_assert_eq(g.gap, 8);
	cr_assert_eq(n, 40 - 8 - 1);	/* the last byte is held until its run ends */
	cr_assert_eq(out[0], 1);
	cr_assert_eq(out[3], 2);
	cr_assert_eq(out[4], 3);
}

Test(pstnsim_script, overlap_sending)
{
	struct sim_script s = parse_ok("call 99 from 5551000 overlap; info 1; call 4930 as b\n");

	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.cmds[0].op, OP_CALL);
	cr_assert_str_eq(s.cmds[0].num, "99");
	cr_assert(s.cmds[0].overlap, "'overlap' sets the flag");
	cr_assert_eq(s.cmds[1].op, OP_INFO);
	cr_assert_str_eq(s.cmds[1].digits, "1");
	cr_assert_not(s.cmds[2].overlap, "en bloc unless asked");
	sim_script_free(&s);
}

Test(pstnsim_script, party_attributes)
{
	struct sim_script s = parse_ok("call 4930 from 30123 ton national called-ton international "
				       "pres restricted name Alice\n"
				       "expect ring from 30123 ton national pres allowed name Bob\n"
				       "call 1\n");

	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.cmds[0].ton, 2);
	cr_assert_eq(s.cmds[0].called_ton, 1);
	cr_assert_eq(s.cmds[0].pres, 1);
	cr_assert_str_eq(s.cmds[0].cname, "Alice");
	cr_assert_eq(s.cmds[1].op, OP_EXPECT_RING);
	cr_assert_eq(s.cmds[1].ton, 2);
	cr_assert_eq(s.cmds[1].pres, 0);
	cr_assert_str_eq(s.cmds[1].cname, "Bob");
	cr_assert_eq(s.cmds[2].ton, -1, "not given: not set, not checked");
	cr_assert_eq(s.cmds[2].pres, -1);
	sim_script_free(&s);
	parse_bad("call 1 ton galactic", "bad type of number 'galactic'");
	parse_bad("call 1 pres hidden", "bad presentation 'hidden'");
	parse_bad("dtmf 1 ton national", "unexpected 'ton'");
}

/* ---------------------------------------------------------------- fax */

Test(pstnsim_script, fax_steps)
{
	struct sim_script s = parse_ok(
		"fax-send /tmp/pages.tif\n"
		"fax-recv /tmp/in.tif noecm ident +49_30_1234 @c2\n"
		"fax-send p.tif ecm; expect fax-done 2m pages 3; expect fax-done\n"
		"! expect fax-done pages 1 30s");

	cr_assert_eq(s.n, 6);
	cr_assert_eq(s.cmds[0].op, OP_FAX_SEND);
	cr_assert_str_eq(s.cmds[0].file, "/tmp/pages.tif");
	cr_assert(s.cmds[0].ecm, "ECM is offered unless noecm");
	cr_assert_str_eq(s.cmds[0].ident, "");
	cr_assert_eq(s.cmds[1].op, OP_FAX_RECV);
	cr_assert_str_eq(s.cmds[1].file, "/tmp/in.tif");
	cr_assert_not(s.cmds[1].ecm);
	cr_assert_str_eq(s.cmds[1].ident, "+49_30_1234");
	cr_assert_str_eq(s.cmds[1].target, "c2");
	cr_assert(s.cmds[2].ecm);
	cr_assert_eq(s.cmds[3].op, OP_EXPECT_FAX);
	cr_assert_eq(s.cmds[3].timeout_ms, 120000);
	cr_assert_eq(s.cmds[3].pages, 3);
	cr_assert_eq(s.cmds[4].op, OP_EXPECT_FAX);
	cr_assert_eq(s.cmds[4].timeout_ms, 0);
	cr_assert_eq(s.cmds[4].pages, 0);
	cr_assert(s.cmds[5].negate);
	cr_assert_eq(s.cmds[5].pages, 1);
	cr_assert_eq(s.cmds[5].timeout_ms, 30000);
	cr_assert_str_eq(sim_op_name(OP_EXPECT_FAX), "expect fax-done");
	cr_assert(sim_op_is_expect(OP_EXPECT_FAX));
	cr_assert_not(sim_op_is_expect(OP_FAX_SEND));
	sim_script_free(&s);
}

Test(pstnsim_script, fax_errors)
{
	parse_bad("fax-send", "fax-send: file expected");
	parse_bad("fax-recv x.tif ident", "unexpected 'ident'");
	parse_bad("fax-recv x.tif ident 123456789012345678901", "longer than 20");
	parse_bad("fax-send x.tif v17", "unexpected 'v17'");
	parse_bad("expect fax-done pages 0", "bad page count");
	parse_bad("expect fax-done pages", "unexpected 'pages'");
	parse_bad("! fax-send x.tif", "expectations only");
}

/* A bilevel 1728-pixel page (T.4 §2.2) of `rows` rows: stripes, a diagonal and a row
 * number pattern, so a lost or swapped row shows. */
static void write_page_tiff(const char *path, int pages, int rows)
{
	TIFF *t = TIFFOpen(path, "w");
	uint8_t row[1728 / 8];

	cr_assert_not_null(t);
	for (int p = 0; p < pages; p++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 1728);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, rows);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, (uint32_t)GROUP3OPT_2DENCODING);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, (uint32_t)rows);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 196.0f);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)p, (uint16_t)pages);
		for (int y = 0; y < rows; y++) {
			memset(row, 0, sizeof(row));
			for (int x = 0; x < 1728; x++)
				if ((x / 24 + y / 16) % 5 == 0 || x == (y * 3 + p * 100) % 1728 ||
				    (x >= 1500 && ((y * 7 + p) >> (x % 8 + 1) & 1)))
					row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
			cr_assert(TIFFWriteScanline(t, row, (uint32_t)y, 0) >= 0);
		}
		cr_assert(TIFFWriteDirectory(t));
	}
	TIFFClose(t);
}

/* Differing rows of page `page` of two TIFF files; -1 if a page is missing. */
static long tiff_rows_differ(const char *a, const char *b, int page)
{
	TIFF *ta = TIFFOpen(a, "r"), *tb = TIFFOpen(b, "r");
	uint32_t ra = 0, rb = 0;
	uint8_t la[1728 / 8], lb[1728 / 8];
	long n = -1;

	if (ta && tb && TIFFSetDirectory(ta, (tdir_t)page) && TIFFSetDirectory(tb, (tdir_t)page)) {
		TIFFGetField(ta, TIFFTAG_IMAGELENGTH, &ra);
		TIFFGetField(tb, TIFFTAG_IMAGELENGTH, &rb);
		n = ra > rb ? ra - rb : rb - ra;
		for (uint32_t y = 0; y < ra && y < rb; y++) {
			cr_assert(TIFFReadScanline(ta, la, y, 0) >= 0);
			cr_assert(TIFFReadScanline(tb, lb, y, 0) >= 0);
			n += memcmp(la, lb, sizeof(la)) != 0;
		}
	}
	if (ta)
		TIFFClose(ta);
	if (tb)
		TIFFClose(tb);
	return n;
}

/* Two fax machines back to back through G.711 bytes, on the sample clock (faster than real
 * time). Returns when both reached phase E or after `secs` of audio. */
static void fax_b2b(struct sim_fax *a, struct sim_fax *b, unsigned secs)
{
	uint8_t ab[SIM_BLOCK], ba[SIM_BLOCK];
	struct sim_fax_result r;

	for (unsigned i = 0; i < secs * (SIM_RATE / SIM_BLOCK); i++) {
		sim_fax_tx(a, ab, sizeof(ab));
		sim_fax_tx(b, ba, sizeof(ba));
		sim_fax_rx(a, ba, sizeof(ba));
		sim_fax_rx(b, ab, sizeof(ab));
		if (sim_fax_result(a, &r) && sim_fax_result(b, &r))
			return;
	}
}

static void fax_pair(enum sim_law law, bool ecm, bool caller_sends)
{
	char sent[] = "/tmp/pstnsim-fax-XXXXXX", recv[64], d[200];
	struct sim_fax_params ps = { .law = law, .calling = caller_sends, .send = true,
				     .file = sent, .ecm = ecm, .ident = "+49 30 1" };
	struct sim_fax_params pr = { .law = law, .calling = !caller_sends, .send = false,
				     .file = recv, .ecm = ecm, .ident = "+1 555 2" };
	struct sim_fax *s = NULL, *r = NULL;
	struct sim_fax_result rs, rr;
	int fd = mkstemp(sent);

	cr_assert(fd >= 0);
	close(fd);
	snprintf(recv, sizeof(recv), "%s.rx", sent);
	write_page_tiff(sent, 2, 300);
	cr_assert_eq(sim_fax_alloc(&s, &ps), 0);
	cr_assert_eq(sim_fax_alloc(&r, &pr), 0);
	fax_b2b(s, r, 120);
	cr_assert(sim_fax_result(s, &rs), "sender never reached phase E");
	cr_assert(sim_fax_result(r, &rr), "receiver never reached phase E");
	sim_fax_describe(&rr, d, sizeof(d));
	cr_assert_eq(rs.code, 0, "sender: %s", rs.code_text);
	cr_assert_eq(rr.code, 0, "receiver: %s", d);
	cr_assert_eq(rs.pages, 2);
	cr_assert_eq(rr.pages, 2);
	cr_assert_eq(rr.bit_rate, 14400, "%s", d);
	cr_assert_eq(rr.ecm, ecm);
	cr_assert_str_eq(rr.remote, "+49 30 1");
	cr_assert_str_eq(rs.remote, "+1 555 2");
	cr_assert(!strncmp(d, "fax: pages=2 rate=14400 ecm=", 28) &&
		  strstr(d, "code=0 (OK) remote=+49_30_1 dir=recv time="), "%s", d);
	/* a clean line: every row of both pages arrives */
	cr_assert_eq(tiff_rows_differ(sent, recv, 0), 0);
	cr_assert_eq(tiff_rows_differ(sent, recv, 1), 0);
	sim_fax_free(s);
	sim_fax_free(r);
	unlink(sent);
	unlink(recv);
}

Test(pstnsim_fax, back_to_back_alaw_ecm) { fax_pair(SIM_LAW_ALAW, true, true); }
Test(pstnsim_fax, back_to_back_ulaw_noecm_answerer_sends) { fax_pair(SIM_LAW_ULAW, false, false); }

/* The sender has nothing to send: T.30 must end with an error, not OK. */
Test(pstnsim_fax, missing_file_fails)
{
	struct sim_fax_params ps = { .law = SIM_LAW_ALAW, .calling = true, .send = true,
				     .file = "/nonexistent/pages.tif", .ecm = true };
	struct sim_fax_params pr = { .law = SIM_LAW_ALAW, .calling = false, .send = false,
				     .file = "/tmp/pstnsim-fax-never.tif", .ecm = true };
	struct sim_fax *s = NULL, *r = NULL;
	struct sim_fax_result rs, rr;

	cr_assert_eq(sim_fax_alloc(&s, &ps), 0);
	cr_assert_eq(sim_fax_alloc(&r, &pr), 0);
	fax_b2b(s, r, 120);
	(void)sim_fax_result(s, &rs);
	(void)sim_fax_result(r, &rr);
	cr_assert(rs.done || rr.done);
	cr_assert_neq(rs.done ? rs.code : rr.code, 0);
	cr_assert_eq(rr.pages, 0);
	sim_fax_free(s);
	sim_fax_free(r);
	unlink("/tmp/pstnsim-fax-never.tif");
}

Test(pstnsim_fax, bad_params)
{
	struct sim_fax *f = NULL;
	struct sim_fax_params p = { .law = SIM_LAW_ALAW, .send = true, .file = "" };

	cr_assert_eq(sim_fax_alloc(&f, &p), EINVAL);
	cr_assert_eq(sim_fax_alloc(&f, NULL), EINVAL);
	cr_assert_null(f);
}

/* A forwarded call's redirecting number and reason (Q.931 §4.5.13): set by call, checked by
 * expect ring. */
Test(pstnsim_script, redirecting_party)
{
	struct sim_script s = parse_ok(
		"call 4930200 from 5550999 rdnis 4930299 rdnis-reason no-reply\n"
		"expect ring rdnis 4930111 rdnis-reason unconditional 5s\n"
		"call 4930201 rdnis 4930298\n");

	cr_assert_eq(s.n, 3);
	cr_expect_str_eq(s.cmds[0].rdnis, "4930299");
	cr_expect_eq(s.cmds[0].rdnis_reason, 2, "libpri PRI_REDIR_FORWARD_ON_NO_REPLY");
	cr_expect_str_eq(s.cmds[1].rdnis, "4930111");
	cr_expect_eq(s.cmds[1].rdnis_reason, 0xf);
	cr_expect_eq(s.cmds[1].timeout_ms, 5000);
	cr_expect_eq(s.cmds[2].rdnis_reason, -1, "not given");
	sim_script_free(&s);
	parse_bad("call 1 rdnis-reason sideways\n", "bad redirection reason");
}
