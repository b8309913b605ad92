#!/usr/bin/env bats
# What netd tells a service manager (sd_notify), heard on a notify socket
# of our own (tests/helpers/notify_socket.py, one line per message, with
# the sender's pid): READY=1 with STATUS=, RELOADING=1 and READY=1 around
# every reload (a refused one too), STATUS= as the pool changes,
# WATCHDOG=1 while the loop turns, STOPPING=1 and EXTEND_TIMEOUT_USEC=
# during a graceful stop, FDSTORE=1/FDSTOREREMOVE=1 for the listeners,
# and MAINPID= when an upgrade hands over.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	NLOG="$BATS_TEST_TMPDIR/notify.log"
	NSOCK="$BATS_TEST_TMPDIR/notify.sock"
	: >"$NLOG"
	bg recorder python3 "$HELPERS/notify_socket.py" "$NSOCK" "$NLOG"
	wait_until 20 test -S "$NSOCK"
}

teardown() {
	netd_stop_successor
	echo "--- notify messages ---"
	cat "$NLOG"
	netd_teardown
}

# netd_start under the notify socket; more VAR=VALUE words before it.
notify_start() {
	netd_start() {
		env NOTIFY_SOCKET="$NSOCK" "$@" "$NETD" -c "$CONF" >>"$LOG" 2>&1 3>&- &
		NETD_PID=$!
		wait_until 20 netd_ready
	}
	netd_start "$@"
}

# The messages a pid sent (its lines without the "PID: ").
from() {
	sed -n "s/^$1: //p" "$NLOG"
}

@test "READY=1 with the pool's STATUS; RELOADING=1 then READY=1 on every reload, a refused one too" {
	netd_fixture hello
	notify_start
	wait_until 10 grep -q "^$NETD_PID: READY=1" "$NLOG"
	run from "$NETD_PID"
	assert_line --index 0 "READY=1 | STATUS=generation 1: 2 workers, 0 busy, 2 idle; 0 connections, 0 served | MAINPID=$NETD_PID"
	# No fd store unless the manager has one ($FDSTORE).
	refute_output --partial FDSTORE
	run ctl reload
	assert_success
	# The new generation's workers serve before READY=1 says so.
	wait_until 10 grep -q "READY=1 | STATUS=generation 2:" "$NLOG"
	run from "$NETD_PID"
	assert_line --index 1 --regexp '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+$'
	assert_line --index 2 "READY=1 | STATUS=generation 2: 2 workers, 0 busy, 2 idle; 0 connections, 0 served"
	# A refused reload: READY=1 at once, and STATUS= says why.
	netd_set workers=many
	line=$(grep -n '^workers = many' "$CONF" | cut -d: -f1)
	run ctl reload
	assert_failure 1
	run from "$NETD_PID"
	assert_line --index 3 --regexp '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+$'
	assert_line --index 4 --regexp "^READY=1 \| STATUS=reload failed: $CONF:$line: key 'workers': .*; serving generation 2$"
	# ...and the status line keeps saying so until a reload works.
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	wait_until 10 grep -q "STATUS=generation 2: .* 1 served; last reload failed: $CONF:$line: key 'workers'" "$NLOG"
	netd_fixture hello
	run ctl reload
	assert_success
	wait_until 10 grep -q "READY=1 | STATUS=generation 3: .* served$" "$NLOG"
}

@test "STATUS= follows the pool: busy, idle, connections, served" {
	netd_fixture hello
	notify_start
	port=$(port_of tcp hello)
	hold_start held "$port"
	wait_until 10 grep -q "^$NETD_PID: STATUS=generation 1: 2 workers, 1 busy, 1 idle; 1 connection, 1 served$" "$NLOG"
	hold_release held
	bg_wait held 30
	run hello load 127.0.0.1 "$port" 20 2
	assert_success
	wait_until 10 grep -q "^$NETD_PID: STATUS=generation 1: 2 workers, 0 busy, 2 idle; 0 connections, 21 served$" "$NLOG"
	# At most one a second, and only when it changed.
	n=$(grep -c STATUS= "$NLOG")
	((n <= 5))
}

@test "WATCHDOG=1 while the loop turns, none while the master is stopped" {
	netd_fixture hello
	notify_start WATCHDOG_USEC=400000
	grep -q "systemd watchdog: every 400ms" "$LOG"
	wait_until 10 eval '(( $(grep -c "^'"$NETD_PID"': WATCHDOG=1$" "$NLOG") >= 5 ))'
	kill -STOP "$NETD_PID"
	n=$(grep -c "WATCHDOG=1" "$NLOG")
	sleep 1		# what is measured here is a pause
	assert_equal "$(grep -c "WATCHDOG=1" "$NLOG")" "$n"
	kill -CONT "$NETD_PID"
	wait_until 10 eval '(( $(grep -c "WATCHDOG=1" "$NLOG") > '"$n"' ))'
}

@test "a graceful stop: STOPPING=1, then EXTEND_TIMEOUT_USEC= while clients finish" {
	netd_fixture hello shutdown_timeout=20s
	notify_start
	hold_start held "$(port_of tcp hello)"
	kill -QUIT "$NETD_PID"
	wait_until 10 grep -q "^$NETD_PID: STOPPING=1$" "$NLOG"
	wait_until 10 grep -q "^$NETD_PID: EXTEND_TIMEOUT_USEC=" "$NLOG"
	# The time left: shutdown_timeout and the grace after it, at most.
	usec=$(grep -m1 -o 'EXTEND_TIMEOUT_USEC=[0-9]*' "$NLOG" | cut -d= -f2)
	((usec > 15000000 && usec <= 30000000))
	hold_release held
	bg_wait held 30
	netd_exited 30 0
}

@test "FDSTORE: each listener stored under its name; a reload stores what it opens and removes what it closes" {
	netd_fixture hello "hello.listen=tcp://127.0.0.1:0 udp://127.0.0.1:0"
	notify_start FDSTORE=16
	wait_until 10 grep -q "READY=1" "$NLOG"
	run from "$NETD_PID"
	assert_line --index 0 "FDSTORE=1 | FDPOLL=0 | FDNAME=listen|hello|tcp%3A//127.0.0.1%3A0 [fds=1]"
	assert_line --index 1 "FDSTORE=1 | FDPOLL=0 | FDNAME=listen|hello|udp%3A//127.0.0.1%3A0 [fds=1]"
	netd_set "hello.listen=tcp://127.0.0.1:0" \
	    "echo.type=echo" "echo.listen=tcp://127.0.0.1:0"
	run ctl reload
	assert_success
	wait_until 10 grep -q "FDSTOREREMOVE" "$NLOG"
	run from "$NETD_PID"
	assert_line "FDSTOREREMOVE=1 | FDNAME=listen|hello|udp%3A//127.0.0.1%3A0"
	assert_line "FDSTORE=1 | FDPOLL=0 | FDNAME=listen|echo|tcp%3A//127.0.0.1%3A0 [fds=1]"
	assert_equal "$(grep -c 'FDNAME=listen|hello|tcp' "$NLOG")" 1
	# The store keeps the sockets: a stop without it refuses clients...
	port=$(port_of tcp hello)
	run ctl stop
	wait_until 20 pid_gone "$NETD_PID"
	# ...not with it: the connection waits in the queue.
	# (bash, not python: on a loaded machine python alone takes seconds
	# to start; a refused connection fails at once either way)
	run timeout 30 bash -c "exec 5<>/dev/tcp/127.0.0.1/$port"
	assert_success
}

@test "an upgrade: the old master names the new one MAINPID and falls silent; the new one speaks after" {
	netd_fixture hello
	notify_start FDSTORE=16 WATCHDOG_USEC=1000000
	old=$NETD_PID
	wait_until 10 grep -q "^$old: READY=1" "$NLOG"
	run ctl upgrade
	assert_success
	new=$(ctl --json ping | jq -r .pid)
	wait_until 10 grep -q "^$new: READY=1 | STATUS=generation 1: .* | MAINPID=$new$" "$NLOG"
	netd_exited 30 0
	# Nothing from the new master before the old one named it.
	first_new=$(grep -n -m1 "^$new: " "$NLOG" | cut -d: -f1)
	mainpid=$(grep -n "^$old: MAINPID=$new$" "$NLOG" | cut -d: -f1)
	[[ -n $mainpid && $mainpid -lt $first_new ]]
	# And nothing from the old one after.
	last_old=$(grep -n "^$old: " "$NLOG" | tail -n1 | cut -d: -f1)
	assert_equal "$last_old" "$mainpid"
	# The new master stores the sockets it was handed, and pets.
	run from "$new"
	assert_line "FDSTORE=1 | FDPOLL=0 | FDNAME=listen|hello|tcp%3A//127.0.0.1%3A0 [fds=1]"
	wait_until 10 grep -q "^$new: WATCHDOG=1$" "$NLOG"
}
