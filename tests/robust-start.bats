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
	netd_cleanup
	if [[ -n "${DETACHED_PID:-}" ]]; then
		kill -KILL "$DETACHED_PID" 2>/dev/null || true
		pkill -KILL -P "$DETACHED_PID" 2>/dev/null || true
	fi
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
