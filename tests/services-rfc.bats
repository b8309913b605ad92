#!/usr/bin/env bats
# The RFC services (echo 862, discard 863, daytime 867, chargen 864,
# time 868) over TCP and UDP, byte for byte, as a client sees them.

load helpers/netd

setup() {
	netd_fixture rfc
}

teardown() {
	netd_teardown
}

# The RFC 864 stream: line i is 72 characters from (32 + i) mod 95, CRLF.
chargen_expected() {
	python3 "$HELPERS/chargen_pattern.py" "$1"
}

DAYTIME_RE='^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (January|February|March|April|May|June|July|August|September|October|November|December) [0-9]{2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-UTC$'

# "Sunday, November 22, 2026 01:20:05-UTC" -> seconds since 1970
daytime_epoch() {
	local s=${1#*, }
	date -u -d "${s%-UTC}" +%s
}

near_now() {
	local t=$1 now
	now=$(date +%s)
	((t >= now - 2 && t <= now + 2))
}

@test "echo TCP returns the bytes and closes after the client's half-close" {
	netd_start
	printf 'hello, echo\r\nsecond line\n' >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$(port_of tcp echo)"
	assert_success
	assert_equal "$(jq -r .head <<<"$output")" "$(cat "$BATS_TEST_TMPDIR/in")"
	assert_equal "$(jq -r .received <<<"$output")" 25
	assert_equal "$(jq -r .recv_error <<<"$output")" null
	run stream --send "$BATS_TEST_TMPDIR/in" ::1 "$(port_of tcp echo 2)"
	assert_equal "$(jq -r .received <<<"$output")" 25
}

@test "echo TCP: 100 MB through one connection come back identical" {
	netd_start
	head -c 100M /dev/urandom >"$BATS_TEST_TMPDIR/big"
	run stream --timeout 240 --send "$BATS_TEST_TMPDIR/big" 127.0.0.1 \
	    "$(port_of tcp echo)"
	assert_success
	assert_equal "$(jq -r .sent <<<"$output")" 104857600
	assert_equal "$(jq -r .received <<<"$output")" 104857600
	assert_equal "$(jq -r .received_sha256 <<<"$output")" \
	    "$(sha256sum "$BATS_TEST_TMPDIR/big" | cut -d' ' -f1)"
	secs=$(jq -r .seconds <<<"$output")
	echo "# echo: 100 MB in ${secs}s" >&3
	wait_until 30 grep -q 'access service=echo proto=tcp .* in=104857600 out=104857600 result=ok' "$LOG"
}

@test "echo UDP returns the datagram" {
	netd_start
	run udp --expect 1 127.0.0.1 "$(port_of udp echo)" 'ping über UDP'
	assert_success
	assert_equal "$(jq -r .first <<<"$output")" \
	    "$(printf 'ping über UDP' | od -An -tx1 | tr -d ' \n')"
}

@test "discard TCP reads everything and sends nothing" {
	netd_start
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$(port_of tcp discard)"
	assert_success
	assert_equal "$(jq -r .sent <<<"$output")" 1048576
	assert_equal "$(jq -r .received <<<"$output")" 0
	wait_eq 30 1048576 listener_stat tcp discard bytes_in
	assert_equal "$(listener_stat tcp discard bytes_out)" 0
}

@test "discard UDP takes the datagram and answers nothing" {
	netd_start
	run udp --wait 0.2 127.0.0.1 "$(port_of udp discard)" 'into the void'
	wait_eq 30 1 listener_stat udp discard datagrams
	assert_equal "$(listener_stat udp discard bytes_in)" 13
	assert_equal "$(listener_stat udp discard bytes_out)" 0
	assert_equal "$(jq -r .replies <<<"$output")" 0
}

@test "daytime TCP sends one line in the default format, CRLF, and closes" {
	netd_start
	run stream --out "$BATS_TEST_TMPDIR/d" 127.0.0.1 "$(port_of tcp daytime)"
	assert_success
	assert_equal "$(tail -c 2 "$BATS_TEST_TMPDIR/d" | od -An -c | tr -d ' ')" '\r\n'
	assert_equal "$(tr -cd '\n' <"$BATS_TEST_TMPDIR/d" | wc -c)" 1
	line=$(head -c -2 "$BATS_TEST_TMPDIR/d")
	[[ "$line" =~ $DAYTIME_RE ]] || fail "not the default format: '$line'"
	near_now "$(daytime_epoch "$line")"
	assert_equal "$(jq -r .received <<<"$output")" $((${#line} + 2))
}

@test "daytime UDP answers with the line" {
	netd_start
	run udp --expect 1 127.0.0.1 "$(port_of udp daytime)"
	assert_success
	line=$(jq -r .first <<<"$output" | xxd -r -p)
	[[ "$line" == *$'\r' ]]
	line=${line%$'\r'}
	[[ "$line" =~ $DAYTIME_RE ]] || fail "not the default format: '$line'"
	near_now "$(daytime_epoch "$line")"
}

@test "daytime format and timezone options, without changing the log's time" {
	TZ=America/New_York netd_start
	run stream 127.0.0.1 "$(port_of tcp berlin)"
	assert_success
	read -r epoch hour zone <<<"$(jq -r .head <<<"$output" | tr -d '\r')"
	near_now "$epoch"
	assert_equal "$hour" "$(TZ=Europe/Berlin date -d "@$epoch" +%H)"
	assert_equal "$zone" "$(TZ=Europe/Berlin date -d "@$epoch" +%Z)"
	# The worker's log lines after the request are still New York time.
	wait_until 30 grep -q 'access service=berlin proto=tcp' "$LOG"
	stamp=$(grep 'access service=berlin proto=tcp' "$LOG" | tail -1 | cut -d' ' -f1)
	# RFC 3339 with New York's offset, and the time is now.
	assert_equal "${stamp: -6}" "$(TZ=America/New_York date +%:z)"
	logged=$(date -d "$stamp" +%s)
	near_now "$logged"
}

@test "daytime: an unknown timezone is refused at start with the key named" {
	netd_config <<-EOF
	[service daytime]
	type = daytime
	timezone = Mars/Olympus_Mons
	listen = tcp://127.0.0.1:0
	EOF
	run timeout 30 "$NETD" -c "$CONF"
	assert_failure
	assert_output --partial "timezone"
	assert_output --partial "Mars/Olympus_Mons"
}

@test "chargen TCP streams the RFC 864 pattern until the client goes" {
	netd_start
	port=$(port_of tcp chargen)
	run stream --max 148 127.0.0.1 "$port"
	assert_success
	first_two=$(jq -r .head <<<"$output" | head -c 148)
	assert_equal "$first_two" "$(chargen_expected 148)"
	assert_equal "$(jq -r .head <<<"$output" | sed -n 1p)" \
	    ' !"#$%&'"'"'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefg'$'\r'
	assert_equal "$(jq -r .head <<<"$output" | sed -n 2p)" \
	    '!"#$%&'"'"'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefgh'$'\r'
	# Past the first 95-line cycle, the pattern goes on the same way.
	run stream --max 300000 --out "$BATS_TEST_TMPDIR/cg" 127.0.0.1 "$port"
	assert_success
	head -c 300000 "$BATS_TEST_TMPDIR/cg" >"$BATS_TEST_TMPDIR/cg300"
	chargen_expected 300000 >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/cg300" "$BATS_TEST_TMPDIR/want"
	# The client left: the worker ends the stream and is idle again.
	wait_eq 60 2 access_lines chargen
	grep 'access service=chargen proto=tcp' "$LOG" | grep -q 'result=ok'
}

@test "chargen TCP waits for a slow reader instead of spinning" {
	netd_start
	port=$(port_of tcp chargen)
	# A client that reads nothing for a while: the worker blocks in poll.
	python3 "$HELPERS/tcp_hold.py" 127.0.0.1 "$port" "$BATS_TEST_TMPDIR/go" 3>&- &
	client=$!
	wait_eq 30 busy jqs '[.workers[] | select(.service == "chargen") | .state][0]'
	pid=$(jqs '[.workers[] | select(.service == "chargen") | .pid][0]')
	t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	# Not a wait: the worker's CPU time is measured over this second.
	sleep 1
	t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	# Less than 0.2 s of CPU in a second of a stalled client.
	touch "$BATS_TEST_TMPDIR/go"
	wait "$client"
	((t1 - t0 < 20)) || fail "chargen worker used $((t1 - t0)) ticks"
	# The client gone, the worker is free again.
	wait_eq 30 1 access_lines chargen
}

@test "chargen UDP answers with 0..512 bytes of the pattern" {
	netd_start
	port=$(port_of udp chargen)
	want=$(chargen_expected 512 | od -An -tx1 | tr -d ' \n')
	lengths=""
	for i in 1 2 3 4 5 6 7 8; do
		run udp --expect 1 127.0.0.1 "$port"
		assert_success
		len=$(jq -r '.lengths[0]' <<<"$output")
		((len >= 0 && len <= 512))
		hex=$(jq -r '.first // ""' <<<"$output")
		assert_equal "$hex" "${want:0:$((len * 2))}"
		lengths+=" $len"
	done
	# Random lengths: eight equal ones would be a 1 in 513^7 chance.
	(($(tr ' ' '\n' <<<"$lengths" | sort -u | grep -c .) > 1))
}

@test "time TCP sends 4 bytes, seconds since 1900 big-endian, and closes" {
	netd_start
	run stream --out "$BATS_TEST_TMPDIR/t" 127.0.0.1 "$(port_of tcp time)"
	assert_success
	assert_equal "$(jq -r .received <<<"$output")" 4
	t=$(od -An -tu4 --endian=big "$BATS_TEST_TMPDIR/t" | tr -d ' ')
	now=$(($(date +%s) + 2208988800))
	echo "# time: $t, date +%s + 2208988800 = $now" >&3
	((t >= now - 2 && t <= now + 2))
}

@test "time UDP answers with the 4 bytes" {
	netd_start
	run udp --expect 1 127.0.0.1 "$(port_of udp time)"
	assert_success
	assert_equal "$(jq -r '.lengths[0]' <<<"$output")" 4
	t=$((16#$(jq -r .first <<<"$output")))
	now=$(($(date +%s) + 2208988800))
	((t >= now - 2 && t <= now + 2))
}
