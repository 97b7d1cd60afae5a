/* The message-summary body of a message-waiting NOTIFY (RFC 3842 §5), parsed: I/O-free.
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:alice@vmail.example.com
 *   Voice-Message: 2/8 (0/2)
 *
 * §5.2: the status line first (yes or no), then an optional Message-Account, then summary
 * lines "class: new/old [(new-urgent/old-urgent)]", then optional headers after an empty
 * line (ignored). Names and yes/no are case-insensitive (RFC 3261 §25.1 ABNF strings);
 * lines may end in CRLF or a bare LF (lenient: some servers send that).
 */
#ifndef STROWGER_SIP_MWI_H
#define STROWGER_SIP_MWI_H

#include <stdbool.h>
#include <stddef.h>

#define MWI_LINES_MAX	8

struct mwi_count {
	char cls[32];			/* message-context-class, lower case: "voice-message" */
	unsigned new_msgs, old_msgs;
	bool urgent;			/* the (new-urgent/old-urgent) part was there */
	unsigned new_urgent, old_urgent;
};

struct mwi_summary {
	bool waiting;			/* Messages-Waiting: yes */
	char account[256];		/* Message-Account URI, "" if none */
	struct mwi_count lines[MWI_LINES_MAX];
	unsigned nlines;		/* summary lines kept (more are checked, not kept) */
};

/* Parse body (len bytes, need not be NUL-terminated) into *s. Returns 0, or EINVAL with a
 * reason in err ("line 2: 'Voice-Message: 2/x': bad count") when the body breaks §5.2. */
int mwi_summary_parse(const char *body, size_t len, struct mwi_summary *s, char *err,
		      size_t errlen);

#endif
