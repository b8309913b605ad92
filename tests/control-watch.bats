#!/usr/bin/env bats
# netctl watch: the master's live event stream (spawn, exit with its
# reason, backoff, scale, reload start and end, drain progress, pool
# saturation, stop), human lines or --json lines, as HAProxy's show
# events; a watcher that stops reading is dropped, never waited for.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# The events of a --json watch so far, one "event" name a line.
events_of() {
	tail -n +2 "$BATS_TEST_TMPDIR/$1.out" | jq -r '.event'
}

# The first event named $2 in watch $1 (its JSON line), through jq $3.
event() {
	tail -n +2 "$BATS_TEST_TMPDIR/$1.out" |
	    jq -c --arg e "$2" 'select(.event == $e)' | head -n1 | jq -r "$3"
}

has_event() {
	events_of "$1" | grep -qx "$2"
}

@test "watch --json: spawn, scale, exit with its reason, backoff, reload, drain, stop" {
	netd_pool hello workers=2 max_workers=6 shutdown_timeout=5
	bg w "$NETCTL" -s "$SOCK" watch --json
	# The reply comes first, then the recent events (the first spawns).
	wait_until 10 test -s "$BATS_TEST_TMPDIR/w.out"
	assert_equal "$(head -n1 "$BATS_TEST_TMPDIR/w.out" | jq -c '[.ok, .watch]')" '[true,true]'
	wait_until 10 has_event w spawn
	assert_equal "$(event w spawn '"\(.slot) \(.generation) \(.pid > 0)"')" "0 1 true"

	run ctl scale +2
	assert_success
	wait_until 10 has_event w scale
	assert_equal "$(event w scale '"\(.from) \(.to) \(.by)"')" "2 4 scale"

	old=$(slot_pid 0)
	expect_worker_signal KILL
	kill -KILL "$old"
	wait_until 10 has_event w backoff
	assert_equal "$(event w exit '"\(.slot) \(.pid) \(.reason) \(.leaving)"')" \
	    "0 $old killed by signal 9 (Killed) false"
	assert_equal "$(event w backoff '"\(.slot) \(.failures) \(.retry_in_ms)"')" "0 1 100"

	run ctl reload
	assert_success
	wait_until 10 has_event w reload-end
	assert_equal "$(event w reload-start '"\(.generation) \(.config)"')" "1 $(realpath "$CONF")"
	assert_equal "$(event w reload-end '"\(.ok) \(.from) \(.to) \(.changes | join(";"))"')" \
	    "true 1 2 pool size 4 -> 2 (workers = 2; the size set by scale is undone)"
	# The reload's own scale, then the old generation leaving.
	wait_until 10 eval "events_of w | grep -c '^scale$' | grep -qx 2"
	wait_until 20 eval "tail -n +2 '$BATS_TEST_TMPDIR/w.out' | jq -e 'select(.event == \"drain\" and .phase == \"done\")'"
	# Every generation-1 worker left as asked, and each said so: as many
	# as were told to leave (the slot in backoff had a stand-in, which may
	# have been retired already: 4 or 5).
	left=$(tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -r 'select(.event == "drain" and .phase == "start") | "\(.left) \(.timeout_ms)"')
	[[ $left == "4 5000" || $left == "5 5000" ]]
	for pid in $(tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -r 'select(.event == "drain" and .phase != "start") | .pid'); do
		assert_equal "$(tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -r --argjson p "$pid" 'select(.event == "exit" and .pid == $p) | "\(.generation) \(.leaving)"')" "1 true"
	done
	assert_equal "$(tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -r 'select(.event == "drain" and .phase != "start") | .left' | tr '\n' ' ')" \
	    "$(seq $((${left% *} - 1)) -1 0 | tr '\n' ' ')"

	run ctl stop
	assert_success
	# The stream ends with netd, watch with status 0.
	run bg_wait w 20
	assert_success
	has_event w stop
	# Numbered in order, timestamped in UTC.
	tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -e -s '[.[].seq] as $s | $s == ($s | sort) and ($s | unique | length) == ($s | length)'
	tail -n +2 "$BATS_TEST_TMPDIR/w.out" | jq -e -s 'all(.time | test("^20[0-9-]{8}T[0-9:]{8}\\.[0-9]{3}Z$"))'
}

@test "watch: one human line an event: time, name, what happened" {
	netd_pool hello workers=1 max_workers=4
	bg w "$NETCTL" -s "$SOCK" watch
	wait_until 10 grep -q ' spawn ' "$BATS_TEST_TMPDIR/w.out"
	run ctl scale 2
	wait_until 10 grep -q 'worker 1 started' "$BATS_TEST_TMPDIR/w.out"
	run ctl reload
	wait_until 10 grep -q ' reload-end ' "$BATS_TEST_TMPDIR/w.out"
	run ctl stop
	run bg_wait w 20
	assert_success
	assert_line --regexp '^20[0-9-]+T[0-9:.]+Z spawn +worker 0 started: pid [0-9]+, generation 1$'
	assert_line --regexp 'Z scale +pool size 1 -> 2 \(by scale\)$'
	assert_line --regexp 'Z reload-start +generation 1: loading /'
	assert_line --regexp 'Z reload-end +ok: generation 1 -> 2: pool size 2 -> 1 \(workers = 1; the size set by scale is undone\)$'
	assert_line --regexp 'Z drain +2 workers leaving \(up to [0-9.]+s\)$'
	assert_line --regexp 'Z exit +worker [01] \(pid [0-9]+, generation 1\) exited with status 0 after [0-9.]+s, as asked$'
	assert_line --regexp 'Z drain +pid [0-9]+ \(generation 1\) gone; 0 left: drained$'
	assert_line --regexp 'Z stop +netd stopping \(fast\), 1 worker$'
	# No JSON, no escape codes.
	refute_output --partial '{'
	refute_output --partial $'\e'
}

@test "watch: a refused reload, with its errors" {
	netd_pool hello
	bg w "$NETCTL" -s "$SOCK" watch --json
	wait_until 10 has_event w spawn
	echo "bogus_key = 1" >>"$CONF"
	run ctl reload
	assert_failure 1
	wait_until 10 has_event w reload-end
	assert_equal "$(event w reload-end '"\(.ok) \(.from) \(.to)"')" "false 1 1"
	event w reload-end '.errors[0]' | grep -q "key 'bogus_key'"
}

@test "watch: the pool full at max_workers, then room again, one event each" {
	netd_pool hello workers=1 max_workers=1 worker_connections=1
	PORT=$(port_of tcp hello)
	bg w "$NETCTL" -s "$SOCK" watch --json
	wait_until 10 has_event w spawn
	hold_start held "$PORT"
	wait_until 10 has_event w saturated
	assert_equal "$(event w saturated '"\(.workers) \(.max_workers) \(.busy)"')" "1 1 1"
	hold_release held
	wait_until 10 has_event w unsaturated
	assert_equal "$(events_of w | grep -c saturated)" 2
	[[ $(event w unsaturated '.lasted_ms') -gt 0 ]]
}

@test "a watcher that stops reading is dropped; the master never waits for it" {
	# Every refused reload sends its errors: a config with many of them
	# makes events of some 10 kB.
	netd_pool hello
	bg stalled timeout 900 python3 "$HELPERS/watch_stalled.py" "$SOCK" \
	    "$BATS_TEST_TMPDIR/stalled.ready" "$BATS_TEST_TMPDIR/stalled.go"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/stalled.ready"
	bg w "$NETCTL" -s "$SOCK" watch --json
	wait_until 10 has_event w spawn
	for ((i = 0; i < 120; i++)); do
		echo "bogus_key_$i = a value long enough to take some room, $i" >>"$CONF"
	done
	for ((i = 0; i < 60; i++)); do
		run ctl reload
		assert_failure 1
	done
	wait_until 120 grep -q 'watch: uid [0-9]* pid [0-9]* reads too slowly ([0-9]* bytes unsent): dropped' "$LOG"
	# The master answers at once, and the watcher that reads got it all.
	run timeout 5 "$NETCTL" -s "$SOCK" ping
	assert_success
	wait_eq 60 60 eval "events_of w | grep -c '^reload-end$'"
	touch "$BATS_TEST_TMPDIR/stalled.go"
	run bg_wait stalled 30
	assert_output --regexp '^closed after [0-9]+ bytes$'
}

@test "watch by hand through socat: the stream goes on after its input ends" {
	netd_pool hello
	# socat ends its sending when its input ends: the stream goes on.
	bg s bash -c 'echo watch | timeout 5 socat -t 10 - "UNIX-CONNECT:$1"' _ "$SOCK"
	wait_until 10 grep -q '"event":"spawn"' "$BATS_TEST_TMPDIR/s.out"
	run ctl scale 3
	wait_until 10 grep -q '"event":"scale"' "$BATS_TEST_TMPDIR/s.out"
	head -n1 "$BATS_TEST_TMPDIR/s.out" | jq -e '.ok and .watch'
}

@test "netctl watch: not running, exit 3; extra words, exit 2; in help" {
	run "$NETCTL" -s "$BATS_TEST_TMPDIR/none.sock" watch
	assert_failure 3
	assert_output "netctl: netd is not running (no socket at $BATS_TEST_TMPDIR/none.sock)"
	run "$NETCTL" -s "$BATS_TEST_TMPDIR/none.sock" watch now
	assert_failure 2
	run "$NETCTL" help watch
	assert_success
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] watch"
}
