#!/usr/bin/env bats
# The end-of-test check of tests/helpers/netd.bash on logs written here (no
# netd runs): a sanitizer report fails it, a worker killed by a signal
# nobody announced fails it, a death the test announced with
# expect_worker_signal passes; and through netd_teardown it fails the test.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# log NAME: stdin into $BATS_TEST_TMPDIR/NAME.log; prints the path.
log() {
	cat >"$BATS_TEST_TMPDIR/$1.log"
	echo "$BATS_TEST_TMPDIR/$1.log"
}

READY='2025-12-01 10:00:00 netd[100]: notice: ready: generation 1, 2 workers, 1 listeners'

@test "an AddressSanitizer report fails the check, its lines shown" {
	f=$(log asan <<-EOF
	$READY
	=================================================================
	==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011
	READ of size 1 at 0x602000000011 thread T0
	    #0 0x55d5d0 in hello_reply server/svc_hello.c:42
	SUMMARY: AddressSanitizer: heap-buffer-overflow server/svc_hello.c:42 in hello_reply
	EOF
	)
	run netd_check_log "$f"
	assert_failure
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "$f:3:==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011"
	assert_line --index 1 "$f:6:SUMMARY: AddressSanitizer: heap-buffer-overflow server/svc_hello.c:42 in hello_reply"
}

@test "LeakSanitizer and UBSan (runtime error) reports fail the check" {
	f=$(log lsan <<-EOF
	$READY
	==124==ERROR: LeakSanitizer: detected memory leaks
	EOF
	)
	run netd_check_log "$f"
	assert_failure
	assert_output "$f:2:==124==ERROR: LeakSanitizer: detected memory leaks"
	f=$(log ubsan <<-EOF
	$READY
	server/pool.c:80:12: runtime error: signed integer overflow: 2147483647 * 2 cannot be represented in type 'int'
	EOF
	)
	run netd_check_log "$f"
	assert_failure
	assert_output --partial "$f:2:server/pool.c:80:12: runtime error: signed integer overflow"
}

@test "a worker killed by signal 11, not expected: the check fails" {
	f=$(log segv <<-EOF
	$READY
	2025-12-01 10:00:01 netd[100]: warning: worker 2 (pid 1234, generation 1) killed by signal 11 (Segmentation fault); respawning in 0.1s
	EOF
	)
	run netd_check_log "$f"
	assert_failure
	assert_output "$f:2:2025-12-01 10:00:01 netd[100]: warning: worker 2 (pid 1234, generation 1) killed by signal 11 (Segmentation fault); respawning in 0.1s"
	# Expecting another signal does not excuse this one.
	expect_worker_signal KILL
	run netd_check_log "$f"
	assert_failure
}

@test "a worker killed by signal 9 after expect_worker_signal KILL: the check passes" {
	f=$(log kill <<-EOF
	$READY
	2025-12-01 10:00:01 netd[100]: warning: worker 1 (pid 1235, generation 1) killed by signal 9 (Killed); respawning in 0.1s
	2025-12-01 10:00:01 netd[100]: warning: worker 1 killed by signal 9 (Killed) after 12ms (2 times in a row); respawning in 0.2s
	EOF
	)
	run netd_check_log "$f"
	assert_failure
	expect_worker_signal KILL
	run netd_check_log "$f"
	assert_success
	assert_output ""
	# By number, or with SIG, it is the same signal.
	NETD_EXPECTED_SIGNALS=()
	expect_worker_signal 9
	run netd_check_log "$f"
	assert_success
	NETD_EXPECTED_SIGNALS=()
	expect_worker_signal SIGKILL
	run netd_check_log "$f"
	assert_success
	# A name that is no signal is a mistake in the test.
	run expect_worker_signal KILLED
	assert_failure 2
}

@test "a clean log, and the master's own stops, pass the check" {
	f=$(log clean <<-EOF
	$READY
	2025-12-01 10:00:02 netd[100]: notice: fast stop: terminating 2 workers
	2025-12-01 10:00:02 netd[100]: notice: stopped
	EOF
	)
	run netd_check_log "$f"
	assert_success
	assert_output ""
}

@test "netd_teardown fails on a report in \$LOG or in a watched log, and shows it" {
	LOG=$(log netd <<<"$READY")
	other=$(log other <<<"==125==ERROR: AddressSanitizer: SEGV on unknown address")
	run netd_teardown
	assert_success
	netd_watch_log "$other"
	run netd_teardown
	assert_failure
	assert_line "--- netd log ($LOG) ---"
	assert_line "$other:1:==125==ERROR: AddressSanitizer: SEGV on unknown address"
	# The test's own teardown must not see it.
	NETD_LOGS=()
	LOG=
}

@test "a test whose log shows a crash fails, through its teardown" {
	# A bats file of its own, so that its failure is observed, not ours
	# (TEST stands for the keyword, which would declare a test here).
	sed 's/^TEST /@test /' >"$BATS_TEST_TMPDIR/inner.bats" <<-EOF
	load $BATS_TEST_DIRNAME/helpers/netd
	teardown() {
		netd_teardown
	}
	TEST "inner" {
		LOG=\$BATS_TEST_TMPDIR/netd.log
		echo "worker 0 (pid 1, generation 1) killed by signal 6 (Aborted); respawning in 0.1s" >"\$LOG"
	}
	TEST "inner, expected" {
		LOG=\$BATS_TEST_TMPDIR/netd.log
		echo "worker 0 (pid 1, generation 1) killed by signal 6 (Aborted); respawning in 0.1s" >"\$LOG"
		expect_worker_signal ABRT
	}
	EOF
	# bats' own variables (and its PATH) would confuse the inner run.
	run env -i PATH="$PATH" "$BATS_ROOT/bin/bats" --tap "$BATS_TEST_TMPDIR/inner.bats" 3>&-
	assert_failure
	assert_line "not ok 1 inner"
	assert_line "ok 2 inner, expected"
	assert_line --partial "killed by signal 6 (Aborted)"
}
