#!/usr/bin/env bats
# The master never acts on what a worker can write.  A worker that a
# parser bug handed to an attacker can overwrite all of its shared memory;
# the master must still signal only its own children (pids live in its
# private memory; signals go through pidfds) and workers must not be able
# to forge the read-only view that status shows.  Each scenario runs in a
# pid namespace of its own, so a master that did signal -1 could reach
# only that namespace.

load helpers/netd

setup() {
	command -v unshare >/dev/null || skip "unshare (util-linux) is needed"
	[[ $(id -u) -eq 0 ]] || skip "needs root (/proc/PID/mem of a worker)"
}

# The scenario's netd logs into the test's directory: checked at the end.
teardown() {
	netd_watch_log "$BATS_TEST_TMPDIR/netd.log"
	netd_teardown
}

@test "pids in workers' memory replaced by a bystander's: reload, scale, stop signal nobody else" {
	run timeout 120 unshare --pid --fork --mount-proc \
	    "$HELPERS/trust_scenario.sh" "$NETD" "$NETCTL" "$BATS_TEST_TMPDIR" pids
	echo "$output"
	assert_success
	assert_output --partial "bystanders untouched"
}

@test "every zero word of workers' shared memory set to a bystander's pid (free locks held by it): reload, scale, stop still work" {
	run timeout 120 unshare --pid --fork --mount-proc \
	    "$HELPERS/trust_scenario.sh" "$NETD" "$NETCTL" "$BATS_TEST_TMPDIR" zeros
	echo "$output"
	assert_success
	assert_output --partial "bystanders untouched"
}

@test "every word of workers' shared memory set to -1: reload, scale, stop signal nobody else" {
	run timeout 120 unshare --pid --fork --mount-proc \
	    "$HELPERS/trust_scenario.sh" "$NETD" "$NETCTL" "$BATS_TEST_TMPDIR" all
	echo "$output"
	assert_success
	assert_output --partial "bystanders untouched"
}
