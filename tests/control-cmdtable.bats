#!/usr/bin/env bats
# One command table (lib/cmd.c) for netctl and the master: netctl's
# options before or after the command, help from the table, did you mean,
# the daemon taking the same spellings as netctl and refusing the old
# ones, every command documented, every netctl error saying "netctl:".

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	netd_fixture hello max_workers=8
	USAGE="usage: netctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARGS]"
	MAN="$BATS_TEST_DIRNAME/../man/netctl.8"
	TABLE="$BATS_TEST_DIRNAME/../lib/cmd.c"
}

teardown() {
	netd_teardown
}

# One request line straight to the master: its reply.
raw() {
	timeout 20 socat - "UNIX-CONNECT:$SOCK" <<<"$1"
}

# The command names of the table, from its rows in lib/cmd.c.
table_commands() {
	sed -n 's/^\t\[CMD_[A-Z_]*\] = { "\([a-z-]*\)".*/\1/p' "$TABLE"
}

@test "options stand before or after the command" {
	netd_start
	run "$NETCTL" status --json -s "$SOCK"
	assert_success
	assert_equal "$(jq -r '.netd.pid' <<<"$output")" "$NETD_PID"
	run "$NETCTL" --json ping -s "$SOCK"
	assert_success
	assert_equal "$(jq -c '[.ok, .pid]' <<<"$output")" "[true,$NETD_PID]"
	run "$NETCTL" ping --socket="$SOCK" -j
	assert_success
	assert_equal "$(jq -c '[.ok, .pid]' <<<"$output")" "[true,$NETD_PID]"
	run "$NETCTL" reload -s "$SOCK"
	assert_success
	assert_output "$(printf 'generation 1 -> 2\n  no listener or service changes')"
	run "$NETCTL" reload --dry-run --socket "$SOCK" --json
	assert_success
	assert_equal "$(jq -c '[.ok, .dry_run, .from, .to]' <<<"$output")" '[true,true,2,3]'
	# scale's -N is its argument, not an option, wherever -s stands.
	run "$NETCTL" scale +2 -s "$SOCK"
	assert_success
	assert_output "pool size 2 -> 4"
	run "$NETCTL" -s "$SOCK" scale -1 --json
	assert_success
	assert_equal "$(jq -c '[.ok, .from, .to]' <<<"$output")" '[true,4,3]'
	# The config's socket, after the command too.
	run "$NETCTL" ping -c "$CONF"
	assert_success
	assert_output "pong (netd pid $NETD_PID)"
	# "--" ends netctl's options: what follows is the command's.
	run "$NETCTL" -s "$SOCK" -- ping --json
	assert_failure 2
	assert_output "netctl: ping takes no arguments"
	# An option of a command is the command's, not netctl's.
	run "$NETCTL" -s "$SOCK" --dry-run reload
	assert_failure 2
	assert_line --index 0 "netctl: unknown option '--dry-run'"
	run "$NETCTL" -s "$SOCK" ping -s
	assert_failure 2
	assert_line --index 0 "netctl: option -s needs a value (SOCKET)"
	assert_equal "$(jqs '"\(.netd.generation) \(.pool.target)"')" "2 3"
}

@test "netctl help, help COMMAND, COMMAND --help: exit 0, no netd needed" {
	[[ ! -e "$SOCK" ]]
	run --separate-stderr "$NETCTL" -s "$SOCK" help
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "$USAGE"
	assert_line "  reload [--dry-run]             load the config file again"
	assert_line "  scale N|+N|-N                  set the pool size"
	assert_line "  stop [--graceful]              stop netd (fast, or let clients finish)"
	assert_line "  status [--watch [SECONDS]] [--connections]"
	assert_line "                                 pool, listeners and workers"
	assert_line --regexp "^  -s, --socket SOCKET +"
	assert_line --regexp "^  -h, --help +"
	assert_line "exit status: 0 ok, 1 failed, 2 usage, 3 not running, 4 permission denied"
	# help is netctl -h.
	help=$output
	run "$NETCTL" -h
	assert_success
	assert_equal "$output" "$help"

	run --separate-stderr "$NETCTL" -s "$SOCK" help reload
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] reload [--dry-run]"
	assert_line --index 1 "load the config file again"
	assert_line --regexp "^  --dry-run +check the config, show what would change, apply nothing$"
	assert_line --regexp "^access: admin "
	reload=$output
	# COMMAND --help and COMMAND -h say the same; other words do not
	# matter then, nor where the option stands.
	for args in "reload --help" "reload -h" "--help reload" \
	    "reload --dry-run --help" "reload --bogus -h"; do
		# shellcheck disable=SC2086
		run "$NETCTL" -s "$SOCK" $args
		assert_success
		assert_equal "$output" "$reload"
	done

	run "$NETCTL" scale --help
	assert_success
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] scale N|+N|-N"
	assert_line --regexp "^  N\|\+N\|-N +N workers, or N more \(\+N\) or fewer \(-N\); N up to 512$"
	run "$NETCTL" status --help
	assert_success
	assert_line --regexp "^  --watch SECONDS +draw it again every SECONDS \(0.1 to 3600, default 2\)$"
	assert_line --regexp "^access: read-only "
	run "$NETCTL" help help
	assert_success
	assert_line --index 0 "usage: netctl [-s SOCKET] [-c CONFIG] [--json] help [COMMAND]"

	run "$NETCTL" help frobnicate
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'frobnicate'"
	run "$NETCTL" help reload stop
	assert_failure 2
	assert_output "netctl: help: unexpected argument 'stop' (usage: help [COMMAND])"
	[[ ! -e "$SOCK" ]]
}

@test "unknown command: did you mean, when one name is close; exit 2" {
	run "$NETCTL" -s "$SOCK" stauts
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'stauts'; did you mean 'status'?"
	assert_line --index 1 "$USAGE"
	# A unique prefix.
	run "$NETCTL" -s "$SOCK" rel
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'rel'; did you mean 'reload'?"
	# Two edits away.
	run "$NETCTL" -s "$SOCK" relaod
	assert_line --index 0 "netctl: unknown command 'relaod'; did you mean 'reload'?"
	run "$NETCTL" -s "$SOCK" scael
	assert_line --index 0 "netctl: unknown command 'scael'; did you mean 'scale'?"
	run "$NETCTL" -s "$SOCK" pong
	assert_line --index 0 "netctl: unknown command 'pong'; did you mean 'ping'?"
	# The same for help's argument and for COMMAND --help.
	run "$NETCTL" help verison
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'verison'; did you mean 'version'?"
	run "$NETCTL" confg --help
	assert_failure 2
	assert_line --index 0 "netctl: unknown command 'confg'; did you mean 'config'?"
	# Nothing when two names are as close, or none is.
	for word in st re frobnicate x; do
		run "$NETCTL" -s "$SOCK" "$word"
		assert_failure 2
		assert_line --index 0 "netctl: unknown command '$word'"
	done
}

@test "the master refuses 'stop graceful' and 'reload dry-run', naming the valid flag" {
	netd_start
	run raw "stop graceful"
	assert_success
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "stop: unexpected argument 'graceful' (usage: stop [--graceful])"
	run raw "reload dry-run"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "reload: unexpected argument 'dry-run' (usage: reload [--dry-run])"
	run raw "reload --bogus"
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "reload: unknown option '--bogus' (usage: reload [--dry-run])"
	run raw "stop --dry-run"
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "stop: unknown option '--dry-run' (usage: stop [--graceful])"
	# netctl's own words are not requests.
	run raw "status --watch 2"
	assert_equal "$(jq -c '[.ok, .code, .error]' <<<"$output")" \
	    '[false,"usage","status: unknown option '"'"'--watch'"'"' (usage: status [--connections])"]'
	run raw "help"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "unknown command 'help' (ping, version, status, config, reload, scale, stop, reopen, watch, upgrade)"
	run raw "stauts"
	assert_equal "$(jq -r '.error' <<<"$output")" \
	    "unknown command 'stauts' (ping, version, status, config, reload, scale, stop, reopen, watch, upgrade); did you mean 'status'?"
	run raw "scale"
	assert_equal "$(jq -c '[.ok, .code, .error]' <<<"$output")" \
	    '[false,"usage","usage: scale N|+N|-N"]'
	run raw "scale 1000"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	run raw "$(printf 'ping %.0s' {1..9})"
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	# Nothing happened; the refusals of admin commands are audited.
	netd_alive
	assert_equal "$(jqs '"\(.netd.generation) \(.netd.reloads) \(.pool.target)"')" "1 0 2"
	grep -q 'audit: uid=0 pid=[0-9]* command="stop graceful" result=usage error' "$LOG"
	grep -q 'audit: uid=0 pid=[0-9]* command="reload dry-run" result=usage error' "$LOG"
	# A quote cannot end the audited command early.
	run raw 'stop " result=ok'
	assert_equal "$(jq -c '[.ok, .code]' <<<"$output")" '[false,"usage"]'
	grep -qF 'command="stop \x22 result=ok" result=usage error' "$LOG"

	# The canonical forms are what netctl sends, and they work.
	run raw "reload --dry-run"
	assert_equal "$(jq -c '[.ok, .dry_run, .from, .to]' <<<"$output")" '[true,true,1,2]'
	run raw "scale +1"
	assert_equal "$(jq -c '[.ok, .from, .to]' <<<"$output")" '[true,2,3]'
	# Audited as netctl would send it.
	run raw "scale 02"
	assert_equal "$(jq -c '[.ok, .from, .to]' <<<"$output")" '[true,3,2]'
	grep -q 'audit: uid=0 pid=[0-9]* command="scale 2" result=ok' "$LOG"
	run raw "reload"
	assert_equal "$(jq -c '[.ok, .from, .to]' <<<"$output")" '[true,1,2]'
	run raw "stop --graceful"
	assert_equal "$(jq -c '[.ok, .stopping, .pid]' <<<"$output")" "[true,\"graceful\",$NETD_PID]"
	grep -q 'audit: uid=0 pid=[0-9]* command="stop --graceful" result=ok' "$LOG"
	netd_exited 30
}

@test "netctl refuses the old spellings too, before connecting" {
	[[ ! -e "$SOCK" ]]
	run "$NETCTL" -s "$SOCK" stop graceful
	assert_failure 2
	assert_output "netctl: stop: unexpected argument 'graceful' (usage: stop [--graceful])"
	run "$NETCTL" -s "$SOCK" reload dry-run
	assert_failure 2
	assert_output "netctl: reload: unexpected argument 'dry-run' (usage: reload [--dry-run])"
	run "$NETCTL" -s "$SOCK" reload --dry-run --dry-run
	assert_failure 2
	assert_output "netctl: reload: --dry-run given twice"
	run "$NETCTL" -s "$SOCK" scale 600
	assert_failure 2
	assert_output "netctl: scale: '600' is beyond 512 workers, the most netd runs"
	run "$NETCTL" -s "$SOCK" scale 2 3
	assert_failure 2
	assert_output "netctl: scale: unexpected argument '3' (usage: scale N|+N|-N)"
	for secs in 0 nan inf 3601 -1 x; do
		run "$NETCTL" -s "$SOCK" status --watch "$secs"
		assert_failure 2
	done
	run "$NETCTL" -s "$SOCK" status --watch=nan
	assert_failure 2
	assert_output "netctl: --watch takes SECONDS from 0.1 to 3600"
	# The valid spellings get as far as the socket.
	run "$NETCTL" -s "$SOCK" stop --graceful
	assert_failure 3
}

@test "every command of the table: in netctl help and in man/netctl.8" {
	run table_commands
	cmds=$output
	# The table has its rows, help among them.
	[[ $(wc -l <<<"$cmds") -ge 9 ]]
	grep -qx help <<<"$cmds"
	run "$NETCTL" help
	assert_success
	help=$output
	for cmd in $cmds; do
		grep -qE "^  $cmd( |$)" <<<"$help" ||
		    fail "'$cmd' is a row of lib/cmd.c but not in netctl help"
		grep -qE "^\.It Cm $cmd( |$)" "$MAN" ||
		    fail "'$cmd' is a row of lib/cmd.c but has no .It Cm $cmd in man/netctl.8"
		run "$NETCTL" help "$cmd"
		assert_success
		# The man page's entry has the flags the table gives it.
		syn=$(sed -n 's/^usage: netctl \[-s SOCKET\] \[-c CONFIG\] \[--json\] //p' <<<"$output")
		for flag in $(grep -oE -- '--[a-z-]+' <<<"$syn"); do
			grep -qE "^\.It Cm $cmd .*Fl ${flag#-}( |$)" "$MAN" ||
			    fail "man/netctl.8: .It Cm $cmd does not show $flag"
		done
	done
	# And nothing in help that is not a row.
	# (a synopsis too long for its column has its help on the next line,
	# which starts with spaces, not a name)
	help_cmds=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p' <<<"$help" | sort)
	assert_equal "$help_cmds" "$(sort <<<"$cmds")"
	run mandoc -Tlint -Wwarning "$MAN" "$BATS_TEST_DIRNAME/../man/netd.8"
	assert_success
	assert_output ""
}

@test "every netctl error starts with 'netctl:', however it was run" {
	cd "$NETD_BUILD"
	ln -s "$NETCTL" "$BATS_TEST_TMPDIR/ctl-link"
	for prog in ./netctl "$NETCTL" "$BATS_TEST_TMPDIR/ctl-link"; do
		for args in "--bogus" "-x status" "-s" "status --socket" \
		    "frobnicate" "ping extra" "scale many" "help nope" \
		    "status --watch 0" "-s $SOCK ping" \
		    "-c $BATS_TEST_TMPDIR/none.ini ping"; do
			# shellcheck disable=SC2086
			run --separate-stderr "$prog" $args
			assert_failure
			[[ "${stderr%%$'\n'*}" == "netctl: "* ]] ||
			    fail "$prog $args: first line of stderr: ${stderr%%$'\n'*}"
			[[ "$stderr" != *"$prog:"* && "$stderr" != *"ctl-link"* ]] ||
			    fail "$prog $args: names the path: $stderr"
		done
	done
	# Under systemd (stderr is the journal stream): <3>netctl, with the
	# priority on the detail lines too.
	printf '[netd]\nworkers = lots\n' >"$BATS_TEST_TMPDIR/bad.ini"
	err="$BATS_TEST_TMPDIR/err"
	: >"$err"
	rc=0
	JOURNAL_STREAM=$(stat -c '%d:%i' "$err") ./netctl -c "$BATS_TEST_TMPDIR/bad.ini" ping \
	    2>>"$err" || rc=$?
	assert_equal "$rc" 1
	run cat "$err"
	assert_line --index 0 "<3>netctl: cannot find the control socket: $BATS_TEST_TMPDIR/bad.ini has errors"
	assert_line --index 1 --regexp "^<3>.*bad.ini:2: key 'workers'"
}
