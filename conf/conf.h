/* Configuration: one INI file, validated against one table of options (conf/options.c).
 *
 * Sections: [general], [span N] (N = DAHDI span number), [group NAME] (PRI spans hunted as
 * one trunk group), [port N:LIST] (analog ports: positions LIST of FXS/FXO span N, sharing
 * settings), [trunk NAME], [route NAME].
 * Every error names file:line. The result is plain typed data; gateway/ hands each module
 * the part it needs. */
#ifndef STROWGER_CONF_H
#define STROWGER_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_DEFAULT_PATH "/etc/strowger/strowger.conf"
#define CONF_NAME_MAX     32	/* trunk and route names */
#define CONF_STR_MAX      256
#define CONF_MAX_CHANS    31	/* E1: 31 timeslots; T1: 24 */
#define CONF_REALM_MAX    128	/* digest realm, without quotes */
#define CONF_GROUP_MAX_SPANS 32	/* spans in one [group] */
#define CONF_ROUTE_MAX_TO 4	/* destinations of one route: the first and its fallbacks */

enum conf_span_type { SPAN_E1, SPAN_T1 };

/* What the gateway is on this span. PRI roles follow Q.931: cpe = user side, net = network
 * side. fxs/fxo are analog ports presented through a channel bank (fxoks/fxsks signalling). */
enum conf_span_sig { SIG_PRI_CPE, SIG_PRI_NET, SIG_FXS, SIG_FXO };

enum conf_switch { SW_EUROISDN, SW_NI2, SW_DMS100, SW_5ESS, SW_4ESS, SW_QSIG };

enum conf_law { LAW_ALAW, LAW_ULAW };

enum conf_transport { TRANSPORT_UDP, TRANSPORT_TCP, TRANSPORT_TLS };

/* How a trunk carries fax: T.38 over UDPTL (ITU-T T.38, Annex D), G.711 pass-through tuned
 * for fax, or as a voice call. */
enum conf_fax { FAX_T38, FAX_PASSTHROUGH, FAX_OFF };

/* SRTP on a trunk (RFC 3711, keys by SDES RFC 4568): values as sip/sdp_crypto.h's
 * enum sdp_srtp_policy. */
enum conf_srtp { SRTP_OFF, SRTP_OPTIONAL, SRTP_MANDATORY };

/* Which fax tones on the B-channel make the gateway switch the call to fax: any (CNG from
 * a sending machine, CED or the V.21 preamble from a receiving one), only the receiving
 * side's (the T.38 Annex D convention: the receiving gateway starts T.38), or none (the
 * peer must send the re-INVITE). */
enum conf_fax_detect { FAX_DETECT_ANY, FAX_DETECT_CED, FAX_DETECT_NONE };
/* Session timers (RFC 4028): none, honour the peer's, or ask for one ourselves. */
enum conf_session_timer { ST_NO, ST_ACCEPT, ST_YES };
enum conf_session_refresh { SR_REINVITE, SR_UPDATE };
/* Reliable provisional responses (RFC 3262). */
enum conf_prack { PRACK_NO, PRACK_SUPPORTED, PRACK_REQUIRED };

enum conf_hunt { HUNT_ASCENDING, HUNT_DESCENDING, HUNT_ROUNDROBIN };

enum conf_endpoint_kind { EP_ANY, EP_SPAN, EP_TRUNK, EP_GROUP, EP_PORT };

/* Caller ID sent to an FXS port's phone / expected on an FXO line, between the rings. */
enum conf_callerid { CID_BELL202, CID_V23, CID_DTMF, CID_NONE };

/* An FXS port's message waiting (RFC 3842): unsolicited NOTIFYs only, or SUBSCRIBE too. */
enum conf_mwi { MWI_NOTIFY, MWI_SUBSCRIBE };

/* When an FXO port's outgoing call counts as answered (a loop-start line has no answer
 * signal of its own): once dialled, on battery reversal, or on voice from the line. */
enum conf_answer_sup { ANSWER_SUP_IMMEDIATE, ANSWER_SUP_POLARITY, ANSWER_SUP_VOICE };

/* A route's source or destination: "any", "span N", "group NAME", "trunk NAME", or (a
 * destination only) "port N:P" (one analog port) or "port N" (the port of span N whose
 * number is the called number). */
struct conf_endpoint {
	enum conf_endpoint_kind kind;
	unsigned span;			/* EP_SPAN, EP_PORT */
	unsigned pos;			/* EP_PORT: span position, 0 = by number */
	char trunk[CONF_NAME_MAX];	/* EP_TRUNK */
	char group[CONF_NAME_MAX];	/* EP_GROUP; for a call's source (EP_SPAN): the group
					 * its span belongs to, "" if none */
};

/* A route's destinations in the order they are tried: "trunk a, trunk b, span 4". */
struct conf_destlist {
	struct conf_endpoint ep[CONF_ROUTE_MAX_TO];	/* never EP_ANY */
	unsigned n;			/* 1..CONF_ROUTE_MAX_TO */
};

/* Spans in the order written, each once. */
struct conf_spanlist {
	unsigned n;
	unsigned span[CONF_GROUP_MAX_SPANS];
};

struct conf_general {
	int log_target;			/* enum log_target */
	int log_level;			/* enum log_level, every subsystem */
	char log_levels[CONF_STR_MAX];	/* "pri=debug,sip=debug" on top of log_level */
	char dahdi_dir[CONF_STR_MAX];	/* normally /dev/dahdi */
	unsigned alarm_poll_ms;		/* [ms] span status poll interval */
	char sip_address[CONF_NAME_MAX + 16];	/* numeric address the SIP stack binds */
	unsigned sip_port;
	char auth_realm[CONF_REALM_MAX + 1];	/* realm of our digest challenges (RFC 3261
					 * §22.1) to INVITEs from no trunk's address */
	unsigned auth_nonce_lifetime;	/* [s] a nonce of ours is good this long */
	char rtp_address[CONF_NAME_MAX + 16];	/* numeric address of the RTP sockets */
	char external_address[CONF_NAME_MAX + 16];	/* NAT: the public address our Via,
					 * Contact and SDP name; "": sip_/rtp_address */
	unsigned rtp_port_min;		/* RTP ports, even ones used, RTCP on the next odd */
	unsigned rtp_port_max;
	bool symmetric_rtp;		/* send RTP where the peer's RTP comes from */
	unsigned max_calls;		/* 0: no limit; beyond it 503 / cause 34 */
	bool reason_header;		/* send Reason: Q.850 (RFC 3326) */
	char cause_map[CONF_STR_MAX];	/* overrides "17=486,486=17" (RFC 3398 tables) */
	unsigned digit_timeout_ms;	/* [ms] overlap dialling inter-digit timeout */
	char control_socket[CONF_STR_MAX];	/* path of the control socket (gateway/ctl.h) */
	char control_mode[8];		/* its permissions, octal: "0660" */
	char failover_causes[CONF_STR_MAX];	/* Q.850 causes on which a route tries its
					 * next destination: "27, 34, 38, 41, 42, 102" */
	char cdr_db[CONF_STR_MAX];	/* CDR database (gateway/cdr.h); "" or "off": none */
	char cdr_csv[CONF_STR_MAX];	/* CSV copy of the CDRs; "": none */
	char state_file[CONF_STR_MAX];	/* blocked spans kept across restarts; "" or "off" */
	char metrics_listen[64];	/* "127.0.0.1:9100", "[::1]:9100"; "": no metrics */
	char status_token[128];		/* the status page's token off loopback; "": none */
	char trace_file[CONF_STR_MAX];	/* pcap file of "strowgerctl trace on"; "": none */
	unsigned trace_max_mb;		/* the trace stops at this size [MiB] */
	/* SIP over TLS (RFC 3261 §26.2.1) and the resolver of trunk host names (RFC 3263) */
	unsigned sip_tls_port;		/* TLS listens here when a trunk has transport = tls */
	char tls_cert[CONF_STR_MAX];	/* our certificate (PEM, chain after it) */
	char tls_key[CONF_STR_MAX];	/* its private key (PEM) */
	char tls_ca[CONF_STR_MAX];	/* CAs a peer's certificate must chain to (PEM) */
	bool tls_verify;		/* check the peer's certificate and name; no: WARNING */
	char dns_server[CONF_NAME_MAX + 16];	/* "127.0.0.1:5353"; "": /etc/resolv.conf */
};

struct conf_span {
	unsigned number;		/* DAHDI span number */
	enum conf_span_type type;
	enum conf_span_sig sig;
	enum conf_switch switchtype;	/* PRI only */
	enum conf_law law;
	uint32_t bchans;		/* bit n set = span position n is a bearer channel */
	unsigned dchannel;		/* span position of the D-channel; 0 for analog */
	bool overlap;			/* PRI: accept incomplete SETUPs, collect INFO digits */
	int hunt;			/* enum conf_hunt: B-channel order for our calls; a span
					 * in a [group] follows the group's instead */
	char country_code[4];		/* PRI: E.164 country code, "" = unknown */
	char national_prefix[5];	/* PRI: trunk prefix of national numbers, "0" */
	bool echocancel;		/* DAHDI's echo canceller on this span's channels in calls */
	unsigned echocancel_taps;	/* its tail: 32..1024, a power of two (8 taps = 1 ms) */
	unsigned line;			/* where the section starts */
};

/* PRI spans whose B-channels are hunted as one trunk group (chan_dahdi's group=, a trunk
 * group in FreeTDM or AudioCodes terms). The channels are the first span's, then the
 * second's...: ascending starts on the first span, descending at the end of the last. A
 * span is in at most one group; E1 and T1 may be mixed (each span keeps its law). */
struct conf_group {
	char name[CONF_NAME_MAX];
	struct conf_spanlist spans;	/* at least one; every one a PRI [span] */
	int hunt;			/* enum conf_hunt, over the whole group */
	unsigned line;
};

/* [port N:LIST]: analog ports (positions LIST of the fxs or fxo span N) with one set of
 * settings. A range numbers its ports from `number` up: [port 5:1-8] number = 2001 gives
 * position 1 the number 2001 ... position 8 2008. */
struct conf_port {
	unsigned span;
	uint32_t chans;			/* bit n = span position n */
	char list[CONF_NAME_MAX];	/* "1-8" as written */
	char number[CONF_NAME_MAX];	/* the first port's number, digits; "" = none */
	char caller_id_name[CONF_NAME_MAX * 2];	/* FXS: the name its calls carry */
	struct conf_endpoint reg;	/* FXS: EP_TRUNK: each port registers there as its own
					 * user (RFC 3261 §10); EP_ANY: none */
	char username[CONF_NAME_MAX];	/* FXS: the first port's SIP user; "" = its number */
	char password[CONF_STR_MAX];	/* FXS: digest password of every port of the section */
	int mwi;			/* enum conf_mwi */
	char tone_zone[8];		/* libtonezone country code: us, de, uk, fr... */
	char dial_plan[CONF_STR_MAX];	/* FXS: "911|1NXXNXXXXXX|0."; "" = until a route matches */
	int caller_id;			/* enum conf_callerid */
	unsigned ring_timeout;		/* [s] FXS: no answer this long: cause 19 */
	unsigned first_digit_ms;	/* [ms] FXS: dial tone without a digit */
	unsigned digit_ms;		/* [ms] FXS: between digits */
	unsigned flash_max_ms;		/* [ms] FXS: an on-hook this long is a hang-up */
	unsigned howler_after;		/* [s] FXS: busy tone, then off-hook warning */
	bool call_waiting;		/* FXS: a second call in an answered one waits (flash) */
	struct conf_endpoint to;	/* FXO: where a ringing line's call goes */
	char to_number[CONF_NAME_MAX];	/* FXO: the number it calls there; "" = the port's */
	unsigned dial_delay_ms;		/* [ms] FXO: off-hook to the first digit */
	unsigned silence_timeout;	/* [s] FXO: clear after this long of silence; 0 = off */
	bool disconnect_tone;		/* FXO: the zone's busy/congestion tone clears the call */
	int answer_supervision;		/* enum conf_answer_sup: FXO, outgoing calls */
	char distinctive_ring[CONF_STR_MAX];	/* FXS: "NAME:ON/OFF[/ON/OFF...], ..." [ms] */
	unsigned line;
};

struct conf_trunk {
	char name[CONF_NAME_MAX];
	char proxy[CONF_STR_MAX];	/* sip:host[:port], host numeric or a name (RFC 3263) */
	enum conf_transport transport;
	char username[CONF_STR_MAX];
	char password[CONF_STR_MAX];
	bool registration;
	unsigned expires;		/* [s] requested registration lifetime */
	unsigned keepalive;		/* [s] OPTIONS interval, 0 = none */
	bool trust;			/* in our trust domain (RFC 3325): identity is asserted */
	char from_user[CONF_NAME_MAX];	/* the trunk's account in every From, the caller in
					 * P-Asserted-Identity; "" = the caller in From */
	char from_domain[CONF_NAME_MAX + 16];	/* host of From and P-Asserted-Identity; "" =
					 * the proxy's host:port */
	char pai[CONF_STR_MAX];		/* fixed P-Asserted-Identity: URI or user; "" = the
					 * caller's */
	char privacy[CONF_NAME_MAX];	/* forced Privacy value; "" = from the caller */
	bool inbound_auth;		/* INVITEs from any address that authenticate (digest,
					 * RFC 3261 §22.4) as username/password are ours */
	int fax;			/* enum conf_fax */
	int fax_detect;			/* enum conf_fax_detect */
	bool fax_ecm;			/* allow T.30 error correction (ECM) through T.38 */
	unsigned t38_redundancy;	/* UDPTL secondaries with control packets (T.38 §9.1) */
	unsigned t38_redundancy_image;	/* … with image data packets */
	unsigned t38_max_datagram;	/* [octets] our T38FaxMaxDatagram */
	unsigned fax_timeout;		/* [s] no UDPTL in a T.38 fax this long: clear the call */
	unsigned rtp_timeout;		/* [s] no RTP this long (not on hold): clear; 0 = never */
	int srtp;			/* enum conf_srtp */
	char srtp_suites[CONF_STR_MAX];	/* SDES crypto suites in preference order */
	int session_timer;		/* enum conf_session_timer (RFC 4028) */
	unsigned session_expires;	/* [s] the interval we ask for (session_timer = yes) */
	unsigned min_se;		/* [s] the shortest interval we take (422 below) */
	int session_refresh;		/* enum conf_session_refresh: how we refresh */
	bool late_offer;		/* our INVITEs without SDP (RFC 3261 §13.2.1) */
	int prack;			/* enum conf_prack (RFC 3262 100rel) */
	unsigned line;
};

struct conf_route {
	char name[CONF_NAME_MAX];
	struct conf_endpoint from;	/* EP_ANY matches every source */
	char match[CONF_STR_MAX];	/* called number: prefix, list of prefixes "a, b",
					 * @file of them, or /regex/ (POSIX ERE) */
	/* Destinations: to is the first (all most code needs), dest all of them in order;
	 * a failed attempt may fall back to the next (gateway/route.h route_failover). */
	union {
		struct conf_endpoint to;
		struct conf_destlist dest;
	};
	unsigned strip;			/* digits removed from the front */
	char prepend[CONF_NAME_MAX];
	char pai[CONF_STR_MAX];		/* toward a trunk: over the trunk's pai; "" = its */
	char privacy[CONF_NAME_MAX];	/* toward a trunk: over the trunk's privacy */
	unsigned line;
};

struct conf {
	char path[CONF_STR_MAX];
	struct conf_general general;
	struct conf_span *spans;
	unsigned nspans;
	struct conf_group *groups;
	unsigned ngroups;
	struct conf_trunk *trunks;
	unsigned ntrunks;
	struct conf_route *routes;
	unsigned nroutes;
	struct conf_port *ports;
	unsigned nports;
};

/* Every error found while loading, each "file:line: what is wrong". */
struct conf_errors {
	char **msgs;
	unsigned count;
};

/* Parse and validate path. On success *confp is a new config and 0 is returned; on failure
 * errs holds one message per mistake (at least one) and EINVAL (or the errno of an unreadable
 * file) is returned. errs must be released with conf_errors_clear() either way. */
int conf_load(struct conf **confp, const char *path, struct conf_errors *errs);

/* The same, from a string; name stands for the file name in messages (tests). */
int conf_load_string(struct conf **confp, const char *text, const char *name,
		     struct conf_errors *errs);

void conf_free(struct conf *conf);
void conf_errors_clear(struct conf_errors *errs);

/* Print the effective configuration, defaults filled in, as a valid config file. */
void conf_print(const struct conf *conf, FILE *out);

/* Describe options that differ between old and new but cannot change on reload, one
 * "[section] key" per line into buf. Return how many there are (0: new can be applied). */
unsigned conf_restart_needed(const struct conf *old, const struct conf *new, char *buf,
			     unsigned buflen);

/* Make new runnable in place of old without a restart (after conf_restart_needed()):
 * [general], spans, groups and ports keep old's values in new, but for the options marked
 * reloadable (a span's only while its type and signalling stay); trunks and routes stay
 * new's. 0, or EINVAL/ENOMEM with new unchanged. */
int conf_reload_merge(const struct conf *old, struct conf *new);

/* Copy a [port] section's reloadable options from src to dst (a port's own copy). */
void conf_port_take_reloadable(struct conf_port *dst, const struct conf_port *src);

/* Whether every option of two [trunk]s is the same (their lines may differ). */
bool conf_trunk_equal(const struct conf_trunk *a, const struct conf_trunk *b);

/* Lookups; NULL when absent. */
const struct conf_span *conf_span_find(const struct conf *conf, unsigned number);
/* How many analog ports the [port] sections put on spans with this signalling. */
unsigned conf_ports_count(const struct conf *conf, enum conf_span_sig sig);

/* "127.0.0.1:9100" or "[::1]:9100" (numeric address and port 1..65535) into *sa and *len.
 * 0, or EINVAL. */
struct sockaddr_storage;
int conf_listen_addr(const char *value, struct sockaddr_storage *sa, unsigned *len);
const struct conf_trunk *conf_trunk_find(const struct conf *conf, const char *name);
const struct conf_group *conf_group_find(const struct conf *conf, const char *name);

/* The [port] section that has position pos of span; NULL when none has. */
const struct conf_port *conf_port_find(const struct conf *conf, unsigned span, unsigned pos);

/* The group span number belongs to; NULL when it is in none. */
const struct conf_group *conf_span_group(const struct conf *conf, unsigned number);

#endif
