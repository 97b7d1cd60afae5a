/* Prints the OPTIONS part of strowger.conf(5) from the option table (conf/options.c), so
 * the manual and the parser cannot disagree: every key, its section, default, range or
 * values, whether SIGHUP changes it, and its one-line description. Built and run by
 * man/module.mk; the rest of the page is man/strowger.conf.5.in. */
#include "conf/options.h"

#include <stdio.h>
#include <string.h>

/* man(7) text: a backslash is \e, a leading dot or quote would be a request. */
static void roff(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void values(const struct conf_opt *o)
{
	switch (o->type) {
	case OT_UINT:
		printf(" (%ld..%ld)", o->min, o->max);
		break;
	case OT_ENUM:
		fputs(" (", stdout);
		for (unsigned i = 0; o->names[i]; i++) {
			fputs(i ? " | " : "", stdout);
			roff(o->names[i]);
		}
		fputs(")", stdout);
		break;
	case OT_BOOL:
		fputs(" (yes | no)", stdout);
		break;
	default:
		break;
	}
}

int main(void)
{
	static const char *const heading[CS_COUNT] = {
		[CS_GENERAL] = "[general]", [CS_SPAN] = "[span N]", [CS_GROUP] = "[group NAME]",
		[CS_TRUNK] = "[trunk NAME]", [CS_ROUTE] = "[route NAME]",
	};

	for (unsigned k = 0; k < CS_COUNT; k++) {
		printf(".SS %s\n", heading[k]);
		for (unsigned i = 0; i < conf_nopts; i++) {
			const struct conf_opt *o = &conf_opts[i];
			if (o->sect != k)
				continue;
			printf(".TP\n.B %s", o->name);
			values(o);
			putchar('\n');
			roff(o->desc);
			fputs(".", stdout);
			if (o->flags & OPT_REQUIRED)
				fputs(" Required.", stdout);
			else if (o->def && o->def[0]) {
				fputs(" Default: ", stdout);
				roff(o->def);
				fputs(".", stdout);
			} else if (o->def_fn)
				fputs(" Default: depends on the span (see the example file).", stdout);
			if (o->flags & OPT_PRI_ONLY)
				fputs(" PRI spans only.", stdout);
			if (o->flags & OPT_RELOAD)
				fputs(" Changed by SIGHUP without a restart.", stdout);
			putchar('\n');
		}
	}
	return 0;
}
