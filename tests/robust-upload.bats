#!/usr/bin/env bats
# upload against clients that send nothing, or less than they meant to:
# bare connects store nothing (store_empty), and with upload_header a
# client says how many bytes and which SHA-256 are coming, so that a
# client killed half-way, or a corrupted upload, is refused and nothing
# is stored.

load helpers/netd

STREAM="$BATS_TEST_DIRNAME/helpers/stream_client.py"
NAME_RE='^[0-9]{8}T[0-9]{6}Z-127\.0\.0\.1-[0-9]+-[0-9a-f]{8}\.bin$'

setup() {
	UP="$BATS_TEST_TMPDIR/up"
	mkdir -p "$UP"
}

teardown() {
	netd_teardown
}

# start [KEY = VALUE lines for the service, on stdin]
start() {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service upload]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = up
	$(cat)
	EOF
	netd_start
	PORT=$(jqs '[.listeners[] | select(.service == "upload")][0].port')
}

# send FILE: upload FILE's bytes (header and all), half-close, read the
# answer; sets ANSWER to its first line.
send() {
	local out
	out=$(timeout 120 python3 "$STREAM" --send "$1" 127.0.0.1 "$PORT") ||
	    return 1
	ANSWER=$(jq -r .head <<<"$out" | head -n 1)
}

# A file of N random bytes.
data() {
	head -c "$2" /dev/urandom >"$BATS_TEST_TMPDIR/$1"
	echo "$BATS_TEST_TMPDIR/$1"
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# with_header OUT "HEADER LINE" FILE: the header line, then FILE.
with_header() {
	{ printf '%s\n' "$2"; cat "$3"; } >"$BATS_TEST_TMPDIR/$1"
	echo "$BATS_TEST_TMPDIR/$1"
}

access_count() {
	grep -c 'access service=upload ' "$LOG" || true
}

stored() {
	find "$UP" -type f | wc -l
}

@test "bare connects (a port scanner, a health check) store nothing" {
	start </dev/null
	run timeout 60 python3 - "$PORT" <<-'EOF'
	import socket, sys
	for _ in range(30):
	    socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()
	EOF
	assert_success
	wait_eq 30 30 access_count
	assert_equal "$(stored)" 0
	assert_equal "$(grep -c 'access service=upload .* in=0 out=.* result="empty upload"' "$LOG")" 30
	# Nothing worth a warning either.
	assert_equal "$(grep -c 'warning: upload' "$LOG")" 0
}

@test "an empty upload gets ERR empty upload; store_empty = yes stores it" {
	start </dev/null
	: >"$BATS_TEST_TMPDIR/empty"
	send "$BATS_TEST_TMPDIR/empty"
	assert_equal "$ANSWER" "ERR empty upload"
	assert_equal "$(stored)" 0
	netd_stop
	start <<<"store_empty = yes"
	send "$BATS_TEST_TMPDIR/empty"
	[[ "$ANSWER" == "OK 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "* ]]
	assert_equal "$(stored)" 1
}

@test "a client killed mid-upload after SIZE: nothing stored, ERR size mismatch logged" {
	start <<<"upload_header = optional"
	# SIZE 200000, then half of it, then SIGKILL: the kernel closes the
	# connection with a FIN, as at the end of a complete upload.
	run timeout 60 python3 - "$PORT" <<-'EOF'
	import os, signal, socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"SIZE 200000\n" + os.urandom(100000))
	os.kill(os.getpid(), signal.SIGKILL)
	EOF
	assert_equal "$status" 137
	wait_eq 30 1 access_count
	assert_equal "$(stored)" 0
	assert_equal "$(find "$UP" -name '.*.part' | wc -l)" 0
	grep -q 'not stored (size mismatch) after 100000 bytes' "$LOG"
	grep -q 'access service=upload .* result="size mismatch"' "$LOG"
}

@test "SIZE and SHA256 that match: stored without the header, OK as always" {
	start <<<"upload_header = optional"
	local f h name
	f=$(data payload 300000)
	h=$(with_header up1 "SIZE 300000 SHA256 $(sha "$f")" "$f")
	send "$h"
	read -r ok bytes hash name <<<"$ANSWER"
	assert_equal "$ok" OK
	assert_equal "$bytes" 300000
	assert_equal "$hash" "$(sha "$f")"
	[[ "$name" =~ $NAME_RE ]]
	cmp "$f" "$UP/$name"
	# Each alone, CRLF, upper-case hex.
	h=$(with_header up2 "SHA256 $(sha "$f" | tr a-f A-F)"$'\r' "$f")
	send "$h"
	[[ "$ANSWER" == "OK 300000 $(sha "$f") "* ]]
	h=$(with_header up3 "SIZE 300000" "$f")
	send "$h"
	[[ "$ANSWER" == "OK 300000 $(sha "$f") "* ]]
	assert_equal "$(stored)" 3
}

@test "a wrong SHA256, too few or too many bytes: ERR, nothing stored" {
	start <<<"upload_header = optional"
	local f
	f=$(data payload 5000)
	send "$(with_header a "SHA256 $(printf '%064d' 0)" "$f")"
	assert_equal "$ANSWER" "ERR digest mismatch"
	send "$(with_header b "SIZE 5001" "$f")"
	assert_equal "$ANSWER" "ERR size mismatch"
	send "$(with_header c "SIZE 4999" "$f")"
	assert_equal "$ANSWER" "ERR size mismatch"
	send "$(with_header d "SIZE 5000 SHA256 $(sha "$f")" "$f")"
	[[ "$ANSWER" == "OK 5000 "* ]]
	assert_equal "$(stored)" 1
	assert_equal "$(find "$UP" -name '.*.part' | wc -l)" 0
}

@test "a malformed header: ERR bad header; SIZE over max_size: ERR too large at once" {
	start <<-EOF
	upload_header = optional
	max_size = 1M
	EOF
	local f
	f=$(data payload 100)
	send "$(with_header a "SIZE 12x" "$f")"
	assert_equal "$ANSWER" "ERR bad header"
	send "$(with_header b "SHA256 abc" "$f")"
	assert_equal "$ANSWER" "ERR bad header"
	send "$(with_header c "SIZE 1 SIZE 1" "$f")"
	assert_equal "$ANSWER" "ERR bad header"
	send "$(with_header d "SIZE 2000000" "$f")"
	assert_equal "$ANSWER" "ERR too large"
	assert_equal "$(stored)" 0
	grep -q 'not stored (bad header: SIZE is not a number)' "$LOG"
}

@test "upload_header = optional: an upload without one is stored as before" {
	start <<<"upload_header = optional"
	local f
	f=$(data payload 70000)
	send "$f"
	[[ "$ANSWER" == "OK 70000 $(sha "$f") "* ]]
	assert_equal "$(stored)" 1
}

@test "upload_header = required: an upload without one is refused" {
	start <<<"upload_header = required"
	local f
	f=$(data payload 70000)
	send "$f"
	assert_equal "$ANSWER" "ERR header required"
	send "$(with_header a "SIZE 70000" "$f")"
	[[ "$ANSWER" == "OK 70000 $(sha "$f") "* ]]
	assert_equal "$(stored)" 1
}

@test "store_empty and upload_header: bad values are refused at start, naming the key" {
	local line
	netd_config <<-EOF
	[service upload]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = up
	store_empty = maybe
	EOF
	line=$(grep -n '^store_empty' "$CONF" | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure
	assert_output --partial "netd.ini:$line: key 'store_empty': 'maybe' is not yes or no"
	sed -i 's/^store_empty = maybe$/upload_header = sometimes/' "$CONF"
	run "$NETD" -t -c "$CONF"
	assert_failure
	assert_output --partial "netd.ini:$line: key 'upload_header': 'sometimes' is not none, optional or required"
	sed -i 's/^upload_header = sometimes$/upload_header = required/' "$CONF"
	run "$NETD" -t -c "$CONF"
	assert_success
}
