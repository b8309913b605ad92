#!/usr/bin/env bats
# The control socket against bad neighbours: a client that says nothing,
# a megabyte without a newline, a second netd on the same path, a socket
# file left by a netd that died.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	netd_fixture hello
}

teardown() {
	netd_teardown
}

# A control client (tests/helpers/control_client.py) that connects, sends
# SEND (a Python bytes expression, default nothing), and reports.
ctl_client() {
	timeout 60 python3 "$HELPERS/control_client.py" "$SOCK" "$@"
}

@test "a silent control client does not stall netctl; it is cut off later" {
	netd_start
	bg silent ctl_client
	wait_until 20 grep -q connected "$BATS_TEST_TMPDIR/silent.out"
	# Another shell's netctl is answered while the silent one is still
	# connected (it is only dropped after the 5s request deadline).
	run timeout 10 "$NETCTL" -s "$SOCK" status
	assert_success
	assert_line --index 1 --regexp "^     Master: pid $NETD_PID,"
	run timeout 10 "$NETCTL" -s "$SOCK" ping
	assert_success
	! grep -q "timed out" "$LOG" ||
	    fail "netctl was answered only after the silent client was dropped"
	! grep -q closed "$BATS_TEST_TMPDIR/silent.out"
	# The silent one is dropped after the request deadline.
	run bg_wait silent 60
	assert_success
	assert_line --regexp '^closed after [0-9.]+s$'
	assert_line 'reply '
	grep -q "control socket: uid 0 pid [0-9]* timed out" "$LOG"
	netd_alive
}

@test "many silent control clients at once: netctl still answered" {
	netd_start
	for i in $(seq 1 8); do
		bg "silent$i" ctl_client
	done
	for i in $(seq 1 8); do
		wait_until 20 grep -q connected "$BATS_TEST_TMPDIR/silent$i.out"
	done
	run timeout 10 "$NETCTL" -s "$SOCK" ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
}

@test "1 MB of junk without a newline is cut off; the master keeps supervising" {
	netd_start
	run ctl_client "bytes(range(1, 256)).replace(b'\\n', b'') * 4200"
	assert_success
	assert_line --index 0 connected
	# Cut off at the request line limit: an error reply, then the close
	# (the sender's rest meets a broken pipe).
	grep -q "control socket: uid 0 pid [0-9]* sent 4095 bytes without a newline: cut off" "$LOG"
	reply=$(sed -n 's/^reply //p' <<<"$output")
	assert_equal "$(jq -c '[.ok, .code]' <<<"$reply")" '[false,"usage"]'
	assert_equal "$(jq -r '.error' <<<"$reply")" "request line longer than 4095 bytes"
	# Still in charge: answers, and replaces a killed worker.
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	old=$(slot_pid 0)
	expect_worker_signal KILL
	kill -KILL "$old"
	wait_until 30 respawned 0 "$old"
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	assert_success
	assert_output --partial "Hello, Michael!"
}

@test "a second netd on the same control socket fails clearly, steals nothing" {
	netd_start
	inode=$(stat -c %i "$SOCK")
	# Same socket, its own listener.
	sed 's/^workers = 2/workers = 1/' "$CONF" >"$BATS_TEST_TMPDIR/other.ini"
	run timeout 30 "$NETD" -c "$BATS_TEST_TMPDIR/other.ini"
	assert_failure 1
	assert_output --partial "control socket $SOCK: another netd is running there"
	# The first one still owns it.
	assert_equal "$(stat -c %i "$SOCK")" "$inode"
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	assert_equal "$(jqs '.pool.total')" 2
	# The second left nothing running.
	[[ -z "$(pgrep -f "master -c $BATS_TEST_TMPDIR/other.ini")" ]]
}

@test "a stale socket from a dead netd is replaced on start" {
	netd_start
	first=$NETD_PID
	workers=$(worker_pids | tr '\n' ' ')
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" || true
	NETD_PID=
	for pid in $workers; do
		wait_until 20 pid_gone "$pid"
	done
	# The file is still there; nobody listens.
	[[ -S "$SOCK" ]]
	run ctl ping
	assert_failure 3
	assert_output "netctl: netd is not running (nothing listens on $SOCK)"
	netd_start
	assert_not_equal "$NETD_PID" "$first"
	grep -q "control socket $SOCK: replaced a stale socket" "$LOG"
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
}

@test "control_socket in a directory that does not exist yet: created" {
	# Like /run/netd on a fresh boot.
	netd_set "control_socket=$BATS_TEST_TMPDIR/netd/ctl.sock"
	SOCK="$BATS_TEST_TMPDIR/netd/ctl.sock"
	netd_start
	[[ -S "$SOCK" ]]
	run ctl ping
	assert_success
}

@test "control_socket two missing directories deep: both created" {
	netd_set "control_socket=$BATS_TEST_TMPDIR/a/b/ctl.sock"
	SOCK="$BATS_TEST_TMPDIR/a/b/ctl.sock"
	netd_start
	[[ -S "$SOCK" ]]
	run ctl ping
	assert_success
}

@test "control clients that hang up before the answer harm nothing" {
	netd_start
	timeout 60 python3 "$HELPERS/control_hangup.py" "$SOCK" 200
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	# The reloads went through, and serve.
	wait_until 30 eval '(( $(jqs .netd.generation) > 1 ))'
	wait_eq 30 0 jqs '.pool.starting'
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	assert_output --partial "Hello, Michael!"
}

@test "100 idle control connections (over the 64 taken) do not lock root out" {
	netd_start
	bg idle timeout 60 python3 "$HELPERS/control_idle.py" "$SOCK" 100
	wait_until 20 grep -q holding "$BATS_TEST_TMPDIR/idle.out"
	run timeout 10 "$NETCTL" -s "$SOCK" ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
}

@test "netctl says why when netd drops its connection (never a silent SIGPIPE)" {
	netd_start
	bg idle timeout 60 python3 "$HELPERS/control_idle.py" "$SOCK" 100
	wait_until 20 grep -q holding "$BATS_TEST_TMPDIR/idle.out"
	for cmd in ping status "scale 2"; do
		# shellcheck disable=SC2086
		run timeout 10 "$NETCTL" -s "$SOCK" $cmd
		# Answered, or refused with a reason: not killed by a signal.
		if ((status != 0)); then
			assert_failure 1
			assert_output "netctl: netd closed the connection without an answer"
		fi
	done
}
