# strowgerctl (ctl/strowgerctl.c): the operator's client of the control socket
# (gateway/ctl.h). Host and guest.
STROWGERCTL := $(BUILD)/strowgerctl

PROGS += $(STROWGERCTL)

$(STROWGERCTL): $(BUILD)/ctl/strowgerctl.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
