#!/usr/bin/env bats
# One vocabulary across netctl status, the status document, the page and
# /metrics, in formats a person and a parser can read: requests, not
# "served"; UDP listeners count datagrams; bytes with units and one
# duration format in the CLI; sane JSON numbers; no trailing spaces; the
# per-service table in the CLI; every field documented in netctl(8).

load helpers/netd

setup() {
	netd_fixture hello-http-unix
}

teardown() {
	netd_teardown
}

get() {
	curl -sf --unix-socket "$BATS_TEST_TMPDIR/http.sock" "http://x$1"
}

@test "JSON numbers print as they are: no 22.844000000000001, over the socket and /status" {
	netd_start
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	# Several looks: uptime and durations change between them.
	for i in 1 2 3 4 5; do
		ctl --json status >>"$BATS_TEST_TMPDIR/docs"
		get /status >>"$BATS_TEST_TMPDIR/docs"
		socat - "UNIX-CONNECT:$SOCK" <<<status >>"$BATS_TEST_TMPDIR/docs"
	done
	run grep -Eo '[0-9]+\.[0-9]{12,}' "$BATS_TEST_TMPDIR/docs"
	assert_failure
	refute_output
	# And they are still numbers, to the millisecond.
	[[ "$(ctl --json status | jq '.netd.uptime | type')" == '"number"' ]]
}

@test "netctl status: rows end where their text ends, bytes have units, durations one format" {
	netd_start
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	udp --expect 1 127.0.0.1 "$(port_of udp hello)" hi >/dev/null
	wait_eq 30 1 listener_stat udp hello datagrams
	ctl status >"$BATS_TEST_TMPDIR/out"
	run grep -n ' $' "$BATS_TEST_TMPDIR/out"
	assert_failure
	# IN and OUT: the last two columns of the listener table, and of
	# the workers' before NOTE.
	awk '/^LISTENER/ { t = 1; next } /^$/ { t = 0 } t { print $(NF - 1); print $NF }' \
	    "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/bytes"
	awk '/^SLOT/ { t = 1; next } /^$/ { t = 0 } t { print $12; print $13 }' \
	    "$BATS_TEST_TMPDIR/out" >>"$BATS_TEST_TMPDIR/bytes"
	[[ $(wc -l <"$BATS_TEST_TMPDIR/bytes") -ge 8 ]]
	run grep -Evx '[0-9]+B|[0-9]+(\.[0-9])?(KiB|MiB|GiB|TiB)' "$BATS_TEST_TMPDIR/bytes"
	assert_failure
	# Durations: uptime, FOR and CPU, all alike.
	dur='([0-9]\.[0-9]s|[1-5]?[0-9]s|[0-9]+m[0-5][0-9]s|[0-9]+h[0-5][0-9]m|[0-9]+d[0-2][0-9]h)'
	grep -Eq "^     Master: pid [0-9]+, up $dur \(since " "$BATS_TEST_TMPDIR/out"
	awk '/^SLOT/ { t = 1; next } /^$/ { t = 0 } t { print $7; print $10 }' \
	    "$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/durs"
	run grep -Evx "$dur" "$BATS_TEST_TMPDIR/durs"
	assert_failure
}

@test "requests everywhere: REQUESTS in the CLI and on the page, requests in JSON and /metrics" {
	netd_start
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	wait_eq 30 1 jqs '[.workers[].requests] | add'
	slot=$(jqs '[.workers[] | select(.requests == 1) | .slot][0]')
	run ctl status
	assert_success
	refute_output --partial SERVED
	assert_line --regexp "^SLOT +PID +GEN +STATE +SERVICE +PEER +FOR +REQUESTS +"
	assert_line --regexp "^ +$slot +[0-9]+ +1 +idle +- +- +[0-9.ms]+ +1 +"
	run get /
	refute_output --partial served
	assert_output --partial "<th>REQUESTS</th>"
	# The page and /metrics are requests too: the count is between
	# what status says before and after.
	before=$(jqs ".workers[] | select(.slot == $slot) | .requests")
	m=$(get /metrics | awk -v s="netd_worker_requests_total{slot=\"$slot\"}" '$1 == s { print $2 }')
	after=$(jqs ".workers[] | select(.slot == $slot) | .requests")
	(( before >= 1 && before <= m && m <= after ))
}

@test "UDP listeners count datagrams, TCP listeners connections: in JSON, the CLI and /metrics" {
	netd_start
	UDP=$(port_of udp hello)
	TCP=$(port_of tcp hello)
	udp --count 2 --expect 2 127.0.0.1 "$UDP" hi >/dev/null
	wait_eq 30 2 listener_stat udp hello datagrams
	assert_equal "$(jqs '[.listeners[] | select(.proto == "udp") | has("connections")][0]')" false
	assert_equal "$(jqs '[.listeners[] | select(.proto == "tcp") | has("datagrams")][0]')" false
	assert_equal "$(listener_stat tcp hello connections)" 0
	run ctl status
	assert_line --regexp "^udp://127.0.0.1:$UDP +udp +hello +- +- +- +2 +"
	assert_line --regexp "^tcp://127.0.0.1:$TCP +tcp +hello +0/511 +0 +0 +- +"
	run get /metrics
	assert_line "netd_listener_datagrams_total{listener=\"udp://127.0.0.1:$UDP\",proto=\"udp\",service=\"hello\"} 2"
	assert_line "netd_listener_connections_total{listener=\"tcp://127.0.0.1:$TCP\",proto=\"tcp\",service=\"hello\"} 0"
	refute_line --regexp '^netd_listener_connections_total\{.*proto="udp"'
}

@test "the per-service table in the CLI, as the status document has it" {
	netd_start
	hello lesson 127.0.0.1 "$(port_of tcp hello)" Michael >/dev/null
	wait_eq 30 1 jqs '[.services[] | select(.name == "hello") | .connections][0]'
	run ctl status
	assert_success
	assert_line --regexp "^SERVICE +ACTIVE +CONNS +REFUSED_BUSY$"
	while read -r name active conns busy; do
		assert_line --regexp "^$name +$active +$conns +$busy$"
	done < <(jqs '.services[] | "\(.name) \(.active) \(.connections) \(.refused_busy)"')
}

@test "every field of the status document is in netctl(8) STATUS FIELDS" {
	netd_start
	sed -n '/^\.Sh STATUS FIELDS/,/^\.Sh /p' "$BATS_TEST_DIRNAME/../man/netctl.8" \
	    >"$BATS_TEST_TMPDIR/fields"
	[[ -s "$BATS_TEST_TMPDIR/fields" ]] || fail "netctl.8 has no STATUS FIELDS section"
	ctl --json status | jq -r '[paths | map(select(type == "string")) | last] | unique[] // empty' |
	    while read -r key; do
		grep -Eq "^\.It Cm ([a-z_]+ , )*$key( |$)|^\.Ss $key$" \
		    "$BATS_TEST_TMPDIR/fields" || echo "$key"
	    done >"$BATS_TEST_TMPDIR/missing"
	run cat "$BATS_TEST_TMPDIR/missing"
	refute_output
}
