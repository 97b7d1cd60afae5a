/* The kinds of leg the daemon has (PRI: gateway/leg_pri.c, SIP: gateway/leg_sip.c) and
 * the routing that creates calls from them (gateway/call_route.c). Internal to gateway/:
 * only these files and the daemon know the concrete kinds; the call model
 * (gateway/call.h) does not. */
#ifndef STROWGER_LEGS_H
#define STROWGER_LEGS_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"
#include "gateway/party.h"
#include "tdm/pri.h"

struct call;
struct ctl_port_row;
struct daemon;
struct leg;
struct media_event;
struct pri_link;
struct sipua_call;
struct sipua_event;

/* ---- PRI legs (Q.931 through libpri, gateway/pri_link.h) ---------------------------- */

/* An incoming PRI call (SETUP): leg A, live, bound to ev->call. */
int leg_pri_alloc_in(struct leg **lp, struct daemon *d, struct pri_link *link,
		     const struct pri_event *ev);
/* A PRI leg to place later (leg B); link: the span whose law it prefers. */
int leg_pri_alloc_out(struct leg **lp, struct daemon *d, struct pri_link *link);
struct pri_link *leg_pri_link(const struct leg *l);
const struct pri_number *leg_pri_called(const struct leg *l);	/* as SETUP+INFO gave it */

/* Every event of a PRI span (pri_link.c's handler). */
void leg_pri_on_event(struct daemon *d, struct pri_link *link, const struct pri_event *ev);

/* The link's libpri state is about to be freed without signalling (D-channel closed):
 * every PRI leg on it goes, cause 38, and their calls clear their other legs. */
void leg_pri_link_detached(struct daemon *d, struct pri_link *link);

/* ---- SIP legs (sip/ua) ----------------------------------------------------------- */

/* An incoming INVITE: leg A, live, bound to sc. */
int leg_sip_alloc_in(struct leg **lp, struct daemon *d, struct sipua_call *sc,
		     const char *trunk);
/* A SIP leg to place later (leg B). */
int leg_sip_alloc_out(struct leg **lp, struct daemon *d);
/* Leg A: take the INVITE's offer (RFC 3264 §6): an RTP port and our answer, sent with the
 * first 18x/200; sdp NULL (late offer, RFC 3261 §13.2.1): our offer, sent with the 200,
 * the answer taken from the ACK. alaw: the law the TDM side will likely use (codec preference). 0, or an
 * errno value with *cause set (the leg's status is set when it must not come from the
 * cause table: 488). */
int leg_sip_take_offer(struct leg *l, const char *sdp, bool alaw, int *cause);
void leg_sip_on_event(struct daemon *d, const struct sipua_event *ev);
/* For the control socket: a SIP leg's trunk name ("" if none yet) and its negotiated
 * codec ("PCMA"; NULL before offer/answer). Both NULL when l is not a SIP leg. */
const char *leg_sip_trunk(const struct leg *l);
const char *leg_sip_codec(const struct leg *l);
/* Its dialog's Call-ID ("" before there is one), kept after the dialog ends: for CDRs. */
const char *leg_sip_call_id(const struct leg *l);
/* Its fax mode ("voice", "offering T.38", "T.38", "fax pass-through"); NULL if not SIP. */
const char *leg_sip_fax(const struct leg *l);

/* ---- every TDM leg ----------------------------------------------------------------- */

/* The echo canceller of a call's channel (span, position; fd) on or off, as the span's
 * echocancel/echocancel_taps say: on when the call takes the channel, off when it is done
 * with it, so an idle channel costs the driver nothing (chan_dahdi does the same). Returns
 * whether it is now on. Logs a failure with the channel. */
bool tdm_echocan(struct daemon *d, unsigned span, unsigned pos, int fd, bool on);

/* ---- analog FXS ports (gateway/leg_fxs.c) ----------------------------------------- */

/* The FXS ports of the [port] sections on fxs spans (after the spans exist). 0 or errno. */
int leg_fxs_ports_alloc(struct daemon *d);
void leg_fxs_ports_free(struct daemon *d);
/* An event of channel pos of span: true if it was an FXS port's. */
bool leg_fxs_on_event(struct daemon *d, unsigned span, unsigned pos, int event);
/* The port's fd is readable (it collects digits): true if it was an FXS port's. */
bool leg_fxs_on_readable(struct daemon *d, unsigned span, int fd);
/* A leg B for the port the route names (port N:P, or port N and the called number):
 * *alaw the port's law. ENOENT (*cause 1) when there is no such port. */
int leg_fxs_alloc_out(struct leg **lp, struct daemon *d, const struct conf_endpoint *to,
		      const char *called, bool *alaw, int *cause);
/* The ports' rows of the port state dump (gateway/status.h gw_port_rows): at most max
 * filled, how many there are returned. */
unsigned leg_fxs_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max);
/* The route ("to = port N:P") of the FXS port registered at trunk as user (its username,
 * Contact user or number): an INVITE for it rings that port. NULL when none is. */
const struct conf_route *leg_fxs_registered_route(struct daemon *d, const char *trunk,
						 const char *user);
/* A message-waiting NOTIFY (RFC 3842) from trunk for user (a registered port's user, or the
 * number of a port that shares the trunk): its next dial tones stutter while waiting. 200,
 * or 481 when no port is that user. */
int leg_fxs_mwi(struct daemon *d, const char *trunk, const char *user, bool waiting);
/* A reload changed (registering again: withdraw, then REGISTER at its registrar) or removed
 * (withdraw) trunk: the ports registered there follow. */
void leg_fxs_trunk_changed(struct daemon *d, const char *trunk, bool removed);
/* After a reload: each port takes its section's reloadable options from d->conf (timers,
 * caller ID, call waiting...; the next call or ring uses them). */
void leg_fxs_ports_reload(struct daemon *d);

/* ---- analog FXO ports (gateway/leg_fxo.c) ----------------------------------------- */

int leg_fxo_ports_alloc(struct daemon *d);
void leg_fxo_ports_free(struct daemon *d);
bool leg_fxo_on_event(struct daemon *d, unsigned span, unsigned pos, int event);
bool leg_fxo_on_readable(struct daemon *d, unsigned span, int fd);
/* A leg B on the port the route names (port N:P, or the first idle port of span N). */
int leg_fxo_alloc_out(struct leg **lp, struct daemon *d, const struct conf_endpoint *to,
		      bool *alaw, int *cause);
/* Whether span has FXO ports (a route "to = port N" leads to one of them). */
bool leg_fxo_is_port(struct daemon *d, unsigned span);
/* After a reload: as leg_fxs_ports_reload() (where calls go, dial delay, supervision). */
void leg_fxo_ports_reload(struct daemon *d);
unsigned leg_fxo_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max);

/* ---- routing (gateway/call_route.c) ------------------------------------------------ */

/* A SETUP arrived on link; an INVITE arrived (ev->type SIPUA_EV_CALL_INCOMING). */
void route_pri_setup(struct daemon *d, struct pri_link *link, const struct pri_event *ev);
void route_sip_invite(struct daemon *d, const struct sipua_event *ev);

/* Leg A is a PRI leg in ROUTING: route the number its SETUP and INFO gave so far;
 * complete: no more digits will come (Sending Complete, '#', the inter-digit timer). */
void route_tdm(struct daemon *d, struct call *c, bool complete);

/* Ordered fallback (the call environment's failover and reroute, gateway/call.h): may
 * the call try its route's next destination after cause? Logs the attempt. Then: place
 * leg B on the next destination (or clear the call). */
bool route_call_failover(struct daemon *d, struct call *c, int cause);
void route_call_reroute(struct daemon *d, struct call *c);

/* How numbers on this span are written (conf country_code, national_prefix). */
struct party_plan route_span_plan(const struct daemon *d, unsigned span);

/* The environment the call model runs in (media, routing, timers): set up in d->calls. */
void route_env_init(struct daemon *d);

/* A media engine event for the call it names. */
void route_media_event(struct daemon *d, const struct media_event *ev);
/* Send an RFC 4733 event of ms [ms] on the call's RTP stream (an FXS port's hook flash:
 * event 16). Return 0, ENOTCONN (no RTP stream joined: none yet, or a TDM bridge, or fax),
 * ENOTSUP (the peer did not take telephone-event) or the engine's EINVAL/EAGAIN. */
int route_media_te_event(struct daemon *d, struct call *c, unsigned event, unsigned ms);

#endif
