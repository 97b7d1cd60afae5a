/* SIP trace: each SIP message the UA sends or receives, as a packet in a pcap file that
 * Wireshark and tshark open and dissect as SIP.
 *
 * Two halves. sip_trace_* writes the file: LINKTYPE_RAW (IPv4 or IPv6 without a link
 * header), each message one record with an IP and a UDP header, or, over TCP and TLS (the
 * message as TLS carried it, decrypted), a TCP header whose sequence numbers run on per
 * connection direction so that the stream reads as one; real addresses, ports and
 * timestamps, checksums right. Records go through a buffer of our own written out when
 * full or on sip_trace_flush() (the UA does it twice a second): the signalling thread never
 * waits for the disk on a single message. The file stops growing at a size cap.
 *
 * sip_tplog_* is where the messages come from: Sofia-SIP 1.12.11 has no message hook, but
 * its transport logs every whole message it sends (after the socket took it) and receives
 * (after framing, before parsing) with TPTAG_LOG, through su_log in pieces: a stamp ("send
 * 512 bytes to tcp/[192.0.2.1]:5060 at 10:00:00.000000:"), a separator, each line without
 * its end, the separator again. The reassembler takes those pieces (su_log's format and
 * arguments, as a su_log redirect gets them) and gives back the message with its peer
 * address; every other su_log line is not its business. docs/architecture.md says why this
 * hook and not TPTAG_DUMP or nta. */
#ifndef STROWGER_SIP_TRACE_H
#define STROWGER_SIP_TRACE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

/* ---- The pcap file ------------------------------------------------------------------- */

struct sip_trace;

struct sip_trace_msg {
	bool tcp;			/* over TCP or TLS: a TCP segment; else UDP */
	const struct sockaddr *src, *dst;	/* AF_INET or AF_INET6, both the same */
	struct timeval tv;		/* when (wall clock) */
	const char *data;
	size_t len;
};

/* Create (truncate) path, mode 0640, and write the pcap header. max_bytes: the file's cap
 * (0: none). Return 0 or an errno value (the file's, or ENOMEM). */
int sip_trace_open(struct sip_trace **tp, const char *path, uint64_t max_bytes);

/* One message. Return 0; EFBIG when it would take the file past its cap (nothing written:
 * the caller closes the trace and says so); EAFNOSUPPORT for mixed or unknown address
 * families (skipped); EIO when the file could not be written. */
int sip_trace_write(struct sip_trace *t, const struct sip_trace_msg *m);

/* Write out what is buffered. 0 or EIO. */
int sip_trace_flush(struct sip_trace *t);

/* Messages written so far, and the file's size [bytes]. */
uint64_t sip_trace_messages(const struct sip_trace *t);
uint64_t sip_trace_bytes(const struct sip_trace *t);
const char *sip_trace_path(const struct sip_trace *t);

/* Flush and close. 0, or EIO when the last write failed. NULL is a no-op. */
int sip_trace_close(struct sip_trace *t);

/* ---- Sofia-SIP's transport log, reassembled ------------------------------------------ */

struct sip_tplog_msg {
	bool sent;			/* "send": we sent it to peer; else we received it */
	char proto[8];			/* Sofia's transport name: "udp", "tcp", "tls" */
	struct sockaddr_storage peer;
	struct timeval tv;		/* when its stamp came */
	const char *data;		/* the message, lines ended by CRLF */
	size_t len;
	size_t stamped;			/* its length as Sofia counted it */
};

typedef void sip_tplog_h(const struct sip_tplog_msg *m, void *arg);

struct sip_tplog {
	int state;			/* private */
	bool collect;			/* keep the text (a trace is on); else only swallow */
	char *buf;
	size_t len, cap;
	bool overflow;			/* longer than we keep: dropped */
	struct sip_tplog_msg msg;
	sip_tplog_h *h;			/* each whole message, when collecting */
	void *arg;
};

/* One su_log call. Return true when it was a piece of a message log (consumed: the caller
 * logs it nowhere else). */
bool sip_tplog_feed(struct sip_tplog *l, const char *fmt, va_list ap);

/* Free the buffer. */
void sip_tplog_free(struct sip_tplog *l);

/* The host of a request's Request-URI ("INVITE sip:5551234@carrier.example:5070;x SIP/2.0"
 * gives "carrier.example"; an IPv6 reference without its brackets), for the per-trunk
 * trace. 0, or EINVAL: not a request with a sip: or sips: URI, or a host longer than
 * size - 1. */
int sip_msg_request_host(const char *msg, size_t len, char *host, size_t size);

#endif
