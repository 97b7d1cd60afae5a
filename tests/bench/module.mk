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
