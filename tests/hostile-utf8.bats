#!/usr/bin/env bats
# Text that is not UTF-8 never blinds monitoring: a refused reload quoting
# a Latin-1 byte, a reload message cut short in the middle of a character,
# a config file whose path has a Latin-1 byte.  Each time `netctl status`
# (human and --json) works and /, /status and /metrics answer 200 with
# valid documents.

load helpers/netd

setup() {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	[service http]
	type = http
	listen = tcp://127.0.0.1:0
	EOF
}

teardown() {
	netd_teardown
}

# Fetch PATH from the http service into $BATS_TEST_TMPDIR/body; prints
# the status code.
fetch() {
	curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    "http://127.0.0.1:$(port_of tcp http)$1"
}

# Is the file strict UTF-8?
utf8_file() {
	python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' \
	    "$1"
}

# Everything a monitor looks at still works and is valid.
monitoring_works() {
	run ctl status
	assert_success
	run ctl --json status
	assert_success
	jq -e '.ok == true and (.netd.pid | type) == "number"' <<<"$output"

	run fetch /status
	assert_output 200
	utf8_file "$BATS_TEST_TMPDIR/body"
	jq -e '.ok == true' "$BATS_TEST_TMPDIR/body"

	run fetch /
	assert_output 200
	utf8_file "$BATS_TEST_TMPDIR/body"
	grep -q '</html>' "$BATS_TEST_TMPDIR/body"

	run fetch /metrics
	assert_output 200
	run python3 "$HELPERS/metrics_check.py" <"$BATS_TEST_TMPDIR/body"
	assert_success
}

@test "a refused reload quoting a Latin-1 byte leaves status readable" {
	netd_start
	printf '[service caf\xe9]\ntype = echo\n' >>"$CONF"
	run ctl reload
	assert_failure 1
	# The error is in the reply, the byte replaced, not the line dropped.
	run ctl --json reload
	assert_failure 1
	jq -e '.errors | length > 0' <<<"$output"
	jq -e '.errors[0] | contains("caf\ufffd")' <<<"$output"
	monitoring_works
	run jqs '.netd.last_reload.ok'
	assert_output false
	run jqs '.netd.last_reload.message'
	assert_output --partial "caf"$'\xef\xbf\xbd'
}

@test "a reload message cut short never ends in half a character" {
	netd_start
	# reload_msg keeps 255 bytes of "refused: FILE:LINE: key
	# 'idle_timeout': 'VALUE' is not a duration ...": pick VALUE so that
	# the cut falls in the middle of a two-byte character.
	local line prefix pad=""
	line=$(($(wc -l <"$CONF") + 4))
	prefix="refused: $CONF:$line: key 'idle_timeout': '"
	if (((255 - ${#prefix}) % 2 == 0)); then
		pad=x
	fi
	printf '[service echo]\ntype = echo\nlisten = tcp://127.0.0.1:0\n' \
	    >>"$CONF"
	printf 'idle_timeout = %s%s\n' "$pad" \
	    "$(printf '\xc3\xa9%.0s' $(seq 150))" >>"$CONF"
	run ctl reload
	assert_failure 1
	monitoring_works
	run jqs '.netd.last_reload.message'
	assert_output --partial "key 'idle_timeout': '"
	refute_output --partial $'\xef\xbf\xbd'
}

@test "a config path with a Latin-1 byte leaves status readable" {
	local latin="$BATS_TEST_TMPDIR/caf"$'\xe9'".ini"
	mv "$CONF" "$latin"
	CONF=$latin
	netd_start
	monitoring_works
	run jqs '.netd.config'
	assert_output "$BATS_TEST_TMPDIR/caf"$'\xef\xbf\xbd'".ini"
	run ctl --json config
	assert_success
	jq -e '.file | endswith("caf\ufffd.ini")' <<<"$output"
}
