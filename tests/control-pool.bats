#!/usr/bin/env bats
# The pool through netctl: a slot whose worker keeps dying backs off
# (0.1s, 0.2s, 0.4s, ...) while the others, and one started in its place,
# serve; scale up and down, status
# and ps agreeing, and shrinking never kills a busy worker.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

nworkers() {
	ps -o pid= --ppid "$NETD_PID" | wc -l
}

slot_field() {
	jqs ".workers[] | select(.slot == $1) | .$2"
}

@test "crash backoff: a slot killed on every respawn waits 0.1s, 0.2s, 0.4s... while another serves in its place" {
	netd_pool hello workers=3 max_workers=8
	PORT=$(port_of tcp hello)
	others=$(jqs '[.workers[] | select(.slot == 0 or .slot == 2) | .pid] | join(" ")')
	kills=7
	expect_worker_signal KILL
	for ((k = 1; k <= kills; k++)); do
		# Once it serves: it dies as a request would kill it.
		wait_eq 60 idle slot_field 1 state
		pid=$(slot_pid 1)
		[[ "$pid" =~ ^[0-9]+$ ]]
		kill -KILL "$pid"
		((k == kills)) && break
		# As soon as it is back, again.
		wait_until 60 respawned 1 "$pid"
	done
	# The last delay is 6.4s: status shows the slot in backoff.
	doc="$BATS_TEST_TMPDIR/status.json"
	wait_until 20 eval 'ctl --json status >"$doc" &&
	    jq -e ".workers[] | select(.slot == 1) | .state == \"backoff\"" "$doc"'
	output=$(cat "$doc")
	w=$(jq -c '.workers[] | select(.slot == 1)' <<<"$output")
	assert_equal "$(jq -c '[.pid, .state, .last_exit, .failures]' <<<"$w")" \
	    "[null,\"backoff\",\"killed by signal 9 (Killed)\",$kills]"
	jq -e '.retry_in > 0 and .retry_in <= 6.4' <<<"$w" >/dev/null ||
	    fail "retry_in is $(jq .retry_in <<<"$w"), the backoff is 6.4s"
	# Another slot serves in its place meanwhile: three serve.
	wait_eq 20 '[1,3,3]' jqs '.pool | [.backoff, .idle, .target] | tojson'
	human="$BATS_TEST_TMPDIR/status.txt"
	wait_until 20 eval 'ctl status >"$human" && grep -q "backoff  " "$human"'
	run cat "$human"
	assert_line --regexp "^ +1 +- +1 +backoff +- +- +- +- +- +- +- +- +- +killed by signal 9 \(Killed\); failures $kills; retry in [0-9.]+s$"
	assert_line --regexp "Pool: .* 1 backoff$"
	# Meanwhile the other workers serve, untouched.
	run hello load 127.0.0.1 "$PORT" 20 2
	assert_success
	assert_output --regexp '^sessions=20 failures=0 '
	assert_equal "$(jqs '[.workers[] | select(.slot == 0 or .slot == 2) | .pid] | join(" ")')" "$others"
	# The delays doubled, one log line per death: no fork storm.
	grep -Eq "worker 1 \(pid [0-9]+, generation 1\) killed by signal 9 \(Killed\) after [0-9]+\.[0-9]s; idle; respawning in 0\.1s$" "$LOG"
	delay=0.1
	for ((k = 2; k <= kills; k++)); do
		delay=$(awk -v d="$delay" 'BEGIN { printf "%.1f", d * 2 }')
		grep -Eq "worker 1 \(pid [0-9]+, generation 1\) killed by signal 9 \(Killed\) after [0-9]+ms \($k times in a row\); idle; respawning in ${delay}s$" "$LOG" ||
		    fail "no log line for death $k with a ${delay}s delay"
	done
	assert_equal "$(grep -Ec 'worker 1 \(pid [0-9]+, generation 1\) killed by signal 9' "$LOG")" "$kills"
	# And then it comes back.
	wait_eq 30 idle slot_field 1 state
	wait_eq 20 3 nworkers
}

@test "scale up and down: status and ps agree" {
	netd_pool hello workers=2 max_workers=8
	PORT=$(port_of tcp hello)
	run ctl scale 5
	assert_success
	assert_output "pool size 2 -> 5"
	wait_eq 20 "5 5" jqs '"\(.pool.target) \(.pool.idle)"'
	wait_eq 20 5 nworkers
	assert_equal "$(jqs '[.workers[].pid] | sort | join(" ")')" \
	    "$(ps -o pid= --ppid "$NETD_PID" | sort | tr -d ' ' | paste -sd ' ')"
	wait_eq 20 5 eval "ps -o args= --ppid $NETD_PID | grep -c '^netd: worker [0-9] idle\$'"
	assert_equal "$(ps -o args= -p "$NETD_PID")" "netd: master -c $(realpath "$CONF") (5 workers)"
	run ctl scale -3
	assert_success
	assert_output "pool size 5 -> 2"
	wait_eq 20 "2 2" jqs '"\(.pool.target) \(.pool.total)"'
	wait_eq 20 2 nworkers
	assert_equal "$(jqs '[.workers[].pid] | sort | join(" ")')" \
	    "$(ps -o pid= --ppid "$NETD_PID" | sort | tr -d ' ' | paste -sd ' ')"
	wait_eq 20 "netd: master -c $(realpath "$CONF") (2 workers)" ps -o args= -p "$NETD_PID"
	run hello load 127.0.0.1 "$PORT" 10 2
	assert_success
}

@test "scale 1 never kills a busy worker: the held session survives" {
	netd_pool hello workers=4 max_workers=8
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	wait_eq 20 1 jqs '.pool.busy'
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	run ctl scale 1
	assert_success
	assert_output "pool size 4 -> 1"
	# The idle ones go; the busy one stays, and is the one worker.
	wait_eq 30 1 nworkers
	assert_equal "$(ps -o pid= --ppid "$NETD_PID" | tr -d ' ')" "$busy"
	assert_equal "$(jqs '[.workers[] | "\(.pid) \(.state)"] | join(",")')" "$busy busy"
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	wait_eq 20 "1 1 1" jqs '"\(.pool.target) \(.pool.total) \(.pool.idle)"'
	assert_equal "$(slot_pid "$(jqs '.workers[0].slot')")" "$busy"
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_output --partial "Hello, Michael!"
}

@test "a scaled pool keeps its size until a reload sets it back to workers" {
	netd_pool hello workers=2 max_workers=8
	run ctl scale 4
	assert_success
	wait_eq 20 "4 4" jqs '"\(.pool.target) \(.pool.idle)"'
	# Workers that die are replaced up to the scaled size.
	old=$(slot_pid 3)
	expect_worker_signal KILL
	kill -KILL "$old"
	wait_until 30 respawned 3 "$old"
	wait_eq 30 "4 4" jqs '"\(.pool.target) \(.pool.idle)"'
	run ctl reload
	assert_success
	wait_eq 30 "2 2 2" jqs '"\(.pool.target) \(.pool.total) \([.workers[] | select(.generation == 2)] | length)"'
}
