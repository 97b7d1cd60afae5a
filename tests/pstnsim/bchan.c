/* PSTN simulator: B-channels on /dev/dahdi/channel, 160-byte blocks paced by the DAHDI clock. */
#include "tests/pstnsim/pstnsim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <dahdi/user.h>
#include <libpri.h>

#define BCHAN_NUMBUFS	16	/* the guest can miss its slot: keep slack (dahdi-vm README) */
#define BCHAN_PRIME	8	/* [blocks] written ahead: 160 ms before the far end hears idle */

int sim_chan_open(int channo, int blocksize)
{
	struct dahdi_bufferinfo bi = { 0 };
	int fd, rc;

	fd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, DAHDI_SPECIFY, &channo))
		goto fail;
	if (blocksize > 0) {
		bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
		bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
		bi.numbufs = BCHAN_NUMBUFS;
		bi.bufsize = blocksize;
		if (ioctl(fd, DAHDI_SET_BUFINFO, &bi) || ioctl(fd, DAHDI_SET_BLOCKSIZE, &blocksize))
			goto fail;
	}
	return fd;
fail:
	rc = errno;
	close(fd);
	return -rc;
}

int sim_dahdi_probe(struct sim *s)
{
	struct dahdi_params p = { 0 };
	int fd = sim_chan_open(s->o.dchan, 0), rc = 0;

	if (fd < 0)
		return -fd;
	p.channo = s->o.dchan;
	if (ioctl(fd, DAHDI_GET_PARAMS, &p)) {
		rc = errno;
		goto out;
	}
	/* E1: D-channel in timeslot 16; T1: in 24 (ITU-T G.704 / ANSI T1.408) */
	s->o.base = s->o.dchan - p.chanpos;
	if (!s->o.bchans_given)
		for (int ts = 1; ts < SIM_MAX_TS; ts++)
			s->o.bchan[ts] = ts != p.chanpos && ts <= (p.chanpos == 24 ? 23 : 31);
	if (!s->o.law_given)
		s->o.law = p.chanpos == 24 ? SIM_LAW_ULAW : SIM_LAW_ALAW;
	if (s->o.switchtype < 0)
		s->o.switchtype = p.chanpos == 24 ? PRI_SWITCH_NI2 : PRI_SWITCH_EUROISDN_E1;
	sim_say(s, "span %d: D-channel %d (%s, timeslot %d), B-channels DAHDI %d+ts, %s, %s side, %s",
		p.spanno, s->o.dchan, p.name, p.chanpos, s->o.base, sim_law_name(s->o.law),
		s->o.network ? "network" : "user", pri_switch2str(s->o.switchtype));
out:
	close(fd);
	return rc;
}

int sim_bchan_open(struct sim *s, struct sim_call *call)
{
	uint8_t buf[SIM_BLOCK];
	int fd, flush = DAHDI_FLUSH_ALL;

	if (call->fd >= 0)
		return 0;
	fd = sim_chan_open(s->o.base + call->ts, SIM_BLOCK);
	if (fd < 0)
		return -fd;
	(void)ioctl(fd, DAHDI_FLUSH, &flush);
	for (int i = 0; i < BCHAN_PRIME; i++) {
		sim_tx_fill(call->tx, buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
	}
	call->fd = fd;
	return 0;
}

void sim_bchan_close(struct sim_call *call)
{
	if (call->fd >= 0)
		close(call->fd);
	call->fd = -1;
}

void sim_bchan_io(struct sim *s, struct sim_call *call, short revents)
{
	uint8_t buf[SIM_BLOCK * 4];
	ssize_t n;

	if (revents & POLLPRI) {
		int ev = 0;

		if (!ioctl(call->fd, DAHDI_GETEVENT, &ev) && ev) {
			if (s->line)
				sim_analog_event(s, ev);
			else
				sim_say(s, "evt   %s: B-channel DAHDI event %d", call->name, ev);
		}
	}
	if (!(revents & POLLIN))
		return;
	/* one write per block read keeps the send side paced by the receive clock */
	for (int i = 0; i < 8; i++) {
		n = read(call->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == ELAST) {
				int ev = 0;
				(void)ioctl(call->fd, DAHDI_GETEVENT, &ev);
				if (s->line)
					sim_analog_event(s, ev);
			}
			return;
		}
		sim_rx_feed(call->rx, buf, (size_t)n);
		if (s->line)
			sim_analog_audio(s, buf, (size_t)n);
		if (sim_analog_quiet(s))
			continue;
		if (call->fax) {
			/* the fax machine owns the channel: its signals replace the tone */
			sim_fax_rx(call->fax, buf, (size_t)n);
			sim_fax_tx(call->fax, buf, (size_t)n);
		} else if (!sim_analog_tx(s, buf, (size_t)n)) {
			sim_tx_fill(call->tx, buf, (size_t)n);
		}
		if (write(call->fd, buf, (size_t)n) < 0 && errno != EAGAIN)
			return;
	}
}
