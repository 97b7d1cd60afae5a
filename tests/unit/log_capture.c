/* Capturing fd 2 for a test (log_capture.h). */
#include "tests/unit/log_capture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

static struct {
	int saved;			/* the real stderr, or -1 */
	FILE *file;
	char text[32768];
} L = { .saved = -1 };

void log_capture_start(void)
{
	fflush(stderr);
	L.file = tmpfile();
	cr_assert_not_null(L.file);
	L.saved = dup(2);
	cr_assert_geq(L.saved, 0);
	cr_assert_geq(dup2(fileno(L.file), 2), 0);
}

const char *log_capture_stop(void)
{
	if (L.saved < 0)
		return L.text;
	fflush(stderr);
	dup2(L.saved, 2);
	close(L.saved);
	L.saved = -1;
	rewind(L.file);
	size_t n = fread(L.text, 1, sizeof(L.text) - 1, L.file);
	L.text[n] = '\0';
	fclose(L.file);
	fputs(L.text, stderr);
	return L.text;
}
