/* SIP trunks: REGISTER with digest auth and back-off (RFC 3261 §10.2), OPTIONS keepalive. */
#define SU_TIMER_ARG_T struct sip_trunk
#define SRES_CONTEXT_T struct sip_trunk

#include "sip/trunk.h"

#include "sip/reg.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sresolv.h>
#include <sofia-sip/su_wait.h>

#include "common/clock.h"

#define URI_MAX 512

#define EXPIRES_DEFAULT		3600	/* [s] */
#define KEEPALIVE_FAILS_DEFAULT 2
#define RETRY_MIN_DEFAULT	1	/* [s] */
#define RETRY_MAX_DEFAULT	60	/* [s] */
#define SRV_MAX			8	/* SRV targets kept for failover */

#define TRACE_ADDRS	4	/* SRV targets and A records one trunk is traced at */
#define TRACE_CIDS	16	/* registrations, OPTIONS and calls, the latest */

struct srv_target {
	char host[256];
	uint16_t port;
};

struct sip_trunk {
	struct sip_hctx opt_ctx;	/* magic of opt_nh */
	struct sipua *ua;
	char *name;
	char *username;
	char *password;
	char hostport[272];		/* "127.0.0.1:5070", "[::1]:5070", "carrier.example" */
	enum sip_transport transport;
	struct sockaddr_storage addr;	/* the proxy, for matching request sources;
					 * AF_UNSPEC for a host name */
	bool do_register;
	unsigned expires;		/* [s] requested */
	unsigned keepalive;		/* [s] */
	unsigned keepalive_fails;
	unsigned retry_min, retry_max;	/* [s] */
	bool inbound_auth;		/* authenticated INVITEs from anywhere are ours */
	bool retired;			/* removed by a reload: takes no new calls, withdraws
					 * its registration, lives on for its calls */
	struct sip_reg *reg;		/* the trunk's own registration (sip/reg.h), or NULL */

	/* RFC 3263 §4.3 failover on 503: nta tries the next SRV target itself after a
	 * transport error or a timeout, not after a 503; the targets, to retry there */
	sres_resolver_t *res;		/* a host name without a port only */
	sres_query_t *srv_query;	/* outstanding */
	struct srv_target srv[SRV_MAX];	/* RFC 2782 order: priority, then weight */
	unsigned nsrv;
	uint64_t srv_expires_us;	/* the smallest TTL of the answer ran out */

	/* SIP trace of a trunk named by a host name (sip_trunk_trace_learn): where its
	 * requests went once Sofia-SIP resolved the name, and their Call-IDs; a few of
	 * each, the oldest overwritten */
	struct sockaddr_storage sent_to[TRACE_ADDRS];
	unsigned nsent_to;
	char sent_cid[TRACE_CIDS][128];
	unsigned nsent_cid;

	nua_handle_t *opt_nh;		/* OPTIONS outstanding, or NULL */
	su_timer_t *opt_timer;
	unsigned opt_failures;		/* in a row */
	int up;				/* -1 unknown, 0 down, 1 up */
};

const char *sip_trunk_reg_state_name(enum sip_trunk_reg_state s)
{
	return sip_reg_state_name((enum sip_reg_state)s);
}

const char *sip_trunk_name(const struct sip_trunk *t)
{
	return t ? t->name : "-";
}

enum sip_trunk_reg_state sip_trunk_reg_state(const struct sip_trunk *t)
{
	return (enum sip_trunk_reg_state)sip_reg_state(t->reg);
}

bool sip_trunk_is_up(const struct sip_trunk *t)
{
	return t->up != 0;
}

enum sip_transport sip_trunk_transport(const struct sip_trunk *t)
{
	return t->transport;
}

const char *sip_transport_name(enum sip_transport tp)
{
	return tp == SIP_TP_TLS ? "tls" : tp == SIP_TP_TCP ? "tcp" : "udp";
}

const char *sip_contact_params(enum sip_transport tp)
{
	return tp == SIP_TP_TLS ? SIP_CONTACT_TLS_PARAMS
	       : tp == SIP_TP_TCP ? SIP_CONTACT_TCP_PARAMS : NULL;
}

bool sip_trunk_inbound_auth(const struct sip_trunk *t)
{
	return t->inbound_auth;
}

const char *sip_trunk_inbound_password(const struct sip_trunk *t, const char *user)
{
	if (t->retired)
		return NULL;	/* removed by a reload: no new calls */
	return t->inbound_auth && user && !strcmp(user, t->username) ? t->password : NULL;
}

/* A host name as RFC 1123 §2.1 allows it: letters, digits, hyphens and dots. */
static bool is_host_name(const char *h)
{
	size_t n = strlen(h);

	return n && h[0] != '.' && h[0] != '-' &&
	       strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == n &&
	       strspn(h, "0123456789.") != n;	/* "192.0.2" is a typo, not a name */
}

/* "sip:<host>[:port]" (a ";param" tail is ignored) into addr and hostport. A numeric host
 * gets the transport's default port (RFC 3261 §19.1.2: 5060, 5061 over TLS); a name keeps
 * the port it was given, and without one is left to RFC 3263 §4.2 (NAPTR, SRV). */
static int parse_proxy(struct sip_trunk *t, const char *proxy)
{
	char host[256];
	const char *s, *end;
	unsigned long port = t->transport == SIP_TP_TLS ? 5061 : 5060;
	bool port_given = false;
	size_t n;

	if (strncasecmp(proxy, "sip:", 4))
		return EINVAL;
	s = proxy + 4;
	if (strchr(s, '@'))
		return EINVAL;
	if (*s == '[') {
		end = strchr(++s, ']');
		if (!end)
			return EINVAL;
		n = (size_t)(end - s);
		end++;
	} else {
		end = s + strcspn(s, ":;");
		n = (size_t)(end - s);
	}
	if (!n || n >= sizeof(host))
		return EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (*end == ':') {
		char *e;
		port = strtoul(end + 1, &e, 10);
		if (!port || port > 65535 || (*e && *e != ';'))
			return EINVAL;
		port_given = true;
	} else if (*end && *end != ';') {
		return EINVAL;
	}

	memset(&t->addr, 0, sizeof(t->addr));
	struct sockaddr_in *in = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->addr;
	if (s[-1] != '[' && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		snprintf(t->hostport, sizeof(t->hostport), "%s:%lu", host, port);
	} else if (s[-1] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		snprintf(t->hostport, sizeof(t->hostport), "[%s]:%lu", host, port);
	} else if (s[-1] != '[' && is_host_name(host)) {
		t->addr.ss_family = AF_UNSPEC;	/* Sofia-SIP resolves it per request */
		if (port_given)
			snprintf(t->hostport, sizeof(t->hostport), "%s:%lu", host, port);
		else
			snprintf(t->hostport, sizeof(t->hostport), "%s", host);
	} else {
		return EINVAL;
	}
	return 0;
}

const char *sip_trunk_hostport(const struct sip_trunk *t)
{
	return t->hostport;
}

const char *sip_trunk_host(const struct sip_trunk *t, char *buf, size_t len)
{
	const char *hp = t->hostport;
	size_t n = hp[0] == '[' ? strcspn(hp, "]") + 1 : strcspn(hp, ":");

	snprintf(buf, len, "%.*s", (int)n, hp);
	return buf;
}

/* sa is want's address (and port, over UDP: over TCP the far end's port is its own). */
static bool addr_match(const struct sockaddr_storage *want, const struct sockaddr *sa, bool tcp)
{
	if (sa->sa_family != want->ss_family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;
		const struct sockaddr_in *b = (const void *)want;
		return a->sin_addr.s_addr == b->sin_addr.s_addr && (tcp || a->sin_port == b->sin_port);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;
		const struct sockaddr_in6 *b = (const void *)want;
		return !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) &&
		       (tcp || a->sin6_port == b->sin6_port);
	}
	return false;
}

bool sip_trunk_match_source(const struct sip_trunk *t, const struct sockaddr *sa, bool tcp)
{
	return !t->retired && addr_match(&t->addr, sa, tcp);
}

bool sip_trunk_is_host(const struct sip_trunk *t, const char *host)
{
	size_t n = strcspn(t->hostport, ":");

	/* a name (AF_UNSPEC) only: a numeric proxy is matched by its address */
	return t->addr.ss_family == AF_UNSPEC && host && strlen(host) == n &&
	       !strncasecmp(host, t->hostport, n);
}

void sip_trunk_trace_learn(struct sip_trunk *t, const struct sockaddr *peer, const char *call_id)
{
	bool known = false;

	for (unsigned i = 0; i < t->nsent_to && i < TRACE_ADDRS && !known; i++)
		known = addr_match(&t->sent_to[i], peer, false);
	if (!known && (peer->sa_family == AF_INET || peer->sa_family == AF_INET6)) {
		struct sockaddr_storage *a = &t->sent_to[t->nsent_to++ % TRACE_ADDRS];

		memset(a, 0, sizeof(*a));
		memcpy(a, peer, peer->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							   : sizeof(struct sockaddr_in6));
	}
	known = !call_id || !call_id[0] || strlen(call_id) >= sizeof(t->sent_cid[0]);
	for (unsigned i = 0; i < t->nsent_cid && i < TRACE_CIDS && !known; i++)
		known = !strcmp(t->sent_cid[i], call_id);
	if (!known)
		snprintf(t->sent_cid[t->nsent_cid++ % TRACE_CIDS], sizeof(t->sent_cid[0]), "%s",
			 call_id);
}

bool sip_trunk_trace_match(const struct sip_trunk *t, const struct sockaddr *sa, bool tcp,
			   const char *call_id)
{
	if (addr_match(&t->addr, sa, tcp))
		return true;
	for (unsigned i = 0; i < t->nsent_to && i < TRACE_ADDRS; i++)
		if (addr_match(&t->sent_to[i], sa, tcp))
			return true;
	for (unsigned i = 0; call_id && call_id[0] && i < t->nsent_cid && i < TRACE_CIDS; i++)
		if (!strcmp(t->sent_cid[i], call_id))
			return true;
	return false;
}

static int uri_build(const struct sip_trunk *t, const char *user, bool with_transport,
		     char *buf, size_t len)
{
	int n = snprintf(buf, len, "sip:%s%s%s%s", user && user[0] ? user : "",
			 user && user[0] ? "@" : "", t->hostport,
			 !with_transport || t->transport == SIP_TP_UDP ? ""
			 : t->transport == SIP_TP_TLS ? ";transport=tls" : ";transport=tcp");
	return n < 0 || (size_t)n >= len ? ENOSPC : 0;
}

int sip_trunk_uri(const struct sip_trunk *t, const char *user, char *buf, size_t len)
{
	return uri_build(t, user, true, buf, len);
}

int sip_trunk_aor(const struct sip_trunk *t, const char *user, char *buf, size_t len)
{
	return uri_build(t, user, false, buf, len);
}

int sip_trunk_auth(const struct sip_trunk *t, const char *realm, char *buf, size_t len)
{
	return sip_digest_auth_str(realm, t->username, t->password, buf, len);
}

/* ---- Registration (RFC 3261 §10.2, sip/reg.h) ------------------------------------------ */

/* The trunk's registration reports as trunk events. */
static void reg_event(struct sip_reg *r, enum sip_reg_event e, int status, const char *phrase,
		      unsigned secs, void *arg)
{
	struct sip_trunk *t = arg;
	struct sipua_event ev = {
		.type = e == SIP_REG_EV_REGISTERED ? SIPUA_EV_TRUNK_REGISTERED
						   : SIPUA_EV_TRUNK_REG_FAILED,
		.trunk = t,
		.status = status,
		.phrase = phrase,
		.expires = e == SIP_REG_EV_REGISTERED ? secs : 0,
		.retry_in = e == SIP_REG_EV_FAILED ? secs : 0,
	};

	(void)r;
	sipua_emit(t->ua, &ev);
}

/* The registration's data from the trunk's: made at the first register = yes, updated at a
 * change. 0 or an errno value. */
static int reg_setup(struct sip_trunk *t)
{
	char name[300];
	struct sip_reg_params rp = {
		.name = name,
		.user = t->username,
		.password = t->password,
		.expires = t->expires,
		.retry_min = t->retry_min,
		.retry_max = t->retry_max,
		.evh = reg_event,
		.arg = t,
	};

	if (!t->do_register)
		return 0;
	snprintf(name, sizeof(name), "trunk %s", t->name);
	return t->reg ? sip_reg_set(t->reg, &rp) : sip_reg_alloc(&t->reg, t->ua, t, &rp);
}

/* ---- OPTIONS keepalive (RFC 3261 §11) --------------------------------------------------- */

static void opt_result(struct sip_trunk *t, bool ok, int status, const char *what)
{
	struct sipua_event ev = { .trunk = t, .status = status, .phrase = what };

	if (ok) {
		t->opt_failures = 0;
		if (t->up == 1)
			return;
		t->up = 1;
		LOGN(LS_SIP, "trunk %s: up (OPTIONS answered %d %s)", t->name, status, what);
		ev.type = SIPUA_EV_TRUNK_UP;
		sipua_emit(t->ua, &ev);
		return;
	}
	t->opt_failures++;
	LOGI(LS_SIP, "trunk %s: OPTIONS failed (%u in a row): %d %s", t->name, t->opt_failures,
	     status, what);
	if (t->opt_failures < t->keepalive_fails || t->up == 0)
		return;
	t->up = 0;
	LOGW(LS_SIP, "trunk %s: down (%u OPTIONS failed, last: %d %s)", t->name, t->opt_failures,
	     status, what);
	ev.type = SIPUA_EV_TRUNK_DOWN;
	sipua_emit(t->ua, &ev);
}

static void opt_drop(struct sip_trunk *t)
{
	if (!t->opt_nh)
		return;
	nua_handle_bind(t->opt_nh, NULL);
	nua_handle_destroy(t->opt_nh);
	t->opt_nh = NULL;
}

static void opt_send(struct sip_trunk *t)
{
	char uri[URI_MAX], to[URI_MAX];

	if (t->opt_nh) {	/* the previous probe is still unanswered */
		char what[64];
		snprintf(what, sizeof(what), "no answer within %u s", t->keepalive);
		opt_drop(t);
		opt_result(t, false, 408, what);
	}
	if (uri_build(t, NULL, true, uri, sizeof(uri)) ||
	    uri_build(t, NULL, false, to, sizeof(to)))
		return;
	t->opt_nh = nua_handle(sipua_nua(t->ua), &t->opt_ctx, SIPTAG_TO_STR(to), TAG_END());
	if (!t->opt_nh)
		return;
	nua_options(t->opt_nh, NUTAG_URL(uri), TAG_END());
}

static void opt_timer(su_root_magic_t *magic, su_timer_t *timer, struct sip_trunk *t)
{
	(void)magic;
	(void)timer;
	opt_send(t);
}

static void opt_response(struct sip_trunk *t, nua_handle_t *nh, int status, const char *phrase)
{
	if (nh != t->opt_nh || status < 200)
		return;
	opt_drop(t);
	/* A peer that answers at all is alive, whatever it thinks of OPTIONS; 408 and 5xx/6xx
	 * (including Sofia's own 503 for an unreachable transport) are not. */
	opt_result(t, status != 408 && status < 500, status, phrase ? phrase : "");
}

void sip_trunk_tls_refused(struct sip_trunk *t, const char *reason)
{
	LOGE(LS_SIP, "trunk %s: TLS peer %s refused: %s", t->name, t->hostport, reason);
	if (t->opt_nh) {
		opt_drop(t);
		opt_result(t, false, 503, "TLS peer refused");
	}
}

void sip_trunk_nua_event(struct sip_hctx *ctx, int event, int status, const char *phrase,
			 struct nua_handle_s *nh, const struct sip_s *sip)
{
	struct sip_trunk *t;

	(void)sip;
	t = (struct sip_trunk *)((char *)ctx - offsetof(struct sip_trunk, opt_ctx));
	if (event == nua_r_options)
		opt_response(t, nh, status, phrase);
}

/* ---- SRV targets for 503 failover (RFC 3263 §4.3, RFC 2782) --------------------------- */

static void srv_answer(struct sip_trunk *t, sres_query_t *q, sres_record_t **answers)
{
	uint32_t ttl = 3600;

	(void)q;
	t->srv_query = NULL;
	t->nsrv = 0;
	if (answers)
		sres_sort_answers(t->res, answers);	/* priority, then weight (RFC 2782) */
	for (unsigned i = 0; answers && answers[i] && t->nsrv < SRV_MAX; i++) {
		const sres_srv_record_t *srv = answers[i]->sr_srv;
		if (srv->srv_record->r_type != sres_type_srv || srv->srv_record->r_status ||
		    !srv->srv_target || !srv->srv_port)
			continue;
		struct srv_target *st = &t->srv[t->nsrv++];
		snprintf(st->host, sizeof(st->host), "%s", srv->srv_target);
		size_t n = strlen(st->host);
		if (n && st->host[n - 1] == '.')
			st->host[n - 1] = '\0';
		st->port = srv->srv_port;
		if (srv->srv_record->r_ttl < ttl)
			ttl = srv->srv_record->r_ttl;
		LOGI(LS_SIP, "trunk %s: SRV target %u: %s:%u (priority %u, weight %u, TTL %u s)",
		     t->name, t->nsrv, st->host, st->port, srv->srv_priority, srv->srv_weight,
		     srv->srv_record->r_ttl);
	}
	if (!t->nsrv)
		ttl = 60;	/* none, or no answer: ask again in a minute */
	t->srv_expires_us = clock_now_us() + (uint64_t)ttl * 1000000u;
	sres_free_answers(t->res, answers);
}

static void srv_lookup(struct sip_trunk *t)
{
	char name[300];

	if (!t->res || t->srv_query)
		return;
	/* RFC 3263 §4.1 without NAPTR: the SRV name of the transport we use */
	snprintf(name, sizeof(name), "%s.%s", t->transport == SIP_TP_TLS ? "_sips._tcp"
		 : t->transport == SIP_TP_TCP ? "_sip._tcp" : "_sip._udp", t->hostport);
	t->srv_query = sres_query(t->res, srv_answer, t, sres_type_srv, name);
}

const char *sip_trunk_srv_next(struct sip_trunk *t, unsigned n, char *buf, size_t len)
{
	if (!t->res)
		return NULL;
	if (clock_now_us() >= t->srv_expires_us)
		srv_lookup(t);		/* TTL over: fresh records for the next call */
	if (n >= t->nsrv)
		return NULL;
	int w = snprintf(buf, len, "sip:%s:%u%s", t->srv[n].host, t->srv[n].port,
			 t->transport == SIP_TP_TLS ? ";transport=tls"
			 : t->transport == SIP_TP_TCP ? ";transport=tcp" : "");
	return w < 0 || (size_t)w >= len ? NULL : buf;
}

/* ---- Lifecycle -------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void trunk_release(struct sip_trunk *t)
{
	if (t->opt_timer)
		su_timer_destroy(t->opt_timer);
	sip_reg_free(t->reg);
	opt_drop(t);
	if (t->res) {
		if (t->srv_query)
			sres_query_bind(t->srv_query, NULL, NULL);
		sres_resolver_destroy(t->res);
	}
	free(t->name);
	free(t->username);
	free(t->password);
	free(t);
}

int sip_trunk_alloc(struct sip_trunk **tp, struct sipua *ua, const struct sip_trunk_params *p)
{
	struct sip_trunk *t;
	char probe[URI_MAX];
	int err;

	if (!tp || !ua || !p || !p->name || !p->proxy || p->transport > SIP_TP_TLS)
		return EINVAL;
	if (p->do_register && (!p->username || !p->username[0]))
		return EINVAL;
	if (p->inbound_auth && (!p->username || !p->username[0] || !p->password ||
				!p->password[0]))
		return EINVAL;
	/* The username names the trunk of an authenticated INVITE: one trunk per name. */
	const struct sip_trunk *owner =
		p->inbound_auth ? sipua_trunk_by_auth_user(ua, p->username) : NULL;
	if (owner) {
		LOGE(LS_SIP, "trunk %s: inbound_auth username %s is trunk %s's already", p->name,
		     p->username, sip_trunk_name(owner));
		return EEXIST;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	t->opt_ctx.kind = SIP_HK_OPTIONS;
	t->ua = ua;
	t->up = -1;
	t->transport = p->transport;
	t->do_register = p->do_register;
	t->inbound_auth = p->inbound_auth;
	t->expires = p->expires ? p->expires : EXPIRES_DEFAULT;
	t->keepalive = p->keepalive;
	t->keepalive_fails = p->keepalive_fails ? p->keepalive_fails : KEEPALIVE_FAILS_DEFAULT;
	t->retry_min = p->retry_min ? p->retry_min : RETRY_MIN_DEFAULT;
	t->retry_max = p->retry_max ? p->retry_max : RETRY_MAX_DEFAULT;
	if (t->retry_max < t->retry_min)
		t->retry_max = t->retry_min;

	err = parse_proxy(t, p->proxy);
	if (err) {
		LOGE(LS_SIP, "trunk %s: proxy \"%s\" is not sip:<address or host name>[:port]",
		     p->name, p->proxy);
		goto out;
	}
	err = ENOMEM;
	t->name = strdup(p->name);
	t->username = dup_or_null(p->username);
	t->password = dup_or_null(p->password);
	if (!t->name || (p->username && !t->username) || (p->password && !t->password))
		goto out;
	err = EINVAL;
	if (uri_build(t, t->username, true, probe, sizeof(probe)))
		goto out;
	err = ENOMEM;
	if (t->keepalive)
		t->opt_timer = su_timer_create(su_root_task(sipua_root(ua)), t->keepalive * 1000);
	if (t->keepalive && !t->opt_timer)
		goto out;
	err = reg_setup(t);
	if (err)
		goto out;
	err = ENOMEM;
	/* A host name without a port: its SRV targets, for failover on 503 */
	if (t->addr.ss_family == AF_UNSPEC && !strchr(t->hostport, ':')) {
		t->res = sres_resolver_create(sipua_root(ua), sipua_resolv_conf(ua), TAG_END());
		if (!t->res)
			LOGW(LS_SIP, "trunk %s: no resolver: no failover on 503", p->name);
	}
	err = sipua_trunk_add(ua, t);
	if (err)
		goto out;
	srv_lookup(t);

	LOGN(LS_SIP, "trunk %s: proxy %s/%s%s%s%s%s, keepalive %u s", t->name, t->hostport,
	     sip_transport_name(t->transport),
	     t->addr.ss_family == AF_UNSPEC ? " (host name: DNS, RFC 3263)" : "",
	     t->do_register ? ", registering" : "",
	     t->inbound_auth ? ", inbound digest auth as " : "",
	     t->inbound_auth ? t->username : "", t->keepalive);
	if (t->do_register)
		sip_reg_start(t->reg);
	if (t->keepalive) {
		opt_send(t);
		su_timer_run(t->opt_timer, opt_timer, t);
	}
	*tp = t;
	return 0;
out:
	trunk_release(t);
	return err;
}

void sip_trunk_free(struct sip_trunk *t)
{
	if (!t)
		return;
	sipua_trunk_remove(t->ua, t);
	trunk_release(t);
}

/* ---- Reload ----------------------------------------------------------------------------- */

void sip_trunk_retire(struct sip_trunk *t)
{
	if (!t || t->retired)
		return;
	t->retired = true;
	if (t->opt_timer)
		su_timer_reset(t->opt_timer);
	opt_drop(t);
	if (t->reg)
		(void)sip_reg_withdraw(t->reg, true);
	LOGN(LS_SIP, "trunk %s: removed: no new calls; its calls finish", t->name);
}

bool sip_trunk_withdrawing(const struct sip_trunk *t)
{
	return t && t->retired && sip_reg_withdrawing(t->reg);
}

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

int sip_trunk_update(struct sip_trunk *t, const struct sip_trunk_params *p, bool *reregistered)
{
	struct sip_trunk probe;
	char uri[URI_MAX];

	if (reregistered)
		*reregistered = false;
	if (!t || !p || t->retired || p->transport > SIP_TP_TLS ||
	    (p->do_register && (!p->username || !p->username[0])) ||
	    (p->inbound_auth && (!p->username || !p->username[0] || !p->password ||
				 !p->password[0])))
		return EINVAL;
	const struct sip_trunk *owner =
		p->inbound_auth ? sipua_trunk_by_auth_user(t->ua, p->username) : NULL;
	if (owner && owner != t)
		return EEXIST;
	/* Check the new proxy on a scratch copy: a failure changes nothing. */
	probe = *t;
	probe.transport = p->transport;	/* before the proxy: 5061 is TLS's default port */
	if (parse_proxy(&probe, p->proxy))
		return EINVAL;
	probe.username = (char *)(p->username ? p->username : NULL);
	if (uri_build(&probe, probe.username, true, uri, sizeof(uri)))
		return EINVAL;
	char *user = dup_or_null(p->username), *pass = dup_or_null(p->password);
	if ((p->username && !user) || (p->password && !pass)) {
		free(user);
		free(pass);
		return ENOMEM;
	}
	unsigned expires = p->expires ? p->expires : EXPIRES_DEFAULT;
	bool reg_changed = p->do_register != t->do_register || expires != t->expires ||
			   p->transport != t->transport || strcmp(probe.hostport, t->hostport) ||
			   !str_eq(p->username, t->username) || !str_eq(p->password, t->password);

	/* A host name's SRV targets (RFC 3263) are looked up when the trunk starts: a trunk
	 * that gains one, or another, needs a restart. */
	bool srv_now = t->addr.ss_family == AF_UNSPEC && !strchr(t->hostport, ':');
	bool srv_new = probe.addr.ss_family == AF_UNSPEC && !strchr(probe.hostport, ':');
	if ((srv_now || srv_new) && strcmp(probe.hostport, t->hostport)) {
		free(user);
		free(pass);
		return ENOTSUP;
	}
	/* The old binding goes with the old data: a registrar keys it on the AOR. */
	if (reg_changed && t->reg)
		(void)sip_reg_withdraw(t->reg, false);
	if (strcmp(probe.hostport, t->hostport))
		t->nsent_to = t->nsent_cid = 0;	/* learnt for the old proxy */
	t->addr = probe.addr;
	memcpy(t->hostport, probe.hostport, sizeof(t->hostport));
	t->transport = p->transport;
	free(t->username);
	free(t->password);
	t->username = user;
	t->password = pass;
	t->do_register = p->do_register;
	t->expires = expires;
	t->inbound_auth = p->inbound_auth;
	if (p->keepalive != t->keepalive) {
		if (t->opt_timer)
			su_timer_destroy(t->opt_timer);
		t->opt_timer = NULL;
		opt_drop(t);
		t->keepalive = p->keepalive;
		t->opt_failures = 0;
		t->up = -1;
		if (t->keepalive)
			t->opt_timer = su_timer_create(su_root_task(sipua_root(t->ua)),
						       t->keepalive * 1000);
		if (t->opt_timer) {
			opt_send(t);
			su_timer_run(t->opt_timer, opt_timer, t);
		}
	}
	if (reg_changed && t->do_register && !reg_setup(t)) {
		sip_reg_start(t->reg);
		if (reregistered)
			*reregistered = true;
	}
	LOGN(LS_SIP, "trunk %s: changed: proxy %s/%s%s, keepalive %u s", t->name, t->hostport,
	     sip_transport_name(t->transport),
	     reg_changed && t->do_register ? ", registering again" : "", t->keepalive);
	return 0;
}
