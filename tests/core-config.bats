#!/usr/bin/env bats
# `netd -t -c FILE`: every config error names the file, the line and the
# key; a good file is reported ok; checking binds nothing.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	# The physical path: netd reports the file by its real path.
	DIR=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
	F="$DIR/check.ini"
}

teardown() {
	netd_teardown
}

# Write $F from stdin and run `netd -t -c $F`.
check() {
	cat >"$F"
	run "$NETD" -t -c "$F"
}

@test "a good file: 'netd: config FILE ok', exit 0" {
	check <<-EOF
	[netd]
	workers = 2
	control_socket = $DIR/ctl.sock
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 udp://127.0.0.1:0 tcp://[::1]:0
	EOF
	assert_success
	assert_output "netd: config $F ok"
	# On stdout, where a script expects it.
	run --separate-stderr "$NETD" -t -c "$F"
	assert_output "netd: config $F ok"
	assert_equal "$stderr" ""
}

@test "-t binds nothing: a port in use does not fail the check" {
	bg busy python3 "$HELPERS/tcp_port_holder.py" 120
	wait_until 10 test -s "$BATS_TEST_TMPDIR/busy.out"
	port=$(cat "$BATS_TEST_TMPDIR/busy.out")
	check <<-EOF
	[netd]
	control_socket = $DIR/ctl.sock
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:$port
	EOF
	assert_success
	assert_output "netd: config $F ok"
	# ...while starting on it fails, naming the line of the listener.
	run timeout 20 "$NETD" -c "$F"
	assert_failure 1
	assert_output --partial "$F:5: key 'listen': cannot listen on"
}

@test "unknown key: FILE:LINE: key 'x': unknown key, exit 1" {
	check <<-EOF
	[netd]
	workers = 2
	workerz = 4
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	colour = blue
	EOF
	assert_failure 1
	assert_line --index 0 "$F:3: key 'workerz': unknown key in [netd]"
	assert_line --index 1 "$F:7: key 'colour': unknown key in [service hello]"
	assert_line --index 2 "netd: config $F has errors"
	assert_equal "${#lines[@]}" 3
}

@test "bad value: FILE:LINE: key 'x': what is wrong with it, exit 1" {
	check <<-EOF
	[netd]
	workers = many
	shutdown_timeout = soon
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	max_line = -5
	EOF
	assert_failure 1
	assert_line --index 0 \
	    "$F:2: key 'workers': 'many' is not 'auto' or a number from 1 to 512"
	assert_line --index 1 \
	    "$F:3: key 'shutdown_timeout': 'soon' is not a duration (like 500ms, 30s, 2m)"
	assert_line --index 2 --regexp "^$F:7: key 'max_line': '-5' is not a size"
	assert_line --index 3 "netd: config $F has errors"
}

@test "duplicate listener: both lines named, exit 1" {
	check <<-EOF
	[netd]
	[service a]
	type = hello
	listen = tcp://127.0.0.1:7
	[service b]
	type = hello
	listen = udp://127.0.0.1:7 tcp://127.0.0.1:7
	EOF
	assert_failure 1
	assert_line --index 0 \
	    "$F:7: key 'listen': tcp://127.0.0.1:7 is already listened on by service 'a' (line 4)"
	assert_line --index 1 "netd: config $F has errors"
}

@test "unparsable listen: FILE:LINE: key 'listen', exit 1" {
	check <<-EOF
	[netd]
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	[service bad]
	type = hello
	listen = tcp://localhost
	[service worse]
	type = hello
	listen = smtp://127.0.0.1:25
	EOF
	assert_failure 1
	assert_line --index 0 "$F:7: key 'listen': 'tcp://localhost': missing :PORT"
	assert_line --index 1 --regexp \
	    "^$F:10: key 'listen': 'smtp://127.0.0.1:25': expected tcp://HOST:PORT"
	assert_line --index 2 "netd: config $F has errors"
}

@test "unknown section: FILE:LINE, exit 1" {
	check <<-EOF
	[netd]
	workers = 1
	[servce hello]
	type = hello
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	assert_failure 1
	assert_line --index 0 --regexp "^$F:3: unknown section \[servce hello\]"
	assert_line --index 1 "netd: config $F has errors"
	# The keys of the bad section are not reported once more.
	assert_equal "${#lines[@]}" 2
}

@test "duplicate key: both lines named, exit 1" {
	check <<-EOF
	[netd]
	workers = 1
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	reply = Hi, %s!
	reply = Hello, %s!
	EOF
	assert_failure 1
	assert_line --index 0 "$F:7: key 'reply': set twice (first on line 6)"
	assert_line --index 1 "netd: config $F has errors"
}

@test "every error of a file in one run, in line order" {
	check <<-EOF
	[netd]
	workers = 0
	bogus = 1
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:99999
	EOF
	assert_failure 1
	assert_line --index 0 --regexp "^$F:2: key 'workers': '0' is not"
	assert_line --index 1 "$F:3: key 'bogus': unknown key in [netd]"
	assert_line --index 2 "$F:6: key 'listen': 'tcp://127.0.0.1:99999': bad port"
	assert_line --index 3 "netd: config $F has errors"
}

@test "a missing file is one clear error, exit 1" {
	run "$NETD" -t -c "$DIR/nonexistent.ini"
	assert_failure 1
	assert_line --index 0 --regexp "nonexistent.ini.*(cannot open|No such file)"
}
