/* THE table of configuration options, and the parsers and printers of its value types. */
#include "conf/options.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sdp_crypto.h"
#include <strings.h>

#include "common/log.h"
#include "conf/conf.h"

/* OT_ENUM fields are C enums or ints, read and written as int. */
_Static_assert(sizeof(enum conf_law) == sizeof(int), "enum fields are int-sized");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum fields are int-sized");

/* Allowed values, in the order of the C enum each one lands in. */
static const char *const log_target_names[] = { "stderr", "syslog", NULL };
static const char *const log_level_names[] = { "error", "warn", "notice", "info", "debug",
					       NULL };
static const char *const span_type_names[] = { "e1", "t1", NULL };
static const char *const span_sig_names[] = { "pri_cpe", "pri_net", "fxs", "fxo", NULL };
static const char *const switch_names[] = { "euroisdn", "ni2", "dms100", "5ess", "4ess",
					    "qsig", NULL };
static const char *const law_names[] = { "alaw", "ulaw", NULL };
static const char *const transport_names[] = { "udp", "tcp", "tls", NULL };
static const char *const fax_names[] = { "t38", "passthrough", "off", NULL };
static const char *const srtp_names[] = { "off", "optional", "mandatory", NULL };
static const char *const fax_detect_names[] = { "any", "ced", "none", NULL };
static const char *const session_timer_names[] = { "no", "accept", "yes", NULL };
static const char *const session_refresh_names[] = { "reinvite", "update", NULL };
static const char *const prack_names[] = { "no", "supported", "required", NULL };
static const char *const mwi_names[] = { "notify", "subscribe", NULL };
static const char *const callerid_names[] = { "bell202", "v23", "dtmf", "none", NULL };
static const char *const answer_sup_names[] = { "immediate", "polarity", "voice", NULL };
static const char *const hunt_names[] = { "ascending", "descending", "roundrobin", NULL };

static bool sig_is_pri(enum conf_span_sig sig)
{
	return sig == SIG_PRI_CPE || sig == SIG_PRI_NET;
}

/* Highest span position: E1 has 31 timeslots after TS0 (framing), T1 has 24. */
static unsigned span_positions(enum conf_span_type type)
{
	return type == SPAN_E1 ? 31 : 24;
}

/* ---- string rules -------------------------------------------------------------------- */

static int check_log_levels(const char *value, char *err, size_t errlen)
{
	return log_check_levels(value, err, (unsigned)errlen);
}

/* A numeric IPv4 or IPv6 address: we never resolve names (docs/architecture.md §4). */
static int check_ip_literal(const char *value, char *err, size_t errlen)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, value, buf) == 1 || inet_pton(AF_INET6, value, buf) == 1)
		return 0;
	snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 address", value);
	return EINVAL;
}

/* Empty, or a numeric address (external_address: none, or the NAT's public one). */
static int check_ip_literal_or_empty(const char *value, char *err, size_t errlen)
{
	return value[0] ? check_ip_literal(value, err, errlen) : 0;
}

/* A SIP user part as RFC 3261 §25.1 allows it unescaped: unreserved and user-unreserved. */
static int check_sip_user(const char *value, char *err, size_t errlen)
{
	size_t ok = strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			   "-_.!~*'()&=+$,;?/");

	if (!value[ok])
		return 0;
	snprintf(err, errlen, "'%s': '%c' is not allowed in a SIP user part", value, value[ok]);
	return EINVAL;
}

/* A fixed P-Asserted-Identity (RFC 3325 §9.1): a sip:, sips: or tel: URI without spaces,
 * quotes or angle brackets (it goes between < >), or a user part / number. */
static int check_pai(const char *value, char *err, size_t errlen)
{
	if (strncasecmp(value, "sip:", 4) && strncasecmp(value, "sips:", 5) &&
	    strncasecmp(value, "tel:", 4))
		return check_sip_user(value, err, errlen);
	if (!value[strcspn(value, " \t<>\"")] && strchr(value, ':')[1])
		return 0;
	snprintf(err, errlen, "'%s' is not a sip:, sips: or tel: URI (no spaces, quotes or <>)",
		 value);
	return EINVAL;
}

/* A forced Privacy value (RFC 3323 §4.2): none, or id, header and user joined by ';'. */
static int check_privacy(const char *value, char *err, size_t errlen)
{
	char buf[CONF_STR_MAX], *save = NULL;

	if (!value[0] || !strcmp(value, "none"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", value);
	for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save))
		if (strcmp(t, "id") && strcmp(t, "header") && strcmp(t, "user")) {
			snprintf(err, errlen, "'%s' is not none or id, header, user joined by ';'",
				 value);
			return EINVAL;
		}
	return value[strlen(value) - 1] == ';' ? (snprintf(err, errlen, "'%s' ends in ';'",
							   value), EINVAL) : 0;
}

/* A host for a URI: a name (letters, digits, '-', '.') or a numeric address. It only goes
 * into headers; it is never resolved. */
static int check_sip_host(const char *value, char *err, size_t errlen)
{
	unsigned char buf[16];

	if (!value[0] || inet_pton(AF_INET, value, buf) == 1 || inet_pton(AF_INET6, value, buf) == 1)
		return 0;
	size_t ok = strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");
	if (!value[ok] && value[0] != '.' && value[0] != '-')
		return 0;
	snprintf(err, errlen, "'%s' is not a host name or numeric address", value);
	return EINVAL;
}

/* "127.0.0.1:9100": a numeric IPv4 address and a port (1..65535). */
int conf_listen_addr(const char *value, struct sockaddr_storage *sa, unsigned *len)
{
	const char *colon = strrchr(value, ':');
	bool v6 = value[0] == '[';
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl;
	char *end;
	unsigned long port;

	if (!colon || colon == value)
		return EINVAL;
	hl = (size_t)(colon - value) - (v6 ? 2 : 0);
	if (hl >= sizeof(host) || (v6 && colon[-1] != ']'))
		return EINVAL;
	memcpy(host, value + v6, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || !port || port > 65535 || !isdigit((unsigned char)colon[1]))
		return EINVAL;
	memset(sa, 0, sizeof(*sa));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : EINVAL;
}

static int check_listen(const char *value, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	unsigned len;

	if (!value[0] || !conf_listen_addr(value, &sa, &len))
		return 0;
	snprintf(err, errlen, "'%s' is not ADDR:PORT or [ADDR6]:PORT with a numeric address", value);
	return EINVAL;
}

/* "17=486, 486=17": Q.850 cause (1..127) = SIP status (300..699) or the reverse
 * (RFC 3398 tables overridden); gateway/cause.c applies it. */
static int check_cause_map(const char *value, char *err, size_t errlen)
{
	char buf[CONF_STR_MAX];

	snprintf(buf, sizeof(buf), "%s", value);
	for (char *save = NULL, *item = strtok_r(buf, ", \t", &save); item;
	     item = strtok_r(NULL, ", \t", &save)) {
		char *eq = strchr(item, '='), *end1, *end2;
		long a = eq ? strtol(item, &end1, 10) : 0, b = eq ? strtol(eq + 1, &end2, 10) : 0;
		if (!eq || end1 != eq || *end2 || eq == item || !eq[1]) {
			snprintf(err, errlen, "'%s' is not CAUSE=STATUS or STATUS=CAUSE", item);
			return EINVAL;
		}
		bool q2s = a >= 1 && a <= 127 && b >= 300 && b <= 699;
		bool s2q = a >= 300 && a <= 699 && b >= 1 && b <= 127;
		if (!q2s && !s2q) {
			snprintf(err, errlen, "'%s': need a Q.850 cause 1..127 and a SIP status 300..699",
				 item);
			return EINVAL;
		}
	}
	return 0;
}

/* A digest realm goes between quotes as it is (RFC 2617 §1.2 quoted-string): no '"' or
 * backslash, and something to show the user. */
static int check_realm(const char *value, char *err, size_t errlen)
{
	if (!*value) {
		snprintf(err, errlen, "must not be empty");
		return EINVAL;
	}
	if (strpbrk(value, "\"\\")) {
		snprintf(err, errlen, "'%s' may not hold '\"' or '\\'", value);
		return EINVAL;
	}
	return 0;
}

/* SDES crypto suites (RFC 4568 §6.2, RFC 7714 §12), comma-separated, each once. */
static int check_srtp_suites(const char *value, char *err, size_t errlen)
{
	enum sdp_crypto_suite s[SDP_CRYPTO_MAX];

	if (sdp_crypto_suites_parse(value, s)) {
		snprintf(err, errlen, "'%s' is not a list of AES_CM_128_HMAC_SHA1_80, "
			 "AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM (each once)", value);
		return EINVAL;
	}
	return 0;
}

static int check_nonempty(const char *value, char *err, size_t errlen)
{
	if (!*value) {
		snprintf(err, errlen, "must not be empty");
		return EINVAL;
	}
	return 0;
}

/* A Unix socket path: absolute, and short enough for sockaddr_un (108 bytes on Linux). */
static int check_socket_path(const char *value, char *err, size_t errlen)
{
	if (value[0] != '/') {
		snprintf(err, errlen, "'%s': need an absolute path", value);
		return EINVAL;
	}
	if (strlen(value) > 107) {
		snprintf(err, errlen, "longer than 107 bytes (a Unix socket path)");
		return EINVAL;
	}
	return 0;
}

/* File permissions in octal, "0660"; at most 0777. */
static int check_mode(const char *value, char *err, size_t errlen)
{
	char *end;
	unsigned long v = strtoul(value, &end, 8);

	if (!*value || *end || v > 0777) {
		snprintf(err, errlen, "'%s': need permissions in octal, 0000..0777 (e.g. 0660)",
			 value);
		return EINVAL;
	}
	return 0;
}

/* "127.0.0.1" or "127.0.0.1:5353", "[::1]:5353": the resolver takes numeric servers only. */
static int check_dns_server(const char *value, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char buf[16];
	const char *end, *p = value;
	size_t n;

	if (!value[0])
		return 0;
	if (*p == '[') {
		end = strchr(++p, ']');
		n = end ? (size_t)(end++ - p) : 0;
	} else {
		end = strchr(p, ':');
		if (end && strchr(end + 1, ':'))
			end = p + strlen(p);	/* a bare IPv6 address */
		else if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
	}
	if (!end || !n || n >= sizeof(host))
		goto bad;
	memcpy(host, p, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1)
		goto bad;
	if (*end == ':') {
		char *e;
		unsigned long port = strtoul(end + 1, &e, 10);
		if (e == end + 1 || *e || !port || port > 65535)
			goto bad;
	} else if (*end) {
		goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not ADDR[:PORT] with a numeric address", value);
	return EINVAL;
}

/* sip:host[:port][;params] (RFC 3261 §19.1.1), host numeric (IPv4 or [IPv6]) or a name that
 * the SIP stack resolves by RFC 3263 (NAPTR, SRV, A/AAAA) when the request goes out. */
static int check_proxy(const char *value, char *err, size_t errlen)
{
	char host[256];	/* RFC 1035 §2.3.4: a name is at most 255 octets */
	unsigned char addr[sizeof(struct in6_addr)];
	const char *p = value, *end;
	size_t n;

	if (strncasecmp(p, "sip:", 4))
		goto bad;
	p += 4;
	if (strpbrk(value, " \t"))
		goto bad;
	if (*p == '[') {
		end = strchr(++p, ']');
		if (!end)
			goto bad;
		n = (size_t)(end++ - p);
	} else {
		end = p + strcspn(p, ":;@");
		n = (size_t)(end - p);
	}
	if (*end == '@') {
		snprintf(err, errlen, "'%s' has a user part: a proxy is sip:host[:port]", value);
		return EINVAL;
	}
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, p, n);
	host[n] = '\0';
	if (*end == ':') {
		char *e;
		errno = 0;
		long port = strtol(end + 1, &e, 10);
		if (e == end + 1 || !isdigit((unsigned char)end[1]) || errno || port < 1 ||
		    port > 65535)
			goto bad;
		end = e;
	}
	if (*end && *end != ';')
		goto bad;
	if (p[-1] == '[') {
		if (inet_pton(AF_INET6, host, addr) == 1)
			return 0;
		goto bad;
	}
	if (inet_pton(AF_INET, host, addr) == 1)
		return 0;
	/* all digits and dots but no address: a typo, not a name (RFC 1123 §2.1) */
	if (strspn(host, "0123456789.") != n && !check_sip_host(host, err, errlen))
		return 0;
bad:
	snprintf(err, errlen, "'%s' is not sip:host[:port]", value);
	return EINVAL;
}

static bool is_dialstring(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !strchr("*#+", *s))
			return false;
	return true;
}

static int check_dialstring(const char *value, char *err, size_t errlen)
{
	if (!is_dialstring(value)) {
		snprintf(err, errlen, "'%s' may hold only digits, *, # and +", value);
		return EINVAL;
	}
	return 0;
}

static int check_digits(const char *value, size_t min, size_t max, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n < min || n > max || strspn(value, "0123456789") != n) {
		snprintf(err, errlen, "'%s' must be %zu to %zu digits", value, min, max);
		return EINVAL;
	}
	return 0;
}

/* E.164 country codes are 1 to 3 digits (ITU-T E.164 §6.2.1). */
static int check_country_code(const char *value, char *err, size_t errlen)
{
	return check_digits(value, value[0] ? 1 : 0, 3, err, errlen);
}

static int check_national_prefix(const char *value, char *err, size_t errlen)
{
	return check_digits(value, 0, 4, err, errlen);
}

/* "27, 34, 38": Q.850 cause values 1..127 separated by commas. */
static int check_cause_list(const char *value, char *err, size_t errlen)
{
	const char *p = value;

	while (*p) {
		char *end;
		unsigned long v;

		p += strspn(p, " \t");
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v < 1 || v > 127) {
			snprintf(err, errlen, "bad cause list '%s': Q.850 causes 1..127 separated "
				 "by commas", value);
			return EINVAL;
		}
		p = end + strspn(end, " \t");
		if (*p && *p++ != ',') {
			snprintf(err, errlen, "bad cause list '%s': causes are separated by commas",
				 value);
			return EINVAL;
		}
	}
	return 0;
}

static int check_port_number(const char *value, char *err, size_t errlen)
{
	return check_digits(value, 0, CONF_NAME_MAX - 1, err, errlen);
}

/* A tone zone name as libtonezone knows them: two or more lower-case letters. */
static int check_zone(const char *value, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n < 2 || n > 7 || strspn(value, "abcdefghijklmnopqrstuvwxyz") != n) {
		snprintf(err, errlen, "'%s' is not a tone zone (us, de, uk, fr, ...)", value);
		return EINVAL;
	}
	return 0;
}

/* "alert-internal:400/200/400/4000, long:1000/5000": names and ring cadences [ms], on/off
 * pairs of 50..10000 ms, at most 8 pairs (DAHDI_SETCADENCE). */
static int check_dring(const char *value, char *err, size_t errlen)
{
	const char *s = value;

	while (*s) {
		const char *end = s + strcspn(s, ","), *name = s;
		size_t nl = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_.");
		unsigned k = 0;

		if (!nl || s[nl] != ':' || nl >= 32)
			goto bad;
		for (s += nl + 1; s < end; ) {
			char *e;
			unsigned long v = strtoul(s, &e, 10);

			if (e == s || v < 50 || v > 10000 || ++k > 16 || (e < end && *e != '/' &&
			    *e != ' ') || (*e == '/' && e + 1 >= end))
				goto bad;
			s = e + (*e == '/');
			while (s < end && *s == ' ')
				s++;
		}
		if (!k || k % 2)
			goto bad;
		s = *end ? end + 1 : end;
		while (*s == ' ')
			s++;
		continue;
bad:
		snprintf(err, errlen, "'%.*s' is not NAME:ON/OFF[/ON/OFF...] (ms, 50..10000, up to "
			 "8 pairs)", (int)(end - name), name);
		return EINVAL;
	}
	return 0;
}

/* "4930100, 4930200": prefixes separated by commas. */
static bool is_prefix_list(const char *value)
{
	char buf[CONF_STR_MAX];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", value);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		size_t n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		if (!n || !is_dialstring(t))
			return false;
	}
	return true;
}

/* A called-number prefix, a list of them, @FILE of them, or /regex/ (POSIX extended
 * syntax). The file is read when the routes are built (gateway/route.c), at start and on
 * every SIGHUP. */
static int check_match(const char *value, char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (len && value[0] == '@') {
		if (len == 1) {
			snprintf(err, errlen, "'@' must be followed by a file name");
			return EINVAL;
		}
		return 0;
	}

	if (len && value[0] == '/') {
		char re_text[CONF_STR_MAX], why[128];
		regex_t re;
		int rc;

		if (len < 2 || value[len - 1] != '/') {
			snprintf(err, errlen, "bad regex '%s': it must end with '/'", value);
			return EINVAL;
		}
		snprintf(re_text, sizeof(re_text), "%.*s", (int)(len - 2), value + 1);
		rc = regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			regerror(rc, &re, why, sizeof(why));
			snprintf(err, errlen, "bad regex '%s': %s", value, why);
			return EINVAL;
		}
		regfree(&re);
		return 0;
	}
	if (!is_dialstring(value) && !(strchr(value, ',') && is_prefix_list(value))) {
		snprintf(err, errlen, "'%s' is neither a prefix of digits, *, #, +, a list of "
			 "them, @FILE nor a /regex/", value);
		return EINVAL;
	}
	return 0;
}

/* ---- defaults that depend on the span ------------------------------------------------ */

static const char *def_switchtype(const void *sect)
{
	return ((const struct conf_span *)sect)->type == SPAN_E1 ? "euroisdn" : "ni2";
}

static const char *def_law(const void *sect)
{
	return ((const struct conf_span *)sect)->type == SPAN_E1 ? "alaw" : "ulaw";
}

/* Every position but the D-channel's on PRI; every position but TS16 (E1 signalling
 * timeslot) on an analog E1 channel bank. */
static const char *def_channels(const void *sect)
{
	const struct conf_span *s = sect;

	if (s->type == SPAN_E1)
		return "1-15,17-31";
	return sig_is_pri(s->sig) ? "1-23" : "1-24";
}

static const char *def_dchannel(const void *sect)
{
	return ((const struct conf_span *)sect)->type == SPAN_E1 ? "16" : "24";
}

/* ---- THE TABLE ----------------------------------------------------------------------- */

#define FIELD(type, member) .off = offsetof(type, member), \
			    .size = sizeof(((type *)0)->member)
#define G(m) FIELD(struct conf_general, m)
#define S(m) FIELD(struct conf_span, m)
#define T(m) FIELD(struct conf_trunk, m)
#define R(m) FIELD(struct conf_route, m)
#define GR(m) FIELD(struct conf_group, m)
#define P(m) FIELD(struct conf_port, m)

const struct conf_opt conf_opts[] = {
	/* [general] */
	{ CS_GENERAL, "log_target", OT_ENUM, OPT_RELOAD, .names = log_target_names,
	  .def = "stderr", G(log_target), .desc = "where log lines go: stderr or syslog" },
	{ CS_GENERAL, "log_level", OT_ENUM, OPT_RELOAD, .names = log_level_names,
	  .def = "info", G(log_level), .desc = "level of every log subsystem" },
	{ CS_GENERAL, "log_levels", OT_STRING, OPT_RELOAD, .check = check_log_levels,
	  .def = "", G(log_levels),
	  .desc = "per-subsystem levels on top of log_level, \"pri=debug,sip=warn\"" },
	{ CS_GENERAL, "dahdi_dir", OT_STRING, 0, .check = check_nonempty,
	  .def = "/dev/dahdi", G(dahdi_dir), .desc = "directory of the DAHDI device nodes" },
	{ CS_GENERAL, "alarm_poll_ms", OT_UINT, OPT_RELOAD, .min = 100, .max = 60000,
	  .def = "1000", G(alarm_poll_ms), .desc = "span alarm poll interval [ms]" },
	{ CS_GENERAL, "sip_address", OT_STRING, 0, .check = check_ip_literal,
	  .def = "127.0.0.1", G(sip_address), .desc = "numeric address the SIP stack listens on" },
	{ CS_GENERAL, "sip_port", OT_UINT, 0, .min = 1, .max = 65535, .def = "5060",
	  G(sip_port), .desc = "SIP port, UDP and TCP" },
	{ CS_GENERAL, "auth_realm", OT_STRING, 0, .check = check_realm, .def = "strowger",
	  G(auth_realm), .desc = "realm of the digest challenge to INVITEs from no trunk's "
	  "address, when a trunk has inbound_auth (RFC 3261 §22.1)" },
	{ CS_GENERAL, "auth_nonce_lifetime", OT_UINT, 0, .min = 5, .max = 3600, .def = "30",
	  G(auth_nonce_lifetime), .desc = "how long a nonce of ours is good [s]; older ones get "
	  "a new challenge with stale=true" },
	{ CS_GENERAL, "rtp_address", OT_STRING, 0, .check = check_ip_literal,
	  .def = "127.0.0.1", G(rtp_address), .desc = "numeric address of the RTP sockets" },
	{ CS_GENERAL, "external_address", OT_STRING, 0, .check = check_ip_literal_or_empty,
	  .def = "", G(external_address), .desc = "NAT: the public numeric address our Via, "
	  "Contact and SDP c=/o= name instead of sip_address and rtp_address (\"\": none)" },
	{ CS_GENERAL, "rtp_port_min", OT_UINT, 0, .min = 1024, .max = 65534, .def = "10000",
	  G(rtp_port_min), .desc = "lowest RTP port (even ports carry RTP, RFC 3550 §11)" },
	{ CS_GENERAL, "rtp_port_max", OT_UINT, 0, .min = 1025, .max = 65535, .def = "20000",
	  G(rtp_port_max), .desc = "highest RTP port" },
	{ CS_GENERAL, "symmetric_rtp", OT_BOOL, 0, .def = "yes", G(symmetric_rtp),
	  .desc = "send RTP to where the peer's RTP comes from (NAT), not only to its SDP" },
	{ CS_GENERAL, "max_calls", OT_UINT, 0, .min = 0, .max = 100000, .def = "0",
	  G(max_calls), .desc = "calls at once; beyond it 503 + Retry-After / cause 34 (0: no limit)" },
	{ CS_GENERAL, "reason_header", OT_BOOL, OPT_RELOAD, .def = "yes", G(reason_header),
	  .desc = "send Reason: Q.850;cause=N with BYE, CANCEL and failures (RFC 3326)" },
	{ CS_GENERAL, "cause_map", OT_STRING, OPT_RELOAD, .check = check_cause_map, .def = "",
	  G(cause_map), .desc = "overrides of RFC 3398's tables: \"17=486, 480=18\" (cause=status, status=cause)" },
	{ CS_GENERAL, "digit_timeout_ms", OT_UINT, OPT_RELOAD, .min = 500, .max = 30000,
	  .def = "4000", G(digit_timeout_ms), .desc = "overlap dialling: inter-digit timeout [ms]" },
	{ CS_GENERAL, "control_socket", OT_STRING, 0, .check = check_socket_path,
	  .def = "/run/strowger/control", G(control_socket),
	  .desc = "path of the control socket (strowgerctl)" },
	{ CS_GENERAL, "control_mode", OT_STRING, 0, .check = check_mode, .def = "0660",
	  G(control_mode), .desc = "permissions of the control socket, octal" },
	{ CS_GENERAL, "failover_causes", OT_STRING, OPT_RELOAD, .check = check_cause_list,
	  .def = "27, 34, 38, 41, 42, 102", G(failover_causes),
	  .desc = "Q.850 causes on which a route tries its next destination (never 17 or an "
	  "answered call): 27 down, 34 no circuit, 38 out of order, 41 503, 42, 102 408" },
	{ CS_GENERAL, "cdr_db", OT_STRING, 0, .def = "/var/lib/strowger/cdr.db", G(cdr_db),
	  .desc = "SQLite database of call detail records (docs/cdr.md); off: none" },
	{ CS_GENERAL, "state_file", OT_STRING, 0, .def = "/var/lib/strowger/state",
	  G(state_file), .desc = "where span block/unblock is kept across restarts "
	  "(gateway/maint_state.h); off: not kept" },
	{ CS_GENERAL, "metrics_listen", OT_STRING, 0, .check = check_listen, .def = "",
	  G(metrics_listen), .desc = "ADDR:PORT or [ADDR6]:PORT (numeric) of the Prometheus /metrics "
	  "page and the status page; empty: none" },
	{ CS_GENERAL, "status_token", OT_STRING, 0, .def = "", G(status_token),
	  .desc = "the status page (/ on metrics_listen) asks clients not on loopback for "
	  "?token=THIS or Authorization: Bearer THIS; empty: open" },
	{ CS_GENERAL, "trace_file", OT_STRING, OPT_RELOAD, .def = "", G(trace_file),
	  .desc = "pcap file of a SIP trace started without a file (strowgerctl trace on); "
	  "empty: trace on needs one" },
	{ CS_GENERAL, "trace_max_mb", OT_UINT, OPT_RELOAD, .min = 1, .max = 100000, .def = "100",
	  G(trace_max_mb), .desc = "a SIP trace stops when its file reaches this size [MiB]" },
	{ CS_GENERAL, "cdr_csv", OT_STRING, 0, .def = "", G(cdr_csv),
	  .desc = "also append each CDR to this CSV file (RFC 4180); empty: none" },
	/* SIP over TLS (RFC 3261 §26.2.1) and trunk host names (RFC 3263) */
	{ CS_GENERAL, "sip_tls_port", OT_UINT, 0, .min = 1, .max = 65535, .def = "5061",
	  G(sip_tls_port), .desc = "SIP over TLS port on sip_address; TLS listens when a trunk "
	  "has transport = tls" },
	{ CS_GENERAL, "tls_cert", OT_STRING, 0, .def = "", G(tls_cert),
	  .desc = "our TLS certificate, PEM (intermediates after it); needed when a trunk has "
	  "transport = tls" },
	{ CS_GENERAL, "tls_key", OT_STRING, 0, .def = "", G(tls_key),
	  .desc = "private key of tls_cert, PEM, unencrypted" },
	{ CS_GENERAL, "tls_ca", OT_STRING, 0, .def = "/etc/ssl/certs/ca-certificates.crt",
	  G(tls_ca), .desc = "CA certificates (PEM) a TLS peer's certificate must chain to" },
	{ CS_GENERAL, "tls_verify", OT_BOOL, 0, .def = "yes", G(tls_verify),
	  .desc = "refuse a TLS peer whose certificate does not chain to tls_ca, has expired or "
	  "does not name the trunk's proxy host; no: accept any (logged as a WARNING)" },
	{ CS_GENERAL, "dns_server", OT_STRING, 0, .check = check_dns_server, .def = "",
	  G(dns_server), .desc = "ADDR[:PORT] (numeric) of the DNS server that resolves trunk "
	  "host names (NAPTR, SRV, A, RFC 3263); empty: the servers of /etc/resolv.conf" },

	/* [span N]: type and signalling first, the rest follows from them. */
	{ CS_SPAN, "type", OT_ENUM, OPT_REQUIRED, .names = span_type_names,
	  S(type), .desc = "line type: e1 (2048 kbit/s) or t1 (1544 kbit/s)" },
	{ CS_SPAN, "signalling", OT_ENUM, OPT_REQUIRED, .names = span_sig_names,
	  S(sig), .desc = "pri_cpe (Q.931 user side), pri_net (network side), fxs or fxo" },
	{ CS_SPAN, "switchtype", OT_ENUM, OPT_PRI_ONLY | OPT_DEPENDS, .names = switch_names,
	  .def_fn = def_switchtype, S(switchtype),
	  .desc = "ISDN variant (PRI only): euroisdn on e1, ni2 on t1 by default" },
	{ CS_SPAN, "law", OT_ENUM, OPT_DEPENDS, .names = law_names,
	  .def_fn = def_law, S(law), .desc = "G.711 companding: alaw on e1, ulaw on t1" },
	{ CS_SPAN, "channels", OT_CHANLIST, OPT_DEPENDS, .def_fn = def_channels, S(bchans),
	  .desc = "bearer channels as span positions (1..31 on e1, 1..24 on t1)" },
	{ CS_SPAN, "dchannel", OT_TIMESLOT, OPT_PRI_ONLY | OPT_DEPENDS,
	  .def_fn = def_dchannel, S(dchannel),
	  .desc = "D-channel span position (PRI only): 16 on e1, 24 on t1" },
	{ CS_SPAN, "overlap", OT_BOOL, OPT_PRI_ONLY, .def = "no", S(overlap),
	  .desc = "PRI: accept SETUPs without the whole number and collect INFO digits" },
	{ CS_SPAN, "hunt", OT_ENUM, OPT_PRI_ONLY | OPT_GROUPED, .names = hunt_names,
	  .def = "ascending", S(hunt),
	  .desc = "PRI: B-channel order for outgoing calls: ascending, descending, roundrobin" },
	{ CS_SPAN, "country_code", OT_STRING, OPT_PRI_ONLY | OPT_RELOAD, .check = check_country_code,
	  .def = "", S(country_code),
	  .desc = "PRI: E.164 country code; national numbers become +CC... on SIP" },
	{ CS_SPAN, "national_prefix", OT_STRING, OPT_PRI_ONLY | OPT_RELOAD, .check = check_national_prefix,
	  .def = "", S(national_prefix),
	  .desc = "PRI: put before national numbers on SIP when country_code is not set" },
	{ CS_SPAN, "echocancel", OT_BOOL, OPT_RELOAD, .def = "yes", S(echocancel),
	  .desc = "switch on the channel's DAHDI echo canceller (echocanceller= in system.conf) "
	  "for each call; fax and T.38 switch it off" },
	{ CS_SPAN, "echocancel_taps", OT_UINT, OPT_RELOAD, .min = 32, .max = 1024, .def = "128",
	  S(echocancel_taps), .desc = "echo tail the canceller covers [taps, 8 per ms]: 32, 64, "
	  "128, 256, 512 or 1024" },

	/* [group NAME] */
	{ CS_GROUP, "spans", OT_SPANLIST, OPT_REQUIRED, GR(spans),
	  .desc = "PRI spans hunted as one group, in hunt order: \"2, 4\"" },
	{ CS_GROUP, "hunt", OT_ENUM, 0, .names = hunt_names, .def = "ascending", GR(hunt),
	  .desc = "B-channel order over the whole group: ascending, descending, roundrobin" },

	/* [trunk NAME] */
	{ CS_TRUNK, "proxy", OT_STRING, OPT_REQUIRED | OPT_RELOAD, .check = check_proxy, T(proxy),
	  .desc = "where requests go, sip:host[:port]; a host name without a port is looked up "
	  "by NAPTR and SRV (RFC 3263), targets tried in priority and weight order" },
	{ CS_TRUNK, "transport", OT_ENUM, OPT_RELOAD, .names = transport_names, .def = "udp",
	  T(transport), .desc = "SIP transport: udp, tcp or tls (port 5061 by default; see "
	  "tls_cert, tls_ca, tls_verify)" },
	{ CS_TRUNK, "username", OT_STRING, OPT_RELOAD, .def = "", T(username),
	  .desc = "digest user name (RFC 3261 §22)" },
	{ CS_TRUNK, "password", OT_STRING, OPT_RELOAD, .def = "", T(password),
	  .desc = "digest password" },
	{ CS_TRUNK, "register", OT_BOOL, OPT_RELOAD, .def = "no", T(registration),
	  .desc = "REGISTER with the proxy (needs username)" },
	{ CS_TRUNK, "expires", OT_UINT, OPT_RELOAD, .min = 60, .max = 86400, .def = "3600", T(expires),
	  .desc = "registration lifetime asked for [s]" },
	{ CS_TRUNK, "keepalive", OT_UINT, OPT_RELOAD, .min = 0, .max = 3600, .def = "30", T(keepalive),
	  .desc = "OPTIONS keepalive interval [s]; 0 turns it off (trunk always up)" },
	{ CS_TRUNK, "trust", OT_BOOL, OPT_RELOAD, .def = "no", T(trust),
	  .desc = "trust domain (RFC 3325): send P-Asserted-Identity, believe the peer's" },
	{ CS_TRUNK, "from_user", OT_STRING, OPT_RELOAD, .check = check_sip_user, .def = "", T(from_user),
	  .desc = "the trunk's account in every INVITE's From; the caller then goes in "
	  "P-Asserted-Identity (empty: the caller in From)" },
	{ CS_TRUNK, "from_domain", OT_STRING, OPT_RELOAD, .check = check_sip_host, .def = "",
	  T(from_domain), .desc = "host part of From and P-Asserted-Identity (empty: the "
	  "proxy's host:port)" },
	{ CS_TRUNK, "pai", OT_STRING, OPT_RELOAD, .check = check_pai, .def = "", T(pai),
	  .desc = "fixed P-Asserted-Identity of every INVITE (RFC 3325): a sip:/tel: URI or a "
	  "number at from_domain; replaces the caller's (empty: the caller's)" },
	{ CS_TRUNK, "privacy", OT_STRING, OPT_RELOAD, .check = check_privacy, .def = "",
	  T(privacy), .desc = "forced Privacy header (RFC 3323): none, id, header, user or "
	  "several joined by ';' (empty: id for a restricted caller, else none)" },
	{ CS_TRUNK, "inbound_auth", OT_BOOL, OPT_RELOAD, .def = "no", T(inbound_auth),
	  .desc = "INVITEs from any address that pass digest authentication (401, RFC 3261 "
	  "§22.4) as username/password are this trunk's (needs both)" },
	{ CS_TRUNK, "fax", OT_ENUM, OPT_RELOAD, .names = fax_names, .def = "t38", T(fax),
	  .desc = "fax on this trunk: t38 (re-INVITE to T.38, pass-through if refused), "
	  "passthrough (G.711 tuned for fax) or off (a voice call)" },
	{ CS_TRUNK, "fax_detect", OT_ENUM, OPT_RELOAD, .names = fax_detect_names, .def = "any",
	  T(fax_detect), .desc = "fax tones on the B-channel that make the gateway switch: any "
	  "(CNG, CED, V.21), ced (CED or V.21: the receiving side), none (the peer switches)" },
	{ CS_TRUNK, "fax_ecm", OT_BOOL, OPT_RELOAD, .def = "yes", T(fax_ecm),
	  .desc = "allow T.30 error correction mode (ECM) through the T.38 gateway" },
	{ CS_TRUNK, "t38_redundancy", OT_UINT, OPT_RELOAD, .min = 0, .max = 8, .def = "3",
	  T(t38_redundancy), .desc = "UDPTL redundancy for T.38 control packets [packets]" },
	{ CS_TRUNK, "t38_redundancy_image", OT_UINT, OPT_RELOAD, .min = 0, .max = 8, .def = "1",
	  T(t38_redundancy_image), .desc = "UDPTL redundancy for T.38 image data [packets]" },
	{ CS_TRUNK, "t38_max_datagram", OT_UINT, OPT_RELOAD, .min = 100, .max = 1400, .def = "400",
	  T(t38_max_datagram), .desc = "largest UDPTL datagram we take (T38FaxMaxDatagram) [bytes]" },
	{ CS_TRUNK, "fax_timeout", OT_UINT, OPT_RELOAD, .min = 5, .max = 600, .def = "30",
	  T(fax_timeout), .desc = "T.38 fax: clear the call after this long without UDPTL [s]" },
	{ CS_TRUNK, "rtp_timeout", OT_UINT, OPT_RELOAD, .min = 0, .max = 3600, .def = "60",
	  T(rtp_timeout), .desc = "no RTP from the peer this long clears the call (cause 41), "
	  "not while on hold (sendonly/recvonly/inactive) nor in T.38 (fax_timeout) [s]; 0 turns "
	  "it off" },
	{ CS_TRUNK, "srtp", OT_ENUM, OPT_RELOAD, .names = srtp_names, .def = "off", T(srtp),
	  .desc = "SRTP (RFC 3711, keys by SDES RFC 4568): off (RTP/AVP; SAVP-only offers get "
	  "488), optional (offer RTP/AVP with a=crypto, best effort; take SRTP or RTP), "
	  "mandatory (offer RTP/SAVP; plain RTP offers get 488)" },
	{ CS_TRUNK, "srtp_suites", OT_STRING, OPT_RELOAD, .check = check_srtp_suites,
	  .def = "AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_32",
	  T(srtp_suites), .desc = "SRTP crypto suites offered and accepted, in preference "
	  "order: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM" },
	/* session timers (RFC 4028) */
	{ CS_TRUNK, "session_timer", OT_ENUM, 0, .names = session_timer_names, .def = "accept",
	  T(session_timer), .desc = "session timers (RFC 4028): no (none; the peer's "
	  "Session-Expires is ignored), accept (honour the peer's, ask for none), yes (ask for "
	  "session_expires in our INVITEs too)" },
	{ CS_TRUNK, "session_expires", OT_UINT, 0, .min = 90, .max = 86400, .def = "1800",
	  T(session_expires), .desc = "session interval asked for with session_timer = yes "
	  "(raised to min_se when below it) [s]; "
	  "the refresher refreshes a little before half of it, the other side clears the call "
	  "(cause 102) when no refresh came" },
	{ CS_TRUNK, "min_se", OT_UINT, 0, .min = 90, .max = 86400, .def = "90", T(min_se),
	  .desc = "shortest session interval taken (Min-SE); a shorter one is answered 422 [s]" },
	{ CS_TRUNK, "session_refresh", OT_ENUM, 0, .names = session_refresh_names,
	  .def = "reinvite", T(session_refresh), .desc = "how we refresh when we are the "
	  "refresher: reinvite (with our current SDP) or update (UPDATE without SDP, RFC 4028 "
	  "§7.4, when the peer's Allow lists UPDATE; else re-INVITE)" },
	{ CS_TRUNK, "late_offer", OT_BOOL, 0, .def = "no", T(late_offer),
	  .desc = "our INVITEs carry no SDP: the peer offers in its 200 and our answer goes in "
	  "the ACK (RFC 3261 §13.2.1); INVITEs without SDP are taken either way" },
	{ CS_TRUNK, "prack", OT_ENUM, 0, .names = prack_names, .def = "supported", T(prack),
	  .desc = "reliable provisional responses (RFC 3262, 100rel): no (not offered; an "
	  "INVITE requiring it gets 420), supported (used when the peer supports it: our 183 "
	  "is sent reliably, the peer's reliable 18x are PRACKed), required (our INVITEs "
	  "require it, an INVITE without it gets 421, every 18x of ours is reliable)" },

	/* [route NAME] */
	{ CS_ROUTE, "from", OT_ENDPOINT, OPT_RELOAD, .def = "any", R(from),
	  .desc = "source of the call: any, span N, group NAME or trunk NAME" },
	{ CS_ROUTE, "match", OT_STRING, OPT_RELOAD, .check = check_match, .def = "",
	  R(match), .desc = "called number: prefix of digits,*,#,+, a list \"a, b\" of them, "
	  "@FILE of them (one a line, # comments; re-read on SIGHUP) or /regex/ (empty: all)" },
	{ CS_ROUTE, "to", OT_DESTLIST, OPT_REQUIRED | OPT_RELOAD | OPT_NO_ANY, R(dest),
	  .desc = "destinations in order: span N, group NAME, trunk NAME, port N:P or port N (the "
	  "port whose number is the called number), comma-separated; "
	  "each next one is tried when the one before cannot take the call (failover_causes)" },
	{ CS_ROUTE, "strip", OT_UINT, OPT_RELOAD, .min = 0, .max = 32, .def = "0", R(strip),
	  .desc = "digits removed from the front of the called number [digits]" },
	{ CS_ROUTE, "prepend", OT_STRING, OPT_RELOAD, .check = check_dialstring, .def = "",
	  R(prepend), .desc = "digits put in front of the called number after strip" },
	{ CS_ROUTE, "pai", OT_STRING, OPT_RELOAD, .check = check_pai, .def = "", R(pai),
	  .desc = "fixed P-Asserted-Identity toward a trunk, over the trunk's pai (empty: the "
	  "trunk's)" },
	{ CS_ROUTE, "privacy", OT_STRING, OPT_RELOAD, .check = check_privacy, .def = "",
	  R(privacy), .desc = "forced Privacy toward a trunk, over the trunk's privacy (empty: "
	  "the trunk's)" },

	/* [port N:LIST] */
	{ CS_PORT, "number", OT_STRING, 0, .check = check_port_number, .def = "", P(number),
	  .desc = "the first port's number; a range counts up from it" },
	{ CS_PORT, "register", OT_ENDPOINT, OPT_NO_ANY, .def = "none", P(reg),
	  .desc = "FXS: trunk NAME: each port registers at the trunk's registrar as its own SIP "
	  "user (username), calls out as it and is called at it; none: the ports share the "
	  "trunk's identity" },
	{ CS_PORT, "username", OT_STRING, 0, .check = check_sip_user, .def = "", P(username),
	  .desc = "FXS: the first port's SIP user (REGISTER, From, digest user); a range counts "
	  "its trailing digits up; empty: the port's number" },
	{ CS_PORT, "password", OT_STRING, 0, .def = "", P(password),
	  .desc = "FXS: the ports' digest password (register = trunk NAME)" },
	{ CS_PORT, "mwi", OT_ENUM, 0, .names = mwi_names, .def = "notify", P(mwi),
	  .desc = "FXS: message waiting (RFC 3842) from NOTIFYs the trunk sends unasked "
	  "(notify), or also SUBSCRIBE for message-summary as each port's user, refreshed "
	  "(subscribe; needs register); messages waiting: stutter dial tone" },
	{ CS_PORT, "caller_id_name", OT_STRING, OPT_RELOAD, .def = "", P(caller_id_name),
	  .desc = "FXS: the calling name of the port's calls" },
	{ CS_PORT, "tone_zone", OT_STRING, 0, .check = check_zone, .def = "us", P(tone_zone),
	  .desc = "tones (libtonezone): us, de, uk, fr, ..." },
	{ CS_PORT, "dial_plan", OT_STRING, 0, .def = "", P(dial_plan),
	  .desc = "FXS: patterns \"911|1NXXNXXXXXX|0.\"; empty: dial once a route matches" },
	{ CS_PORT, "caller_id", OT_ENUM, OPT_RELOAD, .names = callerid_names, .def = "bell202",
	  P(caller_id), .desc = "caller ID between the rings: bell202, v23, dtmf or none" },
	{ CS_PORT, "ring_timeout", OT_UINT, OPT_RELOAD, .min = 5, .max = 600, .def = "60",
	  P(ring_timeout), .desc = "FXS: ringing unanswered this long; FXO with answer_supervision "
	  "polarity or voice: no answer this long after dialling: cause 19 [s]" },
	{ CS_PORT, "first_digit_timeout_ms", OT_UINT, OPT_RELOAD, .min = 1000, .max = 60000,
	  .def = "10000", P(first_digit_ms), .desc = "FXS: dial tone without a digit [ms]" },
	{ CS_PORT, "digit_timeout_ms", OT_UINT, OPT_RELOAD, .min = 500, .max = 30000, .def = "4000",
	  P(digit_ms), .desc = "FXS: between two digits [ms]" },
	/* No flash_min_ms: DAHDI takes an on-hook of up to 200 ms for a dial pulse, a fixed
	 * limit (tdm/analog.h); a flash_max_ms below it would leave no flash at all. */
	{ CS_PORT, "flash_max_ms", OT_UINT, 0, .min = 250, .max = 3000, .def = "800",
	  P(flash_max_ms), .desc = "FXS: a longer on-hook is a hang-up (DAHDI rxflashtime); a "
	  "flash (over DAHDI's fixed 200 ms) in an answered call goes to SIP as RFC 4733 "
	  "event 16 [ms]" },
	{ CS_PORT, "howler_after", OT_UINT, OPT_RELOAD, .min = 1, .max = 600, .def = "30",
	  P(howler_after), .desc = "FXS: after the far end cleared, busy tone this long, then "
	  "off-hook warning [s]" },
	{ CS_PORT, "call_waiting", OT_BOOL, OPT_RELOAD, .def = "yes", P(call_waiting),
	  .desc = "FXS: a second call for a port in an answered call waits (call-waiting tone, "
	  "type II caller ID; flash holds and swaps); no: 486" },
	{ CS_PORT, "to", OT_ENDPOINT, OPT_NO_ANY | OPT_RELOAD, .def = "none", P(to),
	  .desc = "FXO: where the line's incoming calls go (trunk NAME, span N...); none" },
	{ CS_PORT, "to_number", OT_STRING, OPT_RELOAD, .check = check_port_number, .def = "", P(to_number),
	  .desc = "FXO: the number called there; empty: the port's number" },
	{ CS_PORT, "dial_delay_ms", OT_UINT, OPT_RELOAD, .min = 0, .max = 10000, .def = "1000",
	  P(dial_delay_ms), .desc = "FXO: off-hook to the first digit dialled [ms]" },
	{ CS_PORT, "silence_timeout", OT_UINT, OPT_RELOAD, .min = 0, .max = 3600, .def = "0",
	  P(silence_timeout), .desc = "FXO: a connected call with no audio energy from the line "
	  "(below -45 dBm0) this long is cleared (cause 16); 0: off [s]" },
	{ CS_PORT, "disconnect_tone", OT_BOOL, OPT_RELOAD, .def = "yes", P(disconnect_tone),
	  .desc = "FXO: the tone zone's busy or congestion tone (2 cycles of its cadence) from the "
	  "line clears a connected call (cause 16): the far end hung up without dropping loop "
	  "current" },
	{ CS_PORT, "answer_supervision", OT_ENUM, OPT_RELOAD, .names = answer_sup_names,
	  .def = "immediate", P(answer_supervision), .desc = "FXO: an outgoing call is answered "
	  "once dialled (immediate), on battery reversal (polarity), or on sustained audio from the "
	  "line that is none of the zone's call progress tones (voice; 183 with the line's audio "
	  "until then, busy tone: cause 17, nothing within ring_timeout: cause 19)" },
	{ CS_PORT, "distinctive_ring", OT_STRING, OPT_RELOAD, .check = check_dring, .def = "",
	  P(distinctive_ring), .desc = "FXS: ring cadences an INVITE's Alert-Info may name, "
	  "\"NAME:ON/OFF[/ON/OFF...], ...\" [ms] (up to 8 pairs); Bellcore-dr1..dr5 are built in" },
};

const unsigned conf_nopts = sizeof(conf_opts) / sizeof(conf_opts[0]);

/* ---- lookups ------------------------------------------------------------------------- */

const char *conf_sect_kind_name(enum conf_sect_kind kind)
{
	static const char *const names[CS_COUNT] = {
		[CS_GENERAL] = "general", [CS_SPAN] = "span", [CS_GROUP] = "group",
		[CS_TRUNK] = "trunk", [CS_ROUTE] = "route", [CS_PORT] = "port",
	};
	return (unsigned)kind < CS_COUNT ? names[kind] : "?";
}

const struct conf_opt *conf_opt_find(enum conf_sect_kind kind, const char *name)
{
	for (unsigned i = 0; i < conf_nopts; i++)
		if (conf_opts[i].sect == kind && !strcmp(conf_opts[i].name, name))
			return &conf_opts[i];
	return NULL;
}

bool conf_opt_applies(const struct conf_opt *o, const void *sect)
{
	if (!(o->flags & OPT_PRI_ONLY))
		return true;
	return sig_is_pri(((const struct conf_span *)sect)->sig);
}

const char *conf_opt_default(const struct conf_opt *o, const void *sect)
{
	return o->def_fn ? o->def_fn(sect) : o->def;
}

bool conf_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= CONF_NAME_MAX)
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_' && *name != '-')
			return false;
	return true;
}

/* Digits only: no sign, no spaces; then a range check. ERANGE-safe. */
static int parse_long(const char *text, long *v)
{
	const char *p = text;
	char *end;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return EINVAL;
	errno = 0;
	*v = strtol(text, &end, 10);
	if (*end)
		return EINVAL;
	if (errno == ERANGE)
		*v = *text == '-' ? LONG_MIN : LONG_MAX;
	return 0;
}

int conf_span_number_parse(const char *text, unsigned *number)
{
	long v;

	if (*text == '-' || parse_long(text, &v) || v < 1 || v > CONF_SPAN_MAX)
		return EINVAL;
	*number = (unsigned)v;
	return 0;
}

/* ---- value types --------------------------------------------------------------------- */

static int parse_uint(const struct conf_opt *o, const char *text, unsigned *field, char *err,
		      size_t errlen)
{
	long v;

	if (parse_long(text, &v)) {
		snprintf(err, errlen, "'%s' is not a number", text);
		return EINVAL;
	}
	if (v < o->min || v > o->max) {
		snprintf(err, errlen, "%s is out of range (%ld..%ld)", text, o->min, o->max);
		return EINVAL;
	}
	*field = (unsigned)v;
	return 0;
}

static int parse_bool(const char *text, bool *field, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned i = 0; i < 4; i++) {
		if (!strcasecmp(text, yes[i])) {
			*field = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*field = false;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", text);
	return EINVAL;
}

static int parse_enum(const struct conf_opt *o, const char *text, int *field, char *err,
		      size_t errlen)
{
	size_t n;

	for (int i = 0; o->names[i]; i++) {
		if (!strcasecmp(text, o->names[i])) {
			*field = i;
			return 0;
		}
	}
	n = (size_t)snprintf(err, errlen, "'%s' is not one of", text);
	for (int i = 0; o->names[i] && n < errlen; i++)
		n += (size_t)snprintf(err + n, errlen - n, "%s %s", i ? "," : "", o->names[i]);
	return EINVAL;
}

static int parse_string(const struct conf_opt *o, const char *text, char *field, char *err,
			size_t errlen)
{
	if (strlen(text) >= o->size) {
		snprintf(err, errlen, "longer than %zu characters", o->size - 1);
		return EINVAL;
	}
	for (const char *p = text; *p; p++) {
		if (iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "control character in the value");
			return EINVAL;
		}
	}
	if (o->check && o->check(text, err, errlen))
		return EINVAL;
	snprintf(field, o->size, "%s", text);
	return 0;
}

/* "1-15,17-31": positions or ranges, comma separated, each position once. */
static int parse_chanlist(const char *text, const struct conf_span *span, uint32_t *field,
			  char *err, size_t errlen)
{
	unsigned top = span_positions(span->type);
	const char *p = text;
	uint32_t mask = 0;

	for (;;) {
		unsigned long lo, hi;
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			goto syntax;
		lo = hi = strtoul(p, &end, 10);
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '-') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!isdigit((unsigned char)*p))
				goto syntax;
			hi = strtoul(p, &end, 10);
			p = end;
			while (*p == ' ' || *p == '\t')
				p++;
		}
		if (lo > hi) {
			snprintf(err, errlen, "bad channel list '%s': range %lu-%lu runs backwards",
				 text, lo, hi);
			return EINVAL;
		}
		if (lo < 1 || hi > top) {
			snprintf(err, errlen,
				 "bad channel list '%s': position %lu is outside 1..%u (%s)", text,
				 lo < 1 ? lo : hi, top, span_type_names[span->type]);
			return EINVAL;
		}
		for (unsigned long c = lo; c <= hi; c++) {
			if (mask & (UINT32_C(1) << c)) {
				snprintf(err, errlen, "bad channel list '%s': position %lu listed "
					 "twice", text, c);
				return EINVAL;
			}
			mask |= UINT32_C(1) << c;
		}
		if (!*p)
			break;
		if (*p++ != ',')
			goto syntax;
	}
	*field = mask;
	return 0;
syntax:
	snprintf(err, errlen, "bad channel list '%s': expected positions and ranges like "
		 "1-15,17-31", text);
	return EINVAL;
}

int conf_poslist_parse(const char *text, uint32_t *mask)
{
	struct conf_span t1 = { .type = SPAN_E1 };
	char err[8];

	return parse_chanlist(text, &t1, mask, err, sizeof(err));
}

static int parse_timeslot(const char *text, const struct conf_span *span, unsigned *field,
			  char *err, size_t errlen)
{
	unsigned top = span_positions(span->type);
	long v;

	if (parse_long(text, &v)) {
		snprintf(err, errlen, "'%s' is not a number", text);
		return EINVAL;
	}
	if (v < 1 || v > (long)top) {
		snprintf(err, errlen, "%s is out of range (1..%u on %s)", text, top,
			 span_type_names[span->type]);
		return EINVAL;
	}
	*field = (unsigned)v;
	return 0;
}

/* "NAME" after a "group " or "trunk " keyword into dst. */
static int parse_endpoint_name(const char *text, size_t kwlen, const char *what, char *dst,
			       char *err, size_t errlen)
{
	const char *arg = text + kwlen + 1 + strspn(text + kwlen + 1, " \t");

	if (!conf_name_valid(arg)) {
		snprintf(err, errlen, "'%s': a %s name is 1 to %d characters of A-Z a-z 0-9 _ -",
			 text, what, CONF_NAME_MAX - 1);
		return EINVAL;
	}
	snprintf(dst, CONF_NAME_MAX, "%s", arg);
	return 0;
}

static bool keyword(const char *text, const char *kw)
{
	size_t n = strlen(kw);

	return !strncmp(text, kw, n) && (text[n] == ' ' || text[n] == '\t');
}

static int parse_endpoint(const struct conf_opt *o, const char *text,
			  struct conf_endpoint *field, char *err, size_t errlen)
{
	const char *arg;
	struct conf_endpoint ep = { .kind = EP_ANY };

	if (!strcmp(text, "none") && o->sect == CS_PORT) {
		ep.kind = EP_ANY;	/* a port's "to": no destination */
	} else if (!strcmp(text, "any")) {
		if (o->flags & OPT_NO_ANY) {
			snprintf(err, errlen, "'any' is not allowed here (expected span N, "
				 "group NAME or trunk NAME)");
			return EINVAL;
		}
	} else if (keyword(text, "span")) {
		arg = text + 5 + strspn(text + 5, " \t");
		if (conf_span_number_parse(arg, &ep.span)) {
			snprintf(err, errlen, "'%s': the span number must be 1..%d", text,
				 CONF_SPAN_MAX);
			return EINVAL;
		}
		ep.kind = EP_SPAN;
	} else if (keyword(text, "port") && o->sect == CS_ROUTE && !strcmp(o->name, "to")) {
		char num[16];
		arg = text + 5 + strspn(text + 5, " \t");
		size_t n = strcspn(arg, ":");
		snprintf(num, sizeof(num), "%.*s", (int)(n < sizeof(num) ? n : sizeof(num) - 1), arg);
		char *end = NULL;
		unsigned long pos = arg[n] ? strtoul(arg + n + 1, &end, 10) : 0;
		if (conf_span_number_parse(num, &ep.span) ||
		    (arg[n] && (!end || *end || end == arg + n + 1 || pos < 1 || pos > 31))) {
			snprintf(err, errlen, "'%s': expected port N:P (span N, position P) or "
				 "port N", text);
			return EINVAL;
		}
		ep.pos = (unsigned)pos;
		ep.kind = EP_PORT;
	} else if (keyword(text, "group")) {
		if (parse_endpoint_name(text, 5, "group", ep.group, err, errlen))
			return EINVAL;
		ep.kind = EP_GROUP;
	} else if (keyword(text, "trunk")) {
		if (parse_endpoint_name(text, 5, "trunk", ep.trunk, err, errlen))
			return EINVAL;
		ep.kind = EP_TRUNK;
	} else {
		snprintf(err, errlen, "'%s' is not %sspan N, group NAME or trunk NAME", text,
			 o->flags & OPT_NO_ANY ? "" : "any, ");
		return EINVAL;
	}
	*field = ep;
	return 0;
}

/* "2, 4": span numbers separated by commas (blanks allowed), in hunt order, each once. */
static int parse_spanlist(const char *text, struct conf_spanlist *field, char *err,
			  size_t errlen)
{
	struct conf_spanlist list = { .n = 0 };
	const char *p = text;

	for (;;) {
		unsigned long v;
		char *end;

		p += strspn(p, " \t");
		if (!isdigit((unsigned char)*p))
			goto syntax;
		errno = 0;
		v = strtoul(p, &end, 10);
		p = end + strspn(end, " \t");
		if (errno || v < 1 || v > CONF_SPAN_MAX) {
			snprintf(err, errlen, "bad span list '%s': a span number is 1..%d", text,
				 CONF_SPAN_MAX);
			return EINVAL;
		}
		for (unsigned i = 0; i < list.n; i++) {
			if (list.span[i] == v) {
				snprintf(err, errlen, "bad span list '%s': span %lu listed twice",
					 text, v);
				return EINVAL;
			}
		}
		if (list.n == CONF_GROUP_MAX_SPANS) {
			snprintf(err, errlen, "bad span list '%s': more than %d spans", text,
				 CONF_GROUP_MAX_SPANS);
			return EINVAL;
		}
		list.span[list.n++] = (unsigned)v;
		if (!*p)
			break;
		if (*p++ != ',')
			goto syntax;
	}
	*field = list;
	return 0;
syntax:
	snprintf(err, errlen, "bad span list '%s': expected span numbers in hunt order, like 2, 4",
		 text);
	return EINVAL;
}

/* "trunk a, trunk b, span 4": endpoints in the order they are tried. */
static int parse_destlist(const struct conf_opt *o, const char *text,
			  struct conf_destlist *field, char *err, size_t errlen)
{
	struct conf_destlist list;
	char buf[CONF_STR_MAX];
	char *save = NULL;

	memset(&list, 0, sizeof(list));
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		size_t n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		if (list.n == CONF_ROUTE_MAX_TO) {
			snprintf(err, errlen, "'%s': at most %d destinations", text,
				 CONF_ROUTE_MAX_TO);
			return EINVAL;
		}
		if (parse_endpoint(o, t, &list.ep[list.n], err, errlen))
			return EINVAL;
		list.n++;
	}
	if (!list.n || text[strlen(text) - 1] == ',') {
		snprintf(err, errlen, "'%s': expected span N, group NAME or trunk NAME, "
			 "separated by commas", text);
		return EINVAL;
	}
	*field = list;
	return 0;
}

static void format_endpoint(const struct conf_endpoint *ep, char *buf, size_t len)
{
	if (ep->kind == EP_SPAN)
		snprintf(buf, len, "span %u", ep->span);
	else if (ep->kind == EP_TRUNK)
		snprintf(buf, len, "trunk %s", ep->trunk);
	else if (ep->kind == EP_GROUP)
		snprintf(buf, len, "group %s", ep->group);
	else if (ep->kind == EP_PORT && ep->pos)
		snprintf(buf, len, "port %u:%u", ep->span, ep->pos);
	else if (ep->kind == EP_PORT)
		snprintf(buf, len, "port %u", ep->span);
	else
		snprintf(buf, len, "any");
}

static bool endpoint_equal(const struct conf_endpoint *ea, const struct conf_endpoint *eb)
{
	return ea->kind == eb->kind &&
	       (ea->kind != EP_SPAN || ea->span == eb->span) &&
	       (ea->kind != EP_PORT || (ea->span == eb->span && ea->pos == eb->pos)) &&
	       (ea->kind != EP_TRUNK || !strcmp(ea->trunk, eb->trunk)) &&
	       (ea->kind != EP_GROUP || !strcmp(ea->group, eb->group));
}

int conf_opt_parse(const struct conf_opt *o, const char *text, void *sect, char *err,
		   size_t errlen)
{
	void *field = (char *)sect + o->off;
	int v;

	switch (o->type) {
	case OT_UINT:
		STROWGER_ASSERT(o->size == sizeof(unsigned));
		return parse_uint(o, text, field, err, errlen);
	case OT_BOOL:
		STROWGER_ASSERT(o->size == sizeof(bool));
		return parse_bool(text, field, err, errlen);
	case OT_ENUM:
		STROWGER_ASSERT(o->size == sizeof(int));
		if (parse_enum(o, text, &v, err, errlen))
			return EINVAL;
		memcpy(field, &v, sizeof(v));
		return 0;
	case OT_STRING:
		return parse_string(o, text, field, err, errlen);
	case OT_CHANLIST:
		STROWGER_ASSERT(o->sect == CS_SPAN && o->size == sizeof(uint32_t));
		return parse_chanlist(text, sect, field, err, errlen);
	case OT_TIMESLOT:
		STROWGER_ASSERT(o->sect == CS_SPAN && o->size == sizeof(unsigned));
		return parse_timeslot(text, sect, field, err, errlen);
	case OT_ENDPOINT:
		STROWGER_ASSERT(o->size == sizeof(struct conf_endpoint));
		return parse_endpoint(o, text, field, err, errlen);
	case OT_SPANLIST:
		STROWGER_ASSERT(o->size == sizeof(struct conf_spanlist));
		return parse_spanlist(text, field, err, errlen);
	case OT_DESTLIST:
		STROWGER_ASSERT(o->size == sizeof(struct conf_destlist));
		return parse_destlist(o, text, field, err, errlen);
	}
	STROWGER_ASSERT(!"unknown option type");
	return EINVAL;
}

static void format_chanlist(uint32_t mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned c = 1; c <= CONF_MAX_CHANS && n < len; c++) {
		unsigned end = c;
		if (!(mask & (UINT32_C(1) << c)))
			continue;
		while (end + 1 <= CONF_MAX_CHANS && (mask & (UINT32_C(1) << (end + 1))))
			end++;
		if (end == c)
			n += (size_t)snprintf(buf + n, len - n, "%s%u", n ? "," : "", c);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%u-%u", n ? "," : "", c, end);
		c = end;
	}
}

void conf_opt_format(const struct conf_opt *o, const void *sect, char *buf, size_t len)
{
	const void *field = (const char *)sect + o->off;
	const struct conf_endpoint *ep;
	const struct conf_spanlist *sl;
	const struct conf_destlist *dl;
	size_t n = 0;
	int v;

	switch (o->type) {
	case OT_UINT:
	case OT_TIMESLOT:
		snprintf(buf, len, "%u", *(const unsigned *)field);
		return;
	case OT_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		return;
	case OT_ENUM:
		memcpy(&v, field, sizeof(v));
		snprintf(buf, len, "%s", o->names[v]);
		return;
	case OT_STRING:
		snprintf(buf, len, "%s", (const char *)field);
		return;
	case OT_CHANLIST:
		format_chanlist(*(const uint32_t *)field, buf, len);
		return;
	case OT_ENDPOINT:
		ep = field;
		if (ep->kind == EP_ANY && o->sect == CS_PORT)
			snprintf(buf, len, "none");	/* a port's "to": no destination */
		else
			format_endpoint(ep, buf, len);
		return;
	case OT_DESTLIST:
		dl = field;
		buf[0] = '\0';
		for (unsigned i = 0; i < dl->n && n < len; i++) {
			char one[CONF_NAME_MAX + 8];
			format_endpoint(&dl->ep[i], one, sizeof(one));
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", one);
		}
		return;
	case OT_SPANLIST:
		sl = field;
		buf[0] = '\0';
		for (unsigned i = 0; i < sl->n && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? ", " : "", sl->span[i]);
		return;
	}
	STROWGER_ASSERT(!"unknown option type");
}

bool conf_opt_equal(const struct conf_opt *o, const void *a, const void *b)
{
	const void *fa = (const char *)a + o->off, *fb = (const char *)b + o->off;
	const struct conf_endpoint *ea = fa, *eb = fb;
	const struct conf_spanlist *la = fa, *lb = fb;

	switch (o->type) {
	case OT_STRING:
		return !strcmp(fa, fb);
	case OT_ENDPOINT:
		return endpoint_equal(ea, eb);
	case OT_DESTLIST: {
		const struct conf_destlist *da = fa, *db = fb;

		if (da->n != db->n)
			return false;
		for (unsigned i = 0; i < da->n; i++)
			if (!endpoint_equal(&da->ep[i], &db->ep[i]))
				return false;
		return true;
	}
	case OT_SPANLIST:
		return la->n == lb->n && !memcmp(la->span, lb->span, la->n * sizeof(la->span[0]));
	default:
		return !memcmp(fa, fb, o->size);
	}
}
