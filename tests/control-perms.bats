#!/usr/bin/env bats
# Who may use the control socket: nobody else (exit 4), control_group
# members read-only, admin_group members and the daemon's user everything;
# refusals and mutating commands leave audit lines (uid, pid, command,
# result).  Users and groups are made for the test and removed after it.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	# Other users must reach the socket's directory (bats makes its run
	# directory 0700) to meet the socket's own mode.
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_TEST_TMPDIR/.." "$BATS_TEST_TMPDIR"
	TAG=$$
	MADE_USERS=()
	MADE_GROUPS=()
}

teardown() {
	local u g rc=0
	netd_teardown || rc=$?
	for u in "${MADE_USERS[@]}"; do
		retry userdel "$u" || true
	done
	for g in "${MADE_GROUPS[@]}"; do
		retry groupdel "$g" || true
	done
	return $rc
}

# useradd and friends refuse while another one holds /etc/passwd's lock:
# try again every 0.1s, for 10s at most.
retry() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	"$@"
}

make_group() {
	retry groupadd "$1"
	MADE_GROUPS+=("$1")
}

# make_user NAME [GROUP,...]: no home, no shell, primary group nogroup.
make_user() {
	retry useradd -M -N -g nogroup -s /usr/sbin/nologin ${2:+-G "$2"} "$1"
	MADE_USERS+=("$1")
}

# as USER CMD...: run as USER with USER's groups; the pid netctl runs
# under is left in $BATS_TEST_TMPDIR/as.pid (exec keeps it).
as() {
	local user=$1
	shift
	: >"$BATS_TEST_TMPDIR/as.pid"
	chmod 666 "$BATS_TEST_TMPDIR/as.pid"
	runuser -u "$user" -- sh -c 'echo $$ >"$0"; exec "$@"' \
	    "$BATS_TEST_TMPDIR/as.pid" "$@"
}

as_pid() {
	cat "$BATS_TEST_TMPDIR/as.pid"
}

@test "the socket is mode 0660, group control_group" {
	make_group "netdc$TAG"
	netd_pool hello "control_group=netdc$TAG"
	assert_equal "$(stat -c '%A %U %G' "$SOCK")" "srw-rw---- root netdc$TAG"
}

@test "nobody: exit 4, permission denied, nothing done" {
	netd_pool hello
	# nobody reaches the socket file; its mode keeps nobody out.
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -S "$SOCK"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$NETCTL" -s "$SOCK" status
	assert_failure 4
	assert_output "netctl: permission denied: cannot connect to $SOCK (needs control_group membership)"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$NETCTL" -s "$SOCK" stop
	assert_failure 4
	netd_alive
	run ctl ping
	assert_success
}

@test "nobody past a loosened socket mode: the master refuses, audited" {
	netd_pool hello
	# Were the socket's mode ever too open, the credentials still decide.
	chmod 666 "$SOCK"
	run as nobody "$NETCTL" -s "$SOCK" status
	assert_failure 4
	assert_output "netctl: permission denied: uid 65534 may not run 'status'"
	grep -q "audit: uid=65534 pid=$(as_pid) command=\"status\" result=denied" "$LOG"
	run as nobody "$NETCTL" -s "$SOCK" stop
	assert_failure 4
	grep -q "audit: uid=65534 pid=$(as_pid) command=\"stop\" result=denied" "$LOG"
	run as nobody "$NETCTL" -s "$SOCK" --json scale 5
	assert_failure 4
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"permission"]'
	netd_alive
	assert_equal "$(jqs '.pool.target')" 2
}

@test "control_group member: status yes; reload, scale, stop: exit 4 (read-only)" {
	make_group "netdc$TAG"
	make_user "netdu$TAG" "netdc$TAG"
	uid=$(id -u "netdu$TAG")
	netd_pool hello "control_group=netdc$TAG"
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" status
	assert_success
	assert_line --index 1 --regexp "^     Master: pid $NETD_PID, "
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" --json status
	assert_success
	assert_equal "$(jq -r '.netd.pid' <<<"$output")" "$NETD_PID"
	for cmd in ping version config; do
		run as "netdu$TAG" "$NETCTL" -s "$SOCK" "$cmd"
		assert_success
	done
	# Read-only commands are not audited; refusals are.
	! grep -q "audit: uid=$uid .*command=\"status\"" "$LOG"
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" reload
	assert_failure 4
	assert_line --index 0 "netctl: permission denied: uid $uid may not run 'reload' (read-only access)"
	grep -q "audit: uid=$uid pid=$(as_pid) command=\"reload\" result=denied" "$LOG"
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" scale +1
	assert_failure 4
	grep -q "audit: uid=$uid pid=$(as_pid) command=\"scale +1\" result=denied" "$LOG"
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" stop
	assert_failure 4
	grep -q "audit: uid=$uid pid=$(as_pid) command=\"stop\" result=denied" "$LOG"
	run as "netdu$TAG" "$NETCTL" -s "$SOCK" reopen
	assert_failure 4
	# Nothing happened.
	netd_alive
	assert_equal "$(jqs '"\(.netd.generation) \(.pool.target)"')" "1 2"
	# And root may.
	run ctl scale +1
	assert_success
	grep -q 'audit: uid=0 pid=[0-9]* command="scale +1" result=ok' "$LOG"
}

@test "admin_group member: reload and scale allowed, audited with uid and pid" {
	make_group "netdc$TAG"
	make_group "netda$TAG"
	make_user "netdv$TAG" "netdc$TAG"
	make_user "netdw$TAG" "netdc$TAG,netda$TAG"
	viewer=$(id -u "netdv$TAG")
	admin=$(id -u "netdw$TAG")
	netd_pool hello "control_group=netdc$TAG" "admin_group=netda$TAG"
	run as "netdw$TAG" "$NETCTL" -s "$SOCK" reload
	assert_success
	assert_line --index 0 "generation 1 -> 2"
	grep -q "audit: uid=$admin pid=$(as_pid) command=\"reload\" result=ok" "$LOG"
	run as "netdw$TAG" "$NETCTL" -s "$SOCK" scale 3
	assert_success
	grep -q "audit: uid=$admin pid=$(as_pid) command=\"scale 3\" result=ok" "$LOG"
	run as "netdv$TAG" "$NETCTL" -s "$SOCK" reload
	assert_failure 4
	grep -q "audit: uid=$viewer pid=$(as_pid) command=\"reload\" result=denied" "$LOG"
	assert_equal "$(jqs '"\(.netd.generation) \(.pool.target)"')" "2 3"
	run as "netdw$TAG" "$NETCTL" -s "$SOCK" stop
	assert_success
	grep -q "audit: uid=$admin pid=$(as_pid) command=\"stop\" result=ok" "$LOG"
	wait_until 30 pid_gone "$NETD_PID"
}

@test "the daemon's user (user =) may run every command" {
	netd_pool hello user=nobody group=nogroup control_group=nogroup
	# Workers run as nobody.
	for pid in $(worker_pids); do
		assert_equal "$(ps -o user= -p "$pid")" nobody
	done
	run as nobody "$NETCTL" -s "$SOCK" reload
	assert_success
	grep -q "audit: uid=65534 pid=$(as_pid) command=\"reload\" result=ok" "$LOG"
}

@test "admin_group member outside control_group may still run every command" {
	make_group "netdc$TAG"
	make_group "netda$TAG"
	make_user "netdw$TAG" "netda$TAG"
	admin=$(id -u "netdw$TAG")
	netd_pool hello "control_group=netdc$TAG" "admin_group=netda$TAG"
	run as "netdw$TAG" "$NETCTL" -s "$SOCK" status
	assert_success
	run as "netdw$TAG" "$NETCTL" -s "$SOCK" reload
	assert_success
	grep -q "audit: uid=$admin pid=$(as_pid) command=\"reload\" result=ok" "$LOG"
}
