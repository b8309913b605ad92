#!/usr/bin/env bats
# What ps, top and journald show of netd's processes: the kernel's name
# (/proc/PID/comm, ps -o comm) is netd for the master and netd-worker for
# each worker; a worker that leaves says so in its title, as nginx's
# "worker process is shutting down".

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

@test "comm: netd for the master, netd-worker for every worker" {
	netd_pool hello workers=3
	assert_equal "$(cat "/proc/$NETD_PID/comm")" netd
	assert_equal "$(ps -o comm= -p "$NETD_PID")" netd
	pids=$(worker_pids)
	assert_equal "$(wc -w <<<"$pids")" 3
	for pid in $pids; do
		assert_equal "$(cat "/proc/$pid/comm")" netd-worker
		assert_equal "$(ps -o comm= -p "$pid")" netd-worker
	done
	# Respawned and scaled-up workers too; pgrep finds them by name.
	run ctl scale 4
	wait_eq 20 4 eval 'pgrep -x -P "$NETD_PID" netd-worker | wc -l'
	assert_equal "$(pgrep -x -P "$NETD_PID" netd | wc -l)" 0
}

@test "a draining worker's title says it is shutting down, with its client" {
	netd_pool hello shutdown_timeout=20s
	port=$(port_of tcp hello)
	hold_start held "$port"
	wait_eq 20 1 jqs '.pool.busy'
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	slot=$(jqs '.workers[] | select(.state == "busy") | .slot')
	assert_equal "$(ps -o args= -p "$busy")" \
	    "netd: worker $slot hello 127.0.0.1:$(hold_port held)"
	run ctl reload
	assert_success
	wait_eq 20 "netd: worker $slot hello 127.0.0.1:$(hold_port held) (shutting down)" \
	    ps -o args= -p "$busy"
	# The new generation's workers do not.
	for pid in $(jqs '.workers[] | select(.generation == 2) | .pid'); do
		wait_eq 20 idle eval "ps -o args= -p $pid | sed -n 's/^netd: worker [0-9]* //p'"
	done
	hold_release held
	run bg_wait held
	assert_success
	wait_until 20 pid_gone "$busy"
}

@test "graceful stop: every busy worker's title says shutting down" {
	netd_pool hello shutdown_timeout=20s
	port=$(port_of tcp hello)
	hold_start held "$port"
	wait_eq 20 1 jqs '.pool.busy'
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	kill -QUIT "$NETD_PID"
	wait_until 20 eval "ps -o args= -p $busy | grep -q ' (shutting down)\$'"
	hold_release held
	run bg_wait held
	assert_success
	netd_exited 30
}
