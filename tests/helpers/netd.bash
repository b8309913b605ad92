# The test library: a private netd per test, in $BATS_TEST_TMPDIR, on ports
# the kernel picks (listen = ...:0), found through `netctl status --json`.
# Every .bats file loads it with `load helpers/netd` and calls netd_teardown
# from its teardown.
#
# Variables: NETD, NETCTL (the binaries under test), HELPERS (client
# scripts), FIXTURES (config files); per test CONF, SOCK, LOG, NETD_PID.
# NETD_WORKER_CONNECTIONS, when set, goes into every config that does not
# set worker_connections itself (the suite in the classic model: 1).
#
# Config and start
#   netd_config <<EOF ... EOF   write $CONF from the text: @SOCK@ and @TMP@
#                               replaced; [netd] gets control_socket unless
#                               the text sets one
#   netd_fixture NAME [KEY=VALUE...]
#                               $CONF from tests/fixtures/NAME.ini, then
#                               netd_set KEY=VALUE...
#   netd_set [SERVICE.]KEY=VALUE...
#                               set a key of [netd] (or of [service
#                               SERVICE]) in $CONF, replacing or adding it
#   netd_start [ARGS]           start netd -c $CONF, wait until the control
#                               socket answers and every worker has started
#   netd_pool NAME [KEY=VALUE...]
#                               netd_fixture, then netd_start: the usual start
#
# Control and status
#   ctl ARGS...                 netctl against this test's netd
#   jqs FILTER                  `netctl --json status` through jq -r FILTER
#   port_of PROTO SERVICE [N]   the Nth bound port of a service
#   listener_stat PROTO SERVICE FIELD [N]
#                               a field of a service's Nth listener
#   drops PROTO SERVICE REASON  UDP drops of a service's first listener
#   access_lines SERVICE        how many access lines of a service are logged
#   worker_pids                 pids of the workers in status
#   slot_pid SLOT               the pid in a worker slot (or null)
#   respawned SLOT OLDPID       a worker other than OLDPID is in SLOT
#
# Waiting (polling with a deadline, never a fixed sleep)
#   wait_until SECONDS CMD...   poll CMD until it succeeds, or fail
#   wait_eq SECONDS WANT CMD... poll CMD until it prints WANT, or fail
#
# Processes
#   netd_alive                  the master runs (not a zombie)
#   netd_procs                  pids of every process of this test's netd
#                               (all hold $LOG as stderr), dead master's
#                               orphans included
#   pid_gone PID                no such process, or only a zombie left
#   netd_exited [SECS [STATUS]] the master exits (with STATUS, default 0)
#   netd_stop                   TERM the master, wait, KILL what is left
#
# Clients (scripts in tests/helpers/, each bounded by a timeout)
#   hello MODE ARGS...          hello_client.py (modes listed there)
#   stream ARGS...              stream_client.py: send, half-close, read all
#   udp ARGS...                 udp_client.py: datagrams and their replies
#   bg NAME CMD...              run CMD in the background; output in
#                               $BATS_TEST_TMPDIR/NAME.out, pid remembered
#   bg_wait NAME [SECONDS]      wait for it; print its output, return its
#                               exit status
#   bg_stop_all                 kill what bg started and is still running
#   hold_start NAME PORT [HOST] a hello session held open after the greeting
#   hold_port NAME              the held client's source port
#   hold_release NAME           let it send its name, get the reply, say exit
#   loop_start PORT MIN         hello sessions one after another (bg "loop"):
#                               at least MIN, until loop_stop
#   loop_reached N              wait until the loop has done N sessions
#   loop_stop                   let it end; bg_wait loop for its summary
#
# End of test (nginx-tests' DESTROY)
#   expect_worker_signal SIG... the test itself kills workers with SIG (KILL,
#                               SEGV, 9...): such deaths pass the check
#   netd_watch_log FILE         check FILE too, like $LOG
#   netd_check_log FILE...      print every line of FILE... with a sanitizer
#                               report or a worker killed by a signal not
#                               expected; return 1 if there is one
#   netd_teardown               for teardown: stop bg clients and netd, KILL
#                               leftovers, print the log of a failed test,
#                               then netd_check_log on $LOG and the watched
#                               logs (shown too if it fails); its status
#                               fails the test
#
# Used inside: netd_ready, pid_tree, netd_signal_expected.

bats_load_library bats-support
bats_load_library bats-assert

NETD_BUILD=${NETD_BUILD:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/build}
NETD="$NETD_BUILD/netd"
NETCTL="$NETD_BUILD/netctl"
HELPERS="$BATS_TEST_DIRNAME/helpers"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"
HELLO_CLIENT="$HELPERS/hello_client.py"

# Signals the test sends to workers itself (numbers), and more logs to check.
NETD_EXPECTED_SIGNALS=()
NETD_LOGS=()

# --- Config and start ------------------------------------------------------

netd_config() {
	CONF="$BATS_TEST_TMPDIR/netd.ini"
	SOCK="$BATS_TEST_TMPDIR/ctl.sock"
	LOG="$BATS_TEST_TMPDIR/netd.log"
	local body
	body=$(cat)
	body=${body//@SOCK@/$SOCK}
	body=${body//@TMP@/$BATS_TEST_TMPDIR}
	if ! grep -q '^\[netd\]' <<<"$body"; then
		body=$(printf '[netd]\n%s' "$body")
	fi
	# Put our socket into the [netd] section unless the test chose one.
	if ! grep -q '^control_socket' <<<"$body"; then
		body=$(sed "0,/^\[netd\]/s||[netd]\ncontrol_socket = $SOCK|" <<<"$body")
	fi
	# The whole suite also runs in the classic model (make check's
	# sanitizer run: NETD_WORKER_CONNECTIONS=1); a test that sets the
	# key itself keeps its own.
	if [[ -n "${NETD_WORKER_CONNECTIONS:-}" ]] &&
	    ! grep -q '^worker_connections' <<<"$body"; then
		body=$(sed "0,/^\[netd\]/s||[netd]\nworker_connections = $NETD_WORKER_CONNECTIONS|" <<<"$body")
	fi
	printf '%s\n' "$body" >"$CONF"
}

netd_fixture() {
	local file="$FIXTURES/$1.ini"
	shift
	if [[ ! -f "$file" ]]; then
		echo "netd_fixture: no $file" >&2
		return 1
	fi
	netd_config <"$file"
	netd_set "$@"
}

# KEY=VALUE sets KEY in [netd]; SERVICE.KEY=VALUE in [service SERVICE].  A
# key already there is replaced where it stands; a new one ends its section
# (a section not there yet is added at the end).
netd_set() {
	local kv key section
	for kv; do
		key=${kv%%=*}
		section="[netd]"
		if [[ "$key" == *.* ]]; then
			section="[service ${key%%.*}]"
			key=${key#*.}
		fi
		SECTION=$section KEY=$key VALUE=${kv#*=} awk '
		function put() {
			if (!done)
				print ENVIRON["KEY"] " =" \
				    (ENVIRON["VALUE"] == "" ? "" : " " ENVIRON["VALUE"])
			done = 1
		}
		/^\[/ {
			if (in_section)
				put()
			in_section = ($0 == ENVIRON["SECTION"])
			seen = seen || in_section
			print
			next
		}
		in_section && $0 ~ "^" ENVIRON["KEY"] "[ \t]*=" {
			put()
			next
		}
		{ print }
		END {
			if (!seen)
				print ENVIRON["SECTION"]
			put()
		}' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF" || return 1
	done
}

netd_ready() {
	local doc
	doc=$("$NETCTL" -s "$SOCK" --json status 2>/dev/null) &&
	    jq -e '.pool.total > 0 and .pool.starting == 0' <<<"$doc" >/dev/null 2>&1
}

# The log is appended to: a netd started twice in a test keeps the first
# one's lines for the end-of-test check.
netd_start() {
	"$NETD" -c "$CONF" "$@" >>"$LOG" 2>&1 3>&- &
	NETD_PID=$!
	local deadline=$((SECONDS + 20))
	# Ready: the control socket answers and every worker has started.
	# (Not a pipe into jq -e: jq 1.6 exits 0 on empty input.)
	until netd_ready; do
		if ! netd_alive; then
			echo "netd exited during start-up; log:" >&2
			cat "$LOG" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "netd not ready after 20s; log:" >&2
			cat "$LOG" >&2
			return 1
		fi
		sleep 0.05
	done
}

netd_pool() {
	netd_fixture "$@" && netd_start
}

# --- Control and status ----------------------------------------------------

ctl() {
	"$NETCTL" -s "$SOCK" "$@"
}

jqs() {
	ctl --json status | jq -r "$1"
}

listener_stat() {
	local proto=$1 service=$2 field=$3 n=${4:-1}
	ctl --json status | jq -r --arg p "$proto" --arg s "$service" \
	    --arg f "$field" \
	    '[.listeners[] | select(.proto == $p and .service == $s) | .[$f]][]' |
	    sed -n "${n}p"
}

port_of() {
	listener_stat "$1" "$2" port "${3:-1}"
}

drops() {
	ctl --json status | jq -r --arg p "$1" --arg s "$2" --arg r "$3" \
	    '[.listeners[] | select(.proto == $p and .service == $s) |
	    .drops[$r]][0]'
}

access_lines() {
	grep -c "access service=$1 " "$LOG" || true
}

worker_pids() {
	ctl --json status | jq -r '.workers[] | select(.pid != null) | .pid'
}

slot_pid() {
	jqs ".workers[] | select(.slot == $1) | .pid"
}

# Is there a worker in SLOT with a pid other than OLD?
respawned() {
	local pid
	pid=$(slot_pid "$1")
	[[ "$pid" =~ ^[0-9]+$ && "$pid" != "$2" ]]
}

# --- Waiting ---------------------------------------------------------------

# Poll a command until it succeeds; fail after SECS.
wait_until() {
	local secs=$1; shift
	local deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			echo "timed out after ${secs}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# Poll CMD until its output is WANT; fail after SECS, showing the last
# output.  (wait_until's arguments are expanded once, by the caller: use
# this to wait for a value that must be read again each time.)
wait_eq() {
	local secs=$1 want=$2
	shift 2
	local deadline=$((SECONDS + secs)) got
	while :; do
		got=$("$@" 2>/dev/null) || true
		[[ "$got" == "$want" ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "timed out after ${secs}s: '$*' gives '$got'," \
			    "waiting for '$want'" >&2
			return 1
		fi
		sleep 0.05
	done
}

# --- Processes -------------------------------------------------------------

netd_alive() {
	[[ -n "${NETD_PID:-}" ]] && kill -0 "$NETD_PID" 2>/dev/null &&
	    ! grep -q '^State:.*Z' "/proc/$NETD_PID/status" 2>/dev/null
}

netd_procs() {
	local fd pid
	[[ -n "${LOG:-}" ]] || return 0
	for fd in /proc/[0-9]*/fd/2; do
		[[ "$(readlink "$fd" 2>/dev/null)" == "$LOG" ]] || continue
		pid=${fd#/proc/}
		pid=${pid%%/*}
		pid_gone "$pid" || echo "$pid"
	done
}

pid_gone() {
	local state
	state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) ||
	    return 0
	[[ -z "$state" || "$state" == Z || "$state" == X ]]
}

# After a stop: wait (up to SECONDS, default 30) for the master to exit and
# check its exit status is WANT (default 0).  `wait` runs in this shell:
# in a subshell (`run wait`) it cannot reap the master.
netd_exited() {
	local secs=${1:-30} want=${2:-0} rc=0
	wait_until "$secs" pid_gone "$NETD_PID" || return 1
	wait "$NETD_PID" || rc=$?
	NETD_PID=
	if ((rc != want)); then
		echo "netd exited with status $rc, not $want" >&2
		return 1
	fi
}

netd_stop() {
	[[ -n "${NETD_PID:-}" ]] || return 0
	local pids
	pids=$(netd_procs)
	kill -TERM "$NETD_PID" 2>/dev/null || true
	local deadline=$((SECONDS + 10))
	while netd_alive && ((SECONDS < deadline)); do
		sleep 0.05
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	wait "$NETD_PID" 2>/dev/null || true
	NETD_PID=
}

# --- Clients ---------------------------------------------------------------

hello() {
	timeout 120 python3 "$HELLO_CLIENT" "$@"
}

stream() {
	timeout 300 python3 "$HELPERS/stream_client.py" "$@"
}

udp() {
	timeout 120 python3 "$HELPERS/udp_client.py" "$@"
}

bg() {
	local name=$1; shift
	rm -f "$BATS_TEST_TMPDIR/$name.rc"
	{
		# bats runs tests under set -e: keep going to record a failure.
		rc=0
		"$@" || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/$name.rc"
	} >"$BATS_TEST_TMPDIR/$name.out" 2>&1 3>&- &
	echo "$!" >"$BATS_TEST_TMPDIR/$name.pid"
	echo "$!" >>"$BATS_TEST_TMPDIR/bg.pids"
}

# Sessions one after another on PORT (127.0.0.1), at least MIN of them,
# until loop_stop; the count so far is kept in a file (loop_reached).
loop_start() {
	LOOP_STOP="$BATS_TEST_TMPDIR/loop.stop"
	LOOP_PROGRESS="$BATS_TEST_TMPDIR/loop.progress"
	echo 0 >"$LOOP_PROGRESS"
	bg loop timeout 900 python3 "$HELLO_CLIENT" loop 127.0.0.1 "$1" "$2" \
	    "$LOOP_STOP" "$LOOP_PROGRESS"
}

loop_reached() {
	wait_until 120 eval "(( \$(cat '$LOOP_PROGRESS') >= $1 ))"
}

loop_stop() {
	touch "$LOOP_STOP"
}

# Wait (up to SECONDS, default 120) for a bg command; print its output and
# return its exit status.
bg_wait() {
	local name=$1 secs=${2:-120}
	wait_until "$secs" test -s "$BATS_TEST_TMPDIR/$name.rc" || return 124
	cat "$BATS_TEST_TMPDIR/$name.out"
	return "$(cat "$BATS_TEST_TMPDIR/$name.rc")"
}

# A process and all its descendants (a bg function is a subshell running
# timeout running python).
pid_tree() {
	local child
	echo "$1"
	for child in $(pgrep -P "$1"); do
		pid_tree "$child"
	done
}

bg_stop_all() {
	local pid pids=
	[[ -f "$BATS_TEST_TMPDIR/bg.pids" ]] || return 0
	while read -r pid; do
		pids+=" $(pid_tree "$pid")"
	done <"$BATS_TEST_TMPDIR/bg.pids"
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/bg.pids"
}

hold_start() {
	local name=$1 port=$2 host=${3:-127.0.0.1}
	rm -f "$BATS_TEST_TMPDIR/$name.ready" "$BATS_TEST_TMPDIR/$name.go"
	bg "$name" hello hold "$host" "$port" "$BATS_TEST_TMPDIR/$name.ready" \
	    "$BATS_TEST_TMPDIR/$name.go"
	wait_until 30 test -s "$BATS_TEST_TMPDIR/$name.ready" || {
		cat "$BATS_TEST_TMPDIR/$name.out" >&2
		return 1
	}
}

hold_port() {
	cat "$BATS_TEST_TMPDIR/$1.ready"
}

hold_release() {
	touch "$BATS_TEST_TMPDIR/$1.go"
}

# --- End of test -----------------------------------------------------------

# What a sanitizer (ASan, LSan, UBSan) writes when it finds something.
NETD_SANITIZER_RE='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: .*Sanitizer'

# netd logs a worker that died of a signal the master did not send itself
# as "killed by signal N (Name)"; deaths it caused (TERM at a stop, KILL
# past a deadline) never say so.  A test that signals a worker says which
# signals, by name or number.
expect_worker_signal() {
	local sig num
	for sig; do
		if [[ "$sig" =~ ^[0-9]+$ ]]; then
			num=$sig
		elif ! num=$(kill -l "${sig#SIG}" 2>/dev/null); then
			echo "expect_worker_signal: no signal '$sig'" >&2
			return 2
		fi
		NETD_EXPECTED_SIGNALS+=("$num")
	done
}

netd_watch_log() {
	NETD_LOGS+=("$1")
}

netd_signal_expected() {
	local num
	for num in "${NETD_EXPECTED_SIGNALS[@]}"; do
		[[ "$num" == "$1" ]] && return 0
	done
	return 1
}

netd_check_log() {
	local file hit text bad=0
	for file; do
		[[ -f "$file" ]] || continue
		while IFS= read -r hit; do
			text=${hit#*:}
			if [[ ! "$text" =~ $NETD_SANITIZER_RE &&
			    "$text" =~ killed\ by\ signal\ ([0-9]+) ]] &&
			    netd_signal_expected "${BASH_REMATCH[1]}"; then
				continue
			fi
			echo "$file:$hit"
			bad=1
		done < <(grep -naE "$NETD_SANITIZER_RE|killed by signal [0-9]+" "$file")
	done
	return $bad
}

# Everything a test leaves is stopped first, so that the check reads whole
# logs.  (bats runs teardown without `set -e`: the status is returned.)
# After an upgrade the master on $SOCK may be a new one, not a child of
# this shell: stop it by the pid it answers with.
netd_stop_successor() {
	local pid
	pid=$("$NETCTL" -s "${SOCK:-/nonexistent}" --json ping 2>/dev/null |
	    jq -r .pid 2>/dev/null) || true
	if [[ $pid =~ ^[0-9]+$ && $pid != "${NETD_PID:-}" ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait_until 20 pid_gone "$pid" || true
	fi
}

netd_teardown() {
	local pids found file rc=0
	bg_stop_all
	netd_stop
	pids=$(netd_procs)
	if [[ -n "$pids" ]]; then
		echo "killing leftover netd processes: $pids"
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
	fi
	found=$(netd_check_log ${LOG:+"$LOG"} "${NETD_LOGS[@]}") || rc=1
	if [[ -f "${LOG:-}" ]] && { [[ -z "${BATS_TEST_COMPLETED:-}" ]] || ((rc)); }; then
		echo "--- netd log ($LOG) ---"
		cat "$LOG"
	fi
	if ((rc)); then
		for file in "${NETD_LOGS[@]}"; do
			echo "--- $file ---"
			cat "$file" 2>/dev/null
		done
		echo "--- end-of-test check: sanitizer reports, or workers" \
		    "killed by a signal the test did not send" \
		    "(expected: ${NETD_EXPECTED_SIGNALS[*]:-none}) ---"
		echo "$found"
	fi
	return $rc
}
