/* Maintenance state file (gateway/maint_state.h). */
#include "maint_state.h"

#include "common/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct load {
	uint32_t *blocked;
	char *err;
	size_t len;
	int rc;
};

/* inih's key handler; always nonzero: our error is kept in ld. */
static int on_key(void *arg, const char *section, const char *name, const char *value)
{
	struct load *ld = arg;
	const char *p = value;

	if (ld->rc)
		return 1;
	if (section[0] || strcmp(name, "blocked_spans")) {
		snprintf(ld->err, ld->len, "unknown key \"%s%s%s\"",
			 section[0] ? section : "", section[0] ? "." : "", name);
		ld->rc = EINVAL;
		return 1;
	}
	while (*p) {
		char *end;
		unsigned long n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		errno = 0;
		n = strtoul(p, &end, 10);
		if (end == p || errno || n == 0 || n >= MAINT_SPANS_MAX) {
			snprintf(ld->err, ld->len, "blocked_spans: \"%s\" is not a span number "
				 "1..%d", p, MAINT_SPANS_MAX - 1);
			ld->rc = EINVAL;
			return 1;
		}
		ld->blocked[n / 32] |= 1u << (n % 32);
		p = end;
	}
	return 1;
}

int maint_state_load(const char *path, uint32_t blocked[MAINT_WORDS], char *err, size_t len)
{
	struct load ld = { .blocked = blocked, .err = err, .len = len };
	FILE *f;
	int rc;

	memset(blocked, 0, MAINT_WORDS * sizeof(blocked[0]));
	if (len)
		err[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		rc = errno;
		snprintf(err, len, "%s", strerror(rc));
		return rc;
	}
	rc = ini_parse_file(f, on_key, &ld);
	fclose(f);
	if (!ld.rc && rc) {
		snprintf(err, len, "line %d: not \"key = value\"", rc);
		ld.rc = EINVAL;
	}
	if (ld.rc)
		memset(blocked, 0, MAINT_WORDS * sizeof(blocked[0]));
	return ld.rc;
}

int maint_state_save(const char *path, const uint32_t blocked[MAINT_WORDS])
{
	char tmp[4096], text[MAINT_SPANS_MAX * 4 + 64];
	size_t n;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return ENAMETOOLONG;
	n = (size_t)snprintf(text, sizeof(text),
			     "; strowger maintenance state, written by the daemon: do not edit "
			     "while it runs\nblocked_spans =");
	for (unsigned s = 1; s < MAINT_SPANS_MAX; s++)
		if (blocked[s / 32] & (1u << (s % 32)))
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %u", s);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");

	rc = fs_make_parent(path, 0750);
	if (rc)
		return rc;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd))
		rc = errno ? errno : EIO;
	if (close(fd) && !rc)
		rc = errno;
	if (!rc && rename(tmp, path))
		rc = errno;
	if (rc)
		unlink(tmp);
	return rc;
}
