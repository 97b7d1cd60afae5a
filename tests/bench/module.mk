# Benchmarks (docs/architecture.md §3, host only): `make bench` builds and runs media-bench.
# The library is named by path: $(LIB) is defined after this file is included.
$(BUILD)/tests/bench/media-bench: $(BUILD)/tests/bench/media-bench.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# UDPTL loss sweep (T.38 §9.1): runs with `make bench`, before media-bench.
$(BUILD)/tests/bench/udptl-loss: $(BUILD)/tests/bench/udptl-loss.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

.PHONY: bench-udptl
bench-udptl: $(BUILD)/tests/bench/udptl-loss
	$(Q)$(BUILD)/tests/bench/udptl-loss
bench: bench-udptl

# Fax loss sweep through two T.38 gateway stages (tests/unit/faxcall): `make faxlab`, and
# part of `make bench`.
FAXLAB_OBJS := $(BUILD)/tests/bench/faxlab.o $(BUILD)/tests/unit/faxcall.o $(BUILD)/tests/unit/faxpage.o
$(BUILD)/tests/bench/faxlab: $(FAXLAB_OBJS) $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) $(TIFF_LIBS)

.PHONY: faxlab
faxlab: $(BUILD)/tests/bench/faxlab
	$(Q)$(BUILD)/tests/bench/faxlab $(FAXLAB_ARGS)
bench: faxlab

# Analog line listeners (caller ID, call-progress tones): CPU per 20 ms frame; part of
# `make bench`.
$(BUILD)/tests/bench/analog-bench: $(BUILD)/tests/bench/analog-bench.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

.PHONY: bench-analog
bench-analog: $(BUILD)/tests/bench/analog-bench
	$(Q)$(BUILD)/tests/bench/analog-bench
bench: bench-analog
