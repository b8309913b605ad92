#!/usr/bin/env bats
# netctl reload: refused configs change nothing; --dry-run applies
# nothing; listeners added, kept and removed; old workers drain and are
# terminated at shutdown_timeout; and a client loop sees no failed session
# across 20 reloads.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

line_of() {
	grep -n "$1" "$CONF" | head -1 | cut -d: -f1
}

# Workers of generations before N still running?
old_gone() {
	[[ "$(jqs "[.workers[] | select(.generation < $1)] | length")" == 0 ]]
}

@test "reload with a bad config: exit 1, every error with file:line, nothing changes" {
	netd_pool reload-before
	conf=$(realpath "$CONF")
	port=$(port_of tcp hello)
	pids=$(worker_pids | sort | tr '\n' ' ')
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	colour = blue
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	reply = Hi there, %s.
	max_line = lots
	EOF
	run ctl reload
	assert_failure 1
	assert_line --index 0 "netctl: reload refused: the configuration has errors; nothing changed"
	assert_line --index 1 "$conf:$(line_of colour): key 'colour': unknown key in [netd]"
	assert_line --index 2 --regexp "^$conf:$(line_of max_line): key 'max_line': 'lots' is not a size"
	assert_equal "${#lines[@]}" 3
	# Nothing changed: generation, workers, listeners, the reply.
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads) \(.netd.reload_failures)"')" "1 0 1"
	assert_equal "$(jqs '.netd.last_reload.ok')" false
	assert_equal "$(jqs '.netd.last_reload.message')" \
	    "refused: $conf:$(line_of colour): key 'colour': unknown key in [netd]"
	assert_equal "$(worker_pids | sort | tr '\n' ' ')" "$pids"
	assert_equal "$(jqs '[.listeners[].service] | join(" ")')" "hello old"
	run hello lesson 127.0.0.1 "$port" Michael
	assert_output --partial "Hello, Michael!"
	run ctl status
	assert_line --index 3 --regexp "^ Generation: 1 \(last reload .*: FAILED, refused: $conf:$(line_of colour): key 'colour'"
	grep -q "reload refused: configuration has errors; still serving generation 1" "$LOG"
	grep -q "audit: uid=0 pid=[0-9]* command=\"reload\" result=refused" "$LOG"
	run ctl --json reload
	assert_failure 1
	assert_equal "$(jq -c '[.ok, .code, .generation, (.errors | length)]' <<<"$output")" '[false,"failed",1,2]'
	# Fixed, it goes through.
	netd_fixture reload-before
	run ctl reload
	assert_success
	assert_line --index 0 "generation 1 -> 2"
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.last_reload.ok)"')" "2 true"
}

@test "reload with a listener that cannot bind: refused, old listeners kept" {
	netd_pool reload-before
	conf=$(realpath "$CONF")
	bg busy python3 "$HELPERS/tcp_port_holder.py" 300
	wait_until 20 test -s "$BATS_TEST_TMPDIR/busy.out"
	taken=$(cat "$BATS_TEST_TMPDIR/busy.out")
	ports=$(jqs '[.listeners[].port] | join(" ")')
	# hello's listen line gets a second address, one already in use.
	sed -i "0,/^listen = /s|^listen = .*|listen = tcp://127.0.0.1:0 tcp://127.0.0.1:$taken|" "$CONF"
	run ctl reload
	assert_failure 1
	assert_line --index 1 --regexp "^$conf:[0-9]+: key 'listen': cannot listen on tcp://127.0.0.1:$taken: .*Address already in use"
	assert_equal "$(jqs '[.listeners[].port] | join(" ")')" "$ports"
	assert_equal "$(jqs '.netd.generation')" 1
	run hello lesson 127.0.0.1 "${ports%% *}" Michael
	assert_output --partial "Hello, Michael!"
}

@test "reload --dry-run: reports 'would open ...' and applies nothing" {
	netd_pool reload-before
	oldport=$(port_of tcp old)
	port=$(port_of tcp hello)
	pids=$(worker_pids | sort | tr '\n' ' ')
	netd_fixture reload-after
	run ctl reload --dry-run
	assert_success
	assert_line --index 0 "dry run: generation 1 -> 2"
	assert_line "  would open tcp://127.0.0.3:0 (service two)"
	assert_line "  would close tcp://127.0.0.2:$oldport"
	assert_line "  service hello changed (reply)"
	assert_line "  service two added"
	assert_line "  service old removed"
	assert_equal "${#lines[@]}" 6
	# Nothing applied.
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads)"')" "1 0"
	assert_equal "$(jqs '[.listeners[] | "\(.service):\(.port)"] | join(" ")')" \
	    "hello:$port old:$oldport"
	assert_equal "$(grep -c 'listening on' "$LOG")" 2
	assert_equal "$(worker_pids | sort | tr '\n' ' ')" "$pids"
	run hello lesson 127.0.0.1 "$port" Michael
	assert_output --partial "Hello, Michael!"
	run hello lesson 127.0.0.2 "$oldport" Tracy
	assert_output --partial "Old here."
}

@test "reload: a listener added, one removed, reply changed; generation 1 -> 2" {
	netd_pool reload-before
	oldport=$(port_of tcp old)
	port=$(port_of tcp hello)
	netd_fixture reload-after
	run ctl reload
	assert_success
	newport=$(port_of tcp two)
	[[ "$newport" =~ ^[0-9]+$ ]]
	assert_line --index 0 "generation 1 -> 2"
	assert_line "  opened tcp://127.0.0.3:$newport (service two)"
	assert_line "  closed tcp://127.0.0.2:$oldport"
	assert_line "  service hello changed (reply)"
	assert_line "  service two added"
	assert_line "  service old removed"
	assert_equal "${#lines[@]}" 6
	# The kept listener kept its port; new connections get the new reply.
	assert_equal "$(port_of tcp hello)" "$port"
	for i in 1 2 3 4 5; do
		run hello lesson 127.0.0.1 "$port" Michael Tracy
		assert_success
		assert_output "$(printf 'Welcome!\n\nHi there, Michael.\nHi there, Tracy.')"
	done
	run hello lesson 127.0.0.3 "$newport" Sarah
	assert_success
	assert_output "$(printf 'Two here.\n\nHello, Sarah!')"
	# The removed one refuses once the old workers are gone.
	wait_until 30 old_gone 2
	wait_until 30 python3 "$HELPERS/tcp_refused.py" 127.0.0.2 "$oldport"
	assert_equal "$(jqs '[.listeners[].service] | join(" ")')" "hello two"
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads)"')" "2 1"
}

@test "a draining worker shows in status and is terminated at shutdown_timeout" {
	# Long enough for both status views to see it drain on busy cores.
	st=6
	netd_pool reload-before shutdown_timeout=${st}s
	port=$(port_of tcp hello)
	hold_start held "$port"
	wait_eq 20 1 jqs '.pool.busy'
	busy=$(jqs '.workers[] | select(.state == "busy") | .pid')
	slot=$(jqs '.workers[] | select(.state == "busy") | .slot')
	t0=$(date +%s%N)
	run ctl reload
	assert_success
	# Status: the held worker drains, generation 1, with its deadline.
	run ctl --json status
	w=$(jq -c ".workers[] | select(.pid == $busy)" <<<"$output")
	assert_equal "$(jq -c '[.slot, .state, .generation, .peer]' <<<"$w")" \
	    "[$slot,\"draining\",1,\"127.0.0.1:$(hold_port held)\"]"
	# The deadline (whole seconds) is the reload's time plus $st s, and the
	# reload happened between t0 and now.
	deadline=$(date -d "$(jq -r '.deadline' <<<"$w")" +%s)
	now=$(date +%s)
	((deadline >= t0 / 1000000000 + st && deadline <= now + st)) ||
	    fail "deadline $(jq -r '.deadline' <<<"$w") is not shutdown_timeout after the reload"
	assert_equal "$(jq '.pool.draining' <<<"$output")" 1
	assert_equal "$(jq '[.workers[] | select(.generation == 2 and .state == "idle")] | length' <<<"$output")" 2
	run ctl status
	assert_line --regexp "^ +$slot +$busy +1 +draining +hello +127\.0\.0\.1:[0-9]+ .*until 20[0-9-]+T[0-9:]+Z$"
	assert_line --regexp "Pool: 2 workers \(target 2\): 0 busy, 2 idle, 0 starting, 1 draining, 0 backoff"
	# Terminated at the deadline, not before.
	wait_until 30 pid_gone "$busy"
	ms=$((($(date +%s%N) - t0) / 1000000))
	((ms >= st * 1000)) || fail "terminated after ${ms}ms, shutdown_timeout is ${st}s"
	grep -q "worker $slot (pid $busy, generation 1) still busy after shutdown_timeout (${st}000ms): terminating" "$LOG"
	wait_eq 20 0 jqs '.pool.draining'
	hold_release held
	run bg_wait held
	assert_failure
}

@test "reload under load: 2000+ sessions across 20 reloads, zero failed" {
	netd_pool hello workers=4
	port=$(port_of tcp hello)
	loop_start "$port" 2000
	gone_ms=()
	reload_ms=()
	for ((i = 1; i <= 20; i++)); do
		# Spread the reloads over the sessions: one every 100.
		loop_reached $((i * 100))
		t0=$(date +%s%N)
		run ctl reload
		t1=$(date +%s%N)
		assert_success
		assert_line --index 0 "generation $i -> $((i + 1))"
		wait_until 60 old_gone $((i + 1))
		t2=$(date +%s%N)
		reload_ms+=($(((t1 - t0) / 1000000)))
		gone_ms+=($(((t2 - t0) / 1000000)))
	done
	loop_stop
	run bg_wait loop 300
	echo "# reload under load: $output" >&3
	echo "# 20 reloads: netctl reload took ms: ${reload_ms[*]}" >&3
	echo "# reload to all old workers gone, ms: ${gone_ms[*]}" >&3
	assert_success
	sessions=$(sed -n 's/^sessions=\([0-9]*\) .*/\1/p' <<<"$output")
	failures=$(sed -n 's/.* failures=\([0-9]*\) .*/\1/p' <<<"$output")
	assert_equal "$failures" 0
	((sessions >= 2000))
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads) \(.netd.reload_failures)"')" "21 20 0"
	# Every session ended well in the log too.
	wait_eq 30 "$sessions" grep -c "access service=hello proto=tcp .* result=ok" "$LOG"
	assert_equal "$(grep -c "access service=hello proto=tcp" "$LOG")" "$sessions"
}

@test "reload: a removed service's port-0 listener is not handed to an added one" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	[service old]
	type = hello
	greeting = Old here.
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	oldport=$(port_of tcp old)
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	[service two]
	type = hello
	greeting = Two here.
	listen = tcp://127.0.0.1:0
	EOF
	run ctl reload
	assert_success
	newport=$(port_of tcp two)
	assert_line "  opened tcp://127.0.0.1:$newport (service two)"
	assert_line "  closed tcp://127.0.0.1:$oldport"
	assert_not_equal "$newport" "$oldport"
	wait_until 30 old_gone 2
	wait_until 30 python3 "$HELPERS/tcp_refused.py" 127.0.0.1 "$oldport"
}

@test "reload under load while another service's listener comes and goes" {
	with_extra() {
		netd_config <<-EOF
		[netd]
		workers = 3
		min_spare = 0
		[service hello]
		type = hello
		listen = tcp://127.0.0.1:0
		$(if (($1)); then printf '[service extra]\ntype = hello\nlisten = tcp://127.0.0.2:0 udp://127.0.0.2:0\n'; fi)
		EOF
	}
	with_extra 0
	netd_start
	port=$(port_of tcp hello)
	loop_start "$port" 1000
	for ((i = 1; i <= 10; i++)); do
		loop_reached $((i * 100))
		with_extra $((i % 2))
		run ctl reload
		assert_success
		if ((i % 2)); then
			assert_line "  service extra added"
			assert_line --regexp "^  opened tcp://127\.0\.0\.2:[0-9]+ \(service extra\)$"
		else
			assert_line "  service extra removed"
			assert_line --regexp "^  closed udp://127\.0\.0\.2:[0-9]+$"
		fi
		# The kept listener keeps its port.
		assert_equal "$(port_of tcp hello)" "$port"
	done
	loop_stop
	run bg_wait loop 300
	echo "# reload under load, listeners coming and going: $output" >&3
	assert_success
	assert_output --regexp '^sessions=[0-9]+ failures=0 '
}
