#!/usr/bin/env bats
# Clients that misbehave get a clear outcome and crash nothing: an
# over-long line, binary junk with NULs, a client that says nothing.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# The bytes of a Python expression, as hex digits for `hello raw`.
hex() {
	python3 "$HELPERS/bytes_of.py" --hex "$1"
}

# Bytes from a Python expression into a file, for `hello raw ... @FILE`.
bytes_file() {
	python3 "$HELPERS/bytes_of.py" "$1" >"$BATS_TEST_TMPDIR/$2"
	echo "@$BATS_TEST_TMPDIR/$2"
}

# The same workers as at start ($PIDS), none died, and they still serve.
workers_unharmed() {
	assert_equal "$(worker_pids | sort | tr '\n' ' ')" "$PIDS"
	! grep -Eq "killed by signal|exited with status [1-9]|respawning" "$LOG"
	run hello lesson 127.0.0.1 "$PORT" Michael
	assert_success
	assert_output "$(printf 'Welcome!\n\nHello, Michael!')"
}

@test "max_line: a line one byte too long gets 'ERR line too long', then close" {
	netd_pool hello hello.max_line=16
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	# 16 bytes is still a message...
	run --separate-stderr hello raw 127.0.0.1 "$PORT" "$(hex "b'x' * 16 + b'\n'")"
	assert_success
	assert_output "b'Welcome!\\nHello, xxxxxxxxxxxxxxxx!\\n'"
	# ...17 is not; the server closes after saying why.
	run --separate-stderr hello raw 127.0.0.1 "$PORT" "$(hex "b'y' * 17 + b'\n'")"
	assert_success
	assert_output "b'Welcome!\\nERR line too long\\r\\n'"
	wait_until 10 grep -q "access service=hello proto=tcp .* in=[0-9]* out=28 result=\"line too long\"" "$LOG"
	workers_unharmed
}

@test "max_line: a long run without a newline gets 'ERR line too long', then close" {
	netd_pool hello hello.max_line=16
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	run --separate-stderr hello raw 127.0.0.1 "$PORT" "$(bytes_file "b'z' * 100000" long)"
	assert_success
	# The error comes first; the close may be a reset (unread data),
	# which may also cut the sending short (stderr).
	assert_output --regexp "^b'Welcome!\\\\nERR line too long\\\\r\\\\n(<RST>)?'$"
	wait_until 10 grep -q "result=\"line too long\"" "$LOG"
	workers_unharmed
}

@test "binary junk, every byte value with NULs, passes through as a message" {
	netd_pool hello
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	junk="bytes(b for b in range(256) if b != 10) + b'\\0\\0'"
	run --separate-stderr hello raw 127.0.0.1 "$PORT" "$(hex "$junk + b'\n' + b'exit\n'")"
	assert_success
	want=$(python3 "$HELPERS/bytes_of.py" --repr "b'Welcome!\n' + b'Hello, ' + $junk + b'!\n'")
	assert_output "$want"
	wait_until 10 grep -q "access service=hello proto=tcp .* in=263 out=275 result=ok" "$LOG"
	workers_unharmed
}

@test "random binary junk (NULs, stray newlines, 64 KB): clear end, no crash" {
	netd_pool hello
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	junk="__import__('random').Random(4).randbytes(65536) + b'\\0' * 100"
	run --separate-stderr hello raw 127.0.0.1 "$PORT" "$(bytes_file "$junk" junk)"
	assert_success
	# The server answered, then ended the session itself: replies to
	# the lines it could take, or the line-length error, then the close.
	assert_output --regexp "^b'Welcome!\\\\nHello, "
	wait_until 10 grep -Eq "access service=hello proto=tcp .* result=(ok|\"line too long\")" "$LOG"
	workers_unharmed
}

@test "a client that says nothing is closed after idle_timeout" {
	netd_pool hello hello.idle_timeout=1s
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	run hello silent 127.0.0.1 "$PORT"
	assert_success
	assert_line --index 0 "received b'Welcome!\\n'"
	secs=$(sed -n 's/^closed after \(.*\)s$/\1/p' <<<"$output")
	# One second, give or take a busy machine; never before.
	[[ "$secs" =~ ^[0-9]+(\.[0-9]+)?$ ]] &&
	    awk -v s="$secs" 'BEGIN { exit !(0.9 <= s && s <= 20) }' ||
	    fail "closed after ${secs}s, idle_timeout is 1s"
	wait_until 10 grep -q "access service=hello proto=tcp .* in=0 out=9 result=timeout" "$LOG"
	workers_unharmed
}

@test "silent clients hold only their own worker: others are served meanwhile" {
	netd_pool hello hello.idle_timeout=3s
	PORT=$(port_of tcp hello)
	PIDS=$(worker_pids | sort | tr '\n' ' ')
	hold_start quiet "$PORT"
	run hello load 127.0.0.1 "$PORT" 20 2
	assert_success
	assert_output --regexp '^sessions=20 failures=0 '
	# The quiet one is cut at idle_timeout: too late to talk then.
	wait_until 20 grep -q "access service=hello proto=tcp .* in=0 out=9 result=timeout" "$LOG"
	hold_release quiet
	run bg_wait quiet
	assert_failure
	assert_output --regexp "EOF|Reset|Broken pipe"
	workers_unharmed
}
