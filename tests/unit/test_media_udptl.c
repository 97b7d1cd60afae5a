/* Unit tests for media/udptl: exact T.38 §9.1 / Annex A datagrams, recovery by redundancy
 * and FEC, reordering, duplicates, wrap-around, size limits, and a fuzz loop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/udptl.h"

enum { MAXREC = 70000 };

/* What the receiver handed on. */
struct rec {
	unsigned n, nmiss;
	uint16_t seq[MAXREC];
	uint16_t len[MAXREC];
	uint32_t tag[MAXREC];	/* first four octets of the IFP, big-endian */
	uint16_t miss[MAXREC];
};

static void on_ifp(uint16_t seq, const uint8_t *ifp, size_t len, void *arg)
{
	struct rec *r = arg;
	uint32_t t = 0;

	cr_assert(r->n < MAXREC);
	for (size_t i = 0; i < 4 && i < len; i++)
		t = t << 8 | ifp[i];
	r->seq[r->n] = seq;
	r->len[r->n] = (uint16_t)len;
	r->tag[r->n++] = t;
}

static void on_missing(uint16_t seq, void *arg)
{
	struct rec *r = arg;

	cr_assert(r->nmiss < MAXREC);
	r->miss[r->nmiss++] = seq;
}

static struct udptl *mk(unsigned redundancy, size_t max_dg, struct rec *r)
{
	struct udptl_params p = {
		.redundancy = redundancy, .max_datagram = max_dg,
		.ifp_h = on_ifp, .missing_h = on_missing, .arg = r,
	};
	struct udptl *u = NULL;

	cr_assert_eq(udptl_alloc(&u, &p), 0);
	return u;
}

static void expect_bytes(const uint8_t *got, size_t glen, const uint8_t *want, size_t wlen)
{
	cr_assert_eq(glen, wlen, "length %zu, want %zu", glen, wlen);
	for (size_t i = 0; i < wlen; i++)
		cr_expect_eq(got[i], want[i], "octet %zu: %02x, want %02x", i, got[i], want[i]);
}

/* IFP packet number i: a 4-octet tag then filler, length 4 + i % 7 (or fixed). */
static size_t mk_ifp(uint8_t *b, uint32_t i, size_t fixed)
{
	size_t len = fixed ? fixed : 4 + i % 7;

	b[0] = (uint8_t)(i >> 24), b[1] = (uint8_t)(i >> 16), b[2] = (uint8_t)(i >> 8), b[3] = (uint8_t)i;
	for (size_t k = 4; k < len; k++)
		b[k] = (uint8_t)(i * 31 + k);
	return len;
}

Test(media_udptl, encode_exact_bytes)
{
	static const uint8_t A[] = { 0x11, 0x22 }, B[] = { 0x33, 0x44, 0x55 }, C[] = { 0x66 },
			     D[] = { 0x77, 0x88 }, E[] = { 0x99 };
	/* seq | len primary | CHOICE 0x00 = secondary-ifp-packets | count | (len data)…, newest first */
	static const uint8_t w0[] = { 0x00, 0x00, 0x02, 0x11, 0x22, 0x00, 0x00 };
	static const uint8_t w1[] = { 0x00, 0x01, 0x03, 0x33, 0x44, 0x55, 0x00, 0x01, 0x02, 0x11, 0x22 };
	static const uint8_t w2[] = { 0x00, 0x02, 0x01, 0x66, 0x00, 0x02,
				      0x03, 0x33, 0x44, 0x55, 0x02, 0x11, 0x22 };
	static const uint8_t w3[] = { 0x00, 0x03, 0x02, 0x77, 0x88, 0x00, 0x03,
				      0x01, 0x66, 0x03, 0x33, 0x44, 0x55, 0x02, 0x11, 0x22 };
	/* depth 3: A (seq 0) is no longer carried */
	static const uint8_t w4[] = { 0x00, 0x04, 0x01, 0x99, 0x00, 0x03,
				      0x02, 0x77, 0x88, 0x01, 0x66, 0x03, 0x33, 0x44, 0x55 };
	/* per-packet hint: one secondary only (image data) */
	static const uint8_t w5[] = { 0x00, 0x05, 0x02, 0x11, 0x22, 0x00, 0x01, 0x01, 0x99 };
	uint8_t out[64];
	size_t n;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *u = mk(3, 0, r);

	cr_assert_eq(udptl_encode(u, A, 2, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w0, sizeof(w0));
	cr_assert_eq(udptl_encode(u, B, 3, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w1, sizeof(w1));
	cr_assert_eq(udptl_encode(u, C, 1, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w2, sizeof(w2));
	cr_assert_eq(udptl_encode(u, D, 2, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w3, sizeof(w3));
	cr_assert_eq(udptl_encode(u, E, 1, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w4, sizeof(w4));
	cr_assert_eq(udptl_encode(u, A, 2, 1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w5, sizeof(w5));
	cr_expect_eq(udptl_encode(u, A, 0, -1, out, sizeof(out), &n), EINVAL);
	udptl_free(u);
	free(r);
}

Test(media_udptl, encode_two_octet_length)
{
	uint8_t ifp[200], out[256];
	size_t n;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *u = mk(0, 0, r);

	memset(ifp, 0xA5, sizeof(ifp));
	cr_assert_eq(udptl_encode(u, ifp, sizeof(ifp), -1, out, sizeof(out), &n), 0);
	/* 200 = 0x00C8 ≥ 128: X.691 §10.9.3.7 two-octet form 10xxxxxx → 0x80 0xC8 */
	cr_assert_eq(n, 2 + 2 + 200 + 2);
	cr_expect_eq(out[2], 0x80);
	cr_expect_eq(out[3], 0xC8);
	cr_expect_eq(out[204], 0x00);
	cr_expect_eq(out[205], 0x00);
	cr_assert_eq(udptl_decode(u, out, n), 1);
	cr_expect_eq(r->len[0], 200);
	udptl_free(u);
	free(r);
}

Test(media_udptl, decode_exact_bytes)
{
	/* seq 7, primary 0xAB, two secondaries: seq 6 = CD EF, seq 5 = 01 */
	static const uint8_t d[] = { 0x00, 0x07, 0x01, 0xAB, 0x00, 0x02, 0x02, 0xCD, 0xEF, 0x01, 0x01 };
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *u = mk(3, 0, r);
	struct udptl_stats st;

	/* The first datagram's secondaries are delivered too, oldest first. */
	cr_assert_eq(udptl_decode(u, d, sizeof(d)), 3);
	cr_expect_eq(r->seq[0], 5);
	cr_expect_eq(r->tag[0], 0x01);
	cr_expect_eq(r->seq[1], 6);
	cr_expect_eq(r->tag[1], 0xCDEF);
	cr_expect_eq(r->seq[2], 7);
	cr_expect_eq(r->tag[2], 0xAB);
	/* Sent again: a duplicate, nothing delivered. */
	cr_assert_eq(udptl_decode(u, d, sizeof(d)), 0);
	udptl_stats(u, &st);
	cr_expect_eq(st.rx_dup, 1);
	cr_expect_eq(st.rx_delivered, 3);
	cr_expect_eq(st.rx_recovered_red, 2);
	udptl_free(u);
	free(r);
}

/* Send n packets with the given redundancy, drop those with drop[i] set, decode the rest in
 * order, flush, and check every delivered packet is the one sent under that number. */
static struct udptl_stats run(unsigned red, unsigned n, const uint8_t *drop, struct rec *r)
{
	struct rec *tx = calloc(1, sizeof(*tx));
	struct udptl *s = mk(red, 0, tx), *d = mk(red, 0, r);
	struct udptl_stats st;
	uint8_t ifp[64], out[512];
	size_t len, olen;

	for (unsigned i = 0; i < n; i++) {
		len = mk_ifp(ifp, i, 0);
		cr_assert_eq(udptl_encode(s, ifp, len, -1, out, sizeof(out), &olen), 0);
		if (!drop || !drop[i])
			cr_assert_geq(udptl_decode(d, out, olen), 0);
	}
	udptl_flush(d);
	for (unsigned i = 0; i < r->n; i++) {
		cr_expect_eq((uint16_t)r->tag[i], r->seq[i], "packet %u carries %u", r->seq[i], r->tag[i]);
		cr_expect_eq(r->len[i], 4 + r->tag[i] % 7);
		if (i)
			cr_expect_gt(r->tag[i], r->tag[i - 1], "out of order");
	}
	udptl_stats(d, &st);
	udptl_free(s);
	udptl_free(d);
	free(tx);
	return st;
}

Test(media_udptl, round_trip_redundancy_0_to_5)
{
	for (unsigned red = 0; red <= 5; red++) {
		struct rec *r = calloc(1, sizeof(*r));
		struct udptl_stats st = run(red, 300, NULL, r);

		cr_expect_eq(r->n, 300, "redundancy %u: %u delivered", red, r->n);
		cr_expect_eq(r->nmiss, 0);
		cr_expect_eq(st.rx_recovered_red, 0);
		free(r);
	}
}

Test(media_udptl, losses_recovered_by_redundancy)
{
	for (unsigned burst = 1; burst <= 3; burst++) {
		uint8_t drop[40] = { 0 };
		struct rec *r = calloc(1, sizeof(*r));
		struct udptl_stats st;

		for (unsigned k = 0; k < burst; k++)
			drop[10 + k] = 1;
		st = run(3, 40, drop, r);
		cr_expect_eq(r->n, 40, "burst %u: %u delivered", burst, r->n);
		cr_expect_eq(r->nmiss, 0);
		cr_expect_eq(st.rx_recovered_red, burst);
		free(r);
	}
}

Test(media_udptl, four_in_a_row_leaves_a_reported_gap)
{
	uint8_t drop[40] = { 0 };
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl_stats st;

	drop[10] = drop[11] = drop[12] = drop[13] = 1;
	st = run(3, 40, drop, r);
	/* 14 carries 13, 12, 11; 10 is gone and reported before 11 is delivered. */
	cr_expect_eq(r->n, 39);
	cr_assert_eq(r->nmiss, 1);
	cr_expect_eq(r->miss[0], 10);
	cr_expect_eq(r->seq[10], 11);
	cr_expect_eq(st.rx_lost, 1);
	cr_expect_eq(st.rx_recovered_red, 3);
	free(r);
}

/* Datagrams from a sender, kept so that tests can deliver them in any order. */
struct dgs {
	unsigned n;
	size_t len[64];
	uint8_t b[64][128];
};

static void encode_all(struct dgs *g, unsigned n, unsigned red)
{
	struct rec *tx = calloc(1, sizeof(*tx));
	struct udptl *s = mk(red, 0, tx);
	uint8_t ifp[64];

	for (unsigned i = 0; i < n; i++) {
		size_t len = mk_ifp(ifp, i, 0);

		cr_assert_eq(udptl_encode(s, ifp, len, -1, g->b[i], sizeof(g->b[i]), &g->len[i]), 0);
	}
	g->n = n;
	udptl_free(s);
	free(tx);
}

Test(media_udptl, reordering_within_the_hold)
{
	static const unsigned order[] = { 0, 2, 1, 3, 5, 4, 6, 9, 8, 7, 10 };
	struct dgs g;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(0, 0, r);

	encode_all(&g, 11, 0);
	for (unsigned i = 0; i < 11; i++)
		udptl_decode(d, g.b[order[i]], g.len[order[i]]);
	cr_assert_eq(r->n, 11);
	cr_expect_eq(r->nmiss, 0);
	for (unsigned i = 0; i < 11; i++)
		cr_expect_eq(r->seq[i], i);
	udptl_free(d);
	free(r);
}

Test(media_udptl, reordering_past_the_hold_is_late)
{
	static const unsigned order[] = { 0, 2, 3, 4, 5, 1, 6 };
	struct dgs g;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(0, 0, r);
	struct udptl_stats st;

	encode_all(&g, 7, 0);
	for (unsigned i = 0; i < 7; i++)
		udptl_decode(d, g.b[order[i]], g.len[order[i]]);
	/* 5 is 4 past the gap at 1: 1 is given up, then arrives late and is dropped. */
	cr_assert_eq(r->nmiss, 1);
	cr_expect_eq(r->miss[0], 1);
	cr_expect_eq(r->n, 6);
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_late, 1);
	udptl_free(d);
	free(r);
}

Test(media_udptl, duplicates_dropped)
{
	struct dgs g;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(3, 0, r);
	struct udptl_stats st;

	encode_all(&g, 20, 3);
	for (unsigned i = 0; i < 20; i++) {
		udptl_decode(d, g.b[i], g.len[i]);
		udptl_decode(d, g.b[i], g.len[i]);
		if (i >= 2)
			udptl_decode(d, g.b[i - 2], g.len[i - 2]);
	}
	cr_expect_eq(r->n, 20);
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_dup, 20 + 18);
	cr_expect_eq(st.rx_delivered, 20);
	udptl_free(d);
	free(r);
}

Test(media_udptl, sequence_wraps_at_65535)
{
	enum { N = 65536 + 40 };
	uint8_t *drop = calloc(N, 1);
	struct rec *r = calloc(1, sizeof(*r));

	/* lose 65534, 65535 and the new 0 across the wrap: depth 3 recovers them */
	drop[65534] = drop[65535] = drop[65536] = 1;
	struct udptl_stats st = run(3, N, drop, r);

	cr_assert_eq(r->n, N);
	cr_expect_eq(r->nmiss, 0);
	cr_expect_eq(st.rx_recovered_red, 3);
	cr_expect_eq(r->seq[65535], 65535);
	cr_expect_eq(r->seq[65536], 0);
	cr_expect_eq(r->tag[65536], 65536);	/* the right packet, not one 65536 older */
	free(drop);
	free(r);
}

Test(media_udptl, max_datagram_trims_oldest_first)
{
	static const uint8_t a[] = { 1, 1, 1, 1, 1 }, b[] = { 2, 2, 2, 2, 2 }, c[] = { 3, 3, 3, 3, 3 },
			     e[] = { 4, 4, 4, 4, 4 };
	/* seq 3, primary 04×5, one secondary (seq 2) only: 2+6+2+6 = 16 ≤ 20, a second would be 22 */
	static const uint8_t w3[] = { 0x00, 0x03, 0x05, 4, 4, 4, 4, 4, 0x00, 0x01, 0x05, 3, 3, 3, 3, 3 };
	uint8_t out[64];
	size_t n;
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *u = mk(3, 20, r);
	struct udptl_stats st;

	cr_assert_eq(udptl_encode(u, a, 5, -1, out, sizeof(out), &n), 0);
	cr_assert_eq(udptl_encode(u, b, 5, -1, out, sizeof(out), &n), 0);
	cr_assert_leq(n, 20);
	cr_assert_eq(udptl_encode(u, c, 5, -1, out, sizeof(out), &n), 0);
	cr_assert_eq(udptl_encode(u, e, 5, -1, out, sizeof(out), &n), 0);
	expect_bytes(out, n, w3, sizeof(w3));
	udptl_stats(u, &st);
	cr_expect_eq(st.tx_trimmed, 0 + 0 + 1 + 2);
	/* Not even the bare packet fits 8 octets: refused, the sequence number kept. */
	udptl_set_max_datagram(u, 8);
	cr_expect_eq(udptl_encode(u, a, 5, -1, out, sizeof(out), &n), EMSGSIZE);
	udptl_set_max_datagram(u, 0);
	cr_assert_eq(udptl_encode(u, a, 5, 0, out, sizeof(out), &n), 0);
	cr_expect_eq(out[1], 4);
	udptl_stats(u, &st);
	cr_expect_eq(st.tx_too_big, 1);
	udptl_free(u);
	free(r);
}

/*
 * A FEC datagram as T.38 FEC senders build it (our encoder sends redundancy only): entry m
 * of datagram S is the XOR of packets S+m-entries×j, j = 1…span, zero-padded; while
 * S < span × entries the sender winds up with entries = S / span (span 0 below span).
 */
static size_t fec_dgram(uint8_t *o, unsigned seq, unsigned span, unsigned entries,
			const uint8_t pk[][16], const size_t *plen)
{
	size_t pos = 0;

	if (seq < span * entries) {
		entries = seq / span;
		if (seq < span)
			span = 0;
	}
	o[pos++] = (uint8_t)(seq >> 8), o[pos++] = (uint8_t)seq;
	o[pos++] = (uint8_t)plen[seq];
	memcpy(o + pos, pk[seq], plen[seq]);
	pos += plen[seq];
	o[pos++] = 0x80;			/* error-recovery: fec-info */
	o[pos++] = 0x01, o[pos++] = (uint8_t)span;	/* fec-npackets: 1 octet */
	o[pos++] = (uint8_t)entries;		/* fec-data: count */
	for (unsigned m = 0; m < entries; m++) {
		uint8_t x[16] = { 0 };
		size_t hi = 0;

		for (unsigned j = 1; j <= span; j++) {
			unsigned k = seq + m - entries * j;

			for (size_t b = 0; b < plen[k]; b++)
				x[b] ^= pk[k][b];
			hi = plen[k] > hi ? plen[k] : hi;
		}
		o[pos++] = (uint8_t)hi;
		memcpy(o + pos, x, hi);
		pos += hi;
	}
	return pos;
}

static void fec_case(unsigned span, unsigned entries, const unsigned *lost, unsigned nlost,
		     unsigned want_fec)
{
	enum { N = 30 };
	uint8_t pk[N][16], o[256];
	size_t plen[N];
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(0, 0, r);
	struct udptl_stats st;

	for (unsigned i = 0; i < N; i++)
		plen[i] = mk_ifp(pk[i], i, 8);
	for (unsigned i = 0; i < N; i++) {
		bool gone = false;

		for (unsigned k = 0; k < nlost; k++)
			gone |= lost[k] == i;
		if (!gone)
			cr_assert_geq(udptl_decode(d, o, fec_dgram(o, i, span, entries, pk, plen)), 0);
	}
	udptl_flush(d);
	cr_expect_eq(r->n, N, "span %u entries %u: %u delivered", span, entries, r->n);
	cr_expect_eq(r->nmiss, 0);
	for (unsigned i = 0; i < r->n; i++) {
		cr_expect_eq(r->seq[i], i);
		cr_expect_eq(r->tag[i], i);
		cr_expect_eq(r->len[i], 8);
	}
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_recovered_fec, want_fec);
	udptl_free(d);
	free(r);
}

Test(media_udptl, fec_recovers_one_loss_per_group)
{
	static const unsigned one[] = { 12 }, two[] = { 12, 13 }, spread[] = { 5, 17 };

	fec_case(3, 1, one, 1, 1);
	fec_case(3, 1, spread, 2, 2);
	/* two parity streams interleaved: a burst of two is one loss in each */
	fec_case(2, 2, two, 2, 2);
}

Test(media_udptl, fec_burst_peeled_back_until_two_share_every_group)
{
	enum { N = 24 };
	uint8_t pk[N][16], o[256];
	size_t plen[N];
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(0, 0, r);
	struct udptl_stats st;

	for (unsigned i = 0; i < N; i++)
		plen[i] = mk_ifp(pk[i], i, 8);
	/*
	 * span 3, entries 1: datagram S carries S-1 ^ S-2 ^ S-3. Lose 8…12. 15 rebuilds 12,
	 * then 14 rebuilds 11 and 13 rebuilds 10; 9 and 8 would need the parity of 10, 11 or
	 * 12, which was lost with them, so both are reported.
	 */
	for (unsigned i = 0; i < N; i++)
		if (i < 8 || i > 12)
			udptl_decode(d, o, fec_dgram(o, i, 3, 1, pk, plen));
	udptl_flush(d);
	cr_expect_eq(r->n, N - 2);
	cr_assert_eq(r->nmiss, 2);
	cr_expect_eq(r->miss[0], 8);
	cr_expect_eq(r->miss[1], 9);
	for (unsigned i = 0; i < r->n; i++)
		cr_expect_eq(r->tag[i], r->seq[i]);
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_recovered_fec, 3);
	udptl_free(d);
	free(r);
}

Test(media_udptl, malformed_counted_and_dropped)
{
	static const struct { size_t len; uint8_t b[12]; const char *what; } bad[] = {
		{ 0, { 0 }, "empty" },
		{ 1, { 0x00 }, "half a sequence number" },
		{ 2, { 0x00, 0x01 }, "no primary" },
		{ 5, { 0x00, 0x01, 0x05, 0x01, 0x02 }, "primary length past the end" },
		{ 5, { 0x00, 0x01, 0x00, 0x00, 0x00 }, "empty primary" },
		{ 4, { 0x00, 0x01, 0x01, 0xAA }, "no error-recovery" },
		{ 6, { 0x00, 0x01, 0x01, 0xAA, 0x00, 0x7F }, "127 secondaries" },
		{ 8, { 0x00, 0x01, 0x01, 0xAA, 0x00, 0x01, 0x09, 0x01 }, "secondary past the end" },
		{ 6, { 0x00, 0x01, 0xC1, 0xAA, 0x00, 0x00 }, "fragmented length" },
		{ 7, { 0x00, 0x01, 0x01, 0xAA, 0x80, 0x01, 0x00 }, "fec without entries count" },
		{ 8, { 0x00, 0x01, 0x01, 0xAA, 0x80, 0x01, 0x00, 0x02 }, "fec span 0 with entries" },
		{ 8, { 0x00, 0x01, 0x01, 0xAA, 0x80, 0x01, 0x40, 0x01 }, "fec span 64" },
		{ 7, { 0x00, 0x01, 0x01, 0xAA, 0x80, 0x03, 0x00 }, "fec-npackets past the end" },
	};
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(3, 0, r);
	struct udptl_stats st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *p = malloc(bad[i].len ? bad[i].len : 1);

		memcpy(p, bad[i].b, bad[i].len);
		cr_expect_eq(udptl_decode(d, p, bad[i].len), -EBADMSG, "%s", bad[i].what);
		free(p);
	}
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_malformed, sizeof(bad) / sizeof(bad[0]));
	cr_expect_eq(r->n, 0);
	udptl_free(d);
	free(r);
}

Test(media_udptl, absurd_jump_dropped_then_resync_when_confirmed)
{
	static const uint8_t s10[] = { 0x00, 0x0A, 0x01, 0x10, 0x00, 0x00 };
	static const uint8_t s11[] = { 0x00, 0x0B, 0x01, 0x11, 0x00, 0x00 };
	static const uint8_t far[] = { 0x0B, 0xB8, 0x01, 0xEE, 0x00, 0x00 };	/* seq 3000 */
	static const uint8_t r1[] = { 0x9C, 0x40, 0x01, 0x40, 0x00, 0x00 };	/* seq 40000 */
	static const uint8_t r2[] = { 0x9C, 0x41, 0x01, 0x41, 0x00, 0x01, 0x01, 0x40 };
	struct rec *r = calloc(1, sizeof(*r));
	struct udptl *d = mk(3, 0, r);
	struct udptl_stats st;

	cr_assert_eq(udptl_decode(d, s10, sizeof(s10)), 1);
	cr_expect_eq(udptl_decode(d, far, sizeof(far)), 0);
	cr_assert_eq(udptl_decode(d, s11, sizeof(s11)), 1);
	cr_expect_eq(r->nmiss, 0);
	/* 40000 then 40001: the peer restarted; 40000 is kept as the new start */
	cr_expect_eq(udptl_decode(d, r1, sizeof(r1)), 0);
	cr_expect_eq(udptl_decode(d, r2, sizeof(r2)), 2);
	cr_expect_eq(r->seq[2], 40000);
	cr_expect_eq(r->seq[3], 40001);
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_bad_seq, 2);
	cr_expect_eq(st.rx_resync, 1);
	udptl_free(d);
	free(r);
}

/* xorshift32: fixed seed, same datagrams every run */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

Test(media_udptl, fuzz_random_and_mutated, .timeout = 120)
{
	struct rec *r = calloc(1, sizeof(*r));
	struct rec *tx = calloc(1, sizeof(*tx));
	struct udptl *s = mk(3, 0, tx), *d = mk(3, 0, r);
	struct udptl_stats st;
	uint32_t seed = 0x5EED38;
	uint64_t bad = 0, total = 0;
	uint8_t ifp[64], good[512];

	for (unsigned it = 0; it < 200000; it++) {
		size_t glen, len;
		uint8_t *p;

		cr_assert_eq(udptl_encode(s, ifp, mk_ifp(ifp, it, 0), -1, good, sizeof(good), &glen), 0);
		switch (rnd(&seed) % 4) {
		case 0:	/* random octets */
			len = rnd(&seed) % 48;
			p = malloc(len ? len : 1);
			for (size_t i = 0; i < len; i++)
				p[i] = (uint8_t)rnd(&seed);
			break;
		case 1:	/* truncated */
			len = rnd(&seed) % glen;
			p = malloc(len ? len : 1);
			memcpy(p, good, len);
			break;
		case 2:	/* a few octets changed, some turned into length-like values */
			len = glen;
			p = malloc(len);
			memcpy(p, good, len);
			for (unsigned k = 1 + rnd(&seed) % 3; k; k--)
				p[rnd(&seed) % len] = (uint8_t)(rnd(&seed) % 2 ? rnd(&seed) : 0x80 | rnd(&seed) % 4);
			break;
		default:	/* intact, so that the stream state keeps moving */
			len = glen;
			p = malloc(len);
			memcpy(p, good, len);
			break;
		}
		/* exactly len octets on the heap: a read past them is an ASan report */
		int ret = udptl_decode(d, p, len);

		free(p);
		cr_assert(ret >= 0 || ret == -EBADMSG, "iteration %u: %d", it, ret);
		bad += ret < 0;
		total++;
		if (r->n > MAXREC - 100 || r->nmiss > MAXREC - 100)
			r->n = r->nmiss = 0;
	}
	udptl_stats(d, &st);
	cr_expect_eq(st.rx_datagrams, total);
	cr_expect_eq(st.rx_malformed, bad);
	cr_expect_gt(bad, 40000, "the fuzz must hit the malformed paths (%lu)", (unsigned long)bad);
	cr_expect_gt(st.rx_delivered, 40000);
	udptl_free(s);
	udptl_free(d);
	free(r);
	free(tx);
}
