/* Unit tests for media/g711: known codewords, exhaustive round trips, and agreement with
 * SpanDSP's independent G.711 implementation (ITU-T G.711 Tables 1-4). */
#include <criterion/criterion.h>
#include <spandsp.h>
#include <stdlib.h>

#include "media/g711.h"

Test(media_g711, known_codewords)
{
	/* A-law: sign bit 1 is positive, even bits inverted (G.711 Table 1). */
	cr_expect_eq(g711_alaw_to_linear(0xD5), 8);
	cr_expect_eq(g711_alaw_to_linear(0x55), -8);
	cr_expect_eq(g711_alaw_to_linear(0xAA), 32256);
	cr_expect_eq(g711_alaw_to_linear(0x2A), -32256);
	cr_expect_eq(g711_linear_to_alaw(0), 0xD5);
	cr_expect_eq(g711_linear_to_alaw(-1), 0x55);
	cr_expect_eq(g711_linear_to_alaw(32767), 0xAA);
	cr_expect_eq(g711_linear_to_alaw(-32768), 0x2A);
	/* µ-law: all bits inverted, 0xFF is +0 and 0x7F is -0 (G.711 Table 2). */
	cr_expect_eq(g711_ulaw_to_linear(0xFF), 0);
	cr_expect_eq(g711_ulaw_to_linear(0x7F), 0);
	cr_expect_eq(g711_ulaw_to_linear(0x80), 32124);
	cr_expect_eq(g711_ulaw_to_linear(0x00), -32124);
	cr_expect_eq(g711_linear_to_ulaw(0), 0xFF);
	cr_expect_eq(g711_linear_to_ulaw(-1), 0x7F);
	cr_expect_eq(g711_linear_to_ulaw(32767), 0x80);
	cr_expect_eq(g711_linear_to_ulaw(-32768), 0x00);
	cr_expect_eq(g711_silence(G711_LAW_ALAW), 0xD5);
	cr_expect_eq(g711_silence(G711_LAW_ULAW), 0xFF);
	/* Transcoding of the zeros (Tables 3 and 4). */
	cr_expect_eq(g711_ulaw_to_alaw(0xFF), 0xD5);
	cr_expect_eq(g711_ulaw_to_alaw(0x7F), 0x55);
	cr_expect_eq(g711_alaw_to_ulaw(0xD5), 0xFE); /* +8 -> +8 */
	cr_expect_eq(g711_alaw_to_ulaw(0x55), 0x7E);
}

Test(media_g711, round_trip_every_code)
{
	for (int c = 0; c < 256; c++) {
		cr_expect_eq(g711_linear_to_alaw(g711_alaw_to_linear((uint8_t)c)), c,
			     "A-law 0x%02x", c);
		if (c != 0x7F) /* -0 expands to 0 and compresses to +0 */
			cr_expect_eq(g711_linear_to_ulaw(g711_ulaw_to_linear((uint8_t)c)), c,
				     "µ-law 0x%02x", c);
	}
}

Test(media_g711, compress_matches_spandsp_for_every_sample)
{
	int bad_a = 0, bad_u = 0;

	for (int x = -32768; x <= 32767; x++) {
		bad_a += g711_linear_to_alaw((int16_t)x) != linear_to_alaw(x);
		/* SpanDSP negates negative µ-law input; the ITU-T G.191 reference
		 * (ulaw_compress) and we take the one's complement, so -x-1 mirrors x. */
		if (x >= 0)
			bad_u += g711_linear_to_ulaw((int16_t)x) != linear_to_ulaw(x);
		else if (x < -1)
			bad_u += g711_linear_to_ulaw((int16_t)x) != linear_to_ulaw(x + 1);
		if (x >= 0 && x < 32767) /* symmetric around -1/2 */
			bad_u += (g711_linear_to_ulaw((int16_t)x) & 0x7F) !=
				 (g711_linear_to_ulaw((int16_t)(-x - 1)) & 0x7F);
	}
	cr_expect_eq(bad_a, 0);
	cr_expect_eq(bad_u, 0);
}

Test(media_g711, tables_match_spandsp)
{
	for (int c = 0; c < 256; c++) {
		cr_expect_eq(g711_alaw_to_linear((uint8_t)c), alaw_to_linear((uint8_t)c));
		cr_expect_eq(g711_ulaw_to_linear((uint8_t)c), ulaw_to_linear((uint8_t)c));
		cr_expect_eq(g711_alaw_to_ulaw((uint8_t)c), alaw_to_ulaw((uint8_t)c), "A 0x%02x", c);
		cr_expect_eq(g711_ulaw_to_alaw((uint8_t)c), ulaw_to_alaw((uint8_t)c), "u 0x%02x", c);
	}
}

/* Compression is monotonic, and a transcoded code stays within one quantising step of
 * the original value, with the same sign. */
Test(media_g711, transcode_properties)
{
	for (int c = 0; c < 256; c++) {
		int a = g711_alaw_to_linear((uint8_t)c);
		int u = g711_ulaw_to_linear(g711_alaw_to_ulaw((uint8_t)c));
		int step = abs(a) < 64 ? 16 : abs(a) / 8;

		cr_expect_leq(abs(a - u), step, "A 0x%02x: %d -> %d", c, a, u);
		cr_expect((a > 0) == (u > 0) || u == 0);
		u = g711_ulaw_to_linear((uint8_t)c);
		a = g711_alaw_to_linear(g711_ulaw_to_alaw((uint8_t)c));
		step = abs(u) < 64 ? 16 : abs(u) / 8;
		cr_expect_leq(abs(a - u), step, "u 0x%02x: %d -> %d", c, u, a);
	}
	for (int x = -32768; x < 32767; x++) {
		cr_expect_leq(g711_alaw_to_linear(g711_linear_to_alaw((int16_t)x)),
			      g711_alaw_to_linear(g711_linear_to_alaw((int16_t)(x + 1))));
		if (x % 97 == 0 && x < 32767 - 97) /* keep the µ check cheap */
			cr_expect_leq(g711_ulaw_to_linear(g711_linear_to_ulaw((int16_t)x)),
				      g711_ulaw_to_linear(g711_linear_to_ulaw((int16_t)(x + 97))));
	}
}

Test(media_g711, block_helpers)
{
	int16_t lin[4] = { 0, -1, 1000, -32768 };
	uint8_t u[4], a[4], t[4];
	int16_t back[4];

	g711_block_encode(G711_LAW_ULAW, u, lin, 4);
	g711_block_encode(G711_LAW_ALAW, a, lin, 4);
	cr_expect_eq(u[0], 0xFF);
	cr_expect_eq(a[0], 0xD5);
	g711_block_transcode(G711_LAW_ULAW, G711_LAW_ALAW, t, u, 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(t[i], g711_ulaw_to_alaw(u[i]));
	g711_block_transcode(G711_LAW_ALAW, G711_LAW_ALAW, t, a, 4);
	cr_expect_arr_eq(t, a, 4);
	g711_block_decode(G711_LAW_ALAW, back, a, 4);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(back[i], g711_alaw_to_linear(a[i]));
	g711_block_transcode(G711_LAW_ALAW, G711_LAW_ULAW, a, a, 4); /* in place */
	for (int i = 0; i < 4; i++)
		cr_expect_eq(a[i], g711_alaw_to_ulaw(g711_linear_to_alaw(lin[i])));
}
