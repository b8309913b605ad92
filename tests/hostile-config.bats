#!/usr/bin/env bats
# Config lines as inih sees them: a section header is a header however
# long its line, a NUL byte is an error (not the end of a line), and a
# line too long for inih is an error (its tail is never read as a line).

load helpers/netd

teardown() {
	netd_teardown
}

base() {
	printf '[netd]\n[service http]\ntype = http\nlisten = tcp://127.0.0.1:0\n'
}

@test "a section header longer than 200 bytes is a section header" {
	F="$BATS_TEST_TMPDIR/long.ini"
	{
		base
		printf '[service %s]\ntype = echo\n' "$(printf 'x%.0s' $(seq 250))"
	} >"$F"
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line --partial "$F:5: section [service xxxx"
	assert_line --partial "service name must be 1-31"
	# type = echo belongs to the bad section, not to [service http].
	refute_output --partial "set twice"
}

@test "a NUL byte in the config is an error on its line" {
	F="$BATS_TEST_TMPDIR/nul.ini"
	{
		base
		printf 'idle_timeout = 5s\0 junk\n[service e]\ntype = echo\n'
		printf 'listen = tcp://127.0.0.1:0\n'
	} >"$F"
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line "$F:5: a NUL byte: not a text file"
	refute_output --partial "set twice"
}

@test "a line longer than 64K is an error; its tail is never a key" {
	F="$BATS_TEST_TMPDIR/huge.ini"
	{
		base
		# A comment whose tail, past inih's line buffer, reads as a key.
		printf '; %s' "$(head -c 65533 /dev/zero | tr '\0' x)"
		printf 'max_line = 5\n'
	} >"$F"
	run "$NETD" -t -c "$F"
	assert_failure 1
	assert_line "$F:5: line longer than 65534 bytes"
	refute_output --partial "max_line"
	# Just under the limit, the comment is a comment.
	{
		base
		printf '; %s\n' "$(head -c 65531 /dev/zero | tr '\0' x)"
	} >"$F"
	run "$NETD" -t -c "$F"
	assert_success
}
