#!/usr/bin/env bats
# Event-driven workers: a connection is no longer a worker.  Thousands of
# idle sessions on four workers, slow clients that never finish, and
# reloads while a thousand sessions stay open.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	# The clients and netd need more descriptors than the default: as
	# many as the hard limit allows (each process has its own).
	ulimit -n "$(ulimit -Hn)"
}

need_fds() {	# need_fds N: skip unless a process may open N
	(($(ulimit -n) >= $1)) || skip "RLIMIT_NOFILE hard limit $(ulimit -Hn) < $1"
}

teardown() {
	netd_teardown
}

fast() {	# fast SECONDS: under 0.1 s?
	awk -v t="$1" 'BEGIN { exit !(t < 0.1) }'
}

@test "10,000 idle hello sessions on 4 workers: a new client is served at once; all answered when they speak" {
	need_fds 10100
	netd_config <<-EOF
	[netd]
	workers = 4
	min_spare = 0
	worker_connections = 4096
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	idle_timeout = 300s
	EOF
	netd_start
	port=$(port_of tcp hello)
	bg many python3 "$HELPERS/many_clients.py" 127.0.0.1 "$port" 10000 \
	    "$BATS_TEST_TMPDIR/open" "$BATS_TEST_TMPDIR/go"
	wait_until 180 test -s "$BATS_TEST_TMPDIR/open"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/open")" "open 10000"
	assert_equal "$(jqs '.pool.connections')" 10000
	assert_equal "$(jqs '.pool.total')" 4
	run python3 "$HELPERS/latency_client.py" hello 127.0.0.1 "$port"
	assert_success
	echo "# a new client among 10,000 idle ones: ${output}s" >&3
	fast "$output" || fail "a new client waited ${output}s"
	touch "$BATS_TEST_TMPDIR/go"
	run bg_wait many 180
	assert_success
	assert_output "ok=10000 failed=0"
}

slow_config() {
	mkdir -p "$BATS_TEST_TMPDIR/up"
	netd_config <<-EOF
	[netd]
	workers = 4
	min_spare = 0
	worker_connections = 4096
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	request_timeout = 3s
	[service echo]
	type = echo
	listen = tcp://127.0.0.1:0
	[service http]
	type = http
	listen = tcp://127.0.0.1:0
	request_timeout = 3s
	[service upload]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = up
	request_timeout = 3s
	min_rate = 100
	EOF
}

@test "slowloris: 2,000 clients a byte a second on hello, echo, http and upload; new clients served at once; request_timeout cuts them" {
	slow_config
	netd_start
	for s in hello echo http upload; do
		bg "slow-$s" python3 "$HELPERS/slow_clients.py" "$s" 127.0.0.1 \
		    "$(port_of tcp "$s")" 2000 8 "$BATS_TEST_TMPDIR/slow-$s.out"
	done
	wait_until 60 eval '[[ $(jqs .pool.connections) -ge 7000 ]]'
	for s in hello echo http upload; do
		run python3 "$HELPERS/latency_client.py" "$s" 127.0.0.1 \
		    "$(port_of tcp "$s")"
		assert_success
		echo "# $s: a new client among 8,000 slow ones: ${output}s" >&3
		fast "$output" || fail "a new $s client waited ${output}s"
	done
	for s in hello echo http upload; do
		run bg_wait "slow-$s" 60
		assert_success
	done
	# Hello lines, HTTP heads and upload bodies that never end are cut
	# by request_timeout (and min_rate); an echo byte is a whole request,
	# answered at once: those stay, bounded by idle_timeout and
	# max_per_source.
	for s in hello http upload; do
		assert_equal "$(cat "$BATS_TEST_TMPDIR/slow-$s.out")" \
		    "cut=2000 open=0"
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/slow-echo.out")" "cut=0 open=2000"
	assert_equal "$(grep -c 'result=request timeout' "$LOG")" 4000
	assert_equal "$(grep -c 'access upload .* result=too slow' "$LOG")" 2000
	# Nothing of the slow uploads was stored.
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/up" | wc -l)" 1
}

@test "reloads under 1,000 open sessions plus short ones: zero failed sessions" {
	n=${NETD_TEST_RELOADS:-1000}
	netd_config <<-EOF
	[netd]
	workers = 4
	min_spare = 0
	worker_connections = 2048
	shutdown_timeout = 60s
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	port=$(port_of tcp hello)
	bg long python3 "$HELPERS/long_sessions.py" 127.0.0.1 "$port" 1000 \
	    "$BATS_TEST_TMPDIR/stop" "$BATS_TEST_TMPDIR/long.out"
	# (not through hello(): its 120 s cap is shorter than the reloads)
	bg short timeout 1800 python3 "$HELLO_CLIENT" loop 127.0.0.1 "$port" \
	    200 "$BATS_TEST_TMPDIR/stop" "$BATS_TEST_TMPDIR/short.progress"
	wait_until 60 eval '[[ $(jqs .pool.connections) -ge 900 ]]'
	for ((i = 1; i <= n; i++)); do
		run ctl reload
		assert_success
	done
	touch "$BATS_TEST_TMPDIR/stop"
	run bg_wait long 120
	assert_success
	run bg_wait short 120
	assert_success
	assert_output --regexp '^sessions=[0-9]+ failures=0'
	long=$(cat "$BATS_TEST_TMPDIR/long.out")
	echo "# $n reloads: long-lived $long; short $output" >&3
	[[ $long =~ ^sessions=([0-9]+)\ failures=0$ ]] || fail "$long"
	((BASH_REMATCH[1] >= 1000))
	assert_equal "$(jqs '.netd.generation')" $((n + 1))
}

@test "max_per_source: a 4th connection from one address is refused across workers, counted; others still served" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	worker_connections = 64
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 tcp://[::1]:0
	max_per_source = 3
	EOF
	netd_start
	port=$(port_of tcp hello 1)
	for i in 1 2 3; do
		hold_start "h$i" "$port"
	done
	run hello raw 127.0.0.1 "$port" 6e6f0a
	assert_output --partial "ERR too many connections from your address"
	assert_equal "$(jqs '[.workers[].refused.per_source] | add')" 1
	grep -q 'result=per source' "$LOG"
	# Another address (::1) is not counted with 127.0.0.1.
	run hello lesson ::1 "$(port_of tcp hello 2)" Six
	assert_output --partial "Hello, Six!"
	# One leaves: room for one more.
	hold_release h1
	run bg_wait h1
	assert_success
	wait_until 10 eval 'hello lesson 127.0.0.1 "$port" Again | grep -q "Hello, Again!"'
	for i in 2 3; do
		hold_release "h$i"
		run bg_wait "h$i"
		assert_success
	done
}

@test "max_per_source: a worker killed with connections open gives them back" {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	worker_connections = 64
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	max_per_source = 2
	max_connections = 2
	EOF
	netd_start
	port=$(port_of tcp hello)
	hold_start h1 "$port"
	hold_start h2 "$port"
	pid=$(worker_pids)
	expect_worker_signal KILL
	kill -KILL "$pid"
	wait_until 20 respawned 0 "$pid"
	wait_eq 20 0 jqs '.services[0].active'
	# Both limits have their room back.
	run hello lesson 127.0.0.1 "$port" A
	assert_output --partial "Hello, A!"
	hold_start h3 "$port"
	hold_start h4 "$port"
	hold_release h3
	hold_release h4
	run bg_wait h3
	assert_success
	run bg_wait h4
	assert_success
}

@test "spare rules count free connection slots: two busy workers with room do not make the pool grow" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 1
	max_spare = 2
	worker_connections = 4
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	port=$(port_of tcp hello)
	hold_start h1 "$port"
	hold_start h2 "$port"
	wait_eq 10 2 jqs '.pool.connections'
	# 6 slots of 8 free: one worker's worth and more is spare.
	sleep 2.5	# what is tested: two pool ticks, and nothing starts
	assert_equal "$(jqs '.pool.total')" 2
	! grep -q 'started [0-9]* spare' "$LOG"
	# Fill it: 7 of 8 taken, less than one worker's worth free.
	for i in 3 4 5 6 7; do
		hold_start "h$i" "$port"
	done
	wait_until 10 eval '[[ $(jqs .pool.total) -ge 3 ]]'
	grep -q 'started 1 spare workers' "$LOG"
	for i in 1 2 3 4 5 6 7; do
		hold_release "h$i"
	done
}
