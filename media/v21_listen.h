/* A V.21 channel 2 listener (ITU-T V.21 300 bit/s FSK, the T.30 control channel, T.30 §5.3.1)
 * on one direction of 8 kHz linear audio: FSK demodulator + HDLC receiver (SpanDSP), each
 * frame handed to a t30_observe. A carrier that lasts without HDLC framing is a high-speed
 * modem (TCF or a page: V.27ter, V.29, V.17 share the band) and is reported as image. It
 * only listens; the audio passes unchanged. */
#ifndef STROWGER_MEDIA_V21_LISTEN_H
#define STROWGER_MEDIA_V21_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct t30_observe;

/* Embeddable: the owner holds the struct; init allocates SpanDSP's receiver states inside,
 * release frees them. Fields are private. */
struct v21_listen {
	struct t30_observe *obs;
	bool from_tdm;
	void *fsk;			/* fsk_rx_state_t * */
	void *hdlc;			/* hdlc_rx_state_t * */
	uint64_t frames_ok, frames_bad;
	bool carrier;			/* energy in the V.21 band without HDLC framing */
	unsigned carrier_samples;	/* ... for this long [samples] */
	uint64_t images;		/* high-speed runs reported to t30_observe_image() */
};

/* Start listening; frames go to o with from_tdm as given. Return 0, EINVAL or ENOMEM.
 * l needs v21_listen_release() after a 0 return only. */
int v21_listen_init(struct v21_listen *l, struct t30_observe *o, bool from_tdm);

/* Free what init allocated; l may then be reused with init. Safe on a zeroed struct. */
void v21_listen_release(struct v21_listen *l);

/* n samples of linear 16-bit audio at 8000 samples/s, in order. */
void v21_listen_audio(struct v21_listen *l, const int16_t *amp, size_t n);

#endif
