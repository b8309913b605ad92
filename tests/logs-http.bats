#!/usr/bin/env bats
# http access lines: one per request, as nginx and Apache write them
# (method, path, status, bytes, user agent, duration), keep-alive included.

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

raw() {
	printf "$1" | timeout 30 socat -t 20 - "TCP:127.0.0.1:$(port_of tcp http)"
}

@test "http: one access line per request on a kept-alive connection, with method, path, status, bytes, agent" {
	netd_start
	run curl -s -A 'probe/1.0 (test)' -o /dev/null -o /dev/null \
	    -o /dev/null -w '%{size_download} %{size_header}\n' \
	    "$(url /status)" "$(url /nope?q=1)" "$(url /metrics)"
	assert_success
	wait_eq 30 3 access_lines http
	# Bytes: head and body as sent.
	read -r body head <<<"$(sed -n 2p <<<"$output")"
	run grep -E '^[0-9T:.+-]+ netd\[[0-9]+\]: info: access service=http proto=tcp listen=tcp://127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:([0-9]+) ' "$LOG"
	assert_line --index 0 --regexp " method=GET path=/status status=200 bytes=[0-9]+ duration=[0-9]+ms request=1 agent=\"probe/1\.0 \(test\)\" result=ok$"
	assert_line --index 1 --regexp " method=GET path=/nope status=404 bytes=$((body + head)) duration=[0-9]+ms request=2 agent=\"probe/1\.0 \(test\)\" result=\"not found\"$"
	assert_line --index 2 --regexp " method=GET path=/metrics status=200 bytes=[0-9]+ duration=[0-9]+ms request=3 "
	# The same client port on all three: one connection.
	assert_equal "$(grep -o 'peer=127.0.0.1:[0-9]*' "$LOG" | sort -u | wc -l)" 1
}

@test "http: 405 and a closing 400 are request lines; what the client wrote is escaped" {
	netd_start
	run raw 'DELETE /x"\xff HTTP/1.1\r\nHost: x\r\nUser-Agent: a"b\\c\xc3\xa9\r\n\r\nBAD\r\n\r\n'
	assert_line --index 0 $'HTTP/1.1 405 Method Not Allowed\r'
	wait_eq 30 2 access_lines http
	grep -qF 'method=DELETE path=/x\x22\xff status=405 bytes=' "$LOG"
	grep -qF 'request=1 agent=a\x22b\x5cc\xc3\xa9 result="method not allowed"' "$LOG"
	grep -qE 'method=- path=- status=400 bytes=[0-9]+ duration=[0-9]+ms request=2 agent=- result="bad request"$' "$LOG"
}

@test "http: a request cut short gets its 408 line; a connection with no request gets a connection line" {
	netd_set http.request_timeout=1s
	netd_start
	run timeout 30 python3 "$HELPERS/http_raw.py" 127.0.0.1 \
	    "$(port_of tcp http)" 'GET / HTTP/1.1\r\nHost: x\r\n' 20
	assert_success
	assert_equal "$(jq -c .statuses <<<"$output")" "[408]"
	wait_eq 30 1 access_lines http
	grep -qE 'access service=http .* method=- path=- status=408 bytes=[0-9]+ duration=[0-9]+ms request=1 agent=- result="request timeout"$' "$LOG"
	run raw ''
	wait_eq 30 2 access_lines http
	grep -qE 'access service=http proto=tcp listen=[^ ]+ peer=[^ ]+ duration=[0-9]+ms in=0 out=0 result=ok$' "$LOG"
}
