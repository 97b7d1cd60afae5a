/* Caller ID: message coding (GR-30-CORE, EN 300 659-3, ES 200 778-1 Annex B) and the FSK/DTMF
 * signal through SpanDSP. */
#include "media/callerid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spandsp.h>

/* Channel seizure 300 bits of alternating 0/1, then 180 mark bits (GR-30-CORE and
 * EN 300 659-1 agree on both); 5 mark bits after the checksum let the last stop bit
 * out of the modulator. */
enum { SEIZURE_BITS = 300, MARK_BITS = 180, POSTAMBLE_BITS = 5 };
/* Type II (off-hook, call waiting): no seizure, 80 mark bits after the phone's ACK (GR-30-CORE
 * off-hook data transmission, EN 300 659-2). */
enum { TYPE2_MARK_BITS = 80 };
/* A receiver only starts a message after this many mark bits: the transmitter sends 180
 * (type II caller ID on call waiting only 80), and a run this long does not come out of noise.
 * It keeps random bits in noise from being framed as a message with a bad checksum. */
enum { RX_MIN_MARKS = 40 };
/* Field limits: GR-30-CORE allows 15 digits / 15 characters of name; EN 300 659-3 allows
 * 20 digits and 50 characters. A longer name is cut (a display shows no more); a longer
 * number is refused (a cut number is a wrong number). */
enum { BELL_NUMBER_MAX = 15, BELL_NAME_MAX = 15, ETSI_NUMBER_MAX = 20, ETSI_NAME_MAX = 50,
       DTMF_NUMBER_MAX = 20 };
/* VMWI (GR-30-CORE MDMF parameter 0x0B, EN 300 659-3 visual indicator 0x0B) */
enum { VMWI_ON = 0xff, VMWI_OFF = 0x00 };
/* SDMF message waiting (GR-30-CORE): three octets of 0x42 (on) or 0x6F (off) */
enum { SDMF_MWI_ON = 0x42, SDMF_MWI_OFF = 0x6f };

/* The FSK level: -13 dBm0, inside what both GR-30-CORE and EN 300 659-1 ask of a line.
 * SpanDSP's dBm0 scale: a full-scale sine is +3.14 dBm0. */
#define TX_LEVEL_DBM0 (-13.0)
#define FULL_SCALE_DBM0 3.14

/* ES 200 778-1 Annex B (DTMF CLIP): 'A' number 'C'; 'B' "10" 'C' private, 'B' "00" 'C'
 * unavailable. The Danish variant ('D' 1 '#' private, D2/D3 unavailable, '#' ended) is accepted
 * on receive. */
static const char DTMF_PRIVATE[] = "10", DTMF_UNAVAILABLE[] = "00";

struct callerid_rx {
	enum callerid_std std;
	fsk_rx_state_t *fsk;		/* FSK standards */
	adsi_rx_state_t *adsi;		/* DTMF */
	/* async framing of the FSK bits (1 start, 8 data LSB first, 1 stop) */
	unsigned ones;			/* consecutive mark bits while idle */
	unsigned bit_pos;		/* 0: waiting for a start bit; 1..8 data; 9 stop */
	unsigned byte;
	bool armed;			/* enough marks seen: a message may start */
	uint8_t msg[258];
	size_t msg_len;
	int status;			/* what the current feed reports: 0, 1, -EBADMSG */
	struct callerid result;
};

static void clear_id(struct callerid *id)
{
	memset(id, 0, sizeof(*id));
	id->mwi = -1;
}

enum callerid_std callerid_std_from_name(const char *name, bool *ok)
{
	static const struct {
		const char *name;
		enum callerid_std std;
	} names[] = {
		{ "bell202", CALLERID_BELL202 }, { "v23", CALLERID_V23 }, { "dtmf", CALLERID_DTMF },
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(name, names[i].name)) {
			if (ok)
				*ok = true;
			return names[i].std;
		}
	}
	if (ok)
		*ok = false;
	return CALLERID_BELL202;
}

const char *callerid_std_name(enum callerid_std std)
{
	switch (std) {
	case CALLERID_BELL202:
		return "bell202";
	case CALLERID_V23:
		return "v23";
	case CALLERID_DTMF:
		return "dtmf";
	}
	return "?";
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static char absence_char(enum callerid_absent a)
{
	return a == CALLERID_PRIVATE ? 'P' : 'O';
}

/* One MDMF parameter: type, length, value (GR-30-CORE, EN 300 659-3 §5.1). */
static int put_param(uint8_t *buf, size_t len, size_t *pos, uint8_t type, const void *val,
		     size_t n)
{
	if (*pos + 2 + n > len)
		return -ENOSPC;
	buf[(*pos)++] = type;
	buf[(*pos)++] = (uint8_t)n;
	memcpy(buf + *pos, val, n);
	*pos += n;
	return 0;
}

static int encode_dtmf(const struct callerid *id, uint8_t *buf, size_t len)
{
	char s[DTMF_NUMBER_MAX + 3];
	size_t n;

	if (id->number[0] && id->number_absent == CALLERID_PRESENT) {
		if (strlen(id->number) > DTMF_NUMBER_MAX)
			return -EINVAL;
		n = (size_t)snprintf(s, sizeof(s), "%c%s%c", CLIP_DTMF_C_CALLER_NUMBER, id->number,
				     CLIP_DTMF_C_TERMINATED);
	} else {
		n = (size_t)snprintf(s, sizeof(s), "%c%s%c", CLIP_DTMF_C_ABSENCE,
				     id->number_absent == CALLERID_PRIVATE ? DTMF_PRIVATE
									   : DTMF_UNAVAILABLE,
				     CLIP_DTMF_C_TERMINATED);
	}
	if (n > len)
		return -ENOSPC;
	memcpy(buf, s, n);
	return (int)n;
}

int callerid_encode_msg(enum callerid_std std, const struct callerid *id, uint8_t *buf, size_t len)
{
	if (!id || !buf)
		return -EINVAL;
	if (!all_digits(id->number) || !printable(id->name) || !all_digits(id->datetime) ||
	    (id->datetime[0] && strlen(id->datetime) != 8) || id->mwi < -1 || id->mwi > 1)
		return -EINVAL;
	if (std == CALLERID_DTMF)
		return encode_dtmf(id, buf, len);
	if (std != CALLERID_BELL202 && std != CALLERID_V23)
		return -EINVAL;

	bool bell = std == CALLERID_BELL202;
	size_t number_max = bell ? BELL_NUMBER_MAX : ETSI_NUMBER_MAX;
	size_t name_max = bell ? BELL_NAME_MAX : ETSI_NAME_MAX;
	size_t pos = 2;
	int rc = 0;

	if (strlen(id->number) > number_max)
		return -EINVAL;
	if (len < 3)
		return -ENOSPC;
	/* both standards share the MDMF codes; SpanDSP names them per standard */
	if (id->mwi >= 0) {
		/* GR-30-CORE MDMF message waiting / EN 300 659-3 §5.2.2 */
		uint8_t v = id->mwi ? VMWI_ON : VMWI_OFF;

		buf[0] = bell ? CLASS_MDMF_MSG_WAITING : CLIP_MDMF_MSG_WAITING;
		if (id->datetime[0])
			rc = put_param(buf, len, &pos, bell ? MCLASS_DATETIME : CLIP_DATETIME,
				       id->datetime, 8);
		if (!rc)
			rc = put_param(buf, len, &pos,
				       bell ? MCLASS_VISUAL_INDICATOR : CLIP_VISUAL_INDICATOR, &v, 1);
	} else {
		/* GR-30-CORE MDMF / EN 300 659-3 §5.2.1 call set-up: date, number or why not,
		 * name or why not */
		buf[0] = bell ? CLASS_MDMF_CALLERID : CLIP_MDMF_CALLERID;
		if (id->datetime[0])
			rc = put_param(buf, len, &pos, bell ? MCLASS_DATETIME : CLIP_DATETIME,
				       id->datetime, 8);
		if (!rc && id->number[0] && id->number_absent == CALLERID_PRESENT) {
			rc = put_param(buf, len, &pos,
				       bell ? MCLASS_CALLER_NUMBER : CLIP_CALLER_NUMBER, id->number,
				       strlen(id->number));
		} else if (!rc) {
			char c = absence_char(id->number_absent);
			rc = put_param(buf, len, &pos, bell ? MCLASS_ABSENCE1 : CLIP_ABSENCE1, &c, 1);
		}
		if (!rc && id->name[0] && id->name_absent == CALLERID_PRESENT) {
			size_t n = strlen(id->name);
			rc = put_param(buf, len, &pos, bell ? MCLASS_CALLER_NAME : CLIP_CALLER_NAME,
				       id->name, n < name_max ? n : name_max);
		} else if (!rc && id->name_absent != CALLERID_PRESENT) {
			char c = absence_char(id->name_absent);
			rc = put_param(buf, len, &pos, bell ? MCLASS_ABSENCE2 : CLIP_ABSENCE2, &c, 1);
		}
	}
	if (rc)
		return rc;
	if (pos + 1 > len || pos - 2 > 255)
		return -ENOSPC;
	buf[1] = (uint8_t)(pos - 2);
	/* checksum: the two's complement of the modulo-256 sum of every octet before it */
	unsigned sum = 0;
	for (size_t i = 0; i < pos; i++)
		sum += buf[i];
	buf[pos] = (uint8_t)(-sum & 0xff);
	return (int)pos + 1;
}

static void copy_field(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static enum callerid_absent absence_of(uint8_t c)
{
	return c == 'P' ? CALLERID_PRIVATE : CALLERID_UNAVAILABLE;
}

static int parse_dtmf(const uint8_t *msg, size_t len, struct callerid *id)
{
	size_t i = 0;
	uint8_t start = msg[0];

	if (start >= '0' && start <= '9')
		start = CLIP_DTMF_C_CALLER_NUMBER;	/* some exchanges send no start code */
	else
		i = 1;
	size_t j = i;
	while (j < len && msg[j] >= '0' && msg[j] <= '9')
		j++;
	if (j < len && msg[j] != CLIP_DTMF_C_TERMINATED && msg[j] != CLIP_DTMF_HASH_TERMINATED)
		return -EBADMSG;
	switch (start) {
	case CLIP_DTMF_C_CALLER_NUMBER:	/* == CLIP_DTMF_HASH_CALLER_NUMBER */
		if (j == i)
			return -EBADMSG;
		copy_field(id->number, sizeof(id->number), msg + i, j - i);
		return 0;
	case CLIP_DTMF_C_ABSENCE:
		id->number_absent = j - i == 2 && !memcmp(msg + i, DTMF_PRIVATE, 2)
					    ? CALLERID_PRIVATE : CALLERID_UNAVAILABLE;
		return 0;
	case CLIP_DTMF_HASH_ABSENCE:
		id->number_absent = j - i == 1 && msg[i] == '1' ? CALLERID_PRIVATE
								 : CALLERID_UNAVAILABLE;
		return 0;
	}
	return -EBADMSG;
}

/* SDMF (GR-30-CORE): caller ID is date/time then the number, or 'O'/'P' alone. */
static int parse_sdmf(const uint8_t *body, size_t n, uint8_t type, struct callerid *id)
{
	if (type == CLASS_SDMF_MSG_WAITING) {
		if (n != 3 || body[0] != body[1] || body[1] != body[2])
			return -EBADMSG;
		if (body[0] == SDMF_MWI_ON)
			id->mwi = 1;
		else if (body[0] == SDMF_MWI_OFF)
			id->mwi = 0;
		else
			return -EBADMSG;
		return 0;
	}
	if (n < 8)
		return -EBADMSG;
	copy_field(id->datetime, sizeof(id->datetime), body, 8);
	body += 8;
	n -= 8;
	if (n == 1 && (body[0] == 'O' || body[0] == 'P'))
		id->number_absent = absence_of(body[0]);
	else if (n)
		copy_field(id->number, sizeof(id->number), body, n);
	else
		id->number_absent = CALLERID_UNAVAILABLE;
	return 0;
}

/* MDMF: parameters of type, length, value; unknown ones are skipped (EN 300 659-3 §5.1). */
static int parse_mdmf(const uint8_t *p, size_t n, struct callerid *id)
{
	size_t pos = 0;

	while (pos < n) {
		if (pos + 2 > n || pos + 2 + p[pos + 1] > n)
			return -EBADMSG;
		uint8_t type = p[pos];
		size_t flen = p[pos + 1];
		const uint8_t *v = p + pos + 2;

		pos += 2 + flen;
		switch (type) {
		case MCLASS_DATETIME:	/* == CLIP_DATETIME, and so on */
			if (flen == 8)
				copy_field(id->datetime, sizeof(id->datetime), v, 8);
			break;
		case MCLASS_CALLER_NUMBER:
			copy_field(id->number, sizeof(id->number), v, flen);
			break;
		case MCLASS_ABSENCE1:
			if (flen >= 1)
				id->number_absent = absence_of(v[0]);
			break;
		case MCLASS_CALLER_NAME:
			copy_field(id->name, sizeof(id->name), v, flen);
			break;
		case MCLASS_ABSENCE2:
			if (flen >= 1)
				id->name_absent = absence_of(v[0]);
			break;
		case MCLASS_VISUAL_INDICATOR:
			if (flen >= 1)
				id->mwi = v[0] ? 1 : 0;
			break;
		default:
			break;
		}
	}
	return 0;
}

int callerid_parse_msg(enum callerid_std std, const uint8_t *msg, size_t len, struct callerid *id)
{
	if (!msg || !id || !len)
		return -EINVAL;
	clear_id(id);
	if (std == CALLERID_DTMF)
		return parse_dtmf(msg, len, id);
	if (std != CALLERID_BELL202 && std != CALLERID_V23)
		return -EINVAL;
	if (len < 3 || (size_t)msg[1] + 3 > len)
		return -EBADMSG;
	size_t n = (size_t)msg[1] + 3;
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += msg[i];
	if (sum & 0xff)
		return -EBADMSG;

	int rc = -EBADMSG;
	switch (msg[0]) {
	case CLASS_SDMF_CALLERID:
	case CLASS_SDMF_MSG_WAITING:
		if (std == CALLERID_BELL202)	/* ETSI has no SDMF */
			rc = parse_sdmf(msg + 2, msg[1], msg[0], id);
		break;
	case CLASS_MDMF_CALLERID:	/* == CLIP_MDMF_CALLERID */
	case CLASS_MDMF_MSG_WAITING:	/* == CLIP_MDMF_MSG_WAITING */
		rc = parse_mdmf(msg + 2, msg[1], id);
		break;
	}
	if (rc)
		clear_id(id);
	return rc;
}

size_t callerid_max_samples(void)
{
	/* FSK: preamble and a 258-octet message at 10 bits an octet, 1200 bit/s; DTMF:
	 * 'A' + 20 digits + 'C' at SpanDSP's 50 ms on + 55 ms off. */
	size_t fsk = (SEIZURE_BITS + MARK_BITS + POSTAMBLE_BITS + 258 * 10) * 8000 / 1200 + 160;
	size_t dtmf = (DTMF_NUMBER_MAX + 2) * (50 + 55) * 8 + 160;

	return fsk > dtmf ? fsk : dtmf;
}

/* Scale a constant-envelope FSK signal to the target level. */
static void set_level(int16_t *s, size_t n, double dbm0)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	if (!n || e <= 0)
		return;
	double rms = sqrt(e / (double)n);
	double want = 32767.0 / sqrt(2.0) * pow(10.0, (dbm0 - FULL_SCALE_DBM0) / 20.0);
	double g = want / rms;
	for (size_t i = 0; i < n; i++) {
		double v = s[i] * g;
		s[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
	}
}

static int render(enum callerid_std std, const struct callerid *id, int16_t *out, size_t max,
		  int seizure, int marks)
{
	uint8_t msg[258];
	int standard;

	if (!id || !out)
		return -EINVAL;
	switch (std) {
	case CALLERID_BELL202:
		standard = ADSI_STANDARD_CLASS;
		break;
	case CALLERID_V23:
		standard = ADSI_STANDARD_CLIP;
		break;
	case CALLERID_DTMF:
		standard = ADSI_STANDARD_CLIP_DTMF;
		break;
	default:
		return -EINVAL;
	}
	int len = callerid_encode_msg(std, id, msg, sizeof(msg));
	if (len < 0)
		return len;

	adsi_tx_state_t *tx = adsi_tx_init(NULL, standard);
	if (!tx)
		return -ENOMEM;
	adsi_tx_set_preamble(tx, seizure, marks, POSTAMBLE_BITS, 1);
	/* adsi_tx appends the FSK checksum itself: hand it the message without ours */
	int put = adsi_tx_put_message(tx, msg, std == CALLERID_DTMF ? len : len - 1);
	if (put <= 0) {
		adsi_tx_free(tx);
		return -EINVAL;
	}
	size_t n = 0;
	for (;;) {
		int16_t blk[160];
		int got = adsi_tx(tx, blk, 160);
		if (got <= 0)
			break;
		if (n + (size_t)got > max) {
			adsi_tx_free(tx);
			return -ENOSPC;
		}
		memcpy(out + n, blk, (size_t)got * sizeof(blk[0]));
		n += (size_t)got;
	}
	adsi_tx_free(tx);
	/* DTMF keeps SpanDSP's DTMF levels (-10 dBm0 low group, twist per Q.23) */
	if (std != CALLERID_DTMF)
		set_level(out, n, TX_LEVEL_DBM0);
	return (int)n;
}

int callerid_render(enum callerid_std std, const struct callerid *id, int16_t *out, size_t max)
{
	return render(std, id, out, max, SEIZURE_BITS, MARK_BITS);
}

int callerid_render_type2(enum callerid_std std, const struct callerid *id, int16_t *out,
			  size_t max)
{
	if (std == CALLERID_DTMF)
		return -EINVAL;
	return render(std, id, out, max, 0, TYPE2_MARK_BITS);
}

int callerid_render_cas(int16_t *out, size_t max)
{
	/* 2130 + 2750 Hz, 80 ms, each tone at the caller-ID level (GR-575, EN 300 659-2) */
	enum { CAS_SAMPLES = 80 * 8 };
	double a = 32767.0 * pow(10.0, (TX_LEVEL_DBM0 - FULL_SCALE_DBM0) / 20.0);

	if (!out)
		return -EINVAL;
	if (max < CAS_SAMPLES)
		return -ENOSPC;
	for (size_t i = 0; i < CAS_SAMPLES; i++) {
		double t = (double)i / 8000.0;
		out[i] = (int16_t)lrint(a * (sin(2 * M_PI * 2130 * t) + sin(2 * M_PI * 2750 * t)));
	}
	return CAS_SAMPLES;
}

/* --- receive --- */

static void rx_message(struct callerid_rx *rx, const uint8_t *msg, size_t len)
{
	struct callerid id;
	int rc = callerid_parse_msg(rx->std, msg, len, &id);

	if (rc == 0) {
		rx->result = id;
		rx->status = 1;
	} else if (rx->status == 0) {
		rx->status = rc;
	}
}

/* SpanDSP's fsk_rx hands over bits; frame them as async characters here rather than in
 * adsi_rx, which drops a message with a bad checksum without a word: we report it. */
static void rx_put_bit(void *arg, int bit)
{
	struct callerid_rx *rx = arg;

	if (bit < 0) {
		/* carrier up/down: a message never spans a carrier drop */
		rx->ones = 0;
		rx->bit_pos = 0;
		rx->armed = false;
		rx->msg_len = 0;
		return;
	}
	bit &= 1;
	if (rx->bit_pos == 0) {
		if (bit) {
			if (++rx->ones >= RX_MIN_MARKS && rx->msg_len == 0)
				rx->armed = true;
			return;
		}
		if (rx->ones > 10 && rx->msg_len) {
			/* the line went idle mid-message: what we had is lost */
			rx->msg_len = 0;
		}
		rx->ones = 0;
		if (!rx->armed)
			return;
		rx->bit_pos = 1;
		rx->byte = 0;
		return;
	}
	if (rx->bit_pos <= 8) {
		rx->byte |= (unsigned)bit << (rx->bit_pos - 1);
		rx->bit_pos++;
		return;
	}
	/* stop bit */
	rx->bit_pos = 0;
	if (!bit) {
		/* framing error: resynchronise on the next mark run */
		rx->armed = false;
		rx->msg_len = 0;
		return;
	}
	if (rx->msg_len == 0 && rx->byte != CLASS_SDMF_CALLERID &&
	    rx->byte != CLASS_SDMF_MSG_WAITING && rx->byte != CLASS_MDMF_CALLERID &&
	    rx->byte != CLASS_MDMF_MSG_WAITING) {
		rx->armed = false;	/* not a caller-ID message (ETSI AOC, SMS...) */
		return;
	}
	rx->msg[rx->msg_len++] = (uint8_t)rx->byte;
	if (rx->msg_len >= 3 && rx->msg_len == (size_t)rx->msg[1] + 3) {
		rx_message(rx, rx->msg, rx->msg_len);
		rx->msg_len = 0;
		rx->armed = false;
	}
}

static void rx_dtmf_msg(void *arg, const uint8_t *msg, int len)
{
	struct callerid_rx *rx = arg;

	if (len > 0)
		rx_message(rx, msg, (size_t)len);
}

int callerid_rx_new(struct callerid_rx **rxp, enum callerid_std std)
{
	if (!rxp)
		return -EINVAL;
	struct callerid_rx *rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->std = std;
	clear_id(&rx->result);
	switch (std) {
	case CALLERID_BELL202:
	case CALLERID_V23:
		rx->fsk = fsk_rx_init(NULL,
				      &preset_fsk_specs[std == CALLERID_BELL202 ? FSK_BELL202
										 : FSK_V23CH1],
				      FSK_FRAME_MODE_ASYNC, rx_put_bit, rx);
		break;
	case CALLERID_DTMF:
		rx->adsi = adsi_rx_init(NULL, ADSI_STANDARD_CLIP_DTMF, rx_dtmf_msg, rx);
		break;
	default:
		free(rx);
		return -EINVAL;
	}
	if (!rx->fsk && !rx->adsi) {
		free(rx);
		return -ENOMEM;
	}
	*rxp = rx;
	return 0;
}

int callerid_rx_feed(struct callerid_rx *rx, const int16_t *samples, size_t n)
{
	if (!rx || (!samples && n))
		return -EINVAL;
	rx->status = 0;
	while (n) {
		int chunk = n > 160 ? 160 : (int)n;

		if (rx->fsk)
			fsk_rx(rx->fsk, samples, chunk);
		else
			adsi_rx(rx->adsi, samples, chunk);
		samples += chunk;
		n -= (size_t)chunk;
	}
	return rx->status;
}

const struct callerid *callerid_rx_result(const struct callerid_rx *rx)
{
	return rx ? &rx->result : NULL;
}

void callerid_rx_free(struct callerid_rx *rx)
{
	if (!rx)
		return;
	if (rx->fsk)
		fsk_rx_free(rx->fsk);
	if (rx->adsi)
		adsi_rx_free(rx->adsi);
	free(rx);
}
