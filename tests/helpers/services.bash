# Helpers for the services tests (tests/services-*.bats), on top of
# netd.bash.
#
#   stream ARGS...          helpers/stream_client.py, bounded by timeout
#   udp ARGS...             helpers/udp_client.py, bounded by timeout
#   status FILTER           `netctl --json status` through jq -r FILTER
#   listener_stat PROTO SERVICE FIELD [N]
#                           a counter of a service's Nth listener
#   drops PROTO SERVICE REASON
#                           UDP drops of a service's first listener
#   counter_is N CMD...     CMD prints N (for wait_until)
#   access_lines SERVICE    the access lines of a service in the log

stream() {
	timeout 300 python3 "$SEEDS/stream_client.py" "$@"
}

udp() {
	timeout 120 python3 "$SEEDS/udp_client.py" "$@"
}

status() {
	ctl --json status | jq -r "$1"
}

listener_stat() {
	local proto=$1 service=$2 field=$3 n=${4:-1}
	ctl --json status | jq -r --arg p "$proto" --arg s "$service" \
	    --arg f "$field" \
	    '[.listeners[] | select(.proto == $p and .service == $s) | .[$f]][]' |
	    sed -n "${n}p"
}

drops() {
	ctl --json status | jq -r --arg p "$1" --arg s "$2" --arg r "$3" \
	    '[.listeners[] | select(.proto == $p and .service == $s) |
	    .drops[$r]][0]'
}

counter_is() {
	local want=$1; shift
	[[ "$("$@")" == "$want" ]]
}

counter_at_least() {
	local want=$1 got; shift
	got=$("$@")
	[[ "$got" =~ ^[0-9]+$ ]] && ((got >= want))
}

access_lines() {
	grep -c "access $1 " "$LOG" || true
}
