#!/usr/bin/env bats
# Start-up errors that say why and what to do: a privileged port without
# the privilege (and -t warns of it beforehand), a port another netd
# already serves, a config path that is a directory.

load helpers/netd

teardown() {
	netd_teardown
}

# The first port below net.ipv4.ip_unprivileged_port_start, or skip.
low_port() {
	local start
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	((start > 1)) || skip "every port is unprivileged here"
	echo $((start - 1))
}

# Run as this user without CAP_NET_BIND_SERVICE: root keeps its files.
unprivileged() {
	[[ $(id -u) -eq 0 ]] || skip "needs root (drops CAP_NET_BIND_SERVICE)"
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed"
	setpriv --bounding-set=-net_bind_service "$@"
}

@test "a privileged port without CAP_NET_BIND_SERVICE: the start says why, -t warns" {
	local port line
	port=$(low_port)
	netd_config <<-EOF
	[netd]
	workers = 1
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0 tcp://127.0.0.1:$port
	EOF
	line=$(grep -n '^listen' "$CONF" | cut -d: -f1)
	run unprivileged "$NETD" -t -c "$CONF"
	assert_success
	assert_line "netd: config $CONF ok"
	assert_line "$CONF:$line: key 'listen': warning: port $port is below net.ipv4.ip_unprivileged_port_start ($((port + 1))): binding it needs root or CAP_NET_BIND_SERVICE (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE), or a lower ip_unprivileged_port_start"
	# Only the privileged one is named.
	assert_equal "$(grep -c warning <<<"$output")" 1
	run unprivileged timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "$CONF:$line: key 'listen': cannot listen on tcp://127.0.0.1:$port: Permission denied: port $port is below net.ipv4.ip_unprivileged_port_start"
	assert_output --partial "needs root or CAP_NET_BIND_SERVICE"
	# With the privilege, -t has nothing to warn about.
	run "$NETD" -t -c "$CONF"
	assert_success
	assert_output "netd: config $CONF ok"
}

@test "a second netd on the same ports: 'another netd (pid N) is running'" {
	netd_pool hello workers=1 pid_file="$BATS_TEST_TMPDIR/netd.pid"
	local port
	port=$(port_of tcp hello)
	cp "$CONF" "$BATS_TEST_TMPDIR/second.ini"
	sed -i "s|127.0.0.1:0|127.0.0.1:$port|" "$BATS_TEST_TMPDIR/second.ini"
	# Same pid file: it names the running one.
	run timeout 20 "$NETD" -c "$BATS_TEST_TMPDIR/second.ini"
	assert_failure 1
	assert_output --partial "cannot listen on tcp://127.0.0.1:$port: Address already in use: another netd (pid $NETD_PID) is running (pid_file $BATS_TEST_TMPDIR/netd.pid)"
	# No pid file: the control socket's lock tells who runs.
	sed -i '/^pid_file/d' "$BATS_TEST_TMPDIR/second.ini"
	run timeout 20 "$NETD" -c "$BATS_TEST_TMPDIR/second.ini"
	assert_failure 1
	assert_output --partial "cannot listen on tcp://127.0.0.1:$port: Address already in use: another netd (pid $NETD_PID) is running (control socket $SOCK)"
	# The first one is untouched.
	run ctl ping
	assert_success
}

@test "a port something else holds: no netd is blamed" {
	bg holder python3 "$HELPERS/tcp_port_holder.py" 30
	wait_until 30 test -s "$BATS_TEST_TMPDIR/holder.out"
	local port
	port=$(head -1 "$BATS_TEST_TMPDIR/holder.out")
	netd_config <<-EOF
	[netd]
	workers = 1
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:$port
	EOF
	run timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "cannot listen on tcp://127.0.0.1:$port: Address already in use"
	refute_output --partial "another netd"
}

@test "-c DIRECTORY: it is not a regular file, not a missing section" {
	run "$NETD" -t -c "$BATS_TEST_TMPDIR"
	assert_failure 1
	assert_line "$BATS_TEST_TMPDIR: not a regular file"
	refute_output --partial "[service"
	run "$NETCTL" -c "$BATS_TEST_TMPDIR" status
	assert_failure
	assert_output --partial "$BATS_TEST_TMPDIR: not a regular file"
	refute_output --partial "[service"
}
