# Small tools the guest tests use to change DAHDI's state (not part of the gateway).
PROGS += $(BUILD)/tests/tools/dynspan

$(BUILD)/tests/tools/%: tests/tools/%.c | check-deps
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<
