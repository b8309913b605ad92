# netd — build, test, run, install.
#
#   make            build build/netd and build/netctl
#   make run        install missing build packages, build, run netd in the
#                   foreground with etc/netd.ini
#   make check      install missing build and test packages, build, run
#                   every test (bats), then the same against the sanitizer
#                   build (check-asan), then every fuzzer for 30 s
#                   (check-fuzz)
#   make check-asan the bats tests against an AddressSanitizer/UBSan build
#   make fuzz       run every libFuzzer harness (tests/fuzz/fuzz_*.c) for
#                   FUZZ_SECONDS (60) each; finds go to build/fuzz/
#                   (check-asan runs them in the classic model:
#                   worker_connections = 1)
#   make bench      the benchmark against peers (bench/)
#   make bench-tools build/bench/: the load generator and the reference
#                   server (make check builds and tests them too)
#   TESTS="tests/a.bats tests/b.bats" runs only those bats files
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
	     chromium \
	     util-linux iproute2 mandoc passwd clang libclang-rt-14-dev

.PHONY: all run check check-asan check-fuzz fuzz fuzz-build test test-only \
	bench bench-tools install uninstall clean deps-build deps-test lint

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

$(BUILD)/bench/loadgen: bench/loadgen.c bench/loadgen_io.c \
			bench/loadgen_proto.c bench/loadgen_stats.c bench/loadgen.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g $(WARN) $(CFLAGS) -o $@ $(filter %.c,$^)

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
	$(MAKE) check-asan
	$(MAKE) check-fuzz

# TAP on the terminal, then one summary line: "tests: N passed, N failed".
# TESTS: the bats files to run (default: all of tests/).
TESTS	?= tests
define run_bats
	@NETD_BUILD=$(abspath $(1)) bats --timing --print-output-on-failure $(TESTS) \
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
	    HARDEN="-fPIE" all
	@# handle_segv=0: tests kill workers with SEGV on purpose; a real
	@# fault still ends the worker "killed by signal 11", which the end of
	@# every test reports.  The suite runs here in the classic model;
	@# 100 reloads under open sessions (the 1000 of the figure are the
	@# plain run's) keep it within the time of the plain suite.  The
	@# benchmark's own tools are checked by the plain run alone.
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:handle_segv=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    NETD_WORKER_CONNECTIONS=$${NETD_WORKER_CONNECTIONS-1} \
	    NETD_TEST_RELOADS=$${NETD_TEST_RELOADS-100}; \
	$(MAKE) --no-print-directory test-only BUILD=build/asan \
	    TESTS="$(filter-out tests/bench-tools.bats,$(wildcard tests/*.bats))"

test-only:
	$(call run_bats,$(BUILD))

# libFuzzer: every tests/fuzz/fuzz_NAME.c is a harness, built with clang,
# ASan and UBSan against the daemon's and netctl's code (build/fuzz/,
# every object but main's, in one archive).  A run replays the
# reproducers in tests/fuzz/regressions/NAME/, then fuzzes for its time
# from the seeds in tests/fuzz/corpus/NAME/ (and tests/fuzz/NAME.dict),
# keeping what it finds in build/fuzz/corpus/NAME/; a crash is saved in
# build/fuzz/crashes/NAME/ and fails the run.
FUZZ_CC	     ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR      = build/fuzz
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
	        $(WARN) -fsanitize=address,undefined \
	        -fno-sanitize-recover=all -Ilib -Iserver -Itests/fuzz \
	        $(PKG_CFLAGS)
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BIN      = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_OBJ      = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(LIB_SRC) \
	        $(filter-out server/main.c,$(SRV_SRC)))

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c \
	    -o $@ $<

$(FUZZ_DIR)/libnetd.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
	    $(FUZZ_DIR)/libnetd.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_DIR)/libnetd.a $(PKG_LIBS)

-include $(FUZZ_OBJ:.o=.d)

fuzz-build: $(FUZZ_BIN)

# One harness: $(1) name, $(2) seconds.  Prints one line; on a failure
# the end of its log and where the reproducer is.
define fuzz_one
	n=$(1); b=$(FUZZ_DIR)/fuzz_$$n; log=$(FUZZ_DIR)/$$n.log; \
	reg=$$(ls tests/fuzz/regressions/$$n/* 2>/dev/null); \
	if [ -n "$$reg" ] && ! $$b $$reg >$$log 2>&1; then \
	  tail -n 40 $$log; echo "fuzz $$n: a regression fails"; exit 1; \
	fi; \
	mkdir -p $(FUZZ_DIR)/corpus/$$n $(FUZZ_DIR)/crashes/$$n; \
	dict=; [ -f tests/fuzz/$$n.dict ] && dict=-dict=tests/fuzz/$$n.dict; \
	if ! $$b -max_total_time=$(2) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $$dict \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$$n/ \
	    $(FUZZ_DIR)/corpus/$$n tests/fuzz/corpus/$$n >$$log 2>&1; then \
	  tail -n 60 $$log; \
	  echo "fuzz $$n: FAILED, reproducer in $(FUZZ_DIR)/crashes/$$n/"; \
	  exit 1; \
	fi; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log); \
	cov=$$(grep -o 'cov: [0-9]*' $$log | tail -n 1); \
	echo "fuzz $$n: ok, $$runs runs in $(2) s ($$rate/s), $$cov"
endef

# Every harness in turn; the last line counts them.
define fuzz_all
	@passed=0; failed=0; \
	for h in $(FUZZ_NAMES); do \
	  if ( $(call fuzz_one,$$h,$(1)) ); then passed=$$((passed + 1)); \
	  else failed=$$((failed + 1)); fi; \
	done; \
	echo "fuzz: $$passed passed, $$failed failed"; \
	[ $$failed -eq 0 ]
endef

fuzz: fuzz-build
	$(call fuzz_all,$(FUZZ_SECONDS))

check-fuzz: deps-test
	$(MAKE) fuzz-build
	$(call fuzz_all,30)

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
