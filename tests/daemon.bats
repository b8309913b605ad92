#!/usr/bin/env bats
# netd as a system daemon: command line, identity, logging under journald,
# detaching, and the installed layout with its systemd unit.

load helpers/netd

teardown() {
	if [[ -n "${DETACHED_PID:-}" ]]; then
		kill -KILL "$DETACHED_PID" 2>/dev/null || true
		pkill -KILL -P "$DETACHED_PID" 2>/dev/null || true
	fi
	netd_teardown
}

@test "netd -V, -h and a bad option" {
	run "$NETD" -V
	assert_success
	assert_output --regexp '^netd [0-9]+\.[0-9]+\.[0-9]+$'
	run "$NETD" -h
	assert_success
	assert_output --partial "usage: netd"
	run "$NETD" -x
	assert_failure 2
	assert_output --partial "usage: netd"
}

@test "workers drop to user/group when started as root; the master does not" {
	[[ $(id -u) -eq 0 ]] || skip "needs root"
	netd_pool hello user=nobody group=nogroup
	run ps -o user= -p "$NETD_PID"
	assert_output root
	for pid in $(worker_pids); do
		run ps -o user=,group= -p "$pid"
		assert_output --regexp '^nobody +nogroup$'
		# supplementary groups were reset too
		run awk '/^Groups:/ { print $2 }' "/proc/$pid/status"
		refute_output --regexp '^0$'
	done
	port=$(port_of tcp hello)
	run timeout 10 python3 "$HELPERS/seed_tcp_client.py" "$port"
	assert_success
	assert_output --partial "Hello, Michael!"
}

@test "an unknown user is a config error naming file and line" {
	netd_fixture hello user=no-such-user-here
	run "$NETD" -t -c "$CONF"
	assert_failure 1
	line=$(grep -n '^user = ' "$CONF" | cut -d: -f1)
	assert_output --partial "$CONF:$line: key 'user': no such user 'no-such-user-here'"
}

@test "under journald (JOURNAL_STREAM) every line carries a <N> priority" {
	netd_fixture hello log_level=info
	JOURNAL_STREAM=8:12345 netd_start
	port=$(port_of tcp hello)
	printf 'x\nexit\n' | timeout 10 socat - "TCP:127.0.0.1:$port" >/dev/null
	wait_until 10 grep -q 'access service=hello' "$LOG"
	run grep -c . "$LOG"
	total=$output
	run grep -cE '^<[0-7]>' "$LOG"
	assert_equal "$output" "$total"
	run grep -E '^<6>access service=hello proto=tcp listen=tcp://127.0.0.1:[0-9]+ peer=127.0.0.1:[0-9]+ duration=[0-9]+ms in=7 out=[0-9]+ result=ok$' "$LOG"
	assert_success
	wait_until 10 grep -qE '^<5>ready: generation 1' "$LOG"
}

@test "without journald a line has time, pid and level" {
	netd_pool hello
	wait_until 10 grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} netd\[$NETD_PID\]: notice: ready: generation 1, 2 workers" "$LOG"
}

@test "log_level = warning hides access lines" {
	netd_pool hello log_level=warning
	port=$(port_of tcp hello)
	printf 'x\nexit\n' | timeout 10 socat - "TCP:127.0.0.1:$port" >/dev/null
	ctl status >/dev/null
	run grep -c 'access' "$LOG"
	assert_output 0
}

@test "-d detaches, writes the pid file, and removes it on stop" {
	netd_fixture hello "pid_file=$BATS_TEST_TMPDIR/netd.pid"
	# not through `run`: it would hand the daemon its capture pipe
	"$NETD" -d -c "$CONF" 2>"$LOG" 3>&-
	wait_until 20 "$NETCTL" -s "$SOCK" ping
	DETACHED_PID=$(cat "$BATS_TEST_TMPDIR/netd.pid")
	run "$NETCTL" -s "$SOCK" --json ping
	assert_equal "$(jq .pid <<<"$output")" "$DETACHED_PID"
	# a session of its own, no controlling terminal, and not its leader
	# (so it can never acquire one)
	read -r sid tty < <(ps -o sid=,tty= -p "$DETACHED_PID")
	assert_equal "$tty" "?"
	[[ $sid -ne $(ps -o sid= -p $$) && $sid -ne $DETACHED_PID ]]
	kill -TERM "$DETACHED_PID"
	wait_until 20 bash -c "! kill -0 $DETACHED_PID 2>/dev/null"
	[[ ! -e "$BATS_TEST_TMPDIR/netd.pid" ]]
	[[ ! -e "$SOCK" ]]
}

@test "make install lays out binaries, man pages, config and systemd files" {
	root="$BATS_TEST_TMPDIR/root"
	# -o: install what this run built, never rebuild it with other flags
	run make -C "$BATS_TEST_DIRNAME/.." -s install DESTDIR="$root" \
	    BUILD="$NETD_BUILD" -o "$NETD_BUILD/netd" -o "$NETD_BUILD/netctl"
	assert_success
	[[ -x "$root/usr/local/sbin/netd" && -x "$root/usr/local/bin/netctl" ]]
	for f in man8/netd.8 man8/netctl.8 man5/netd.ini.5; do
		[[ -s "$root/usr/local/share/man/$f" ]]
	done
	# the installed config: the daemon's own user and the system spool
	run grep -E '^(user|group|control_group|dir) = ' "$root/etc/netd/netd.ini"
	assert_line "user = netd"
	assert_line "group = netd"
	assert_line "control_group = netd"
	assert_line "dir = /var/lib/netd/uploads"
	run "$root/usr/local/sbin/netd" -V
	assert_success
	run grep -E '^Exec(Start|Reload)=' "$root/usr/local/lib/systemd/system/netd.service"
	assert_line "ExecStart=/usr/local/sbin/netd -c /etc/netd/netd.ini"
	assert_line "ExecReload=/usr/local/bin/netctl -s /run/netd/netd.sock reload"
	# sysusers and tmpfiles create the user and the upload spool
	mkdir -p "$root/etc"
	touch "$root/etc/passwd" "$root/etc/group"
	run systemd-sysusers --root="$root"
	assert_success
	run grep '^netd:' "$root/etc/passwd"
	assert_success
	run systemd-tmpfiles --create --root="$root"
	[[ -d "$root/var/lib/netd/uploads" ]]
}

@test "the systemd unit verifies and is hardened" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	unit="$BATS_TEST_TMPDIR/netd.service"
	# the unit as installed, pointing at this build so verify finds it
	sed "s|@SBINDIR@|$NETD_BUILD|g; s|@BINDIR@|$NETD_BUILD|g" \
	    "$BATS_TEST_DIRNAME/../systemd/netd.service" >"$unit"
	run systemd-analyze verify --man=no "$unit"
	assert_success
	refute_output --partial "Unknown"
	run systemd-analyze security --offline=true --threshold=35 "$unit"
	assert_success
	assert_output --regexp 'Overall exposure level for netd.service: [0-3]\.[0-9]'
}

@test "a unix: listener serves hello; its socket is removed at stop" {
	netd_pool hello hello.listen=unix:hello.sock
	path="$BATS_TEST_TMPDIR/hello.sock"
	[[ -S "$path" ]]
	run bash -c "printf 'alice\nexit\n' | timeout 10 socat - UNIX-CONNECT:$path"
	assert_success
	assert_output "Welcome!
Hello, alice!"
	run ctl --json status
	assert_equal "$(jq -r '.listeners[0].address' <<<"$output")" "unix:$path"
	wait_until 10 grep -q "access service=hello proto=unix listen=unix:$path peer=unix" "$LOG"
	netd_stop
	[[ ! -e "$path" ]]
}
