#!/usr/bin/env bats
# What every service shares: UDP without amplification (privileged source
# ports, loops, a rate per source that holds across workers), allow,
# max_connections, idle_timeout.

load helpers/netd

teardown() {
	netd_teardown
}

# flood HOST PORT N PAYLOAD: tests/helpers/udp_flood.py against this netd.
flood() {
	timeout 120 python3 "$HELPERS/udp_flood.py" "$NETCTL" "$SOCK" "$@"
}

@test "UDP: no reply to a privileged source port" {
	netd_pool echo-udp
	run timeout 60 python3 "$HELPERS/udp_privileged_source.py" \
	    "$(port_of udp echo)" "$NETCTL" "$SOCK"
	assert_success
	assert_output --regexp '^no reply, source port 10[0-2][0-9]$'
	# An unprivileged port is answered.
	run udp --expect 1 127.0.0.1 "$(port_of udp echo)" ok
	assert_equal "$(jq -r .replies <<<"$output")" 1
	assert_equal "$(listener_stat udp echo bytes_out)" 2
}

@test "UDP: a datagram from another netd UDP listener is not answered (no loop)" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0
	[service echo2]
	type = echo
	listen = udp://127.0.0.1:0
	EOF
	netd_start
	a=$(port_of udp echo)
	b=$(port_of udp echo2)
	# A forged datagram "from" echo to echo2, the start of a ping-pong.
	run timeout 30 python3 "$HELPERS/udp_forged.py" "$a" "$b"
	assert_success
	wait_eq 30 1 drops udp echo2 loop
	assert_equal "$(listener_stat udp echo2 bytes_out)" 0
	assert_equal "$(listener_stat udp echo datagrams)" 0
}

@test "UDP: replies to a flooding source are limited to udp_rate across workers" {
	netd_config <<-EOF
	[netd]
	workers = 3
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0 udp://[::1]:0
	udp_rate = 5
	EOF
	netd_start
	run flood 127.0.0.1 "$(port_of udp echo)" 300 flood
	assert_success
	replies=$(jq -r .replies <<<"$output")
	received=$(jq -r .received <<<"$output")
	secs=$(jq -r '.seconds | ceil' <<<"$output")
	echo "# $replies replies to $received datagrams in ${secs}s at udp_rate 5" >&3
	((received >= 250))
	((replies >= 5))
	((replies <= 5 + 5 * secs)) || fail "$replies replies in ${secs}s"
	assert_equal "$(drops udp echo rate)" $((received - replies))
	# Another source (::1 has its own bucket) is still answered.
	run udp --expect 1 ::1 "$(port_of udp echo 2)" other
	assert_equal "$(jq -r .replies <<<"$output")" 1
	# And in status, as netctl shows it.
	run ctl status
	assert_success
}

@test "UDP: udp_rate = 0 does not limit" {
	netd_pool echo-udp echo.udp_rate=0
	run flood 127.0.0.1 "$(port_of udp echo)" 300 unlimited
	assert_success
	assert_equal "$(jq -r .replies <<<"$output")" "$(jq -r .received <<<"$output")"
	(($(jq -r .received <<<"$output") >= 250))
	assert_equal "$(drops udp echo rate)" 0
}

@test "allow: a peer outside the list is refused on TCP and UDP" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = tcp://127.0.0.1:0 tcp://[::1]:0 udp://127.0.0.1:0 udp://[::1]:0
	allow = 127.0.0.0/8
	EOF
	netd_start
	printf 'allowed\n' >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$(port_of tcp echo 1)"
	assert_equal "$(jq -r .head <<<"$output")" allowed
	run stream --send "$BATS_TEST_TMPDIR/in" ::1 "$(port_of tcp echo 2)"
	assert_equal "$(jq -r .received <<<"$output")" 0
	wait_eq 30 1 listener_stat tcp echo refused 2
	grep -q 'access service=echo proto=tcp listen=tcp://\[::1\]:[0-9]* peer=\[::1\]:[0-9]* .* result=denied' "$LOG"
	assert_equal "$(listener_stat tcp echo refused 1)" 0
	run udp --expect 1 127.0.0.1 "$(port_of udp echo 1)" yes
	assert_equal "$(jq -r .replies <<<"$output")" 1
	udp --wait 0.1 ::1 "$(port_of udp echo 2)" no >/dev/null
	wait_eq 30 1 jqs '[.listeners[] | select(.proto == "udp")][1].drops.denied'
	assert_equal "$(jqs '[.listeners[] | select(.proto == "udp")][1].bytes_out')" 0
	assert_equal "$(jqs '[.listeners[] | select(.proto == "udp")][0].drops.denied')" 0
}

@test "max_connections: one more connection gets ERR busy" {
	netd_pool echo workers=3 echo.max_connections=1
	port=$(port_of tcp echo)
	# The first client stays connected (it has had its echo).
	printf 'first\n' >"$BATS_TEST_TMPDIR/first.in"
	python3 "$HELPERS/tcp_hold.py" --send "$BATS_TEST_TMPDIR/first.in" --echo \
	    --ready "$BATS_TEST_TMPDIR/first" 127.0.0.1 "$port" \
	    "$BATS_TEST_TMPDIR/first.go" 3>&- &
	first=$!
	wait_until 30 test -s "$BATS_TEST_TMPDIR/first"
	assert_equal "$(jqs '.services[] | select(.name == "echo") | .active')" 1
	run stream 127.0.0.1 "$port"
	assert_success
	assert_equal "$(jq -r .head <<<"$output")" $'ERR busy\r'
	assert_equal "$(jqs '.services[] | select(.name == "echo") | .refused_busy')" 1
	assert_equal "$(listener_stat tcp echo refused)" 1
	grep -q 'access service=echo proto=tcp .* result=busy' "$LOG"
	# Once the first has gone, there is room again.
	touch "$BATS_TEST_TMPDIR/first.go"
	wait "$first"
	wait_eq 30 0 jqs '.services[] | select(.name == "echo") | .active'
	printf 'again\n' >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$port"
	assert_equal "$(jq -r .head <<<"$output")" again
}

@test "idle_timeout: a silent client is disconnected" {
	netd_pool echo echo.idle_timeout=1s
	run stream --no-shutdown --timeout 50 127.0.0.1 "$(port_of tcp echo)"
	assert_success
	assert_equal "$(jq -c '[.received, .recv_error, .seconds >= 0.9]' <<<"$output")" \
	    '[0,null,true]'
	wait_until 30 grep -q 'access service=echo proto=tcp .* result=timeout' "$LOG"
}
