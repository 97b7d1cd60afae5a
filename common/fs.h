/* Small file-system helpers shared by the daemon's writers. */
#ifndef STROWGER_COMMON_FS_H
#define STROWGER_COMMON_FS_H

#include <sys/types.h>

/* Make the directory that will hold path (one level: /var/lib/strowger on a fresh install,
 * /run/strowger on a fresh tmpfs). 0 if it exists or was made, else an errno. */
int fs_make_parent(const char *path, mode_t mode);

#endif
