#!/usr/bin/env bats
# Many clients at once on a small pool, and no thundering herd: one new
# connection (or datagram) wakes one idle worker.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_cleanup
}

start_pool() {
	netd_config <<-EOF
	[netd]
	workers = 4
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 udp://127.0.0.1:0
	EOF
	netd_start
	PORT=$(port_of tcp hello)
	UDP=$(port_of udp hello)
	wait_eq 20 4 jqs '.pool.idle'
}

sum() {
	jqs "[.workers[].$1] | add"
}

@test "64 concurrent clients, 4 workers: every answer right, pool stays at 4" {
	start_pool
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
	assert_equal "$(grep -c 'access hello tcp .* result=ok' "$LOG")" 64
}

@test "thundering herd: N sequential TCP connections, about N wakeups" {
	start_pool
	n=40
	assert_equal "$(sum wakeups)" 0
	# One after another: each worker is idle again before the next.
	run hello load 127.0.0.1 "$PORT" "$n" 1
	assert_success
	wait_eq 20 "$n" sum accepts
	# Settle: a woken worker counts its wakeup before it accepts.
	wait_eq 20 4 jqs '.pool.idle'
	wakeups=$(sum wakeups)
	accepts=$(sum accepts)
	echo "# $n connections, 4 idle workers: accepts=$accepts wakeups=$wakeups" >&3
	assert_equal "$accepts" "$n"
	# A herd would be up to 4 wakeups per connection.
	((wakeups >= accepts))
	((wakeups <= accepts + 4)) ||
	    fail "wakeups=$wakeups for accepts=$accepts: more than one worker woken per connection"
}

@test "thundering herd: N sequential datagrams, about N wakeups" {
	start_pool
	n=40
	run hello udp 127.0.0.1 "$UDP" $(seq -f 'd%g' 1 "$n")
	assert_success
	assert_equal "${#lines[@]}" "$n"
	assert_line --index 0 "Hello, d1!"
	assert_line --index $((n - 1)) "Hello, d$n!"
	wait_eq 20 "$n" sum accepts
	wait_eq 20 4 jqs '.pool.idle'
	wakeups=$(sum wakeups)
	accepts=$(sum accepts)
	echo "# $n datagrams, 4 idle workers: accepts=$accepts wakeups=$wakeups" >&3
	assert_equal "$accepts" "$n"
	((wakeups >= accepts))
	((wakeups <= accepts + 4)) ||
	    fail "wakeups=$wakeups for accepts=$accepts: more than one worker woken per datagram"
}
