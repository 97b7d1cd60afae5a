# Small tools the guest tests use to change DAHDI's state or to check results (not part of
# the gateway): dynspan; mkfaxtiff and faxcmp (fax test pages and their comparison, libtiff).
PROGS += $(BUILD)/tests/tools/dynspan $(BUILD)/tests/tools/mkfaxtiff $(BUILD)/tests/tools/faxcmp

# TIFF_CFLAGS / TIFF_LIBS: tests/module.mk
$(BUILD)/tests/tools/mkfaxtiff $(BUILD)/tests/tools/faxcmp: $(BUILD)/tests/tools/%: tests/tools/%.c | check-deps
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(WARN) $(CFLAGS) $(TIFF_CFLAGS) $(LDFLAGS) -o $@ $< $(TIFF_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c | check-deps
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $<
