# PSTN-side simulator (tests/pstnsim/README.md): libpri NT/TE on a DAHDI D-channel, tones and
# DTMF on B-channels. Runs in the DAHDI guest. Its I/O-free parts (script parser, audio
# checks, Q.931 frame rewriting) are also linked into the unit-test binary through
# UNIT_EXTRA_SRCS.
PSTNSIM_SRCS := $(wildcard tests/pstnsim/*.c)
PSTNSIM_PURE := tests/pstnsim/script.c tests/pstnsim/audio.c tests/pstnsim/q931.c tests/pstnsim/fax.c
PSTNSIM      := $(BUILD)/tests/pstnsim/pstnsim

PROGS           += $(PSTNSIM)
UNIT_EXTRA_SRCS += $(PSTNSIM_PURE)

# $(LIB) is not yet defined when module.mk files are read: name the archive.
$(PSTNSIM): $(patsubst %.c,$(BUILD)/%.o,$(PSTNSIM_SRCS)) $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)
