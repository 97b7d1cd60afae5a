# Test tiers (docs/architecture.md §3): unit (host, Criterion, ASan+UBSan), guest (real DAHDI in qemu),
# bench (host). Programs that run in the guest are built here and listed in PROGS.

SAN_BUILD := build/san
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/tests/unit-tests
# I/O-free sources of test programs that unit tests exercise; tests/*/module.mk append.
UNIT_EXTRA_SRCS :=

# libtiff: fax test pages (tests/tools/mkfaxtiff, faxcmp; the fax unit tests write and read pages)
TIFF_CFLAGS = $(call lazy_once,TIFF_CFLAGS,pkg-config --cflags libtiff-4 2>/dev/null)
TIFF_LIBS   = $(call lazy_once,TIFF_LIBS,pkg-config --libs libtiff-4 2>/dev/null)

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += $(TEST_CFLAGS) $(TIFF_CFLAGS)

$(UNIT_BIN): $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS)) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(DEP_LIBS) $(TIFF_LIBS) $(TEST_LIBS)

include $(wildcard tests/*/module.mk)

# Known only once tests/*/module.mk have been read.
$(UNIT_BIN): $(patsubst %.c,$(BUILD)/%.o,$(UNIT_EXTRA_SRCS))

# Unit tier: always the sanitized build, so a leak or UB fails the run.
unit:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=address,undefined $(SAN_BUILD)/tests/unit-tests
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/unit/lsan.supp:print_suppressions=0 \
		$(SAN_BUILD)/tests/unit-tests $(UNIT_ARGS)

# Guest tier: the daemon and the PSTN simulator against the real DAHDI driver. The tests run
# the daemon built with ASan+UBSan (in the unit tier's build dir: the same objects), so a
# memory error, UB or a leak in it fails the test that triggered it; every other program
# comes from $(BUILD). make demo keeps the normal build.
SAN_GW := $(SAN_BUILD)/strowger
san-gw:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=address,undefined $(SAN_GW)

guest: all san-gw
	$(Q)tests/guest/run.sh --build $(BUILD) --gw $(SAN_GW) --timeout $${STROWGER_GUEST_TIMEOUT:-4500} tests/guest/suite.sh

demo: all
	$(Q)tests/guest/run.sh --build $(BUILD) tests/guest/demo.sh

test: unit guest

# The README's first command on a clean Debian 12 root (debootstrap minbase + make + git):
# what a new user gets, not what this machine happens to have installed.
fresh-check:
	$(Q)tests/fresh/fresh-check.sh

bench:
	$(Q)$(MAKE) --no-print-directory $(BUILD)/tests/bench/media-bench
	$(Q)$(BUILD)/tests/bench/media-bench
