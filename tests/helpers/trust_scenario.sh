#!/usr/bin/env bash
# The trust boundary, as one scenario run as PID 1 of a new pid namespace
# (unshare --pid --fork --mount-proc), so that a master that signals -1
# could reach nothing but this namespace.
#
# usage: trust_scenario.sh NETD NETCTL DIR pids|all|zeros
#
# Starts two bystanders (a sleep, and a recorder of every signal it
# gets) and a netd; as root, through each worker's /proc/PID/mem,
# overwrites every pid of netd's processes found in the worker's shared
# memory with the sleep's pid (pids), every word of it with -1 (all), or
# every zero word with the sleep's pid (zeros: a free lock becomes one the
# sleep holds); then reload, scale down, stop.  Exits 0 when netd did all
# three, the sleep is alive and the recorder got no signal; prints why
# otherwise.
set -euo pipefail

NETD=$1 NETCTL=$2 DIR=$3 MODE=$4
HERE=$(cd "$(dirname "$0")" && pwd)
SOCK=$DIR/trust.sock

fail() { echo "FAIL: $*"; echo "--- netd log ---"; cat "$DIR/netd.log" || true; exit 1; }
ctl() { timeout 30 "$NETCTL" -s "$SOCK" "$@"; }
poll() {	# poll SECONDS CMD...: until CMD succeeds
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

cat >"$DIR/trust.ini" <<INI
[netd]
workers = 3
control_socket = $SOCK
shutdown_timeout = 2s
[service hello]
type = hello
listen = tcp://127.0.0.1:0 udp://127.0.0.1:0
INI

sleep 1000 &
sleeper=$!
python3 "$HERE/signal_recorder.py" "$DIR/signals" &
recorder=$!
poll 10 test -e "$DIR/signals.ready" || fail "recorder not ready"

"$NETD" -c "$DIR/trust.ini" >"$DIR/netd.log" 2>&1 &
master=$!
poll 20 eval '[[ $(ctl --json status | jq .pool.idle) == 3 ]]' ||
    fail "netd not ready"

workers=$(ctl --json status | jq -r '.workers[].pid')
if [[ $MODE == all ]]; then
	value=-1 find=all
elif [[ $MODE == zeros ]]; then
	value=$sleeper find=0
else
	value=$sleeper find="$master $(echo $workers)"
fi
echo "master $master, workers $(echo $workers), bystanders $sleeper $recorder, writing $value"
for w in $workers; do
	# shellcheck disable=SC2086
	out=$(python3 "$HERE/scribble.py" "$w" "$value" $find) ||
	    fail "scribble $w"
	echo "worker $w: $out"
	[[ $out =~ written=([0-9]+)\ refused=([0-9]+) ]] || fail "scribble output"
	((BASH_REMATCH[2] > 0)) || fail "the view of $w could be written"
done

ctl reload || fail "reload"
ctl scale 1 || fail "scale 1"
poll 20 eval '[[ $(ctl --json status | jq "[.workers[] | select(.generation == 2)] | length") == 1 ]]' ||
    fail "pool did not shrink to 1"
ctl stop || fail "stop"
poll 20 eval '! kill -0 $master 2>/dev/null' || fail "master still running"
wait "$master" || fail "master exit status $?"

kill -0 "$sleeper" 2>/dev/null || fail "the bystander sleep was killed"
if [[ -s $DIR/signals ]]; then
	fail "the bystander got signals: $(tr '\n' ' ' <"$DIR/signals")"
fi
kill -KILL "$sleeper" "$recorder" 2>/dev/null || true
echo "bystanders untouched"
