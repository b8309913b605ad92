#!/usr/bin/env bats
# Local attackers and faults around root's files: directories another user
# can write (the control socket's, the pid file's, a unix listener's),
# links planted where netd writes, a file or a busy process at the control
# socket's path, two netd starting at once, and a master out of file
# descriptors while control clients keep coming.

bats_require_minimum_version 1.5.0
load helpers/netd

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	local rc=0
	netd_teardown || rc=$?
	if [[ -n "${OTHER_PID:-}" ]]; then
		kill -KILL "$OTHER_PID" 2>/dev/null || true
	fi
	return "$rc"
}

# A hello config with extra [netd] lines ($@).
hello_config() {
	netd_config <<-EOF
	[netd]
	workers = 1
	min_spare = 0
	$(printf '%s\n' "$@")
	[service hello]
	type = hello
	listen = tcp://127.0.0.1:0
	EOF
}

# Let the user nobody reach $T (bats makes its run directory 0700).
open_to_nobody() {
	chmod 755 "$BATS_RUN_TMPDIR" "$T/.." "$T"
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# A start that must fail at once (exit 1) with MESSAGE, leaving nothing.
start_refused() {
	run timeout 20 "$NETD" -c "$CONF"
	assert_failure 1
	assert_output --partial "$1"
	# logged as an error, like every reason netd does not start for
	grep -F -- "$1" <<<"$output" | grep -q ": err: "
}

@test "control socket in a directory another user owns: refused by -t and at start" {
	mkdir "$T/evil"
	chown nobody:nogroup "$T/evil"
	hello_config "control_socket = $T/evil/ctl.sock"
	line=$(grep -n '^control_socket' "$CONF" | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "$CONF:$line: key 'control_socket': directory $T/evil is owned by uid 65534 (nobody), not by root or the daemon's user"
	start_refused "$CONF:$line: key 'control_socket': directory $T/evil is owned by uid 65534 (nobody)"
	[[ -z "$(ls -A "$T/evil")" ]]
}

@test "a directory on the way writable by others is refused; a sticky one (like /tmp) is not" {
	mkdir -m 0777 "$T/ww"
	chmod 0777 "$T/ww"	# whatever the umask
	hello_config "control_socket = $T/ww/run/ctl.sock"
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "key 'control_socket': directory $T/ww is writable by group or others (mode 0777)"
	start_refused "key 'control_socket': directory $T/ww is writable by group or others (mode 0777)"
	[[ ! -e "$T/ww/run" ]]
	# Sticky: nobody can rename what root made there; root's own
	# subdirectory is fine.
	chmod 1777 "$T/ww"
	SOCK="$T/ww/run/ctl.sock"
	netd_start
	[[ -S "$SOCK" ]]
	[[ "$(stat -c '%U %a' "$T/ww/run")" == "root 755" ]]
	netd_stop
	# ...but not as the socket's own directory.
	hello_config "control_socket = $T/ww/ctl.sock"
	start_refused "key 'control_socket': directory $T/ww is writable by group or others (mode 1777)"
}

@test "a directory another user made in a sticky directory is refused" {
	open_to_nobody
	mkdir -m 1777 "$T/tmp"
	chmod 1777 "$T/tmp"
	run as_nobody mkdir "$T/tmp/netd"
	assert_success
	hello_config "control_socket = $T/tmp/netd/ctl.sock"
	start_refused "directory $T/tmp/netd is owned by uid 65534 (nobody)"
	[[ ! -e "$T/tmp/netd/ctl.sock" ]]
}

@test "a symlink on the way: the directories of its target are checked too" {
	mkdir -p "$T/evil/sub" "$T/good"
	chown nobody:nogroup "$T/evil"
	ln -s "$T/evil/sub" "$T/link"
	hello_config "control_socket = $T/link/ctl.sock"
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "directory $T/evil is owned by uid 65534 (nobody)"
	# A link to a safe place, in a safe place: fine.
	ln -s good "$T/link2"
	hello_config "control_socket = $T/link2/ctl.sock"
	SOCK="$T/link2/ctl.sock"
	netd_start
	[[ -S "$T/good/ctl.sock" ]]
}

@test "the control socket is made with its mode and group; never chmod or chown by path" {
	hello_config "control_group = nogroup"
	strace -f -qq -e signal=none -o "$T/trace" \
	    -e trace=chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat \
	    "$NETD" -c "$CONF" >"$LOG" 2>&1 3>&- &
	OTHER_PID=$!
	wait_until 30 ctl ping
	NETD_PID=$(ctl --json ping | jq .pid)
	run stat -c '%a %G' "$SOCK"
	assert_output "660 nogroup"
	run ctl stop
	assert_success
	wait "$OTHER_PID" || true
	OTHER_PID=
	NETD_PID=
	cat "$T/trace"
	# Calls on the socket go through a descriptor opened without
	# following links, never through its path.
	! grep -F "$SOCK" "$T/trace"
	grep -Eq 'fchownat\([0-9]+, "", -1, [0-9]+, AT_EMPTY_PATH\) = 0' "$T/trace"
}

@test "a symlink planted at pid_file: its target is untouched; the pid file replaces the link" {
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/netd.pid"
	hello_config "pid_file = $T/netd.pid"
	netd_start
	run cat "$T/victim"
	assert_output precious
	[[ -f "$T/netd.pid" && ! -L "$T/netd.pid" ]]
	run cat "$T/netd.pid"
	assert_output "$NETD_PID"
	# No temporary file left beside it.
	run ls -A "$T"
	refute_output --partial ".netd.pid."
}

@test "pid_file in a directory another user can write: refused" {
	mkdir "$T/evil"
	chown nobody:nogroup "$T/evil"
	hello_config "pid_file = $T/evil/netd.pid"
	line=$(grep -n '^pid_file' "$CONF" | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "$CONF:$line: key 'pid_file': directory $T/evil is owned by uid 65534 (nobody)"
	start_refused "$CONF:$line: key 'pid_file': directory $T/evil is owned by uid 65534 (nobody)"
	[[ -z "$(ls -A "$T/evil")" ]]
}

@test "a unix listener in a directory another user can write: refused" {
	mkdir -m 0777 "$T/pub"
	chmod 0777 "$T/pub"
	netd_config <<-EOF
	[netd]
	workers = 1
	[service hello]
	type = hello
	listen = unix:$T/pub/hello.sock
	EOF
	line=$(grep -n '^listen' "$CONF" | cut -d: -f1)
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	assert_output --partial "$CONF:$line: key 'listen': directory $T/pub is writable by group or others (mode 0777)"
}

@test "a regular file at the control socket's path is not deleted" {
	hello_config ""
	echo "not a socket" >"$SOCK"
	start_refused "control socket $SOCK: exists and is not a socket"
	run cat "$SOCK"
	assert_output "not a socket"
}

@test "a live process at the control socket whose queue is full is not taken for dead" {
	hello_config ""
	# Listens with a queue of one and never accepts; fill the queue.
	bg busy python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(0)
held = []
for i in range(8):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(sys.argv[1])
    except BlockingIOError:
        break
    held.append(c)
print("full", flush=True); time.sleep(120)' "$SOCK"
	wait_until 20 grep -q full "$T/busy.out"
	inode=$(stat -c %i "$SOCK")
	start_refused "control socket $SOCK: another process listens there"
	assert_equal "$(stat -c %i "$SOCK")" "$inode"
}

@test "two netd starting at once on one control socket: one serves, one fails" {
	hello_config ""
	sed 's/^workers = 1/workers = 2/' "$CONF" >"$T/other.ini"
	# The first waits half a second between bind and listen: the window
	# in which a socket nobody listens on yet looks stale.
	strace -f -qq -e signal=none -o /dev/null -e trace=listen \
	    -e inject=listen:delay_enter=500000 \
	    "$NETD" -c "$CONF" >"$LOG" 2>&1 3>&- &
	OTHER_PID=$!
	wait_until 20 test -S "$SOCK"
	inode=$(stat -c %i "$SOCK")
	run timeout 20 "$NETD" -c "$T/other.ini"
	assert_failure 1
	assert_output --partial "control socket $SOCK: another netd is running there"
	# The first one keeps its socket, and serves.
	wait_until 20 ctl ping
	assert_equal "$(stat -c %i "$SOCK")" "$inode"
	NETD_PID=$(ctl --json ping | jq .pid)
	[[ "$(tr '\0' ' ' <"/proc/$NETD_PID/cmdline")" == *"-c $CONF"* ]]
	# The lock beside the socket goes with it at stop.
	[[ -f "$SOCK.lock" ]]
	ctl stop
	wait "$OTHER_PID" || true
	OTHER_PID=
	NETD_PID=
	[[ ! -e "$SOCK" && ! -e "$SOCK.lock" ]]
}

# utime + stime of a process, in clock ticks.
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

@test "master out of descriptors (EMFILE): accepting pauses, the log stays calm" {
	hello_config ""
	netd_start
	# Room for two or three clients more than it holds now.
	nfd=$(ls "/proc/$NETD_PID/fd" | wc -l)
	prlimit --pid "$NETD_PID" --nofile=$((nfd + 3)):$((nfd + 3))
	bg idle timeout 60 python3 "$HELPERS/control_idle.py" "$SOCK" 100
	wait_until 20 grep -q holding "$T/idle.out"
	wait_until 20 grep -q "Too many open files" "$LOG"
	# A measurement window, not a wait for readiness.
	lines=$(wc -l <"$LOG")
	cpu=$(cpu_ticks "$NETD_PID")
	sleep 3
	lines=$(($(wc -l <"$LOG") - lines))
	cpu=$(($(cpu_ticks "$NETD_PID") - cpu))
	echo "log lines in 3s: $lines, master CPU ticks: $cpu"
	((lines <= 6))
	((cpu <= 60))
	# The clients gone, the master answers again.
	bg_stop_all
	wait_until 30 ctl ping
	run ctl ping
	assert_output "pong (netd pid $NETD_PID)"
}
