#!/usr/bin/env bats
# The sample config etc/netd.ini: it checks clean, and every service in it
# answers (on ports the kernel picks, so that tests never collide).

load helpers/netd

SAMPLE="$BATS_TEST_DIRNAME/../etc/netd.ini"

teardown() {
	netd_teardown
}

@test "netd -t passes on etc/netd.ini" {
	run "$NETD" -t -c "$SAMPLE"
	assert_success
	assert_output "netd: config $SAMPLE ok"
}

@test "every service of etc/netd.ini answers" {
	mkdir "$BATS_TEST_TMPDIR/up"
	sed -e 's|^\(listen = .*\)|\1 |' \
	    -e '/^listen = /s|:[0-9]\{1,5\} |:0 |g' \
	    -e 's|^dir = .*|dir = up|' \
	    -e 's|^control_socket = .*|control_socket = '"$BATS_TEST_TMPDIR"'/ctl.sock|' \
	    -e 's|^workers = .*|workers = 2|' -e 's|^min_spare = .*|min_spare = 0|' \
	    "$SAMPLE" >"$BATS_TEST_TMPDIR/netd.ini"
	netd_config <"$BATS_TEST_TMPDIR/netd.ini"
	netd_start
	assert_equal "$(jqs '.listeners | length')" 15
	run timeout 10 python3 "$HELPERS/seed_tcp_client.py" "$(port_of tcp hello)"
	assert_output --partial "Hello, Tracy!"
	printf 'x' >"$BATS_TEST_TMPDIR/x"
	for svc in echo daytime chargen time upload; do
		run stream --max 1 --send "$BATS_TEST_TMPDIR/x" 127.0.0.1 "$(port_of tcp $svc)"
		assert_success
		(($(jq -r .received <<<"$output") >= 1)) || fail "$svc: no answer"
	done
	run curl -sf "http://127.0.0.1:$(port_of tcp http)/status"
	assert_success
	assert_equal "$(jq -r .ok <<<"$output")" true
	for svc in hello echo daytime chargen time; do
		run udp --expect 1 127.0.0.1 "$(port_of udp $svc)"
		assert_equal "$(jq -r .replies <<<"$output")" 1
	done
}
