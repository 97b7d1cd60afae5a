/* File-system helpers (common/fs.h). */
#include "fs.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

int fs_make_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return ENAMETOOLONG;
	if (mkdir(dirname(dir), mode) && errno != EEXIST)
		return errno;
	return 0;
}
