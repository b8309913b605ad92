#!/usr/bin/env bats
# Rates, CPU and memory: per-second rates from two samples in the status
# document, netctl status and the page; each worker's CPU time and
# resident memory and the master's process_* figures, read by the master
# from /proc, in status and /metrics.

load helpers/netd

setup() {
	netd_fixture hello-http-unix
}

teardown() {
	netd_teardown
}

metrics() {
	curl -sf --unix-socket "$BATS_TEST_TMPDIR/http.sock" http://x/metrics
}

# The value of a sample: metric NAME (with its labels, as written).
sample() {
	metrics | awk -v n="$1" '$1 == n { print $2 }'
}

@test "rates: requests, connections and bytes a second while traffic flows; back to 0 after" {
	netd_start
	PORT=$(port_of tcp hello)
	bg load hello loop 127.0.0.1 "$PORT" 1 "$BATS_TEST_TMPDIR/stop" \
	    "$BATS_TEST_TMPDIR/progress"
	wait_eq 30 true jqs '.pool.per_second.requests > 5'
	assert_equal "$(jqs '.pool.per_second.bytes_in > 0 and .pool.per_second.bytes_out > 0')" true
	assert_equal "$(jqs '[.listeners[] | select(.proto == "tcp") | .per_second.connections][0] > 5')" true
	assert_equal "$(jqs '[.workers[].per_second.requests] | add > 5')" true
	run ctl status
	assert_success
	assert_line --regexp "^    Traffic: requests [1-9][0-9.]*k?/s, in [0-9.]+K?i?B/s, out [0-9.]+K?i?B/s$"
	assert_line --regexp "^tcp://127.0.0.1:$PORT +tcp +hello +[0-9]+/511 +[0-9]+ +[0-9]+ +- +[1-9][0-9.]*k?/s "
	run curl -sf --unix-socket "$BATS_TEST_TMPDIR/http.sock" http://x/
	assert_success
	assert_output --regexp "<td id=\"traffic\">requests [1-9][0-9.]*k?/s, in "
	touch "$BATS_TEST_TMPDIR/stop"
	bg_wait load
	wait_eq 30 0 jqs .pool.per_second.requests
	assert_equal "$(jqs '[.listeners[] | select(.proto == "tcp") | .per_second.connections][0]')" 0
}

# The master's RSS of worker PID within a factor of 2 of what ps says.
rss_agrees() {
	local rss kib
	rss=$(jqs ".workers[] | select(.pid == $1) | .rss_bytes")
	kib=$(ps -o rss= -p "$1" | tr -d ' ')
	[[ $rss =~ ^[0-9]+$ && $kib =~ ^[0-9]+$ ]] &&
	    (( rss / 1024 > kib / 2 && rss / 1024 < kib * 2 ))
}

@test "per worker: CPU time and resident memory as /proc says, for the master's own children" {
	netd_start
	hello load 127.0.0.1 "$(port_of tcp hello)" 400 4 >/dev/null
	wait_eq 30 true jqs '[.workers[] | .rss_bytes != null] | all'
	for pid in $(worker_pids); do
		# ps says KiB now; the master's figure is of its last look (once
		# a second), maybe from before the load: the next look agrees.
		wait_until 10 rss_agrees "$pid"
		[[ "$(jqs ".workers[] | select(.pid == $pid) | .cpu_seconds | type")" == number ]]
		[[ "$(jqs ".workers[] | select(.pid == $pid) | .cpu_percent | type")" == number ]]
	done
	# The master's ticks: utime + stime of the workers, as /proc has them.
	wait_eq 30 true jqs '[.workers[].cpu_seconds] | add > 0'
	run ctl status
	assert_success
	for slot in 0 1; do
		assert_line --regexp "^ +$slot +[0-9]+ +1 +idle +- +- +[0-9.ms]+ +[0-9]+ +[0-9.]+k?/s +[0-9.]+s +[0-9.]+[KM]iB +"
	done
	assert_equal "$(metrics | grep -c '^netd_worker_resident_memory_bytes{slot="[01]"} [1-9][0-9]*$')" 2
	assert_equal "$(metrics | grep -c '^netd_worker_cpu_seconds_total{slot="[01]"} [0-9.]*$')" 2
	assert_equal "$(metrics | grep -c '^netd_worker_requests_total{slot="[01]"} [0-9]*$')" 2
}

@test "/metrics: the master's process_* families, as /proc says" {
	netd_start
	metrics >"$BATS_TEST_TMPDIR/m"
	run python3 "$HELPERS/metrics_check.py" <"$BATS_TEST_TMPDIR/m"
	assert_success
	for f in process_cpu_seconds_total process_resident_memory_bytes \
	    process_virtual_memory_bytes process_open_fds process_max_fds \
	    process_start_time_seconds; do
		grep -q "^# TYPE $f " "$BATS_TEST_TMPDIR/m" || fail "no $f"
	done
	val() { awk -v n="$1" '$1 == n { print $2 }' "$BATS_TEST_TMPDIR/m"; }
	assert_equal "$(val process_max_fds)" \
	    "$(awk '/^Max open files/ { print $4 }' "/proc/$NETD_PID/limits")"
	fds=$(ls "/proc/$NETD_PID/fd" | wc -l)
	(( $(val process_open_fds) >= fds - 2 && $(val process_open_fds) <= fds + 2 ))
	kib=$(ps -o rss= -p "$NETD_PID" | tr -d ' ')
	rss=$(val process_resident_memory_bytes)
	(( rss / 1024 > kib / 2 && rss / 1024 < kib * 2 ))
	(( $(val process_virtual_memory_bytes) > rss ))
	# Started when ps says, to the second.
	start=$(date -d "$(ps -o lstart= -p "$NETD_PID")" +%s)
	t=$(val process_start_time_seconds)
	(( ${t%.*} >= start - 2 && ${t%.*} <= start + 2 ))
	[[ "$(val process_cpu_seconds_total)" =~ ^[0-9]+(\.[0-9]+)?$ ]]
	assert_equal "$(jqs .netd.process.open_fds | grep -c '^[0-9]')" 1
}
