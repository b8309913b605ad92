#!/usr/bin/env bats
# Starting and checking: the pid file names the netd that serves and no
# other, `netd -d` says how the start went, `netd -t` refuses what could
# not start, every reason for not starting is an error (also for
# journald), and a config "file" that is not one is refused at once.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	local rc=0
	netd_teardown || rc=$?
	if [[ -n "${DETACHED_PID:-}" ]]; then
		kill -KILL "$DETACHED_PID" 2>/dev/null || true
		pkill -KILL -P "$DETACHED_PID" 2>/dev/null || true
	fi
	return "$rc"
}

# A hello config with extra [netd] lines ($@).
hello_config() {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	$(printf '%s\n' "$@")
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
}

# netd -t on the text of stdin: $F is the file, output in $output.
check() {
	F="$T/check.ini"
	cat >"$F"
	run timeout 20 "$NETD" -t -c "$F"
}

# netd -d; not through `run`, which would hand the daemon its pipe.
# Exit status in $rc, stderr in $T/d.err.
detached() {
	rc=0
	timeout 60 "$NETD" -d "$@" 2>"$T/d.err" 3>&- || rc=$?
	cat "$T/d.err"
}

@test "a second netd with the same config fails and leaves the pid file alone" {
	hello_config "pid_file = $T/netd.pid"
	netd_start
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
	run timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "another netd is running there"
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
	netd_stop
	[[ ! -e "$T/netd.pid" ]]
}

@test "a pid file naming a live netd refuses the start" {
	hello_config "pid_file = $T/netd.pid"
	netd_start
	# Its own control socket, the same pid file.
	sed "s|^control_socket = .*|control_socket = $T/other.sock|" "$CONF" \
	    >"$T/other.ini"
	run timeout 20 "$NETD" -c "$T/other.ini"
	assert_failure 1
	assert_output --partial "pid file $T/netd.pid: another netd (pid $NETD_PID) is running"
	grep -F "another netd (pid $NETD_PID)" <<<"$output" | grep -q ": err: "
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
	[[ ! -e "$T/other.sock" ]]
}

@test "a stale pid file (a dead pid, or a process that is not netd) is replaced" {
	sleep 300 &
	other=$!
	echo "$other" >"$T/netd.pid"
	hello_config "pid_file = $T/netd.pid"
	netd_start
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
	netd_stop
	kill "$other"
	wait "$other" || true
	# Now a pid nobody has.
	echo "$other" >"$T/netd.pid"
	netd_start
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
}

@test "-d returns once netd serves: workers ready, pid file written" {
	hello_config "pid_file = $T/netd.pid"
	detached -c "$CONF"
	assert_equal "$rc" 0
	DETACHED_PID=$(cat "$T/netd.pid")
	# No waiting: it serves already.
	run ctl --json status
	assert_success
	assert_equal "$(jq -c '[.pool.total, .pool.starting, .pool.failed]' <<<"$output")" "[2,0,0]"
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	assert_success
	assert_output --partial "Hello, Michael!"
	run ctl --json ping
	assert_equal "$(jq .pid <<<"$output")" "$DETACHED_PID"
	kill -TERM "$DETACHED_PID"
	wait_until 20 pid_gone "$DETACHED_PID"
	[[ ! -e "$T/netd.pid" ]]
}

@test "-d reports a start that fails: exit 1, with the reason" {
	hello_config "pid_file = $T/netd.pid"
	netd_start
	sed "s|^pid_file = .*|pid_file = $T/other.pid|" "$CONF" >"$T/other.ini"
	detached -c "$T/other.ini" >/dev/null
	assert_equal "$rc" 1
	run cat "$T/d.err"
	assert_line --partial "netd: not started: control socket $SOCK: another netd is running there"
	[[ ! -e "$T/other.pid" ]]
	# A config error, too.
	printf '[netd]\nworkers = lots\n' >"$T/bad.ini"
	detached -c "$T/bad.ini" >/dev/null
	assert_equal "$rc" 1
	run cat "$T/d.err"
	assert_line --partial "netd: not started: $T/bad.ini:2: key 'workers'"
}

@test "-t: a control_socket longer than a socket address can hold" {
	long="$T/$(printf 'x%.0s' $(seq 1 120)).sock"
	check <<-EOF
	[netd]
	control_socket = $long
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	assert_failure 1
	assert_output --partial "$F:2: key 'control_socket': $long: longer than 107 bytes"
}

@test "-t: a unix listener in a directory that does not exist" {
	check <<-EOF
	[netd]
	control_socket = $T/ctl.sock
	[service hello]
	type = hello
	listen = unix:$T/nowhere/hello.sock
	EOF
	assert_failure 1
	assert_output --partial "$F:5: key 'listen': directory $T/nowhere does not exist"
}

@test "-t: an IPv4-mapped IPv6 listen address is refused, naming the IPv4 form" {
	check <<-EOF
	[netd]
	control_socket = $T/ctl.sock
	[service hello]
	type = hello
	listen = tcp://[::ffff:127.0.0.1]:7777 udp://[::FFFF:10.1.2.3]:0
	EOF
	assert_failure 1
	assert_output --partial "$F:5: key 'listen': 'tcp://[::ffff:127.0.0.1]:7777': an IPv4-mapped address; write tcp://127.0.0.1:7777"
	assert_output --partial "'udp://[::FFFF:10.1.2.3]:0': an IPv4-mapped address; write udp://10.1.2.3:0"
}

@test "-t: pid_file that is a directory, or in a directory that does not exist" {
	check <<-EOF
	[netd]
	control_socket = $T/ctl.sock
	pid_file = /
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	assert_failure 1
	assert_output --partial "$F:3: key 'pid_file': / is a directory"
	check <<-EOF
	[netd]
	control_socket = $T/ctl.sock
	pid_file = $T/nowhere/netd.pid
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	assert_failure 1
	assert_output --partial "$F:3: key 'pid_file': directory $T/nowhere does not exist"
	# The control socket's directory is made at start: fine for both.
	check <<-EOF
	[netd]
	control_socket = $T/run/ctl.sock
	pid_file = $T/run/netd.pid
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	assert_success
	assert_output "netd: config $F ok"
}

@test "a config file that starts with a UTF-8 byte order mark is read" {
	printf '\xef\xbb\xbf[netd]\ncontrol_socket = %s\nworkers = 1\n[service hello]\ntype = hello\nlisten = tcp://127.0.0.1:0\n' \
	    "$T/ctl.sock" >"$T/bom.ini"
	check <"$T/bom.ini"
	assert_success
	assert_output "netd: config $F ok"
	# Only at the very start.
	printf '[netd]\ncontrol_socket = %s\n\xef\xbb\xbf[service hello]\ntype = hello\nlisten = tcp://127.0.0.1:0\n' \
	    "$T/ctl.sock" >"$T/bom.ini"
	check <"$T/bom.ini"
	assert_failure 1
}

@test "fatal start errors are logged at err, never warning" {
	hello_config ""
	netd_start
	# Another netd there.
	run timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "err: control socket $SOCK: another netd is running there"
	refute_output --partial "warning:"
	# Its directory cannot be made.
	touch "$T/file"
	sed "s|^control_socket = .*|control_socket = $T/file/sub/ctl.sock|" \
	    "$CONF" >"$T/other.ini"
	run timeout 20 "$NETD" -c "$T/other.ini"
	assert_failure 1
	assert_output --partial "err: $T/other.ini:$(grep -n '^control_socket' "$T/other.ini" | cut -d: -f1): key 'control_socket': $T/file is not a directory"
	refute_output --partial "warning:"
	# A port in use, under journald: <3> on every line about it.
	port=$(port_of tcp hello)
	sed -e "s|^control_socket = .*|control_socket = $T/third.sock|" \
	    -e "s|127.0.0.1:0|127.0.0.1:$port|" "$CONF" >"$T/third.ini"
	line=$(grep -n '^listen' "$T/third.ini" | cut -d: -f1)
	run env JOURNAL_STREAM=8:1 timeout 20 "$NETD" -c "$T/third.ini"
	assert_failure 1
	assert_line --partial "<3>$T/third.ini:$line: key 'listen': cannot listen on tcp://127.0.0.1:$port"
	refute_output --partial "<4>"
}

@test "netd -t under journald: every line on stderr carries <3>" {
	printf '[netd]\nworkers = lots\nbogus = 1\n' >"$T/bad.ini"
	run --separate-stderr env JOURNAL_STREAM=8:1 "$NETD" -t -c "$T/bad.ini"
	assert_failure 1
	assert_equal "$output" ""
	[[ -n "$stderr" ]]
	while IFS= read -r l; do
		[[ "$l" == "<3>"* ]] || fail "no <3>: $l"
	done <<<"$stderr"
	grep -q "^<3>$T/bad.ini:2: key 'workers'" <<<"$stderr"
	grep -q "^<3>netd: config $T/bad.ini has errors" <<<"$stderr"
}

@test "netd -t -c /dev/zero, a FIFO, a directory, a huge file: refused at once" {
	run timeout 10 "$NETD" -t -c /dev/zero
	assert_failure 1
	assert_line "/dev/zero: not a regular file"
	mkfifo "$T/fifo"
	run timeout 10 "$NETD" -t -c "$T/fifo"
	assert_failure 1
	assert_line "$T/fifo: not a regular file"
	run timeout 10 "$NETD" -t -c "$T"
	assert_failure 1
	assert_line "$T: not a regular file"
	{
		printf '[netd]\ncontrol_socket = %s\n' "$T/ctl.sock"
		printf '[service hello]\ntype = hello\nlisten = tcp://127.0.0.1:0\n'
		for i in $(seq 1 20000); do
			printf '; %060d\n' "$i"
		done
	} >"$T/huge.ini"
	run timeout 10 "$NETD" -t -c "$T/huge.ini"
	assert_failure 1
	assert_line "$T/huge.ini: larger than 1M"
	# A start reads it the same way.
	run timeout 10 "$NETD" -c /dev/zero
	assert_failure 1
	assert_output --partial "/dev/zero: not a regular file"
}
