#!/usr/bin/env bats
# Event-driven workers: a connection is no longer a worker.  Thousands of
# idle sessions on four workers, slow clients that never finish, and
# reloads while a thousand sessions stay open.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	# The clients and netd need more descriptors than the default.
	ulimit -n 65536 || skip "cannot raise RLIMIT_NOFILE"
}

teardown() {
	netd_teardown
}

fast() {	# fast SECONDS: under 0.1 s?
	awk -v t="$1" 'BEGIN { exit !(t < 0.1) }'
}

@test "10,000 idle hello sessions on 4 workers: a new client is served at once; all answered when they speak" {
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
	bg short hello loop 127.0.0.1 "$port" 200 "$BATS_TEST_TMPDIR/stop" \
	    "$BATS_TEST_TMPDIR/short.progress"
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
