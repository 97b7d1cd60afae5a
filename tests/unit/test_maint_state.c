/* Unit tests for the maintenance state file (gateway/maint_state.c): blocked spans written
 * and read back, a missing file (first start) read as nothing blocked, a missing
 * /var/lib/strowger-like directory made on the first write, a file that is not ours
 * refused with what is wrong, and no FILE.tmp left behind after a write. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/maint_state.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/strowger-maint-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/state", dir);	/* sub/: save makes it */
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

static void write_file(const char *text)
{
	char sub[160];
	FILE *f;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	(void)!mkdir(sub, 0755);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static bool is_set(const uint32_t *b, unsigned s)
{
	return b[s / 32] & (1u << (s % 32));
}

TestSuite(maint_state, .init = setup, .fini = teardown);

Test(maint_state, missing_file_is_nothing_blocked)
{
	uint32_t b[MAINT_WORDS];
	char err[128];

	memset(b, 0xff, sizeof(b));
	cr_assert_eq(maint_state_load(path, b, err, sizeof(err)), 0);
	for (unsigned i = 0; i < MAINT_WORDS; i++)
		cr_assert_eq(b[i], 0);
}

Test(maint_state, round_trip_makes_the_directory)
{
	uint32_t b[MAINT_WORDS] = { 0 }, r[MAINT_WORDS];
	char err[128], tmp[160];

	b[0] = (1u << 2) | (1u << 4);
	b[255 / 32] |= 1u << (255 % 32);
	cr_assert_eq(maint_state_save(path, b), 0);
	cr_assert_eq(maint_state_load(path, r, err, sizeof(err)), 0, "%s", err);
	cr_assert(is_set(r, 2) && is_set(r, 4) && is_set(r, 255));
	cr_assert(!is_set(r, 1) && !is_set(r, 3) && !is_set(r, 5));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert_eq(access(tmp, F_OK), -1, "%s left behind", tmp);

	/* Unblocking the last span writes an empty list, read back as nothing blocked. */
	memset(b, 0, sizeof(b));
	cr_assert_eq(maint_state_save(path, b), 0);
	cr_assert_eq(maint_state_load(path, r, err, sizeof(err)), 0);
	for (unsigned i = 0; i < MAINT_WORDS; i++)
		cr_assert_eq(r[i], 0);
}

Test(maint_state, hand_written_list)
{
	uint32_t r[MAINT_WORDS];
	char err[128];

	write_file("; a comment\nblocked_spans = 7, 9 12\n");
	cr_assert_eq(maint_state_load(path, r, err, sizeof(err)), 0, "%s", err);
	cr_assert(is_set(r, 7) && is_set(r, 9) && is_set(r, 12) && !is_set(r, 8));
}

Test(maint_state, not_ours_is_refused_and_blocks_nothing)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "blocked_spans = 2 x\n", "\"x\" is not a span number" },
		{ "blocked_spans = 0\n", "\"0\" is not a span number" },
		{ "blocked_spans = 256\n", "\"256\" is not a span number" },
		{ "blocked_spans = 2\nspans = 3\n", "unknown key \"spans\"" },
		{ "[span 2]\nblocked = yes\n", "unknown key \"span 2.blocked\"" },
		{ "blocked_spans = 2\nthis is not ini\n", "line 2" },
	};
	uint32_t r[MAINT_WORDS];
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i].text);
		cr_assert_eq(maint_state_load(path, r, err, sizeof(err)), EINVAL, "%s", bad[i].text);
		cr_assert(strstr(err, bad[i].says), "\"%s\" does not say \"%s\"", err, bad[i].says);
		for (unsigned w = 0; w < MAINT_WORDS; w++)
			cr_assert_eq(r[w], 0, "%s blocked something", bad[i].text);
	}
}
