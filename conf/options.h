/* The table of configuration options and the value types it uses (private to conf/).
 *
 * One row per option (STYLE.md §14, after Redis config.c): parsing, validation, conf_print()
 * and conf_restart_needed() all walk conf_opts[]. Defaults are text, parsed by the same code
 * as what the user wrote. */
#ifndef STROWGER_CONF_OPTIONS_H
#define STROWGER_CONF_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Section kinds, in the order conf_print() writes them. */
enum conf_sect_kind { CS_GENERAL, CS_SPAN, CS_GROUP, CS_TRUNK, CS_ROUTE, CS_PORT, CS_COUNT };

enum conf_opt_type {
	OT_UINT,	/* unsigned, min..max */
	OT_BOOL,	/* bool: yes/no/true/false/on/off/1/0 */
	OT_ENUM,	/* int-sized enum: index into names[] */
	OT_STRING,	/* char[size], optional check() */
	OT_CHANLIST,	/* uint32_t bit mask of span positions, "1-15,17-31" */
	OT_TIMESLOT,	/* unsigned span position, 1..31 on E1, 1..24 on T1 */
	OT_ENDPOINT,	/* struct conf_endpoint: "any", "span N", "group NAME", "trunk NAME" */
	OT_SPANLIST,	/* struct conf_spanlist: "2, 4", span numbers in order, each once */
	OT_DESTLIST,	/* struct conf_destlist: "trunk a, trunk b, span 4", endpoints in order */
};

enum conf_opt_flags {
	OPT_REQUIRED = 1 << 0,	/* no default: the key must be given */
	OPT_RELOAD   = 1 << 1,	/* may change on SIGHUP without a restart */
	OPT_PRI_ONLY = 1 << 2,	/* span option that exists on PRI spans only */
	OPT_DEPENDS  = 1 << 3,	/* span option whose default or bounds follow type/signalling */
	OPT_NO_ANY   = 1 << 4,	/* OT_ENDPOINT: "any" is not allowed */
	OPT_GROUPED  = 1 << 5,	/* span option that the span's [group] sets instead: an error
				 * on a span in a group, printed as a comment there */
};

typedef int (conf_check_h)(const char *value, char *err, size_t errlen);
typedef const char *(conf_default_h)(const void *sect);

struct conf_opt {
	enum conf_sect_kind sect;
	const char *name;
	enum conf_opt_type type;
	unsigned flags;			/* enum conf_opt_flags */
	long min, max;			/* OT_UINT bounds, inclusive */
	const char *const *names;	/* OT_ENUM allowed values, NULL-terminated */
	conf_check_h *check;		/* OT_STRING extra rule, or NULL */
	const char *def;		/* default as text; NULL: required or def_fn */
	conf_default_h *def_fn;		/* default that depends on the section, or NULL */
	size_t off;			/* [bytes] field offset in the section's struct */
	size_t size;			/* [bytes] field size */
	const char *desc;		/* one line, with units */
};

extern const struct conf_opt conf_opts[];
extern const unsigned conf_nopts;

/* "general", "span", "group", "trunk", "route". */
const char *conf_sect_kind_name(enum conf_sect_kind kind);

/* The row for key name in a section of this kind; NULL when there is none. */
const struct conf_opt *conf_opt_find(enum conf_sect_kind kind, const char *name);

/* Whether the option exists in this section (PRI-only options on analog spans do not). */
bool conf_opt_applies(const struct conf_opt *o, const void *sect);

/* The default as text for this section; NULL when the option is required. */
const char *conf_opt_default(const struct conf_opt *o, const void *sect);

/* Parse text into the option's field of sect (the struct of o->sect's kind).
 * Return 0, or EINVAL with what is wrong in err (without the key name). */
int conf_opt_parse(const struct conf_opt *o, const char *text, void *sect, char *err,
		   size_t errlen);

/* Write the field as text that conf_opt_parse() reads back to the same value. */
void conf_opt_format(const struct conf_opt *o, const void *sect, char *buf, size_t len);

/* Whether the field is the same in a and b. */
bool conf_opt_equal(const struct conf_opt *o, const void *a, const void *b);

/* Section names: [A-Za-z0-9_-]{1,CONF_NAME_MAX-1}. */
bool conf_name_valid(const char *name);

/* A span number in a section header or an endpoint: 1..255, decimal.
 * Return 0 or EINVAL. */
int conf_span_number_parse(const char *text, unsigned *number);

/* "1-8,12": span positions 1..31 into a bit mask. Return 0 or EINVAL. */
int conf_poslist_parse(const char *text, uint32_t *mask);

#define CONF_SPAN_MAX 255

#endif
