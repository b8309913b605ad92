#!/usr/bin/env bats
# netctl status --watch: no escape codes unless stdout is a terminal; the
# per-second rates between two rounds; it follows netd through a restart
# (saying so), and what it printed last, an error above all, stays.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

@test "status --watch into a file: no escape codes, rounds one after another" {
	netd_pool hello
	run timeout 2 "$NETCTL" -s "$SOCK" status --watch 0.2
	assert_failure 124
	n=$(grep -c "^     Master: pid $NETD_PID" <<<"$output")
	((n >= 2)) || fail "drew the status $n times in 2s"
	refute_output --partial $'\e'
	assert_line --regexp '^[0-9]{2}:[0-9]{2}:[0-9]{2}, every 0\.2s$'
	refute_output --partial "Ctrl-C"
}

@test "status --watch shows per-second rates of each listener" {
	netd_pool hello
	port=$(port_of tcp hello)
	bg w "$NETCTL" -s "$SOCK" status --watch 1
	wait_until 10 grep -q '^Rates over the last' "$BATS_TEST_TMPDIR/w.out"
	for ((i = 0; i < 20; i++)); do
		hello lesson 127.0.0.1 "$port" "n$i" >/dev/null
	done
	# A round after the clients: some connections a second, bytes too.
	wait_until 20 eval "grep -E '^tcp://127\\.0\\.0\\.1:$port +hello +[0-9.]+/s' '$BATS_TEST_TMPDIR/w.out' | grep -vqE ' 0\\.0/s +0\\.0/s +0\\.0/s\$'"
	run grep -E "^LISTENER +SERVICE +CONNS/S +IN/S +OUT/S$" "$BATS_TEST_TMPDIR/w.out"
	assert_success
}

@test "status --watch follows a restart of netd, and says so" {
	netd_pool hello
	old=$NETD_PID
	bg w "$NETCTL" -s "$SOCK" status --watch 0.2
	wait_until 10 grep -q "Master: pid $old" "$BATS_TEST_TMPDIR/w.out"
	netd_stop
	wait_until 10 grep -q "netctl: netd is not running (.*); trying again every 0.2s" "$BATS_TEST_TMPDIR/w.out"
	netd_start
	wait_until 10 grep -q "Master: pid $NETD_PID" "$BATS_TEST_TMPDIR/w.out"
	wait_until 10 grep -q "netd restarted at [0-9:]*: pid $old -> $NETD_PID" "$BATS_TEST_TMPDIR/w.out"
	# Still going.
	pid=$(cat "$BATS_TEST_TMPDIR/w.pid")
	[[ ! -s "$BATS_TEST_TMPDIR/w.rc" ]]
}

@test "status --watch on a terminal: its error stays on the screen when it ends" {
	netd_pool hello
	bg w script -qefc "$NETCTL -s $SOCK status --watch 0.2" "$BATS_TEST_TMPDIR/typescript"
	wait_until 10 grep -q "Master: pid $NETD_PID" "$BATS_TEST_TMPDIR/typescript"
	netd_stop
	wait_until 10 grep -q "netd is not running" "$BATS_TEST_TMPDIR/typescript"
	# script(1) runs the command through $SHELL -c, which may or may not
	# exec it: find netctl by its own command line, not by its parent.
	run pkill -INT -f "^$NETCTL -s $SOCK status --watch"
	assert_success
	run bg_wait w 10
	assert_success
	# Nothing cleared the screen after the message: it is the last thing.
	tail=$(sed 's/\x1b\[H\x1b\[2J/CLEAR\n/g' "$BATS_TEST_TMPDIR/typescript" | tail -n 3)
	[[ $tail != *CLEAR* ]] || fail "the screen was cleared after the error: $tail"
	grep -q "netctl: netd is not running" <<<"$tail"
}
