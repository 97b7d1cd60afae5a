/* Live reload of the configuration (SIGHUP, strowgerctl reload): see gateway/reload.c. */
#ifndef STROWGER_GATEWAY_RELOAD_H
#define STROWGER_GATEWAY_RELOAD_H

#include <stddef.h>

struct cause_map;
struct conf;
struct daemon;
struct route_table;

/* What a reload did, for its one-line reply. */
struct reload_summary {
	unsigned trunks_added, trunks_changed, trunks_removed, trunks_reregistered;
	unsigned groups_added, groups_changed, groups_removed;	/* [group]s */
	unsigned routes;		/* routes now */
	unsigned nrefused;
	char refused[1024];		/* "span 3 signalling, group pbx added (restart needed)" */
	char failed[256];		/* trunks the UA refused: "trunk x not started" */
};

/* "reloaded: 2 trunks changed, 1 added, 0 removed; 7 routes[; groups: 1 changed, 0 added,
 * 0 removed]; refused: span 3 signalling (restart needed)". */
void reload_summary_format(const struct reload_summary *s, char *buf, size_t len);

/* conf_restart_needed()'s lines ("[span 2] signalling") as log lines ("span 2: signalling
 * changed; restart needed", one a line) and as the reply's brief list ("span 2
 * signalling, ... (restart needed)"). Either buffer may be NULL. Returns how many. */
unsigned reload_refusals(const char *restart, char *log, size_t loglen, char *brief,
			 size_t brieflen);

/* Read d->conf_path again and apply it (see reload.c). reply: the summary, or "reload
 * failed, nothing changed: file:line: message". 0, or the error (nothing changed). The
 * caller applies logging and timers from the new d->conf. */
int gw_reload(struct daemon *d, char *reply, size_t len);

/* Route table and cause map from a config; errors logged. 0 or an errno value. */
int gw_build_routing(const struct conf *conf, struct route_table **rtp,
		     struct cause_map **cmp);

#endif
