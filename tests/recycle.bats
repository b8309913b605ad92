#!/usr/bin/env bats
# Recycling: a worker leaves after its max_requests, max_age or max_rss
# (each plus a random part of its jitter), gracefully: it stops taking
# clients, finishes the ones it has within shutdown_timeout, and the
# master starts its replacement first, so the pool never serves with
# less.  The reason is in the log and in status (the slot's "recycle",
# the pool's "recycled" counters).

load helpers/netd

teardown() {
	netd_teardown
}

# The pid of the worker leaving for REASON (draining), or nothing.
recycling_pid() {
	jqs "[.workers[] | select(.recycle == \"$1\" and .state == \"draining\") | .pid][0] // empty"
}

# Some other worker is idle: the replacement serves.
replaced() {
	[[ $(jqs "[.workers[] | select(.pid != $1 and .state == \"idle\")] | length") -ge 1 ]]
}

@test "max_age: the busy worker's replacement serves while it finishes its client" {
	# The classic model: the held client fills the old worker.
	netd_pool hello workers=1 worker_connections=1 max_age=2s \
	    shutdown_timeout=60s log_level=debug
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	# The worker that holds it (workers come and go every 2s).
	old=$(jqs '[.workers[] | select(.connections == 1) | .pid][0]')
	[[ "$old" =~ ^[0-9]+$ ]]
	wait_eq 20 "$old" recycling_pid max_age
	wait_until 20 replaced "$old"
	# Capacity did not dip: a new client is served by the replacement
	# while the old worker still holds its client.
	run hello lesson 127.0.0.1 "$PORT" New
	assert_success
	assert_output --partial "Hello, New!"
	pid_gone "$old" && false
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	wait_until 20 pid_gone "$old"
	grep -Eq "info: worker [0-9]+ \(pid $old, generation 1\) recycling: max_age \(lived [0-9.]+s, max_age 2\.0s\); starting its replacement" "$LOG"
	grep -Eq "info: worker [0-9]+ \(pid $old, generation 1\) recycled \(max_age\) after [0-9.]+s" "$LOG"
	# The replacement was started before the old one was asked to leave.
	run awk -v old="$old" '
	    /recycling: max_age/ && $0 ~ "pid " old "," { r = NR }
	    r && !s && /worker [0-9]+ started/ { s = NR }
	    END { exit !(r && s) }' "$LOG"
	assert_success
	[[ $(jqs '.pool.recycled.max_age') -ge 1 ]]
	# A recycle is not a crash.
	! grep -q "respawning in" "$LOG"
}

@test "max_requests with many connections a worker: replaced while it drains" {
	netd_pool hello workers=1 worker_connections=16 max_requests=2 \
	    shutdown_timeout=60s
	PORT=$(port_of tcp hello)
	old=$(slot_pid 0)
	hold_start held "$PORT"
	for i in 1 2; do
		run hello lesson 127.0.0.1 "$PORT" "Michael$i"
		assert_success
	done
	# Its max_requests reached, it stops taking clients and finishes the
	# held one; the master has started another worker meanwhile.
	wait_eq 20 "$old" recycling_pid max_requests
	wait_until 20 replaced "$old"
	run hello lesson 127.0.0.1 "$PORT" Michael3
	assert_success
	assert_output --partial "Hello, Michael3!"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	wait_until 20 pid_gone "$old"
	grep -q "worker 0: served 2 requests (max_requests), recycling" "$LOG"
	grep -Eq "worker 0 \(pid $old, generation 1\) recycled \(max_requests\)" "$LOG"
	assert_equal "$(jqs '.pool.recycled.max_requests')" 1
	! grep -q "respawning in" "$LOG"
}

@test "max_rss: a worker above it is recycled, and the service keeps answering" {
	netd_pool hello workers=1 max_rss=1K
	PORT=$(port_of tcp hello)
	# Every worker is above 1K: each is replaced about a second after
	# it starts (so no slot or pid is waited for here).
	wait_until 30 grep -Eq "worker [0-9]+ \(pid [0-9]+, generation 1\) recycled \(max_rss\)" "$LOG"
	grep -Eq "info: worker [0-9]+ \(pid [0-9]+, generation 1\) recycling: max_rss \(resident [0-9]+K, max_rss 1K\); starting its replacement" "$LOG"
	[[ $(jqs '.pool.recycled.max_rss') -ge 1 ]]
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_success
	assert_output --partial "Hello, Michael!"
}

@test "jitter: each worker has its own limits, within key .. key + jitter" {
	netd_pool hello workers=6 max_requests=1000 max_requests_jitter=100000 \
	    max_age=1h max_age_jitter=1h max_rss=1G max_rss_jitter=1G
	run jqs '[.workers[].limits | select(.max_requests >= 1000 and .max_requests <= 101000 and .max_age >= 3600 and .max_age <= 7200 and .max_rss >= 1073741824 and .max_rss <= 2147483648)] | length'
	assert_output 6
	# Six draws alike would mean no jitter at all.
	[[ $(jqs '[.workers[].limits.max_requests] | unique | length') -gt 1 ]]
	[[ $(jqs '[.workers[].limits.max_age] | unique | length') -gt 1 ]]
	[[ $(jqs '[.workers[].limits.max_rss] | unique | length') -gt 1 ]]
	# Without the keys: no limits, nothing recycled.
	netd_stop
	netd_pool hello workers=1
	assert_equal "$(jqs '.workers[0].limits | [.max_requests, .max_age, .max_rss] | map(tostring) | join(" ")')" "null null null"
	assert_equal "$(jqs '.pool.recycled | [.max_requests, .max_age, .max_rss] | map(tostring) | join(" ")')" "0 0 0"
}

@test "netd -t: recycling keys are checked like every key" {
	netd_fixture hello max_age=soon
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "key 'max_age': 'soon' is not a duration"
	netd_fixture hello max_rss=-1
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "key 'max_rss'"
	netd_fixture hello max_requests_jitter=-5
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "key 'max_requests_jitter'"
}
