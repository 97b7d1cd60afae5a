/* SIP trunks: outbound registration with digest auth and OPTIONS keepalive.
 *
 * REGISTER per RFC 3261 §10.2 with digest authentication (§22.2, RFC 2617): the realm comes
 * from the challenge, the credentials from the trunk; Sofia-SIP refreshes the binding before
 * it expires. A failed registration is retried with exponential back-off (retry_min doubling
 * to retry_max): a registrar that refuses us should not be hammered, and 60 s bounds the
 * outage after it recovers. OPTIONS (§11) probes the trunk every keepalive seconds; an
 * OPTIONS not answered before the next probe, or answered 408/5xx/6xx, is a failure, and
 * keepalive_fails failures in a row mark the trunk down. Any other final answer proves the
 * peer alive (it may well answer 404 or 405 to OPTIONS) and marks it up.
 *
 * The proxy may be a host name (RFC 3263): without a port Sofia-SIP's resolver looks up
 * NAPTR (§4.1), then SRV (_sip._udp, _sip._tcp, _sips._tcp; RFC 2782 priority, weight
 * within a priority) and A/AAAA, and nta tries the next target when one times out or
 * answers 503 (§4.3); the answers are cached for their TTL and looked up again after it.
 * The trunk itself resolves nothing: no blocking DNS on the signalling thread.
 *
 * A trunk also names the peer an incoming INVITE may come from: its proxy's numeric address
 * (and port for UDP; over TCP and TLS the peer's source port is ephemeral, so the address
 * alone). A trunk named by a host name matches no source address: its peer's INVITEs are
 * recognised by inbound_auth, or by a second trunk with the numeric address.
 * A peer without a fixed address (a PBX or SBC on a dynamic address) is recognised by
 * digest authentication instead when the trunk has inbound_auth: an INVITE from an address
 * no trunk names is challenged (401, RFC 3261 §22.4, sip/auth.h) and is this trunk's when
 * it authenticates as the trunk's username with its password.
 */
#ifndef STROWGER_SIP_TRUNK_H
#define STROWGER_SIP_TRUNK_H

#include <stdbool.h>
#include <stddef.h>

#include "sip/reg.h"
#include "sip/ua.h"

enum sip_transport { SIP_TP_UDP, SIP_TP_TCP, SIP_TP_TLS };

/* "udp", "tcp", "tls" */
const char *sip_transport_name(enum sip_transport tp);

struct sip_trunk_params {
	const char *name;		/* for logs and events */
	const char *proxy;		/* "sip:127.0.0.1:5070", port default 5060 (5061 over
					 * TLS); or "sip:carrier.example[:port]", resolved by
					 * Sofia-SIP when a request goes out (RFC 3263) */
	enum sip_transport transport;
	const char *username;		/* digest user and REGISTER To/From user; may be NULL */
	const char *password;
	bool do_register;		/* send REGISTER to the proxy */
	unsigned expires;		/* [s] requested registration expiry (default 3600) */
	unsigned keepalive;		/* [s] OPTIONS interval; 0 = no keepalive */
	unsigned keepalive_fails;	/* failures in a row that mark the trunk down (default 2) */
	unsigned retry_min;		/* [s] first re-registration delay (default 1) */
	unsigned retry_max;		/* [s] longest delay (default 60) */
	bool inbound_auth;		/* INVITEs authenticated as username/password (RFC 3261
					 * §22.4) are this trunk's, from any address; needs
					 * both, and a username no other such trunk has */
};

/* The trunk's registration (sip/reg.h) */
enum sip_trunk_reg_state {
	SIP_TRUNK_UNREGISTERED = SIP_REG_UNREGISTERED,	/* registration off, or not started */
	SIP_TRUNK_REGISTERING = SIP_REG_REGISTERING,	/* REGISTER outstanding */
	SIP_TRUNK_REGISTERED = SIP_REG_REGISTERED,
	SIP_TRUNK_REG_WAIT = SIP_REG_WAIT,		/* failed; retry timer running */
};

/* Create a trunk on ua and start registering / probing. The UA owns it afterwards (freed
 * by sipua_free) unless freed earlier with sip_trunk_free(). Return 0, EINVAL (bad params,
 * proxy not "sip:<address or host name>[:port]", inbound_auth without username and password),
 * EEXIST (inbound_auth with the username of another inbound_auth trunk), ENOMEM. */
int sip_trunk_alloc(struct sip_trunk **tp, struct sipua *ua, const struct sip_trunk_params *p);

/* Stop timers, drop the nua handles (no un-REGISTER is sent) and free. Calls still on the
 * trunk (e.g. at stop, a BYE never answered) are dropped as sipua_free() drops them: no
 * events. */
void sip_trunk_free(struct sip_trunk *t);

/* A reload changed the trunk: take p as sip_trunk_alloc() does, in place (calls on the
 * trunk keep it). When the registration data changed (proxy, transport, credentials,
 * register, expires) the old binding is withdrawn (REGISTER with Expires 0) and, with
 * register on, a new one made; *reregistered says so. A failure changes nothing: EINVAL,
 * EEXIST (inbound_auth username of another trunk), ENOMEM. */
int sip_trunk_update(struct sip_trunk *t, const struct sip_trunk_params *p, bool *reregistered);

/* A reload removed the trunk: it matches no INVITE any more, stops its keepalive and
 * withdraws its registration (Expires 0); its calls go on. Free it with sip_trunk_free()
 * after its last call, once sip_trunk_withdrawing() is false (or on a timeout). */
void sip_trunk_retire(struct sip_trunk *t);
/* A retired trunk's REGISTER with Expires 0 is not answered yet. */
bool sip_trunk_withdrawing(const struct sip_trunk *t);

const char *sip_trunk_name(const struct sip_trunk *t);
enum sip_trunk_reg_state sip_trunk_reg_state(const struct sip_trunk *t);
const char *sip_trunk_reg_state_name(enum sip_trunk_reg_state s);
/* Keepalive verdict: true when the last probes succeeded (true too with keepalive off). */
bool sip_trunk_is_up(const struct sip_trunk *t);
enum sip_transport sip_trunk_transport(const struct sip_trunk *t);
bool sip_trunk_inbound_auth(const struct sip_trunk *t);

/* ---- For sip/ua.c only -------------------------------------------------------------- */
struct nua_handle_s;
struct sip_s;
struct sockaddr;

/* A response or event on one of the trunk's OPTIONS handles. */
void sip_trunk_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
			 struct nua_handle_s *nh, const struct sip_s *sip);
/* The password a peer authenticating as user must know for this trunk (inbound_auth on,
 * user its username), or NULL. */
const char *sip_trunk_inbound_password(const struct sip_trunk *t, const char *user);
/* Does a request from sa (over TCP or TLS if tcp) come from this trunk? */
bool sip_trunk_match_source(const struct sip_trunk *t, const struct sockaddr *sa, bool tcp);

/* SIP trace of a trunk (sip/ua.c). A trunk named by a host name has no address to match
 * until Sofia-SIP resolves the name per request (RFC 3263): the trace learns from the
 * requests it sends whose Request-URI names that host (sip_trunk_is_host) where they went
 * and their Call-IDs, and takes the messages from or to those addresses, or with those
 * Call-IDs (responses, in-dialog requests), as the trunk's. */
bool sip_trunk_is_host(const struct sip_trunk *t, const char *host);
void sip_trunk_trace_learn(struct sip_trunk *t, const struct sockaddr *peer,
			   const char *call_id);
/* The proxy's numeric address (as sip_trunk_match_source, retired or not), an address
 * learnt, or a Call-ID learnt. */
bool sip_trunk_trace_match(const struct sip_trunk *t, const struct sockaddr *sa, bool tcp,
			   const char *call_id);
/* "sip:user@host[:port][;transport=tcp|tls]" for a request to the trunk. 0 or ENOSPC. */
int sip_trunk_uri(const struct sip_trunk *t, const char *user, char *buf, size_t len);
/* Contact URI parameters for the handles of a TCP trunk (NUTAG_M_PARAMS). Sofia-SIP pairs
 * its UDP and TCP transports on one port into one Contact with no transport parameter,
 * which a peer resolves to UDP (RFC 3263 §4.1): "transport=tcp" keeps its requests
 * (REGISTERed INVITEs, BYE, re-INVITE) on TCP. */
#define SIP_CONTACT_TCP_PARAMS "transport=tcp"
#define SIP_CONTACT_TLS_PARAMS "transport=tls"
/* The Contact parameters for a transport: NULL for UDP, else one of the above. */
const char *sip_contact_params(enum sip_transport tp);

/* The host of the proxy, without port: what its TLS certificate must name (RFC 5922 §7.2). */
const char *sip_trunk_host(const struct sip_trunk *t, char *buf, size_t len);
/* "host[:port]" of the proxy as requests name it. */
const char *sip_trunk_hostport(const struct sip_trunk *t);
/* The TLS session to the proxy was refused (reason: "certificate has expired", ...): log
 * it, naming the trunk, the peer and why, and fail an outstanding OPTIONS probe (Sofia-SIP
 * would wait for its timer F). */
void sip_trunk_tls_refused(struct sip_trunk *t, const char *reason);

/* RFC 3263 §4.3 after a 503 from one SRV target: the next one, as "sip:host:port[;transport=
 * ..]" for NUTAG_PROXY, for retry n (1: the second target in priority/weight order), or
 * NULL when there is none (proxy not a host name without a port, no SRV records, or all
 * tried). Looks the records up again once their TTL has run out (the answer serves the
 * next call). */
const char *sip_trunk_srv_next(struct sip_trunk *t, unsigned n, char *buf, size_t len);

/* "sip:user@host[:port]" without transport: an address-of-record at the trunk (To and
 * From of a REGISTER). 0 or ENOSPC. */
int sip_trunk_aor(const struct sip_trunk *t, const char *user, char *buf, size_t len);

/* NUTAG_AUTH string for a challenge's realm (quoted, as in the header). 0 or ENOSPC/ENOENT
 * (no credentials configured). */
int sip_trunk_auth(const struct sip_trunk *t, const char *realm, char *buf, size_t len);

#endif
