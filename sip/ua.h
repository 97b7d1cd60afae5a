/* The SIP user agent: one Sofia-SIP nua on the caller's su_root, INVITE dialogs, trunks.
 *
 * RFC 3261 §13-§15 (INVITE, CANCEL, BYE) and §12 (dialogs), RFC 3326 (Reason). An INVITE
 * must come from a trunk's address, or, when some trunk has inbound_auth, authenticate
 * with digest (§22.4: 401 challenge, sip/auth.h) as that trunk's user; anything else gets
 * 403 and one log line. ACK, BYE and re-INVITE within the dialog of a call so accepted,
 * and a CANCEL of its INVITE (matched to that transaction), are not challenged. Sofia-SIP
 * runs the transactions; we keep its SDP engine off (NUTAG_MEDIA_ENABLE(0): it would drop
 * telephone-event and answer re-INVITEs behind our back) and carry SDP bodies as opaque
 * strings; an INVITE whose body is of another type gets 415 with Accept (§21.4.13). BYE
 * and OPTIONS are answered here rather than by Sofia: a BYE from the callee on an early
 * dialog waits for our CANCEL to end the INVITE (Sofia leaks otherwise), and OPTIONS gets
 * 503 when the owner says it cannot take calls (sipua_params.ready) or our fds run low.
 * Inbound TCP is bounded: idle or stalled connections close, and one address may hold only
 * so many (sip/tcp_guard.h). Everything runs on the signalling thread: every function
 * here and every event is called on the su_root loop given in sipua_params.
 *
 * Ownership: the UA owns trunks (sip/trunk.h) and calls. A call lives from its INCOMING
 * event (or sipua_call_invite()) to its SIPUA_EV_CALL_TERMINATED event; the pointer is
 * invalid once that handler returns. Strings in an event are valid during the handler only.
 */
#ifndef STROWGER_SIP_UA_H
#define STROWGER_SIP_UA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct su_root_s;
struct sipua;
struct sipua_call;
struct sip_trunk;

/* What the UA tells its owner. One handler receives them all. */
enum sipua_event_type {
	/* Trunks (event.trunk set, event.call NULL). */
	SIPUA_EV_TRUNK_REGISTERED,	/* 2xx to REGISTER; expires */
	SIPUA_EV_TRUNK_REG_FAILED,	/* status, phrase; retry_in */
	SIPUA_EV_TRUNK_UP,		/* OPTIONS answered after the trunk was down/unknown */
	SIPUA_EV_TRUNK_DOWN,		/* keepalive failures reached the limit */
	/* Calls (event.call set; event.trunk is the call's trunk). */
	SIPUA_EV_CALL_INCOMING,		/* new INVITE: ruri_user, from_*, sdp, reason */
	SIPUA_EV_CALL_PROGRESS,		/* 1xx to our INVITE (180, 183 +/- sdp) */
	SIPUA_EV_CALL_ANSWERED,		/* 2xx to our INVITE, sdp (ACK is sent by the UA; to
					 * an INVITE without SDP the sdp is the peer's offer:
					 * answer it with sipua_call_ack() in the handler) */
	SIPUA_EV_CALL_FAILED,		/* final >= 300 to our INVITE: status, phrase, reason */
	SIPUA_EV_CALL_CONFIRMED,	/* dialog confirmed: ACK sent or received (§13.3.1.4) */
	SIPUA_EV_CALL_CANCELLED,	/* CANCEL received for an incoming call; reason */
	SIPUA_EV_CALL_BYE,		/* BYE received (answered 200 by the UA); reason */
	SIPUA_EV_CALL_ACK,		/* ACK to our 2xx that carried our offer (the INVITE
					 * or re-INVITE had no SDP: late offer, RFC 3264 §5,
					 * RFC 3261 §13.2.1): sdp is the answer, or NULL */
	SIPUA_EV_CALL_REINVITE,		/* re-INVITE received: sdp; answer with respond() */
	SIPUA_EV_CALL_REINVITE_ANSWER,	/* final response to our re-INVITE: status, sdp.
					 * 491: the peer's re-INVITE crossed ours; Sofia
					 * answered that one 491 itself (no REINVITE event).
					 * The retry (RFC 3261 §14.1) is the owner's timer */
	SIPUA_EV_CALL_REFRESHED,	/* 2xx with SDP to our session refresh re-INVITE (RFC
					 * 4028 §7.4): sdp, the peer's answer, which may differ
					 * from its last one (RFC 3264 §8): the owner applies
					 * what changed (the UA ACKs) */
	SIPUA_EV_CALL_EXPIRED,		/* session timer (RFC 4028 §10): no refresh came, or
					 * ours failed (408, 481, timeout); the UA has sent
					 * BYE with Reason: SIP;cause=408. status: 408 */
	SIPUA_EV_CALL_TERMINATED,	/* the call is gone; last event for this call */
};

struct sipua_event {
	enum sipua_event_type type;
	struct sip_trunk *trunk;
	struct sipua_call *call;
	const char *call_id;		/* Call-ID, or NULL */
	int status;			/* SIP status code of the response, or 0 */
	const char *phrase;		/* its reason phrase, or NULL */
	const char *ruri_user;		/* INCOMING: user part of the Request-URI */
	const char *from_user;		/* INCOMING: user part of From */
	const char *from_host;		/* INCOMING: host part of From */
	const char *from_display;	/* INCOMING: From display name, unquoted, or NULL */
	const char *pai_user;		/* INCOMING: user part (tel: number) of the first
					 * P-Asserted-Identity (RFC 3325 §9.1), or NULL */
	const char *pai_display;	/* INCOMING: its display name, unquoted, or NULL */
	const char *privacy;		/* INCOMING: Privacy values (RFC 3323 §4.2), "id;user" */
	const char *auth_user;		/* INCOMING: the digest user the INVITE authenticated as
					 * (RFC 3261 §22.4), NULL when it came from the
					 * trunk's address */
	const char *sdp;		/* message body (application/sdp), NUL-terminated, or NULL */
	const char *reason;		/* Reason header value (RFC 3326), e.g.
					 * "Q.850;cause=17;text=\"User busy\"", or NULL */
	const char *diversion;		/* INCOMING: the first Diversion value (RFC 5806), or NULL */
	const char *history_info;	/* INCOMING: the first History-Info value (RFC 7044), or
					 * NULL */
	const char *alert_info;		/* INCOMING: the first Alert-Info value (RFC 3261 §20.4),
					 * "<uri>;params", or NULL */
	unsigned expires;		/* TRUNK_REGISTERED: [s] granted by the registrar */
	unsigned retry_in;		/* TRUNK_REG_FAILED: [s] until the next attempt */
};

typedef void (sipua_event_h)(const struct sipua_event *ev, void *arg);
/* Whether the owner can take a call now (e.g. some span is up with a free channel). */
typedef bool (sipua_ready_h)(void *arg);
struct mwi_summary;
/* A message-waiting NOTIFY (RFC 3842) from trunk for Request-URI user: the owner's answer,
 * 200 (taken) or 481 (no such user). */
typedef int (sipua_mwi_h)(const char *trunk, const char *user, const struct mwi_summary *s,
			  void *arg);

enum sipua_transports {
	SIPUA_TP_UDP = 1,
	SIPUA_TP_TCP = 2,
};

struct sipua_params {
	struct su_root_s *root;		/* caller's loop; su_root_threading(root, 0) already done */
	const char *addr;		/* numeric local address to bind, "127.0.0.1" */
	const char *external_addr;	/* NAT: the numeric address our Via sent-by and
					 * Contact name instead of addr (sockets stay on addr);
					 * NULL or "": addr */
	uint16_t port;			/* local SIP port */
	unsigned transports;		/* SIPUA_TP_* mask; 0 means UDP and TCP */
	unsigned max_calls;		/* beyond it new INVITEs get 503; 0 = no limit */
	unsigned retry_after;		/* [s] Retry-After in that 503 (default 5) */
	const char *user_agent;		/* User-Agent/Server header, NULL for "Strowger" */
	const char *auth_realm;		/* realm of our digest challenges (RFC 3261 §22.1),
					 * NULL for SIPUA_AUTH_REALM_DEFAULT */
	unsigned nonce_lifetime;	/* [s] a nonce of ours is good this long, 1..3600
					 * (0: SIPUA_NONCE_LIFETIME_DEFAULT) */
	unsigned tcp_idle;		/* [ms] an inbound TCP connection idle (no data either
					 * way) this long is closed; 0: SIPUA_TCP_IDLE_DEFAULT */
	unsigned tcp_per_addr;		/* inbound TCP connections one address may hold;
					 * 0: SIPUA_TCP_PER_ADDR_DEFAULT */
	/* SIP over TLS (RFC 3261 §26.2.1), on addr:tls_port when tls_port is not 0 */
	uint16_t tls_port;
	const char *tls_cert;		/* our certificate and its key, PEM files: needed */
	const char *tls_key;		/* with tls_port */
	const char *tls_ca;		/* CAs a peer's certificate must chain to (PEM) */
	bool tls_verify;		/* refuse a peer whose certificate does not chain to
					 * tls_ca, has expired or does not name the host the
					 * request went to; false: accept any (a WARNING) */
	const char *dns_server;		/* "ADDR[:PORT]" resolving trunk host names (RFC
					 * 3263); NULL or "": /etc/resolv.conf's */
	unsigned st_second_ms;		/* TESTS ONLY: how long one second of the session
					 * timer lasts [ms], so that a unit test sees a 90 s
					 * session's refresh and expiry in a few seconds.
					 * 0 (always, outside tests): 1000 */
	sipua_event_h *evh;		/* events; NULL for a no-op */
	sipua_ready_h *ready;		/* can the owner take calls? NULL: always. When it
					 * cannot (or our fds are nearly all used), OPTIONS is
					 * answered 503 so that a dispatcher in front stops
					 * sending (RFC 3261 §11.2) */
	sipua_mwi_h *mwi;		/* message-waiting NOTIFYs (RFC 3842) from a trunk's
					 * address; NULL: every one is answered 481 */
	void *arg;			/* passed to evh, ready and mwi */
};

#define SIPUA_TCP_IDLE_DEFAULT		60000	/* [ms] */
#define SIPUA_TCP_PER_ADDR_DEFAULT	32

#define SIPUA_AUTH_REALM_DEFAULT	"strowger"
#define SIPUA_NONCE_LIFETIME_DEFAULT	30	/* [s] */

/* Call states: Sofia-SIP's nua call states, which follow RFC 3261 §13 / §17 (nua.h). */
enum sipua_call_state {
	SIPUA_CS_INIT,		/* handle created, nothing sent */
	SIPUA_CS_AUTHENTICATING, /* 401/407 received, credentials being added (§22.2) */
	SIPUA_CS_CALLING,	/* INVITE sent (§17.1.1 Calling) */
	SIPUA_CS_PROCEEDING,	/* 1xx received (§17.1.1 Proceeding) */
	SIPUA_CS_COMPLETING,	/* 2xx received, ACK pending */
	SIPUA_CS_RECEIVED,	/* INVITE received (§17.2.1 Proceeding, nothing sent) */
	SIPUA_CS_EARLY,		/* 18x sent */
	SIPUA_CS_COMPLETED,	/* 2xx sent, waiting for ACK */
	SIPUA_CS_READY,		/* dialog confirmed (§12) */
	SIPUA_CS_TERMINATING,	/* BYE sent or received */
	SIPUA_CS_TERMINATED,
	SIPUA_CS_COUNT
};

/* Create the UA: nua bound to addr:port on the requested transports.
 * Return 0, EINVAL (bad params, realm or lifetime), EIO (nua_create failed: address
 * unusable or in use; or no random secret for nonces) or ENOMEM. */
int sipua_alloc(struct sipua **uap, const struct sipua_params *p);

/* Tear down: drops remaining calls without events (a call not yet ending is sent BYE,
 * CANCEL or 503 as its state allows, best effort; its handle is destroyed), frees the
 * trunks, shuts nua down and runs the root until that completes (at most ~5 s). */
void sipua_free(struct sipua *ua);

/* Number of calls alive (incoming and outgoing). */
unsigned sipua_call_count(const struct sipua *ua);

/* Session timers (RFC 4028), a trunk's choice. The UA runs the timer itself (our own
 * su_timer): the refresh is a re-INVITE with the SDP we last sent (RFC 3264 §8: unchanged,
 * same o= version), or an UPDATE without SDP (§7.4); no refresh from the peer in time
 * clears the call with BYE (§10). */
enum sipua_st_mode {
	SIPUA_ST_ACCEPT,	/* honour a peer's Session-Expires, ask for none (default) */
	SIPUA_ST_NO,		/* no session timer, the peer's Session-Expires ignored */
	SIPUA_ST_YES,		/* ask for expires in our INVITEs as well */
};

struct sipua_timer {
	enum sipua_st_mode mode;
	unsigned expires;	/* [s] interval we ask for (YES), >= min_se */
	unsigned min_se;	/* [s] shortest interval we take, >= 90 (§5) */
	bool update;		/* refresh by UPDATE when the peer's Allow lists it */
};

#define SIPUA_MIN_SE_FLOOR	90	/* [s] RFC 4028 §5: Min-SE never below */

/* An incoming call's session timer: call before any response to the INVITE. Answers 422
 * with Min-SE itself (§6) when the INVITE's Session-Expires is below t->min_se, and then
 * returns ERANGE (the call ends; the owner only waits for TERMINATED). Return 0, EINVAL
 * or EPROTO (not an incoming INVITE waiting for its answer). */
int sipua_call_timer(struct sipua_call *call, const struct sipua_timer *t);

/* Reliable provisional responses (RFC 3262, "100rel"), a trunk's choice. */
enum sipua_prack {
	SIPUA_PRACK_SUPPORTED,	/* offered and used when the peer does: a 183 of ours is sent
				 * reliably to a peer that supports it; a reliable 18x of the
				 * peer's is PRACKed (default) */
	SIPUA_PRACK_NO,		/* not offered; an INVITE that requires it gets 420 */
	SIPUA_PRACK_REQUIRED,	/* our INVITEs require it; an INVITE that does not support
				 * it gets 421; every 18x of ours is reliable */
};

/* An incoming call's 100rel choice: call before any response to the INVITE. Answers 420
 * (the INVITE requires 100rel, p is NO) or 421 (it does not support it, p is REQUIRED)
 * itself and then returns ERANGE. Return 0, EINVAL or EPROTO (no INVITE waiting). */
int sipua_call_prack(struct sipua_call *call, enum sipua_prack p);

/* An outgoing call to a trunk. Strings are copied. */
struct sipua_dial {
	struct sip_trunk *trunk;	/* required */
	const char *user;		/* called number: Request-URI/To user part */
	const char *from_user;		/* calling number: From user part; NULL: an anonymous
					 * From (RFC 3323 §4.1.1.3) */
	const char *from_display;	/* From display name, or NULL */
	const char *pai_user;		/* P-Asserted-Identity user part (RFC 3325 §9.1), or
					 * NULL for none */
	const char *pai_uri;		/* a whole P-Asserted-Identity URI ("sip:...", "tel:..."),
					 * over pai_user; or NULL */
	const char *pai_display;	/* its display name, or NULL */
	const char *privacy;		/* Privacy header value (RFC 3323 §4.2), or NULL */
	const char *from_domain;	/* host of From and P-Asserted-Identity, or NULL for
					 * the trunk's proxy host:port */
	const char *sdp;		/* offer body, or NULL for a late offer: the 2xx brings
					 * the peer's offer, the answer goes in the ACK */
	const char *reason;		/* Reason header to carry (e.g. ISUP cause), or NULL */
	const char *diversion;		/* Diversion header value (RFC 5806), or NULL */
	const char *history_info;	/* History-Info header value (RFC 7044), or NULL */
	const struct sipua_timer *timer; /* session timer (RFC 4028), NULL: accept, 1800/90 */
	enum sipua_prack prack;		/* 100rel (RFC 3262) */
	const char *auth_user;		/* digest credentials for a 401/407 (an analog port
					 * registered as its own user), or NULL: the trunk's */
	const char *auth_password;	/* needed with auth_user */
	const char *contact_user;	/* Contact's user part, or NULL: Sofia-SIP's */
	void *priv;			/* owner's pointer, see sipua_call_priv() */
};

/* Send an INVITE (RFC 3261 §13.2.1). A 401/407 is answered once with the dial's or the
 * trunk's credentials. Return 0 with *callp set, EINVAL, EBUSY (call limit) or ENOMEM. */
int sipua_call_invite(struct sipua_call **callp, struct sipua *ua, const struct sipua_dial *d);

/* Respond to the call's pending INVITE (initial or re-INVITE): status 100..699, phrase
 * NULL for the standard one, sdp body or NULL, reason a Reason header value (RFC 3326, e.g.
 * "Q.850;cause=17") or NULL. Return 0, EINVAL or EPROTO (no INVITE to answer). */
int sipua_call_respond(struct sipua_call *call, int status, const char *phrase,
		       const char *sdp, const char *reason);

/* CANCEL our unanswered INVITE (§9.1). The call then ends with FAILED (487) and
 * TERMINATED; if a 2xx crosses the CANCEL, the UA ACKs it and ends the call with BYE itself
 * (same Reason), reporting no ANSWERED, only TERMINATED. Return 0 or EPROTO (not outgoing,
 * answered or already cancelled). */
int sipua_call_cancel(struct sipua_call *call, const char *reason);

/* End an established call with BYE (§15.1.1), Reason header optional. Return 0 or EPROTO. */
int sipua_call_bye(struct sipua_call *call, const char *reason);

/* ACK the 2xx to our INVITE without SDP (late offer), with the answer to its offer or
 * (sdp NULL) without: only from the ANSWERED handler; the UA ACKs without SDP itself if the
 * owner does not. Return 0, EINVAL or EPROTO (no such 2xx waiting). */
int sipua_call_ack(struct sipua_call *call, const char *sdp);

/* Send a re-INVITE with a new offer (hold/resume, T.38, §14.1). Return 0, EINVAL or EPROTO
 * (not confirmed, or a re-INVITE either way still open). */
int sipua_call_reinvite(struct sipua_call *call, const char *sdp);

void sipua_call_set_priv(struct sipua_call *call, void *priv);
void *sipua_call_priv(const struct sipua_call *call);
const char *sipua_call_id(const struct sipua_call *call);
struct sip_trunk *sipua_call_trunk(const struct sipua_call *call);
enum sipua_call_state sipua_call_state(const struct sipua_call *call);
bool sipua_call_is_outgoing(const struct sipua_call *call);
const char *sipua_call_state_name(enum sipua_call_state state);

/* ---- SIP trace (sip/trace.h) ------------------------------------------------------------
 * Every SIP message this UA sends or receives, over UDP, TCP or TLS (decrypted), into a pcap
 * file, switched on and off at run time: all of them, a trunk's (those to and from its
 * proxy's address), or one call's (its Call-ID). One trace at a time per process; a new
 * one replaces the old. Past max_bytes the trace stops with a WARNING. */
enum sipua_trace_scope { SIPUA_TRACE_ALL, SIPUA_TRACE_TRUNK, SIPUA_TRACE_CALL };

struct sipua_trace_spec {
	enum sipua_trace_scope scope;
	const char *what;		/* TRUNK: the trunk's name; CALL: the SIP Call-ID */
	const char *path;		/* the pcap file, created or truncated */
	uint64_t max_bytes;		/* the file's cap; 0: none */
};

/* Start (or replace) the trace. 0; ENOENT: no such trunk; EBUSY: another UA of this process
 * traces; else the file's errno value. */
int sipua_trace_on(struct sipua *ua, const struct sipua_trace_spec *s);
/* Stop it. Return 0, or ENOENT when none was on. *msgs (if not NULL): messages written. */
int sipua_trace_off(struct sipua *ua, uint64_t *msgs);
/* "all to /tmp/x.pcap: 12 messages, 8120 bytes" or "off". */
void sipua_trace_describe(const struct sipua *ua, char *buf, size_t len);

/* ---- For sip/trunk.c only ---------------------------------------------------------- */
struct nua_s;

/* Every nua handle we create is bound to one of these, the first member of its owner. */
enum sip_hkind { SIP_HK_CALL = 1, SIP_HK_REGISTER, SIP_HK_OPTIONS, SIP_HK_REJECT,
		 SIP_HK_SUBSCRIBE };
struct sip_hctx {
	enum sip_hkind kind;
};

struct nua_s *sipua_nua(const struct sipua *ua);
struct su_root_s *sipua_root(const struct sipua *ua);
/* The resolv.conf Sofia's resolver reads (dns_server), or NULL for the system's. */
const char *sipua_resolv_conf(const struct sipua *ua);
void sipua_emit(struct sipua *ua, const struct sipua_event *ev);
int sipua_trunk_add(struct sipua *ua, struct sip_trunk *t);
void sipua_trunk_remove(struct sipua *ua, struct sip_trunk *t);
/* The trunk with inbound_auth whose username is user, or NULL. */
struct sip_trunk *sipua_trunk_by_auth_user(const struct sipua *ua, const char *user);

#endif
