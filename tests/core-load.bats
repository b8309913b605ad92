#!/usr/bin/env bats
# Many clients at once on a small pool, and no thundering herd: one new
# connection (or datagram) wakes one idle worker.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

sum() {
	jqs "[.workers[].$1] | add"
}

@test "64 concurrent clients, 4 workers: every answer right, pool stays at 4" {
	netd_pool hello-udp workers=4
	PORT=$(port_of tcp hello)
	wait_eq 20 4 jqs '.pool.idle'
	before=$(worker_pids | sort | tr '\n' ' ')
	run hello concurrent 127.0.0.1 "$PORT" 64
	echo "# 64 clients at once on 4 workers: $output" >&3
	assert_success
	assert_output --regexp '^sessions=64 failures=0 '
	# Each connection served once, by the same four workers.
	wait_eq 20 64 sum requests
	assert_equal "$(jqs '.listeners[] | select(.proto == "tcp") | .connections')" 64
	assert_equal "$(jqs '"\(.pool.target) \(.pool.total)"')" "4 4"
	assert_equal "$(worker_pids | sort | tr '\n' ' ')" "$before"
	assert_equal "$(grep -c 'access service=hello proto=tcp .* result=ok' "$LOG")" 64
}

# Voluntary context switches of the workers, summed: a worker woken for
# a connection it does not get still wakes, looks and sleeps again, which
# the kernel counts here even when epoll_wait never returns to it.
vswitches() {
	local pid total=0 v
	for pid in $WORKERS; do
		v=$(awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$pid/status")
		total=$((total + v))
	done
	echo "$total"
}

@test "thundering herd: N sequential TCP connections wake one worker each" {
	netd_pool hello-udp workers=4
	PORT=$(port_of tcp hello)
	wait_eq 20 4 jqs '.pool.idle'
	n=100
	WORKERS=$(worker_pids | tr '\n' ' ')
	assert_equal "$(sum wakeups)" 0
	before=$(vswitches)
	# One after another: each worker is idle again before the next.
	run hello load 127.0.0.1 "$PORT" "$n" 1
	assert_success
	wait_eq 20 "$n" sum accepts
	wait_eq 20 4 jqs '.pool.idle'
	switches=$(($(vswitches) - before))
	wakeups=$(sum wakeups)
	accepts=$(sum accepts)
	echo "# $n connections, 4 idle workers: accepts=$accepts wakeups=$wakeups worker context switches=$switches" >&3
	assert_equal "$accepts" "$n"
	assert_equal "$(worker_pids | tr '\n' ' ')" "$WORKERS"
	# The status counters: at most one wakeup per connection (a worker
	# that finds the next connection queued when it is done with one
	# takes it without a wakeup: it accepts until EAGAIN).
	((wakeups >= 1))
	((wakeups <= accepts + 4)) ||
	    fail "wakeups=$wakeups for accepts=$accepts: more than one worker woken per connection"
	# The kernel's count: the serving worker sleeps at most three times
	# per session (name, exit, next connection); a herd adds a wake-up
	# and a sleep for each other idle worker on every connection.
	((switches <= 3 * n + n / 2)) ||
	    fail "$switches context switches for $n sessions: idle workers were woken too"
}

@test "thundering herd: N sequential datagrams wake one worker each" {
	netd_pool hello-udp workers=4
	UDP=$(port_of udp hello)
	wait_eq 20 4 jqs '.pool.idle'
	n=100
	WORKERS=$(worker_pids | tr '\n' ' ')
	before=$(vswitches)
	run hello udp 127.0.0.1 "$UDP" $(seq -f 'd%g' 1 "$n")
	assert_success
	assert_equal "${#lines[@]}" "$n"
	assert_line --index 0 "Hello, d1!"
	assert_line --index $((n - 1)) "Hello, d$n!"
	wait_eq 20 "$n" sum accepts
	wait_eq 20 4 jqs '.pool.idle'
	switches=$(($(vswitches) - before))
	wakeups=$(sum wakeups)
	accepts=$(sum accepts)
	echo "# $n datagrams, 4 idle workers: accepts=$accepts wakeups=$wakeups worker context switches=$switches" >&3
	assert_equal "$accepts" "$n"
	assert_equal "$(worker_pids | tr '\n' ' ')" "$WORKERS"
	((wakeups >= accepts))
	((wakeups <= accepts + 4)) ||
	    fail "wakeups=$wakeups for accepts=$accepts: more than one worker woken per datagram"
	# One sleep per datagram for the worker that took it; a herd would
	# add one for each other idle worker.
	((switches <= n + n / 4)) ||
	    fail "$switches context switches for $n datagrams: idle workers were woken too"
}
