# Manual pages: strowger(8) and strowgerctl(8) as written; strowger.conf(5) gets its OPTIONS
# from the option table (man/confman.c), so every key the parser knows is in the manual.
CONFMAN := $(BUILD)/man/confman
MANPAGES := $(BUILD)/man/strowger.8 $(BUILD)/man/strowgerctl.8 $(BUILD)/man/strowger.conf.5

PROGS += $(MANPAGES)

$(CONFMAN): $(BUILD)/man/confman.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(BUILD)/man/strowger.conf.5: man/strowger.conf.5.in man/strowger.conf.5.tail $(CONFMAN)
	$(call msg,GEN,$@)
	$(Q){ cat man/strowger.conf.5.in && $(CONFMAN) && cat man/strowger.conf.5.tail; } >$@.tmp && mv $@.tmp $@

$(BUILD)/man/%.8: man/%.8
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
