/* The media engine's RTCP (RFC 3550 §6): reports on a schedule, the peer's reports read. */
#include "media/engine_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "media/rtcp.h"

#define NTP_UNIX_OFFSET	2208988800u	/* [s] 1900-01-01 to 1970-01-01 */
#define SAMPLES_PER_MS	8		/* RTP clock of G.711 */

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + NTP_UNIX_OFFSET) << 32 |
	       (((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

/* The next report: §6.2 interval, randomised 0.5–1.5 × (§6.3.1); the first one after
 * half of it (§6.2 "initial delay"). */
void engine_rtcp_schedule(struct media_engine *e, struct media_chan *ch, uint64_t now,
			  bool first)
{
	uint64_t mean = (uint64_t)e->p.rtcp_interval_ms * 1000u;

	if (first)
		mean /= 2;
	ch->rng ^= ch->rng << 13;
	ch->rng ^= ch->rng >> 17;
	ch->rng ^= ch->rng << 5;
	ch->rtcp_next_us = now + mean / 2 + (mean ? ch->rng % mean : 0);
}

static double ts_to_ms(uint32_t samples)
{
	return samples / (double)SAMPLES_PER_MS;
}

/* Send one compound packet (SR or RR, SDES CNAME, and BYE if bye) and schedule the next. */
void engine_rtcp_send(struct media_engine *e, struct media_chan *ch, uint64_t now, bool bye)
{
	uint8_t buf[RTCP_MAX_LEN + TRANSPORT_MAX_OVERHEAD];
	struct sockaddr_storage to;
	socklen_t tolen;
	struct rtcp_sender_info si;
	struct rtcp_report_block rb;
	struct rtcp_build_params bp = { .ssrc = ch->pipe.pk.ssrc, .cname = ch->cname, .bye = bye };
	size_t len;

	engine_rtcp_schedule(e, ch, now, false);
	if (ch->rtcp_remote_len) {
		to = ch->rtcp_remote;
		tolen = ch->rtcp_remote_len;
	} else if (ch->remote_len) {
		to = ch->remote;
		tolen = ch->remote_len;
		if (to.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&to;

			a->sin_port = htons((uint16_t)(ntohs(a->sin_port) + 1));
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;

			a->sin6_port = htons((uint16_t)(ntohs(a->sin6_port) + 1));
		}
	} else {
		return;		/* peer not known yet */
	}
	if (ch->pipe.we_sent) {
		/* the sampling instant of now: audio waiting for a longer ptime counts */
		si = (struct rtcp_sender_info){ .ntp = ntp_now(),
						.rtp_ts = ch->pipe.pk.ts + ch->pipe.txlen,
						.packets = (uint32_t)ch->pipe.st.packets_sent,
						.octets = (uint32_t)ch->pipe.st.octets_sent };
		bp.sr = &si;
	}
	if (ch->pipe.have_src && !ch->pipe.src.probation) {
		struct jbuf_stats js;

		jbuf_stats(ch->pipe.po.jb, &js);
		rb = (struct rtcp_report_block){ .ssrc = ch->pipe.src_ssrc, .jitter = js.jitter,
						 .lsr = ch->lsr };
		rtcp_source_report(&ch->pipe.src, &rb);
		if (ch->lsr)
			rb.dlsr = (uint32_t)(((now - ch->lsr_arrival_us) << 16) / 1000000u);
		bp.rb = &rb;
	}
	if (rtcp_build(&bp, buf, RTCP_MAX_LEN, &len) ||
	    ch->pipe.tr->ops->seal_rtcp(ch->pipe.tr, buf, &len, sizeof buf))	/* SRTCP */
		return;
	if (sendto(ch->rtcp_fd, buf, len, 0, (struct sockaddr *)&to, tolen) < 0) {
		engine_send_failed(e, ch);
		return;
	}
	ch->pipe.st.rtcp_sent++;
	ch->pipe.we_sent = false;
}

/* One datagram per readiness, as on_rtp. */
void engine_on_rtcp(struct media_engine *e, struct media_chan *ch, uint64_t now)
{
	uint8_t buf[RTP_BUF_LEN];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof from;
	struct rtcp_info info;
	ssize_t r;
	size_t len;
	int err;

	r = recvfrom(ch->rtcp_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
	if (r < 0)
		return;
	len = (size_t)r;
	err = ch->pipe.tr->ops->open_rtcp(ch->pipe.tr, buf, &len);	/* SRTCP */
	if (!err)
		err = rtcp_parse(&info, buf, len, ch->pipe.pk.ssrc);
	if (err) {
		unsigned sup;

		e->local.rtp_invalid++;
		ch->pipe.st.srtp_auth_failed += err == EACCES;
		ch->pipe.st.srtp_replayed += err == EALREADY;
		if (log_ratelimit_ok(&e->rl_invalid, now / 1000, 5, 10000, &sup))
			LOGI(err == EACCES || err == EALREADY ? LS_SRTP : LS_RTP,
			     "channel %llu: far end sent bad RTCP: %s (%u suppressed)",
			     (unsigned long long)ch->cookie, transport_strerror(err), sup);
		return;
	}
	if (ch->symmetric) {
		/* Latched as RTP is: on the first report (the latched stream's, once RTP
		 * latched), then a new address only with the latched SSRC. */
		bool from_latched = ch->rtcp_remote_len && engine_same_addr(&from, &ch->rtcp_remote);

		if (!from_latched && ((ch->latched && info.ssrc != ch->latched_ssrc) ||
				      (!ch->latched && ch->rtcp_remote_len &&
				       info.ssrc != ch->rtcp_ssrc))) {
			engine_stranger(ch, "RTCP", &from, info.ssrc);
			return;
		}
		ch->rtcp_remote = from;
		ch->rtcp_remote_len = fromlen;
		ch->rtcp_ssrc = info.ssrc;
	}
	ch->pipe.st.rtcp_received++;
	if (info.sr) {
		ch->lsr = rtcp_ntp_mid(info.si.ntp);
		ch->lsr_arrival_us = now;
	}
	if (info.have_rb) {
		int64_t rtt = rtcp_rtt(&info.rb, ntp_now());

		ch->pipe.st.peer_report = true;
		ch->pipe.st.peer_fraction_lost = info.rb.fraction / 256.0;
		ch->pipe.st.peer_packets_lost = info.rb.lost;
		ch->pipe.st.peer_jitter_ms = ts_to_ms(info.rb.jitter);
		if (rtt >= 0)
			ch->pipe.st.rtt_ms = (double)rtt * 1000.0 / 65536.0;
	}
}
