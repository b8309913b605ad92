#!/usr/bin/env bats
# UDP under attack: the rate limit's table cannot be steered by a spoofer
# (a keyed hash; an evicted bucket comes back no fuller than it would have
# refilled), and no datagram bounces between netd and another responder
# on this host (two netd, a local UDP server, well-known responder ports),
# whatever udp_rate says.

load helpers/netd

EVICT="$BATS_TEST_DIRNAME/helpers/udp_evict.py"
SPOOF="$BATS_TEST_DIRNAME/helpers/udp_spoof.py"

teardown() {
	local rc=0
	netd_teardown || rc=$?
	b_stop
	return "$rc"
}

# --- A second netd in the same test ($BATS_TEST_TMPDIR/b) -----------------

# b_start: start it with the config on stdin (control_socket added).
b_start() {
	B_DIR="$BATS_TEST_TMPDIR/b"
	B_SOCK="$B_DIR/ctl.sock"
	B_LOG="$B_DIR/netd.log"
	mkdir -p "$B_DIR"
	{
		echo "[netd]"
		echo "control_socket = $B_SOCK"
		cat
	} >"$B_DIR/netd.ini"
	"$NETD" -c "$B_DIR/netd.ini" >"$B_LOG" 2>&1 3>&- &
	B_PID=$!
	wait_until 20 b_ready || {
		cat "$B_LOG" >&2
		return 1
	}
}

b_ready() {
	local doc
	doc=$("$NETCTL" -s "$B_SOCK" --json status 2>/dev/null) &&
	    jq -e '.pool.total > 0 and .pool.starting == 0' <<<"$doc" >/dev/null
}

b_jqs() {
	"$NETCTL" -s "$B_SOCK" --json status | jq -r "$1"
}

# Stop B and whatever of it is left; show its log if the test failed; a
# sanitizer report in it fails the test.
b_stop() {
	[[ -n "${B_PID:-}" ]] || return 0
	local fd pid left=
	kill -TERM "$B_PID" 2>/dev/null || true
	wait_until 10 pid_gone "$B_PID" || true
	for fd in /proc/[0-9]*/fd/2; do
		[[ "$(readlink "$fd" 2>/dev/null)" == "$B_LOG" ]] || continue
		pid=${fd#/proc/}
		left+=" ${pid%%/*}"
	done
	# shellcheck disable=SC2086
	[[ -z "$left" ]] || kill -KILL $left 2>/dev/null || true
	wait "$B_PID" 2>/dev/null || true
	B_PID=
	if [[ -z "${BATS_TEST_COMPLETED:-}" ]]; then
		echo "--- second netd's log ($B_LOG) ---"
		cat "$B_LOG"
	fi
	! grep -E 'runtime error|Sanitizer' "$B_LOG"
}

# --- Helpers -----------------------------------------------------------------

echo_config() {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0
	$(cat)
	EOF
}

udp_port() {
	jqs "[.listeners[] | select(.proto == \"udp\" and .service == \"$1\") | .port][0]"
}

# A listener counter of A (or of B with b_jqs as the first argument).
counter() {
	local get=${3:-jqs}
	"$get" "[.listeners[] | select(.proto == \"udp\" and .service == \"$1\")][0] | $2"
}

at_least() {
	local want=$1 got
	shift
	got=$("$@")
	[[ "$got" =~ ^[0-9]+$ ]] && ((got >= want))
}

# --- The rate limit's table --------------------------------------------------

@test "UDP rate: sources that shared the victim's set under the public hash do not uncap it" {
	echo_config <<<"udp_rate = 5"
	netd_start
	# Nine addresses whose buckets fell in 127.0.0.1's set under the hash
	# netd used to have (anyone could compute it): sent in turn with the
	# victim's datagrams, they evicted its bucket each time, and every
	# spoofed datagram "from" the victim was answered.
	run python3 "$EVICT" same-set echo 127.0.0.1 9
	assert_success
	# shellcheck disable=SC2086
	run timeout 60 python3 "$EVICT" targeted 127.0.0.1 "$(udp_port echo)" \
	    50 127.0.0.1 $output
	assert_success
	local replies secs
	replies=$(jq -r .replies <<<"$output")
	secs=$(jq -r '.seconds | ceil' <<<"$output")
	echo "# $replies replies to 50 datagrams in ${secs}s at udp_rate 5" >&3
	((replies >= 1))
	((replies <= 5 + 5 * secs)) || fail "$replies replies in ${secs}s"
}

@test "UDP rate: a bucket evicted by a flood of sources comes back no fuller than it refilled" {
	echo_config <<<"udp_rate = 100"
	netd_start
	local try out first second refill port
	port=$(udp_port echo)
	# The victim empties its bucket (100 replies), 20480 other sources
	# churn the table (8192 buckets) so that its bucket is all but surely
	# evicted, and the victim comes back: 100 datagrams more.  A new full
	# bucket would answer all of them; the refill since it emptied allows
	# 100 per second.  On a slow machine the flood can take most of a
	# second: try again (with another victim, after the table refilled).
	for try in 1 2 3; do
		out=$(timeout 60 python3 "$EVICT" churn 127.0.0.1 "$port" 100 \
		    20480 "127.0.0.$((try + 1))")
		echo "# try $try: $out" >&3
		refill=$(jq -r .refill_seconds <<<"$out")
		jq -e '.refill_seconds < 0.7' <<<"$out" >/dev/null && break
		sleep 1.1	# every bucket full again
	done
	first=$(jq -r .first <<<"$out")
	second=$(jq -r .second <<<"$out")
	((first >= 1))
	# 10 for the moments between the script's clock and the workers'.
	jq -e --argjson s "$second" '$s <= 100 * .refill_seconds + 10' \
	    <<<"$out" >/dev/null ||
	    fail "$second replies after ${refill}s of refill at udp_rate 100"
}

# --- Loops ---------------------------------------------------------------

# Two netd on one host, echo on different ports; one datagram forged from
# A's port to B's.  Over a second, how many did each receive?
two_netd_pingpong() {
	local rate=$1 a b ca cb
	echo_config <<<"udp_rate = $rate"
	netd_start
	b_start <<-EOF
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0
	udp_rate = $rate
	EOF
	a=$(udp_port echo)
	b=$(b_jqs '[.listeners[] | select(.proto == "udp")][0].port')
	python3 "$SPOOF" "$a" 127.0.0.1 "$b" ping-pong
	wait_until 30 at_least 1 counter echo .datagrams b_jqs
	# A second to bounce, if they bounce.
	sleep 1
	ca=$(counter echo .datagrams)
	cb=$(counter echo .datagrams b_jqs)
	echo "# over a second: A received $ca, B received $cb (udp_rate $rate)" >&3
	assert_equal "$cb" 1
	assert_equal "$ca" 0
	assert_equal "$(counter echo .drops.loop b_jqs)" 1
	assert_equal "$(counter echo .bytes_out b_jqs)" 0
}

@test "UDP loop: a datagram forged from one netd's echo port to another's is not bounced" {
	two_netd_pingpong 100
}

@test "UDP loop: udp_rate = 0 does not turn the loop protection off" {
	two_netd_pingpong 0
}

@test "UDP loop: a forged datagram from a local UDP server's port is not answered" {
	echo_config <<<"udp_rate = 0"
	netd_start
	# Some other UDP server of this host: bound, not connected.
	bg server timeout 60 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(5)
try:
    s.recvfrom(100)
    print("received")
except socket.timeout:
    print("nothing")
' "$BATS_TEST_TMPDIR/server.port"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/server.port"
	python3 "$SPOOF" "$(cat "$BATS_TEST_TMPDIR/server.port")" 127.0.0.1 \
	    "$(udp_port echo)" hello
	run bg_wait server
	assert_output nothing
	assert_equal "$(counter echo .drops.loop)" 1
	assert_equal "$(counter echo .bytes_out)" 0
}

@test "UDP loop: sources on well-known responder ports above 1023 are not answered" {
	echo_config <<<"udp_rate = 0"
	netd_start
	local p port
	port=$(udp_port echo)
	# SSDP, mDNS, memcached: amplifiers a forged source would aim at.
	for p in 1900 5353 11211; do
		python3 "$SPOOF" "$p" 127.0.0.1 "$port" x
	done
	wait_until 30 at_least 3 counter echo .datagrams
	assert_equal "$(counter echo .drops.port)" 3
	assert_equal "$(counter echo .bytes_out)" 0
}

@test "UDP loop: local clients are still answered, unconnected or connected" {
	echo_config <<<"udp_rate = 0"
	netd_start
	run timeout 30 python3 - "$(udp_port echo)" <<-'EOF'
	import socket, sys
	port = int(sys.argv[1])
	got = []
	# The kernel picks the port at the first sendto.
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(5)
	s.sendto(b"one", ("127.0.0.1", port))
	got.append(s.recv(100))
	# Bound to an address, connected to the server.
	c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	c.settimeout(5)
	c.bind(("127.0.0.1", 0))
	c.connect(("127.0.0.1", port))
	c.send(b"two")
	got.append(c.recv(100))
	print(b" ".join(got).decode())
	EOF
	assert_success
	assert_output "one two"
	assert_equal "$(counter echo .drops.loop)" 0
}
