/* dynspan: create or destroy one dahdi_dynamic span in the test guest, to make the far
 * end of a looped pair vanish (its partner goes into RED alarm after 1 s of silence) and
 * come back.
 *   dynspan destroy loc 1:0 31        dynspan create loc 1:0 31 [timing]
 * Prints the span number DAHDI assigned on create. */
#include <dahdi/user.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct dahdi_dynamic_span ds;
	unsigned long req;

	if (argc < 5 || (strcmp(argv[1], "create") && strcmp(argv[1], "destroy"))) {
		fprintf(stderr, "usage: dynspan create|destroy DRIVER ADDR NUMCHANS [TIMING]\n");
		return 2;
	}
	memset(&ds, 0, sizeof(ds));
	snprintf(ds.driver, sizeof(ds.driver), "%s", argv[2]);
	snprintf(ds.addr, sizeof(ds.addr), "%s", argv[3]);
	ds.numchans = atoi(argv[4]);
	ds.timing = argc > 5 ? atoi(argv[5]) : 0;
	req = strcmp(argv[1], "create") ? DAHDI_DYNAMIC_DESTROY : DAHDI_DYNAMIC_CREATE;

	int fd = open("/dev/dahdi/ctl", O_RDWR);
	if (fd < 0) {
		perror("dynspan: /dev/dahdi/ctl");
		return 1;
	}
	if (ioctl(fd, req, &ds)) {
		fprintf(stderr, "dynspan: %s %s %s: %s\n", argv[1], argv[2], argv[3], strerror(errno));
		close(fd);
		return 1;
	}
	if (req == DAHDI_DYNAMIC_CREATE)
		printf("%d\n", ds.spanno);
	close(fd);
	return 0;
}
