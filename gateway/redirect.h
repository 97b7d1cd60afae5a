/* The redirecting party between Q.931 and SIP: a call forwarded by the PBX or the network
 * carries who forwarded it and why. Q.931 §4.5.13 (Redirecting number IE, reason for
 * redirection in octet 3b) on PRI; on SIP the Diversion header (RFC 5806, reason tokens
 * of §4) or History-Info (RFC 7044) whose target entry carries the RFC 4458 "cause" URI
 * parameter (486 busy, 408 no reply, 302 unconditional, 487/480 deflection, 503 not
 * reachable, 404 unknown).
 *
 * I/O-free: strings in, strings out; the SIP legs put the header values in the INVITE. */
#ifndef STROWGER_GATEWAY_REDIRECT_H
#define STROWGER_GATEWAY_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

#include "tdm/pri.h"

/* Who redirected the call and why: struct pri_redirecting (tdm/pri.h). */

/* Q.931 reason <-> RFC 5806 reason token ("user-busy", "no-answer", "unconditional",
 * "deflection", "out-of-service", "unavailable", "unknown"). A token we do not know is
 * Q931_REDIR_UNKNOWN. */
const char *redirect_reason_token(enum q931_redir_reason r);
enum q931_redir_reason redirect_reason_from_token(const char *token, size_t len);

/* Q.931 reason <-> RFC 4458 cause (History-Info). An unknown cause is Q931_REDIR_UNKNOWN. */
unsigned redirect_reason_cause(enum q931_redir_reason r);
enum q931_redir_reason redirect_reason_from_cause(unsigned cause);

/* A Diversion header value (RFC 5806 §3) for the redirecting user (SIP form, "+4930...")
 * at host: <sip:user@host>;reason=...;counter=N[;privacy=full]. 0 or ENOSPC. */
int redirect_diversion_build(const struct pri_redirecting *ri, const char *user,
			     const char *host, char *buf, size_t len);

/* A History-Info header value (RFC 7044 §4) for a call redirected from user to target:
 * <sip:user@host>;index=1,<sip:target@host;cause=N>;index=1.1 (RFC 4458 §4). The
 * redirecting entry is privacy-marked (?Privacy=history) when its presentation is
 * restricted. 0 or ENOSPC. */
int redirect_history_build(const struct pri_redirecting *ri, const char *user,
			   const char *target, const char *host, char *buf, size_t len);

/* Parse the first entry of a Diversion header value: *user (the URI's user part, up to
 * ulen) and ri->reason, ri->counter (1 if absent), ri->pres (restricted with privacy=full
 * or privacy=name... any privacy other than off). 0, or EINVAL (no SIP/tel URI). */
int redirect_diversion_parse(const char *value, char *user, size_t ulen,
			     struct pri_redirecting *ri);

/* Parse a History-Info header value: the redirecting user is the entry before the first
 * entry whose URI has an RFC 4458 cause parameter, the reason that cause; counter the
 * number of such entries. 0, or ENOENT (no redirection in it), EINVAL (malformed). */
int redirect_history_parse(const char *value, char *user, size_t ulen,
			   struct pri_redirecting *ri);

#endif
