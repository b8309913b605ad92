#!/usr/bin/env bats
# Log lines that tools parse: RFC 3339 time stamps with the offset, logfmt
# fields with quoted values, normalised paths, counts in the singular.

load helpers/netd

teardown() {
	netd_teardown
}

# The key=value fields of the last line matching $1, as a logfmt parser
# reads them, as JSON.
fields() {
	grep -- "$1" "$LOG" | tail -1 | python3 -c '
import json, shlex, sys
line = sys.stdin.read().split(": ", 2)[2]
print(json.dumps(dict(t.split("=", 1) for t in shlex.split(line) if "=" in t)))'
}

@test "every line has an RFC 3339 time stamp with the zone's offset" {
	netd_fixture hello
	TZ=Asia/Kolkata netd_start
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael
	wait_eq 20 1 access_lines hello
	run grep -vcE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+05:30 netd\[[0-9]+\]: (debug|info|notice|warning|err): ' "$LOG"
	assert_output 0
	# The time is now, in that zone.
	stamp=$(grep 'access service=hello' "$LOG" | cut -d' ' -f1)
	now=$(date +%s)
	when=$(date -d "$stamp" +%s)
	((when <= now && when > now - 60))
}

@test "a value with spaces is quoted: logfmt parsers read result=\"line too long\" whole" {
	netd_fixture hello hello.max_line=8
	netd_start
	run hello lesson 127.0.0.1 "$(port_of tcp hello)" "a name much too long"
	wait_eq 20 1 access_lines hello
	grep -q ' result="line too long"$' "$LOG"
	run fields 'access service=hello'
	assert_equal "$(jq -r .result <<<"$output")" "line too long"
	assert_equal "$(jq -r .service <<<"$output")" hello
	assert_equal "$(jq -r .proto <<<"$output")" tcp
	[[ $(jq -r .peer <<<"$output") =~ ^127\.0\.0\.1:[0-9]+$ ]]
}

@test "counts of one are singular: 1 worker, 1 listener, started 1 spare worker" {
	netd_fixture hello workers=1 min_spare=1 worker_connections=1
	netd_start
	grep -qE 'notice: netd .* starting: master pid [0-9]+, 1 worker$' "$LOG"
	grep -q 'notice: ready: generation 1, 1 worker, 1 listener$' "$LOG"
	hold_start a "$(port_of tcp hello)"
	wait_until 30 grep -q 'info: pool: 1 busy, 0 idle: started 1 spare worker$' "$LOG"
	hold_release a
	bg_wait a
	refute grep -qE '\b1 (workers|listeners)\b' "$LOG"
}

@test "upload lines and paths are normalised: no ./ or // in what is logged" {
	netd_fixture upload "upload.dir=.//up/./"
	mkdir "$BATS_TEST_TMPDIR/up"
	netd_start
	run stream --send "$BATS_TEST_TMPDIR/netd.ini" 127.0.0.1 "$(port_of tcp upload)"
	assert_success
	wait_until 20 grep -q 'upload upload: .*: stored ' "$LOG"
	grep -qE "stored $(realpath "$BATS_TEST_TMPDIR")/up/[^/ ]+, [0-9]+ bytes" "$LOG"
	assert_equal "$(ctl --json config | jq -r '.services[0].dir')" "$(realpath "$BATS_TEST_TMPDIR")/up"
}
