/* Digit collection for FXS ports: a per-port dial plan of Asterisk-style patterns, and the
 * matcher that says after each digit whether to wait, dial now or give reorder. Pure. */
#ifndef STROWGER_GATEWAY_DIALPLAN_H
#define STROWGER_GATEWAY_DIALPLAN_H

#include <stddef.h>

/* Asterisk-style patterns, '|'-separated: literal 0-9 * #, X = 0-9, Z = 1-9, N = 2-9,
 * [1-5] or [137] a set, '.' one or more of anything, '!' zero or more. "911|1NXXNXXXXXX|0.|*XX" */
struct dialplan;
/* 0, or -EINVAL with a message naming the pattern and position in err (errlen bytes), or
 * -ENOMEM. */
int dialplan_parse(const char *text, struct dialplan **out, char *err, size_t errlen);
void dialplan_free(struct dialplan *dp);

enum dialplan_match {
	DIALPLAN_NOMATCH,	/* no pattern can match these digits or any longer ones: reorder */
	DIALPLAN_MORE,		/* a prefix of a pattern: wait for more digits */
	DIALPLAN_AMBIGUOUS,	/* matches a pattern, and a longer string could match too: dial
				 * after the inter-digit timeout (or at once on '#') */
	DIALPLAN_COMPLETE,	/* matches, and no longer string can: dial now */
};
enum dialplan_match dialplan_match(const struct dialplan *dp, const char *digits);

#endif
