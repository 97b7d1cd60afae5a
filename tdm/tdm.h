/* tdm/ as a whole: process-wide set-up of the libraries it drives. */
#ifndef STROWGER_TDM_H
#define STROWGER_TDM_H

/* Route libpri's messages and errors into the "pri" log subsystem. Call once. */
void tdm_log_init(void);

#endif
