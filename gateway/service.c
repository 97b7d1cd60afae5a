#include "gateway/service.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

static void notify(const char *state)
{
	int r = sd_notify(0, state);

	if (r < 0)	/* a service manager is there but could not be told */
		LOGW(LS_MAIN, "cannot notify the service manager (%s): %s", state, strerror(-r));
}

void service_ready(const char *status)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
	notify(buf);
}

void service_reloading(void) { notify("RELOADING=1\nSTATUS=reloading the configuration"); }

void service_stopping(void) { notify("STOPPING=1\nSTATUS=clearing calls, stopping"); }
