#!/usr/bin/env bats
# A worker that leaves (reload, graceful stop, the master gone) stops
# listening at once, even while a client still holds it: a port that no
# generation serves any more refuses clients instead of queueing them for
# nobody, and can be bound again at once.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# A port of 127.0.0.1 free at this moment.
free_port() {
	python3 "$HELPERS/tcp_port_holder.py" 0
}

# Is a TCP connection to 127.0.0.1:PORT refused (not accepted, not hung)?
refused() {
	! timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

accepted() {
	timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

two_services() {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	shutdown_timeout = 60s
	[service a]
	type = hello
	listen = tcp://127.0.0.1:$A
	$([[ ${1:-} == without-b ]] || printf '[service b]\ntype = hello\nlisten = tcp://127.0.0.1:%s\n' "$B")
	EOF
}

@test "reload removes a port while its old worker is busy: refused at once; a rollback binds it again" {
	A=$(free_port) B=$(free_port)
	two_services
	netd_start
	hold_start held "$B"
	# Reload without b: its old worker is still busy with the held client.
	two_services without-b
	run ctl reload
	assert_success
	assert_line "  closed tcp://127.0.0.1:$B"
	wait_until 10 refused "$B"
	# The old worker still serves its client...
	assert_equal "$(jqs '[.workers[] | select(.state == "draining")] | length')" 1
	# ...and the port can be listened on again: a rollback works.
	two_services
	run ctl reload
	assert_success
	assert_line "  opened tcp://127.0.0.1:$B (service b)"
	run hello lesson 127.0.0.1 "$B" Back
	assert_output --partial "Hello, Back!"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
}

@test "graceful stop with a busy worker: new clients are refused, the held one finishes" {
	A=$(free_port)
	two_services without-b
	netd_start
	hold_start held "$A"
	kill -QUIT "$NETD_PID"
	wait_until 10 refused "$A"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	netd_exited 30
}

@test "the master killed with a worker busy: the ports are free for a new netd at once" {
	A=$(free_port)
	two_services without-b
	netd_start
	hold_start held "$A"
	old=$NETD_PID
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" || true
	NETD_PID=
	wait_until 10 refused "$A"
	# A new netd binds the same port while the old worker still has
	# its client.
	rm -f "$SOCK"
	netd_watch_log "$LOG"
	LOG="$BATS_TEST_TMPDIR/netd2.log"
	netd_start
	accepted "$A"
	run hello lesson 127.0.0.1 "$A" New
	assert_output --partial "Hello, New!"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	[[ $old != "$NETD_PID" ]]
}
