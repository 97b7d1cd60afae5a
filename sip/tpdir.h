/* The private runtime directory of the SIP transports: what Sofia-SIP 1.12.11 reads from
 * files it names itself.
 *
 * Its TLS transport takes a directory (TPTAG_CERTIFICATE) and reads agent.pem (our
 * certificate and its key in one file) and cafile.pem (the CAs a peer must chain to) from
 * it; its resolver reads a resolv.conf (SRESTAG_RESOLV_CONF), which knows a "port" line
 * besides "nameserver". The operator's files (tls_cert, tls_key, tls_ca, dns_server) are
 * copied into a directory of our own, mode 0700 under $RUNTIME_DIRECTORY (systemd) or
 * $TMPDIR or /tmp, which goes away with the UA: the key is never left behind readable.
 */
#ifndef STROWGER_SIP_TPDIR_H
#define STROWGER_SIP_TPDIR_H

#include <limits.h>
#include <stdbool.h>

struct sip_tpdir {
	char path[PATH_MAX];		/* "" until made */
	bool tls;			/* agent.pem and cafile.pem written */
	bool resolv;			/* resolv.conf written */
};

/* Make the directory. cert and key (both or neither, PEM) become agent.pem and ca
 * cafile.pem; dns_server ("ADDR[:PORT]", numeric) becomes resolv.conf. NULL or "" leaves
 * a file out. Return 0, EINVAL (bad dns_server, cert without key), ENOENT/EACCES (a file
 * unreadable: logged with its name) or EIO. On error nothing is left behind. */
int sip_tpdir_make(struct sip_tpdir *d, const char *cert, const char *key, const char *ca,
		   const char *dns_server);

/* "<dir>/resolv.conf", or NULL when there is none. */
const char *sip_tpdir_resolv_conf(const struct sip_tpdir *d, char *buf, unsigned len);

/* Remove the files and the directory (a no-op when never made). */
void sip_tpdir_remove(struct sip_tpdir *d);

#endif
