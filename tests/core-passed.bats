#!/usr/bin/env bats
# Sockets passed at start, the systemd way (LISTEN_FDS, LISTEN_FDNAMES):
# a socket unit's (by address: tcp, udp, unix), systemd's fd store's (by
# netd's own names, ports the kernel chose included); what is not passed
# is bound and said so, what nobody takes is closed and said so.  And
# listeners on an address the host does not have yet bind (IP_FREEBIND).

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# Start netd through tests/helpers/listen_fds.py with SOCKET... passed;
# $CONF is made from the template on stdin (@PORTn@: the nth socket's).
start_passed() {
	CONF="$BATS_TEST_TMPDIR/netd.ini"
	SOCK="$BATS_TEST_TMPDIR/ctl.sock"
	LOG="$BATS_TEST_TMPDIR/netd.log"
	{
		echo "[netd]"
		echo "control_socket = $SOCK"
		cat
	} >"$BATS_TEST_TMPDIR/netd.tmpl"
	python3 "$HELPERS/listen_fds.py" -t "$BATS_TEST_TMPDIR/netd.tmpl" \
	    "$CONF" "$@" -- "$NETD" -c "$CONF" >>"$LOG" 2>&1 3>&- &
	NETD_PID=$!
	wait_until 20 netd_ready || {
		cat "$LOG"
		return 1
	}
}

@test "socket activation: passed sockets serve the listeners at their addresses; the rest are bound and said so" {
	start_passed tcp:127.0.0.1:0 udp:127.0.0.1:0 \
	    "unix:$BATS_TEST_TMPDIR/echo.sock" tcp:127.0.0.1:0=spare <<-EOF
	workers = 2
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:@PORT1@ udp://127.0.0.1:@PORT2@ tcp://127.0.0.1:0
	[service echo]
	type = echo
	listen = unix:$BATS_TEST_TMPDIR/echo.sock
	EOF
	tcp=$(sed -n 's/.*tcp:\/\/127.0.0.1:\([0-9]*\) udp.*/\1/p' "$CONF")
	udp_port=$(sed -n 's/.*udp:\/\/127.0.0.1:\([0-9]*\) .*/\1/p' "$CONF")
	grep -q "info: 4 descriptors passed at start" "$LOG"
	grep -q "listening on tcp://127.0.0.1:$tcp (service hello), on the socket of systemd's socket unit" "$LOG"
	grep -q "listening on udp://127.0.0.1:$udp_port (service hello), on the socket of systemd's socket unit" "$LOG"
	grep -q "listening on unix:$BATS_TEST_TMPDIR/echo.sock (service echo), on the socket of systemd's socket unit" "$LOG"
	grep -q "notice: listening on tcp://127.0.0.1:[0-9]* (service hello), bound by netd itself: no socket was passed for it" "$LOG"
	grep -q "warning: the descriptor passed as 'spare' matches no listener of the configuration: closed" "$LOG"
	run hello lesson 127.0.0.1 "$tcp" Michael
	assert_output --partial "Hello, Michael!"
	run hello udp 127.0.0.1 "$udp_port" ping
	assert_output "Hello, ping!"
	run bash -c "printf 'ping\n' | timeout 10 socat - UNIX-CONNECT:$BATS_TEST_TMPDIR/echo.sock"
	assert_output "ping"
	# Passed sockets are non-blocking like netd's own: the pool does
	# not hang on one when several workers race for a connection.
	run hello load 127.0.0.1 "$tcp" 200 8
	assert_success
	# The socket unit's file is the socket unit's: left at stop.
	netd_stop
	[[ -S $BATS_TEST_TMPDIR/echo.sock ]]
}

@test "systemd-socket-activate: the first client, who woke netd, is served" {
	command -v systemd-socket-activate >/dev/null ||
	    skip "systemd-socket-activate not installed"
	netd_fixture hello "hello.listen=unix:$BATS_TEST_TMPDIR/hello.sock"
	systemd-socket-activate -l "$BATS_TEST_TMPDIR/hello.sock" \
	    "$NETD" -c "$CONF" >>"$LOG" 2>&1 3>&- &
	NETD_PID=$!
	wait_until 20 test -S "$BATS_TEST_TMPDIR/hello.sock"
	# Nothing runs netd yet; this client makes it start.
	[[ ! -e $SOCK ]]
	run bash -c "printf 'first\nexit\n' | timeout 20 socat - UNIX-CONNECT:$BATS_TEST_TMPDIR/hello.sock"
	assert_success
	assert_output "Welcome!
Hello, first!"
	wait_until 20 netd_ready
	assert_equal "$(ctl --json ping | jq -r .pid)" "$NETD_PID"
	grep -q "on the socket of systemd's socket unit" "$LOG"
}

@test "sockets passed back under netd's names: port 0 finds its port again; a name no longer configured is dropped" {
	# What systemd's fd store hands back on a restart.
	start_passed "tcp:127.0.0.1:0=listen|hello|tcp%3A//127.0.0.1%3A0" \
	    "tcp:127.0.0.1:0=listen|gone|tcp%3A//127.0.0.1%3A0" \
	    "udp:127.0.0.1:0=listen|hello|udp%3A//127.0.0.1%3A0" <<-EOF
	workers = 2
	min_spare = 0
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 udp://127.0.0.1:0
	[service other]
	type = hello
	listen = tcp://127.0.0.1:0
	; passed @PORT1@ @PORT3@
	EOF
	# The ports were chosen by the launcher; netd found them by name.
	assert_equal "$(sed -n 's/^; passed //p' "$CONF")" \
	    "$(port_of tcp hello) $(port_of udp hello)"
	tcp=$(port_of tcp hello)
	grep -q "listening on tcp://127.0.0.1:$tcp (service hello), on the socket passed by the previous master or systemd's store" "$LOG"
	grep -q "listening on udp://127.0.0.1:$(port_of udp hello) (service hello), on the socket passed" "$LOG"
	# Service "other" has a port 0 of its own: "gone"'s is not its.
	grep -q "notice: listening on tcp://127.0.0.1:$(port_of tcp other) (service other), bound by netd itself" "$LOG"
	grep -q "the descriptor passed as 'listen|gone|tcp%3A//127.0.0.1%3A0' matches no listener of the configuration: closed$" "$LOG"
	run hello lesson 127.0.0.1 "$tcp" Michael
	assert_output --partial "Hello, Michael!"
}

@test "a listener on an address the host does not have yet binds (IP_FREEBIND)" {
	# 192.0.2.0/24 is TEST-NET-1: on no interface of this host.
	netd_pool hello "hello.listen=tcp://192.0.2.1:0 tcp://127.0.0.1:0 udp://192.0.2.1:0"
	run jqs '[.listeners[].address] | join(" ")'
	assert_output --regexp '^tcp://192\.0\.2\.1:[0-9]+ tcp://127\.0\.0\.1:[0-9]+ udp://192\.0\.2\.1:[0-9]+$'
	run hello lesson 127.0.0.1 "$(port_of tcp hello 2)" Michael
	assert_output --partial "Hello, Michael!"
}
