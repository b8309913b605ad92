#!/usr/bin/env bats
# Log targets: log_file and access_log (files, syslog, the journal),
# reopened after rotation by `netctl reopen` and SIGUSR1, followed by
# workers that dropped privileges; access_log_level.

load helpers/netd

teardown() {
	local rc=0
	netd_teardown || rc=$?
	[[ -z "${L:-}" ]] || rm -rf "$L"
	return $rc
}

say() {
	printf '%s\n' "$1" | timeout 10 socat - "TCP:127.0.0.1:$(port_of tcp hello)"
}

# Lines in FILE that are access lines of hello's with this message length.
said() {
	grep -c "access service=hello .* in=$2 " "$1" || true
}

@test "log_file and access_log: access lines apart; reopen and SIGUSR1 after rotation; workers follow" {
	# Where the workers' user can reach: BATS_TEST_TMPDIR's parents are
	# root's alone.
	L=$(mktemp -d /tmp/netd-logs.XXXXXX)
	chmod 755 "$L"
	netd_fixture hello workers=1 min_spare=0 "log_file=$L//./netd.log" \
	    "access_log=$L/access.log"
	[[ $(id -u) -ne 0 ]] || netd_set user=nobody
	netd_watch_log "$L/netd.log"
	netd_start
	# The path as given, normalised.
	assert_equal "$(ctl --json config | jq -r .netd.log_file)" "$L/netd.log"
	worker=$(worker_pids)
	run say one
	assert_output --partial "Hello, one!"
	wait_eq 20 1 said "$L/access.log" 4
	assert_equal "$(grep -c access "$L/netd.log")" 0
	grep -q "notice: ready: generation 1, 1 worker, 1 listener$" "$L/netd.log"
	if [[ $(id -u) -eq 0 ]]; then
		assert_equal "$(stat -c %U "$L/access.log")" nobody
	fi
	# Rotation: rename, reopen; the worker (still the same) follows.
	mv "$L/access.log" "$L/access.log.1"
	mv "$L/netd.log" "$L/netd.log.1"
	run ctl reopen
	assert_success
	assert_output "reopened 2 log files"
	run say three
	wait_eq 20 1 said "$L/access.log" 6
	assert_equal "$(said "$L/access.log.1" 6)" 0
	grep -q "notice: reopen: reopened 2 log files" "$L/netd.log"
	grep -q 'audit: .* command="reopen" result=ok' "$L/netd.log"
	# SIGUSR1 does the same.
	mv "$L/access.log" "$L/access.log.2"
	kill -USR1 "$NETD_PID"
	wait_until 20 grep -q "notice: SIGUSR1: reopened 2 log files" "$L/netd.log"
	run say seven77
	wait_eq 20 1 said "$L/access.log" 8
	assert_equal "$(said "$L/access.log.2" 8)" 0
	assert_equal "$(worker_pids)" "$worker"
	if [[ $(id -u) -eq 0 ]]; then
		assert_equal "$(stat -c %U "$L/access.log")" nobody
		assert_equal "$(ps -o user= -p "$worker")" nobody
	fi
}

@test "syslog and the journal's native protocol as targets, with structured fields" {
	bg syslog python3 "$HELPERS/dgram_sink.py" "$BATS_TEST_TMPDIR/syslog.sock" "$BATS_TEST_TMPDIR/syslog.out"
	bg journal python3 "$HELPERS/dgram_sink.py" "$BATS_TEST_TMPDIR/journal.sock" "$BATS_TEST_TMPDIR/journal.out"
	wait_until 60 test -S "$BATS_TEST_TMPDIR/syslog.sock"
	wait_until 60 test -S "$BATS_TEST_TMPDIR/journal.sock"
	netd_fixture hello "log_file=syslog:$BATS_TEST_TMPDIR/syslog.sock" \
	    "access_log=journal:$BATS_TEST_TMPDIR/journal.sock"
	netd_start
	run say Michael
	assert_output --partial "Hello, Michael!"
	J="$BATS_TEST_TMPDIR/journal.out"
	wait_until 20 grep -q '^NETD_RESULT=ok$' "$J"
	grep -qE '^MESSAGE=access service=hello proto=tcp listen=tcp://127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:[0-9]+ duration=[0-9]+ms in=8 out=[0-9]+ result=ok$' "$J"
	grep -qx 'PRIORITY=6' "$J"
	grep -qx 'SYSLOG_IDENTIFIER=netd' "$J"
	grep -qx 'NETD_LOG=access' "$J"
	grep -qx 'NETD_SERVICE=hello' "$J"
	grep -qx 'NETD_IN=8' "$J"
	grep -qE '^NETD_PEER=127\.0\.0\.1:[0-9]+$' "$J"
	# syslog: RFC 3164, facility daemon; notice is <29>.
	grep -qE "^<29>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} netd\[$NETD_PID\]: ready: generation 1, " "$BATS_TEST_TMPDIR/syslog.out"
	refute grep -q access "$BATS_TEST_TMPDIR/syslog.out"
	run ctl reopen
	assert_output "logs go to syslog:$BATS_TEST_TMPDIR/syslog.sock; nothing to reopen"
}

@test "access_log_level = failures: only what did not end well; none: nothing" {
	netd_fixture http access_log_level=failures
	netd_start
	url="http://127.0.0.1:$(port_of tcp http)"
	run curl -s -o /dev/null -o /dev/null "$url/status" "$url/nope"
	wait_eq 20 1 access_lines http
	grep -q 'access service=http .* path=/nope status=404 .* result="not found"$' "$LOG"
	refute grep -q 'status=200' "$LOG"
	run ctl --json config
	assert_equal "$(jq -r .netd.access_log_level <<<"$output")" failures
	netd_set access_log_level=none
	run ctl reload
	assert_success
	run curl -s -o /dev/null "$url/nope"
	run ctl reload
	assert_equal "$(access_lines http)" 1
}

@test "a log_file that cannot be opened stops the start, naming file, line and key" {
	netd_fixture hello log_file=/nonexistent/dir/netd.log
	run timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --regexp "not started: $CONF:[0-9]+: key 'log_file': cannot open /nonexistent/dir/netd\.log: No such file or directory"
	# A bad access_log refuses a reload and changes nothing.
	netd_fixture hello
	netd_start
	netd_set access_log=/nonexistent/dir/access.log
	run ctl reload
	assert_failure 1
	assert_output --partial "key 'access_log': cannot open /nonexistent/dir/access.log"
	run say still
	assert_output --partial "Hello, still!"
	wait_eq 20 1 said "$LOG" 6
}
