# Guest tier (tests/guest/README.md): programs that run inside the qemu guest against the
# real DAHDI driver. They are built on the host (the guest CPU is 5-40x slower) and listed
# in PROGS; tests/guest/run.sh refuses to boot when a test's "# needs:" program is missing.

GUEST_PROGS := $(BUILD)/tests/guest/bchan_check
PROGS += $(GUEST_PROGS)

$(BUILD)/tests/guest/bchan_check: $(BUILD)/tests/guest/bchan_check.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
