#!/usr/bin/env bats
# Faults the pool must ride out: requests that kill their worker, and a
# burst of clients that needs the pool to grow fast.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

serving() {
	jqs '.pool.idle + .pool.busy'
}

@test "workers killed by their requests, 10 rounds: the pool keeps serving, a new client never waits" {
	netd_pool hello workers=2 max_spare=64 max_workers=64 shutdown_timeout=2s
	PORT=$(port_of tcp hello)
	expect_worker_signal SEGV
	killed=0
	for ((round = 1; round <= 10; round++)); do
		wait_eq 20 2 serving
		# Every serving worker dies as a request would kill it (a
		# spare started during the backoff may make it three).
		pids=$(jqs '.workers[] | select(.state == "idle") | .pid')
		kill -SEGV $pids
		killed=$((killed + $(wc -w <<<"$pids")))
		# Replacements start at once: a client is answered well
		# within a second of connecting (with the slots' backoff
		# counted as serving, the 10th round waited 51 s).
		run timeout 60 python3 "$HELPERS/latency_client.py" hello 127.0.0.1 "$PORT"
		assert_success
		awk -v t="$output" 'BEGIN { exit !(t < 1) }' ||
		    fail "round $round: a client waited ${output}s"
	done
	wait_eq 20 2 serving
	# Each death logged as what it was, once.
	((killed >= 20))
	assert_equal "$(grep -c 'killed by signal 11 (Segmentation fault)' "$LOG")" "$killed"
}

@test "a burst of 40 held clients: the pool doubles its spare spawns (4, 5, 7, 11, 19, 35, ...)" {
	netd_pool hello workers=4 min_spare=2 max_spare=64 max_workers=64 \
	    worker_connections=1 \
	    shutdown_timeout=2s
	PORT=$(port_of tcp hello)
	bg burst python3 "$HELPERS/burst_client.py" 127.0.0.1 "$PORT" 40 \
	    "$BATS_TEST_TMPDIR/waits" "$BATS_TEST_TMPDIR/go"
	# 40 sessions need 40 workers: 4 + 1 + 2 + 4 + 8 + 16 = 35 after five
	# ticks of a second, 40 after the sixth.  One or two a second, as
	# before, took 20 s and more.
	wait_until 30 test -s "$BATS_TEST_TMPDIR/waits"
	run grep -o 'started [0-9]* spare workers' "$LOG"
	assert_line --index 0 "started 1 spare workers"
	assert_line --index 1 "started 2 spare workers"
	assert_line --index 2 "started 4 spare workers"
	assert_line --index 3 "started 8 spare workers"
	assert_line --index 4 "started 16 spare workers"
	longest=$(tail -n 1 "$BATS_TEST_TMPDIR/waits")
	echo "# the last of 40 clients waited ${longest}s for a worker" >&3
	awk -v w="$longest" 'BEGIN { exit !(w < 8) }' ||
	    fail "a client waited ${longest}s for a worker"
	touch "$BATS_TEST_TMPDIR/go"
	run bg_wait burst 60
	assert_success
}

@test "every idle worker stopped (SIGSTOP): reported as stalled, killed and replaced; clients served again" {
	netd_pool hello workers=3 stall_timeout=2s hello.idle_timeout=20s
	PORT=$(port_of tcp hello)
	stopped=$(worker_pids)
	kill -STOP $stopped
	# Until stall_timeout nothing is accepted; then a client is served.
	run timeout 15 python3 "$HELPERS/hello_client.py" lesson 127.0.0.1 "$PORT" Thawed
	assert_success
	assert_output --partial "Hello, Thawed!"
	wait_eq 20 3 jqs '.pool.stalls'
	for pid in $stopped; do
		grep -Eq "worker [0-9]+ \(pid $pid, generation 1\) has not come back to its loop for [0-9]+ms \(stopped, frozen or stuck\): killing it, starting another" "$LOG"
		wait_until 10 pid_gone "$pid"
	done
	wait_eq 20 3 jqs '.pool.idle'
}

@test "a worker held by a silent client longer than stall_timeout is not taken for stalled" {
	netd_pool hello workers=3 stall_timeout=2s hello.idle_timeout=20s
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	sleep 4		# what is tested: twice stall_timeout with a silent client
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	assert_equal "$(jqs '.pool.stalls')" 0
	! grep -q 'has not come back' "$LOG"
}
