#!/usr/bin/env bats
# The config key table: the config module exports lib/config.h and nothing
# else, and a key is one row — a build with -DNETD_TEST_KEY, whose only
# change is a row test_note (and its field), parses, prints and diffs it.

bats_require_minimum_version 1.5.0
load helpers/netd

SRC=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

teardown() {
	netd_teardown
}

# The functions (and objects) lib/config.h declares: the last name before
# the first '(' of each declaration that starts a line, and extern objects.
public_api() {
	{
		sed -n '/^[a-z].*(/s/(.*//p' "$SRC/lib/config.h" |
		    grep -oE '[A-Za-z_][A-Za-z0-9_]*$'
		sed -n 's/^extern .*[ *]\([A-Za-z_][A-Za-z0-9_]*\)\(\[[^]]*\]\)*;.*/\1/p' \
		    "$SRC/lib/config.h"
	} | sort -u
}

# Every symbol the config module's objects define, global or not: the
# names that belong to the module.
module_symbols() {
	nm --defined-only "$NETD_BUILD"/lib/config*.o |
	    awk 'NF == 3 && $3 !~ /^\./ { print $3 }' | sort -u
}

@test "the config module defines no global symbol but lib/config.h's API, in netd and netctl" {
	public=$(public_api)
	# The parse of the header found the API (a parse finding nothing
	# would let anything through).
	for f in config_load config_free config_json config_service_diff \
	    config_global_diff config_key_line config_service_key_line \
	    svc_type_name parse_size; do
		grep -qx "$f" <<<"$public" || fail "lib/config.h: $f not found"
	done
	compgen -G "$NETD_BUILD/lib/config*.o" >/dev/null ||
	    fail "no $NETD_BUILD/lib/config*.o"
	module=$(module_symbols)
	# In the objects: only the API is global, and all of it is defined.
	globals=$(nm -g --defined-only "$NETD_BUILD"/lib/config*.o |
	    awk 'NF == 3 { print $3 }' | sort -u)
	extra=$(comm -23 <(echo "$globals") <(echo "$public"))
	[[ -z "$extra" ]] || fail "global in lib/config*.o, not in lib/config.h: $(echo $extra)"
	missing=$(comm -13 <(echo "$globals") <(echo "$public"))
	[[ -z "$missing" ]] || fail "declared in lib/config.h, not defined: $(echo $missing)"
	# In both programs: what is global and comes from the module is the API.
	for prog in "$NETD" "$NETCTL"; do
		leaked=$(nm -g --defined-only "$prog" | awk '{ print $3 }' |
		    sort -u | comm -12 - <(echo "$module") |
		    comm -23 - <(echo "$public"))
		[[ -z "$leaked" ]] || fail "$prog: global symbols of the config module outside its API: $(echo $leaked)"
		nm -g --defined-only "$prog" | grep -q ' T config_load$' ||
		    fail "$prog: no config_load"
	done
}

@test "the word lists of error messages come from their tables" {
	F="$BATS_TEST_TMPDIR/words.ini"
	cat >"$F" <<-EOF
	[netd]
	log_level = loud
	[service a]
	type = gopher
	listen = tcp://127.0.0.1:0
	EOF
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line --index 0 "$F:2: key 'log_level': 'loud' is not one of debug, info, notice, warning, err"
	assert_line --index 1 "$F:4: key 'type': unknown service type 'gopher' (hello, echo, discard, daytime, chargen, time, upload, http)"
	# A bad type is reported once, on its line: the key is not missing.
	assert_equal "${#lines[@]}" 3
}

# Build netd and netctl with -DNETD_TEST_KEY once for this file.
testkey_build() {
	TK="$BATS_FILE_TMPDIR/build-testkey"
	if [[ ! -x "$TK/netd" || ! -x "$TK/netctl" ]]; then
		make -C "$SRC" -j2 BUILD="$TK" CFLAGS=-DNETD_TEST_KEY all \
		    >"$BATS_FILE_TMPDIR/build-testkey.log" 2>&1 || {
			cat "$BATS_FILE_TMPDIR/build-testkey.log"
			return 1
		}
	fi
	NETD="$TK/netd"
	NETCTL="$TK/netctl"
}

@test "a key is one row: test_note is parsed and checked like any string key" {
	DIR=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
	F="$DIR/note.ini"
	cat >"$F" <<-EOF
	[netd]
	control_socket = $DIR/ctl.sock
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	test_note = remember the milk
	[service up]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = .
	test_note = for every type
	EOF
	# Without the row, the key does not exist.
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line --index 0 "$F:6: key 'test_note': unknown key in [service hello]"
	testkey_build
	run "$NETD" -t -c "$F"
	assert_success
	assert_output "netd: config $F ok"
	# In [netd], or set twice: the same errors as for any service key.
	cat >"$F" <<-EOF
	[netd]
	test_note = not here
	control_socket = $DIR/ctl.sock
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	test_note = once
	test_note = twice
	EOF
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line --index 0 "$F:2: key 'test_note': unknown key in [netd]"
	assert_line --index 1 "$F:8: key 'test_note': set twice (first on line 7)"
	assert_line --index 2 "netd: config $F has errors"
}

@test "a key is one row: netctl config prints test_note with its default" {
	testkey_build
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	test_note = remember the milk
	[service echo]
	type = echo
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	run ctl config
	assert_success
	assert_line "test_note = remember the milk"
	assert_line "test_note = none"
	run ctl --json config
	assert_success
	assert_equal "$(jq -c '[.services[] | [.name, .test_note]]' <<<"$output")" \
	    '[["hello","remember the milk"],["echo","none"]]'
}

@test "a key is one row: a changed test_note is a changed service in reload --dry-run" {
	testkey_build
	conf() {
		netd_config <<-EOF
		[netd]
		workers = 1
		min_spare = 0
		[service hello]
		type = hello
		listen = tcp://127.0.0.1:0
		test_note = $1
		[service echo]
		type = echo
		listen = tcp://127.0.0.1:0
		EOF
	}
	conf first
	netd_start
	run ctl reload --dry-run
	assert_success
	assert_output "$(printf 'dry run: generation 1 -> 2\n  no listener or service changes')"
	conf second
	run ctl reload --dry-run
	assert_success
	assert_line --index 0 "dry run: generation 1 -> 2"
	assert_line --index 1 "  service hello changed (test_note)"
	assert_equal "${#lines[@]}" 2
	run ctl --json reload --dry-run
	assert_success
	assert_equal "$(jq -c '[.ok, .changes]' <<<"$output")" \
	    '[true,["service hello changed (test_note)"]]'
	# Nothing was applied: the running config still has the old note.
	assert_equal "$(ctl --json config | jq -r '.services[0].test_note')" first
}
