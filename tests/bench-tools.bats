#!/usr/bin/env bats
# The benchmark's own tools: the reference server serves every scenario
# without a failure, and loadgen counts each way a server can misbehave as
# the right kind of failure (a wrong byte, a reset, silence, an early close).

load helpers/netd

LOADGEN="$NETD_BUILD/bench/loadgen"
REFSERVER="$NETD_BUILD/bench/refserver"
BADSERVER="$BATS_TEST_DIRNAME/helpers/badserver.py"

# Start a background server whose first stdout lines say its port(s);
# wait until LINE appears in its output.
bg_start() {
	local out=$1 line=$2; shift 2
	"$@" >"$out" 2>"$out.err" 3>&- &
	BG_PIDS+=("$!")
	wait_until 10 grep -q "$line" "$out" || { cat "$out.err" >&2; return 1; }
}

ref_start() {
	REF_OUT="$BATS_TEST_TMPDIR/ref.out"
	bg_start "$REF_OUT" '^ready$' "$REFSERVER" -g 'Welcome!' \
	    -l "$BATS_TEST_TMPDIR/ref.log" "$@" hello=0 echo=0 daytime=0
}

# ref_port SERVICE tcp|udp
ref_port() {
	awk -v s="$1" -v p="$2" '$1 == s && $2 == p { print $3 }' "$REF_OUT"
}

bad_start() {
	BAD_OUT="$BATS_TEST_TMPDIR/bad-$1.out"
	bg_start "$BAD_OUT" '^[0-9]' python3 "$BADSERVER" "$1"
	BAD_PORT=$(head -1 "$BAD_OUT")
}

# lg ARGS...: loadgen -j; its JSON in $output, fields with jf.
lg() {
	run timeout 60 "$LOADGEN" -j "$@"
	assert_success
}

jf() {
	jq -r ".$1" <<<"$output"
}

# All N sessions ok, no failure of any kind.
assert_all_ok() {
	[[ $(jf failures) == 0 ]] || { echo "$output" >&2; return 1; }
	[[ $(jf sessions) -ge $1 ]] || { echo "$output" >&2; return 1; }
}

# Every session failed, and as KIND.
assert_failed_as() {
	local kind=$1 n=$2
	[[ $(jf sessions) == 0 && $(jf "fail_$kind") -ge $n &&
	    $(jf "fail_$kind") == $(jf failures) ]] ||
	    { echo "$output" >&2; return 1; }
}

setup() {
	BG_PIDS=()
}

teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

@test "the reference server serves every TCP scenario with no failure" {
	ref_start
	lg -m hello -g 'Welcome!' -c 8 -n 400 "127.0.0.1" "$(ref_port hello tcp)"
	assert_all_ok 400
	lg -m echo -s 3000 -c 8 -n 400 127.0.0.1 "$(ref_port echo tcp)"
	assert_all_ok 400
	lg -m daytime -c 8 -n 400 127.0.0.1 "$(ref_port daytime tcp)"
	assert_all_ok 400
	lg -m bulk -c 1 -d 0.5 127.0.0.1 "$(ref_port echo tcp)"
	assert_all_ok 1
	[[ $(jf mb_per_s | cut -d. -f1) -gt 0 ]]
	# One access line per connection.
	wait_until 5 test "$(wc -l <"$BATS_TEST_TMPDIR/ref.log")" -ge 1201
}

@test "the reference server answers datagrams, in one process and in two" {
	ref_start
	lg -m udp-echo -c 16 -n 2000 -t 2 127.0.0.1 "$(ref_port echo udp)"
	assert_all_ok 2000
	[[ $(jf requests) == $(jf sessions) ]]
	lg -m udp-echo -s 1400 -c 1 -n 200 -t 2 127.0.0.1 "$(ref_port echo udp)"
	assert_all_ok 200
	run bash -c "printf 'bench\n' | timeout 5 socat -t 2 - UDP:127.0.0.1:$(ref_port hello udp)"
	assert_output "Hello, bench!"

	teardown
	BG_PIDS=()
	ref_start -P 2
	[[ $(pgrep -c -P "${BG_PIDS[0]}") == 1 ]]
	lg -m udp-echo -c 16 -n 2000 -t 2 127.0.0.1 "$(ref_port echo udp)"
	assert_all_ok 2000
	lg -m hello -g 'Welcome!' -c 16 -n 400 127.0.0.1 "$(ref_port hello tcp)"
	assert_all_ok 400
}

@test "loadgen's http mode: netd's / with and without keep-alive" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service web]
	type = http
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	port=$(port_of tcp web)
	lg -m http -k 10 -c 4 -n 40 -e '</html>
' 127.0.0.1 "$port"
	assert_all_ok 40
	[[ $(jf requests) -ge 400 ]]
	lg -m http -c 4 -n 100 -p /metrics 127.0.0.1 "$port"
	assert_all_ok 100
	lg -m http -c 1 -n 3 -p /nowhere 127.0.0.1 "$port"
	assert_failed_as wrong_reply 3
	netd_stop
}

@test "a wrong reply is counted as wrong_reply in every mode" {
	bad_start wrong
	lg -m hello -g 'Welcome!' -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
	lg -m hello -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
	lg -m echo -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
	lg -m daytime -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
	lg -m http -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
	# A bulk client reconnects after each failure until the time is up.
	lg -m bulk -c 1 -d 0.3 -t 5 127.0.0.1 "$BAD_PORT"
	[[ $(jf fail_wrong_reply) -ge 1 && $(jf fail_wrong_reply) == $(jf failures) &&
	    $(jf mb_per_s) == 0 ]] || { echo "$output" >&2; false; }
	lg -m udp-echo -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
	assert_failed_as wrong_reply 6
}

@test "a reset is counted as reset" {
	bad_start reset
	for m in "hello -g Welcome!" daytime echo http; do
		# shellcheck disable=SC2086
		lg -m $m -c 2 -n 6 -t 5 127.0.0.1 "$BAD_PORT"
		assert_failed_as reset 6
	done
}

@test "silence is counted as timeout" {
	bad_start silence
	for m in hello daytime echo http udp-echo; do
		lg -m "$m" -c 2 -n 2 -t 0.3 127.0.0.1 "$BAD_PORT"
		assert_failed_as timeout 2
	done
}

@test "an early close is early_eof, a closed port is connect" {
	bad_start close
	for m in hello daytime echo http; do
		lg -m "$m" -c 2 -n 4 -t 5 127.0.0.1 "$BAD_PORT"
		assert_failed_as early_eof 4
	done
	# Nothing listens once it is gone: refused, for TCP and for UDP.
	kill "${BG_PIDS[0]}"
	wait "${BG_PIDS[0]}" 2>/dev/null || true
	lg -m hello -c 1 -n 3 -t 2 127.0.0.1 "$BAD_PORT"
	assert_failed_as connect 3
	lg -m udp-echo -c 1 -n 3 -t 2 127.0.0.1 "$BAD_PORT"
	assert_failed_as connect 3
}
