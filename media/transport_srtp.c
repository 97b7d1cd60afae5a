/* SRTP and SRTCP (RFC 3711) with libsrtp2: the pipeline's RTP packets protected on the way
 * out and checked, replay-filtered and decrypted on the way in, keyed by SDES (RFC 4568).
 * Two libsrtp sessions per channel: one outbound with our key, one inbound with the
 * peer's (each side sends with the key its own SDP carries, RFC 4568 §6.1). */
#include "media/transport.h"
#include "media/engine.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <nss.h>
#include <srtp2/srtp.h>

#include "common/log.h"

_Static_assert(TRANSPORT_MAX_OVERHEAD >= SRTP_MAX_TRAILER_LEN + 4,
	       "seal() needs libsrtp2's trailer room, SRTCP's 4 more");
_Static_assert(MEDIA_SRTP_KEY_MAX >= SRTP_AES_ICM_128_KEY_LEN_WSALT, "key buffer");

#define REPLAY_WINDOW 128	/* [packets] RFC 3711 §3.3.2: at least 64; libsrtp's default */

struct transport_srtp {
	struct media_transport base;	/* first */
	srtp_t tx, rx;
	struct media_srtp_params p;
};

static struct transport_srtp *ts_of(struct media_transport *t)
{
	return (struct transport_srtp *)t;
}

unsigned media_srtp_key_len(enum media_srtp_suite suite)
{
	switch (suite) {
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80:
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32:
		return SRTP_AES_ICM_128_KEY_LEN_WSALT;		/* 30 */
	case MEDIA_SRTP_AEAD_AES_128_GCM:
		return SRTP_AES_GCM_128_KEY_LEN_WSALT;		/* 28 */
	default:
		return 0;
	}
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status;

/*
 * Debian's libsrtp2 runs its ciphers and MACs on NSS, and when NSS is not yet up it starts it
 * with NSS_INIT_OPTIMIZESPACE: the softoken's object and session tables then have few
 * buckets, and every protect/unprotect (a PKCS#11 context per packet) searches them, so its
 * cost grows with the number of SRTP sessions alive: measured 7 us per protect with one
 * session, 43 us with 1000, 123 us with 3000. Started by us first without that flag, the
 * tables are the large ones: 19 us at 1000, 31 us at 3000 (tests/bench/media-bench prints
 * what a run gets). With an OpenSSL-built libsrtp2 NSS is simply unused.
 */
static void srtp_lib_init(void)
{
	if (!NSS_IsInitialized() &&
	    !NSS_InitContext("", "", "", "", NULL, NSS_INIT_READONLY | NSS_INIT_NOCERTDB |
			     NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN | NSS_INIT_NOROOTINIT))
		LOGW(LS_SRTP, "NSS did not start: libsrtp2 starts it itself (slower with many "
		     "sessions)");
	init_status = srtp_init();
}

/* libsrtp2's verdict on a packet as transport.h's errno values. */
static int err_of(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return EACCES;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return EALREADY;
	case srtp_err_status_alloc_fail:
		return ENOMEM;
	default:
		return EBADMSG;
	}
}

static int policy_for(srtp_policy_t *pol, enum media_srtp_suite suite, uint8_t *key,
		      srtp_ssrc_type_t dir)
{
	memset(pol, 0, sizeof *pol);
	switch (suite) {
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
		break;
	case MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
		break;
	case MEDIA_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
		break;
	default:
		return EINVAL;
	}
	pol->ssrc.type = dir;
	pol->key = key;
	pol->window_size = REPLAY_WINDOW;
	pol->allow_repeat_tx = 0;
	return 0;
}

static int srtp_seal(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap)
{
	struct transport_srtp *s = ts_of(t);
	int n = (int)*len;
	int err;

	if (*len + SRTP_MAX_TRAILER_LEN > cap)
		return EMSGSIZE;
	err = err_of(srtp_protect(s->tx, pkt, &n));
	if (!err)
		*len = (size_t)n;
	return err;
}

static int srtp_open(struct media_transport *t, uint8_t *pkt, size_t len, struct media_rx *rx)
{
	struct transport_srtp *s = ts_of(t);
	int n = (int)len;
	int err;

	if (len < RTP_HDR_LEN || len > INT_MAX)
		return EMSGSIZE;
	err = err_of(srtp_unprotect(s->rx, pkt, &n));
	if (err)
		return err;
	return transport_rtp_parse(&t->pts, pkt, (size_t)n, rx);
}

static int srtp_seal_rtcp(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap)
{
	struct transport_srtp *s = ts_of(t);
	int n = (int)*len;
	int err;

	if (*len + SRTP_MAX_TRAILER_LEN + 4 > cap)
		return EMSGSIZE;
	err = err_of(srtp_protect_rtcp(s->tx, pkt, &n));
	if (!err)
		*len = (size_t)n;
	return err;
}

static int srtp_open_rtcp(struct media_transport *t, uint8_t *pkt, size_t *len)
{
	struct transport_srtp *s = ts_of(t);
	int n = (int)*len;
	int err;

	if (*len < 8 || *len > INT_MAX)
		return EMSGSIZE;
	err = err_of(srtp_unprotect_rtcp(s->rx, pkt, &n));
	if (!err)
		*len = (size_t)n;
	return err;
}

static void srtp_free(struct media_transport *t)
{
	struct transport_srtp *s = ts_of(t);

	if (!s)
		return;
	if (s->tx)
		(void)srtp_dealloc(s->tx);
	if (s->rx)
		(void)srtp_dealloc(s->rx);
	explicit_bzero(&s->p, sizeof s->p);
	free(s);
}

const struct media_transport_ops transport_srtp_ops = {
	.name = "RTP/SAVP",
	.seal = srtp_seal,
	.open = srtp_open,
	.seal_rtcp = srtp_seal_rtcp,
	.open_rtcp = srtp_open_rtcp,
	.free = srtp_free,
};

int transport_srtp_alloc(struct media_transport **tp, const struct media_transport_pts *pts,
			 const struct media_srtp_params *p)
{
	struct transport_srtp *s;
	srtp_policy_t pol;
	srtp_err_status_t st;
	int err;

	if (!tp || !pts || !p || !media_srtp_key_len(p->suite))
		return EINVAL;
	(void)pthread_once(&init_once, srtp_lib_init);
	if (init_status != srtp_err_status_ok) {
		LOGE(LS_SRTP, "libsrtp2 did not start (status %d)", (int)init_status);
		return EIO;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return ENOMEM;
	s->base.ops = &transport_srtp_ops;
	s->base.pts = *pts;
	s->p = *p;
	err = policy_for(&pol, p->suite, s->p.tx_key, ssrc_any_outbound);
	if (err)
		goto out;
	st = srtp_create(&s->tx, &pol);
	if (st == srtp_err_status_ok) {
		(void)policy_for(&pol, p->suite, s->p.rx_key, ssrc_any_inbound);
		st = srtp_create(&s->rx, &pol);
	}
	explicit_bzero(&pol, sizeof pol);
	if (st != srtp_err_status_ok) {
		/* the status only: a key is never logged */
		LOGE(LS_SRTP, "libsrtp2 refused an SRTP session (status %d)", (int)st);
		err = st == srtp_err_status_alloc_fail ? ENOMEM : EIO;
		goto out;
	}
	*tp = &s->base;
	return 0;
out:
	srtp_free(&s->base);
	return err;
}

bool transport_srtp_same(const struct media_transport *t, const struct media_srtp_params *p)
{
	const struct transport_srtp *s = (const struct transport_srtp *)t;
	unsigned n = media_srtp_key_len(p->suite);

	return t->ops == &transport_srtp_ops && s->p.suite == p->suite &&
	       !memcmp(s->p.tx_key, p->tx_key, n) && !memcmp(s->p.rx_key, p->rx_key, n);
}
