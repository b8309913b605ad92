#!/usr/bin/env bats
# http: the status page, /status, /metrics; HTTP/1.1 as curl, python and
# the lesson's raw socket client see it.

load helpers/netd

setup() {
	netd_fixture http
}

teardown() {
	netd_teardown
}

url() {
	echo "http://127.0.0.1:$(port_of tcp http)$1"
}

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# Send raw bytes (printf format in $1), print what comes back until close.
raw() {
	printf "$1" | timeout 30 socat -t 20 - "TCP:127.0.0.1:$(port_of tcp http)"
}

version() {
	"$NETD" -V | cut -d' ' -f2
}

@test "the lesson's raw client gets the HTML status page" {
	netd_start
	run timeout 30 python3 "$HELPERS/http_raw_client.py" "$(port_of tcp http)"
	assert_success
	assert_line --index 0 "HTTP/1.1 200 OK"
	assert_line "Content-Type: text/html; charset=utf-8"
	assert_line "Server: netd/$(version)"
	assert_line "Connection: close"
	assert_line --regexp '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	len=$(grep -m1 '^Content-Length: ' <<<"$output" | cut -d' ' -f2)
	assert_line "BODY $len"
	assert_output --partial "<h1>netd $(version)"
	assert_output --partial "<td>tcp://127.0.0.1:$(port_of tcp http)</td>"
	assert_output --partial "<td>udp://127.0.0.1:$(port_of udp echo)</td>"
	assert_output --partial "<h2>Workers</h2>"
	assert_output --partial "<td class=\"state\">busy</td><td>http</td>"
}

@test "/status is the control socket's status document" {
	netd_start
	run curl -sf -D "$BATS_TEST_TMPDIR/h" "$(url /status)"
	assert_success
	doc=$output
	grep -qi '^Content-Type: application/json' "$BATS_TEST_TMPDIR/h"
	assert_equal "$(jq -r .ok <<<"$doc")" true
	assert_equal "$(jq -r .netd.version <<<"$doc")" "$(version)"
	assert_equal "$(jq -r .netd.pid <<<"$doc")" "$NETD_PID"
	assert_equal "$(jq -r .netd.config <<<"$doc")" "$(realpath "$CONF")"
	assert_equal "$(jq -r .netd.generation <<<"$doc")" 1
	assert_equal "$(jq -r .pool.target <<<"$doc")" 2
	assert_equal "$(jq -r '.pool.busy >= 1' <<<"$doc")" true
	assert_equal "$(jq -r '[.listeners[] | select(.service == "http") | .port][0]' <<<"$doc")" \
	    "$(port_of tcp http)"
	assert_equal "$(jq -r '[.listeners[] | select(.service == "http") | .connections][0]' <<<"$doc")" 1
	# The worker answering is busy with http, for this very client.
	assert_equal "$(jq -r '[.workers[] | select(.state == "busy") | .service][0]' <<<"$doc")" http
	# Same keys and listeners as netctl's.
	assert_equal "$(jq -c 'del(.ok) | keys' <<<"$doc")" \
	    "$(ctl --json status | jq -c 'del(.ok) | keys')"
	assert_equal "$(jq -c '[.listeners[].address]' <<<"$doc")" \
	    "$(ctl --json status | jq -c '[.listeners[].address]')"
}

@test "/metrics is valid Prometheus text format 0.0.4 with the counters" {
	netd_start
	# Some traffic to count: an echo connection and a datagram.
	stream 127.0.0.1 "$(port_of tcp echo)" >/dev/null
	udp --expect 1 127.0.0.1 "$(port_of udp echo)" hi >/dev/null
	wait_eq 30 2 listener_stat udp echo bytes_out
	wait_eq 30 0 jqs .pool.busy
	run curl -sf -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/m" "$(url /metrics)"
	assert_success
	grep -qx $'Content-Type: text/plain; version=0.0.4; charset=utf-8\r' "$BATS_TEST_TMPDIR/h"
	if command -v promtool >/dev/null; then
		run promtool check metrics <"$BATS_TEST_TMPDIR/m"
		assert_success
		refute_output
	fi
	run python3 "$HELPERS/metrics_check.py" <"$BATS_TEST_TMPDIR/m"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/samples"
	val() {
		jq -r --arg n "$1" "select(.name == \$n) $2 | .value" \
		    "$BATS_TEST_TMPDIR/samples"
	}
	assert_equal "$(val netd_info '| select(.labels.version == "'"$(version)"'")')" 1
	assert_equal "$(val netd_listener_connections_total '| select(.labels.service == "echo" and .labels.proto == "tcp")')" 1
	assert_equal "$(val netd_listener_connections_total '| select(.labels.service == "http")')" 1
	assert_equal "$(val netd_listener_sent_bytes_total '| select(.labels.service == "echo" and .labels.proto == "udp")')" 2
	assert_equal "$(val netd_udp_drops_total '| select(.labels.service == "echo")' | wc -l)" 5
	assert_equal "$(val netd_workers '| select(.labels.state == "busy")')" 1
	# One series for each state status counts in the pool, the same
	# count (busy and idle moved when this request ended).
	for st in starting draining backoff failed stalled; do
		assert_equal "$(val netd_workers '| select(.labels.state == "'"$st"'")')" \
		    "$(jqs ".pool.$st")"
	done
	assert_equal "$(val netd_reloads_total)" 0
	[[ "$(val netd_uptime_seconds)" != 0 ]]
	for name in netd_listener_received_bytes_total netd_listener_errors_total \
	    netd_listener_refused_total netd_service_connections_total \
	    netd_reload_failures_total netd_generation; do
		[[ -n "$(val "$name")" ]] || fail "no $name"
	done
}

@test "status codes: 200, 404, 405 with Allow, 400, 414, 431, 505" {
	netd_start
	assert_equal "$(code "$(url /)")" 200
	assert_equal "$(code "$(url /status)")" 200
	assert_equal "$(code "$(url '/metrics?x=1')")" 200
	assert_equal "$(code "$(url /nope)")" 404
	assert_equal "$(code "$(url /status/)")" 404
	assert_equal "$(code -X POST -d x=1 "$(url /)")" 405
	assert_equal "$(code -X DELETE "$(url /status)")" 405
	run curl -s -D - -o /dev/null -X PUT "$(url /)"
	assert_line $'Allow: GET, HEAD\r'
	long=$(head -c 3000 /dev/zero | tr '\0' a)
	assert_equal "$(code "$(url "/$long")")" 414
	long=$(head -c 10000 /dev/zero | tr '\0' a)
	assert_equal "$(code "$(url "/$long")")" 414
	big=$(head -c 9000 /dev/zero | tr '\0' b)
	assert_equal "$(code -H "X-Big: $big" "$(url /)")" 431
	run raw 'GARBAGE\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
	run raw 'GET / HTTP/1.1\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'	# no Host
	run raw 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
	run raw 'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
	run raw 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
	run raw 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 505 HTTP Version Not Supported\r'
	run raw 'G\\001T / HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
	# A request line alone longer than the 8 KiB head: 414, then closed.
	run raw "GET /$(head -c 9000 /dev/zero | tr '\0' a)"
	assert_line --index 0 $'HTTP/1.1 414 URI Too Long\r'
}

@test "HEAD has the headers of GET and no body" {
	netd_start
	run raw 'HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_success
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line --partial 'Content-Length: '
	# Nothing after the empty line that ends the head.
	[[ "$output" == *$'\r\n\r' ]] || [[ "${output: -1}" == $'\r' ]]
	body=$(printf '%s' "$output" | sed '1,/^\r$/d')
	assert_equal "$body" ""
	run curl -sI "$(url /)"
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	run raw 'HEAD /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 404 Not Found\r'
	body=$(printf '%s' "$output" | sed '1,/^\r$/d')
	assert_equal "$body" ""
}

@test "keep-alive: 100 requests through one connection" {
	netd_start
	run timeout 120 python3 "$HELPERS/http_keepalive.py" 127.0.0.1 \
	    "$(port_of tcp http)" 100
	assert_success
	assert_equal "$(jq -c .statuses <<<"$output")" "[200]"
	# One connection accepted and one access line per request on it.
	wait_eq 30 100 access_lines http
	assert_equal "$(listener_stat tcp http connections)" 1
	assert_equal "$(grep -c "access service=http proto=tcp .* peer=127.0.0.1:$(jq -r .local_port <<<"$output") method=GET path=/[a-z]* status=200 " "$LOG")" 100
	# curl with several URLs reuses its connection too.
	run curl -sv -o /dev/null -o /dev/null -o /dev/null "$(url /)" \
	    "$(url /status)" "$(url /metrics)"
	assert_success
	assert_output --partial "Re-using existing connection"
	wait_eq 30 2 listener_stat tcp http connections
}

@test "Connection: close and HTTP/1.0 close; pipelined requests are answered in order" {
	netd_start
	run raw 'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_success
	assert_line --index 0 $'HTTP/1.1 404 Not Found\r'
	assert_line $'Connection: close\r'
	run raw 'GET /status HTTP/1.0\r\n\r\n'
	assert_success
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_line $'Connection: close\r'
	run raw 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_success
	assert_equal "$(grep -c '^HTTP/1.1 ' <<<"$output")" 3
	assert_equal "$(grep '^HTTP/1.1 ' <<<"$output" | cut -d' ' -f2 | tr '\n' ' ')" "404 200 200 "
	assert_output --partial '"ok": true'
}

@test "a request not complete within idle_timeout gets 408 and is closed" {
	netd_start
	t0=$SECONDS
	# Half a request, and the connection kept open: the answer, then EOF.
	printf 'GET / HTTP/1.1\r\nHost: x\r\n' >"$BATS_TEST_TMPDIR/half"
	run stream --no-shutdown --timeout 50 --send "$BATS_TEST_TMPDIR/half" \
	    127.0.0.1 "$(port_of tcp http)"
	assert_success
	assert_equal "$(jq -r .recv_error <<<"$output")" null
	assert_equal "$(jq -r .head <<<"$output" | head -1)" $'HTTP/1.1 408 Request Timeout\r'
	# An idle keep-alive connection is just closed.
	run stream --no-shutdown --timeout 50 127.0.0.1 "$(port_of tcp http)"
	assert_success
	assert_equal "$(jq -r .recv_error <<<"$output")" null
	assert_equal "$(jq -r .received <<<"$output")" 0
	(( SECONDS - t0 < 50 ))
}

@test "text from the config is HTML-escaped on the page" {
	dir="$BATS_TEST_TMPDIR/a<b&\"c'"
	mkdir -p "$dir"
	sed "s|^control_socket = .*|control_socket = $BATS_TEST_TMPDIR/ctl.sock|" \
	    "$CONF" >"$dir/netd.ini"
	CONF="$dir/netd.ini"
	netd_start
	run curl -sf "$(url /)"
	assert_success
	assert_output --partial "a&lt;b&amp;&quot;c&#39;/netd.ini"
	refute_output --partial "a<b&"
}
