#!/usr/bin/env bats
# The process model, seen from outside: titles in ps, a killed worker
# replaced in its slot, TTIN/TTOU, graceful (QUIT) and fast (TERM) stops,
# workers that leave when the master dies, recycling after max_requests.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# Titles of the master's children, sorted.
worker_titles() {
	ps -o args= --ppid "$NETD_PID" | sort
}

master_title() {
	ps -o args= -p "$NETD_PID"
}

# How many children the master has.
nworkers() {
	ps -o pid= --ppid "$NETD_PID" | wc -l
}

title_is() {
	[[ "$(ps -o args= -p "$1")" == "$2" ]]
}

@test "ps: netd: master -c FILE (N workers) and N 'netd: worker K idle'" {
	netd_pool hello workers=3 shutdown_timeout=60s
	conf=$(realpath "$CONF")
	wait_eq 20 "$(printf 'netd: worker %d idle\n' 0 1 2)" worker_titles
	run master_title
	assert_output "netd: master -c $conf (3 workers)"
	run worker_titles
	assert_output "$(printf 'netd: worker 0 idle\nnetd: worker 1 idle\nnetd: worker 2 idle')"
	# The same slots and pids as status.
	for slot in 0 1 2; do
		pid=$(slot_pid "$slot")
		assert_equal "$(ps -o args= -p "$pid")" "netd: worker $slot idle"
	done
}

@test "ps: a busy worker shows 'netd: worker K hello 127.0.0.1:PORT'" {
	netd_pool hello workers=3 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	srcport=$(hold_port held)
	wait_eq 20 1 jqs '[.workers[] | select(.state == "busy")] | length'
	slot=$(jqs '.workers[] | select(.state == "busy") | .slot')
	pid=$(slot_pid "$slot")
	wait_until 20 title_is "$pid" "netd: worker $slot hello 127.0.0.1:$srcport"
	run ps -o args= -p "$pid"
	assert_output "netd: worker $slot hello 127.0.0.1:$srcport"
	# The others stay idle.
	run worker_titles
	assert_equal "$(grep -c ' idle$' <<<"$output")" 2
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	wait_until 20 title_is "$pid" "netd: worker $slot idle"
}

@test "SIGKILL of a worker: replaced in the same slot, clients still served" {
	netd_pool hello workers=3 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	old=$(slot_pid 1)
	[[ "$old" =~ ^[0-9]+$ ]]
	expect_worker_signal KILL
	kill -KILL "$old"
	# Served while the slot is being replaced...
	run hello load 127.0.0.1 "$PORT" 30 3
	assert_success
	assert_output --regexp '^sessions=30 failures=0 '
	# ...and replaced: a new pid, in slot 1.
	wait_until 30 respawned 1 "$old"
	new=$(slot_pid 1)
	assert_not_equal "$new" "$old"
	pid_gone "$old"
	grep -Eq "worker 1 \(pid $old, generation 1\) killed by signal 9 \(Killed\) after [0-9]+\.[0-9]s; idle; respawning in 0\.1s$" "$LOG"
	wait_eq 20 3 jqs '.pool.idle'
	wait_until 20 title_is "$new" "netd: worker 1 idle"
	assert_equal "$(nworkers)" 3
	run hello load 127.0.0.1 "$PORT" 30 3
	assert_success
	assert_output --regexp '^sessions=30 failures=0 '
}

@test "SIGTTIN adds a worker, SIGTTOU removes one: status and ps agree" {
	netd_pool hello workers=3 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	conf=$(realpath "$CONF")
	kill -TTIN "$NETD_PID"
	wait_eq 20 "4 4" jqs '"\(.pool.target) \(.pool.idle)"'
	wait_eq 20 4 nworkers
	wait_eq 20 "netd: master -c $conf (4 workers)" master_title
	# (A worker's title follows its scoreboard state by a moment.)
	wait_eq 20 4 eval "worker_titles | grep -c '^netd: worker [0-9]* idle\$'"
	kill -TTOU "$NETD_PID"
	wait_eq 20 3 jqs '.pool.target'
	kill -TTOU "$NETD_PID"
	wait_eq 20 "2 2" jqs '"\(.pool.target) \(.pool.total)"'
	wait_eq 20 2 nworkers
	wait_eq 20 "netd: master -c $conf (2 workers)" master_title
	assert_equal "$(jqs '[.workers[].pid] | length')" 2
	run hello load 127.0.0.1 "$PORT" 10 2
	assert_success
}

@test "SIGQUIT: an in-flight client finishes, then the master exits 0" {
	netd_pool hello workers=3 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	[[ "$busy" =~ ^[0-9]+$ ]]
	kill -QUIT "$NETD_PID"
	# The idle workers leave; the busy one and the master stay.
	wait_eq 30 1 nworkers
	assert_equal "$(ps -o pid= --ppid "$NETD_PID" | tr -d ' ')" "$busy"
	netd_alive
	grep -q "graceful stop: letting 3 workers finish" "$LOG"
	# The client still gets its reply.
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	# Then everything is gone, cleanly.
	netd_exited 30
	pid_gone "$busy"
	assert_equal "$(netd_procs)" ""
	[[ ! -e "$SOCK" ]]
}

@test "SIGTERM stops everything, a busy worker too: no stray process" {
	netd_pool hello workers=3 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	wait_eq 20 1 jqs '.pool.busy'
	pids="$NETD_PID $(worker_pids | tr '\n' ' ')"
	assert_equal "$(wc -w <<<"$pids")" 4
	# Every process of this netd is one of those.
	assert_equal "$(netd_procs | sort -n | tr '\n' ' ')" \
	    "$(tr ' ' '\n' <<<"$pids" | grep . | sort -n | tr '\n' ' ')"
	kill -TERM "$NETD_PID"
	netd_exited 30
	for pid in $pids; do
		pid_gone "$pid" || fail "pid $pid still running after TERM"
	done
	assert_equal "$(netd_procs)" ""
	grep -q "fast stop: terminating 3 workers" "$LOG"
	# The held client's session was cut.
	hold_release held
	run bg_wait held
	assert_failure
}

@test "the master killed with SIGKILL: idle workers leave within seconds" {
	netd_pool hello workers=3 shutdown_timeout=60s
	pids=$(worker_pids | tr '\n' ' ')
	assert_equal "$(wc -w <<<"$pids")" 3
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" || true
	NETD_PID=
	gone() {
		local pid
		for pid in $pids; do
			pid_gone "$pid" || return 1
		done
	}
	wait_until 10 gone
	assert_equal "$(netd_procs)" ""
	assert_equal "$(grep -c 'master is gone, exiting' "$LOG")" 3
}

@test "the master killed with SIGKILL: a busy worker finishes its client, then leaves" {
	netd_pool hello workers=2 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	[[ "$busy" =~ ^[0-9]+$ ]]
	idle=$(jqs '.workers[] | select(.state == "idle") | .pid')
	kill -KILL "$NETD_PID"
	wait "$NETD_PID" || true
	NETD_PID=
	wait_until 10 pid_gone "$idle"
	! pid_gone "$busy"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	wait_until 10 pid_gone "$busy"
	assert_equal "$(netd_procs)" ""
}

@test "max_requests = 3: the worker recycles after 3 connections, same slot" {
	netd_pool hello workers=1 shutdown_timeout=60s max_requests=3
	PORT=$(port_of tcp hello)
	first=$(slot_pid 0)
	[[ "$first" =~ ^[0-9]+$ ]]
	for i in 1 2; do
		run hello lesson 127.0.0.1 "$PORT" "Michael$i"
		assert_success
	done
	wait_eq 20 2 jqs '.workers[0].requests'
	assert_equal "$(slot_pid 0)" "$first"
	run hello lesson 127.0.0.1 "$PORT" Michael3
	assert_success
	assert_output "$(printf 'Welcome!\n\nHello, Michael3!')"
	wait_until 30 respawned 0 "$first"
	second=$(slot_pid 0)
	wait_until 20 pid_gone "$first"
	grep -q "worker 0: served 3 requests (max_requests), recycling" "$LOG"
	# A recycle is no crash: no backoff, and the new worker starts afresh.
	! grep -q "respawning in" "$LOG"
	assert_equal "$(jqs '.pool.total') $(jqs '.workers[0].slot')" "1 0"
	wait_eq 20 idle jqs '.workers[0].state'
	assert_equal "$(jqs '.workers[0].requests')" 0
	# And it serves three more before the next recycle.
	for i in 4 5 6; do
		run hello lesson 127.0.0.1 "$PORT" "Michael$i"
		assert_success
	done
	wait_until 30 respawned 0 "$second"
	assert_equal "$(grep -c 'recycling' "$LOG")" 2
}

@test "SIGQUIT with a client past shutdown_timeout: terminated, then exit 0" {
	netd_pool hello workers=2 shutdown_timeout=1s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	[[ "$busy" =~ ^[0-9]+$ ]]
	t0=$(date +%s%N)
	kill -QUIT "$NETD_PID"
	netd_exited 30
	ms=$((($(date +%s%N) - t0) / 1000000))
	((ms >= 1000)) || fail "stopped after ${ms}ms, before shutdown_timeout (1s)"
	grep -Eq "worker [0-9]+ \(pid $busy, generation 1\) still busy after shutdown_timeout \(1000ms\): terminating" "$LOG"
	pid_gone "$busy"
	assert_equal "$(netd_procs)" ""
	hold_release held
	run bg_wait held
	assert_failure
}

@test "SIGHUP reloads: a new generation, the old workers replaced" {
	netd_pool hello workers=2 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	old=$(worker_pids | sort | tr '\n' ' ')
	kill -HUP "$NETD_PID"
	wait_eq 30 "2 2" jqs '"\(.netd.generation) \([.workers[] | select(.generation == 2 and .state == "idle")] | length)"'
	wait_eq 30 0 jqs '[.workers[] | select(.generation == 1)] | length'
	for pid in $old; do
		wait_until 20 pid_gone "$pid"
	done
	grep -q "reloaded: generation 1 -> 2" "$LOG"
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_output --partial "Hello, Michael!"
}

@test "SIGUSR1 (reopen logs) is logged and harms nothing" {
	netd_pool hello workers=2 shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	pids=$(worker_pids | sort | tr '\n' ' ')
	kill -USR1 "$NETD_PID"
	wait_until 20 grep -q "SIGUSR1" "$LOG"
	assert_equal "$(worker_pids | sort | tr '\n' ' ')" "$pids"
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_output --partial "Hello, Michael!"
}
