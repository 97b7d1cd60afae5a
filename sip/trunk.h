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
 * A trunk also names the peer an incoming INVITE may come from: its proxy's numeric address
 * (and port for UDP; over TCP the peer's source port is ephemeral, so the address alone).
 * A peer without a fixed address (a PBX or SBC on a dynamic address) is recognised by
 * digest authentication instead when the trunk has inbound_auth: an INVITE from an address
 * no trunk names is challenged (401, RFC 3261 §22.4, sip/auth.h) and is this trunk's when
 * it authenticates as the trunk's username with its password.
 */
#ifndef STROWGER_SIP_TRUNK_H
#define STROWGER_SIP_TRUNK_H

#include <stdbool.h>
#include <stddef.h>

#include "sip/ua.h"

enum sip_transport { SIP_TP_UDP, SIP_TP_TCP };

struct sip_trunk_params {
	const char *name;		/* for logs and events */
	const char *proxy;		/* "sip:127.0.0.1:5070": numeric host, port default 5060 */
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

enum sip_trunk_reg_state {
	SIP_TRUNK_UNREGISTERED,		/* registration off, or not started */
	SIP_TRUNK_REGISTERING,		/* REGISTER outstanding */
	SIP_TRUNK_REGISTERED,
	SIP_TRUNK_REG_WAIT,		/* failed; retry timer running */
};

/* Create a trunk on ua and start registering / probing. The UA owns it afterwards (freed
 * by sipua_free) unless freed earlier with sip_trunk_free(). Return 0, EINVAL (bad params,
 * proxy not "sip:<numeric address>[:port]", inbound_auth without username and password),
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

/* A response or event on one of the trunk's handles (kind REGISTER or OPTIONS). */
void sip_trunk_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
			 struct nua_handle_s *nh, const struct sip_s *sip);
/* The password a peer authenticating as user must know for this trunk (inbound_auth on,
 * user its username), or NULL. */
const char *sip_trunk_inbound_password(const struct sip_trunk *t, const char *user);
/* Does a request from sa (over TCP if tcp) come from this trunk? */
bool sip_trunk_match_source(const struct sip_trunk *t, const struct sockaddr *sa, bool tcp);
/* "sip:user@host:port[;transport=tcp]" for a request to the trunk. Return 0 or ENOSPC. */
int sip_trunk_uri(const struct sip_trunk *t, const char *user, char *buf, size_t len);
/* Contact URI parameters for the handles of a TCP trunk (NUTAG_M_PARAMS). Sofia-SIP pairs
 * its UDP and TCP transports on one port into one Contact with no transport parameter,
 * which a peer resolves to UDP (RFC 3263 §4.1): "transport=tcp" keeps its requests
 * (REGISTERed INVITEs, BYE, re-INVITE) on TCP. */
#define SIP_CONTACT_TCP_PARAMS "transport=tcp"

/* NUTAG_AUTH string for a challenge's realm (quoted, as in the header). 0 or ENOSPC/ENOENT
 * (no credentials configured). */
int sip_trunk_auth(const struct sip_trunk *t, const char *realm, char *buf, size_t len);

#endif
