#!/usr/bin/env bats
# netctl: every command, its human and --json output, its exit status;
# the socket found from -s, -c CONFIG or NETD_SOCKET; the protocol usable
# by hand with socat.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	netd_fixture hello-udp max_workers=8
	REAL_CONF=$(realpath "$CONF")
	VERSION=$("$NETD" -V | sed 's/^netd //')
}

teardown() {
	netd_teardown
}

# netctl run through a shell that leaves its pid in $BATS_TEST_TMPDIR/ctl.pid
# (the pid the master sees and writes in its audit line).
ctl_pid() {
	sh -c 'echo $$ >"$0"; exec "$@"' "$BATS_TEST_TMPDIR/ctl.pid" \
	    "$NETCTL" -s "$SOCK" "$@"
}

@test "ping: pong with the master's pid; --json too" {
	netd_start
	run ctl ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	run ctl --json ping
	assert_success
	assert_equal "$(jq -c '[.ok, .pong, .pid]' <<<"$output")" "[true,\"pong\",$NETD_PID]"
}

@test "version: netd's and netctl's versions, the protocol" {
	netd_start
	[[ "$VERSION" =~ ^[0-9]+\.[0-9]+ ]]
	run ctl version
	assert_success
	assert_output "netd $VERSION (control protocol 2), netctl $VERSION"
	run ctl --json version
	assert_success
	assert_equal "$(jq -c '[.ok, .version, .protocol]' <<<"$output")" "[true,\"$VERSION\",2]"
}

@test "status --json: the master's pid, generation, real listener ports, pool" {
	netd_start
	PORT=$(port_of tcp hello)
	UDP=$(port_of udp hello)
	run ctl --json status
	assert_success
	doc=$output
	jqd() { jq -r "$1" <<<"$doc"; }
	assert_equal "$(jqd '.ok')" true
	assert_equal "$(jqd '.netd.pid')" "$NETD_PID"
	assert_equal "$(jqd '.netd.version')" "$VERSION"
	assert_equal "$(jqd '.netd.state')" running
	assert_equal "$(jqd '.netd.config')" "$REAL_CONF"
	assert_equal "$(jqd '.netd.generation')" 1
	assert_equal "$(jqd '.netd.last_reload')" null
	# The ports are the ones bound (the log says so too) and they serve.
	assert_equal "$(jqd '[.listeners[] | "\(.proto) \(.address) \(.service)"] | join(",")')" \
	    "tcp tcp://127.0.0.1:$PORT hello,udp udp://127.0.0.1:$UDP hello"
	grep -q "listening on tcp://127.0.0.1:$PORT (service hello)" "$LOG"
	grep -q "listening on udp://127.0.0.1:$UDP (service hello)" "$LOG"
	[[ "$PORT" -gt 0 && "$UDP" -gt 0 ]]
	assert_equal "$(jqd '.pool | "\(.target) \(.total) \(.idle) \(.busy) \(.starting) \(.draining) \(.backoff)"')" \
	    "2 2 2 0 0 0 0"
	assert_equal "$(jqd '.pool | "\(.min_spare) \(.max_spare) \(.max_workers)"')" "0 8 8"
	# The workers are the master's children, in slots 0 and 1.
	assert_equal "$(jqd '[.workers[] | "\(.slot):\(.generation):\(.state)"] | join(" ")')" \
	    "0:1:idle 1:1:idle"
	assert_equal "$(jqd '.workers[].pid' | sort -n | tr '\n' ' ')" \
	    "$(ps -o pid= --ppid "$NETD_PID" | sort -n | tr -d ' ' | tr '\n' ' ')"
	# Counters move with traffic.
	hello lesson 127.0.0.1 "$PORT" Michael >/dev/null
	hello udp 127.0.0.1 "$UDP" Tracy >/dev/null
	wait_eq 20 "1 1 2" jqs '"\([.listeners[] | .connections // .datagrams] | join(" ")) \([.workers[].requests] | add)"'
}

@test "status: the human view, like systemctl status" {
	netd_start
	PORT=$(port_of tcp hello)
	UDP=$(port_of udp hello)
	run ctl status
	assert_success
	assert_line --index 0 "netd $VERSION - running"
	assert_line --index 1 --regexp "^     Master: pid $NETD_PID, up [0-9.]+s \(since 20[0-9-]+T[0-9:]+Z\)$"
	assert_line --index 2 "     Config: $REAL_CONF"
	assert_line --index 3 " Generation: 1"
	assert_line --index 4 "       Pool: 2 workers (target 2): 0 busy, 2 idle, 0 starting, 0 draining, 0 backoff"
	assert_line --index 5 "     Spares: 0..8 idle, at most 8 workers"
	assert_line --index 6 "      Limit: below max_workers (0 episodes)"
	assert_line --regexp "^LISTENER +PROTO +SERVICE +QUEUE +PEAK +CONNS +DGRAMS +RATE +ERRORS +REFUSED +DROPPED +IN +OUT$"
	assert_line --regexp "^tcp://127.0.0.1:$PORT +tcp +hello +0/511 +0 +0 +- +0/s +0 +0 +0 +0B +0B$"
	assert_line --regexp "^udp://127.0.0.1:$UDP +udp +hello +- +- +- +0 +0/s +0 +0 +0 +0B +0B$"
	assert_line --regexp "^SERVICE +ACTIVE +CONNS +REFUSED_BUSY$"
	assert_line --regexp "^hello +0 +0 +0$"
	assert_line --regexp "^SLOT +PID +GEN +STATE +SERVICE +PEER +FOR +REQUESTS +RATE +CPU +RSS +IN +OUT +NOTE$"
	for slot in 0 1; do
		assert_line --regexp "^ +$slot +$(slot_pid "$slot") +1 +idle +- +- +[0-9.]+s +0 +0/s +[0-9.]+s +[0-9.]+[KM]iB +0B +0B$"
	done
}

@test "config: the effective configuration, human and --json" {
	netd_start
	run ctl config
	assert_success
	assert_line --index 0 "; effective configuration of $REAL_CONF"
	assert_line "[netd]"
	assert_line "workers = 2"
	assert_line "max_workers = 8"
	assert_line "control_socket = $SOCK"
	assert_line "[service hello]"
	assert_line "type = hello"
	assert_line "listen = tcp://127.0.0.1:0 udp://127.0.0.1:0"
	assert_line "greeting = Welcome!"
	assert_line "reply = Hello, %s!"
	run ctl --json config
	assert_success
	assert_equal "$(jq -c '[.ok, .file, .netd.workers, .netd.min_spare, .services[0].name, .services[0].type, .services[0].reply, .services[0].listen]' <<<"$output")" \
	    "[true,\"$REAL_CONF\",2,0,\"hello\",\"hello\",\"Hello, %s!\",[\"tcp://127.0.0.1:0\",\"udp://127.0.0.1:0\"]]"
}

@test "reload: generation N -> N+1, exit 0; --json: from, to, changes" {
	netd_start
	PORT=$(port_of tcp hello)
	run ctl reload
	assert_success
	assert_output "$(printf 'generation 1 -> 2\n  no listener or service changes')"
	assert_equal "$(jqs '.netd.generation')" 2
	assert_equal "$(jqs '"\(.netd.last_reload.ok) \(.netd.last_reload.message) \(.netd.reloads)"')" \
	    "true generation 1 -> 2 1"
	run ctl --json reload
	assert_success
	assert_equal "$(jq -c '[.ok, .from, .to, .changes]' <<<"$output")" '[true,2,3,[]]'
	# The new generation serves, the old one is gone.
	wait_eq 30 "3 3" jqs '[.workers[].generation] | "\(min) \(max)"'
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_output --partial "Hello, Michael!"
	grep -q 'audit: uid=0 pid=[0-9]* command="reload" result=ok' "$LOG"
}

@test "reload --dry-run: what would change, nothing applied" {
	netd_start
	run ctl reload --dry-run
	assert_success
	assert_output "$(printf 'dry run: generation 1 -> 2\n  no listener or service changes')"
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads)"')" "1 0"
	run ctl --json reload --dry-run
	assert_success
	assert_equal "$(jq -c '[.ok, .dry_run, .from, .to]' <<<"$output")" '[true,true,1,2]'
	grep -q 'audit: uid=0 pid=[0-9]* command="reload --dry-run" result=ok (dry run)' "$LOG"
	run ctl reload --bogus
	assert_failure 2
}

@test "scale N, +N, -N; beyond max_workers or below 1: exit 1, nothing changes" {
	netd_start
	run ctl scale 4
	assert_success
	assert_output "pool size 2 -> 4"
	wait_eq 20 "4 4" jqs '"\(.pool.target) \(.pool.idle)"'
	run ctl scale +2
	assert_success
	assert_output "pool size 4 -> 6"
	wait_eq 20 "6 6" jqs '"\(.pool.target) \(.pool.idle)"'
	run ctl --json scale -3
	assert_success
	assert_equal "$(jq -c '[.ok, .from, .to]' <<<"$output")" '[true,6,3]'
	wait_eq 20 "3 3" jqs '"\(.pool.target) \(.pool.total)"'
	wait_eq 20 3 eval 'ps -o pid= --ppid "$NETD_PID" | wc -l'
	run ctl scale 9
	assert_failure 1
	assert_output "netctl: scale: 9 workers is outside 1..8 (max_workers)"
	run ctl scale +6
	assert_failure 1
	assert_output "netctl: scale: 9 workers is outside 1..8 (max_workers)"
	run ctl scale 0
	assert_failure 1
	run ctl scale -3
	assert_failure 1
	assert_output "netctl: scale: 0 workers is outside 1..8 (max_workers)"
	run ctl --json scale 100
	assert_failure 1
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"failed"]'
	run ctl scale many
	assert_failure 2
	assert_output "netctl: scale: 'many' is not N, +N or -N"
	run ctl scale
	assert_failure 2
	assert_equal "$(jqs '"\(.pool.target) \(.pool.total)"')" "3 3"
	# Every one audited, refused ones too.
	ctl_pid scale 2
	grep -q "audit: uid=0 pid=$(cat "$BATS_TEST_TMPDIR/ctl.pid") command=\"scale 2\" result=ok" "$LOG"
	grep -q 'audit: uid=0 pid=[0-9]* command="scale 9" result=refused' "$LOG"
}

@test "stop: fast, waits for the master to be gone, exit 0" {
	netd_start
	pids="$NETD_PID $(worker_pids | tr '\n' ' ')"
	run ctl stop
	assert_success
	assert_output "$(printf 'stopping netd (pid %d, fast)...\nstopped' "$NETD_PID")"
	# netctl returned after the master was gone (a zombie at most).
	pid_gone "$NETD_PID"
	netd_exited 30
	for pid in $pids; do
		pid_gone "$pid"
	done
	assert_equal "$(netd_procs)" ""
	grep -q 'audit: uid=0 pid=[0-9]* command="stop" result=ok' "$LOG"
	run ctl ping
	assert_failure 3
}

@test "stop --graceful: in-flight client served, then gone, exit 0" {
	netd_start
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	bg stopper "$NETCTL" -s "$SOCK" stop --graceful
	# netctl waits while the client is in.
	wait_until 20 grep -q 'command="stop --graceful" result=ok' "$LOG"
	wait_eq 20 1 eval 'ps -o pid= --ppid "$NETD_PID" | wc -l'
	[[ ! -s "$BATS_TEST_TMPDIR/stopper.rc" ]]
	hold_release held
	run bg_wait held
	assert_success
	assert_output "Hello, Held!"
	run bg_wait stopper
	assert_success
	assert_output "$(printf 'stopping netd (pid %d, graceful)...\nstopped' "$NETD_PID")"
	netd_exited 30
	assert_equal "$(netd_procs)" ""
}

@test "reopen: exit 0, says what it did, audited" {
	netd_start
	run ctl reopen
	assert_success
	assert_output "logs go to stderr; nothing to reopen"
	grep -q 'audit: uid=0 pid=[0-9]* command="reopen" result=ok' "$LOG"
}

@test "usage errors: unknown command, no command, extra arguments: exit 2" {
	netd_start
	run ctl frobnicate
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'frobnicate'"
	assert_line --index 1 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARGS]"
	run "$NETCTL"
	assert_failure 2
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARGS]"
	run ctl ping extra
	assert_failure 2
	assert_output "netctl: ping takes no arguments"
	run ctl --bogus status
	assert_failure 2
	run ctl status --watch 0
	assert_failure 2
	run "$NETCTL" -s "/tmp/$(printf 'x%.0s' {1..120})" ping
	assert_failure 2
	assert_output --regexp "^netctl: socket path too long: /tmp/x+$"
	# -h is not an error.
	run "$NETCTL" -h
	assert_success
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARGS]"
	for cmd in status ping version config reload scale stop reopen; do
		assert_line --regexp "^  $cmd "
	done
	assert_line "exit status: 0 ok, 1 failed, 2 usage, 3 not running, 4 permission denied"
}

@test "not running: no socket, or a stale socket nobody listens on: exit 3" {
	run ctl status
	assert_failure 3
	assert_output "netctl: netd is not running (no socket at $SOCK)"
	run "$NETCTL" -c "$CONF" ping
	assert_failure 3
	assert_output "netctl: netd is not running (no socket at $SOCK)"
	# A socket file left by a process that is gone.
	python3 "$HELPERS/unix_socket_file.py" "$SOCK"
	[[ -S "$SOCK" ]]
	run ctl ping
	assert_failure 3
	assert_output "netctl: netd is not running (nothing listens on $SOCK)"
	run ctl --json stop
	assert_failure 3
}

@test "the socket from -c CONFIG, NETD_SOCKET, -s (in that order of strength)" {
	netd_start
	run "$NETCTL" -c "$CONF" ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	NETD_SOCKET=$SOCK run "$NETCTL" ping
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	NETD_SOCKET=/nonexistent/sock run "$NETCTL" -s "$SOCK" ping
	assert_success
	NETD_SOCKET=/nonexistent/sock run "$NETCTL" -c "$CONF" ping
	assert_success
	# A config with errors: say so, exit 1.
	printf '[netd]\nworkers = lots\n' >"$BATS_TEST_TMPDIR/bad.ini"
	run "$NETCTL" -c "$BATS_TEST_TMPDIR/bad.ini" ping
	assert_failure 1
	assert_output --partial "bad.ini:2: key 'workers'"
}

@test "by hand: socat - UNIX-CONNECT:SOCK <<< status; unknown command: ok:false" {
	netd_start
	run timeout 20 socat - "UNIX-CONNECT:$SOCK" <<<status
	assert_success
	assert_equal "$(jq -c '[.ok, .netd.pid, .netd.generation]' <<<"$output")" "[true,$NETD_PID,1]"
	run timeout 20 socat - "UNIX-CONNECT:$SOCK" <<<frobnicate
	assert_success
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "unknown command 'frobnicate' (ping, version, status, config, reload, scale, stop, reopen, watch, upgrade)"
	# An empty line and a NUL in the request are errors too, not drops.
	run timeout 20 socat - "UNIX-CONNECT:$SOCK" <<<""
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	run timeout 20 bash -c "printf 'sta\0tus\n' | socat - 'UNIX-CONNECT:$SOCK'"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	# CRLF from a telnet-like client is fine.
	run timeout 20 bash -c "printf 'ping\r\n' | socat - 'UNIX-CONNECT:$SOCK'"
	assert_equal "$(jq -c '[.ok, .pid]' <<<"$output")" "[true,$NETD_PID]"
	netd_alive
}

@test "status shows a busy worker with the client's own address and port" {
	netd_start
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	srcport=$(hold_port held)
	wait_eq 20 1 jqs '.pool.busy'
	run ctl --json status
	assert_equal "$(jq -c '[.workers[] | select(.state == "busy") | .service, .peer]' <<<"$output")" \
	    "[\"hello\",\"127.0.0.1:$srcport\"]"
	slot=$(jq '.workers[] | select(.state == "busy") | .slot' <<<"$output")
	run ctl status
	assert_line --regexp "^ +$slot +[0-9]+ +1 +busy +hello +127\.0\.0\.1:$srcport +[0-9.]+s +0 "
	assert_line --index 4 "       Pool: 2 workers (target 2): 1 busy, 1 idle, 0 starting, 0 draining, 0 backoff"
	hold_release held
	run bg_wait held
	assert_success
	wait_eq 20 "0 null" jqs '"\(.pool.busy) \([.workers[] | select(.slot == '"$slot"') | .peer][0])"'
}

@test "status --watch 0.2 redraws until stopped" {
	netd_start
	# On a terminal (script(1) gives it one).
	run timeout 2 script -qefc "$NETCTL -s $SOCK status --watch 0.2" /dev/null
	# Stopped by timeout (124): it was still redrawing.
	assert_failure 124
	n=$(grep -c "^     Master: pid $NETD_PID" <<<"$output")
	((n >= 2)) || fail "drew the status $n times in 2s"
	assert_output --partial ", every 0.2s; Ctrl-C to quit"
	# It clears the screen between draws.
	[[ "$(grep -c $'\033\[H\033\[2J' <<<"$output")" -ge 2 ]]
}

@test "man/netctl.8: lint clean, one entry per command, the same exit statuses" {
	man="$BATS_TEST_DIRNAME/../man/netctl.8"
	run mandoc -Tlint -Wwarning "$man"
	assert_success
	assert_output ""
	# The commands netctl knows (its usage) are the ones documented.
	run "$NETCTL" -h
	# (a synopsis too long for its column has its help on the next line,
	# which starts with spaces, not a name)
	usage_cmds=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' <<<"$output" | sort | tr '\n' ' ')
	# (the commands are DESCRIPTION's list; STATUS FIELDS has its own)
	man_cmds=$(sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$man" |
	    sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' | sort | tr '\n' ' ')
	assert_equal "$man_cmds" "$usage_cmds"
	# EXIT STATUS lists 0 to 4.
	assert_equal "$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$man" | sed -n 's/^\.It \([0-9]\)$/\1/p' | tr '\n' ' ')" "0 1 2 3 4 "
	for word in NETD_SOCKET /run/netd/netd.sock; do
		grep -q "$word" "$man"
	done
}

@test "while stopping gracefully: status says so, and still answers" {
	netd_start
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	kill -QUIT "$NETD_PID"
	wait_eq 20 stopping jqs '.netd.state'
	run ctl status
	assert_line --index 0 "netd $VERSION - stopping"
	run ctl ping
	assert_success
	hold_release held
	run bg_wait held
	assert_success
	netd_exited 30
}

@test "while stopping: reload and scale are refused, saying netd is stopping" {
	netd_start
	PORT=$(port_of tcp hello)
	hold_start held "$PORT"
	kill -QUIT "$NETD_PID"
	wait_eq 20 stopping jqs '.netd.state'
	run ctl reload
	assert_failure 1
	assert_output --partial "stopping"
	refute_output --partial "configuration has errors"
	run ctl scale 5
	assert_failure 1
	assert_output --partial "stopping"
	hold_release held
	run bg_wait held
	netd_exited 30
}
