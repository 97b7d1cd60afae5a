/* Thin wrappers over the DAHDI character devices. */
#include "tdm/dahdi.h"
#include "tdm/dahdi_report.h"

#include <dahdi/user.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int open_dev(const char *dir, const char *name, int *fdp)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno;
	*fdp = fd;
	return 0;
}

int dahdi_chan_open(int *fdp, const char *dir, unsigned channo, enum dahdi_chan_mode mode)
{
	struct dahdi_bufferinfo bi = {
		.txbufpolicy = DAHDI_POLICY_IMMEDIATE,
		.rxbufpolicy = DAHDI_POLICY_IMMEDIATE,
	};
	int fd = -1, err, num = (int)channo;

	if (!fdp || !dir || !channo)
		return EINVAL;
	err = open_dev(dir, "channel", &fd);
	if (err)
		return err;
	if (ioctl(fd, DAHDI_SPECIFY, &num))
		goto fail;
	if (mode == DAHDI_MODE_AUDIO) {
		int bs = DAHDI_FRAME_BYTES;
		/* 320 ms of slack each way: a reader or writer descheduled that long (guest
		 * scheduling, a loaded host) loses no samples; a fax modem cannot bear a slip.
		 * Buffers only fill while we are late: no delay otherwise. */
		bi.numbufs = 16;
		bi.bufsize = DAHDI_FRAME_BYTES;
		if (ioctl(fd, DAHDI_SET_BUFINFO, &bi) || ioctl(fd, DAHDI_SET_BLOCKSIZE, &bs))
			goto fail;
	} else {
		bi.numbufs = 16;
		bi.bufsize = 1024;
		if (ioctl(fd, DAHDI_SET_BUFINFO, &bi))
			goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	err = errno;
	close(fd);
	return err;
}

int dahdi_ctl_open(const char *dir, int *fdp)
{
	if (!dir || !fdp)
		return EINVAL;
	return open_dev(dir, "ctl", fdp);
}

int dahdi_span_stat_fd(int ctl, unsigned spanno, struct dahdi_span_info *info)
{
	struct dahdi_spaninfo si;
	int err;

	if (ctl < 0 || !spanno || !info)
		return EINVAL;
	do {
		memset(&si, 0, sizeof(si));
		si.spanno = (int)spanno;
		err = ioctl(ctl, DAHDI_SPANSTAT, &si) ? errno : 0;
	} while (err == EINTR);
	if (err)
		return err;
	info->alarms = si.alarms;
	info->counts = (struct dahdi_span_counts){
		.bpv = si.bpvcount > 0 ? (unsigned)si.bpvcount : 0,
		.crc4 = si.crc4count > 0 ? (unsigned)si.crc4count : 0,
		.ebit = si.ebitcount > 0 ? (unsigned)si.ebitcount : 0,
		.fas = si.fascount > 0 ? (unsigned)si.fascount : 0,
		.fe = si.fecount, .cv = si.cvcount,
		.irqmisses = si.irqmisses > 0 ? (unsigned)si.irqmisses : 0,
	};
	/* Slips are not in DAHDI_SPANSTAT; /proc/dahdi/N prints them (a missing /proc is
	 * no error: the other counters stand). */
	struct dahdi_report_span rs;
	if (!dahdi_report_read(&rs, "/proc/dahdi", NULL, spanno))
		info->counts.slips = rs.counts.timingslips;
	info->totalchans = si.totalchans > 0 ? (unsigned)si.totalchans : 0;
	info->numchans = si.numchans > 0 ? (unsigned)si.numchans : 0;
	snprintf(info->name, sizeof(info->name), "%.*s", (int)sizeof(si.name), si.name);
	snprintf(info->desc, sizeof(info->desc), "%.*s", (int)sizeof(si.desc), si.desc);
	return 0;
}

int dahdi_span_stat(const char *dir, unsigned spanno, struct dahdi_span_info *info)
{
	int fd = -1, err;

	if (!dir || !spanno || !info)
		return EINVAL;
	err = open_dev(dir, "ctl", &fd);
	if (err)
		return err;
	err = dahdi_span_stat_fd(fd, spanno, info);
	close(fd);
	return err;
}

int dahdi_span_channels(const char *dir, unsigned spanno, unsigned *chan_of_pos, unsigned npos)
{
	unsigned found = 0;
	int fd = -1, err;

	if (!dir || !spanno || !chan_of_pos)
		return EINVAL;
	err = open_dev(dir, "ctl", &fd);
	if (err)
		return err;
	memset(chan_of_pos, 0, sizeof(*chan_of_pos) * (npos + 1));
	/* DAHDI numbers channels globally; walk them once and keep this span's. */
	for (int channo = 1; channo < DAHDI_MAX_CHANNELS && found < npos; channo++) {
		struct dahdi_params p;

		memset(&p, 0, sizeof(p));
		p.channo = channo;
		if (ioctl(fd, DAHDI_GET_PARAMS, &p))
			continue;
		if (p.spanno != (int)spanno || p.chanpos < 1 || (unsigned)p.chanpos > npos)
			continue;
		chan_of_pos[p.chanpos] = (unsigned)channo;
		found++;
	}
	close(fd);
	return found ? 0 : ENXIO;
}

int dahdi_chan_tone(int fd, enum dahdi_tone tone)
{
	static const int ids[] = {
		[DAHDI_TONE_OFF] = DAHDI_TONE_STOP, [DAHDI_TONE_RINGBACK] = DAHDI_TONE_RINGTONE,
		[DAHDI_TONE_BUSY_SIGNAL] = DAHDI_TONE_BUSY,
		[DAHDI_TONE_CONGESTION_SIGNAL] = DAHDI_TONE_CONGESTION,
	};
	int id;

	if ((unsigned)tone >= sizeof(ids) / sizeof(ids[0]))
		return EINVAL;
	id = ids[tone];
	return ioctl(fd, DAHDI_SENDTONE, &id) ? errno : 0;
}

int dahdi_chan_flush(int fd)
{
	/* Events too: an alarm of the span while no call had the channel queues one on it,
	 * and while one is queued every read fails with ELAST (DAHDI's errno 500). */
	int what = DAHDI_FLUSH_READ | DAHDI_FLUSH_WRITE | DAHDI_FLUSH_EVENT;

	return ioctl(fd, DAHDI_FLUSH, &what) ? errno : 0;
}

int dahdi_chan_echocan(int fd, unsigned taps)
{
	struct dahdi_echocanparams ecp = { .tap_length = taps, .param_count = 0 };
	int audio = 1;

	/* DAHDI cancels echo only on a channel in audio mode, and opens a clear (PRI bearer)
	 * channel without it; an analog channel is always in it and refuses the ioctl. */
	if (taps && ioctl(fd, DAHDI_AUDIOMODE, &audio) && errno != EINVAL)
		return errno;
	return ioctl(fd, DAHDI_ECHOCANCEL_PARAMS, &ecp) ? errno : 0;
}

int dahdi_get_event(int fd, int *event)
{
	*event = DAHDI_EVENT_NONE;
	return ioctl(fd, DAHDI_GETEVENT, event) ? errno : 0;
}

const char *dahdi_alarm_str(int alarms, char *buf, unsigned buflen)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{DAHDI_ALARM_RED, "RED"},	{DAHDI_ALARM_YELLOW, "YELLOW"},
		{DAHDI_ALARM_BLUE, "BLUE"},	{DAHDI_ALARM_RECOVER, "RECOVERING"},
		{DAHDI_ALARM_LOOPBACK, "LOOPBACK"}, {DAHDI_ALARM_NOTOPEN, "NOT-OPEN"},
		{DAHDI_ALARM_LOS, "LOS"},	{DAHDI_ALARM_LFA, "LFA"},
		{DAHDI_ALARM_LMFA, "LMFA"},
	};
	unsigned used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(alarms & names[i].bit))
			continue;
		int n = snprintf(buf + used, buflen - used, "%s%s", used ? "+" : "", names[i].name);
		if (n < 0 || (unsigned)n >= buflen - used)
			break;
		used += (unsigned)n;
	}
	if (!used)
		snprintf(buf, buflen, alarms ? "0x%x" : "none", (unsigned)alarms);
	return buf;
}

const char *dahdi_counts_delta_str(const struct dahdi_span_counts *old,
				   const struct dahdi_span_counts *now, char *buf, unsigned buflen)
{
	const struct {
		const char *name;
		unsigned a, b;
	} c[] = {
		{"bpv", old->bpv, now->bpv}, {"crc4", old->crc4, now->crc4},
		{"ebit", old->ebit, now->ebit}, {"fas", old->fas, now->fas},
		{"framing", old->fe, now->fe}, {"cv", old->cv, now->cv},
		{"irqmisses", old->irqmisses, now->irqmisses}, {"slips", old->slips, now->slips},
	};
	unsigned used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (c[i].a == c[i].b)
			continue;
		/* A counter that went down was reset (span reconfigured): show the new total. */
		int n = c[i].b > c[i].a ?
			snprintf(buf + used, buflen - used, "%s%s +%u (%u)", used ? ", " : "",
				 c[i].name, c[i].b - c[i].a, c[i].b) :
			snprintf(buf + used, buflen - used, "%s%s reset (%u)", used ? ", " : "",
				 c[i].name, c[i].b);
		if (n < 0 || (unsigned)n >= buflen - used)
			break;
		used += (unsigned)n;
	}
	return buf;
}
