/* Recorded DAHDI reports for unit tests: one loader for every test that reads them. */
#include "tests/unit/dahdi_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "tdm/dahdi_report.h"

#define FIXTURES "tests/unit/fixtures/dahdi/"

size_t dahdi_fixture_load(const char *name, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

void dahdi_fixture_parse(struct dahdi_report_span *rs, const char *name)
{
	static char buf[16384];
	size_t n = dahdi_fixture_load(name, buf, sizeof(buf));

	cr_assert_eq(dahdi_report_parse_proc(rs, buf, n), 0, "%s not parsed", name);
}
