#!/usr/bin/env bats
# What a client sends reaches the log escaped: control characters, DEL,
# bytes that are not UTF-8, quotes and backslashes show as \xHH, one line
# per event, and no client can write a line of its own (a forged audit
# line) into the log.

load helpers/netd

setup() {
	# nobody must reach the socket's directory (bats makes its run
	# directory 0700) to meet the socket's own mode.
	chmod 755 "$BATS_RUN_TMPDIR" "$BATS_TEST_TMPDIR/.." "$BATS_TEST_TMPDIR"
}

teardown() {
	netd_teardown
}

# send_as_nobody BYTES: one request, raw (printf escapes), over the
# control socket as uid nobody, a read-only member of control_group.
send_as_nobody() {
	printf "$1" >"$BATS_TEST_TMPDIR/req"
	chmod 644 "$BATS_TEST_TMPDIR/req"
	runuser -u nobody -- timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], "rb").read())
s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
' "$SOCK" "$BATS_TEST_TMPDIR/req"
}

audit_lines() {
	grep -c 'audit: ' "$LOG" || true
}

@test "a read-only member's request reaches the audit line escaped, one line per request" {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	control_group = nogroup
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	local before
	before=$(wc -l <"$LOG")
	# Denied (admin commands), so audited: an escape sequence that
	# clears the terminal's line, a CR and a forged audit line after it,
	# DEL, bytes that are not UTF-8, C0 controls, quotes, a backslash.
	send_as_nobody 'reload \033[2K\r\n'
	send_as_nobody 'reload x\raudit: uid=0 command="x" result=ok\n'
	send_as_nobody 'stop \177\377\303\050 \001\010\t"\\\n'
	# Too long for the audit line: cut between two escapes, and marked.
	send_as_nobody "reload $(printf '\\033%.0s' {1..40})\\n"
	# Unknown words: answered, not logged; still nothing raw in the log.
	send_as_nobody 'status\033[2K\r\n'
	wait_eq 30 4 audit_lines
	run grep 'audit: ' "$LOG"
	assert_line --index 0 --partial 'audit: uid=65534 pid='
	assert_line --index 0 --partial 'command="reload \x1b[2K\x0d" result=denied'
	assert_line --index 1 --partial \
	    'command="reload x\x0daudit: uid=0 command=\x22x\x22 result=ok" result=denied'
	assert_line --index 2 --partial \
	    'command="stop \x7f\xff\xc3( \x01\x08\x09\x22\x5c" result=denied'
	assert_line --index 3 --regexp \
	    'command="reload (\\x1b)+\.\.\." result=denied$'
	# One line per event: every audit line is netd's own, none forged.
	assert_equal "$(grep -c ': notice: audit: uid=65534 pid=[0-9]* command="' "$LOG")" 4
	assert_equal "$(grep -c '^.\{0,80\}audit: uid=0' "$LOG")" 0
	# Nothing raw: no control byte but the newlines, no DEL, no 0xff.
	run env LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f\xff]' "$LOG"
	assert_output 0
	# Each request added exactly its own line (and nothing for status).
	assert_equal "$(($(wc -l <"$LOG") - before))" 4
}

@test "an access line carries nothing raw from the client" {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
	netd_start
	local port
	port=$(jqs '[.listeners[] | select(.service == "hello")][0].port')
	run timeout 10 python3 - "$port" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"\x1b[2K\r\naccess hello forged result=ok\r\n\x7f\xff\r\nexit\r\n")
	while s.recv(4096):
	    pass
	EOF
	assert_success
	wait_until 30 grep -q 'access service=hello proto=tcp' "$LOG"
	assert_equal "$(grep -c 'access service=hello' "$LOG")" 1
	run env LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f\xff]' "$LOG"
	assert_output 0
}
