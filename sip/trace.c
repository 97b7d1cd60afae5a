/* SIP trace to pcap, and Sofia-SIP's transport log reassembled (sip/trace.h). */
#include "sip/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PCAP_MAGIC	0xa1b2c3d4u	/* microsecond timestamps, our byte order */
#define LINKTYPE_RAW	101		/* a raw IPv4 or IPv6 packet (tcpdump.org linktypes) */
#define SNAPLEN		262144u
#define BUF_SIZE	65536u		/* records wait here for one write() */
#define SEG_MAX		65000u		/* TCP payload per record: under IPv4's 65535 */
#define FLOWS		32		/* TCP connection directions whose sequence we keep */
#define TPLOG_MAX	(1u << 20)	/* longest message we reassemble */

struct flow {
	struct sockaddr_storage src, dst;
	uint32_t next;			/* sequence number of the next byte */
	uint64_t used;			/* for replacement: the oldest goes */
};

struct sip_trace {
	int fd;
	bool failed;			/* a write failed: EIO from now on */
	uint64_t max, bytes, msgs, tick;
	uint16_t ip_id;
	size_t used;
	struct flow flows[FLOWS];
	char path[4096];
	uint8_t buf[BUF_SIZE];
};

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int sip_trace_flush(struct sip_trace *t)
{
	if (t->failed)
		return EIO;
	if (t->used && write_all(t->fd, t->buf, t->used))
		t->failed = true;
	t->used = 0;
	return t->failed ? EIO : 0;
}

static int put(struct sip_trace *t, const void *p, size_t n)
{
	if (t->used + n > sizeof(t->buf) && sip_trace_flush(t))
		return EIO;
	if (n > sizeof(t->buf)) {
		if (write_all(t->fd, p, n))
			t->failed = true;
		return t->failed ? EIO : 0;
	}
	memcpy(t->buf + t->used, p, n);
	t->used += n;
	return 0;
}

int sip_trace_open(struct sip_trace **tp, const char *path, uint64_t max_bytes)
{
	struct sip_trace *t = calloc(1, sizeof(*t));
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = { PCAP_MAGIC, 2, 4, 0, 0, SNAPLEN, LINKTYPE_RAW };

	if (!t)
		return ENOMEM;
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (t->fd < 0) {
		int err = errno;
		free(t);
		return err;
	}
	t->max = max_bytes;
	(void)put(t, &hdr, sizeof(hdr));
	t->bytes = sizeof(hdr);
	if (sip_trace_flush(t)) {	/* say now that the file cannot be written */
		close(t->fd);
		free(t);
		return EIO;
	}
	*tp = t;
	return 0;
}

/* RFC 1071 sum over n bytes, folded later. */
static uint32_t sum16(uint32_t s, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (; n > 1; n -= 2, b += 2)
		s += (uint32_t)(b[0] << 8 | b[1]);
	if (n)
		s += (uint32_t)(b[0] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	size_t n = b->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					   : sizeof(struct sockaddr_in6);
	return a->ss_family == b->sa_family && !memcmp(a, b, n);
}

/* The flow src -> dst: its entry, made (in place of the least recently used) if new. */
static struct flow *flow_get(struct sip_trace *t, const struct sockaddr *src,
			     const struct sockaddr *dst, bool make)
{
	struct flow *old = &t->flows[0];
	size_t n = src->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					     : sizeof(struct sockaddr_in6);

	for (unsigned i = 0; i < FLOWS; i++) {
		struct flow *f = &t->flows[i];
		if (f->used && same_addr(&f->src, src) && same_addr(&f->dst, dst)) {
			f->used = ++t->tick;
			return f;
		}
		if (f->used < old->used)
			old = f;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	memcpy(&old->src, src, n);
	memcpy(&old->dst, dst, n);
	old->next = 1;	/* relative sequence numbers, as Wireshark shows them anyway */
	old->used = ++t->tick;
	return old;
}

/* One packet: IP header, UDP or TCP header, payload. */
static int packet(struct sip_trace *t, const struct sip_trace_msg *m, const char *data,
		  size_t len)
{
	bool v6 = m->src->sa_family == AF_INET6;
	const uint8_t *sa, *da;
	uint16_t sport, dport;
	uint8_t hdr[40 + 20], pseudo[40];
	size_t iph = v6 ? 40 : 20, l4 = m->tcp ? 20 : 8, plen;
	uint32_t s;

	if (v6) {
		const struct sockaddr_in6 *a = (const void *)m->src, *b = (const void *)m->dst;
		sa = a->sin6_addr.s6_addr, da = b->sin6_addr.s6_addr;
		sport = ntohs(a->sin6_port), dport = ntohs(b->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)m->src, *b = (const void *)m->dst;
		sa = (const void *)&a->sin_addr, da = (const void *)&b->sin_addr;
		sport = ntohs(a->sin_port), dport = ntohs(b->sin_port);
	}
	memset(hdr, 0, sizeof(hdr));
	size_t alen = v6 ? 16 : 4;
	/* pseudo header (RFC 768, RFC 793 §3.1, RFC 8200 §8.1): addresses, protocol, length */
	memcpy(pseudo, sa, alen);
	memcpy(pseudo + alen, da, alen);
	plen = 2 * alen;
	pseudo[plen] = 0;
	pseudo[plen + 1] = m->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	put16(pseudo + plen + 2, (uint16_t)(l4 + len));
	plen += 4;
	if (v6) {
		hdr[0] = 0x60;
		put16(hdr + 4, (uint16_t)(l4 + len));
		hdr[6] = m->tcp ? IPPROTO_TCP : IPPROTO_UDP;
		hdr[7] = 64;
		memcpy(hdr + 8, sa, 16);
		memcpy(hdr + 24, da, 16);
	} else {
		hdr[0] = 0x45;
		put16(hdr + 2, (uint16_t)(iph + l4 + len));
		put16(hdr + 4, t->ip_id++);
		put16(hdr + 6, 0x4000);	/* DF */
		hdr[8] = 64;
		hdr[9] = m->tcp ? IPPROTO_TCP : IPPROTO_UDP;
		memcpy(hdr + 12, sa, 4);
		memcpy(hdr + 16, da, 4);
		put16(hdr + 10, fold(sum16(0, hdr, 20)));
	}
	uint8_t *l = hdr + iph;
	put16(l, sport);
	put16(l + 2, dport);
	if (m->tcp) {
		struct flow *f = flow_get(t, m->src, m->dst, true);
		struct flow *r = flow_get(t, m->dst, m->src, false);
		put32(l + 4, f->next);
		put32(l + 8, r ? r->next : 1);
		l[12] = 5 << 4;
		l[13] = 0x18;	/* PSH, ACK */
		put16(l + 14, 65535);
		f->next += (uint32_t)len;
	} else {
		put16(l + 4, (uint16_t)(8 + len));
	}
	s = sum16(sum16(sum16(0, pseudo, plen), l, l4), data, len);
	uint16_t ck = fold(s);
	if (!m->tcp && !ck)
		ck = 0xffff;	/* 0 means "none" in UDP (RFC 768) */
	put16(l + (m->tcp ? 16 : 6), ck);

	size_t caplen = iph + l4 + len;
	uint32_t rec[4] = { (uint32_t)m->tv.tv_sec, (uint32_t)m->tv.tv_usec, (uint32_t)caplen,
			    (uint32_t)caplen };
	if (put(t, rec, sizeof(rec)) || put(t, hdr, iph + l4) || put(t, data, len))
		return EIO;
	t->bytes += sizeof(rec) + caplen;
	return 0;
}

int sip_trace_write(struct sip_trace *t, const struct sip_trace_msg *m)
{
	int fam = m->src->sa_family;
	size_t segs = m->tcp ? (m->len + SEG_MAX - 1) / SEG_MAX : 1;
	size_t len = m->len;

	if (t->failed)
		return EIO;
	if ((fam != AF_INET && fam != AF_INET6) || m->dst->sa_family != fam)
		return EAFNOSUPPORT;
	if (!m->tcp && len > 65535u - 48u)
		len = 65535u - 48u;	/* no datagram is longer; Sofia would not send it */
	if (!segs)
		segs = 1;
	if (t->max && t->bytes + len + segs * (16 + 60) > t->max)
		return EFBIG;
	for (size_t off = 0, i = 0; i < segs; i++) {
		size_t n = m->tcp && len - off > SEG_MAX ? SEG_MAX : len - off;
		int err = packet(t, m, m->data + off, n);
		if (err)
			return err;
		off += n;
	}
	t->msgs++;
	return 0;
}

uint64_t sip_trace_messages(const struct sip_trace *t)
{
	return t->msgs;
}

uint64_t sip_trace_bytes(const struct sip_trace *t)
{
	return t->bytes;
}

const char *sip_trace_path(const struct sip_trace *t)
{
	return t->path;
}

int sip_trace_close(struct sip_trace *t)
{
	int err;

	if (!t)
		return 0;
	err = sip_trace_flush(t);
	if (close(t->fd))
		err = EIO;
	free(t);
	return err;
}

/* ---- Sofia's transport log ----------------------------------------------------------- */

enum { TPLOG_IDLE, TPLOG_HEAD, TPLOG_BODY };

#define SEPARATOR "   ------------------------------------------------------------------------\n"

static void append(struct sip_tplog *l, const char *p, size_t n)
{
	if (!l->collect || l->overflow)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap < l->len + n + 1)
			cap *= 2;
		char *b = cap <= TPLOG_MAX ? realloc(l->buf, cap) : NULL;
		if (!b) {
			l->overflow = true;
			return;
		}
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* "send 512 bytes to tcp/[192.0.2.1]:5060[/label][;comp=sigcomp] at HH:MM:SS.us:" */
static bool stamp(struct sip_tplog *l, const char *s)
{
	char what[8], via[8], proto[8], host[64];
	unsigned port;
	size_t n;

	if (sscanf(s, "%7s %zu bytes %7s %7[^/]/[%63[^]]]:%u", what, &n, via, proto, host,
		   &port) != 6 || port > 65535 || (strcmp(what, "send") && strcmp(what, "recv")))
		return false;
	if (!l->collect)
		return true;
	memset(&l->msg, 0, sizeof(l->msg));
	l->msg.sent = what[0] == 's';
	l->msg.stamped = n;
	snprintf(l->msg.proto, sizeof(l->msg.proto), "%s", proto);
	struct sockaddr_in *a = (void *)&l->msg.peer;
	struct sockaddr_in6 *a6 = (void *)&l->msg.peer;
	if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
	}
	gettimeofday(&l->msg.tv, NULL);
	l->len = 0;
	l->overflow = false;
	return true;
}

static bool is_separator(const char *fmt)
{
	return !strcmp(fmt, SEPARATOR);
}

/* "%s   ----...\n": the separator after a string (a stamp or a line end). */
static bool is_separator_s(const char *fmt)
{
	return !strncmp(fmt, "%s", 2) && !strcmp(fmt + 2, SEPARATOR);
}

bool sip_tplog_feed(struct sip_tplog *l, const char *fmt, va_list ap)
{
	if (!fmt)
		return false;
	switch (l->state) {
	case TPLOG_IDLE:
		if (is_separator_s(fmt)) {	/* su_log("%s   ---", stamp): stamp and separator */
			va_list aq;
			va_copy(aq, ap);
			const char *s = va_arg(aq, const char *);
			va_end(aq);
			if (!s || !stamp(l, s))
				return false;
			(void)va_arg(ap, const char *);
			l->state = TPLOG_BODY;
			return true;
		}
		if (!strncmp(fmt, "   *** message truncated at ", 28))
			return true;	/* after the message it cut: that one is out already */
		if (strncmp(fmt, "send ", 5) && strncmp(fmt, "recv ", 5))
			return false;
		if (!strstr(fmt, " bytes ") || !stamp(l, fmt))	/* su_log(stamp) */
			return false;
		l->state = TPLOG_HEAD;
		return true;
	case TPLOG_HEAD:
		if (is_separator(fmt)) {
			l->state = TPLOG_BODY;
			return true;
		}
		l->state = TPLOG_IDLE;	/* not a message log after all */
		return sip_tplog_feed(l, fmt, ap);
	case TPLOG_BODY:
		if (!strcmp(fmt, "%s%.*s")) {
			const char *pre = va_arg(ap, const char *);
			int n = va_arg(ap, int);
			const char *s = va_arg(ap, const char *);
			(void)pre;
			if (n > 0 && s)
				append(l, s, (size_t)n);
			return true;
		}
		if (!strcmp(fmt, "\n")) {
			append(l, "\r\n", 2);
			return true;
		}
		if (is_separator_s(fmt)) {	/* the end */
			(void)va_arg(ap, const char *);
			l->state = TPLOG_IDLE;
			if (l->collect && !l->overflow && l->h && l->msg.peer.ss_family) {
				l->msg.data = l->buf ? l->buf : "";
				l->msg.len = l->len;
				l->h(&l->msg, l->arg);
			}
			l->len = 0;
			return true;
		}
		l->state = TPLOG_IDLE;	/* something else cut in: drop the message */
		return sip_tplog_feed(l, fmt, ap);
	}
	return false;
}

void sip_tplog_free(struct sip_tplog *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}

int sip_msg_request_host(const char *msg, size_t len, char *host, size_t size)
{
	const char *end = memchr(msg, '\n', len), *sp, *u, *h, *he;

	if (!end)
		end = msg + len;
	/* Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1); a response's
	 * start line begins "SIP/" */
	sp = memchr(msg, ' ', (size_t)(end - msg));
	if (!sp || !size || (end - msg >= 4 && !memcmp(msg, "SIP/", 4)))
		return EINVAL;
	u = sp + 1;
	if (end - u > 4 && !strncasecmp(u, "sip:", 4))
		u += 4;
	else if (end - u > 5 && !strncasecmp(u, "sips:", 5))
		u += 5;
	else
		return EINVAL;
	/* userinfo "@" ends before the host; the URI ends at its SP */
	const char *uend = memchr(u, ' ', (size_t)(end - u));
	if (!uend)
		return EINVAL;
	const char *at = memchr(u, '@', (size_t)(uend - u));
	h = at ? at + 1 : u;
	if (*h == '[') {
		h++;
		he = memchr(h, ']', (size_t)(uend - h));
		if (!he)
			return EINVAL;
	} else {
		he = h;
		while (he < uend && *he != ':' && *he != ';' && *he != '?' && *he != '>')
			he++;
	}
	if (he == h || (size_t)(he - h) >= size)
		return EINVAL;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	return 0;
}
