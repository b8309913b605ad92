#!/usr/bin/env bats
# http: a request whose body length is ambiguous gets 400 and the
# connection closes, so nothing after it is read as a request (RFC 9112
# 6.1, 6.3): two different Content-Length values, one that overflows,
# Transfer-Encoding together with Content-Length.

load helpers/netd

setup() {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	[service http]
	type = http
	listen = tcp://127.0.0.1:0
	idle_timeout = 5s
	EOF
	netd_start
}

teardown() {
	netd_teardown
}

# Send REQUEST (a Python bytes literal body) followed by a pipelined GET
# that asks for a close;
# print the JSON line of tests/helpers/http_raw.py.
send() {
	timeout 60 python3 "$HELPERS/http_raw.py" 127.0.0.1 \
	    "$(port_of tcp http)" "$1GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
}

# One response, 400, then the server closed.
refused() {
	run send "$1"
	assert_success
	assert_output '{"statuses": [400], "closed": true}'
}

@test "two different Content-Length values get 400 and a close" {
	refused 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\n'
	refused 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\ncontent-length: 0\r\n\r\n'
}

@test "a Content-Length that overflows gets 400 and a close" {
	refused 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n'
	refused 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999999\r\n\r\n'
}

@test "Transfer-Encoding with Content-Length gets 400 and a close" {
	refused 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n'
	refused 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n'
}

@test "the same Content-Length twice, or leading zeros, is one length" {
	# RFC 9112 6.3: equal values may be taken as one.  A body (here the
	# pipelined GET) is never read as a request: the connection closes.
	run send 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 45\r\nContent-Length: 45\r\n\r\n'
	assert_output '{"statuses": [200], "closed": true}'
	run send 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 000000000000000000000000045\r\n\r\n'
	assert_output '{"statuses": [200], "closed": true}'
	# Without a body the pipelined request is served.
	run send 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'
	assert_output '{"statuses": [200, 200], "closed": true}'
}
