#!/usr/bin/env bats
# A worker's exit status means one thing: 0 done, 100 and up "can never
# start with this configuration".  Such a slot stops, with the reason in
# status and the log at err, instead of backing off for ever; a reload
# tries again.

load helpers/netd

setup() {
	[[ $(id -u) -eq 0 ]] || skip "needs root (drops to user nobody)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed"
}

teardown() {
	netd_teardown
}

failed_slots() {
	jqs '[.workers[] | select(.state == "failed")] | length'
}

@test "workers that cannot drop privileges: slots failed with the reason, no respawn loop; reload retries" {
	netd_config <<-EOF
	[netd]
	workers = 2
	user = nobody
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	# Root without CAP_SETUID/CAP_SETGID: the user exists (the check
	# passes) but no worker can become it.
	setpriv --bounding-set=-setuid,-setgid "$NETD" -c "$CONF" >"$LOG" 2>&1 3>&- &
	NETD_PID=$!
	wait_eq 20 2 failed_slots
	run jqs '[.workers[] | .last_exit] | unique | .[]'
	assert_output "cannot drop privileges (exit 100)"
	assert_equal "$(jqs '"\(.pool.failed) \(.pool.total) \(.pool.backoff)"')" "2 0 0"
	run ctl status
	assert_line --regexp "^ +[01] +- +1 +failed +.*cannot drop privileges \(exit 100\)"
	# At err, once per slot; and no second start of either slot.
	grep -Eq "err: worker [01] \(pid [0-9]+\) cannot start: cannot drop privileges \(exit 100\); slot stopped until the next reload" "$LOG"
	sleep 1.5	# what is tested: nothing happens in this time
	assert_equal "$(grep -c 'cannot start' "$LOG")" 2
	assert_equal "$(grep -c 'setgroups\|initgroups' "$LOG")" 2
	# The master is alive and answers.
	run ctl ping
	assert_success
	# A reload tries again (and fails again, for the same reason), and
	# says so as soon as both new workers have failed.
	SECONDS=0
	run ctl reload --json
	assert_failure 1
	assert_output --partial '"error":"reload applied, but no worker of the new generation can start: cannot drop privileges (exit 100) (see the log)"'
	((SECONDS < 20)) || fail "the answer took ${SECONDS}s"
	wait_until 20 eval '[[ $(grep -c "cannot start" "$LOG") -eq 4 ]]'
	assert_equal "$(jqs '[.workers[] | select(.state == "failed") | .generation] | unique | .[]')" 2
}
