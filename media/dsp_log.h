/* Route SpanDSP's process-wide messages into the "dsp" log subsystem. */
#ifndef STROWGER_MEDIA_DSP_LOG_H
#define STROWGER_MEDIA_DSP_LOG_H

void dsp_log_init(void);

#endif
