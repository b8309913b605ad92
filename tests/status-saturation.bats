#!/usr/bin/env bats
# Saturation: each TCP listener's accept queue (length, limit, peak) and
# "pool at its limit" episodes, in status, /metrics and the log.

load helpers/netd

setup() {
	# One worker, one connection at a time, and no room to grow: a
	# second client waits in the accept queue.
	netd_config <<EOF
[netd]
workers = 1
max_workers = 1
min_spare = 0
worker_connections = 1

[service hello]
type = hello
listen = tcp://127.0.0.1:0

[service http]
type = http
listen = unix:@TMP@/http.sock
EOF
}

teardown() {
	netd_teardown
}

queue() {
	jqs "[.listeners[] | select(.service == \"hello\") | .queue.$1][0]"
}

@test "accept queue: length and limit per TCP listener, a peak that stays; null for other listeners" {
	netd_start
	PORT=$(port_of tcp hello)
	assert_equal "$(queue length)" 0
	# The kernel's backlog for the listener, as ss -lnt shows it.
	assert_equal "$(queue limit)" 511
	assert_equal "$(jqs '[.listeners[] | select(.proto == "unix") | .queue][0]')" null
	hold_start a "$PORT"
	bg waiting timeout 60 python3 "$HELPERS/tcp_hold.py" 127.0.0.1 "$PORT" \
	    "$BATS_TEST_TMPDIR/waiting.go"
	wait_eq 30 1 queue length
	assert_equal "$(queue peak)" 1
	hold_release a
	bg_wait a
	wait_eq 30 0 queue length
	# The peak is what was seen: it stays.
	assert_equal "$(queue peak)" 1
	touch "$BATS_TEST_TMPDIR/waiting.go"
	bg_wait waiting
}

@test "pool at its limit: one warning per episode, a notice when it ends, counted in status and /metrics" {
	netd_start
	PORT=$(port_of tcp hello)
	assert_equal "$(jqs .pool.saturated)" false
	assert_equal "$(jqs .pool.saturations)" 0
	for episode in 1 2; do
		hold_start "h$episode" "$PORT"
		wait_eq 30 true jqs .pool.saturated
		assert_equal "$(jqs .pool.saturations)" "$episode"
		[[ "$(jqs .pool.saturated_since)" =~ ^20[0-9-]+T[0-9:]+Z$ ]]
		hold_release "h$episode"
		bg_wait "h$episode"
		wait_eq 30 false jqs .pool.saturated
	done
	assert_equal "$(grep -c 'pool at its limit: max_workers (1) reached' "$LOG")" 2
	assert_equal "$(grep -c 'pool no longer at its limit (after ' "$LOG")" 2
	assert_equal "$(jqs .pool.saturated_since)" null
	run curl -sf --unix-socket "$BATS_TEST_TMPDIR/http.sock" http://x/metrics
	assert_success
	assert_line "netd_pool_saturations_total 2"
	assert_line "netd_pool_saturated 0"
	assert_line --regexp "^netd_listener_queue_length\{listener=\"tcp://127.0.0.1:$PORT\",proto=\"tcp\",service=\"hello\"\} 0$"
	assert_line --regexp "^netd_listener_queue_limit\{listener=\"tcp://127.0.0.1:$PORT\",proto=\"tcp\",service=\"hello\"\} 511$"
	assert_line --regexp "^netd_listener_queue_peak\{listener=\"tcp://127.0.0.1:$PORT\",proto=\"tcp\",service=\"hello\"\} [01]$"
}

@test "netctl status shows the queue and the pool at its limit" {
	netd_start
	PORT=$(port_of tcp hello)
	hold_start a "$PORT"
	bg waiting timeout 60 python3 "$HELPERS/tcp_hold.py" 127.0.0.1 "$PORT" \
	    "$BATS_TEST_TMPDIR/waiting.go"
	wait_eq 30 1 queue length
	run ctl status
	assert_success
	assert_line --regexp "^ +Limit: at max_workers since 20[0-9-]+T[0-9:]+Z \(1 episode\)$"
	assert_line --regexp "^LISTENER +PROTO +SERVICE +QUEUE +PEAK +CONNS +DGRAMS +RATE +ERRORS +REFUSED +DROPPED +IN +OUT$"
	assert_line --regexp "^tcp://127.0.0.1:$PORT +tcp +hello +1/511 +1 +[0-9]+ +- +"
	hold_release a
	bg_wait a
	touch "$BATS_TEST_TMPDIR/waiting.go"
	bg_wait waiting
}
