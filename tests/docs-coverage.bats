#!/usr/bin/env bats
# The man pages are the reference: every config key, netctl command,
# metric and worker or connection state that the code knows is documented
# in the page where an operator looks for it.  The names come from the
# code (the key table through the preprocessor, the command table, the
# metric names, the state names) and from a running netd (netctl config,
# netctl help, /metrics), never from a list kept here, so that a name
# added anywhere without its documentation fails this test, which names
# it and the page it belongs in.
#
#   config keys          man/netd.ini.5   .It Ic KEY
#   netctl commands      man/netctl.8     .It Cm COMMAND
#   metrics (/metrics)   man/netd.ini.5   .Va NAME
#   worker states        man/netctl.8     .Cm STATE (in the list of states)
#   connection states    man/netctl.8     .Cm STATE

load helpers/netd

ROOT="$BATS_TEST_DIRNAME/.."
MAN="$ROOT/man"

teardown() {
	netd_teardown
}

# The mdoc source of a page, one macro line each, continuations joined.
page() {
	cat "$MAN/$1"
}

# NAME is an argument of MACRO in PAGE: ".It Ic" must start a line (an
# entry of its own); ".Cm", ".Va" ... may be called anywhere on a macro
# line (".Pq Cm reading , writing"), each name after it counting up to
# the next macro ("Ns", "No", ",", "or" between names are fine).
in_page() {
	local page=$1 macro=$2 name=$3
	awk -v macro="$macro" -v name="$name" '
	    /^\./ {
		n = split($0, tok, /[ \t]+/)
		if (index(macro, " ") > 0) {
			if (index($0, macro " ") != 1 && $0 != macro)
				next
			for (i = 3; i <= n; i++)
				if (tok[i] == name) { found = 1; exit }
			next
		}
		m = substr(macro, 2)
		on = 0
		for (i = 1; i <= n; i++) {
			t = tok[i]
			if (t == macro || t == m) { on = 1; continue }
			# Another callable macro ends the run (two capitals
			# or a capital and a lower case letter).
			if (t ~ /^\.?[A-Z][a-z][a-z]?$/ && t != "Ns" && t != "No")
				on = 0
			if (on && t == name) { found = 1; exit }
		}
	    }
	    END { exit !found }' "$MAN/$page"
}

# Every name of LIST (one a line) in PAGE under MACRO, or say which not.
# KIND and SOURCE word the failure.
must_document() {
	local kind=$1 source=$2 page=$3 macro=$4 list=$5 name missing=()
	[[ -n "$list" ]] || {
		echo "no ${kind}s found in $source: the extraction is broken" >&2
		return 1
	}
	while IFS= read -r name; do
		[[ -n "$name" ]] || continue
		in_page "$page" "$macro" "$name" || missing+=("$name")
	done <<<"$list"
	if ((${#missing[@]} > 0)); then
		for name in "${missing[@]}"; do
			echo "$kind '$name' ($source) is not documented in man/$page (add it as '$macro $name')" >&2
		done
		return 1
	fi
}

# The preprocessed key table: rows that a build compiles in.
code_keys() {
	"${CC:-cc}" -E -P -D_GNU_SOURCE -DLIBBSD_OVERLAY -I"$ROOT/lib" \
	    -I"$ROOT/server" -isystem /usr/include/bsd \
	    -x c "$ROOT/lib/config_keys.h" |
	    grep -oE '\{ *"[a-z0-9_]+", *K_[A-Z_]+' |
	    sed -E 's/^\{ *"([a-z0-9_]+)".*/\1/' | sort -u
}

@test "docs: every config key is documented in netd.ini(5)" {
	local keys live
	keys=$(code_keys)
	# And what a running netd says its [netd] keys are.
	netd_pool http
	live=$(ctl --json config | jq -r '.netd | keys[]')
	live+=$'\n'$(ctl --json config | jq -r '.services[] | keys[] | select(. != "name")')
	keys=$(printf '%s\n%s\n' "$keys" "$live" | sort -u)
	# The code's list holds what the daemon shows: the extraction works.
	run comm -13 <(code_keys) <(printf '%s\n' "$live" | sort -u)
	assert_output ""
	must_document "config key" "lib/config_keys.h" netd.ini.5 ".It Ic" "$keys"
}

@test "docs: every netctl command is documented in netctl(8)" {
	local cmds live
	cmds=$(grep -oE '\[CMD_[A-Z_]+\] *= *\{ *"[a-z-]+"' "$ROOT/lib/cmd.c" |
	    sed -E 's/.*"([a-z-]+)"$/\1/')
	live=$("$NETCTL" help | awk '/^commands:/ { on = 1; next }
	    /^[^ ]/ { on = 0 } on && /^  [a-z]/ { print $1 }')
	[[ -n "$live" ]]
	cmds=$(printf '%s\n%s\n' "$cmds" "$live" | sort -u)
	must_document "netctl command" "lib/cmd.c" netctl.8 ".It Cm" "$cmds"
}

@test "docs: every metric is documented in netd.ini(5) (/metrics)" {
	local names live
	# Whole string literals that are metric names.
	names=$(cat "$ROOT"/server/*.c |
	    grep -oE '"(netd|process)_[a-z0-9_]+"' | tr -d '"' | sort -u)
	# And the families a running netd exposes.
	netd_pool http
	live=$(curl -sf "http://127.0.0.1:$(port_of tcp http)/metrics" |
	    awk '$1 == "#" && $2 == "TYPE" { print $3 }')
	[[ -n "$live" ]]
	names=$(printf '%s\n%s\n' "$names" "$live" | sort -u)
	must_document "metric" "server/metrics.c, /metrics" netd.ini.5 ".Va" "$names"
}

# The names in the initialiser or switch that follows the line matching
# START in FILE, up to the closing brace.
names_after() {
	awk -v start="$2" '
	    $0 ~ start { on = 1; next }
	    on && /^}/ { exit }
	    on && /^\t};/ { exit }
	    on { while (match($0, /"[a-z_]+"/)) {
		print substr($0, RSTART + 1, RLENGTH - 2)
		$0 = substr($0, RSTART + RLENGTH) } }' "$1"
}

@test "docs: every worker and connection state is documented in netctl(8)" {
	local states conns live
	# A worker's own state (scoreboard) and its slot's (the master's):
	# "running" and "free" are slot states status never shows (a
	# running slot shows its worker's state; a free one is left out).
	states=$(names_after "$ROOT/server/scoreboard.c" '^sb_state_name\(' )
	states+=$'\n'$(names_after "$ROOT/server/scoreboard.c" '^sbv_slot_state_name\(' |
	    grep -vx -e running -e free)
	conns=$(names_after "$ROOT/server/status.c" 'conn_states\[SB_CONN_STATES\] = \{')
	[[ $(wc -l <<<"$conns") -ge 4 ]]
	# And the states /metrics counts.
	netd_pool http
	live=$(curl -sf "http://127.0.0.1:$(port_of tcp http)/metrics" |
	    grep -oE '^netd_workers\{state="[a-z_]+"' | sed -E 's/.*"(.*)"/\1/')
	[[ -n "$live" ]]
	states=$(printf '%s\n%s\n' "$states" "$live" | sort -u)
	must_document "worker state" "server/scoreboard.c, netd_workers" netctl.8 ".Cm" "$states"
	must_document "connection state" "server/status.c" netctl.8 ".Cm" "$conns"
}

@test "docs: the checks see a name that is missing" {
	# The checker itself: an invented name is reported with its page.
	run must_document "config key" "lib/config_keys.h" netd.ini.5 ".It Ic" $'workers\nno_such_key'
	assert_failure
	assert_output "config key 'no_such_key' (lib/config_keys.h) is not documented in man/netd.ini.5 (add it as '.It Ic no_such_key')"
	# Comma lists and Ns are read as separate names.
	in_page netctl.8 ".Cm" idle
	in_page netctl.8 ".Cm" keepalive
	in_page netd.ini.5 ".Va" netd_workers
	! in_page netctl.8 ".Cm" no_such_state
}
