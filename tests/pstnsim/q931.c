/* PSTN simulator: Q.931 frame rewriting for what libpri cannot send (see q931.h). */
#include "tests/pstnsim/q931.h"

#include <string.h>

#define Q921_IHDR	4	/* [octets] address + control of an I-frame (Q.921 §3.2) */
#define IE_RESTART_IND	0x79	/* Q.931 §4.5.25 */

size_t sim_q931_restart_rewrite(uint8_t *frame, size_t len, int cls)
{
	/* protocol discriminator Q.931, call reference length 2, global CR 0, RESTART (0x46) */
	static const uint8_t restart[] = { 0x08, 0x02, 0x00, 0x00, 0x46 };
	size_t n = Q921_IHDR + sizeof(restart);

	if (!frame || (cls != 6 && cls != 7) || len < n + 3 || (frame[2] & 0x01) ||
	    memcmp(frame + Q921_IHDR, restart, sizeof(restart)))
		return len;
	frame[n++] = IE_RESTART_IND;
	frame[n++] = 0x01;
	frame[n++] = (uint8_t)(0x80 | cls);
	return n;
}
