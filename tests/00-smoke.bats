#!/usr/bin/env bats
# The first thing a user does: start netd, talk to it, stop it.

load helpers/netd

setup() {
	netd_pool hello-udp
}

teardown() {
	netd_teardown
}

@test "the seed's TCP client gets its greeting and three replies" {
	port=$(port_of tcp hello)
	run timeout 10 python3 "$HELPERS/seed_tcp_client.py" "$port"
	assert_success
	assert_line --index 0 "Welcome!"
	assert_output --partial "Hello, Michael!"
	assert_output --partial "Hello, Tracy!"
	assert_output --partial "Hello, Sarah!"
}

@test "the seed's UDP client gets its reply" {
	port=$(port_of udp hello)
	run timeout 10 python3 "$HELPERS/seed_udp_client.py" "$port"
	assert_success
	assert_output "从服务器接收的数据: Hello, hello!"
}
