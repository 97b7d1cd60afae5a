/* UDPTL packetiser and depacketiser (ITU-T T.38 §9.1; UDPTLPacket in Annex A, ASN.1 PER aligned). */
#include "media/udptl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * UDPTLPacket ::= SEQUENCE {                                  (T.38 Annex A)
 *     seq-number          INTEGER (0..65535),                 2 octets, big-endian
 *     primary-ifp-packet  TYPE-IDENTIFIER.&Type(IFPPacket),   open type: length + octets
 *     error-recovery      CHOICE {                            1 bit, padded: 0x00 or 0x80
 *         secondary-ifp-packets SEQUENCE OF open type,        count, then each open type
 *         fec-info SEQUENCE {
 *             fec-npackets INTEGER,                           length + octets (the span)
 *             fec-data     SEQUENCE OF OCTET STRING } } }     count, then length + octets
 *
 * Every length is a PER length determinant (X.691 §10.9): one octet below 128, two octets
 * (10xxxxxx xxxxxxxx) below 16384. Longer (fragmented) forms never fit a datagram we
 * accept, so they are malformed here.
 */

enum {
	TX_RING = 16,		/* ≥ UDPTL_MAX_REDUNDANCY + 1 */
	RX_WIN = 64,		/* [packets] received history: hold + FEC reach, a power of two */
	MAX_JUMP = 500,		/* [packets] a larger sequence step is absurd unless confirmed */
};

enum how { HOW_PRIMARY, HOW_RED, HOW_FEC };

struct txbuf {
	uint16_t len;
	uint8_t data[UDPTL_MAX_IFP];
};

struct slot {
	uint32_t seq;		/* extended sequence number the slot holds */
	bool have;
	uint8_t how;		/* enum how */
	uint16_t len;
	uint8_t data[UDPTL_MAX_IFP];
};

/* The FEC parity a datagram carried, kept by the datagram's own sequence number. */
struct fecslot {
	uint32_t seq;
	bool have;
	uint8_t span, entries;
	uint16_t len[UDPTL_MAX_FEC_ENTRIES];
	uint8_t data[UDPTL_MAX_FEC_ENTRIES][UDPTL_MAX_IFP];
};

struct udptl {
	struct udptl_params p;
	struct udptl_stats st;
	/* sender */
	uint16_t tx_seq;
	uint32_t tx_count;
	struct txbuf tx[TX_RING];
	/* receiver; sequence numbers extended to 32 bits, starting at 0x10000 + the first */
	bool started;
	uint32_t next;		/* next to deliver */
	uint32_t top;		/* newest seen */
	unsigned fec_hold;	/* [packets] hold the peer's FEC needs */
	bool jump_valid;
	uint16_t jump_seq;	/* last absurd sequence number: a second in a row resyncs */
	struct slot rx[RX_WIN];
	struct fecslot *fec;	/* RX_WIN entries, allocated on the first FEC datagram */
};

struct parsed {
	uint16_t seq;
	const uint8_t *pri;
	size_t pri_len;
	bool fec;
	unsigned nsec;
	const uint8_t *sec[UDPTL_MAX_SECONDARY];
	size_t sec_len[UDPTL_MAX_SECONDARY];
	unsigned span, entries;
	const uint8_t *fd[UDPTL_MAX_FEC_ENTRIES];
	size_t fd_len[UDPTL_MAX_FEC_ENTRIES];
};

static void nop_ifp(uint16_t seq, const uint8_t *ifp, size_t len, void *arg)
{
	(void)seq, (void)ifp, (void)len, (void)arg;
}

static void nop_missing(uint16_t seq, void *arg)
{
	(void)seq, (void)arg;
}

int udptl_alloc(struct udptl **up, const struct udptl_params *p)
{
	struct udptl *u;

	if (!up || !p || p->redundancy > UDPTL_MAX_REDUNDANCY || p->hold > UDPTL_MAX_HOLD)
		return EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return ENOMEM;
	u->p = *p;
	if (!u->p.ifp_h)
		u->p.ifp_h = nop_ifp;
	if (!u->p.missing_h)
		u->p.missing_h = nop_missing;
	if (!u->p.hold)
		u->p.hold = UDPTL_DEFAULT_HOLD;
	*up = u;
	return 0;
}

void udptl_free(struct udptl *u)
{
	if (!u)
		return;
	free(u->fec);
	free(u);
}

void udptl_set_max_datagram(struct udptl *u, size_t max_datagram)
{
	u->p.max_datagram = max_datagram;
}

void udptl_stats(const struct udptl *u, struct udptl_stats *st)
{
	*st = u->st;
}

/* ---- PER helpers ---- */

static size_t len_size(size_t v)
{
	return v < 0x80 ? 1 : 2;
}

static size_t put_len(uint8_t *p, size_t v)
{
	if (v < 0x80) {
		p[0] = (uint8_t)v;
		return 1;
	}
	p[0] = (uint8_t)(0x80 | (v >> 8));
	p[1] = (uint8_t)v;
	return 2;
}

/* A length determinant at *pos. Return 0, or -1 if it runs past n or is fragmented. */
static int get_len(const uint8_t *p, size_t n, size_t *pos, size_t *v)
{
	if (*pos >= n)
		return -1;
	if (!(p[*pos] & 0x80)) {
		*v = p[(*pos)++];
		return 0;
	}
	if ((p[*pos] & 0xC0) != 0x80 || n - *pos < 2)
		return -1;
	*v = (size_t)(p[*pos] & 0x3F) << 8 | p[*pos + 1];
	*pos += 2;
	return 0;
}

/* An open type or OCTET STRING: length, then that many octets, all inside n. */
static int get_open(const uint8_t *p, size_t n, size_t *pos, const uint8_t **o, size_t *olen)
{
	size_t l;

	if (get_len(p, n, pos, &l) || l > n - *pos || l > UDPTL_MAX_IFP)
		return -1;
	*o = p + *pos;
	*olen = l;
	*pos += l;
	return 0;
}

/* Parse a whole datagram before any state changes, so a malformed one leaves no trace. */
static int parse(const uint8_t *p, size_t n, struct parsed *pk)
{
	size_t pos = 2, cnt, ilen, span = 0;

	if (n < 2)
		return -1;
	pk->seq = (uint16_t)(p[0] << 8 | p[1]);
	if (get_open(p, n, &pos, &pk->pri, &pk->pri_len) || pk->pri_len == 0)
		return -1;
	if (pos >= n)
		return -1;
	pk->fec = p[pos++] & 0x80;
	if (!pk->fec) {
		if (get_len(p, n, &pos, &cnt) || cnt > UDPTL_MAX_SECONDARY)
			return -1;
		pk->nsec = (unsigned)cnt;
		for (unsigned i = 0; i < pk->nsec; i++)
			if (get_open(p, n, &pos, &pk->sec[i], &pk->sec_len[i]))
				return -1;
		return 0;
	}
	/* fec-npackets: an unconstrained INTEGER, so its own length first (X.691 §12.2.6). */
	if (get_len(p, n, &pos, &ilen) || ilen < 1 || ilen > 2 || ilen > n - pos)
		return -1;
	for (size_t i = 0; i < ilen; i++)
		span = span << 8 | p[pos++];
	if (get_len(p, n, &pos, &cnt) || cnt > UDPTL_MAX_FEC_ENTRIES || span > UDPTL_MAX_FEC_SPAN ||
	    (span == 0) != (cnt == 0) || span * cnt > UDPTL_MAX_HOLD)
		return -1;
	pk->span = (unsigned)span;
	pk->entries = (unsigned)cnt;
	for (unsigned i = 0; i < pk->entries; i++)
		if (get_open(p, n, &pos, &pk->fd[i], &pk->fd_len[i]))
			return -1;
	/* Octets after the structure are tolerated: nothing in them is read. */
	return 0;
}

/* ---- sender ---- */

int udptl_encode(struct udptl *u, const uint8_t *ifp, size_t len, int redundancy,
		 uint8_t *out, size_t size, size_t *outlen)
{
	size_t limit = size, need, pos = 0;
	unsigned depth, n = 0;

	if (!u || !ifp || !out || !outlen || len == 0 || len > UDPTL_MAX_IFP)
		return EINVAL;
	depth = redundancy < 0 ? u->p.redundancy : (unsigned)redundancy;
	if (depth > UDPTL_MAX_REDUNDANCY)
		depth = UDPTL_MAX_REDUNDANCY;
	if (depth > u->tx_count)
		depth = u->tx_count;
	if (u->p.max_datagram && u->p.max_datagram < limit)
		limit = u->p.max_datagram;
	/* seq + primary + CHOICE octet + count (≤ 8 fits one octet) */
	need = 2 + len_size(len) + len + 1 + 1;
	if (need > limit) {
		u->st.tx_too_big++;
		return EMSGSIZE;
	}
	/* Newest secondary first (T.38 §9.1: seq-1, seq-2, …), so what does not fit is the oldest. */
	while (n < depth) {
		const struct txbuf *b = &u->tx[(uint16_t)(u->tx_seq - 1 - n) % TX_RING];

		if (need + len_size(b->len) + b->len > limit)
			break;
		need += len_size(b->len) + b->len;
		n++;
	}
	u->st.tx_trimmed += depth - n;

	out[pos++] = (uint8_t)(u->tx_seq >> 8);
	out[pos++] = (uint8_t)u->tx_seq;
	pos += put_len(out + pos, len);
	memcpy(out + pos, ifp, len);
	pos += len;
	out[pos++] = 0x00;	/* error-recovery: secondary-ifp-packets */
	pos += put_len(out + pos, n);
	for (unsigned i = 0; i < n; i++) {
		const struct txbuf *b = &u->tx[(uint16_t)(u->tx_seq - 1 - i) % TX_RING];

		pos += put_len(out + pos, b->len);
		memcpy(out + pos, b->data, b->len);
		pos += b->len;
	}

	u->tx[u->tx_seq % TX_RING].len = (uint16_t)len;
	memcpy(u->tx[u->tx_seq % TX_RING].data, ifp, len);
	u->tx_seq++;
	u->tx_count++;
	u->st.tx_datagrams++;
	*outlen = pos;
	return 0;
}

/* ---- receiver ---- */

static struct slot *slot_of(struct udptl *u, uint32_t seq)
{
	return &u->rx[seq % RX_WIN];
}

static bool present(struct udptl *u, uint32_t seq)
{
	const struct slot *s = slot_of(u, seq);

	return s->have && s->seq == seq;
}

static void store(struct udptl *u, uint32_t seq, const uint8_t *d, size_t len, enum how how)
{
	struct slot *s = slot_of(u, seq);

	s->seq = seq;
	s->have = true;
	s->how = (uint8_t)how;
	s->len = (uint16_t)len;
	memcpy(s->data, d, len);
}

/* Hand on the packet at next, or report it lost, and move on. Return 1 if delivered. */
static int step(struct udptl *u)
{
	struct slot *s = slot_of(u, u->next);
	int got = present(u, u->next);

	if (got) {
		u->p.ifp_h((uint16_t)u->next, s->data, s->len, u->p.arg);
		u->st.rx_delivered++;
		u->st.rx_recovered_red += s->how == HOW_RED;
		u->st.rx_recovered_fec += s->how == HOW_FEC;
	} else {
		u->p.missing_h((uint16_t)u->next, u->p.arg);
		u->st.rx_lost++;
	}
	u->next++;
	return got;
}

/* Deliver what is in order; give a gap up once the newest packet is `hold` past it
 * (or always, with all). Return the number delivered. */
static int drain(struct udptl *u, bool all)
{
	unsigned hold = u->p.hold > u->fec_hold ? u->p.hold : u->fec_hold;
	int n = 0;

	while (u->started && u->next <= u->top &&
	       (all || present(u, u->next) || u->top - u->next >= hold))
		n += step(u);
	return n;
}

/*
 * Rebuild single losses from FEC parity. Entry m of the parity in datagram S is the XOR,
 * zero-padded to the longest, of the `span` packets S+m-entries×j, j = 1…span (the layout
 * the T.38 FEC senders in the field use). A packet rebuilt this way keeps the parity's
 * length, so it may carry trailing zero octets. Return the number rebuilt.
 */
static int fec_repair(struct udptl *u)
{
	int fixed = 0;

	for (unsigned i = 0; i < RX_WIN; i++) {
		const struct fecslot *f = &u->fec[i];

		if (!f->have || f->seq > u->top || u->top - f->seq >= RX_WIN)
			continue;
		for (unsigned m = 0; m < f->entries; m++) {
			uint32_t lost = 0, k;
			unsigned missing = 0;
			bool fits = true;
			uint8_t buf[UDPTL_MAX_IFP];

			for (unsigned j = 1; j <= f->span; j++) {
				k = f->seq + m - f->entries * j;
				if (!present(u, k)) {
					missing++;
					lost = k;
				} else if (slot_of(u, k)->len > f->len[m]) {
					fits = false;
				}
			}
			if (missing != 1 || !fits || f->len[m] == 0 || lost < u->next || lost > u->top)
				continue;
			memcpy(buf, f->data[m], f->len[m]);
			for (unsigned j = 1; j <= f->span; j++) {
				k = f->seq + m - f->entries * j;
				if (k == lost)
					continue;
				for (size_t b = 0; b < slot_of(u, k)->len; b++)
					buf[b] ^= slot_of(u, k)->data[b];
			}
			store(u, lost, buf, f->len[m], HOW_FEC);
			fixed++;
		}
	}
	return fixed;
}

static void start(struct udptl *u, const struct parsed *pk)
{
	memset(u->rx, 0, sizeof(u->rx));
	if (u->fec)
		memset(u->fec, 0, RX_WIN * sizeof(*u->fec));
	u->started = true;
	u->jump_valid = false;
	u->top = 0x10000u + pk->seq;
	/* The first datagram's secondaries are earlier packets we have not seen yet. */
	u->next = u->top - (pk->fec ? 0 : pk->nsec);
	u->fec_hold = 0;
}

int udptl_decode(struct udptl *u, const uint8_t *data, size_t len)
{
	struct parsed pk;
	uint32_t ext;
	int n = 0;

	u->st.rx_datagrams++;
	memset(&pk, 0, sizeof(pk));
	if (!data || parse(data, len, &pk)) {
		u->st.rx_malformed++;
		return -EBADMSG;
	}
	if (pk.fec && !u->fec) {
		u->fec = calloc(RX_WIN, sizeof(*u->fec));
		if (!u->fec)
			return -ENOMEM;
	}
	if (!u->started) {
		start(u, &pk);
	} else {
		int d = (int16_t)(uint16_t)(pk.seq - (uint16_t)u->top);

		if (d > MAX_JUMP || d < -MAX_JUMP) {
			/* One stray number is dropped; two in a row mean the peer restarted. */
			if (!u->jump_valid || pk.seq != (uint16_t)(u->jump_seq + 1)) {
				u->jump_valid = true;
				u->jump_seq = pk.seq;
				u->st.rx_bad_seq++;
				return 0;
			}
			n += drain(u, true);
			u->st.rx_resync++;
			start(u, &pk);
		}
	}
	u->jump_valid = false;
	ext = u->top + (uint32_t)(int16_t)(uint16_t)(pk.seq - (uint16_t)u->top);

	if (ext < u->next) {
		/* Everything this datagram carries is older still. */
		if (present(u, ext))
			u->st.rx_dup++;
		else
			u->st.rx_late++;
		return n;
	}
	/* Keep the window: what is RX_WIN/2 behind the newest is delivered or given up. */
	if (ext > u->top)
		u->top = ext;
	while (u->top - u->next >= RX_WIN / 2)
		n += step(u);

	if (present(u, ext))
		u->st.rx_dup++;
	else
		store(u, ext, pk.pri, pk.pri_len, HOW_PRIMARY);

	if (!pk.fec) {
		for (unsigned i = 0; i < pk.nsec; i++) {
			uint32_t s = ext - 1 - i;

			if (s < u->next)
				break;
			/* An empty secondary carries nothing (some senders pad with them). */
			if (pk.sec_len[i] && !present(u, s))
				store(u, s, pk.sec[i], pk.sec_len[i], HOW_RED);
		}
	} else {
		struct fecslot *f = &u->fec[ext % RX_WIN];

		f->seq = ext;
		f->have = true;
		f->span = (uint8_t)pk.span;
		f->entries = (uint8_t)pk.entries;
		for (unsigned i = 0; i < pk.entries; i++) {
			f->len[i] = (uint16_t)pk.fd_len[i];
			memcpy(f->data[i], pk.fd[i], pk.fd_len[i]);
		}
		/* A packet's last parity comes span × entries later, and peeling a burst
		 * back needs about as long again. */
		if (2 * pk.span * pk.entries > u->fec_hold)
			u->fec_hold = 2 * pk.span * pk.entries;
		if (u->fec_hold > UDPTL_MAX_HOLD)
			u->fec_hold = UDPTL_MAX_HOLD;
		/* A rebuilt packet can complete another group: peel a burst back. */
		for (int pass = 0; pass < UDPTL_MAX_HOLD && fec_repair(u) > 0; pass++)
			;
	}
	return n + drain(u, false);
}

int udptl_flush(struct udptl *u)
{
	return drain(u, true);
}
