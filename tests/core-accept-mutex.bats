#!/usr/bin/env bats
# accept_mutex = on: one worker at a time watches the listeners (its
# epoll set, as /proc shows it), the others sleep; clients and datagrams
# are served as before, the token outlives a killed holder and reloads.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# Workers of generations before N still running?
old_gone() {
	[[ "$(jqs "[.workers[] | select(.generation < $1)] | length")" == 0 ]]
}

# The workers whose epoll sets hold the PROTO listener on PORT.
watchers() {
	# shellcheck disable=SC2046
	python3 "$HELPERS/epoll_watchers.py" "$1" "$2" $(worker_pids)
}

nwatchers() {
	watchers "$1" "$2" | wc -l
}

@test "accept_mutex = on: one worker watches the listeners; sessions and datagrams served" {
	# worker_connections set here: the token is off in the classic model.
	netd_pool hello-udp workers=4 accept_mutex=on worker_connections=64
	PORT=$(port_of tcp hello)
	UDP=$(port_of udp hello)
	wait_eq 20 4 jqs '.pool.idle'
	assert_equal "$(ctl --json config | jq -r '.netd.accept_mutex')" on
	wait_eq 20 1 nwatchers tcp "$PORT"
	wait_eq 20 1 nwatchers udp "$UDP"
	run hello load 127.0.0.1 "$PORT" 300 8
	echo "# accept_mutex on, 300 sessions over 8 clients: $output" >&3
	assert_success
	assert_output --regexp '^sessions=300 failures=0 '
	run hello udp 127.0.0.1 "$UDP" d1 d2 d3
	assert_success
	assert_output $'Hello, d1!\nHello, d2!\nHello, d3!'
	wait_eq 20 4 jqs '.pool.idle'
	# Back to one watcher once the load is gone.
	wait_eq 20 1 nwatchers tcp "$PORT"
	echo "# served by: $(grep -o 'netd\[[0-9]*\]: info: access service=hello proto=tcp' "$LOG" | sort | uniq -c | awk '{ printf "%s ", $1 }')" >&3
}

@test "accept_mutex = off (the default): every idle worker watches the listeners" {
	netd_pool hello-udp workers=4 worker_connections=64
	PORT=$(port_of tcp hello)
	wait_eq 20 4 jqs '.pool.idle'
	assert_equal "$(ctl --json config | jq -r '.netd.accept_mutex')" off
	wait_eq 20 4 nwatchers tcp "$PORT"
	wait_eq 20 4 nwatchers udp "$(port_of udp hello)"
}

@test "accept_mutex: the holder killed, another worker takes the token at once and serves" {
	netd_pool hello-udp workers=4 accept_mutex=on worker_connections=64
	PORT=$(port_of tcp hello)
	wait_eq 20 4 jqs '.pool.idle'
	wait_eq 20 1 nwatchers tcp "$PORT"
	holder=$(watchers tcp "$PORT")
	[[ "$holder" =~ ^[0-9]+$ ]]
	expect_worker_signal KILL
	t0=$(date +%s%N)
	kill -KILL "$holder"
	# Another worker watches: the master's view shows the slot without
	# its worker, well before the token's own deadline (5 s).
	run python3 "$HELPERS/epoll_watchers.py" tcp "$PORT" -c "$NETD_PID" -n "$holder" 20
	assert_success
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# the holder killed: worker ${output% *} watches within ${ms}ms (the helper's start included)" >&3
	((ms < 4000)) || fail "the token passed after ${ms}ms"
	run hello lesson 127.0.0.1 "$PORT" After
	assert_success
	assert_output --partial "Hello, After!"
}

@test "accept_mutex with worker_connections = 1: no token, each idle worker watches; 4 clients held at once" {
	netd_pool hello-udp workers=4 min_spare=0 max_workers=4 accept_mutex=on worker_connections=1
	PORT=$(port_of tcp hello)
	wait_eq 20 4 jqs '.pool.idle'
	wait_eq 20 4 nwatchers tcp "$PORT"
	for i in 1 2 3 4; do
		bg "h$i" hello hold 127.0.0.1 "$PORT" "$BATS_TEST_TMPDIR/ready$i" "$BATS_TEST_TMPDIR/go" "H$i"
	done
	for i in 1 2 3 4; do
		wait_until 20 test -s "$BATS_TEST_TMPDIR/ready$i"
	done
	wait_eq 20 4 jqs '.pool.busy'
	touch "$BATS_TEST_TMPDIR/go"
	for i in 1 2 3 4; do
		run bg_wait "h$i" 30
		assert_success
		assert_output --partial "Hello, H$i!"
	done
}

@test "accept_mutex: 10 reloads under sessions one after another, none fails" {
	netd_pool hello workers=4 accept_mutex=on worker_connections=64
	port=$(port_of tcp hello)
	loop_start "$port" 1000
	for ((i = 1; i <= 10; i++)); do
		loop_reached $((i * 100))
		run ctl reload
		assert_success
		assert_line --index 0 "generation $i -> $((i + 1))"
		wait_until 60 old_gone $((i + 1))
	done
	loop_stop
	run bg_wait loop 300
	echo "# accept_mutex on, 10 reloads: $output" >&3
	assert_success
	assert_output --regexp '^sessions=[0-9]+ failures=0 '
	wait_eq 20 1 nwatchers tcp "$port"
}
