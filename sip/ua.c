/* The SIP user agent: nua setup, event dispatch, INVITE dialogs (RFC 3261 §12-§15). */
#define SU_TIMER_ARG_T struct sipua
#include "sip/ua.h"

#include "common/clock.h"
#include "common/log.h"
#include "sip/auth.h"
#include "sip/tcp_guard.h"
#include "sip/tpdir.h"
#include "sip/trace.h"
#include "sip/trunk.h"
#include "sip/mwi.h"
#include "sip/mwi_sub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/socket.h>

#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>

#define SHUTDOWN_WAIT_MS 5000	/* bound on sipua_free()'s wait for nua_r_shutdown */
#define CALL_ID_MAX	 128
#define URI_MAX		 512
#define AUTH_MAX	 512
#define REASON_MAX	 160
#define TCP_MSG_TIMEOUT_MS 16000	/* [ms] bound on one incoming message's arrival */
#define GUARD_SWEEP_MS	 1000	/* [ms] between sweeps of inbound TCP (sip/tcp_guard.h) */
/* The methods we handle (RFC 3261 §20.5): INVITE dialogs, and PRACK and UPDATE in them. */
#define SIPUA_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE, NOTIFY"
#define FDS_LOW_PERCENT	 90	/* fds in use from which OPTIONS is answered 503 */

struct sipua_call {
	struct sip_hctx ctx;		/* first: the nua handle magic */
	struct sipua *ua;
	struct sipua_call *prev, *next;
	nua_handle_t *nh;
	struct sip_trunk *trunk;
	enum sipua_call_state state;
	bool outgoing;
	bool answered;			/* 2xx to the initial INVITE sent or received */
	bool confirmed;			/* CONFIRMED reported */
	bool auth_tried;		/* credentials sent once for this INVITE */
	char auth_user[128];		/* the dial's own credentials, "" = the trunk's */
	char auth_password[128];
	bool invite_final;		/* final response to our initial INVITE received */
	uint32_t progress_hash;		/* of the last 1xx reported, see progress_hash() */
	bool cancelled;			/* we sent CANCEL for our INVITE (§9.1) */
	bool bye_held;			/* an early BYE waits in bye_saved, see on_bye() */
	bool bye_sent;			/* we sent BYE (§15.1.1) */
	bool invite_in;			/* incoming initial INVITE not answered finally yet */
	bool reinvite_in;		/* incoming re-INVITE waiting for our answer */
	bool reinvite_out;		/* our re-INVITE waiting for its final response */
	char call_id[CALL_ID_MAX];
	nua_saved_event_t bye_saved[1];
	char cancel_reason[REASON_MAX];	/* our CANCEL's Reason, for a BYE that follows it */
	/* Session timer (RFC 4028), see "Session timers" below */
	struct sipua_timer st;		/* the trunk's choice */
	su_timer_t *st_timer;		/* refresh (we refresh) or expiry (the peer does) */
	unsigned st_interval;		/* [s] negotiated session interval, 0: no timer */
	bool st_we_refresh;		/* we are the refresher (§7.1, §9) */
	bool st_refreshing;		/* our refresh (re-INVITE or UPDATE) is out */
	bool st_by_update;		/* ... and it is an UPDATE */
	bool st_peer_timer;		/* the peer listed "timer" in Supported (sticky) */
	bool peer_update;		/* the peer's Allow lists UPDATE */
	uint64_t st_start;		/* [ms] when the current interval began */
	unsigned rq_se;			/* the peer's pending request: Session-Expires [s] */
	unsigned rq_min_se;		/* ... its Min-SE [s] */
	int rq_refresher;		/* ... its refresher: ST_R_* */
	bool rq_sdp;			/* the peer's pending INVITE had an SDP body */
	bool rq_100rel;			/* the peer's INVITE supports or requires 100rel */
	bool rq_100rel_required;	/* ... requires it (RFC 3262 §3) */
	enum sipua_prack prack;		/* our 100rel choice */
	bool offer_in_2xx;		/* our 2xx carried an offer: the answer is in the ACK */
	bool late_out;			/* our INVITE had no SDP: we ACK ourselves (no AUTOACK) */
	bool ack_pending;		/* ... and the 2xx waits for sipua_call_ack() */
	char *local_sdp;		/* the SDP we last sent and the peer took */
	char *offer_sdp;		/* our re-INVITE's offer, until its 2xx */
	void *priv;
	/* RFC 3263 §4.3: after a 503 from one SRV target the INVITE goes to the next */
	su_home_t *home;		/* of invite_tags */
	tagi_t *invite_tags;		/* our initial INVITE's, to send it again */
	unsigned srv_tries;		/* retries so far */
	bool srv_retry;			/* send it again to srv_next when nua ends this one */
	char srv_next[URI_MAX];
};

enum { ST_R_NONE, ST_R_UAC, ST_R_UAS, ST_R_REQUIRED };

struct sipua {
	su_root_t *root;
	nua_t *nua;
	sipua_event_h *evh;
	sipua_ready_h *ready;
	sipua_mwi_h *mwi;
	void *arg;
	unsigned max_calls;
	unsigned retry_after;		/* [s] */
	struct sipua_call *calls;	/* list head */
	unsigned ncalls;
	struct sip_trunk **trunks;
	unsigned ntrunks;
	struct sip_hctx reject_ctx;	/* bound to handles of INVITEs we refused */
	struct sip_auth *auth;		/* digest challenges and their checks (§22.4) */
	char realm[SIP_AUTH_REALM_MAX + 1];
	struct sip_tcp_guard_limits guard;	/* inbound TCP limits (sip/tcp_guard.h) */
	su_timer_t *guard_timer;		/* sweeps while TCP is on */
	bool fds_low;				/* fds nearly all used, as of the last sweep */
	struct sip_tpdir tpdir;		/* TLS files and resolv.conf for Sofia (sip/tpdir.h) */
	su_timer_t *tls_timer;		/* acts on a refusal outside Sofia's transport code */
	char tls_host[128];		/* the refused peer's name, "" if unknown */
	char tls_reason[224];
	char resolv_conf[PATH_MAX + 16];	/* its resolv.conf, when tpdir.resolv */
	bool shutdown_done;
	unsigned st_second_ms;			/* [ms] a session timer second (tests) */
	/* SIP trace (sipua_trace_on()) */
	struct sockaddr_storage bind_addr;	/* sip_address: our side of UDP messages */
	uint16_t port, tls_port;
	struct sip_trace *trace;		/* NULL: off */
	enum sipua_trace_scope trace_scope;
	char trace_what[CALL_ID_MAX];		/* the trunk's name or the Call-ID */
	su_timer_t *trace_timer;		/* writes the buffered records out */
	struct trace_conn {			/* TCP/TLS: our side of a peer's connection */
		struct sockaddr_storage peer, local;
		uint64_t at;			/* [ms] found; 0: free */
	} trace_conns[16];
};

static const char *const state_names[SIPUA_CS_COUNT] = {
	[SIPUA_CS_INIT] = "init",		[SIPUA_CS_AUTHENTICATING] = "authenticating",
	[SIPUA_CS_CALLING] = "calling",		[SIPUA_CS_PROCEEDING] = "proceeding",
	[SIPUA_CS_COMPLETING] = "completing",	[SIPUA_CS_RECEIVED] = "received",
	[SIPUA_CS_EARLY] = "early",		[SIPUA_CS_COMPLETED] = "completed",
	[SIPUA_CS_READY] = "ready",		[SIPUA_CS_TERMINATING] = "terminating",
	[SIPUA_CS_TERMINATED] = "terminated",
};

static void evh_noop(const struct sipua_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

static bool ready_always(void *arg)
{
	(void)arg;
	return true;
}

const char *sipua_call_state_name(enum sipua_call_state s)
{
	return (unsigned)s < SIPUA_CS_COUNT ? state_names[s] : "?";
}

/* ---- Small helpers over Sofia's parsed message ---------------------------------------- */

/* The body as a NUL-terminated copy if it is SDP (or untyped); NULL otherwise. */
static char *body_dup(const sip_t *sip)
{
	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_len)
		return NULL;
	if (sip->sip_content_type && sip->sip_content_type->c_type &&
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp"))
		return NULL;
	return strndup(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

/* The length of the body, whatever its type. */
static size_t body_dup_len(const sip_t *sip)
{
	return sip && sip->sip_payload ? sip->sip_payload->pl_len : 0;
}

/* A body of another type than SDP (RFC 3261 §21.4.13: 415, with Accept). */
static bool body_not_sdp(const sip_t *sip)
{
	return sip && sip->sip_payload && sip->sip_payload->pl_len && sip->sip_content_type &&
	       sip->sip_content_type->c_type &&
	       strcasecmp(sip->sip_content_type->c_type, "application/sdp");
}

/* Every Reason header (RFC 3326 §2) joined with ", "; NULL if none. */
/* The first Alert-Info as text (a distinctive ring for an analog port); free() it. */
static char *alert_info_dup(const sip_t *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const sip_alert_info_t *ai = sip ? sip_alert_info(sip) : NULL;
	char *s = ai ? sip_header_as_string(home, (const sip_header_t *)ai) : NULL;
	char *out = s ? strdup(s) : NULL;

	su_home_deinit(home);
	return out;
}

static char *reason_dup(const sip_t *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char *out = NULL;
	size_t len = 0;

	if (!sip || !sip->sip_reason)
		return NULL;
	for (const sip_reason_t *r = sip->sip_reason; r; r = r->re_next) {
		char *s = sip_header_as_string(home, (const sip_header_t *)r);
		if (!s)
			continue;
		size_t n = strlen(s);
		char *grown = realloc(out, len + n + 3);
		if (!grown)
			break;
		out = grown;
		if (len) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		memcpy(out + len, s, n + 1);
		len += n;
	}
	su_home_deinit(home);
	return out;
}

/* A display name without its quotes and backslash escapes (RFC 3261 §25.1 quoted-string). */
static void display_unquote(const char *in, char *out, size_t size)
{
	size_t o = 0;
	size_t n = strlen(in);

	if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
		in++;
		n -= 2;
	}
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		if (in[i] == '\\' && i + 1 < n)
			i++;
		out[o++] = in[i];
	}
	out[o] = '\0';
}

/* The Privacy header's values joined by ';' (RFC 3323 §4.2), "" if none. */
/* The first value of a header Sofia's parser does not know (Diversion, History-Info). */
static const char *unknown_header(const sip_t *sip, const char *name)
{
	for (const sip_unknown_t *u = sip ? sip->sip_unknown : NULL; u; u = u->un_next)
		if (u->un_name && !strcasecmp(u->un_name, name))
			return u->un_value;
	return NULL;
}

static void privacy_str(const sip_t *sip, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	if (!sip || !sip->sip_privacy || !sip->sip_privacy->priv_values)
		return;
	for (const char *const *v = sip->sip_privacy->priv_values; *v; v++) {
		int n = snprintf(out + o, size - o, "%s%s", o ? ";" : "", *v);
		if (n < 0 || (size_t)n >= size - o) {
			out[o] = '\0';	/* whole values only */
			break;
		}
		o += (size_t)n;
	}
}

/* ---- Calls ------------------------------------------------------------------------------ */

static void call_link(struct sipua *ua, struct sipua_call *c)
{
	c->next = ua->calls;
	if (ua->calls)
		ua->calls->prev = c;
	ua->calls = c;
	ua->ncalls++;
}

static void call_unlink(struct sipua *ua, struct sipua_call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		ua->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	ua->ncalls--;
}

static struct sipua_call *call_new(struct sipua *ua, struct sip_trunk *trunk, bool outgoing)
{
	struct sipua_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ctx.kind = SIP_HK_CALL;
	c->ua = ua;
	c->trunk = trunk;
	c->outgoing = outgoing;
	c->state = SIPUA_CS_INIT;
	c->st = (struct sipua_timer){ .mode = SIPUA_ST_ACCEPT, .expires = 1800,
				      .min_se = SIPUA_MIN_SE_FLOOR };
	return c;
}

static void st_stop(struct sipua_call *c);

/* The one place a call changes state. */
static void set_state(struct sipua_call *c, enum sipua_call_state s)
{
	if (s == c->state)
		return;
	LOGI(LS_SIP, "call %s (%s, trunk %s): %s -> %s", c->call_id[0] ? c->call_id : "-",
	     c->outgoing ? "out" : "in", sip_trunk_name(c->trunk), state_names[c->state],
	     state_names[s]);
	c->state = s;
}

static void call_emit(struct sipua_call *c, struct sipua_event *ev)
{
	ev->call = c;
	ev->trunk = c->trunk;
	ev->call_id = c->call_id[0] ? c->call_id : NULL;
	c->ua->evh(ev, c->ua->arg);
}

/* Answer the BYE held by on_bye() (RFC 3261 §15.1.2). */
static void answer_held_bye(struct sipua_call *c)
{
	if (!c->bye_held)
		return;
	c->bye_held = false;
	nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_SAVED(c->bye_saved), TAG_END());
	nua_destroy_event(c->bye_saved);
}

/* The call is over: last event, then the handle and the object go (a handle is destroyed
 * only at nua_callstate_terminated, or when we abandon one nua still waits on). */
static void call_destroy(struct sipua_call *c)
{
	struct sipua *ua = c->ua;
	struct sipua_event ev = { .type = SIPUA_EV_CALL_TERMINATED };

	answer_held_bye(c);
	set_state(c, SIPUA_CS_TERMINATED);
	call_emit(c, &ev);
	call_unlink(ua, c);
	nua_handle_bind(c->nh, NULL);
	nua_handle_destroy(c->nh);
	st_stop(c);
	if (c->home)
		su_home_unref(c->home);
	free(c);
}

/* Let go of a call without telling the owner (who is going away): end its dialog the way
 * its state allows, best effort, and destroy the handle. The request goes out before the
 * handle is destroyed (both are queued to nua in order); its retransmissions and answer
 * are nobody's business any more. */
static void call_drop(struct sipua_call *c, const char *why)
{
	struct sipua *ua = c->ua;
	const char *sent = "";

	if (c->answered && !c->bye_sent && c->state != SIPUA_CS_TERMINATING) {
		nua_bye(c->nh, TAG_END());	/* §15.1.1 */
		sent = ", BYE sent";
	} else if (c->outgoing && !c->answered && !c->cancelled && c->state != SIPUA_CS_INIT) {
		nua_cancel(c->nh, TAG_END());	/* §9.1 */
		sent = ", CANCEL sent";
	} else if (c->invite_in) {
		nua_respond(c->nh, SIP_503_SERVICE_UNAVAILABLE, TAG_END());
		sent = ", 503 sent";
	}
	answer_held_bye(c);
	LOGI(LS_SIP, "call %s: dropped %s in state %s%s", c->call_id, why,
	     state_names[c->state], sent);
	call_unlink(ua, c);
	nua_handle_bind(c->nh, NULL);
	nua_handle_destroy(c->nh);
	st_stop(c);
	if (c->home)
		su_home_unref(c->home);
	free(c);
}

static void call_note_id(struct sipua_call *c, const sip_t *sip)
{
	if (!c->call_id[0] && sip && sip->sip_call_id && sip->sip_call_id->i_id)
		snprintf(c->call_id, sizeof(c->call_id), "%s", sip->sip_call_id->i_id);
}

/* ---- Session timers (RFC 4028) -------------------------------------------------------- */

/* Sofia-SIP lists "timer" in Supported and, when a peer asks for a session timer, writes
 * Session-Expires, Min-SE and Require into our messages, answers 422 below its NUTAG_MIN_SE
 * and retries a 422 once with the Min-SE it got (§6, §7.1, §9): we let it, with the trunk's
 * values per handle. It also runs a timer of its own whose refresh carries no current SDP
 * (our NUTAG_MEDIA_ENABLE(0) leaves it the INVITE template, or no body at all). So the timer
 * is ours: we negotiate exactly as it does (st_negotiate()) and fire ahead of its check
 * (refresh within [I/2 - 5, I/2 + 5] s, BYE at I - min(32, I/10) s, on whole seconds);
 * every answered refresh restarts both, so its own never fires. */
#define ST_REFRESH_AHEAD_MS 7000	/* [ms] our refresh before I/2 */
#define ST_REASON "SIP;cause=408;text=\"Session timer expired\""

static void st_fire(su_root_magic_t *magic, su_timer_t *t, struct sipua *arg);

static void st_stop(struct sipua_call *c)
{
	if (c->st_timer)
		su_timer_destroy(c->st_timer);
	c->st_timer = NULL;
	c->st_interval = 0;
	free(c->local_sdp);
	free(c->offer_sdp);
	c->local_sdp = c->offer_sdp = NULL;
}

static void sdp_keep(char **slot, const char *sdp)
{
	char *copy = sdp ? strdup(sdp) : NULL;

	if (sdp && !copy)
		return;		/* keep the old one: a refresh with it is still valid */
	free(*slot);
	*slot = copy;
}

/* The peer's Session-Expires, Min-SE and Supported in a request (§7.1) or 2xx (§9). */
static void st_note(struct sipua_call *c, const sip_t *sip)
{
	const sip_session_expires_t *x = sip ? sip->sip_session_expires : NULL;

	c->rq_se = x ? (unsigned)x->x_delta : 0;
	c->rq_min_se = sip && sip->sip_min_se ? (unsigned)sip->sip_min_se->min_delta : 0;
	c->rq_refresher = ST_R_NONE;
	if (x && x->x_refresher)
		c->rq_refresher = !strcasecmp(x->x_refresher, "uac") ? ST_R_UAC
			: !strcasecmp(x->x_refresher, "uas") ? ST_R_UAS : ST_R_NONE;
	else if (x && sip_has_feature(sip->sip_require, "timer"))
		c->rq_refresher = ST_R_REQUIRED;
	if (sip && sip_has_feature(sip->sip_supported, "timer"))
		c->st_peer_timer = true;
	if (sip && sip->sip_allow)	/* the peer's methods, as of its latest word */
		c->peer_update = sip_is_allowed(sip->sip_allow, sip_method_update, "UPDATE");
}

/* The interval and refresher of the transaction just answered (§7.2 as its UAC, §9 as its
 * UAS), from what st_note() kept. 0: no session timer. */
static unsigned st_negotiate(struct sipua_call *c, bool uas, bool *we_refresh)
{
	unsigned local = c->st.mode == SIPUA_ST_YES ? c->st.expires : 0;
	unsigned iv = c->rq_se ? c->rq_se : local;

	*we_refresh = false;
	if (c->st.mode == SIPUA_ST_NO)
		return 0;
	if (local && iv > local)
		iv = local;
	if (iv && iv < c->st.min_se)
		iv = c->st.min_se;
	if (iv && iv < c->rq_min_se)
		iv = c->rq_min_se;
	if (!iv)
		return 0;
	if (!c->st_peer_timer)
		*we_refresh = true;	/* the peer cannot */
	else if (c->rq_refresher == ST_R_UAC)
		*we_refresh = !uas;
	else if (c->rq_refresher == ST_R_UAS)
		*we_refresh = uas;
	else if (c->rq_refresher == ST_R_REQUIRED)
		*we_refresh = true;
	else
		*we_refresh = !uas;	/* unsaid: the UAC refreshes (§9) */
	return iv;
}

/* [ms] until our refresh (we refresh) or our BYE (§10: min(32 s, I/3) before the end). */
static uint64_t st_due_ms(const struct sipua_call *c, unsigned iv, bool we_refresh)
{
	uint64_t sec = c->ua->st_second_ms;

	if (we_refresh)
		return (iv * 500 - ST_REFRESH_AHEAD_MS) * sec / 1000;
	unsigned margin = iv / 3 < 32 ? iv / 3 : 32;
	unsigned sofia = iv - (iv / 10 < 32 ? iv / 10 : 32) - 2;
	unsigned due = iv - margin < sofia ? iv - margin : sofia;
	return due * sec;
}

static void st_arm_ms(struct sipua_call *c, uint64_t ms)
{
	if (!c->st_timer)
		c->st_timer = su_timer_create(su_root_task(c->ua->root), 1000);
	/* su_timer's argument type is struct sipua (SU_TIMER_ARG_T); a call goes through it */
	if (!c->st_timer || su_timer_set_interval(c->st_timer, st_fire, (struct sipua *)(void *)c,
						  (su_duration_t)ms))
		LOGE(LS_SIP, "call %s: cannot run the session timer", c->call_id);
}

/* A new session interval begins (a 2xx to INVITE, re-INVITE or UPDATE, §7.2, §9, §10). */
static void st_start(struct sipua_call *c, bool uas)
{
	bool we = false;
	unsigned iv = st_negotiate(c, uas, &we);

	if (iv != c->st_interval || we != c->st_we_refresh)
		LOGI(LS_SIP, "call %s: session timer %s%u s, refresher %s", c->call_id,
		     iv ? "" : "off (", iv, !iv ? "none)" : we ? "us" : "the peer");
	c->st_interval = iv;
	c->st_we_refresh = we;
	c->st_start = clock_now_us() / 1000;
	if (c->st_timer)
		su_timer_reset(c->st_timer);
	if (iv)
		st_arm_ms(c, st_due_ms(c, iv, we));
}

/* §10: the session is over. BYE with Reason 408, and the owner hears why. */
static void st_expire(struct sipua_call *c, const char *why)
{
	struct sipua_event ev = { .type = SIPUA_EV_CALL_EXPIRED, .status = 408,
				  .phrase = "Session timer expired", .reason = ST_REASON };

	if (c->st_timer)
		su_timer_reset(c->st_timer);
	if (c->bye_sent || c->state >= SIPUA_CS_TERMINATING)
		return;
	LOGN(LS_SIP, "call %s: session timer expired: %s: BYE", c->call_id, why);
	c->bye_sent = true;
	nua_bye(c->nh, SIPTAG_REASON_STR(ST_REASON), TAG_END());
	call_emit(c, &ev);
}

/* Our refresh (§7.4): a re-INVITE with the SDP we last sent (RFC 3264 §8: unchanged, so
 * the same o= version), or UPDATE without a body when the trunk and the peer's Allow agree. */
static void st_refresh(struct sipua_call *c)
{
	bool update = (c->st.update && c->peer_update) || !c->local_sdp;

	if (c->state != SIPUA_CS_READY || c->reinvite_out || c->reinvite_in) {
		/* An offer is under way: its 2xx refreshes (§7.4); look again soon. */
		st_arm_ms(c, 1000);
		return;
	}
	LOGI(LS_SIP, "call %s: session refresh by %s", c->call_id, update ? "UPDATE" : "re-INVITE");
	c->st_refreshing = true;
	c->st_by_update = update;
	if (update) {
		nua_update(c->nh, TAG_END());
	} else {
		c->reinvite_out = true;
		nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			   SIPTAG_PAYLOAD_STR(c->local_sdp), TAG_END());
	}
}

static void st_fire(su_root_magic_t *magic, su_timer_t *t, struct sipua *arg)
{
	struct sipua_call *c = (struct sipua_call *)(void *)arg;
	char why[96];

	(void)magic;
	(void)t;
	if (!c->st_interval || c->bye_sent || c->state >= SIPUA_CS_TERMINATING)
		return;
	if (c->st_we_refresh) {
		st_refresh(c);
		return;
	}
	snprintf(why, sizeof(why), "no refresh from the peer within %u s",
		 (unsigned)((clock_now_us() / 1000 - c->st_start + c->ua->st_second_ms / 2) /
			    c->ua->st_second_ms));
	st_expire(c, why);
}

/* The final response to our refresh (status, or a Sofia-SIP timeout as 408). */
static void st_refresh_answered(struct sipua_call *c, int status, const sip_t *sip)
{
	char why[96];

	c->st_refreshing = false;
	if (status >= 200 && status < 300) {
		st_note(c, sip);
		st_start(c, false);
		return;
	}
	snprintf(why, sizeof(why), "our refresh was answered %d", status);
	if (status == 408 || status == 481) {	/* §10: the dialog is gone or unreachable */
		st_expire(c, why);
		return;
	}
	/* Anything else: the session lasts to its end unless the peer refreshes it. */
	uint64_t used = clock_now_us() / 1000 - c->st_start;
	uint64_t end = st_due_ms(c, c->st_interval, false);
	LOGN(LS_SIP, "call %s: %s: BYE in %llu s unless the peer refreshes", c->call_id, why,
	     (unsigned long long)(end > used ? (end - used) / c->ua->st_second_ms : 0));
	c->st_we_refresh = false;
	st_arm_ms(c, end > used ? end - used : 1);
}

/* Our Supported (RFC 3261 §20.37): the option tags the trunk lets us use. Sofia-SIP goes by
 * it: no "timer" keeps its session timer out, no "100rel" its reliable responses. */
static const char *supported_str(const struct sipua_call *c)
{
	bool timer = c->st.mode != SIPUA_ST_NO, rel = c->prack != SIPUA_PRACK_NO;

	return timer && rel ? "timer, 100rel" : timer ? "timer" : rel ? "100rel" : "";
}

int sipua_call_timer(struct sipua_call *c, const struct sipua_timer *t)
{
	char min[16];

	if (!c || !t || t->min_se < SIPUA_MIN_SE_FLOOR ||
	    (t->mode == SIPUA_ST_YES && t->expires < t->min_se))
		return EINVAL;
	if (c->outgoing || !c->invite_in || c->answered)
		return EPROTO;
	c->st = *t;
	if (t->mode != SIPUA_ST_NO && c->rq_se && c->rq_se < t->min_se && c->st_peer_timer) {
		/* §6: too small; the UAC retries with our Min-SE */
		snprintf(min, sizeof(min), "%u", t->min_se);
		LOGN(LS_SIP, "call %s: Session-Expires %u s below our Min-SE %u s: 422", c->call_id,
		     c->rq_se, t->min_se);
		nua_respond(c->nh, SIP_422_SESSION_TIMER_TOO_SMALL, SIPTAG_MIN_SE_STR(min),
			    TAG_END());
		c->invite_in = false;
		return ERANGE;
	}
	nua_set_hparams(c->nh, NUTAG_MIN_SE(t->min_se),
			NUTAG_SESSION_TIMER(t->mode == SIPUA_ST_YES ? t->expires : 0),
			/* "no": Sofia-SIP must not see "timer" in our Supported either */
			SIPTAG_SUPPORTED_STR(supported_str(c)), TAG_END());
	return 0;
}

int sipua_call_prack(struct sipua_call *c, enum sipua_prack p)
{
	if (!c || (unsigned)p > SIPUA_PRACK_REQUIRED)
		return EINVAL;
	if (c->outgoing || !c->invite_in || c->answered)
		return EPROTO;
	c->prack = p;
	if (p == SIPUA_PRACK_NO && c->rq_100rel_required) {
		LOGN(LS_SIP, "call %s: the INVITE requires 100rel, the trunk has it off: 420",
		     c->call_id);
		nua_respond(c->nh, SIP_420_BAD_EXTENSION, SIPTAG_UNSUPPORTED_STR("100rel"),
			    TAG_END());
		c->invite_in = false;
		return ERANGE;
	}
	if (p == SIPUA_PRACK_REQUIRED && !c->rq_100rel) {
		/* RFC 3262 §3: the UAS may insist */
		LOGN(LS_SIP, "call %s: the INVITE does not support 100rel, the trunk requires it: "
		     "421", c->call_id);
		nua_respond(c->nh, SIP_421_EXTENSION_REQUIRED, SIPTAG_REQUIRE_STR("100rel"),
			    TAG_END());
		c->invite_in = false;
		return ERANGE;
	}
	/* RFC 3262 §3: with "required" every 18x of ours goes reliably (Sofia-SIP's
	 * early_media); with "supported" a 183 does when the peer supports 100rel */
	nua_set_hparams(c->nh, SIPTAG_SUPPORTED_STR(supported_str(c)),
			TAG_IF(p == SIPUA_PRACK_REQUIRED, NUTAG_EARLY_MEDIA(1)), TAG_END());
	return 0;
}

static enum sipua_call_state map_callstate(int cs)
{
	switch (cs) {
	case nua_callstate_init:		return SIPUA_CS_INIT;
	case nua_callstate_authenticating:	return SIPUA_CS_AUTHENTICATING;
	case nua_callstate_calling:		return SIPUA_CS_CALLING;
	case nua_callstate_proceeding:		return SIPUA_CS_PROCEEDING;
	case nua_callstate_completing:		return SIPUA_CS_COMPLETING;
	case nua_callstate_received:		return SIPUA_CS_RECEIVED;
	case nua_callstate_early:		return SIPUA_CS_EARLY;
	case nua_callstate_completed:		return SIPUA_CS_COMPLETED;
	case nua_callstate_ready:		return SIPUA_CS_READY;
	case nua_callstate_terminating:		return SIPUA_CS_TERMINATING;
	default:				return SIPUA_CS_TERMINATED;
	}
}

/* Answer a 401/407 on our INVITE once with the trunk's credentials (RFC 3261 §22.2/§22.3). */
static bool call_authenticate(struct sipua_call *c, const sip_t *sip)
{
	const msg_param_t *params = NULL;
	char auth[AUTH_MAX];

	if (c->auth_tried || !sip)
		return false;
	if (sip->sip_proxy_authenticate)
		params = sip->sip_proxy_authenticate->au_params;
	else if (sip->sip_www_authenticate)
		params = sip->sip_www_authenticate->au_params;
	const char *realm = params ? msg_params_find(params, "realm=") : NULL;
	if (!realm || (c->auth_user[0] ? sip_digest_auth_str(realm, c->auth_user,
							   c->auth_password, auth, sizeof(auth))
				      : sip_trunk_auth(c->trunk, realm, auth, sizeof(auth))))
		return false;
	c->auth_tried = true;
	LOGI(LS_SIP, "call %s: challenged by realm %s, sending credentials", c->call_id, realm);
	nua_authenticate(c->nh, NUTAG_AUTH(auth), TAG_END());
	return true;
}

/* FNV-1a over a provisional response's status and body: a callee that sends the same 183
 * again (or a retransmission) tells the owner nothing new, and an unusable SDP in it would
 * be complained about on every copy. Never 0, which means "none yet". */
static uint32_t progress_hash(int status, const char *sdp)
{
	uint32_t h = 2166136261u ^ (uint32_t)status;

	for (const char *p = sdp; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h ? h : 1;
}

/* A 503 to our INVITE on a trunk named by a host name: is there another SRV target? */
static bool srv_retry(struct sipua_call *c)
{
	if (!c->invite_tags || !sip_trunk_srv_next(c->trunk, c->srv_tries + 1, c->srv_next,
						   sizeof(c->srv_next)))
		return false;
	c->srv_tries++;
	c->srv_retry = true;
	LOGN(LS_SIP, "call %s: 503 from SRV target %u of trunk %s: trying %s (RFC 3263 §4.3)",
	     c->call_id, c->srv_tries, sip_trunk_name(c->trunk), c->srv_next);
	return true;
}

static void on_invite_response(struct sipua_call *c, int status, const char *phrase,
			       const sip_t *sip)
{
	struct sipua_event ev = { .status = status, .phrase = phrase };
	char *sdp = body_dup(sip);
	char *reason = reason_dup(sip);

	ev.sdp = sdp;
	ev.reason = reason;
	if (status == 100 && sip && sip->sip_status && sip->sip_status->st_status == 422) {
		/* Sofia-SIP retries on its own: a 422 (RFC 4028 §7.1) with the Min-SE in it */
		if (sip->sip_min_se) {
			unsigned min = (unsigned)sip->sip_min_se->min_delta;
			LOGI(LS_SIP, "call %s: 422, the peer's Min-SE is %u s: INVITE again",
			     c->call_id, min);
			if (min > c->st.min_se)
				c->st.min_se = min;
			if (c->st.expires < c->st.min_se)
				c->st.expires = c->st.min_se;
		}
	} else if (c->answered && c->st_refreshing && !c->st_by_update && status >= 200) {
		if (c->late_out && status < 300)
			nua_ack(c->nh, TAG_END());
		c->reinvite_out = false;
		st_refresh_answered(c, status, sip);
		if (status < 300 && sdp) {
			/* RFC 3264 §8: the answer to an unchanged offer may still move the
			 * peer's media (a new port after a failover of its media server) */
			ev.type = SIPUA_EV_CALL_REFRESHED;
			call_emit(c, &ev);
		}
	} else if (status < 200) {
		uint32_t h = progress_hash(status, sdp);
		if (c->answered) {
			/* a 1xx to a re-INVITE: nothing for the owner */
		} else if (h == c->progress_hash) {
			LOGD(LS_SIP, "call %s: %d repeated, not reported again", c->call_id, status);
		} else {
			c->progress_hash = h;
			ev.type = SIPUA_EV_CALL_PROGRESS;
			call_emit(c, &ev);
		}
	} else if ((status == 401 || status == 407) && !c->answered && call_authenticate(c, sip)) {
		/* Resent with credentials; the answer to that is what counts. */
	} else if (c->answered) {
		/* 491: the peer's re-INVITE crossed ours (RFC 3261 §14.1); Sofia answered
		 * its one 491 too. Retrying is the owner's (a timer of its own). */
		if (status >= 300)
			LOGI(LS_SIP, "call %s: re-INVITE answered %d %s", c->call_id, status,
			     phrase ? phrase : "");
		c->reinvite_out = false;
		if (c->late_out && status < 300)
			nua_ack(c->nh, TAG_END());
		if (status < 300) {	/* a re-INVITE refreshes the session too (§7.4) */
			if (c->offer_sdp) {
				free(c->local_sdp);
				c->local_sdp = c->offer_sdp;
				c->offer_sdp = NULL;
			}
			st_note(c, sip);
			st_start(c, false);
		} else {
			free(c->offer_sdp);	/* the session keeps the old one */
			c->offer_sdp = NULL;
		}
		ev.type = SIPUA_EV_CALL_REINVITE_ANSWER;
		call_emit(c, &ev);
	} else if (status < 300 && c->cancelled) {
		/* The 2xx crossed our CANCEL (§9.1: the CANCEL then has no effect): nua has
		 * ACKed it; the call nobody wants ends with BYE (§15). The owner, who
		 * cancelled, hears of it only as TERMINATED. */
		LOGN(LS_SIP, "call %s: %d answer crossed our CANCEL: sending BYE", c->call_id,
		     status);
		c->bye_sent = true;
		if (c->late_out)
			nua_ack(c->nh, TAG_END());
		nua_bye(c->nh, TAG_IF(c->cancel_reason[0], SIPTAG_REASON_STR(c->cancel_reason)),
			TAG_END());
	} else if (status < 300) {
		c->answered = true;
		st_note(c, sip);
		st_start(c, false);
		c->ack_pending = c->late_out;
		ev.type = SIPUA_EV_CALL_ANSWERED;
		call_emit(c, &ev);
		if (c->ack_pending) {	/* the owner did not answer the offer */
			LOGN(LS_SIP, "call %s: 2xx to our INVITE without SDP: ACK without an "
			     "answer", c->call_id);
			(void)sipua_call_ack(c, NULL);
		}
	} else if (status == 503 && !c->cancelled && srv_retry(c)) {
		/* sent again to the next SRV target once nua has ended this attempt */
	} else {
		LOGN(LS_SIP, "call %s: INVITE failed: %d %s%s%s", c->call_id, status,
		     phrase ? phrase : "", reason ? ", Reason: " : "", reason ? reason : "");
		ev.type = SIPUA_EV_CALL_FAILED;
		call_emit(c, &ev);
		/* A challenge we do not answer leaves nua waiting for credentials: let go. */
		if (status == 401 || status == 407) {
			free(sdp);
			free(reason);
			call_destroy(c);
			return;
		}
	}
	free(sdp);
	free(reason);
}

/* A BYE (we answer them: NUTAG_APPL_METHOD). The callee must not send one on an early
 * dialog (RFC 3261 §15), but some do. Sofia-SIP 1.12, answering it while our INVITE is
 * still pending, orphans the INVITE's client request: its message and signal leak (~2.7 KB
 * a call). So end the INVITE first (CANCEL, §9.1) and answer the BYE once the INVITE has
 * its final response (or when the call goes, whichever is first). */
static void on_bye(struct sipua_call *c)
{
	if (!c->outgoing || c->answered || c->invite_final) {
		nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(c->ua->nua), TAG_END());
		return;
	}
	if (nua_save_event(c->ua->nua, c->bye_saved) != 1) {
		nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(c->ua->nua), TAG_END());
		return;
	}
	c->bye_held = true;
	if (!c->cancelled) {
		c->cancelled = true;
		LOGI(LS_SIP, "call %s: BYE on the early dialog: CANCEL first", c->call_id);
		nua_cancel(c->nh, TAG_END());
	}
}

/* An UPDATE (RFC 3311) in the dialog. Without a body it is a session refresh (RFC 4028
 * §7.4): 200 with Session-Expires as negotiated (§9). An offer in it we do not take (the
 * owner's offer/answer runs on INVITE): 488, and the session stays as it was (§5.2).
 * Sofia-SIP would answer it 200 by itself, without the answer the offer needs. */
static void on_update(struct sipua_call *c, const sip_t *sip)
{
	char se[48];
	bool we = false;

	if (sip && sip->sip_payload && sip->sip_payload->pl_len) {
		LOGN(LS_SIP, "call %s: UPDATE with an offer: 488, the session stays", c->call_id);
		nua_respond(c->nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_THIS(c->ua->nua), TAG_END());
		return;
	}
	st_note(c, sip);
	unsigned iv = c->answered ? st_negotiate(c, true, &we) : 0;
	snprintf(se, sizeof(se), "%u;refresher=%s", iv, we ? "uas" : "uac");
	/* Sofia-SIP adds Require: timer when the peer refreshes (§9) */
	nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(c->ua->nua),
		    TAG_IF(iv, SIPTAG_SESSION_EXPIRES_STR(se)), TAG_END());
	if (c->answered)
		st_start(c, true);
}

static void call_event(struct sipua_call *c, nua_event_t event, int status, const char *phrase,
		       const sip_t *sip, tagi_t tags[])
{
	struct sipua_event ev = { .status = status, .phrase = phrase };
	int cs = -1;

	call_note_id(c, sip);
	switch (event) {
	case nua_i_state:
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (cs < 0)
			break;
		if (cs == nua_callstate_terminated && c->srv_retry && !c->cancelled) {
			/* the same INVITE, a new transaction to the next target (§4.3) */
			c->srv_retry = false;
			c->invite_final = false;
			c->progress_hash = 0;
			set_state(c, SIPUA_CS_INIT);
			nua_set_hparams(c->nh, NUTAG_PROXY(c->srv_next), TAG_END());
			nua_invite(c->nh, TAG_NEXT(c->invite_tags));
			return;
		}
		if (cs == nua_callstate_terminated) {
			call_destroy(c);
			return;
		}
		set_state(c, map_callstate(cs));
		if (c->state == SIPUA_CS_READY && !c->confirmed) {
			c->confirmed = true;
			ev.type = SIPUA_EV_CALL_CONFIRMED;
			call_emit(c, &ev);
		}
		break;
	case nua_r_invite:
		if (status >= 200 && !c->answered)
			c->invite_final = true;
		on_invite_response(c, status, phrase, sip);
		if (c->invite_final)
			answer_held_bye(c);
		break;
	case nua_i_invite: {	/* re-INVITE (§14.2) */
		char *sdp = body_dup(sip);
		c->reinvite_in = true;
		st_note(c, sip);
		c->rq_sdp = body_dup_len(sip) > 0;
		ev.type = SIPUA_EV_CALL_REINVITE;
		ev.sdp = sdp;
		call_emit(c, &ev);
		free(sdp);
		break;
	}
	case nua_i_cancel:
	case nua_i_bye: {
		if (event == nua_i_bye)
			on_bye(c);
		char *reason = reason_dup(sip);
		LOGI(LS_SIP, "call %s: %s received%s%s", c->call_id,
		     event == nua_i_bye ? "BYE" : "CANCEL", reason ? ", Reason: " : "",
		     reason ? reason : "");
		ev.type = event == nua_i_bye ? SIPUA_EV_CALL_BYE : SIPUA_EV_CALL_CANCELLED;
		ev.reason = reason;
		if (event == nua_i_cancel)
			c->invite_in = false;
		call_emit(c, &ev);
		free(reason);
		break;
	}
	case nua_r_cancel:
		/* No INVITE left to cancel (481): its 487 will not come either. */
		if (status >= 300)
			answer_held_bye(c);
		/* fall through */
	case nua_r_bye:
		LOGD(LS_SIP, "call %s: %s answered %d %s", c->call_id, nua_event_name(event),
		     status, phrase ? phrase : "");
		break;
	case nua_i_ack:
		if (c->offer_in_2xx) {
			char *sdp = body_dup(sip);
			c->offer_in_2xx = false;
			LOGI(LS_SIP, "call %s: ACK %s the answer to our offer", c->call_id,
			     sdp ? "with" : "without");
			ev.type = SIPUA_EV_CALL_ACK;
			ev.sdp = sdp;
			call_emit(c, &ev);
			free(sdp);
		}
		break;
	case nua_i_update:	/* ours to answer (NUTAG_APPL_METHOD) */
		on_update(c, sip);
		break;
	case nua_r_update:
		if (status >= 200 && c->st_refreshing && c->st_by_update)
			st_refresh_answered(c, status, sip);
		break;
	case nua_i_error:
		LOGW(LS_SIP, "call %s: nua error %d %s", c->call_id, status, phrase ? phrase : "");
		break;
	case nua_i_options:	/* in the dialog: the call is there, whatever else is not */
		nua_respond(c->nh, SIP_200_OK, NUTAG_WITH_THIS(c->ua->nua), TAG_END());
		break;
	default:
		LOGD(LS_SIP, "call %s: %s %d %s", c->call_id, nua_event_name(event), status,
		     phrase ? phrase : "");
		break;
	}
}

/* A final answer to an INVITE that makes no call: Retry-After (503) or a WWW-Authenticate
 * challenge (401) when asked for. */
static void reject(struct sipua *ua, nua_handle_t *nh, int status, const char *phrase,
		   bool retry_after, const char *www)
{
	char ra[16];

	snprintf(ra, sizeof(ra), "%u", ua->retry_after);
	nua_handle_bind(nh, &ua->reject_ctx);
	nua_respond(nh, status, phrase, NUTAG_WITH_THIS(ua->nua),
		    TAG_IF(retry_after, SIPTAG_RETRY_AFTER_STR(ra)),
		    TAG_IF(www, SIPTAG_WWW_AUTHENTICATE_STR(www)),
		    TAG_IF(status == 415, SIPTAG_ACCEPT_STR("application/sdp")), TAG_END());
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, size, "%s:%u", host, port);
}

/* ---- Digest authentication of an INVITE from no trunk's address (RFC 3261 §22.4) ------ */

static bool any_inbound_auth(const struct sipua *ua)
{
	for (unsigned i = 0; i < ua->ntrunks; i++)
		if (sip_trunk_inbound_auth(ua->trunks[i]))
			return true;
	return false;
}

struct sip_trunk *sipua_trunk_by_auth_user(const struct sipua *ua, const char *user)
{
	for (unsigned i = 0; ua && i < ua->ntrunks; i++)
		if (sip_trunk_inbound_password(ua->trunks[i], user))
			return ua->trunks[i];
	return NULL;
}

struct auth_lookup {
	struct sipua *ua;
	struct sip_trunk *trunk;	/* the trunk whose user was asked for */
};

static const char *trunk_password(const char *user, void *arg)
{
	struct auth_lookup *lk = arg;

	lk->trunk = sipua_trunk_by_auth_user(lk->ua, user);
	return lk->trunk ? sip_trunk_inbound_password(lk->trunk, user) : NULL;
}

/* The credentials meant for us: the first Authorization for our realm (a UAC may send one
 * per realm, §22.4), else the first one, which then fails with the reason. */
static const sip_authorization_t *our_credentials(const struct sipua *ua, const sip_t *sip)
{
	for (const sip_authorization_t *au = sip->sip_authorization; au; au = au->au_next) {
		const char *realm = msg_params_find(au->au_params, "realm=");
		if (realm && !auth_strcmp(realm, ua->realm))
			return au;
	}
	return sip->sip_authorization;
}

/* Did Sofia-SIP's parser refuse an Authorization header of this request? */
static bool authorization_unparsable(const sip_t *sip)
{
	for (const msg_error_t *e = sip->sip_error; e; e = e->er_next)
		if (e->er_name && !strcasecmp(e->er_name, "Authorization"))
			return true;
	return false;
}

static void challenge(struct sipua *ua, nua_handle_t *nh, bool stale)
{
	char www[SIP_AUTH_CHALLENGE_MAX];

	if (sip_auth_challenge(ua->auth, clock_now_us() / 1000, stale, www, sizeof(www))) {
		reject(ua, nh, SIP_500_INTERNAL_SERVER_ERROR, false, NULL);	/* sizes fixed */
		return;
	}
	reject(ua, nh, SIP_401_UNAUTHORIZED, false, www);
}

/* An INVITE from an address no trunk names, with some trunk on inbound_auth: challenge it,
 * or check its answer. Return the trunk it authenticated for, with the digest user in
 * user; NULL when a 401 or 403 has been sent. */
static struct sip_trunk *authenticate(struct sipua *ua, nua_handle_t *nh, const sip_t *sip,
				      const char *cid, const char *from, const char *tp,
				      char user[SIP_AUTH_USER_LOG_MAX])
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const sip_authorization_t *au = our_credentials(ua, sip);
	struct auth_lookup lk = { .ua = ua };
	struct sip_auth_verdict v;

	if (!au && authorization_unparsable(sip)) {
		LOGW(LS_SIP, "INVITE %s from %s/%s: digest authentication failed, user -: "
		     "malformed Authorization header: 403 Forbidden", cid, from, tp);
		reject(ua, nh, SIP_403_FORBIDDEN, false, NULL);
		return NULL;
	}
	if (!au) {
		LOGI(LS_SIP, "INVITE %s from %s/%s matches no trunk's address: 401, digest "
		     "challenge for realm %s", cid, from, tp, ua->realm);
		challenge(ua, nh, false);
		return NULL;
	}
	struct sip_auth_request rq = {
		.method = sip->sip_request->rq_method_name,
		.uri = url_as_string(home, sip->sip_request->rq_url),
		.scheme = au->au_scheme,
		.params = au->au_params,
	};
	if (!rq.uri)
		rq.uri = "";
	sip_auth_verify(ua->auth, clock_now_us() / 1000, &rq, trunk_password, &lk, &v);
	su_home_deinit(home);
	switch (v.result) {
	case SIP_AUTH_OK:
		snprintf(user, SIP_AUTH_USER_LOG_MAX, "%s", v.user);
		return lk.trunk;
	case SIP_AUTH_STALE:
		LOGI(LS_SIP, "INVITE %s from %s/%s, user %s: nonce expired: 401 with stale=true",
		     cid, from, tp, v.user);
		challenge(ua, nh, true);
		return NULL;
	case SIP_AUTH_REJECT:
		break;
	}
	LOGW(LS_SIP, "INVITE %s from %s/%s: digest authentication failed, user %s: %s: "
	     "403 Forbidden", cid, from, tp, v.user[0] ? v.user : "-", v.reason);
	reject(ua, nh, SIP_403_FORBIDDEN, false, NULL);
	return NULL;
}

/* ---- Incoming INVITE ----------------------------------------------------------------- */

static void incoming_invite(struct sipua *ua, nua_handle_t *nh, const sip_t *sip)
{
	msg_t *msg = nua_current_request(ua->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
	const struct sockaddr *sa = ai ? ai->ai_addr : NULL;
	bool tcp = ai && ai->ai_protocol == IPPROTO_TCP;
	/* TLS runs over TCP: the sender's Via names which (RFC 3261 §18.2.1) */
	enum sip_transport in_tp = !tcp ? SIP_TP_UDP
		: sip && sip->sip_via && sip->sip_via->v_protocol &&
		  !strcasecmp(sip->sip_via->v_protocol, sip_transport_tls) ? SIP_TP_TLS : SIP_TP_TCP;
	const char *tpname = sip_transport_name(in_tp);
	const char *cid = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "-";
	struct sip_trunk *trunk = NULL;
	char from[INET6_ADDRSTRLEN + 8], auth_user[SIP_AUTH_USER_LOG_MAX] = "";

	addr_text(sa, from, sizeof(from));
	/* By address and transport first: a UDP, a TCP and a TLS trunk to the same host (a
	 * proxy such as Kamailio sending every way) are three trunks; then by address alone. */
	for (int pass = 0; pass < 2 && !trunk; pass++)
		for (unsigned i = 0; sa && i < ua->ntrunks && !trunk; i++)
			if (sip_trunk_match_source(ua->trunks[i], sa, tcp) &&
			    (pass || sip_trunk_transport(ua->trunks[i]) == in_tp))
				trunk = ua->trunks[i];
	if (!trunk && sip && sip->sip_request && any_inbound_auth(ua)) {
		trunk = authenticate(ua, nh, sip, cid, from, tpname, auth_user);
		if (!trunk)
			return;
	}
	if (!trunk) {
		LOGW(LS_SIP, "INVITE %s from %s/%s matches no trunk: 403 Forbidden", cid, from,
		     tpname);
		reject(ua, nh, SIP_403_FORBIDDEN, false, NULL);
		return;
	}
	if (body_not_sdp(sip)) {
		LOGN(LS_SIP, "INVITE %s from trunk %s: body of type %s, not SDP: 415", cid,
		     sip_trunk_name(trunk), sip->sip_content_type->c_type);
		reject(ua, nh, SIP_415_UNSUPPORTED_MEDIA, false, NULL);
		return;
	}
	if (ua->max_calls && ua->ncalls >= ua->max_calls) {
		LOGW(LS_SIP, "INVITE %s from trunk %s: %u calls, limit reached: 503, Retry-After %u",
		     cid, sip_trunk_name(trunk), ua->ncalls, ua->retry_after);
		reject(ua, nh, SIP_503_SERVICE_UNAVAILABLE, true, NULL);
		return;
	}
	struct sipua_call *c = call_new(ua, trunk, false);
	if (!c) {
		LOGE(LS_SIP, "INVITE %s: out of memory: 500", cid);
		reject(ua, nh, SIP_500_INTERNAL_SERVER_ERROR, false, NULL);
		return;
	}
	c->nh = nh;
	c->invite_in = true;
	call_note_id(c, sip);
	st_note(c, sip);
	c->rq_sdp = body_dup_len(sip) > 0;
	c->rq_100rel_required = sip && sip_has_feature(sip->sip_require, "100rel");
	c->rq_100rel = c->rq_100rel_required || (sip && sip_has_feature(sip->sip_supported,
									"100rel"));
	nua_handle_bind(nh, &c->ctx);
	if (tcp)	/* our answers' Contact: the peer's in-dialog requests stay on TCP/TLS */
		nua_set_hparams(nh, NUTAG_M_PARAMS(sip_contact_params(in_tp)), TAG_END());
	call_link(ua, c);
	set_state(c, SIPUA_CS_RECEIVED);

	char display[128] = "", pai_display[128] = "", privacy[128] = "";
	const sip_from_t *f = sip ? sip->sip_from : NULL;
	if (f && f->a_display)
		display_unquote(f->a_display, display, sizeof(display));
	/* RFC 3325 §9.1: one sip: and one tel: identity at most; either names the caller */
	const sip_p_asserted_identity_t *pai = sip ? sip_p_asserted_identity(sip) : NULL;
	if (pai && pai->paid_display)
		display_unquote(pai->paid_display, pai_display, sizeof(pai_display));
	privacy_str(sip, privacy, sizeof(privacy));
	char *sdp = body_dup(sip);
	char *reason = reason_dup(sip);
	char *alert = alert_info_dup(sip);
	struct sipua_event ev = {
		.type = SIPUA_EV_CALL_INCOMING,
		.ruri_user = sip && sip->sip_request ? sip->sip_request->rq_url->url_user : NULL,
		.from_user = f ? f->a_url->url_user : NULL,
		.from_host = f ? f->a_url->url_host : NULL,
		.from_display = display[0] ? display : NULL,
		.pai_user = pai ? pai->paid_url->url_user : NULL,
		.pai_display = pai_display[0] ? pai_display : NULL,
		.privacy = privacy[0] ? privacy : NULL,
		.auth_user = auth_user[0] ? auth_user : NULL,
		.sdp = sdp,
		.reason = reason,
		.diversion = unknown_header(sip, "Diversion"),
		.history_info = unknown_header(sip, "History-Info"),
		.alert_info = alert,
	};
	LOGN(LS_SIP, "call %s: INVITE from trunk %s (%s%s%s), to %s, from %s", c->call_id,
	     sip_trunk_name(trunk), from, auth_user[0] ? ", digest user " : "", auth_user,
	     ev.ruri_user ? ev.ruri_user : "-", ev.from_user ? ev.from_user : "-");
	call_emit(c, &ev);
	free(sdp);
	free(reason);
	free(alert);
}

/* ---- Health: OPTIONS, inbound TCP, Sofia-SIP's own log ------------------------------- */

/* RFC 3261 §11.2: OPTIONS is answered as an INVITE would be. A load balancer probes us
 * with it: 503 when the owner cannot take calls or our fds are nearly gone. */
static void answer_options(struct sipua *ua, nua_handle_t *nh)
{
	bool ready = !ua->fds_low && ua->ready(ua->arg);
	char ra[16];

	snprintf(ra, sizeof(ra), "%u", ua->retry_after);
	nua_respond(nh, ready ? 200 : 503, ready ? sip_200_OK : sip_503_Service_unavailable,
		    NUTAG_WITH_THIS(ua->nua), TAG_IF(!ready, SIPTAG_RETRY_AFTER_STR(ra)),
		    TAG_END());
	if (!ready)
		LOGD(LS_SIP, "OPTIONS answered 503 (%s)", ua->fds_low ? "fds nearly all used"
						: "the gateway cannot take calls");
}

/* The trunk whose address the request being handled comes from, or NULL. */
static struct sip_trunk *request_trunk(struct sipua *ua)
{
	msg_t *msg = nua_current_request(ua->nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;
	bool tcp = ai && ai->ai_protocol == IPPROTO_TCP;

	for (unsigned i = 0; ai && i < ua->ntrunks; i++)
		if (sip_trunk_match_source(ua->trunks[i], ai->ai_addr, tcp))
			return ua->trunks[i];
	return NULL;
}

/* An unsolicited NOTIFY (RFC 3842 §3.2: message-summary, outside any subscription): from a
 * trunk's address only (403 otherwise); 489 for another event package (RFC 6665 §8.3.1 /
 * RFC 3265 §3.2.4), 400 for a body that breaks §5.2, then the owner's verdict for the
 * Request-URI's user: 200, or 481 when no port is that user. */
static void on_notify(struct sipua *ua, nua_handle_t *nh, const sip_t *sip)
{
	const char *cid = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "?";
	const char *user = sip && sip->sip_request && sip->sip_request->rq_url->url_user ?
			   sip->sip_request->rq_url->url_user : "";
	int status = 481;
	const char *phrase = NULL;
	char err[128] = "";

	if (!sip) {
		nua_respond(nh, SIP_400_BAD_REQUEST, NUTAG_WITH_THIS(ua->nua), TAG_END());
		return;
	}
	struct sip_trunk *trunk = request_trunk(ua);
	if (!trunk) {
		LOGW(LS_SIP, "NOTIFY %s from no trunk's address: 403", cid);
		nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(ua->nua), TAG_END());
		return;
	}
	if (!sip->sip_event || strcasecmp(sip->sip_event->o_type, "message-summary")) {
		LOGN(LS_SIP, "NOTIFY %s for event %s: 489", cid,
		     sip->sip_event ? sip->sip_event->o_type : "(none)");
		nua_respond(nh, SIP_489_BAD_EVENT, NUTAG_WITH_THIS(ua->nua),
			    SIPTAG_ALLOW_EVENTS_STR("message-summary"), TAG_END());
		return;
	}
	struct mwi_summary ms;
	const char *body = sip->sip_payload ? sip->sip_payload->pl_data : NULL;
	size_t len = sip->sip_payload ? sip->sip_payload->pl_len : 0;
	if (mwi_summary_parse(body, len, &ms, err, sizeof(err))) {
		LOGN(LS_SIP, "NOTIFY %s for %s: message-summary unreadable (%s): 400", cid, user,
		     err);
		nua_respond(nh, 400, "Bad message-summary", NUTAG_WITH_THIS(ua->nua), TAG_END());
		return;
	}
	if (ua->mwi)
		status = ua->mwi(sip_trunk_name(trunk), user, &ms, ua->arg);
	if (status == 481)
		phrase = "Subscription does not exist";
	LOGI(LS_SIP, "NOTIFY %s: message-summary for %s: messages waiting %s: %d", cid, user,
	     ms.waiting ? "yes" : "no", status);
	nua_respond(nh, status, phrase ? phrase : sip_status_phrase(status),
		    NUTAG_WITH_THIS(ua->nua), TAG_END());
}

static void guard_tick(su_root_magic_t *magic, su_timer_t *t, struct sipua *ua)
{
	static struct log_ratelimit rl;
	struct sip_tcp_guard_report r;
	unsigned suppressed;

	(void)magic;
	(void)t;
	(void)sip_tcp_guard_sweep(&ua->guard, &r);
	if ((r.shut_idle || r.shut_excess) &&
	    log_ratelimit_ok(&rl, clock_now_us() / 1000, 5, 10000, &suppressed))
		LOGN(LS_SIP, "inbound TCP: closed %u idle and %u over %u per address, %u left%s",
		     r.shut_idle, r.shut_excess, ua->guard.per_addr, r.conns - r.shut_idle -
		     r.shut_excess, suppressed ? " (earlier reports suppressed)" : "");
	bool low = r.fd_limit && (uint64_t)r.fds * 100 >= (uint64_t)r.fd_limit * FDS_LOW_PERCENT;
	if (low != ua->fds_low)
		LOG_AT(LS_SIP, low ? LL_WARN : LL_NOTICE, "%u of %u fds in use: %s", r.fds,
		       r.fd_limit, low ? "answering OPTIONS 503" : "OPTIONS answered 200 again");
	ua->fds_low = low;
}

/* Sofia-SIP prints to stderr by itself, in fragments, and under fd exhaustion hundreds
 * of thousands of times a second ("accept: Too many open files"): into our log, whole
 * lines, rate-limited. Return the whole line when one is complete, else NULL. */
static const char *sofia_line(char const *fmt, va_list ap)
{
	static char line[512], whole[512];
	static size_t len;
	static struct log_ratelimit rl;
	unsigned suppressed;
	int n;

	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n < 0)
		return NULL;
	len = len + (size_t)n >= sizeof(line) ? sizeof(line) - 1 : len + (size_t)n;
	if (len < sizeof(line) - 1 && (!len || line[len - 1] != '\n'))
		return NULL;	/* a fragment: wait for the end of the line */
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len && log_ratelimit_ok(&rl, clock_now_us() / 1000, 20, 10000, &suppressed)) {
		if (suppressed)
			LOGW(LS_SIP, "sofia-sip: %u lines suppressed", suppressed);
		LOGN(LS_SIP, "sofia-sip: %s", line);
	}
	memcpy(whole, line, len + 1);
	len = 0;
	return whole;
}

/* ---- SIP trace ------------------------------------------------------------------------
 * Sofia logs each message it sends or receives (TPTAG_LOG, always on) through su_log; the
 * reassembler (sip/trace.h) swallows those pieces whether or not a trace is on, and hands
 * whole messages to trace_msg() while one is. */
#define TRACE_FLUSH_MS	500	/* [ms] buffered records reach the file at least this often */
#define TRACE_CONN_MS	2000	/* [ms] a connection's local address found is good this long */

static struct sip_tplog tplog;
static struct sipua *trace_ua;		/* the UA that traces, NULL: none */

static void trace_stop(struct sipua *ua)
{
	if (ua->trace_timer)
		su_timer_destroy(ua->trace_timer);
	ua->trace_timer = NULL;
	int err = sip_trace_close(ua->trace);
	if (err)
		LOGE(LS_SIP, "SIP trace: cannot write the file: %s", strerror(err));
	ua->trace = NULL;
	tplog.collect = false;
	tplog.h = NULL;
	trace_ua = NULL;
	sip_tplog_free(&tplog);
}

static size_t sa_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static bool sa_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && !memcmp(a, b, sa_len(a));
}

static bool sa_any(const struct sockaddr_storage *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr == INADDR_ANY;
	return !memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr, &any6,
		       sizeof(any6));
}

static void sa_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
}

/* Our side of the TCP connection with peer: the socket of ours connected to it (Sofia keeps
 * the fd; we only ask the kernel), remembered a while. false: none found. */
static bool conn_local(struct sipua *ua, const struct sockaddr_storage *peer,
		       struct sockaddr_storage *local)
{
	uint64_t now = clock_now_us() / 1000;
	struct trace_conn *free_slot = &ua->trace_conns[0];

	for (unsigned i = 0; i < sizeof(ua->trace_conns) / sizeof(ua->trace_conns[0]); i++) {
		struct trace_conn *c = &ua->trace_conns[i];
		if (c->at && now - c->at < TRACE_CONN_MS && sa_same(&c->peer, peer)) {
			*local = c->local;
			return true;
		}
		if (c->at < free_slot->at)
			free_slot = c;
	}
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		int fd = atoi(e->d_name), type = 0;
		socklen_t tl = sizeof(type), pl = sizeof(struct sockaddr_storage), ll = pl;
		struct sockaddr_storage p, l;
		struct stat st;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d) ||
		    fstat(fd, &st) || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM ||
		    getpeername(fd, (struct sockaddr *)&p, &pl) || !sa_same(&p, peer) ||
		    getsockname(fd, (struct sockaddr *)&l, &ll))
			continue;
		*local = l;
		found = true;
	}
	if (d)
		closedir(d);
	if (found)
		*free_slot = (struct trace_conn){ .peer = *peer, .local = *local, .at = now };
	return found;
}

/* Our address towards peer when we listen on the wildcard: the kernel's route choice (a
 * UDP connect sends nothing). */
static void route_source(const struct sockaddr_storage *peer, struct sockaddr_storage *local)
{
	int fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t ll = sizeof(*local);
	struct sockaddr_storage l;

	if (fd < 0)
		return;
	if (!connect(fd, (const struct sockaddr *)peer, (socklen_t)sa_len(peer)) &&
	    !getsockname(fd, (struct sockaddr *)&l, &ll) && l.ss_family == local->ss_family) {
		uint16_t port = ntohs(local->ss_family == AF_INET6
				      ? ((struct sockaddr_in6 *)(void *)local)->sin6_port
				      : ((struct sockaddr_in *)(void *)local)->sin_port);
		*local = l;
		sa_set_port(local, port);
	}
	close(fd);
}

/* The Call-ID header's value (RFC 3261 §20.8, compact form "i"), or "". */
static void header_call_id(const char *msg, size_t len, char *buf, size_t size)
{
	const char *end = msg + len;

	buf[0] = '\0';
	for (const char *p = msg; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '\r'))
			return;	/* the end of the headers */
		const char *v = NULL;
		if (n > 8 && !strncasecmp(p, "Call-ID", 7))
			v = p + 7;
		else if (n > 2 && (p[0] == 'i' || p[0] == 'I') && (p[1] == ':' || p[1] == ' ' ||
								  p[1] == '\t'))
			v = p + 1;
		if (v) {
			while (v < p + n && (*v == ' ' || *v == '\t'))
				v++;
			if (v < p + n && *v == ':') {
				v++;
				while (v < p + n && (*v == ' ' || *v == '\t'))
					v++;
				size_t k = (size_t)(p + n - v);
				while (k && (v[k - 1] == '\r' || v[k - 1] == ' ' || v[k - 1] == '\t'))
					k--;
				snprintf(buf, size, "%.*s", (int)k, v);
				return;
			}
		}
		p += n + 1;
	}
}

/* Whether the Call-ID is one of the trunk's calls up. */
static bool trunk_call(const struct sipua *ua, const struct sip_trunk *t, const char *cid)
{
	for (const struct sipua_call *c = ua->calls; c && cid[0]; c = c->next)
		if (c->trunk == t && !strcmp(c->call_id, cid))
			return true;
	return false;
}

static bool trace_wants(struct sipua *ua, const struct sip_tplog_msg *m, bool tcp)
{
	char cid[CALL_ID_MAX], host[256];
	struct sip_trunk *t = NULL;

	if (ua->trace_scope == SIPUA_TRACE_ALL)
		return true;
	header_call_id(m->data, m->len, cid, sizeof(cid));
	switch (ua->trace_scope) {
	case SIPUA_TRACE_ALL:
		return true;
	case SIPUA_TRACE_TRUNK:
		for (unsigned i = 0; i < ua->ntrunks && !t; i++)
			if (!strcmp(sip_trunk_name(ua->trunks[i]), ua->trace_what))
				t = ua->trunks[i];
		if (!t)
			return false;	/* removed by a reload: nothing of it any more */
		/* A proxy named by a host name: Sofia-SIP resolved it (RFC 3263) for this
		 * request, which names it; where it went and its Call-ID are the trunk's. */
		if (m->sent && !sip_msg_request_host(m->data, m->len, host, sizeof(host)) &&
		    sip_trunk_is_host(t, host)) {
			sip_trunk_trace_learn(t, (const struct sockaddr *)&m->peer, cid);
			return true;
		}
		return sip_trunk_trace_match(t, (const struct sockaddr *)&m->peer, tcp, cid) ||
		       trunk_call(ua, t, cid);
	case SIPUA_TRACE_CALL:
		return !strcmp(cid, ua->trace_what);
	}
	return false;
}

static void trace_msg(const struct sip_tplog_msg *m, void *arg)
{
	struct sipua *ua = arg;
	bool tcp = strcmp(m->proto, "udp") != 0, tls = !strcmp(m->proto, "tls");
	struct sockaddr_storage local = ua->bind_addr;

	if (!ua->trace || !trace_wants(ua, m, tcp))
		return;
	if (local.ss_family != m->peer.ss_family)
		local.ss_family = m->peer.ss_family;	/* Sofia bound both: the peer's family */
	sa_set_port(&local, tls ? ua->tls_port : ua->port);
	if (!tcp || !conn_local(ua, &m->peer, &local)) {
		if (sa_any(&local) || local.ss_family != ua->bind_addr.ss_family)
			route_source(&m->peer, &local);
	}
	struct sip_trace_msg tm = {
		.tcp = tcp,
		.src = (const struct sockaddr *)(m->sent ? &local : &m->peer),
		.dst = (const struct sockaddr *)(m->sent ? &m->peer : &local),
		.tv = m->tv,
		.data = m->data,
		.len = m->len,
	};
	int err = sip_trace_write(ua->trace, &tm);

	if (err == EFBIG) {
		LOGW(LS_SIP, "SIP trace %s reached its size cap (trace_max_mb, %" PRIu64 " bytes "
		     "written): trace off", sip_trace_path(ua->trace), sip_trace_bytes(ua->trace));
		trace_stop(ua);
	} else if (err == EIO) {
		LOGE(LS_SIP, "SIP trace %s: cannot write: trace off", sip_trace_path(ua->trace));
		trace_stop(ua);
	}
}

static void trace_tick(su_root_magic_t *magic, su_timer_t *t, struct sipua *ua)
{
	(void)magic;
	(void)t;
	if (ua->trace && sip_trace_flush(ua->trace)) {
		LOGE(LS_SIP, "SIP trace %s: cannot write: trace off", sip_trace_path(ua->trace));
		trace_stop(ua);
	}
}

static const char *const scope_names[] = { "all", "trunk", "call" };

int sipua_trace_on(struct sipua *ua, const struct sipua_trace_spec *s)
{
	struct sip_trace *t = NULL;
	bool found = s->scope != SIPUA_TRACE_TRUNK;
	int err;

	if (trace_ua && trace_ua != ua)
		return EBUSY;
	for (unsigned i = 0; !found && i < ua->ntrunks; i++)
		found = s->what && !strcmp(sip_trunk_name(ua->trunks[i]), s->what);
	if (!found)
		return ENOENT;
	if (s->scope != SIPUA_TRACE_ALL && (!s->what || !s->what[0] ||
					     strlen(s->what) >= sizeof(ua->trace_what)))
		return EINVAL;
	if ((err = sip_trace_open(&t, s->path, s->max_bytes)))
		return err;
	if (ua->trace)
		trace_stop(ua);
	ua->trace_timer = su_timer_create(su_root_task(ua->root), TRACE_FLUSH_MS);
	if (!ua->trace_timer || su_timer_run(ua->trace_timer, trace_tick, ua)) {
		if (ua->trace_timer)
			su_timer_destroy(ua->trace_timer);
		ua->trace_timer = NULL;
		sip_trace_close(t);
		return ENOMEM;
	}
	ua->trace = t;
	ua->trace_scope = s->scope;
	snprintf(ua->trace_what, sizeof(ua->trace_what), "%s",
		 s->scope == SIPUA_TRACE_ALL ? "" : s->what);
	memset(ua->trace_conns, 0, sizeof(ua->trace_conns));
	trace_ua = ua;
	tplog.h = trace_msg;
	tplog.arg = ua;
	tplog.collect = true;
	LOGN(LS_SIP, "SIP trace on: %s%s%s to %s", scope_names[s->scope],
	     ua->trace_what[0] ? " " : "", ua->trace_what, s->path);
	return 0;
}

int sipua_trace_off(struct sipua *ua, uint64_t *msgs)
{
	if (!ua->trace)
		return ENOENT;
	if (msgs)
		*msgs = sip_trace_messages(ua->trace);
	LOGN(LS_SIP, "SIP trace off: %" PRIu64 " messages in %s", sip_trace_messages(ua->trace),
	     sip_trace_path(ua->trace));
	trace_stop(ua);
	return 0;
}

void sipua_trace_describe(const struct sipua *ua, char *buf, size_t len)
{
	if (!ua->trace) {
		snprintf(buf, len, "off");
		return;
	}
	snprintf(buf, len, "%s%s%s to %s: %" PRIu64 " messages, %" PRIu64 " bytes",
		 scope_names[ua->trace_scope], ua->trace_what[0] ? " " : "", ua->trace_what,
		 sip_trace_path(ua->trace), sip_trace_messages(ua->trace),
		 sip_trace_bytes(ua->trace));
}

static void sofia_log(void *stream, char const *fmt, va_list ap)
{
	(void)stream;
	if (sip_tplog_feed(&tplog, fmt, ap))
		return;	/* a piece of a message: the trace's, never the log's */
	(void)sofia_line(fmt, ap);
}

/* ---- TLS refusals ----------------------------------------------------------------------
 * Sofia-SIP 1.12.11 refuses a TLS peer whose certificate fails verification (tport_tls.c:
 * the chain, the dates, or the name: RFC 5922 §7.2) but tells nobody: the connection is
 * dropped and the request waits for its timer (32 s for an INVITE), then fails 408. What
 * it does say is in its transport log, which we read: "err 10:certificate has expired"
 * (after "subject = /CN=...") from its verify callback, "Peer Subject Mismatch (host)" from
 * its name check. We then log which trunk, which peer and why, and fail at once what waits
 * on that peer: the trunk's OPTIONS probe, and its calls that have had no answer yet, with
 * 503 and Reason Q.850 cause 27 (destination out of order: no signalling message could be
 * delivered to it). RFC 3398 maps no transport failure; 41, its cause for 503, says
 * "temporary", which a refused certificate is not. Both are failover_causes: a route tries
 * its next destination. The
 * name check names the host; a verify error names only the certificate's subject, so it
 * goes to the TLS trunk whose host the subject names, else to every TLS trunk with a
 * request outstanding. */
extern su_log_t tport_log[];

static struct sipua *tls_watch_ua;	/* the UA whose TLS refusals tport_log reports */

static void tls_refused(struct sipua *ua, const char *host, const char *reason)
{
	char th[272];
	bool named = false;

	for (unsigned i = 0; host && i < ua->ntrunks; i++)
		named |= sip_trunk_transport(ua->trunks[i]) == SIP_TP_TLS &&
			 !strcasecmp(sip_trunk_host(ua->trunks[i], th, sizeof(th)), host);
	for (unsigned i = 0; i < ua->ntrunks; i++) {
		struct sip_trunk *t = ua->trunks[i];
		bool waiting = false;

		if (sip_trunk_transport(t) != SIP_TP_TLS ||
		    (named && strcasecmp(sip_trunk_host(t, th, sizeof(th)), host)))
			continue;
		for (struct sipua_call *c = ua->calls; c && !waiting; c = c->next)
			waiting = c->trunk == t && c->outgoing && c->state == SIPUA_CS_CALLING;
		if (!named && !waiting)
			continue;
		sip_trunk_tls_refused(t, reason);
		for (struct sipua_call *c = ua->calls, *next; c; c = next) {
			next = c->next;
			if (c->trunk != t || !c->outgoing || c->state != SIPUA_CS_CALLING)
				continue;
			struct sipua_event ev = {
				.type = SIPUA_EV_CALL_FAILED,
				.status = 503,
				.phrase = "TLS peer refused",
				.reason = "Q.850;cause=27;text=\"TLS peer refused\"",
			};
			LOGN(LS_SIP, "call %s: INVITE failed: TLS peer %s refused (%s): 503, cause 27",
			     c->call_id, sip_trunk_hostport(t), reason);
			call_emit(c, &ev);
			call_destroy(c);	/* the INVITE never left: nothing to CANCEL */
		}
	}
}

static void tls_refused_tick(su_root_magic_t *magic, su_timer_t *t, struct sipua *ua)
{
	(void)magic;
	(void)t;
	tls_refused(ua, ua->tls_host[0] ? ua->tls_host : NULL, ua->tls_reason);
}

/* In Sofia's transport code: note the refusal, act on it from the loop (the owner's event
 * handlers may well send requests). Of several errors in one handshake the last counts. */
static void tport_log_h(void *stream, char const *fmt, va_list ap)
{
	static char subject[160];
	const char *line = sofia_line(fmt, ap), *p;
	struct sipua *ua = tls_watch_ua;

	(void)stream;
	if (!line || !ua)
		return;
	if ((p = strstr(line, "subject  = "))) {
		snprintf(subject, sizeof(subject), "%s", p + 11);
		return;
	} else if (!strncmp(line, "  err ", 6) && (p = strchr(line, ':'))) {
		snprintf(ua->tls_reason, sizeof(ua->tls_reason), "%s (certificate %s)", p + 1,
			 subject);
		const char *cn = strstr(subject, "CN=");
		snprintf(ua->tls_host, sizeof(ua->tls_host), "%.*s",
			 cn ? (int)strcspn(cn + 3, "/,") : 0, cn ? cn + 3 : "");
	} else if ((p = strstr(line, "Peer Subject Mismatch (")) && !strstr(p, "incoming")) {
		snprintf(ua->tls_host, sizeof(ua->tls_host), "%.*s", (int)strcspn(p + 23, ")"),
			 p + 23);
		snprintf(ua->tls_reason, sizeof(ua->tls_reason), "its certificate does not name %s",
			 ua->tls_host);
	} else {
		return;
	}
	su_timer_set_interval(ua->tls_timer, tls_refused_tick, ua, 1);
}

/* ---- The nua callback ----------------------------------------------------------------- */

static void nua_callback(nua_event_t event, int status, char const *phrase, nua_t *nua,
			 nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic,
			 sip_t const *sip, tagi_t tags[])
{
	struct sipua *ua = magic;
	struct sip_hctx *ctx = hmagic;
	int cs = -1;

	(void)nua;
	if (event == nua_r_shutdown) {
		LOGD(LS_SIP, "nua shutdown: %d %s", status, phrase ? phrase : "");
		if (status >= 200)
			ua->shutdown_done = true;
		return;
	}
	if (!ctx) {
		switch (event) {
		case nua_i_invite:
			incoming_invite(ua, nh, sip);
			break;
		case nua_i_options:	/* ours to answer: NUTAG_APPL_METHOD */
			answer_options(ua, nh);
			nua_handle_destroy(nh);
			break;
		case nua_i_state:
			tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
			if (cs == nua_callstate_terminated && nh)
				nua_handle_destroy(nh);
			break;
		case nua_i_notify:	/* ours to answer */
			on_notify(ua, nh, sip);
			nua_handle_destroy(nh);
			break;
		case nua_i_bye:		/* ours to answer (on_bye()); no call here */
		case nua_i_update:	/* ours too (on_update()) */
			nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(ua->nua), TAG_END());
			break;
		default:
			LOGD(LS_SIP, "unbound %s %d %s", nua_event_name(event), status,
			     phrase ? phrase : "");
			break;
		}
		return;
	}
	switch (ctx->kind) {
	case SIP_HK_CALL:
		call_event((struct sipua_call *)ctx, event, status, phrase, sip, tags);
		break;
	case SIP_HK_REGISTER:
		sip_reg_nua_event(ctx, event, status, phrase, nh, sip);
		break;
	case SIP_HK_OPTIONS:
		sip_trunk_nua_event(ctx, event, status, phrase, nh, sip);
		break;
	case SIP_HK_SUBSCRIBE:
		sip_mwi_sub_nua_event(ctx, event, status, phrase, nh, sip, tags);
		break;
	case SIP_HK_REJECT:
		if (event == nua_i_bye)		/* ours to answer, even here */
			nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(ua->nua), TAG_END());
		else if (event == nua_i_update)
			nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(ua->nua),
				    TAG_END());
		tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
		if (event == nua_i_state && cs == nua_callstate_terminated) {
			nua_handle_bind(nh, NULL);
			nua_handle_destroy(nh);
		}
		break;
	}
}

/* ---- The UA ------------------------------------------------------------------------------ */

/* The URL Sofia binds and names itself by: "scheme:ADDR:PORT;transport", or with an
 * external address (NAT) "scheme:EXT:PORT;maddr=ADDR;transport": the socket is bound to
 * maddr, while the host part is what our Via sent-by and Contact say (RFC 3261 §18.1.1,
 * §8.1.1.8), so that a trunk beyond the NAT answers and calls back to the public side. */
static int fmt_bind_url(char *url, size_t size, const char *scheme,
			const struct sipua_params *p, uint16_t port, const char *tp)
{
	const char *ext = p->external_addr && p->external_addr[0] ? p->external_addr : NULL;
	bool v6 = strchr(p->addr, ':') != NULL, ev6 = ext && strchr(ext, ':');
	int n;

	if (ext)
		n = snprintf(url, size, "%s:%s%s%s:%u;maddr=%s%s%s%s", scheme, ev6 ? "[" : "", ext,
			     ev6 ? "]" : "", port, v6 ? "[" : "", p->addr, v6 ? "]" : "", tp);
	else
		n = snprintf(url, size, "%s:%s%s%s:%u%s", scheme, v6 ? "[" : "", p->addr,
			     v6 ? "]" : "", port, tp);
	return n < 0 || (size_t)n >= size ? EINVAL : 0;
}

int sipua_alloc(struct sipua **uap, const struct sipua_params *p)
{
	struct sipua *ua;
	char url[URI_MAX];
	const char *tp = "";
	int err;

	if (!uap || !p || !p->root || !p->addr || !p->port ||
	    (p->transports & ~(unsigned)(SIPUA_TP_UDP | SIPUA_TP_TCP)))
		return EINVAL;
	if (p->tls_port && (!p->tls_cert || !p->tls_cert[0] || !p->tls_key || !p->tls_key[0])) {
		LOGE(LS_SIP, "SIP over TLS needs a certificate and its key (tls_cert, tls_key)");
		return EINVAL;
	}
	if (p->transports == SIPUA_TP_UDP)
		tp = ";transport=udp";
	else if (p->transports == SIPUA_TP_TCP)
		tp = ";transport=tcp";
	if (fmt_bind_url(url, sizeof(url), "sip", p, p->port, tp))
		return EINVAL;

	ua = calloc(1, sizeof(*ua));
	if (!ua)
		return ENOMEM;
	ua->root = p->root;
	ua->evh = p->evh ? p->evh : evh_noop;
	ua->ready = p->ready ? p->ready : ready_always;
	ua->mwi = p->mwi;
	ua->arg = p->arg;
	ua->max_calls = p->max_calls;
	ua->retry_after = p->retry_after ? p->retry_after : 5;
	ua->st_second_ms = p->st_second_ms ? p->st_second_ms : 1000;
	ua->port = p->port;
	ua->tls_port = p->tls_port;
	/* Our own address for the SIP trace's packets (sip/trace.h). */
	if (strchr(p->addr, ':')) {
		struct sockaddr_in6 *a6 = (void *)&ua->bind_addr;
		a6->sin6_family = AF_INET6;
		(void)inet_pton(AF_INET6, p->addr, &a6->sin6_addr);
	} else {
		struct sockaddr_in *a4 = (void *)&ua->bind_addr;
		a4->sin_family = AF_INET;
		(void)inet_pton(AF_INET, p->addr, &a4->sin_addr);
	}
	ua->reject_ctx.kind = SIP_HK_REJECT;

	/* The nonce key: new on every start, so nonces die with the process. */
	uint8_t secret[SIP_AUTH_SECRET_LEN];
	struct sip_auth_params ap = {
		.realm = p->auth_realm ? p->auth_realm : SIPUA_AUTH_REALM_DEFAULT,
		.nonce_lifetime = p->nonce_lifetime ? p->nonce_lifetime
						    : SIPUA_NONCE_LIFETIME_DEFAULT,
		.secret = secret,
	};
	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
		LOGE(LS_SIP, "no random secret for digest nonces: %s", strerror(errno));
		err = EIO;
		goto out;
	}
	err = sip_auth_alloc(&ua->auth, &ap);
	memset(secret, 0, sizeof(secret));
	if (err) {
		LOGE(LS_SIP, "digest realm \"%s\" or nonce lifetime %u s unusable", ap.realm,
		     ap.nonce_lifetime);
		goto out;
	}
	snprintf(ua->realm, sizeof(ua->realm), "%s", ap.realm);

	/* Sofia reads its TLS identity and resolver set-up from files it names (tpdir.h) */
	if ((p->tls_port || (p->dns_server && p->dns_server[0])) &&
	    (err = sip_tpdir_make(&ua->tpdir, p->tls_port ? p->tls_cert : NULL,
				  p->tls_port ? p->tls_key : NULL, p->tls_port ? p->tls_ca : NULL,
				  p->dns_server))) {
		LOGE(LS_SIP, "cannot set up %s: %s", p->tls_port ? "TLS (tls_cert, tls_key, tls_ca)"
		     : "the resolver (dns_server)", strerror(err));
		goto out;
	}
	char sips_url[URI_MAX] = "";
	const char *resolv = sip_tpdir_resolv_conf(&ua->tpdir, ua->resolv_conf,
						   sizeof(ua->resolv_conf));
	if (p->tls_port)
		(void)fmt_bind_url(sips_url, sizeof(sips_url), "sips", p, p->tls_port,
				   ";transport=tls");
	if (p->tls_port && !p->tls_verify)
		LOGW(LS_SIP, "tls_verify = no: TLS peers' certificates are not checked; anyone "
		     "between us and a trunk can read and change its calls");

	ua->guard.port = p->port;
	ua->guard.tls_port = p->tls_port;	/* TLS runs over TCP: the same sweep */
	ua->guard.idle_ms = p->tcp_idle ? p->tcp_idle : SIPUA_TCP_IDLE_DEFAULT;
	ua->guard.per_addr = p->tcp_per_addr ? p->tcp_per_addr : SIPUA_TCP_PER_ADDR_DEFAULT;
	su_log_redirect(NULL, sofia_log, NULL);

	/* The default parser skips P-Asserted-Identity (sip_extra.h): parse with the
	 * extended class, made once per process and kept. */
	static msg_mclass_t *parser;
	if (!parser)
		parser = sip_extend_mclass(NULL);
	const char *agent = p->user_agent ? p->user_agent : "Strowger";
	ua->nua = nua_create(p->root, nua_callback, ua,
			     NUTAG_URL(url),
			     TAG_IF(parser, NUTAG_SIP_PARSER(parser)),
			     NUTAG_MEDIA_ENABLE(0),
			     /* No OPTIONS to ourselves through the registrar (outbound validate),
			      * no NAT games: the trunk keepalive is ours. */
			     NUTAG_OUTBOUND("no-options-keepalive no-validate no-natify"),
			     NUTAG_AUTOANSWER(0),
			     NUTAG_AUTOACK(1),
			     /* Session timers (RFC 4028): per call (sipua_call_timer());
			      * Sofia-SIP's own 422 only below the RFC's floor */
			     NUTAG_MIN_SE(SIPUA_MIN_SE_FLOOR),
			     NUTAG_SESSION_TIMER(0),
			     NUTAG_APPL_METHOD("BYE"),	/* see on_bye() */
			     NUTAG_APPL_METHOD("OPTIONS"),	/* see answer_options() */
			     NUTAG_APPL_METHOD("UPDATE"),	/* see on_update() */
			     NUTAG_APPL_METHOD("NOTIFY"),	/* see on_notify() */
			     NUTAG_ALLOW_EVENTS("message-summary"),
			     /* What we do: not Sofia's default, which names REFER, MESSAGE,
			      * SUBSCRIBE and NOTIFY that nothing here handles (it answered a
			      * REFER 202 Accepted and transferred nothing). Sofia answers them
			      * 405 with this Allow (RFC 3261 §8.2.1). */
			     SIPTAG_ALLOW_STR(SIPUA_ALLOW),
			     /* Inbound TCP (sip/tcp_guard.h): idle connections close, and so
			      * do those stalled mid-message. */
			     TPTAG_IDLE(ua->guard.idle_ms),
			     TPTAG_TIMEOUT(ua->guard.idle_ms < TCP_MSG_TIMEOUT_MS
					   ? ua->guard.idle_ms : TCP_MSG_TIMEOUT_MS),
			     /* every message into su_log, where the SIP trace finds it */
			     TPTAG_LOG(1),
			     SIPTAG_USER_AGENT_STR(agent),
			     SIPTAG_SERVER_STR(agent),
			     SIPTAG_ACCEPT_STR("application/sdp"),
			     /* TLS (RFC 3261 §26.2.1, RFC 5922 §7.1): when verifying, the peer's
			      * certificate must chain to cafile.pem, be within its dates and name
			      * the host the request goes to (subjectAltName DNS, else CN). We ask
			      * for no certificate from TLS clients: an incoming connection is
			      * matched to its trunk by address, as over TCP. */
			     TAG_IF(p->tls_port, NUTAG_SIPS_URL(sips_url)),
			     TAG_IF(p->tls_port, TPTAG_CERTIFICATE(ua->tpdir.path)),
			     TAG_IF(p->tls_port, TPTAG_TLS_VERIFY_POLICY(
				     p->tls_verify ? TPTLS_VERIFY_SUBJECTS_OUT : TPTLS_VERIFY_NONE)),
			     TAG_IF(p->tls_port, TPTAG_TLS_VERIFY_DATE(p->tls_verify)),
			     TAG_IF(resolv, SRESTAG_RESOLV_CONF(resolv)),
			     TAG_END());
	if (!ua->nua) {
		LOGE(LS_SIP, "cannot start the SIP stack on %s", url);
		err = EIO;
		goto out;
	}
	if (p->transports != SIPUA_TP_UDP) {
		unsigned every = ua->guard.idle_ms / 2 < GUARD_SWEEP_MS ? ua->guard.idle_ms / 2
									 : GUARD_SWEEP_MS;
		ua->guard_timer = su_timer_create(su_root_task(p->root), every ? every : 1);
		if (!ua->guard_timer || su_timer_run(ua->guard_timer, guard_tick, ua)) {
			LOGE(LS_SIP, "cannot start the inbound TCP sweep");
			err = ENOMEM;
			goto out;
		}
	}
	if (p->tls_port && p->tls_verify) {
		ua->tls_timer = su_timer_create(su_root_task(p->root), 1);
		if (!ua->tls_timer) {
			err = ENOMEM;
			goto out;
		}
		tls_watch_ua = ua;
		su_log_redirect(tport_log, tport_log_h, NULL);
		if (tport_log->log_level < 3)	/* where the refusals are */
			su_log_set_level(tport_log, 3);
	}
	LOGN(LS_SIP, "SIP user agent on %s%s%s%s%s", url, sips_url[0] ? " and " : "", sips_url,
	     resolv ? ", DNS server " : "", resolv ? p->dns_server : "");
	*uap = ua;
	return 0;
out:
	if (ua->guard_timer)
		su_timer_destroy(ua->guard_timer);
	if (ua->tls_timer)
		su_timer_destroy(ua->tls_timer);
	if (ua->nua) {
		nua_shutdown(ua->nua);
		for (uint64_t t0 = clock_now_us(); !ua->shutdown_done &&
		     clock_now_us() - t0 < SHUTDOWN_WAIT_MS * 1000u;)
			su_root_step(ua->root, 100);
		nua_destroy(ua->nua);
	}
	sip_auth_free(ua->auth);
	sip_tpdir_remove(&ua->tpdir);
	free(ua);
	return err;
}

void sipua_free(struct sipua *ua)
{
	if (!ua)
		return;
	if (ua->guard_timer)
		su_timer_destroy(ua->guard_timer);
	ua->guard_timer = NULL;
	while (ua->calls)
		call_drop(ua->calls, "at shutdown");
	while (ua->ntrunks)
		sip_trunk_free(ua->trunks[ua->ntrunks - 1]);
	free(ua->trunks);

	if (ua->trace)
		trace_stop(ua);
	if (tls_watch_ua == ua) {
		tls_watch_ua = NULL;
		su_log_redirect(tport_log, NULL, NULL);	/* sofia_log, as every other */
	}
	if (ua->tls_timer)
		su_timer_destroy(ua->tls_timer);
	ua->tls_timer = NULL;
	uint64_t t0 = clock_now_us();
	nua_shutdown(ua->nua);
	while (!ua->shutdown_done) {
		su_root_step(ua->root, 100);
		if (clock_now_us() - t0 > SHUTDOWN_WAIT_MS * 1000u) {
			LOGW(LS_SIP, "nua shutdown did not complete in %d ms", SHUTDOWN_WAIT_MS);
			break;
		}
	}
	nua_destroy(ua->nua);
	sip_auth_free(ua->auth);
	sip_tpdir_remove(&ua->tpdir);
	free(ua);
}

unsigned sipua_call_count(const struct sipua *ua)
{
	return ua ? ua->ncalls : 0;
}

struct nua_s *sipua_nua(const struct sipua *ua)
{
	return ua->nua;
}

struct su_root_s *sipua_root(const struct sipua *ua)
{
	return ua->root;
}

const char *sipua_resolv_conf(const struct sipua *ua)
{
	return ua->tpdir.resolv ? ua->resolv_conf : NULL;
}

void sipua_emit(struct sipua *ua, const struct sipua_event *ev)
{
	ua->evh(ev, ua->arg);
}

int sipua_trunk_add(struct sipua *ua, struct sip_trunk *t)
{
	struct sip_trunk **grown = realloc(ua->trunks, (ua->ntrunks + 1) * sizeof(*grown));

	if (!grown)
		return ENOMEM;
	ua->trunks = grown;
	ua->trunks[ua->ntrunks++] = t;
	return 0;
}

void sipua_trunk_remove(struct sipua *ua, struct sip_trunk *t)
{
	for (unsigned i = 0; i < ua->ntrunks; i++) {
		if (ua->trunks[i] != t)
			continue;
		ua->trunks[i] = ua->trunks[--ua->ntrunks];
		break;
	}
	/* Calls keep a trunk pointer: none may outlive it. At stop the owner frees its
	 * trunks while calls whose last request went unanswered (a BYE, a CANCEL without
	 * its 487) still wait on them: drop those. */
	for (struct sipua_call *c = ua->calls, *next; c; c = next) {
		next = c->next;
		if (c->trunk == t)
			call_drop(c, "with its trunk");
	}
	for (struct sipua_call *c = ua->calls; c; c = c->next)
		STROWGER_ASSERT(c->trunk != t);
}

/* ---- Call commands -------------------------------------------------------------------- */

/* A name-addr, "display" <uri> (RFC 3261 §25.1 quoted-string), or <uri>. */
static char *name_addr(su_home_t *home, const char *display, const char *uri)
{
	char q[160] = "";
	size_t o = 0;

	if (display && display[0]) {
		q[o++] = '"';
		for (const char *s = display; *s && o + 4 < sizeof(q); s++) {
			if (*s == '"' || *s == '\\')
				q[o++] = '\\';
			q[o++] = *s;
		}
		q[o++] = '"';
		q[o++] = ' ';
		q[o] = '\0';
	}
	return su_sprintf(home, "%s<%s>", q, uri);
}

/* A From or P-Asserted-Identity URI: the user at from_domain, or at the trunk's proxy. */
static int identity_uri(const struct sipua_dial *d, const char *user, char *buf, size_t len)
{
	if (!d->from_domain || !d->from_domain[0])
		return sip_trunk_uri(d->trunk, user, buf, len);
	bool v6 = strchr(d->from_domain, ':') != NULL;
	int n = snprintf(buf, len, "sip:%s%s%s%s%s", user, user[0] ? "@" : "", v6 ? "[" : "",
			 d->from_domain, v6 ? "]" : "");
	return n < 0 || (size_t)n >= len ? ENOSPC : 0;
}

int sipua_call_invite(struct sipua_call **callp, struct sipua *ua, const struct sipua_dial *d)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char to[URI_MAX], from[URI_MAX], pai[URI_MAX] = "";
	struct sipua_call *c;

	if (!callp || !ua || !d || !d->trunk || !d->user || !d->user[0] ||
	    (d->auth_user && (strlen(d->auth_user) >= sizeof(c->auth_user) || !d->auth_password ||
			      strlen(d->auth_password) >= sizeof(c->auth_password))))
		return EINVAL;
	if (ua->max_calls && ua->ncalls >= ua->max_calls)
		return EBUSY;
	if (sip_trunk_uri(d->trunk, d->user, to, sizeof(to)) ||
	    (d->from_user && identity_uri(d, d->from_user, from, sizeof(from))) ||
	    (d->pai_user && !d->pai_uri && identity_uri(d, d->pai_user, pai, sizeof(pai))) ||
	    (d->pai_uri && (size_t)snprintf(pai, sizeof(pai), "%s", d->pai_uri) >= sizeof(pai)))
		return EINVAL;
	/* RFC 3323 §4.1.1.3: the anonymous From; the tag keeps it unique */
	if (!d->from_user)
		snprintf(from, sizeof(from), "sip:anonymous@anonymous.invalid");
	char *from_hdr = name_addr(home, d->from_user || d->from_display ? d->from_display
								   : "Anonymous", from);
	char *pai_hdr = pai[0] ? name_addr(home, d->pai_display, pai) : NULL;
	char *to_hdr = su_sprintf(home, "<%s>", to);
	sip_call_id_t *cid = sip_call_id_create(home, NULL);

	c = call_new(ua, d->trunk, true);
	if (!c || !from_hdr || !to_hdr || !cid || (pai[0] && !pai_hdr)) {
		free(c);
		su_home_deinit(home);
		return ENOMEM;
	}
	snprintf(c->call_id, sizeof(c->call_id), "%s", cid->i_id);
	c->priv = d->priv;
	if (d->timer)
		c->st = *d->timer;
	c->prack = d->prack;
	if (d->auth_user) {
		snprintf(c->auth_user, sizeof(c->auth_user), "%s", d->auth_user);
		snprintf(c->auth_password, sizeof(c->auth_password), "%s", d->auth_password);
	}
	sdp_keep(&c->local_sdp, d->sdp);
	c->nh = nua_handle(ua->nua, &c->ctx, SIPTAG_TO_STR(to_hdr), SIPTAG_FROM_STR(from_hdr),
			   SIPTAG_CALL_ID(cid),
			   TAG_IF(d->contact_user, NUTAG_M_USERNAME(d->contact_user)),
			   TAG_IF(sip_trunk_transport(d->trunk) != SIP_TP_UDP,
				  NUTAG_M_PARAMS(sip_contact_params(sip_trunk_transport(d->trunk)))),
			   TAG_END());
	if (!c->nh) {
		st_stop(c);
		free(c);
		su_home_deinit(home);
		return ENOMEM;
	}
	c->late_out = !d->sdp;
	nua_set_hparams(c->nh, NUTAG_MIN_SE(c->st.min_se),
			/* late offer: the ACK carries our answer, so it is ours to send */
			TAG_IF(c->late_out, NUTAG_AUTOACK(0)),
			NUTAG_SESSION_TIMER(c->st.mode == SIPUA_ST_YES ? c->st.expires : 0),
			SIPTAG_SUPPORTED_STR(supported_str(c)), TAG_END());
	call_link(ua, c);
	LOGN(LS_SIP, "call %s: INVITE %s via trunk %s, from %s", c->call_id, to,
	     sip_trunk_name(d->trunk), from_hdr);
	char hdrs[1024] = "";	/* the redirecting party (RFC 5806, RFC 7044) */
	if (d->diversion || d->history_info)
		snprintf(hdrs, sizeof(hdrs), "%s%s%s%s%s", d->diversion ? "Diversion: " : "",
			 d->diversion ? d->diversion : "", d->diversion && d->history_info ?
			 "\r\n" : "", d->history_info ? "History-Info: " : "",
			 d->history_info ? d->history_info : "");
	/* kept: a 503 from one SRV target sends it again to the next (srv_retry()) */
	c->home = su_home_new(sizeof(*c->home));
	c->invite_tags = c->home ? tl_tlist(c->home, NUTAG_URL(to),
		   TAG_IF(d->sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		   TAG_IF(d->sdp, SIPTAG_PAYLOAD_STR(d->sdp)),
		   TAG_IF(d->reason, SIPTAG_REASON_STR(d->reason)),
		   TAG_IF(pai_hdr, SIPTAG_P_ASSERTED_IDENTITY_STR(pai_hdr)),
		   TAG_IF(d->privacy, SIPTAG_PRIVACY_STR(d->privacy)),
		   TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)),
		   TAG_END()) : NULL;
	nua_invite(c->nh, NUTAG_URL(to),
		   TAG_IF(d->sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		   TAG_IF(d->sdp, SIPTAG_PAYLOAD_STR(d->sdp)),
		   TAG_IF(d->reason, SIPTAG_REASON_STR(d->reason)),
		   TAG_IF(pai_hdr, SIPTAG_P_ASSERTED_IDENTITY_STR(pai_hdr)),
		   TAG_IF(d->privacy, SIPTAG_PRIVACY_STR(d->privacy)),
		   TAG_IF(hdrs[0], SIPTAG_HEADER_STR(hdrs)),
		   /* RFC 3262 §4: a UAC that insists on reliable provisional responses */
		   TAG_IF(c->prack == SIPUA_PRACK_REQUIRED, SIPTAG_REQUIRE_STR("100rel")),
		   TAG_END());
	su_home_deinit(home);
	*callp = c;
	return 0;
}

int sipua_call_respond(struct sipua_call *c, int status, const char *phrase, const char *sdp,
		       const char *reason)
{
	if (!c || status < 100 || status > 699)
		return EINVAL;
	if (!c->invite_in && !c->reinvite_in)
		return EPROTO;
	if (!phrase)
		phrase = sip_status_phrase(status);
	if (!phrase)
		phrase = "";
	LOGI(LS_SIP, "call %s: sending %d %s%s", c->call_id, status, phrase,
	     sdp ? " with SDP" : "");
	nua_respond(c->nh, status, phrase,
		    TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		    TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)),
		    TAG_IF(reason, SIPTAG_REASON_STR(reason)),
		    TAG_END());
	if (sdp && status < 300)	/* the session description the peer now holds */
		sdp_keep(&c->local_sdp, sdp);
	if (sdp && status >= 200 && status < 300 && !c->rq_sdp)
		c->offer_in_2xx = true;	/* late offer: the answer comes in the ACK */
	if (status >= 200) {
		if (c->reinvite_in) {
			c->reinvite_in = false;
		} else {
			c->invite_in = false;
			if (status < 300)
				c->answered = true;
		}
		if (status < 300)	/* §9: our 2xx starts the interval */
			st_start(c, true);
	}
	return 0;
}

int sipua_call_cancel(struct sipua_call *c, const char *reason)
{
	if (!c)
		return EINVAL;
	if (!c->outgoing || c->answered || c->cancelled || c->state == SIPUA_CS_TERMINATING)
		return EPROTO;
	LOGI(LS_SIP, "call %s: sending CANCEL%s%s", c->call_id, reason ? ", Reason: " : "",
	     reason ? reason : "");
	c->cancelled = true;
	if (reason)
		snprintf(c->cancel_reason, sizeof(c->cancel_reason), "%s", reason);
	nua_cancel(c->nh, TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
	return 0;
}

int sipua_call_bye(struct sipua_call *c, const char *reason)
{
	if (!c)
		return EINVAL;
	if (!c->answered || c->bye_sent || c->state == SIPUA_CS_TERMINATING)
		return EPROTO;
	LOGI(LS_SIP, "call %s: sending BYE%s%s", c->call_id, reason ? ", Reason: " : "",
	     reason ? reason : "");
	c->bye_sent = true;
	nua_bye(c->nh, TAG_IF(reason, SIPTAG_REASON_STR(reason)), TAG_END());
	return 0;
}

int sipua_call_ack(struct sipua_call *c, const char *sdp)
{
	if (!c)
		return EINVAL;
	if (!c->ack_pending)
		return EPROTO;
	c->ack_pending = false;
	LOGI(LS_SIP, "call %s: sending ACK%s", c->call_id, sdp ? " with the answer" : "");
	if (sdp)
		sdp_keep(&c->local_sdp, sdp);
	nua_ack(c->nh, TAG_IF(sdp, SIPTAG_CONTENT_TYPE_STR("application/sdp")),
		TAG_IF(sdp, SIPTAG_PAYLOAD_STR(sdp)), TAG_END());
	return 0;
}

int sipua_call_reinvite(struct sipua_call *c, const char *sdp)
{
	if (!c || !sdp)
		return EINVAL;
	if (c->state != SIPUA_CS_READY || c->reinvite_out || c->reinvite_in)
		return EPROTO;
	c->reinvite_out = true;
	sdp_keep(&c->offer_sdp, sdp);
	LOGI(LS_SIP, "call %s: sending re-INVITE", c->call_id);
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
		   TAG_END());
	return 0;
}

void sipua_call_set_priv(struct sipua_call *c, void *priv)
{
	c->priv = priv;
}

void *sipua_call_priv(const struct sipua_call *c)
{
	return c->priv;
}

const char *sipua_call_id(const struct sipua_call *c)
{
	return c->call_id;
}

struct sip_trunk *sipua_call_trunk(const struct sipua_call *c)
{
	return c->trunk;
}

enum sipua_call_state sipua_call_state(const struct sipua_call *c)
{
	return c->state;
}

bool sipua_call_is_outgoing(const struct sipua_call *c)
{
	return c->outgoing;
}
