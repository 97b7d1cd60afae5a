/* SDP offer/answer state of one dialog: build offers and answers, take answers (RFC 3264),
 * for an audio stream or a T.38 image stream in its place (T.38 Annex D). */
#include "sip/sdp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

#define SNAME_MAX 64

/* An m= line of the session as we last wrote it; RFC 3264 §8 keeps every one, in order. */
struct mline {
	enum sdp_kind kind;
	char media[SDP_TOKEN_MAX];
	char proto[SDP_TOKEN_MAX];
	char fmts[SDP_FMTS_MAX];
};

/* What our audio m= line says; an offer lists several codecs, an answer one. */
struct audio_fmt {
	uint16_t port;
	enum sdp_codec codecs[SDP_MAX_CODECS];
	uint8_t pts[SDP_MAX_CODECS];
	unsigned n_codecs;
	int te_pt;			/* -1: none */
	char te_events[SDP_EVENTS_MAX];
	unsigned ptime;			/* [ms] */
	enum sdp_dir dir;
	struct sdp_crypto_lines cl;	/* m= transport and a=crypto lines (RFC 4568) */
};

/* The offer we sent and wait an answer for. */
struct offered {
	unsigned n_mlines;
	unsigned audio;			/* index of our m= line (audio or image) */
	enum sdp_kind kind;		/* SDP_KIND_AUDIO or SDP_KIND_IMAGE */
	struct audio_fmt fmt;		/* AUDIO */
	struct sdp_events te_ev;
	struct sdp_t38 t38;		/* IMAGE: what we offered */
};

struct sdp_oa {
	/* local side */
	enum sdp_af af;
	char addr[SDP_ADDR_MAX];
	uint16_t port;
	enum sdp_codec codecs[SDP_MAX_CODECS];
	unsigned n_codecs;
	int te_pt;			/* -1: none */
	struct sdp_events te_ev;
	unsigned ptime;			/* [ms] */
	enum sdp_dir dir;
	char username[SDP_TOKEN_MAX];
	char sname[SNAME_MAX];
	bool have_t38;			/* T.38 enabled: image streams may be taken */
	struct sdp_crypto_state crypto;	/* SRTP policy and the running keys (sdp_crypto.h) */
	struct sdp_t38_local t38;
	enum sdp_prefer prefer;

	/* o= line (RFC 4566 §5.2) and the last SDP we sent, to tell whether a new one
	 * changes anything (RFC 3264 §8) */
	uint64_t sess_id;
	uint64_t version;
	bool sent_any;
	char *last_body;		/* everything after the o= line */

	/* the session's m= lines and which one is ours (audio, or image during T.38) */
	unsigned n_mlines;
	unsigned audio;
	struct mline mlines[SDP_MAX_STREAMS];

	bool offer_pending;
	struct offered off;

	bool have_neg;
	struct sdp_neg neg;
};

static const char *const codec_names[] = {
	[SDP_CODEC_NONE] = "none", [SDP_CODEC_PCMU] = "PCMU", [SDP_CODEC_PCMA] = "PCMA",
};

/* RFC 3551 §6, table 4: the static payload types of G.711. */
static const uint8_t codec_static_pt[] = {
	[SDP_CODEC_NONE] = 0, [SDP_CODEC_PCMU] = 0, [SDP_CODEC_PCMA] = 8,
};

const char *sdp_codec_name(enum sdp_codec codec)
{
	return (unsigned)codec <= SDP_CODEC_PCMA ? codec_names[codec] : "?";
}

/* Which of our codecs a payload is, by its rtpmap (static ones already carry theirs). */
static enum sdp_codec codec_of(const struct sdp_payload *pl)
{
	if (pl->clock_rate != 8000 || pl->channels != 1)
		return SDP_CODEC_NONE;
	if (!strcasecmp(pl->encoding, "PCMU"))
		return SDP_CODEC_PCMU;
	if (!strcasecmp(pl->encoding, "PCMA"))
		return SDP_CODEC_PCMA;
	return SDP_CODEC_NONE;
}

static bool codec_in(const enum sdp_codec *list, unsigned n, enum sdp_codec c)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == c)
			return true;
	return false;
}

/* RFC 3264 leaves ptime to the receiver; we send 10..40 ms frames, 20 otherwise. */
static bool ptime_ok(unsigned ptime)
{
	return ptime == 10 || ptime == 20 || ptime == 30 || ptime == 40;
}

static int addr_check(const char *addr, enum sdp_af *af)
{
	unsigned char bin[16];

	if (!addr || strlen(addr) >= SDP_ADDR_MAX)
		return EINVAL;
	if (inet_pton(AF_INET, addr, bin) == 1)
		*af = SDP_AF_IP4;
	else if (inet_pton(AF_INET6, addr, bin) == 1)
		*af = SDP_AF_IP6;
	else
		return EINVAL;
	return 0;
}

/* A token for the o= line: printable, no white space (RFC 4566 §5.2). */
static bool token_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return false;
	for (; *s; s++)
		if (*s == '\r' || *s == '\n' || *s == '\0')
			return false;
	return true;
}

/* --- lifecycle ----------------------------------------------------------------------------- */

int sdp_oa_alloc(struct sdp_oa **oap, const struct sdp_oa_params *p)
{
	struct sdp_oa *oa;
	int err = EINVAL;

	if (!oap || !p)
		return EINVAL;
	oa = calloc(1, sizeof(*oa));
	if (!oa)
		return ENOMEM;

	if (addr_check(p->addr, &oa->af) || p->port == 0)
		goto out;
	strcpy(oa->addr, p->addr);
	oa->port = p->port;

	for (unsigned i = 0; i < SDP_MAX_CODECS && p->codecs[i] != SDP_CODEC_NONE; i++) {
		if (p->codecs[i] != SDP_CODEC_PCMU && p->codecs[i] != SDP_CODEC_PCMA)
			goto out;
		if (!codec_in(oa->codecs, oa->n_codecs, p->codecs[i]))
			oa->codecs[oa->n_codecs++] = p->codecs[i];
	}
	if (oa->n_codecs == 0) {
		oa->codecs[0] = SDP_CODEC_PCMU;
		oa->codecs[1] = SDP_CODEC_PCMA;
		oa->n_codecs = 2;
	}

	if (p->te_pt == 0)
		oa->te_pt = SDP_TE_PT_DEFAULT;
	else if (p->te_pt == -1 || (p->te_pt >= 96 && p->te_pt <= 127))
		oa->te_pt = p->te_pt;
	else
		goto out;
	if (sdp_events_parse(&oa->te_ev, p->te_events ? p->te_events : "0-16"))
		goto out;

	oa->ptime = p->ptime ? p->ptime : SDP_PTIME_DEFAULT;
	if (!ptime_ok(oa->ptime) || (unsigned)p->dir > SDP_DIR_INACTIVE)
		goto out;
	oa->dir = p->dir;

	if (!token_ok(p->username ? p->username : "strowger", sizeof(oa->username)) ||
	    !text_ok(p->session_name ? p->session_name : "-", sizeof(oa->sname)))
		goto out;
	strcpy(oa->username, p->username ? p->username : "strowger");
	strcpy(oa->sname, p->session_name ? p->session_name : "-");
	oa->sess_id = p->sess_id;
	oa->version = p->sess_version;
	if (p->t38) {
		if (p->t38->max_version > 3)
			goto out;
		oa->have_t38 = true;
		oa->t38 = *p->t38;
	}
	if (sdp_crypto_state_init(&oa->crypto, p->srtp, p->srtp_suites))
		goto out;

	*oap = oa;
	oa = NULL;
	err = 0;
out:
	free(oa);
	return err;
}

void sdp_oa_free(struct sdp_oa *oa)
{
	if (!oa)
		return;
	if (oa->last_body)	/* may hold our SRTP key */
		explicit_bzero(oa->last_body, strlen(oa->last_body));
	free(oa->last_body);
	explicit_bzero(oa, sizeof *oa);
	free(oa);
}

int sdp_oa_set_addr(struct sdp_oa *oa, const char *addr, uint16_t port)
{
	enum sdp_af af;

	if (!oa || addr_check(addr, &af) || port == 0)
		return EINVAL;
	oa->af = af;
	strcpy(oa->addr, addr);
	oa->port = port;
	return 0;
}

int sdp_oa_set_dir(struct sdp_oa *oa, enum sdp_dir dir)
{
	if (!oa || (unsigned)dir > SDP_DIR_INACTIVE)
		return EINVAL;
	oa->dir = dir;
	return 0;
}

int sdp_oa_negotiated(const struct sdp_oa *oa, struct sdp_neg *neg)
{
	if (!oa || !neg)
		return EINVAL;
	if (!oa->have_neg)
		return ENOENT;
	*neg = oa->neg;
	return 0;
}

void sdp_oa_cancel_offer(struct sdp_oa *oa)
{
	if (oa)
		oa->offer_pending = false;
}

void sdp_oa_set_prefer(struct sdp_oa *oa, enum sdp_prefer prefer)
{
	if (oa)
		oa->prefer = prefer == SDP_PREFER_IMAGE ? SDP_PREFER_IMAGE : SDP_PREFER_AUDIO;
}

bool sdp_neg_same_t38(const struct sdp_neg *a, const struct sdp_neg *b)
{
	if (!a || !b || a->kind != SDP_KIND_IMAGE || b->kind != SDP_KIND_IMAGE)
		return false;
	return a->af == b->af && !strcmp(a->addr, b->addr) && a->port == b->port &&
	       a->t38.version == b->t38.version && a->t38.rate_mgmt == b->t38.rate_mgmt &&
	       a->t38.ec == b->t38.ec;
}

/* --- writing ------------------------------------------------------------------------------- */

struct wbuf {
	char *p;
	size_t size;
	size_t len;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) w_line(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	/* RFC 4566 §5: lines end in CRLF */
	if (n < 0 || (size_t)n + 2 >= w->size - w->len) {
		w->full = true;
		w->p[w->len] = '\0';
		return;
	}
	w->len += (size_t)n;
	memcpy(w->p + w->len, "\r\n", 3);
	w->len += 2;
}

static const char *ip_name(enum sdp_af af)
{
	return af == SDP_AF_IP6 ? "IP6" : "IP4";
}

/* Our a=crypto lines (RFC 4568 §9.1). The text holds a key: wiped, never logged. */
static void w_crypto(struct wbuf *w, const struct sdp_crypto_lines *cl)
{
	char line[SDP_CRYPTO_TEXT_MAX];

	for (unsigned i = 0; i < cl->n; i++) {
		if (sdp_crypto_format(&cl->lines[i], line, sizeof line))
			w->full = true;	/* cannot happen with lines we made: fail loudly */
		else
			w_line(w, "a=crypto:%s", line);
	}
	explicit_bzero(line, sizeof line);
}

/* Our audio m= section (RFC 3264 §5.1 for offers, §6.1 for answers). */
static void w_audio(struct wbuf *w, const struct audio_fmt *f)
{
	char list[SDP_FMTS_MAX] = "";
	size_t len = 0;

	for (unsigned i = 0; i < f->n_codecs; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, " %u", f->pts[i]);
	if (f->te_pt >= 0)
		(void)snprintf(list + len, sizeof(list) - len, " %d", f->te_pt);

	w_line(w, "m=audio %u %s%s", f->port, f->cl.proto ? f->cl.proto : "RTP/AVP", list);
	for (unsigned i = 0; i < f->n_codecs; i++)
		w_line(w, "a=rtpmap:%u %s/8000", f->pts[i], sdp_codec_name(f->codecs[i]));
	if (f->te_pt >= 0) {
		w_line(w, "a=rtpmap:%d telephone-event/8000", f->te_pt);
		w_line(w, "a=fmtp:%d %s", f->te_pt, f->te_events);
	}
	w_line(w, "a=ptime:%u", f->ptime);
	w_line(w, "a=%s", sdp_dir_name(f->dir));
	w_crypto(w, &f->cl);
}

/* Our image m= section and its T.38 attributes (T.38 Annex D). */
static void w_image(struct wbuf *w, const struct sdp_t38 *t, uint16_t port)
{
	char text[512];

	if (w->full)
		return;
	if (sdp_t38_format(t, port, text, sizeof(text), NULL) ||
	    strlen(text) + 1 > w->size - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, text, strlen(text) + 1);
	w->len += strlen(text);
}

/* What goes in our m= line: audio, or T.38 in its place. */
struct ours {
	enum sdp_kind kind;
	const struct audio_fmt *fmt;	/* AUDIO */
	const struct sdp_t38 *t38;	/* IMAGE */
	uint16_t port;			/* IMAGE */
};

/* A stream we do not take: same media, transport and formats, port 0 (RFC 3264 §6, §8.2). */
static void w_rejected(struct wbuf *w, const struct mline *ml)
{
	w_line(w, "m=%s 0 %s %s", ml->media[0] ? ml->media : "audio",
	       ml->proto[0] ? ml->proto : "RTP/AVP", ml->fmts[0] ? ml->fmts : "0");
}

static void w_body(struct wbuf *w, const struct sdp_oa *oa, const struct mline *mlines,
		   unsigned n_mlines, unsigned slot, const struct ours *o)
{
	w_line(w, "s=%s", oa->sname);
	w_line(w, "c=IN %s %s", ip_name(oa->af), oa->addr);
	w_line(w, "t=0 0");
	for (unsigned i = 0; i < n_mlines; i++) {
		if (i != slot)
			w_rejected(w, &mlines[i]);
		else if (o->kind == SDP_KIND_IMAGE)
			w_image(w, o->t38, o->port);
		else
			w_audio(w, o->fmt);
	}
}

/* Put v=, o= and the body in buf. The version goes up for each offer after our first SDP,
 * and for an answer that differs from what we last sent (RFC 3264 §8). Commit the version
 * and body only when everything fits. */
static int finish(struct sdp_oa *oa, const char *body, bool is_offer, char *buf, size_t size,
		  size_t *lenp, struct sdp_error *err)
{
	uint64_t version = oa->version;
	char *copy;
	int n;

	if (oa->sent_any && (is_offer || strcmp(body, oa->last_body)))
		version++;
	n = snprintf(buf, size, "v=0\r\no=%s %llu %llu IN %s %s\r\n%s", oa->username,
		     (unsigned long long)oa->sess_id, (unsigned long long)version,
		     ip_name(oa->af), oa->addr, body);
	if (n < 0 || (size_t)n >= size)
		return sdp_fail(err, SDP_E_NOSPACE, "SDP of %d bytes does not fit in %zu", n,
				size);
	copy = strdup(body);
	if (!copy)
		return ENOMEM;
	free(oa->last_body);
	oa->last_body = copy;
	oa->version = version;
	oa->sent_any = true;
	if (lenp)
		*lenp = (size_t)n;
	return 0;
}

/* --- offer --------------------------------------------------------------------------------- */

static const struct mline audio_mline = { SDP_KIND_AUDIO, "audio", "RTP/AVP", "" };
static const struct mline image_mline = { SDP_KIND_IMAGE, "image", "udptl", "t38" };

/* An offer of our stream as `kind` in its place (RFC 3264 §8: every m= line of the session
 * kept, in order; ours changes from audio to image and back in the same place). */
static int offer_build(struct sdp_oa *oa, enum sdp_kind kind, char *buf, size_t size,
		       size_t *lenp, struct sdp_error *err)
{
	char body[SDP_TEXT_MAX];
	struct wbuf w = { body, sizeof(body), 0, false };
	struct offered off = { 0 };
	const struct mline *mlines = oa->mlines;
	struct mline first = kind == SDP_KIND_IMAGE ? image_mline : audio_mline;
	struct ours o = { kind, &off.fmt, &off.t38, oa->port };
	int ret;

	if (oa->offer_pending)
		return sdp_fail(err, SDP_E_STATE, "an offer is already pending");

	/* The first offer has one m= line; later ones keep the session's. */
	off.n_mlines = oa->n_mlines;
	off.audio = oa->audio;
	off.kind = kind;
	if (oa->n_mlines == 0) {
		mlines = &first;
		off.n_mlines = 1;
		off.audio = 0;
	}
	if (kind == SDP_KIND_IMAGE) {
		sdp_t38_offer(&oa->t38, &off.t38);
	} else {
		off.fmt.port = oa->port;
		off.fmt.n_codecs = oa->n_codecs;
		for (unsigned i = 0; i < oa->n_codecs; i++) {
			off.fmt.codecs[i] = oa->codecs[i];
			off.fmt.pts[i] = codec_static_pt[oa->codecs[i]];
		}
		off.fmt.te_pt = oa->te_pt;
		sdp_events_format(&oa->te_ev, off.fmt.te_events, sizeof(off.fmt.te_events));
		off.te_ev = oa->te_ev;
		off.fmt.ptime = oa->ptime;
		off.fmt.dir = oa->dir;
		ret = sdp_crypto_offer(&oa->crypto, &off.fmt.cl);
		if (ret)
			return ret;
	}

	w_body(&w, oa, mlines, off.n_mlines, off.audio, &o);
	if (w.full)
		return sdp_fail(err, SDP_E_NOSPACE, "offer too large");
	ret = finish(oa, body, true, buf, size, lenp, err);
	if (ret)
		return ret;

	if (oa->n_mlines == 0) {
		oa->mlines[0] = first;
		oa->n_mlines = 1;
		oa->audio = 0;
	}
	oa->off = off;
	oa->offer_pending = true;
	if (kind == SDP_KIND_IMAGE)
		LOGD(LS_SDP, "T.38 offer v%llu sent, %u m= line(s), %s, datagram %u",
		     (unsigned long long)oa->version, off.n_mlines, sdp_t38_ec_name(off.t38.ec),
		     off.t38.max_datagram);
	else
		LOGD(LS_SDP, "offer v%llu sent, %u m= line(s), %s",
		     (unsigned long long)oa->version, off.n_mlines, sdp_dir_name(oa->dir));
	return 0;
}

int sdp_oa_offer(struct sdp_oa *oa, char *buf, size_t size, size_t *lenp,
		 struct sdp_error *err)
{
	if (!oa || !buf || size == 0)
		return sdp_fail(err, SDP_E_INVAL, "no state or buffer");
	return offer_build(oa, SDP_KIND_AUDIO, buf, size, lenp, err);
}

int sdp_oa_offer_t38(struct sdp_oa *oa, char *buf, size_t size, size_t *lenp,
		     struct sdp_error *err)
{
	if (!oa || !buf || size == 0)
		return sdp_fail(err, SDP_E_INVAL, "no state or buffer");
	if (!oa->have_t38)
		return sdp_fail(err, SDP_E_INVAL, "T.38 is not enabled (params.t38)");
	return offer_build(oa, SDP_KIND_IMAGE, buf, size, lenp, err);
}

/* --- answer to a remote offer ------------------------------------------------------------- */

/* The first audio stream we can take and its first codec in the offerer's order
 * (RFC 3264 §6.1). Return 0, or ENOTSUP with the reason. */
static int pick_audio(const struct sdp_oa *oa, const struct sdp_desc *d, unsigned *idx,
		      const struct sdp_payload **chosen, const struct sdp_crypto **crypto,
		      struct sdp_error *err)
{
	const struct sdp_stream *avp = NULL;
	const char *why = NULL;
	bool audio = false;

	for (unsigned i = 0; i < d->n_streams; i++) {
		const struct sdp_stream *st = &d->streams[i];

		if (st->kind != SDP_KIND_AUDIO || st->rejected)
			continue;
		audio = true;
		/* RTP/AVP or RTP/SAVP as the srtp policy allows (SDES, sdp_crypto.h) */
		if (sdp_crypto_stream_ok(&oa->crypto, st, crypto, &why))
			continue;
		if (!avp)
			avp = st;
		for (unsigned k = 0; k < st->n_payloads; k++) {
			if (codec_in(oa->codecs, oa->n_codecs, codec_of(&st->payloads[k]))) {
				*idx = i;
				*chosen = &st->payloads[k];
				return 0;
			}
		}
	}
	if (!audio)
		return sdp_fail(err, SDP_E_NO_AUDIO, "no audio m= line with a port");
	if (!avp && why)
		return sdp_fail(err, SDP_E_NO_CRYPTO, "%s", why);
	if (!avp)
		return sdp_fail(err, SDP_E_NO_AUDIO, "no RTP/AVP audio stream");
	return sdp_fail(err, SDP_E_NO_CODEC, "no codec in common (offered: %s)", avp->fmts);
}

/* "image … udptl t38" (T.38 Annex D), still open. */
static bool is_t38_stream(const struct sdp_stream *st)
{
	const char *p = st->fmts;

	if (st->kind != SDP_KIND_IMAGE || st->rejected || strcasecmp(st->proto, "udptl"))
		return false;
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == 3 && !strncasecmp(p, "t38", 3))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* The first T.38 stream of the offer whose attributes we can read. Return 0, ENOENT (none
 * offered), or EBADMSG (only unreadable ones) with the reason. */
static int pick_image(const struct sdp_desc *d, const char *text, size_t len, unsigned *idx,
		      struct sdp_t38 *t, struct sdp_error *err)
{
	int ret = ENOENT;

	for (unsigned i = 0; i < d->n_streams; i++) {
		if (!is_t38_stream(&d->streams[i]))
			continue;
		if (sdp_t38_parse(t, text, len, i) == 0) {
			*idx = i;
			return 0;
		}
		if (ret == ENOENT)
			ret = sdp_fail(err, SDP_E_SYNTAX, "m= line %u: unreadable T.38 attribute",
				       i + 1);
	}
	return ret;
}

static bool has_image(const struct sdp_desc *d)
{
	for (unsigned i = 0; i < d->n_streams; i++)
		if (d->streams[i].kind == SDP_KIND_IMAGE && !d->streams[i].rejected)
			return true;
	return false;
}

/* The audio answer's format: the offerer's codec, telephone-event and ptime, the direction
 * mirrored (RFC 3264 §6.1, RFC 4733 §7.1.1). */
static void answer_audio(const struct sdp_oa *oa, const struct sdp_stream *st,
			 const struct sdp_payload *pl, struct audio_fmt *f, unsigned remote)
{
	f->port = oa->port;
	f->n_codecs = 1;
	f->codecs[0] = codec_of(pl);
	f->pts[0] = pl->pt;

	/* RFC 4733 §7.1.1 / RFC 3264 §6.1: the offerer's telephone-event PT, the events
	 * both sides know. */
	f->te_pt = -1;
	if (oa->te_pt >= 0 && st->te_pt >= 0) {
		struct sdp_events ev;

		if (!sdp_events_parse(&ev, st->te_events) && sdp_events_intersect(&ev, &oa->te_ev)) {
			f->te_pt = st->te_pt;
			sdp_events_format(&ev, f->te_events, sizeof(f->te_events));
		}
	}

	if (st->ptime)
		f->ptime = ptime_ok(st->ptime) ? st->ptime : SDP_PTIME_DEFAULT;
	else
		f->ptime = oa->ptime;

	/* RFC 3264 §6.1: sendonly -> recvonly, recvonly -> sendonly, inactive -> inactive,
	 * narrowed by our own wish. */
	f->dir = sdp_dir_from_bits(sdp_dir_bits_reverse(remote) & sdp_dir_bits(oa->dir));
}

int sdp_oa_answer(struct sdp_oa *oa, const char *offer, size_t offer_len,
		  char *buf, size_t size, size_t *lenp, struct sdp_neg *neg,
		  struct sdp_error *err)
{
	struct sdp_desc *d = NULL;
	struct mline *mlines = NULL;
	char body[SDP_TEXT_MAX];
	struct wbuf w = { body, sizeof(body), 0, false };
	const struct sdp_payload *pl = NULL;
	const struct sdp_crypto *crypto = NULL;
	const struct sdp_stream *st;
	struct sdp_error aerr = { 0 }, ierr = { 0 };
	struct audio_fmt f = { 0 };
	struct sdp_t38 t_off, t_ans;
	struct ours o = { SDP_KIND_AUDIO, &f, &t_ans, 0 };
	struct sdp_neg n = { 0 };
	unsigned aidx = 0, iidx = 0, idx, remote;
	int ret, ra, ri;

	if (err) {
		err->code = SDP_E_NONE;
		err->msg[0] = '\0';
	}
	if (!oa || !buf || size == 0 || !neg)
		return sdp_fail(err, SDP_E_INVAL, "no state, buffer or result");
	if (oa->offer_pending)
		return sdp_fail(err, SDP_E_STATE, "remote offer while ours is pending (glare)");
	d = malloc(sizeof(*d));
	mlines = malloc(sizeof(*mlines) * SDP_MAX_STREAMS);
	if (!d || !mlines) {
		ret = ENOMEM;
		goto out;
	}
	ret = sdp_desc_parse(d, offer, offer_len, err);
	if (ret)
		goto out;
	/* RFC 3264 §8: a new offer keeps every m= line of the session. */
	if (d->n_streams < oa->n_mlines) {
		ret = sdp_fail(err, SDP_E_MCOUNT, "offer has %u m= lines, the session %u",
			       d->n_streams, oa->n_mlines);
		goto out;
	}

	/* One stream is taken, audio or T.38 (T.38 Annex D); when both are usable the
	 * owner's preference decides, the other gets port 0 (RFC 3264 §6). */
	ra = pick_audio(oa, d, &aidx, &pl, &crypto, &aerr);
	ri = oa->have_t38 ? pick_image(d, offer, offer_len, &iidx, &t_off, &ierr) : ENOENT;
	if (ra == 0 && (ri != 0 || oa->prefer == SDP_PREFER_AUDIO)) {
		o.kind = SDP_KIND_AUDIO;
		idx = aidx;
	} else if (ri == 0) {
		o.kind = SDP_KIND_IMAGE;
		idx = iidx;
	} else if (ri == EBADMSG && aerr.code == SDP_E_NO_AUDIO) {
		ret = sdp_fail(err, ierr.code, "%s", ierr.msg);
		goto out;
	} else if (aerr.code == SDP_E_NO_AUDIO && has_image(d) && !oa->have_t38) {
		ret = sdp_fail(err, SDP_E_NO_AUDIO, "image (T.38) offered, T.38 is not enabled");
		goto out;
	} else {
		ret = sdp_fail(err, aerr.code, "%s", aerr.msg);
		goto out;
	}
	st = &d->streams[idx];

	/* c=0.0.0.0: nothing may be sent to it (RFC 3264 §8.4). */
	remote = sdp_dir_bits(st->dir);
	if (st->null_addr)
		remote &= ~SDP_BIT_RECV;

	if (o.kind == SDP_KIND_IMAGE) {
		/* T.38 Annex D: the answerer may lower the version; above ours is not
		 * refused, it is answered with ours. */
		struct sdp_t38 clamped = t_off;

		if (clamped.version > 3)
			clamped.version = 3;
		(void)sdp_t38_answer(&clamped, &oa->t38, &t_ans);
		o.port = oa->port;
	} else {
		answer_audio(oa, st, pl, &f, remote);
		ret = sdp_crypto_answer(&oa->crypto, st, crypto, &f.cl, &n.srtp);
		if (ret)
			goto out;
	}

	for (unsigned i = 0; i < d->n_streams; i++) {
		mlines[i].kind = d->streams[i].kind;
		memcpy(mlines[i].media, d->streams[i].media, sizeof(mlines[i].media));
		memcpy(mlines[i].proto, d->streams[i].proto, sizeof(mlines[i].proto));
		memcpy(mlines[i].fmts, d->streams[i].fmts, sizeof(mlines[i].fmts));
	}
	w_body(&w, oa, mlines, d->n_streams, idx, &o);
	if (w.full) {
		ret = sdp_fail(err, SDP_E_NOSPACE, "answer too large");
		goto out;
	}
	ret = finish(oa, body, false, buf, size, lenp, err);
	if (ret)
		goto out;

	n.stream = idx;
	n.kind = o.kind;
	n.af = st->af;
	memcpy(n.addr, st->addr, sizeof(n.addr));
	n.port = st->port;
	n.remote_hold = !(remote & SDP_BIT_RECV);
	if (o.kind == SDP_KIND_IMAGE) {
		n.codec = SDP_CODEC_NONE;
		n.te_pt = n.rx_te_pt = -1;
		n.dir = sdp_dir_from_bits(sdp_dir_bits_reverse(remote));
		n.t38 = t_ans;
		/* what we may send is the peer's limit, not ours (T.38 Annex D) */
		n.t38.max_datagram = t_off.max_datagram;
		n.t38.max_buffer = t_off.max_buffer;
	} else {
		n.codec = f.codecs[0];
		n.pt = n.rx_pt = f.pts[0];
		n.te_pt = n.rx_te_pt = f.te_pt;
		memcpy(n.te_events, f.te_events, sizeof(n.te_events));
		n.ptime = f.ptime;
		n.dir = f.dir;
	}

	memcpy(oa->mlines, mlines, sizeof(*mlines) * d->n_streams);
	oa->n_mlines = d->n_streams;
	oa->audio = idx;
	if (n.kind == SDP_KIND_AUDIO)
		oa->crypto.cur = n.srtp;
	oa->neg = n;
	oa->have_neg = true;
	*neg = n;
	if (n.kind == SDP_KIND_IMAGE)
		LOGD(LS_SDP, "answered: T.38 v%u to %s port %u, %u bit/s, %s, peer datagram %u",
		     n.t38.version, n.addr, n.port, n.t38.max_bitrate, sdp_t38_ec_name(n.t38.ec),
		     n.t38.max_datagram);
	else
		LOGD(LS_SDP, "answered: %s/%u to %s port %u, te %d, ptime %u, %s%s%s%s",
		     sdp_codec_name(n.codec), n.pt, n.addr, n.port, n.te_pt, n.ptime,
		     sdp_dir_name(n.dir), n.remote_hold ? " (held by remote)" : "",
		     n.srtp.suite ? ", SRTP " : "",
		     n.srtp.suite ? sdp_crypto_suite_name(n.srtp.suite) : "");
out:
	free(mlines);
	free(d);
	return ret;
}

/* --- answer to our offer ------------------------------------------------------------------ */

/* The answer to our T.38 offer (T.38 Annex D): an image stream in its place whose values
 * do not exceed ours. Fills *n; return 0 or an error as sdp_oa_process_answer(). */
static int take_image(const struct offered *off, const struct sdp_stream *st,
		      const char *text, size_t len, struct sdp_neg *n, struct sdp_error *err)
{
	struct sdp_t38 t;
	unsigned remote;

	if (st->kind != SDP_KIND_IMAGE)
		return sdp_fail(err, SDP_E_MCOUNT, "answer m= line %u is %s, offered image",
				off->audio + 1, st->media);
	if (st->rejected)
		return sdp_fail(err, SDP_E_REJECTED, "answer rejected the T.38 stream (port 0)");
	if (!is_t38_stream(st))
		return sdp_fail(err, SDP_E_NOT_OFFERED, "answer m= line %u is %s %s, offered "
				"udptl t38", off->audio + 1, st->proto, st->fmts);
	if (sdp_t38_parse(&t, text, len, off->audio))
		return sdp_fail(err, SDP_E_SYNTAX, "m= line %u: unreadable T.38 attribute",
				off->audio + 1);

	/* The answer may only lower version and bit rate; what exceeds our offer is
	 * logged and held to it rather than failing the fax. */
	n->t38 = t;
	if (t.version > off->t38.version) {
		LOGD(LS_SDP, "answer T38FaxVersion %u above our %u, using ours", t.version,
		     off->t38.version);
		n->t38.version = off->t38.version;
	}
	if (!t.max_bitrate || t.max_bitrate > off->t38.max_bitrate)
		n->t38.max_bitrate = off->t38.max_bitrate;
	if (t.rate_mgmt != off->t38.rate_mgmt)
		LOGD(LS_SDP, "answer changed T38FaxRateManagement (the offerer's choice)");
	if (t.ec > off->t38.ec) {
		LOGD(LS_SDP, "answer %s exceeds our %s, using ours", sdp_t38_ec_name(t.ec),
		     sdp_t38_ec_name(off->t38.ec));
		n->t38.ec = off->t38.ec;
	}
	/* we offered none of them (sdp_t38_offer) */
	n->t38.fill_bit_removal = n->t38.transcoding_mmr = n->t38.transcoding_jbig = false;

	n->stream = off->audio;
	n->kind = SDP_KIND_IMAGE;
	n->af = st->af;
	memcpy(n->addr, st->addr, sizeof(n->addr));
	n->port = st->port;
	n->codec = SDP_CODEC_NONE;
	n->te_pt = n->rx_te_pt = -1;
	remote = sdp_dir_bits(st->dir);
	if (st->null_addr)
		remote &= ~SDP_BIT_RECV;	/* RFC 3264 §8.4 */
	n->dir = sdp_dir_from_bits(sdp_dir_bits_reverse(remote));
	n->remote_hold = !(remote & SDP_BIT_RECV);
	return 0;
}

int sdp_oa_process_answer(struct sdp_oa *oa, const char *answer, size_t answer_len,
			  struct sdp_neg *neg, struct sdp_error *err)
{
	struct sdp_desc *d = NULL;
	const struct offered *off;
	const struct sdp_stream *st;
	const struct sdp_payload *pl = NULL;
	struct sdp_neg n = { 0 };
	unsigned remote;
	int ret;

	if (err) {
		err->code = SDP_E_NONE;
		err->msg[0] = '\0';
	}
	if (!oa || !neg)
		return sdp_fail(err, SDP_E_INVAL, "no state or result");
	if (!oa->offer_pending)
		return sdp_fail(err, SDP_E_STATE, "answer without a pending offer");
	oa->offer_pending = false;	/* any answer ends the exchange */
	off = &oa->off;

	d = malloc(sizeof(*d));
	if (!d)
		return ENOMEM;
	ret = sdp_desc_parse(d, answer, answer_len, err);
	if (ret)
		goto out;

	/* RFC 3264 §6: one m= line in the answer for each in the offer, same order. */
	if (d->n_streams != off->n_mlines) {
		ret = sdp_fail(err, SDP_E_MCOUNT, "answer has %u m= lines, the offer %u",
			       d->n_streams, off->n_mlines);
		goto out;
	}
	st = &d->streams[off->audio];
	if (off->kind == SDP_KIND_IMAGE) {
		ret = take_image(off, st, answer, answer_len, &n, err);
		if (ret)
			goto out;
		goto taken;
	}
	if (st->kind != SDP_KIND_AUDIO) {
		ret = sdp_fail(err, SDP_E_MCOUNT, "answer m= line %u is %s, offered audio",
			       off->audio + 1, st->media);
		goto out;
	}
	if (st->rejected) {
		ret = sdp_fail(err, SDP_E_REJECTED, "answer rejected the audio stream (port 0)");
		goto out;
	}
	/* RFC 3264 §6.1: the answer's formats are a subset of the offer's. The first one we
	 * offered wins; any other (a stray CN) is ignored rather than failing the call. */
	for (unsigned k = 0; k < st->n_payloads && !pl; k++) {
		enum sdp_codec c = codec_of(&st->payloads[k]);

		if (codec_in(off->fmt.codecs, off->fmt.n_codecs, c))
			pl = &st->payloads[k];
		else if ((int)st->payloads[k].pt != st->te_pt)
			LOGD(LS_SDP, "answer format %u (%s) not offered, ignored",
			     st->payloads[k].pt, st->payloads[k].encoding);
	}
	if (!pl) {
		ret = sdp_fail(err, SDP_E_NOT_OFFERED, "answer codecs (%s) were not offered",
			       st->fmts);
		goto out;
	}

	n.stream = off->audio;
	n.kind = SDP_KIND_AUDIO;
	n.af = st->af;
	memcpy(n.addr, st->addr, sizeof(n.addr));
	n.port = st->port;
	n.codec = codec_of(pl);
	n.pt = pl->pt;			/* the answerer receives on its own numbers (§6.1) */
	n.rx_pt = codec_static_pt[n.codec];
	n.te_pt = n.rx_te_pt = -1;
	if (off->fmt.te_pt >= 0 && st->te_pt >= 0) {
		struct sdp_events ev;

		if (!sdp_events_parse(&ev, st->te_events) && sdp_events_intersect(&ev, &off->te_ev)) {
			n.te_pt = st->te_pt;
			n.rx_te_pt = off->fmt.te_pt;
			sdp_events_format(&ev, n.te_events, sizeof(n.te_events));
		}
	}
	if (st->ptime)
		n.ptime = ptime_ok(st->ptime) ? st->ptime : SDP_PTIME_DEFAULT;
	else
		n.ptime = off->fmt.ptime;

	remote = sdp_dir_bits(st->dir);
	if (st->null_addr)
		remote &= ~SDP_BIT_RECV;	/* RFC 3264 §8.4 */
	if (remote & ~sdp_dir_bits_reverse(sdp_dir_bits(off->fmt.dir)))
		LOGD(LS_SDP, "answer direction %s exceeds our offered %s (RFC 3264 §6.1)",
		     sdp_dir_name(st->dir), sdp_dir_name(off->fmt.dir));
	n.dir = sdp_dir_from_bits(sdp_dir_bits(off->fmt.dir) & sdp_dir_bits_reverse(remote));
	n.remote_hold = !(remote & SDP_BIT_RECV);
	{
		const char *why = NULL;

		if (sdp_crypto_take_answer(&off->fmt.cl, st, &n.srtp, &why)) {
			ret = sdp_fail(err, SDP_E_NO_CRYPTO, "%s", why);
			goto out;
		}
	}
	oa->crypto.cur = n.srtp;

taken:
	oa->n_mlines = off->n_mlines;
	oa->audio = off->audio;
	oa->mlines[off->audio] = off->kind == SDP_KIND_IMAGE ? image_mline : audio_mline;
	oa->neg = n;
	oa->have_neg = true;
	*neg = n;
	if (n.kind == SDP_KIND_IMAGE)
		LOGD(LS_SDP, "T.38 answer taken: v%u to %s port %u, %u bit/s, %s, peer datagram %u",
		     n.t38.version, n.addr, n.port, n.t38.max_bitrate, sdp_t38_ec_name(n.t38.ec),
		     n.t38.max_datagram);
	else
		LOGD(LS_SDP, "answer taken: %s/%u to %s port %u, te %d, ptime %u, %s%s%s",
		     sdp_codec_name(n.codec), n.pt, n.addr, n.port, n.te_pt, n.ptime,
		     sdp_dir_name(n.dir), n.srtp.suite ? ", SRTP " : "",
		     n.srtp.suite ? sdp_crypto_suite_name(n.srtp.suite) : "");
out:
	free(d);
	return ret;
}
