/* media/callerid: message bytes against GR-30-CORE / EN 300 659-3 / ES 200 778-1 layouts
 * written out by hand, and the audio through SpanDSP both ways: render -> streaming decoder
 * for every standard, at the nominal level and at -25 dBm0, 20 ms late, and nothing out of
 * silence, noise or a message whose checksum is wrong. */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "media/callerid.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
enum { FRAME = 160 };	/* 20 ms at 8 kHz, as the line driver feeds */

static struct callerid make_id(const char *number, const char *name, const char *datetime)
{
	struct callerid id = { .mwi = -1 };

	snprintf(id.number, sizeof(id.number), "%s", number);
	snprintf(id.name, sizeof(id.name), "%s", name);
	snprintf(id.datetime, sizeof(id.datetime), "%s", datetime);
	return id;
}

static void expect_bytes(const uint8_t *got, int n, const uint8_t *want, size_t wn)
{
	cr_assert_eq(n, (int)wn, "length %d, want %zu", n, wn);
	for (size_t i = 0; i < wn; i++)
		cr_expect_eq(got[i], want[i], "octet %zu: 0x%02x, want 0x%02x", i, got[i], want[i]);
}

Test(callerid, std_names)
{
	bool ok = false;

	cr_expect_eq(callerid_std_from_name("bell202", &ok), CALLERID_BELL202);
	cr_expect(ok);
	cr_expect_eq(callerid_std_from_name("V23", &ok), CALLERID_V23);
	cr_expect(ok);
	cr_expect_eq(callerid_std_from_name("dtmf", &ok), CALLERID_DTMF);
	cr_expect(ok);
	(void)callerid_std_from_name("fsk", &ok);
	cr_expect(!ok);
	cr_expect_str_eq(callerid_std_name(CALLERID_V23), "v23");
	cr_expect_str_eq(callerid_std_name((enum callerid_std)42), "?");
}

/* The SDMF example of GR-30-CORE: September 30, 12:24, (609) 555-1212, checksum 0x51. */
Test(callerid, parse_gr30_sdmf_example)
{
	static const uint8_t msg[] = { 0x04, 0x12, '0', '9', '3', '0', '1', '2', '2', '4',
				       '6', '0', '9', '5', '5', '5', '1', '2', '1', '2', 0x51 };
	struct callerid id;

	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, msg, sizeof(msg), &id), 0);
	cr_expect_str_eq(id.datetime, "09301224");
	cr_expect_str_eq(id.number, "6095551212");
	cr_expect_eq(id.number_absent, CALLERID_PRESENT);
	cr_expect_str_eq(id.name, "");
	cr_expect_eq(id.mwi, -1);
	/* ETSI has no SDMF */
	cr_expect_eq(callerid_parse_msg(CALLERID_V23, msg, sizeof(msg), &id), -EBADMSG);

	/* SDMF "private": date, then 'P' alone */
	static const uint8_t p2[] = { 0x04, 0x09, '0', '9', '3', '0', '1', '2', '2', '4', 'P', 0x0e };
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, p2, sizeof(p2), &id), 0);
	cr_expect_eq(id.number_absent, CALLERID_PRIVATE);
	cr_expect_str_eq(id.number, "");
}

/* GR-30-CORE MDMF: type 0x80, length, date/time (0x01), number (0x02), name (0x07), checksum. */
Test(callerid, encode_bell_mdmf)
{
	static const uint8_t want[] = {
		0x80, 0x20,
		0x01, 0x08, '0', '9', '3', '0', '1', '2', '2', '4',
		0x02, 0x0a, '6', '0', '9', '5', '5', '5', '1', '2', '1', '2',
		0x07, 0x08, 'D', 'O', 'E', ' ', 'J', 'O', 'H', 'N',
		0x7c,
	};
	struct callerid id = make_id("6095551212", "DOE JOHN", "09301224"), back;
	uint8_t buf[128];

	int n = callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(buf));
	expect_bytes(buf, n, want, sizeof(want));
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, buf, (size_t)n, &back), 0);
	cr_expect_str_eq(back.number, "6095551212");
	cr_expect_str_eq(back.name, "DOE JOHN");
	cr_expect_str_eq(back.datetime, "09301224");
	/* too small a buffer */
	cr_expect_eq(callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(want) - 1), -ENOSPC);
	/* GR-30 shows 15 characters of name: a longer one is cut */
	id = make_id("6095551212", "ABCDEFGHIJKLMNOPQRST", "");
	n = callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, buf, (size_t)n, &back), 0);
	cr_expect_str_eq(back.name, "ABCDEFGHIJKLMNO");
	/* ... but a number is never cut */
	id = make_id("1234567890123456", "", "");
	cr_expect_eq(callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(buf)), -EINVAL);
	cr_expect_gt(callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf)), 0);
}

/* EN 300 659-3 §5.2.1 call set-up, number and name withheld: absence 0x04 'P', 0x08 'P'. */
Test(callerid, encode_etsi_private)
{
	static const uint8_t want[] = {
		0x80, 0x10,
		0x01, 0x08, '1', '2', '2', '4', '1', '8', '3', '0',
		0x04, 0x01, 'P',
		0x08, 0x01, 'P',
		0x24,
	};
	struct callerid id = make_id("", "", "12241830"), back;
	uint8_t buf[64];

	id.number_absent = CALLERID_PRIVATE;
	id.name_absent = CALLERID_PRIVATE;
	int n = callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf));
	expect_bytes(buf, n, want, sizeof(want));
	cr_assert_eq(callerid_parse_msg(CALLERID_V23, buf, (size_t)n, &back), 0);
	cr_expect_eq(back.number_absent, CALLERID_PRIVATE);
	cr_expect_eq(back.name_absent, CALLERID_PRIVATE);

	/* unavailable: 'O'; a number given but presentation restricted is not sent */
	id = make_id("4930123", "", "");
	id.number_absent = CALLERID_UNAVAILABLE;
	n = callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf));
	static const uint8_t want_o[] = { 0x80, 0x03, 0x04, 0x01, 'O', 0x29 };
	expect_bytes(buf, n, want_o, sizeof(want_o));
}

/* Message waiting: MDMF 0x82 with the visual indicator 0x0B (0xFF on, 0x00 off), both
 * standards; SDMF 0x06 0x42 0x42 0x42 accepted from a Bell line. */
Test(callerid, mwi)
{
	static const uint8_t on[] = { 0x82, 0x03, 0x0b, 0x01, 0xff, 0x70 };
	static const uint8_t off[] = { 0x82, 0x03, 0x0b, 0x01, 0x00, 0x6f };
	static const uint8_t sdmf_on[] = { 0x06, 0x03, 0x42, 0x42, 0x42, 0x31 };
	static const uint8_t sdmf_off[] = { 0x06, 0x03, 0x6f, 0x6f, 0x6f, 0xaa };
	struct callerid id = make_id("", "", ""), back;
	uint8_t buf[32];

	id.mwi = 1;
	expect_bytes(buf, callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf)), on, sizeof(on));
	id.mwi = 0;
	expect_bytes(buf, callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(buf)), off,
		     sizeof(off));
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, on, sizeof(on), &back), 0);
	cr_expect_eq(back.mwi, 1);
	cr_assert_eq(callerid_parse_msg(CALLERID_V23, off, sizeof(off), &back), 0);
	cr_expect_eq(back.mwi, 0);
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, sdmf_on, sizeof(sdmf_on), &back), 0);
	cr_expect_eq(back.mwi, 1);
	cr_assert_eq(callerid_parse_msg(CALLERID_BELL202, sdmf_off, sizeof(sdmf_off), &back), 0);
	cr_expect_eq(back.mwi, 0);
	id.mwi = 2;
	cr_expect_eq(callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf)), -EINVAL);
}

/* ES 200 778-1 Annex B: 'A' number 'C'; 'B' 10 'C' private, 'B' 00 'C' unavailable. */
Test(callerid, dtmf_msg)
{
	struct callerid id = make_id("4930123", "Ignored Name", ""), back;
	uint8_t buf[32];

	int n = callerid_encode_msg(CALLERID_DTMF, &id, buf, sizeof(buf));
	expect_bytes(buf, n, (const uint8_t *)"A4930123C", 9);
	id.number_absent = CALLERID_PRIVATE;
	n = callerid_encode_msg(CALLERID_DTMF, &id, buf, sizeof(buf));
	expect_bytes(buf, n, (const uint8_t *)"B10C", 4);
	id.number_absent = CALLERID_UNAVAILABLE;
	n = callerid_encode_msg(CALLERID_DTMF, &id, buf, sizeof(buf));
	expect_bytes(buf, n, (const uint8_t *)"B00C", 4);

	static const struct {
		const char *msg, *number;
		enum callerid_absent absent;
		int rc;
	} rows[] = {
		{ "A4930123C", "4930123", CALLERID_PRESENT, 0 },
		{ "B10C", "", CALLERID_PRIVATE, 0 },
		{ "B00C", "", CALLERID_UNAVAILABLE, 0 },
		{ "D1#", "", CALLERID_PRIVATE, 0 },	/* the Danish form */
		{ "D2#", "", CALLERID_UNAVAILABLE, 0 },
		{ "A12345#", "12345", CALLERID_PRESENT, 0 },
		{ "12345C", "12345", CALLERID_PRESENT, 0 },	/* no start code */
		{ "AC", "", CALLERID_PRESENT, -EBADMSG },
		{ "A12*4C", "", CALLERID_PRESENT, -EBADMSG },
		{ "*12C", "", CALLERID_PRESENT, -EBADMSG },
	};
	for (size_t i = 0; i < NELEM(rows); i++) {
		int rc = callerid_parse_msg(CALLERID_DTMF, (const uint8_t *)rows[i].msg,
					    strlen(rows[i].msg), &back);
		cr_expect_eq(rc, rows[i].rc, "%s: %d", rows[i].msg, rc);
		if (rc)
			continue;
		cr_expect_str_eq(back.number, rows[i].number, "%s", rows[i].msg);
		cr_expect_eq(back.number_absent, rows[i].absent, "%s", rows[i].msg);
	}
}

Test(callerid, bad_input)
{
	struct callerid id = make_id("555-1212", "", ""), back;
	uint8_t buf[64];

	cr_expect_eq(callerid_encode_msg(CALLERID_BELL202, &id, buf, sizeof(buf)), -EINVAL);
	id = make_id("5551212", "Tab\there", "");
	cr_expect_eq(callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf)), -EINVAL);
	id = make_id("5551212", "", "0930");
	cr_expect_eq(callerid_encode_msg(CALLERID_V23, &id, buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(callerid_encode_msg((enum callerid_std)9, &id, buf, sizeof(buf)), -EINVAL);
	cr_expect_eq(callerid_parse_msg(CALLERID_V23, buf, 0, &back), -EINVAL);

	/* one wrong bit anywhere: the checksum says so */
	static const uint8_t good[] = { 0x80, 0x03, 0x04, 0x01, 'O', 0x29 };
	uint8_t bad[sizeof(good)];
	for (size_t i = 0; i < sizeof(good) * 8; i++) {
		memcpy(bad, good, sizeof(good));
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		int rc = callerid_parse_msg(CALLERID_V23, bad, sizeof(bad), &back);
		cr_expect_eq(rc, -EBADMSG, "bit %zu flipped: %d", i, rc);
	}
	/* a length past the end */
	static const uint8_t shortmsg[] = { 0x80, 0x09, 0x04, 0x01, 'O' };
	cr_expect_eq(callerid_parse_msg(CALLERID_V23, shortmsg, sizeof(shortmsg), &back), -EBADMSG);
	/* a parameter running past the message */
	static const uint8_t overrun[] = { 0x80, 0x03, 0x02, 0x05, '1', 0x45 };
	cr_expect_eq(callerid_parse_msg(CALLERID_V23, overrun, sizeof(overrun), &back), -EBADMSG);
}

/* --- audio --- */

static double rms_dbm0(const int16_t *s, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	return 20 * log10(sqrt(e / (double)n) / (32767.0 / sqrt(2.0))) + 3.14;
}

static void scale(int16_t *s, size_t n, double db)
{
	double g = pow(10, db / 20);

	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)lrint(s[i] * g);
}

/* Feed in 20 ms frames after `lead` samples of silence, then 200 ms of silence; returns the
 * first non-zero feed result (or 0). */
static int decode(enum callerid_std std, const int16_t *sig, size_t n, size_t lead,
		  struct callerid *out)
{
	size_t total = lead + n + 1600;
	int16_t *buf = calloc(total, sizeof(*buf));
	struct callerid_rx *rx = NULL;
	int first = 0, ones = 0;

	cr_assert_not_null(buf);
	memcpy(buf + lead, sig, n * sizeof(*sig));
	cr_assert_eq(callerid_rx_new(&rx, std), 0);
	for (size_t i = 0; i < total; i += FRAME) {
		size_t k = total - i < FRAME ? total - i : FRAME;
		int rc = callerid_rx_feed(rx, buf + i, k);
		if (rc && !first)
			first = rc;
		ones += rc == 1;
	}
	cr_expect_leq(ones, 1, "one message, reported once (%d)", ones);
	*out = *callerid_rx_result(rx);
	callerid_rx_free(rx);
	free(buf);
	return first;
}

static void round_trip(enum callerid_std std, const struct callerid *id, double db, size_t lead)
{
	size_t max = callerid_max_samples();
	int16_t *sig = calloc(max, sizeof(*sig));
	struct callerid got;

	cr_assert_not_null(sig);
	int n = callerid_render(std, id, sig, max);
	cr_assert_gt(n, 0, "render %s: %d", callerid_std_name(std), n);
	if (std != CALLERID_DTMF) {
		/* 300 + 180 bits before the message at 1200 bit/s: 3200 samples */
		cr_expect_gt(n, 3200);
		double lvl = rms_dbm0(sig, (size_t)n);
		cr_expect(fabs(lvl - -13.0) < 0.5, "FSK at %.2f dBm0, want -13", lvl);
	}
	scale(sig, (size_t)n, db);
	int rc = decode(std, sig, (size_t)n, lead, &got);
	cr_assert_eq(rc, 1, "%s at %+.0f dB, %zu samples late: %d", callerid_std_name(std), db,
		     lead, rc);
	cr_expect_str_eq(got.number, id->number_absent == CALLERID_PRESENT ? id->number : "");
	cr_expect_eq(got.number_absent, id->number_absent);
	if (std != CALLERID_DTMF) {
		cr_expect_str_eq(got.name, id->name_absent == CALLERID_PRESENT ? id->name : "");
		cr_expect_eq(got.name_absent, id->name_absent);
		cr_expect_str_eq(got.datetime, id->datetime);
	}
	free(sig);
}

static void round_trips(enum callerid_std std)
{
	struct callerid full = make_id("6095551212", "DOE JOHN", "09301224");
	struct callerid priv = make_id("", "", "01020304");
	struct callerid unav = make_id("", "", "");

	priv.number_absent = priv.name_absent = CALLERID_PRIVATE;
	unav.number_absent = unav.name_absent = CALLERID_UNAVAILABLE;
	round_trip(std, &full, 0, 0);
	round_trip(std, &priv, 0, 0);
	round_trip(std, &unav, 0, 0);
	/* -13 dBm0 - 12 dB = -25 dBm0, 20 ms late */
	round_trip(std, &full, -12, FRAME);
	round_trip(std, &full, -12, 77);
}

Test(callerid, round_trip_bell202)
{
	round_trips(CALLERID_BELL202);
}

Test(callerid, round_trip_v23)
{
	round_trips(CALLERID_V23);
}

Test(callerid, round_trip_dtmf)
{
	round_trips(CALLERID_DTMF);
}

/* An FSK message sent with a wrong checksum: the decoder says -EBADMSG and holds no result. */
struct bits {
	const uint8_t *msg;
	size_t len;
	unsigned bit;	/* running bit index */
	unsigned seizure, marks;
};

static int get_bit(void *arg)
{
	struct bits *b = arg;
	unsigned i = b->bit++;

	if (i < b->seizure)
		return i & 1;
	if (i < b->seizure + b->marks)
		return 1;
	i -= b->seizure + b->marks;
	if (i / 10 < b->len) {
		unsigned k = i % 10;
		if (k == 0)
			return 0;
		if (k == 9)
			return 1;
		return (b->msg[i / 10] >> (k - 1)) & 1;
	}
	if (i / 10 == b->len)
		return 1;
	return SIG_STATUS_END_OF_DATA;
}

static int send_raw_marks(enum callerid_std std, const uint8_t *msg, size_t len,
			  unsigned seizure, unsigned marks, struct callerid *out)
{
	struct bits b = { .msg = msg, .len = len, .seizure = seizure, .marks = marks };
	fsk_tx_state_t *tx = fsk_tx_init(NULL,
					 &preset_fsk_specs[std == CALLERID_BELL202 ? FSK_BELL202
										  : FSK_V23CH1],
					 get_bit, &b);
	size_t n = (seizure + marks + len * 10 + 10) * 8000 / 1200;
	int16_t *sig = calloc(n, sizeof(*sig));

	cr_assert_not_null(tx);
	cr_assert_not_null(sig);
	fsk_tx(tx, sig, (int)n);
	fsk_tx_free(tx);
	int rc = decode(std, sig, n, FRAME, out);
	free(sig);
	return rc;
}

static int send_raw(enum callerid_std std, const uint8_t *msg, size_t len, struct callerid *out)
{
	return send_raw_marks(std, msg, len, 300, 180, out);
}

/* The receiver wants a run of marks before a message: 80 (type II) do, 20 do not. */
Test(callerid, marks_before_the_message)
{
	uint8_t msg[64];
	struct callerid id = make_id("6095551212", "", ""), got;
	int n = callerid_encode_msg(CALLERID_BELL202, &id, msg, sizeof(msg));

	cr_assert_gt(n, 0);
	cr_expect_eq(send_raw_marks(CALLERID_BELL202, msg, (size_t)n, 0, 80, &got), 1);
	cr_expect_str_eq(got.number, "6095551212");
	cr_expect_eq(send_raw_marks(CALLERID_BELL202, msg, (size_t)n, 300, 20, &got), 0);
}

/* Type II rendering: no seizure, 80 marks: shorter than type I by 400 bits, and decodable. */
Test(callerid, type2)
{
	struct callerid id = make_id("6095551212", "DOE JOHN", "09301224"), got;
	size_t max = callerid_max_samples();
	int16_t *a = calloc(max, sizeof(*a)), *b = calloc(max, sizeof(*b));

	cr_assert(a && b);
	int n1 = callerid_render(CALLERID_V23, &id, a, max);
	int n2 = callerid_render_type2(CALLERID_V23, &id, b, max);
	cr_assert_gt(n2, 0);
	cr_expect(abs(n1 - n2 - 400 * 8000 / 1200) <= 160, "type I %d, type II %d samples", n1, n2);
	cr_expect_eq(decode(CALLERID_V23, b, (size_t)n2, FRAME, &got), 1);
	cr_expect_str_eq(got.name, "DOE JOHN");
	cr_expect_eq(callerid_render_type2(CALLERID_DTMF, &id, b, max), -EINVAL);
	free(a);
	free(b);
}

Test(callerid, bad_checksum_on_the_line)
{
	uint8_t msg[64];
	struct callerid id = make_id("6095551212", "DOE JOHN", "09301224"), got;

	for (int s = 0; s < 2; s++) {
		enum callerid_std std = s ? CALLERID_V23 : CALLERID_BELL202;
		int n = callerid_encode_msg(std, &id, msg, sizeof(msg));

		cr_assert_gt(n, 0);
		/* the same bits with the right checksum decode: the generator is sound */
		cr_assert_eq(send_raw(std, msg, (size_t)n, &got), 1);
		cr_expect_str_eq(got.number, "6095551212");
		msg[n - 1] ^= 0x01;
		cr_expect_eq(send_raw(std, msg, (size_t)n, &got), -EBADMSG);
		cr_expect_str_eq(got.number, "");
	}
}

/* 2 s of silence and of noise (white, -20 dBm0; and speech-band noise): no message. */
Test(callerid, silence_and_noise)
{
	enum { N = 16000 };
	static int16_t sig[N];
	struct callerid got;
	awgn_state_t *noise = awgn_init_dbm0(NULL, 1234567, -20.0f);

	cr_assert_not_null(noise);
	for (int s = 0; s < 3; s++) {
		enum callerid_std std = (enum callerid_std)s;

		memset(sig, 0, sizeof(sig));
		cr_expect_eq(decode(std, sig, N, 0, &got), 0, "%s, silence", callerid_std_name(std));
		for (int i = 0; i < N; i++)
			sig[i] = awgn(noise);
		cr_expect_eq(decode(std, sig, N, 0, &got), 0, "%s, noise", callerid_std_name(std));
		cr_expect_str_eq(got.number, "");
	}
	awgn_free(noise);
}

Test(callerid, render_limits)
{
	struct callerid id = make_id("6095551212", "DOE JOHN", "09301224");
	int16_t small[1000];

	cr_expect_eq(callerid_render(CALLERID_BELL202, &id, small, NELEM(small)), -ENOSPC);
	cr_expect_eq(callerid_render(CALLERID_BELL202, NULL, small, NELEM(small)), -EINVAL);
	id.mwi = 5;
	cr_expect_eq(callerid_render(CALLERID_V23, &id, small, NELEM(small)), -EINVAL);

	/* the longest message still fits callerid_max_samples() */
	struct callerid big = make_id("12345678901234567890", "", "12312359");
	memset(big.name, 'W', 50);
	big.name[50] = '\0';
	size_t max = callerid_max_samples();
	int16_t *sig = calloc(max, sizeof(*sig));
	cr_assert_not_null(sig);
	for (int s = 0; s < 3; s++) {
		/* GR-30 numbers stop at 15 digits */
		big.number[s == CALLERID_BELL202 ? 15 : 20] = '\0';
		cr_expect_gt(callerid_render((enum callerid_std)s, &big, sig, max), 0, "%d", s);
	}
	free(sig);
}

Test(callerid, cas_tone)
{
	int16_t buf[1000];
	double e2130 = 0, e2750 = 0, e1000 = 0;

	cr_expect_eq(callerid_render_cas(buf, 100), -ENOSPC);
	int n = callerid_render_cas(buf, NELEM(buf));
	cr_assert_eq(n, 640, "80 ms");
	/* correlate with each frequency: both tones there, nothing at 1000 Hz */
	for (int f = 0; f < 3; f++) {
		double hz = f == 0 ? 2130 : f == 1 ? 2750 : 1000, re = 0, im = 0;
		for (int i = 0; i < n; i++) {
			re += buf[i] * cos(2 * M_PI * hz * i / 8000);
			im += buf[i] * sin(2 * M_PI * hz * i / 8000);
		}
		double e = sqrt(re * re + im * im) / n;
		*(f == 0 ? &e2130 : f == 1 ? &e2750 : &e1000) = e;
	}
	cr_expect_gt(e2130, 100 * e1000 + 1);
	cr_expect_gt(e2750, 100 * e1000 + 1);
	cr_expect(fabs(e2130 / e2750 - 1) < 0.05, "equal levels: %f %f", e2130, e2750);
}
