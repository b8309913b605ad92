#!/usr/bin/env bats
# The scoreboard's tables have a size: a configuration may use half of
# them (so a reload replacing everything still fits), -t and reload say
# so clearly, nothing is ever written outside a table, and the counters
# of services that reloads removed are reused.

bats_require_minimum_version 1.5.0
load helpers/netd

teardown() {
	netd_teardown
}

# many_listeners SERVICE N: a [service SERVICE] with N UDP listeners.
many_listeners() {
	printf '[service %s]\ntype = echo\nudp_rate = 0\nlisten =' "$1"
	for ((i = 0; i < $2; i++)); do
		printf ' udp://127.0.0.1:0'
	done
	printf '\n'
}

@test "513 listeners: -t and start refuse them, naming the line of the 513th" {
	netd_config <<-EOF
	[netd]
	workers = 1
	EOF
	{ many_listeners a 300; many_listeners b 213; } >>"$CONF"
	line=$(grep -n '^listen' "$CONF" | sed -n 2p | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_line --index 0 "$CONF:$line: key 'listen': more than 512 listeners"
	run timeout 30 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "$CONF:$line: key 'listen': more than 512 listeners"
}

@test "a reload replacing 300 listeners by 300 others: all counted, nothing overwritten" {
	netd_config <<-EOF
	[netd]
	workers = 1
	EOF
	base=$(cat "$CONF")
	many_listeners a 300 >>"$CONF"
	netd_start
	{ echo "$base"; many_listeners b 300; } >"$CONF"
	run ctl reload
	assert_success
	assert_equal "$(jqs '[.listeners[] | select(.service == "b")] | length')" 300
	assert_equal "$(jqs '.netd.pid')" "$NETD_PID"
	# The last listener's datagrams land in its own counters.
	port=$(jqs '[.listeners[] | select(.service == "b")][299].port')
	run hello udp 127.0.0.1 "$port" ping
	assert_success
	assert_output "ping"
	wait_eq 10 1 jqs "[.listeners[] | select(.port == $port)][0].datagrams"
	assert_equal "$(jqs '.netd.pid')" "$NETD_PID"
}

# services PREFIX N: N hello services named PREFIX0.., max_connections 1.
services() {
	for ((i = 0; i < $2; i++)); do
		printf '[service %s%d]\ntype = hello\nmax_connections = 1\nlisten = tcp://127.0.0.1:0\n' "$1" "$i"
	done
}

@test "300 service names over three reloads: every one has counters, max_connections holds" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	EOF
	base=$(cat "$CONF")
	services a 100 >>"$CONF"
	netd_start
	for p in b c d; do
		{ echo "$base"; services "$p" 100; } >"$CONF"
		run ctl reload
		assert_success
	done
	assert_equal "$(jqs '[.services[].name] | length')" 100
	port=$(port_of tcp d99)
	hold_start held "$port"
	# The second client of d99 is over max_connections = 1.
	run hello raw 127.0.0.1 "$port" 6e6f0a
	assert_output --partial "ERR busy"
	assert_equal "$(jqs '.services[] | select(.name == "d99") | .refused_busy')" 1
	hold_release held
	run bg_wait held
	assert_success
}

@test "129 services in one file: -t refuses them, naming the 129th" {
	netd_config <<-EOF
	[netd]
	workers = 1
	EOF
	services s 129 >>"$CONF"
	line=$(grep -n '^\[service s128\]' "$CONF" | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_line --index 0 "$CONF:$line: more than 128 services"
}
