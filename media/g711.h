/* G.711 companding: A-law and µ-law to and from 16-bit linear, and direct A⇄µ
 * transcoding with the conversion tables of ITU-T G.711 (Tables 3 and 4). */
#ifndef STROWGER_MEDIA_G711_H
#define STROWGER_MEDIA_G711_H

#include <stddef.h>
#include <stdint.h>

/* The companding law of a line or payload: µ-law on T1 and RTP PT 0 (PCMU), A-law on E1
 * and RTP PT 8 (PCMA) (RFC 3551 §4.5.14). */
enum g711_law { G711_LAW_ULAW, G711_LAW_ALAW };

/* Silence (a "positive zero") in each law: 0xFF in µ-law, 0xD5 in A-law. */
#define G711_ULAW_SILENCE 0xFF
#define G711_ALAW_SILENCE 0xD5

extern const int16_t g711_alaw_lin[256];
extern const int16_t g711_ulaw_lin[256];
extern const uint8_t g711_alaw_ulaw[256];
extern const uint8_t g711_ulaw_alaw[256];

/* Expand one code to linear (16-bit scale: A-law ±32256, µ-law ±32124). */
static inline int16_t g711_alaw_to_linear(uint8_t a) { return g711_alaw_lin[a]; }
static inline int16_t g711_ulaw_to_linear(uint8_t u) { return g711_ulaw_lin[u]; }

/* Direct transcoding, G.711 Table 3 (µ → A) and Table 4 (A → µ). */
static inline uint8_t g711_alaw_to_ulaw(uint8_t a) { return g711_alaw_ulaw[a]; }
static inline uint8_t g711_ulaw_to_alaw(uint8_t u) { return g711_ulaw_alaw[u]; }

/* Compress one linear sample (G.711 §2, with the even-bit inversion of A-law and the
 * all-bit inversion of µ-law); values beyond the law's range saturate. */
uint8_t g711_linear_to_alaw(int16_t pcm);
uint8_t g711_linear_to_ulaw(int16_t pcm);

/* The silence code of a law. */
static inline uint8_t g711_silence(enum g711_law law)
{
	return law == G711_LAW_ALAW ? G711_ALAW_SILENCE : G711_ULAW_SILENCE;
}

/* Block helpers; n samples. in and out may alias for g711_block_transcode. */
void g711_block_decode(enum g711_law law, int16_t *out, const uint8_t *in, size_t n);
void g711_block_encode(enum g711_law law, uint8_t *out, const int16_t *in, size_t n);
void g711_block_transcode(enum g711_law from, enum g711_law to, uint8_t *out, const uint8_t *in,
		    size_t n);

#endif
