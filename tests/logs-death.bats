#!/usr/bin/env bats
# A worker's death, as the master tells it: pid, generation, how long it
# served, what it was serving; an access line for each client it dropped;
# the exit reason kept after the respawn; exits counted by reason.

load helpers/netd

setup() {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	[service http]
	type = http
	listen = tcp://127.0.0.1:0
	EOF
}

teardown() {
	netd_teardown
}

slot_field() {
	jqs ".workers[] | select(.slot == $1) | .$2"
}

metric() {
	curl -s "http://127.0.0.1:$(port_of tcp http)/metrics" | grep "^$1 " | cut -d' ' -f2
}

@test "a killed worker: pid, generation, lifetime, the client it served; that client's access line; last_exit and counters" {
	netd_start
	hold_start a "$(port_of tcp hello)"
	port=$(hold_port a)
	old=$(slot_pid 0)
	expect_worker_signal KILL
	kill -KILL "$old"
	wait_until 30 respawned 0 "$old"
	grep -Eq "warning: worker 0 \(pid $old, generation 1\) killed by signal 9 \(Killed\) after [0-9]+\.[0-9]s; serving hello 127\.0\.0\.1:$port \(1 connection dropped\); respawning in 0\.1s$" "$LOG"
	# The master's access line for the client the worker took with it.
	grep -Eq "netd\[$NETD_PID\]: info: access service=hello proto=tcp listen=- peer=127\.0\.0\.1:$port duration=[0-9]+ms in=0 out=9 result=\"worker killed\"$" "$LOG"
	# The reason outlives the respawn, and is counted.
	wait_eq 30 idle slot_field 0 state
	assert_equal "$(slot_field 0 last_exit)" "killed by signal 9 (Killed)"
	assert_equal "$(jqs '.pool.exits.killed')" 1
	assert_equal "$(jqs '.pool.exits.crashed')" 0
	assert_equal "$(metric 'netd_worker_exits_total{reason="killed"}')" 1
	assert_equal "$(metric 'netd_worker_exits_total{reason="recycled"}')" 0
}

@test "exits by reason: a crash, a recycled worker, the ones a scale-down stopped" {
	netd_set max_requests=1
	netd_start
	old=$(slot_pid 0)
	expect_worker_signal ABRT
	kill -ABRT "$old"
	wait_until 30 respawned 0 "$old"
	grep -Eq "worker 0 \(pid $old, generation 1\) killed by signal 6 \(Aborted\)(, core dumped)? after [0-9]+\.[0-9]s; idle; respawning" "$LOG"
	wait_eq 30 1 jqs '.pool.exits.crashed'
	wait_eq 30 idle slot_field 0 state
	# (a spare served meanwhile, the crash being a request's doing: the
	# pool is back to one worker once the extra one has retired)
	wait_eq 30 1 jqs '.pool.total'
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	wait_eq 30 1 jqs '.pool.exits.recycled'
	run ctl scale 3
	wait_eq 30 3 jqs '.pool.idle'
	run ctl scale 1
	# Two retired (at least: the pool may retire and start spares too).
	wait_until 60 eval '(( $(jqs .pool.exits.stopped) >= 2 ))'
	assert_equal "$(jqs '.pool.exits.killed')" 0
	assert_equal "$(metric 'netd_worker_exits_total{reason="crashed"}')" 1
}
