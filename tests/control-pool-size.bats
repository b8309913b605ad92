#!/usr/bin/env bats
# A reload sets the pool back to the config's workers: when that changes
# its size (above all when it undoes a scale), reload's output, its dry
# run and the log say so.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

@test "reload after scale +2: 'pool size 4 -> 2' in its output and the log" {
	netd_pool hello workers=2 max_workers=8
	run ctl scale +2
	assert_output "pool size 2 -> 4"
	wait_eq 20 "4 4" jqs '"\(.pool.target) \(.pool.total)"'
	run ctl reload --dry-run
	assert_success
	assert_output "$(printf 'dry run: generation 1 -> 2\n  pool size 4 -> 2 (workers = 2; the size set by scale is undone)')"
	run ctl reload
	assert_success
	assert_output "$(printf 'generation 1 -> 2\n  pool size 4 -> 2 (workers = 2; the size set by scale is undone)')"
	grep -q 'notice: reload: pool size 4 -> 2 (workers = 2; the size set by scale is undone)$' "$LOG"
	wait_eq 30 "2 2" jqs '"\(.pool.target) \(.pool.total)"'
	# --json has it among the changes.
	run ctl scale 3
	run ctl --json reload
	assert_equal "$(jq -c '.changes' <<<"$output")" '["pool size 3 -> 2 (workers = 2; the size set by scale is undone)"]'
}

@test "reload that changes workers: 'pool size 2 -> 3 (workers = 3)'; same size: nothing said" {
	netd_pool hello workers=2 max_workers=8
	netd_set workers=3
	run ctl reload
	assert_success
	assert_output "$(printf 'generation 1 -> 2\n  pool size 2 -> 3 (workers = 3)')"
	run ctl reload
	assert_output "$(printf 'generation 2 -> 3\n  no listener or service changes')"
	# TTIN counts as a scale.
	kill -TTIN "$NETD_PID"
	wait_eq 20 4 jqs '.pool.target'
	run ctl reload
	assert_output "$(printf 'generation 3 -> 4\n  pool size 4 -> 3 (workers = 3; the size set by scale is undone)')"
}
