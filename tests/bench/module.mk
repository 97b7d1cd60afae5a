# Benchmarks (docs/architecture.md §3, host only): `make bench` builds and runs media-bench.
# The library is named by path: $(LIB) is defined after this file is included.
$(BUILD)/tests/bench/media-bench: $(BUILD)/tests/bench/media-bench.o $(BUILD)/libstrowger.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)
