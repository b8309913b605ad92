#!/usr/bin/env bats
# netctl upgrade and SIGUSR2 (netd(8) UPGRADE), outside systemd: the new
# master takes every socket (ports the kernel chose too) and the control
# socket, the old one drains and leaves, clients never see a refused or
# failed session; a new master that cannot start, or dies before it is
# told to take over, leaves the old one serving and netctl says why.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	# The new masters are not children of this shell: stop them by pid.
	netd_stop_successor
	netd_teardown
}

# The pid of the master the control socket answers for.
master_pid() {
	ctl --json ping | jq -r .pid
}

# A shell script PATH of BODY, executable and owned as an upgrade's
# binary must be.
binary() {
	printf '#!/bin/sh\n%s\n' "$2" >"$1"
	chmod 755 "$1"
}

upgrade_config() {
	netd_config <<-EOF
	[netd]
	workers = ${1:-2}
	min_spare = 0
	shutdown_timeout = 20s
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 udp://127.0.0.1:0 unix:@TMP@/hello.sock
	EOF
}

@test "netctl upgrade: a new master on the same sockets; the old one finishes its client and leaves" {
	upgrade_config
	netd_start
	old=$NETD_PID
	tcp=$(port_of tcp hello)
	udp_port=$(port_of udp hello)
	# A client of the old master's, mid-session through the upgrade.
	hold_start held "$tcp"
	run ctl upgrade
	assert_success
	new=$(master_pid)
	[[ $new =~ ^[0-9]+$ && $new != "$old" ]]
	assert_output "upgraded: master pid $old -> $new ($NETD)"
	# The same sockets: the ports the kernel chose are still ours.
	assert_equal "$(port_of tcp hello) $(port_of udp hello)" "$tcp $udp_port"
	grep -q "netd\[$new\]: info: listening on tcp://127.0.0.1:$tcp (service hello), on the socket passed" "$LOG"
	grep -q "audit: uid=0 pid=[0-9]* command=\"upgrade\" result=started" "$LOG"
	run hello lesson 127.0.0.1 "$tcp" Michael
	assert_success
	assert_output --partial "Hello, Michael!"
	run hello udp 127.0.0.1 "$udp_port" ping
	assert_output "Hello, ping!"
	run bash -c "printf 'alice\nexit\n' | timeout 10 socat - UNIX-CONNECT:$BATS_TEST_TMPDIR/hello.sock"
	assert_output --partial "Hello, alice!"
	# The old master waits for its client, then leaves with status 0.
	pid_gone "$old" && fail "the old master left before its client was done"
	hold_release held
	run bg_wait held 30
	assert_success
	assert_output --partial "Hello, Held!"
	netd_exited 30 0
	grep -q "netd\[$old\]: notice: handed over to pid $new: leaving" "$LOG"
	# The new master's workers are its own; it owns the files now.
	assert_equal "$(ps -o ppid= -p "$(worker_pids | head -n1)" | tr -d ' ')" "$new"
	[[ -S $SOCK && -e $SOCK.lock && -S $BATS_TEST_TMPDIR/hello.sock ]]
	run ctl stop
	assert_success
	wait_until 20 pid_gone "$new"
	[[ ! -e $SOCK && ! -e $SOCK.lock && ! -e $BATS_TEST_TMPDIR/hello.sock ]]
}

@test "SIGUSR2 upgrades as netctl upgrade does; a pid file follows the master" {
	upgrade_config
	netd_set "pid_file=$BATS_TEST_TMPDIR/netd.pid"
	netd_start
	old=$NETD_PID
	assert_equal "$(cat "$BATS_TEST_TMPDIR/netd.pid")" "$old"
	kill -USR2 "$old"
	wait_until 30 eval '[[ $(master_pid) != '"$old"' ]]'
	netd_exited 30 0
	new=$(master_pid)
	assert_equal "$(cat "$BATS_TEST_TMPDIR/netd.pid")" "$new"
	grep -q "netd\[$old\]: notice: SIGUSR2: upgrade" "$LOG"
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Sarah
	assert_output --partial "Hello, Sarah!"
	# And again, from the new master.
	kill -USR2 "$new"
	wait_until 30 eval '[[ $(master_pid) != '"$new"' ]]'
	wait_until 30 pid_gone "$new"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/netd.pid")" "$(master_pid)"
}

@test "a new master that cannot start: exit 1 with why; the old one serves on, nothing closed" {
	upgrade_config
	netd_start
	tcp=$(port_of tcp hello)
	# A configuration the new master refuses: its errors come back.
	cp "$CONF" "$CONF.good"
	netd_set workers=many
	line=$(grep -n '^workers = many' "$CONF" | cut -d: -f1)
	run ctl upgrade
	assert_failure 1
	assert_line --index 0 --regexp "^netctl: upgrade failed: the new master \(pid [0-9]+, $NETD\) exited with status 1 before it served$"
	assert_line --index 1 --partial "$CONF:$line: key 'workers'"
	run ctl --json upgrade
	assert_failure 1
	assert_equal "$(jq -c '[.ok, .code, .pid]' <<<"$output")" "[false,\"failed\",$NETD_PID]"
	# A binary that exits at once.
	binary "$BATS_TEST_TMPDIR/exits" "exit 3"
	cp "$CONF.good" "$CONF"
	run ctl upgrade "$BATS_TEST_TMPDIR/exits"
	assert_failure 1
	assert_output --regexp "the new master \(pid [0-9]+, $BATS_TEST_TMPDIR/exits\) exited with status 3 before it served"
	# One that does not exist, is writable by others, or is relative on
	# the wire: refused before anything starts.
	run ctl upgrade "$BATS_TEST_TMPDIR/nonexistent"
	assert_failure 1
	chmod 777 "$BATS_TEST_TMPDIR/exits"
	run ctl upgrade "$BATS_TEST_TMPDIR/exits"
	assert_failure 1
	assert_output --regexp "^netctl: upgrade refused: $BATS_TEST_TMPDIR/exits: owned by uid 0, mode 0777"
	run bash -c "echo 'upgrade bin/netd' | timeout 10 socat - UNIX-CONNECT:$SOCK"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	# Nothing changed: the same master, generation and sockets.
	assert_equal "$(master_pid)" "$NETD_PID"
	assert_equal "$(jqs '"\(.netd.generation) \(.pool.total)"')" "1 2"
	assert_equal "$(port_of tcp hello)" "$tcp"
	run hello lesson 127.0.0.1 "$tcp" Michael
	assert_output --partial "Hello, Michael!"
	[[ -S $SOCK && -e $SOCK.lock && -S $BATS_TEST_TMPDIR/hello.sock ]]
	grep -q "upgrade failed: the new master (pid [0-9]*, $BATS_TEST_TMPDIR/exits) exited with status 3 before it served; this master (pid $NETD_PID) serves on" "$LOG"
	# And then an upgrade that works.
	run ctl upgrade
	assert_success
	netd_exited 30 0
}

@test "a new master killed during the hand-over: exit 1, the old one serves on, no session fails" {
	upgrade_config 16
	netd_start
	tcp=$(port_of tcp hello)
	expect_worker_signal KILL
	binary "$BATS_TEST_TMPDIR/crashes" "exec python3 '$HELPERS/upgrade_crash.py' '$NETD' \"\$@\""
	stop="$BATS_TEST_TMPDIR/loop.stop"
	bg loop python3 "$HELPERS/session_loop.py" 4 127.0.0.1 "$tcp" "$stop" "$BATS_TEST_TMPDIR/loop.progress"
	wait_until 30 eval "(( \$(cat '$BATS_TEST_TMPDIR/loop.progress' 2>/dev/null || echo 0) >= 40 ))"
	run ctl upgrade "$BATS_TEST_TMPDIR/crashes"
	assert_failure 1
	assert_output --regexp "^netctl: upgrade failed: the new master \(pid [0-9]+, $BATS_TEST_TMPDIR/crashes\) killed by signal 9 \(Killed\) before it served"
	assert_equal "$(master_pid)" "$NETD_PID"
	# Its workers finish their clients and go; ours serve on.
	n=$(cat "$BATS_TEST_TMPDIR/loop.progress")
	wait_until 30 eval "(( \$(cat '$BATS_TEST_TMPDIR/loop.progress') >= $n + 40 ))"
	touch "$stop"
	run bg_wait loop 60
	echo "# killed new master: $output" >&3
	assert_success
	[[ -S $SOCK && -e $SOCK.lock ]]
	run ctl upgrade
	assert_success
	netd_exited 30 0
}

@test "only root or netd's user may name the binary; admin_group may upgrade to the installed one" {
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_TEST_TMPDIR/.." "$BATS_TEST_TMPDIR"
	upgrade_config
	netd_set admin_group=nogroup
	netd_start
	binary "$BATS_TEST_TMPDIR/other" "exec '$NETD' \"\$@\""
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$NETCTL" -s "$SOCK" upgrade "$BATS_TEST_TMPDIR/other"
	assert_failure 4
	assert_output "netctl: permission denied: uid 65534 may not name the binary of an upgrade (only root or uid 0)"
	grep -q "audit: uid=65534 pid=[0-9]* command=\"upgrade $BATS_TEST_TMPDIR/other\" result=denied" "$LOG"
	assert_equal "$(master_pid)" "$NETD_PID"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$NETCTL" -s "$SOCK" upgrade
	assert_success
	netd_exited 30 0
}

@test "20 upgrades under load (one to a binary that exits): zero failed sessions" {
	upgrade_config 4
	netd_start
	tcp=$(port_of tcp hello)
	binary "$BATS_TEST_TMPDIR/exits" "exit 1"
	stop="$BATS_TEST_TMPDIR/loop.stop"
	progress="$BATS_TEST_TMPDIR/loop.progress"
	bg loop python3 "$HELPERS/session_loop.py" 4 127.0.0.1 "$tcp" "$stop" "$progress"
	prev=$NETD_PID
	took=()
	for ((i = 1; i <= 20; i++)); do
		wait_until 60 eval "(( \$(cat '$progress' 2>/dev/null || echo 0) >= $i * 50 ))"
		if ((i == 10)); then
			run ctl upgrade "$BATS_TEST_TMPDIR/exits"
			assert_failure 1
			assert_equal "$(master_pid)" "$prev"
		fi
		t0=$(date +%s%N)
		run ctl upgrade
		t1=$(date +%s%N)
		assert_success
		took+=($(((t1 - t0) / 1000000)))
		wait_until 60 pid_gone "$prev"
		prev=$(master_pid)
	done
	touch "$stop"
	run bg_wait loop 120
	echo "# 20 upgrades under load: $output" >&3
	echo "# netctl upgrade took ms: ${took[*]}" >&3
	assert_success
	assert_output --regexp 'failures=0 refused=0'
	assert_equal "$(port_of tcp hello)" "$tcp"
}
