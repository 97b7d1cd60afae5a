/* Analog ports on DAHDI channels: hook, events, tone zones, dialling. */
#include "tdm/analog.h"

#include <dahdi/tonezone.h>
#include <dahdi/user.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

int analog_hook(int fd, enum analog_hook_op op)
{
	static const int ops[] = {
		[ANALOG_ONHOOK] = DAHDI_ONHOOK, [ANALOG_OFFHOOK] = DAHDI_OFFHOOK,
		[ANALOG_RING] = DAHDI_RING, [ANALOG_RINGOFF] = DAHDI_RINGOFF,
		[ANALOG_FLASH] = DAHDI_FLASH,
	};
	int x;

	if ((unsigned)op >= sizeof(ops) / sizeof(ops[0]))
		return EINVAL;
	x = ops[op];
	/* EINPROGRESS: DAHDI took it and is still sending it (a flash, a ring burst). */
	if (ioctl(fd, DAHDI_HOOK, &x) && errno != EINPROGRESS)
		return errno;
	return 0;
}

void analog_event_decode(int e, struct analog_event *ev)
{
	*ev = (struct analog_event){ .type = ANALOG_EV_OTHER, .raw = e };
	if (e & DAHDI_EVENT_PULSEDIGIT) {
		ev->type = ANALOG_EV_PULSE_DIGIT;
		ev->digit = (char)(e & 0xff);
		return;
	}
	switch (e) {
	case DAHDI_EVENT_NONE: ev->type = ANALOG_EV_NONE; break;
	case DAHDI_EVENT_RINGOFFHOOK: ev->type = ANALOG_EV_OFFHOOK; break;
	case DAHDI_EVENT_ONHOOK: ev->type = ANALOG_EV_ONHOOK; break;
	case DAHDI_EVENT_WINKFLASH: ev->type = ANALOG_EV_FLASH; break;
	case DAHDI_EVENT_RINGERON: ev->type = ANALOG_EV_RINGER_ON; break;
	case DAHDI_EVENT_RINGEROFF: ev->type = ANALOG_EV_RINGER_OFF; break;
	case DAHDI_EVENT_RINGBEGIN: ev->type = ANALOG_EV_RING_BEGIN; break;
	case DAHDI_EVENT_POLARITY: ev->type = ANALOG_EV_POLARITY; break;
	case DAHDI_EVENT_DIALCOMPLETE: ev->type = ANALOG_EV_DIAL_DONE; break;
	case DAHDI_EVENT_HOOKCOMPLETE: ev->type = ANALOG_EV_HOOK_DONE; break;
	case DAHDI_EVENT_ALARM:
	case DAHDI_EVENT_NOALARM: ev->type = ANALOG_EV_ALARM; break;
	default: break;
	}
}

const char *analog_event_name(enum analog_event_type t)
{
	static const char *const names[] = {
		[ANALOG_EV_NONE] = "none", [ANALOG_EV_OFFHOOK] = "off-hook",
		[ANALOG_EV_ONHOOK] = "on-hook", [ANALOG_EV_FLASH] = "flash",
		[ANALOG_EV_RINGER_ON] = "ringer on", [ANALOG_EV_RINGER_OFF] = "ringer off",
		[ANALOG_EV_RING_BEGIN] = "ring begin", [ANALOG_EV_POLARITY] = "polarity",
		[ANALOG_EV_DIAL_DONE] = "dial complete", [ANALOG_EV_HOOK_DONE] = "hook complete",
		[ANALOG_EV_PULSE_DIGIT] = "pulse digit", [ANALOG_EV_ALARM] = "alarm",
		[ANALOG_EV_OTHER] = "other",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static int tone_id(enum analog_tone t)
{
	static const int ids[] = {
		[ANALOG_TONE_OFF] = DAHDI_TONE_STOP, [ANALOG_TONE_DIAL] = DAHDI_TONE_DIALTONE,
		[ANALOG_TONE_BUSY] = DAHDI_TONE_BUSY, [ANALOG_TONE_RINGBACK] = DAHDI_TONE_RINGTONE,
		[ANALOG_TONE_CONGESTION] = DAHDI_TONE_CONGESTION,
		[ANALOG_TONE_STUTTER] = DAHDI_TONE_STUTTER,
		[ANALOG_TONE_DIALRECALL] = DAHDI_TONE_DIALRECALL,
		[ANALOG_TONE_CALLWAIT] = DAHDI_TONE_CALLWAIT,
	};
	return (unsigned)t < sizeof(ids) / sizeof(ids[0]) ? ids[t] : -2;
}

int analog_set_zone(int fd, const char *dir, const char *zone)
{
	char name[16], path[512];
	struct tone_zone *z;
	int num, ctl, err;

	snprintf(name, sizeof(name), "%s", zone);
	z = tone_zone_find(name);
	if (!z)
		return ENOENT;
	/* A zone dahdi_cfg loaded (loadzone=) is taken as it is; another one is loaded into
	 * the driver first, through the control device (DAHDI_LOADZONE is refused on a
	 * channel: ENOTTY). libtonezone keeps a copy of each tone's text it never frees:
	 * loading only what is missing keeps that to once per zone. */
	num = z->zone;
	if (!ioctl(fd, DAHDI_SETTONEZONE, &num))
		return 0;
	snprintf(path, sizeof(path), "%s/ctl", dir);
	ctl = open(path, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return errno;
	err = tone_zone_register_zone(ctl, z) ? (errno ? errno : EIO) : 0;
	close(ctl);
	if (err)
		return err;
	num = z->zone;
	return ioctl(fd, DAHDI_SETTONEZONE, &num) ? errno : 0;
}

int analog_tone(int fd, enum analog_tone tone)
{
	int id = tone_id(tone);

	if (id == -2)
		return EINVAL;
	return ioctl(fd, DAHDI_SENDTONE, &id) ? errno : 0;
}

const char *analog_zone_tone(const char *zone, enum analog_tone tone)
{
	char name[16];
	struct tone_zone *z;
	int id = tone_id(tone);

	snprintf(name, sizeof(name), "%s", zone);
	z = tone_zone_find(name);
	if (!z || id < 0)
		return NULL;
	for (unsigned i = 0; i < DAHDI_TONE_MAX; i++)
		if (z->tones[i].toneid == id && z->tones[i].data[0])
			return z->tones[i].data;
	return NULL;
}

/* One part of a libtonezone definition: [!]F1[+F2|*F2]/MS ("0" F1: silence). */
struct tone_seg {
	unsigned f1, f2;	/* [Hz] f2 0: one frequency; a modulated one ("*") plays f1 */
	unsigned ms;
};

/* The parts up to the first long pause (silence of 1 s or more). Returns the count (<= max),
 * or -EINVAL for a definition this cannot read (a part without duration: continuous). */
static int tone_segs(const char *def, struct tone_seg *segs, unsigned max)
{
	const char *t = def;
	unsigned n = 0;

	if (!t || !*t)
		return -EINVAL;
	while (*t) {
		const char *end = strchr(t, ','), *slash = strchr(t, '/');
		struct tone_seg sg = { 0 };
		char *e;

		if (!end)
			end = t + strlen(t);
		if (!slash || slash > end)
			return -EINVAL;
		sg.ms = (unsigned)strtoul(slash + 1, &e, 10);
		if (e == slash + 1 || sg.ms > 60000)
			return -EINVAL;
		if (*t == '!')
			t++;
		sg.f1 = (unsigned)strtoul(t, &e, 10);
		if (e == t || sg.f1 > 3999)
			return -EINVAL;
		if (*e == '+' || *e == '*') {
			bool mod = *e == '*';
			const char *f2 = e + 1;
			unsigned v = (unsigned)strtoul(f2, &e, 10);
			if (e == f2 || v > 3999)
				return -EINVAL;
			sg.f2 = mod ? 0 : v;
		}
		if (e != slash)
			return -EINVAL;
		if (!sg.f1 && sg.ms >= 1000)
			break;
		if (n == max)
			return -ENOSPC;
		segs[n++] = sg;
		t = *end ? end + 1 : end;
	}
	return (int)n;
}

unsigned analog_tone_burst_ms(const char *def)
{
	struct tone_seg segs[16];
	int n = tone_segs(def, segs, 16);
	unsigned sum = 0;

	for (int i = 0; i < n; i++)
		sum += segs[i].ms;
	return sum;
}

int analog_tone_render(const char *def, int16_t *out, size_t max)
{
	/* each frequency at -16 dBm0, about where DAHDI's own tones sit (3.14 dBm0 full scale) */
	const double amp = 32767.0 * pow(10.0, (-16.0 - 3.14) / 20.0);
	struct tone_seg segs[16];
	int n = tone_segs(def, segs, 16);
	size_t k = 0;

	if (!out)
		return -EINVAL;
	if (n <= 0)
		return n ? n : -EINVAL;
	for (int i = 0; i < n; i++) {
		size_t len = (size_t)segs[i].ms * 8;

		if (k + len > max)
			return -ENOSPC;
		for (size_t j = 0; j < len; j++) {
			double t = (double)j / 8000.0, v = 0;
			if (segs[i].f1)
				v += sin(2 * M_PI * segs[i].f1 * t);
			if (segs[i].f2)
				v += sin(2 * M_PI * segs[i].f2 * t);
			out[k++] = (int16_t)lrint(amp * v);
		}
	}
	return (int)k;
}

int analog_set_cadence(int fd, const unsigned *ms, unsigned n)
{
	struct dahdi_ring_cadence rc;

	if (!n || n * 2 > DAHDI_MAX_CADENCE)
		return EINVAL;
	memset(&rc, 0, sizeof(rc));
	for (unsigned i = 0; i < n * 2; i++)
		rc.ringcadence[i] = (int)ms[i];
	return ioctl(fd, DAHDI_SETCADENCE, &rc) ? errno : 0;
}

unsigned analog_zone_ring_cadence(const char *zone, unsigned *ms, unsigned max)
{
	char name[16];
	struct tone_zone *z;
	unsigned n = 0;

	snprintf(name, sizeof(name), "%s", zone);
	z = tone_zone_find(name);
	if (!z)
		return 0;
	for (unsigned i = 0; i < DAHDI_MAX_CADENCE && n < max && z->ringcadence[i] > 0; i++)
		ms[n++] = (unsigned)z->ringcadence[i];
	return n;
}

int analog_onhook_transfer(int fd, unsigned ms)
{
	int arg = (int)ms;

	return ioctl(fd, DAHDI_ONHOOKTRANSFER, &arg) ? errno : 0;
}

int analog_set_flash(int fd, unsigned max_ms)
{
	struct dahdi_params p;

	memset(&p, 0, sizeof(p));
	if (ioctl(fd, DAHDI_GET_PARAMS, &p))
		return errno;
	if (p.rxflashtime == (int)max_ms)
		return 0;
	p.rxflashtime = (int)max_ms;
	return ioctl(fd, DAHDI_SET_PARAMS, &p) ? errno : 0;
}

int analog_dial(int fd, const char *digits)
{
	struct dahdi_dialoperation op = { .op = DAHDI_DIAL_OP_APPEND };

	if (strlen(digits) + 2 > sizeof(op.dialstr))
		return ENOSPC;
	snprintf(op.dialstr, sizeof(op.dialstr), "T%s", digits);
	return ioctl(fd, DAHDI_DIAL, &op) ? errno : 0;
}
