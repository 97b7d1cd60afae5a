# Strowger — PSTN-to-SIP media gateway.
#
# Subsystems, one folder each (see README.md "Layout"); each folder's module.mk appends
# its sources to LIB_SRCS (linked into the daemon and the tests) or names a program.
#   common/   logging and small helpers every module shares
#   conf/     configuration schema, parser, example file
#   tdm/      DAHDI spans and channels, ISDN PRI (libpri)
#   media/    TDM <-> RTP media engine
#   sip/      Sofia-SIP user agent, trunks, SDP offer/answer
#   gateway/  the daemon: calls, routing, cause mapping, the control socket
#   ctl/      strowgerctl, the control socket's client
#   man/      manual pages; contrib/ the systemd unit
#   tests/    unit tests (Criterion), PSTN simulator, DAHDI guest harness, benchmarks
#
# make            build build/strowger
# make test       unit tests under ASan+UBSan, then the real-DAHDI guest tier
# make unit       unit tests only        make guest   guest tier only
# make demo       the main job in the guest      make bench   media benchmarks (host)
# make deps       install every Debian package the project needs (root)
# make install    PREFIX=/usr/local DESTDIR= : the programs, manual pages, systemd unit
# make fresh-check  `make deps demo` in a clean Debian 12 root (debootstrap; root)
# V=1 shows commands; WERROR=1 adds -Werror (CI); SANITIZE=address,undefined instruments.

MODULES := common conf tdm media sip gateway ctl man
BUILD   ?= build
V       ?= 0

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Dependencies: pkg-config where the package ships a .pc; mk/check-deps.sh turns a missing one
# into a single line naming the Debian package.
# The flags are asked for when a recipe first needs them, not when this file is read: in
# `make deps test` the packages do not exist yet while make reads it. lazy_once expands
# its shell command on first use and keeps the result.
lazy_once = $(eval $(1) := $$(shell $(2)))$($(1))
PKGS        := spandsp sofia-sip-ua inih libsystemd libsrtp2 nss sqlite3 libmicrohttpd
DEP_CFLAGS   = $(call lazy_once,DEP_CFLAGS,pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS     = $(call lazy_once,PKG_LIBS,pkg-config --libs $(PKGS) 2>/dev/null)
DEP_LIBS     = $(PKG_LIBS) -lpri -ltonezone -lpthread -lm
TEST_CFLAGS  = $(call lazy_once,TEST_CFLAGS,pkg-config --cflags criterion 2>/dev/null)
TEST_LIBS    = $(call lazy_once,TEST_LIBS,pkg-config --libs criterion 2>/dev/null)

ALL_CFLAGS  = $(WARN) $(CFLAGS) -I. $(DEP_CFLAGS) -MMD -MP

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

LIB      := $(BUILD)/libstrowger.a
LIB_SRCS :=
PROGS    :=
include $(patsubst %,%/module.mk,$(MODULES))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
include tests/module.mk

.DEFAULT_GOAL := all
.PHONY: all test unit guest san-gw demo bench deps check-deps fresh-check clean install

all: $(BUILD)/strowger $(PROGS)

$(BUILD)/%.o: %.c | check-deps
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/strowger: $(BUILD)/gateway/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# With `deps` among the goals (`make deps demo`), it runs before anything is compiled,
# with -j too.
check-deps: $(filter deps,$(MAKECMDGOALS))
	@sh mk/check-deps.sh

deps:
	@sh mk/deps.sh

# The usual Debian places with PREFIX=/usr; the configuration stays in /etc (the daemon's
# default path) and is never overwritten; the example goes with the documentation.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR    := $(PREFIX)/sbin
MANDIR     := $(PREFIX)/share/man
DOCDIR     := $(PREFIX)/share/doc/strowger
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

install: $(BUILD)/strowger $(STROWGERCTL) $(MANPAGES)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BUILD)/strowger $(DESTDIR)$(SBINDIR)/strowger
	$(Q)install -D -m 0755 $(STROWGERCTL) $(DESTDIR)$(SBINDIR)/strowgerctl
	$(Q)install -D -m 0644 $(BUILD)/man/strowger.8 $(DESTDIR)$(MANDIR)/man8/strowger.8
	$(Q)install -D -m 0644 $(BUILD)/man/strowgerctl.8 $(DESTDIR)$(MANDIR)/man8/strowgerctl.8
	$(Q)install -D -m 0644 $(BUILD)/man/strowger.conf.5 $(DESTDIR)$(MANDIR)/man5/strowger.conf.5
	$(Q)install -D -m 0644 conf/strowger.conf $(DESTDIR)$(DOCDIR)/strowger.conf.example
	$(Q)install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(Q)[ -e $(DESTDIR)$(SYSCONFDIR)/strowger/strowger.conf ] || \
		install -D -m 0640 conf/strowger.conf $(DESTDIR)$(SYSCONFDIR)/strowger/strowger.conf
	$(Q)mkdir -p $(DESTDIR)$(UNITDIR)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		contrib/systemd/strowger.service.in >$(DESTDIR)$(UNITDIR)/strowger.service

clean:
	$(call msg,RM,$(BUILD))
	$(Q)rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
