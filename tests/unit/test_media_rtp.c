/* Unit tests for media/rtp: RFC 3550 header encode/decode, validation, packetiser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"

/* V=2 P=0 X=0 CC=0 M=1 PT=0 seq=0x1234 ts=0x11223344 ssrc=0xdeadbeef, payload "abc" */
static const uint8_t simple[] = {
	0x80, 0x80, 0x12, 0x34, 0x11, 0x22, 0x33, 0x44, 0xde, 0xad, 0xbe, 0xef, 'a', 'b', 'c',
};

/* V=2 P=1 X=1 CC=2 M=0 PT=8 seq=65535 ts=160 ssrc=1, CSRCs 2 and 3, extension profile
 * 0xBEDE with 1 word, payload 2 bytes, 3 bytes of padding. */
static const uint8_t full[] = {
	0xb2, 0x08, 0xff, 0xff, 0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
	0xbe, 0xde, 0x00, 0x01, 0x10, 0x20, 0x30, 0x40,
	0x55, 0x66,
	0x00, 0x00, 0x03,
};

Test(media_rtp, decode_simple)
{
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;

	cr_assert_eq(rtp_decode(&h, simple, sizeof simple, &pl, &n), 0);
	cr_expect(h.marker);
	cr_expect_eq(h.pt, 0);
	cr_expect_eq(h.seq, 0x1234);
	cr_expect_eq(h.ts, 0x11223344u);
	cr_expect_eq(h.ssrc, 0xdeadbeefu);
	cr_expect_eq(h.cc, 0);
	cr_expect_not(h.ext);
	cr_expect_eq(h.pad_len, 0);
	cr_expect_eq(n, 3);
	cr_expect_eq(pl, simple + 12);
}

Test(media_rtp, decode_full)
{
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;

	cr_assert_eq(rtp_decode(&h, full, sizeof full, &pl, &n), 0);
	cr_expect_not(h.marker);
	cr_expect_eq(h.pt, 8);
	cr_expect_eq(h.seq, 65535);
	cr_expect_eq(h.ts, 160);
	cr_expect_eq(h.ssrc, 1);
	cr_expect_eq(h.cc, 2);
	cr_expect_eq(h.csrc[0], 2);
	cr_expect_eq(h.csrc[1], 3);
	cr_expect(h.ext);
	cr_expect_eq(h.ext_profile, 0xbede);
	cr_expect_eq(h.ext_words, 1);
	cr_expect_eq(h.ext_data, full + 24);
	cr_expect_eq(h.pad_len, 3);
	cr_expect_eq(n, 2);
	cr_expect_eq(pl[0], 0x55);
	cr_expect_eq(pl[1], 0x66);
	cr_expect_eq(rtp_hdr_len(&h), 28);
}

Test(media_rtp, encode_exact_bytes)
{
	uint8_t buf[64];
	size_t len;
	struct rtp_hdr h = { .marker = true, .pt = 0, .seq = 0x1234, .ts = 0x11223344u,
			     .ssrc = 0xdeadbeefu };
	uint8_t ext[4] = { 0x10, 0x20, 0x30, 0x40 };
	uint8_t pl[2] = { 0x55, 0x66 };

	cr_assert_eq(rtp_encode(&h, (const uint8_t *)"abc", 3, buf, sizeof buf, &len), 0);
	cr_expect_eq(len, sizeof simple);
	cr_expect_arr_eq(buf, simple, sizeof simple);

	h = (struct rtp_hdr){ .pt = 8, .seq = 65535, .ts = 160, .ssrc = 1, .cc = 2,
			      .csrc = { 2, 3 }, .ext = true, .ext_profile = 0xbede,
			      .ext_words = 1, .ext_data = ext, .pad_len = 3 };
	cr_assert_eq(rtp_encode(&h, pl, 2, buf, sizeof buf, &len), 0);
	cr_expect_eq(len, sizeof full);
	cr_expect_arr_eq(buf, full, sizeof full);
	/* Too small a buffer, bad fields. */
	cr_expect_eq(rtp_encode(&h, pl, 2, buf, sizeof full - 1, &len), EMSGSIZE);
	h.cc = 16;
	cr_expect_eq(rtp_encode(&h, pl, 2, buf, sizeof buf, &len), EINVAL);
	h.cc = 0;
	h.pt = 128;
	cr_expect_eq(rtp_encode(&h, pl, 2, buf, sizeof buf, &len), EINVAL);
}

Test(media_rtp, validation_errors)
{
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;
	uint8_t b[sizeof full];

	/* Every truncation of a valid packet fails cleanly (or parses, when the cut lands
	 * where padding ends; not possible for these two packets). */
	for (size_t len = 0; len < 12; len++)
		cr_expect_eq(rtp_decode(&h, simple, len, &pl, &n), EMSGSIZE, "len %zu", len);
	for (size_t len = 0; len < sizeof full; len++)
		cr_expect_neq(rtp_decode(&h, full, len, &pl, &n), 0, "len %zu", len);
	cr_expect_eq(rtp_decode(&h, full, 19, &pl, &n), EMSGSIZE); /* CSRC cut */
	cr_expect_eq(rtp_decode(&h, full, 22, &pl, &n), EMSGSIZE); /* ext header cut */
	cr_expect_eq(rtp_decode(&h, full, 26, &pl, &n), EMSGSIZE); /* ext data cut */

	memcpy(b, simple, sizeof simple);
	b[0] = 0x40; /* V=1 */
	cr_expect_eq(rtp_decode(&h, b, sizeof simple, &pl, &n), EPROTO);
	b[0] = 0x00; /* V=0 */
	cr_expect_eq(rtp_decode(&h, b, sizeof simple, &pl, &n), EPROTO);

	memcpy(b, full, sizeof full);
	b[sizeof full - 1] = 0; /* padding count 0 */
	cr_expect_eq(rtp_decode(&h, b, sizeof full, &pl, &n), EBADMSG);
	b[sizeof full - 1] = 6; /* eats into the header */
	cr_expect_eq(rtp_decode(&h, b, sizeof full, &pl, &n), EBADMSG);
	b[sizeof full - 1] = 5; /* exactly the payload + padding: empty payload */
	cr_expect_eq(rtp_decode(&h, b, sizeof full, &pl, &n), 0);
	cr_expect_eq(n, 0);
	/* Header-only packet is valid with an empty payload. */
	cr_expect_eq(rtp_decode(&h, simple, 12, &pl, &n), 0);
	cr_expect_eq(n, 0);
}

/* Garbage never crashes and, when accepted, stays inside the buffer. ASan watches. */
Test(media_rtp, garbage_fuzz)
{
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;
	unsigned seed = 12345;

	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 80);
		uint8_t *b = malloc(len ? len : 1);

		for (size_t j = 0; j < len; j++)
			b[j] = (uint8_t)rand_r(&seed);
		if (len && (i & 1))
			b[0] = (uint8_t)((b[0] & 0x3f) | 0x80);
		if (rtp_decode(&h, b, len, &pl, &n) == 0) {
			cr_assert(pl >= b + 12 && pl + n <= b + len);
			cr_assert_leq(h.cc, 15);
		}
		free(b);
	}
}

Test(media_rtp, packetiser)
{
	struct rtp_packetiser p;
	uint8_t b[12];
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;
	static const uint8_t first[12] = { 0x80, 0x88, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xc0,
					   0x01, 0x02, 0x03, 0x04 };

	rtp_packetiser_init(&p, 8, 0x01020304u, 65534, 0xffffffc0u);
	cr_expect_eq(rtp_packetiser_next(&p, b, 160), 12);
	cr_expect_arr_eq(b, first, 12); /* M set on the first packet */
	rtp_packetiser_next(&p, b, 160);
	cr_assert_eq(rtp_decode(&h, b, 12, &pl, &n), 0);
	cr_expect_not(h.marker);
	cr_expect_eq(h.seq, 65535);
	cr_expect_eq(h.ts, 0xffffffc0u + 160); /* wraps to 0x60 */
	cr_expect_eq(h.ts, 0x60);
	rtp_packetiser_next(&p, b, 160);
	cr_assert_eq(rtp_decode(&h, b, 12, &pl, &n), 0);
	cr_expect_eq(h.seq, 0);
	cr_expect_eq(h.ts, 0x60 + 160);
	/* Silence of 3 frames not sent: ts jumps, seq does not, M on resumption. */
	rtp_packetiser_skip(&p, 480);
	rtp_packetiser_next(&p, b, 160);
	cr_assert_eq(rtp_decode(&h, b, 12, &pl, &n), 0);
	cr_expect(h.marker);
	cr_expect_eq(h.seq, 1);
	cr_expect_eq(h.ts, 0x60 + 160 * 5);
	/* An event packet shares the sequence space, not the audio clock. */
	rtp_packetiser_other(&p, b, 101, 1000, true);
	cr_assert_eq(rtp_decode(&h, b, 12, &pl, &n), 0);
	cr_expect_eq(h.pt, 101);
	cr_expect_eq(h.seq, 2);
	cr_expect_eq(h.ts, 1000);
	cr_expect(h.marker);
	cr_expect_eq(p.seq, 3);
	cr_expect_eq(p.ts, 0x60 + 160 * 6);
	cr_expect_eq(rtp_seq_diff(0, 65535), 1);
	cr_expect_eq(rtp_seq_diff(65535, 0), -1);
}
