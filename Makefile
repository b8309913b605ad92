# netd — build, test, run, install.
#
#   make            build build/netd and build/netctl
#   make run        install missing build packages, build, run netd in the
#                   foreground with etc/netd.ini
#   make check      install missing build and test packages, build, run
#                   every test (bats)
#   make check-asan the same tests against an AddressSanitizer/UBSan build
#   make bench      the benchmark against peers (bench/)
#   make bench-tools build/bench/: the load generator and the reference
#                   server (make check builds and tests them too)
#   make install    PREFIX=/usr/local DESTDIR=; prints the next steps
#                   (sysusers, tmpfiles, enable), or runs them with
#                   SETUP=1 (and DESTDIR empty)

SHELL	 = /bin/bash
CC	?= cc
PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
# Under the prefix: systemd also reads units, sysusers.d and tmpfiles.d
# from /usr/local/lib/..., so PREFIX=/usr/local stays out of the
# package manager's /usr/lib.  A package sets PREFIX=/usr.
LIBDIR_SD ?= $(PREFIX)/lib
UNITDIR	?= $(LIBDIR_SD)/systemd/system
SYSUSERSDIR ?= $(LIBDIR_SD)/sysusers.d
TMPFILESDIR ?= $(LIBDIR_SD)/tmpfiles.d
SETUP	?= 0
BUILD	?= build

PKGS	 = libbsd-overlay inih jansson libmd libsystemd libacl libsodium
WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 \
	   -Wmissing-prototypes -Wstrict-prototypes
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT	?= -O2 -g
SAN	?=
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN) \
	   -Ilib -Iserver $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SAN) $(LDFLAGS)

LIB_SRC	 = $(wildcard lib/*.c)
SRV_SRC	 = $(wildcard server/*.c)
CTL_SRC	 = $(wildcard ctl/*.c)
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
SRV_OBJ	 = $(SRV_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ	 = $(CTL_SRC:%.c=$(BUILD)/%.o)

# Debian packages: to build, and to run the tests.
BUILD_DEPS = gcc make pkg-config libbsd-dev libinih-dev libjansson-dev \
	     libmd-dev libsystemd-dev libacl1-dev libsodium-dev
TEST_DEPS  = bats bats-support bats-assert socat jq curl python3 procps \
	     util-linux iproute2 mandoc passwd

.PHONY: all run check check-asan test test-only bench bench-tools install \
	uninstall clean deps-build deps-test lint

all: $(BUILD)/netd $(BUILD)/netctl

$(BUILD)/netd: $(SRV_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/netctl: $(CTL_OBJ) $(LIB_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(SRV_OBJ:.o=.d) $(CTL_OBJ:.o=.d)

# The benchmark's own programs: standalone, libc only, no sanitizers.
BENCH_TOOLS = $(BUILD)/bench/loadgen $(BUILD)/bench/refserver \
	      $(BUILD)/bench/hello_inetd

bench-tools: $(BENCH_TOOLS)

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) $(CFLAGS) -o $@ $<

# Install what is missing, and only that, saying so.  Needs root and apt.
define install_missing
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "deps: all $(2) packages present"; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "deps: missing$$missing and no apt-get here: install them by hand" >&2; exit 1; \
	elif [ "$$(id -u)" -ne 0 ]; then \
	  echo "deps: missing$$missing; as root run: apt-get install$$missing" >&2; exit 1; \
	else \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends $$missing >/dev/null && \
	  echo "deps: installed$$missing"; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_DEPS),build)

deps-test:
	$(call install_missing,$(BUILD_DEPS) $(TEST_DEPS),build and test)

run: deps-build
	$(MAKE) all
	$(BUILD)/netd -c etc/netd.ini

check: deps-test
	$(MAKE) all
	$(MAKE) test

# TAP on the terminal, then one summary line: "tests: N passed, N failed".
define run_bats
	@NETD_BUILD=$(abspath $(1)) bats --print-output-on-failure tests \
	    | tee $(1)/tests.tap; rc=$${PIPESTATUS[0]}; \
	skipped=$$(grep -c '^ok .* # skip' $(1)/tests.tap); \
	passed=$$(( $$(grep -c '^ok ' $(1)/tests.tap) - skipped )); \
	failed=$$(grep -c '^not ok ' $(1)/tests.tap); \
	echo "tests: $$passed passed, $$failed failed, $$skipped skipped"; \
	exit $$rc
endef

test: all bench-tools
	$(call run_bats,$(BUILD))

check-asan: deps-test
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    HARDEN="-fPIE" all bench-tools
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	$(MAKE) --no-print-directory test-only BUILD=build/asan

test-only:
	$(call run_bats,$(BUILD))

bench: deps-test all bench-tools
	bench/run

lint:
	mandoc -Tlint -Wwarning man/*.[0-9]

# The installed netd.ini listens on loopback only (127.0.0.1, [::1]) until
# the operator opens it; an existing one is kept.  The unit's netctl
# commands use its control_socket (install again after changing it).
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/netd $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(BUILD)/netd $(DESTDIR)$(SBINDIR)/netd
	install -m 0755 $(BUILD)/netctl $(DESTDIR)$(BINDIR)/netctl
	install -m 0644 man/netd.8 man/netctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/netd.ini.5 $(DESTDIR)$(MANDIR)/man5/
	[ -e $(DESTDIR)$(SYSCONFDIR)/netd/netd.ini ] || \
	    sed -e 's|^dir = ../build$$|dir = /var/lib/netd/uploads|' \
	        -e 's/^;\(user\|group\|control_group\) = netd$$/\1 = netd/' \
	        -e '/^listen = /s|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|g' \
	        -e '/^listen = /s|udp://0\.0\.0\.0:|udp://127.0.0.1:|g' \
	        -e '/^listen = /s|tcp://\[::\]:|tcp://[::1]:|g' \
	        -e '/^listen = /s|udp://\[::\]:|udp://[::1]:|g' \
	        etc/netd.ini > $(DESTDIR)$(SYSCONFDIR)/netd/netd.ini
	sock=$$(sed -n 's/^control_socket[[:space:]]*=[[:space:]]*\([^;[:space:]]*\).*/\1/p' \
	    $(DESTDIR)$(SYSCONFDIR)/netd/netd.ini | tail -n 1); \
	sed -e 's|@SBINDIR@|$(SBINDIR)|g; s|@BINDIR@|$(BINDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    -e "s|@CONTROL_SOCKET@|$${sock:-/run/netd/netd.sock}|g" \
	    systemd/netd.service > $(DESTDIR)$(UNITDIR)/netd.service
	install -m 0644 systemd/netd.socket $(DESTDIR)$(UNITDIR)/netd.socket
	install -m 0644 systemd/netd.sysusers $(DESTDIR)$(SYSUSERSDIR)/netd.conf
	install -m 0644 systemd/netd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/netd.conf
	@if [ "$(SETUP)" = 1 ] && [ -z "$(DESTDIR)" ]; then \
	    echo "setup: systemd-sysusers, systemd-tmpfiles --create, daemon-reload"; \
	    systemd-sysusers $(SYSUSERSDIR)/netd.conf && \
	    systemd-tmpfiles --create $(TMPFILESDIR)/netd.conf && \
	    systemctl daemon-reload; \
	else \
	    echo; \
	    echo "netd is installed.  Next steps (or: make install SETUP=1):"; \
	    echo "  systemd-sysusers $(SYSUSERSDIR)/netd.conf    # the netd user"; \
	    echo "  systemd-tmpfiles --create $(TMPFILESDIR)/netd.conf    # /var/lib/netd"; \
	    echo "  systemctl daemon-reload"; \
	    echo "  netd -t -c $(SYSCONFDIR)/netd/netd.ini    # it listens on loopback only: open it there"; \
	    echo "  systemctl enable --now netd.service    # or netd.socket, socket activation"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/netd $(DESTDIR)$(BINDIR)/netctl \
	    $(DESTDIR)$(MANDIR)/man8/netd.8 $(DESTDIR)$(MANDIR)/man8/netctl.8 \
	    $(DESTDIR)$(MANDIR)/man5/netd.ini.5 $(DESTDIR)$(UNITDIR)/netd.service \
	    $(DESTDIR)$(UNITDIR)/netd.socket \
	    $(DESTDIR)$(SYSUSERSDIR)/netd.conf \
	    $(DESTDIR)$(TMPFILESDIR)/netd.conf

clean:
	rm -rf build
