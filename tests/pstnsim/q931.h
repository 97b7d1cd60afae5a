/* PSTN simulator: Q.931 messages libpri 1.6.0 cannot send, made from ones it can; free of I/O. */
#ifndef STROWGER_PSTNSIM_Q931_H
#define STROWGER_PSTNSIM_Q931_H

#include <stddef.h>
#include <stdint.h>

/* Restart indicator classes (Q.931 §4.5.25, octet 3 bits 3-1). */
#define SIM_RESTART_CHANNELS	0	/* indicated channels */
#define SIM_RESTART_INTERFACE	6	/* single interface */
#define SIM_RESTART_ALL		7	/* all interfaces */

/*
 * A RESTART for a whole interface. libpri 1.6.0's pri_restart() sends nothing and its
 * pri_reset() sends RESTART for one indicated channel only: a Q.921 I-frame (2 octets
 * address, 2 octets control) carrying the global call reference, a channel identification
 * and a restart indicator of class 0. If frame (len octets, no FCS) is such an I-frame,
 * rewrite it in place to carry only a restart indicator of class cls (6 or 7; a whole
 * interface has no channel identification, Q.931 §3.1.15) and return the new length,
 * which is shorter. Any other frame is left alone: the same len is returned. The Q.921
 * header (sequence numbers) is kept, so the frame stays valid on the link.
 */
size_t sim_q931_restart_rewrite(uint8_t *frame, size_t len, int cls);

#endif
