#!/usr/bin/env bats
# netd installed by `make install` and run by a real systemd (PID 1 of a
# throwaway box, tests/helpers/systemd-box.sh): sysusers, tmpfiles, the
# unit's Type=notify start, identity, journald levels, synchronous and
# refused reloads, stop, and restart after a crash; restarts and upgrades
# under load with and without the fd store, socket activation, the notify
# protocol (STATUS=, watchdog) and the unit's hardening.  Each test boots
# a box of its own; nothing of the host is written or started.

load helpers/netd
source "$BATS_TEST_DIRNAME/helpers/systemd-box.sh"

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
UNIT=netd.service
# The classic clients, copied in: the box has a /tmp of its own, so a
# checkout under /tmp would not be seen there.
BSEEDS=/var/tmp/netd-seeds
# A sanitizer build (make check-asan) gets the run's sanitizer options, in
# the box and in the unit (LeakSanitizer cannot work under its syscall
# filter: it needs ptrace).
SAN_ENV=()
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	[[ -z ${!v:-} ]] || SAN_ENV+=("$v=${!v}")
done

# What the box must never change on the host.
host_state() {
	local p
	getent passwd netd || true
	getent group netd || true
	for p in /etc/netd /usr/local/sbin/netd /usr/local/bin/netctl \
	    /lib/systemd/system/netd.service /usr/lib/sysusers.d/netd.conf \
	    /usr/lib/tmpfiles.d/netd.conf /usr/local/lib/systemd/system \
	    /usr/local/lib/sysusers.d /usr/local/lib/tmpfiles.d \
	    /var/lib/netd /run/netd; do
		stat -c '%n %i %Y' "$p" 2>/dev/null || true
	done
}

setup() {
	local why
	if why=$(box_unsupported); then
		skip "cannot boot systemd in a box here: $why"
	fi
	HOST_BEFORE=$(host_state)
	box_start
	BOX_ENV=("${SAN_ENV[@]}")
}

teardown() {
	local rc=0 left
	if [[ -n ${BOX_PID:-} && -z ${BATS_TEST_COMPLETED:-} ]]; then
		echo "--- systemctl status $UNIT (in the box) ---"
		box_run -t 10 systemctl status --no-pager -l "$UNIT" || true
		echo "--- journal of $UNIT (in the box) ---"
		box_journal "$UNIT" || true
	fi
	# netd's log is the unit's journal: taken whole, netd stopped, for the
	# end-of-test check (netd_teardown, below).
	if [[ -n ${BOX_PID:-} ]]; then
		box_run -t 60 systemctl stop "$UNIT" >/dev/null 2>&1 || true
		box_journal "$UNIT" >"$BATS_TEST_TMPDIR/journal.log" 2>&1 || true
		netd_watch_log "$BATS_TEST_TMPDIR/journal.log"
	fi
	box_stop || rc=1
	left=$(box_leftovers)
	if [[ -n $left ]]; then
		echo "the box left behind:"
		echo "$left"
		rc=1
	fi
	if [[ -n ${HOST_BEFORE+set} && "$(host_state)" != "$HOST_BEFORE" ]]; then
		echo "the host changed:"
		diff <(echo "$HOST_BEFORE") <(host_state) || true
		rc=1
	fi
	netd_teardown || rc=1
	return $rc
}

# systemctl's answer for a property of the unit.
prop() {
	box_run systemctl show -P "$1" "$UNIT"
}

# netctl --json status inside the box, through jq -r FILTER.
bjq() {
	local doc
	doc=$(box_run netctl --json status) || return 1
	jq -r "$1" <<<"$doc"
}

# The lines of the unit's journal at PRIORITY or more important.
journal_at() {
	box_run journalctl --no-pager -o cat -u "$UNIT" -p "$1"
}

# grep -q on the unit's journal at PRIORITY (for wait_until).
journal_has() {
	journal_at "$1" | grep -qE -- "$2"
}

# A drop-in for the unit, NAME.conf with the lines given, before the start.
dropin() {
	local name=$1
	shift
	mkdir -p "$BOX_ROOT/etc/systemd/system/$UNIT.d"
	printf '%s\n' '[Service]' "$@" \
	    >"$BOX_ROOT/etc/systemd/system/$UNIT.d/$name.conf"
}

# Install into the box's root (the host sees it at /proc/PID1/root), make the
# user and the directories as a package's postinst would, and start netd.
install_and_start() {
	install_only
	run box_run -t 60 systemctl start "$UNIT"
	assert_success
}

install_only() {
	# a config the host might have would be kept by make install
	box_run rm -rf /etc/netd "$BSEEDS"
	box_run mkdir -p "$BSEEDS"
	box_cp "$HELPERS/seed_tcp_client.py" "$BSEEDS/"
	box_cp "$HELPERS/seed_udp_client.py" "$BSEEDS/"
	box_cp "$HELPERS/seed_upload_client.py" "$BSEEDS/"
	box_cp "$HELPERS/hello_client.py" "$BSEEDS/"
	box_cp "$HELPERS/session_loop.py" "$BSEEDS/"
	# -o: install the binaries under test as they are; never rebuild them
	# here (with the default flags, into someone's sanitizer build)
	run make -C "$TOP" -s install DESTDIR="$BOX_ROOT" BUILD="$NETD_BUILD" \
	    -o "$NETD_BUILD/netd" -o "$NETD_BUILD/netctl"
	assert_success
	if ((${#SAN_ENV[@]})); then
		mkdir -p "$BOX_ROOT/etc/systemd/system/$UNIT.d"
		{
			echo '[Service]'
			printf 'Environment="%s"\n' "${SAN_ENV[@]}"
		} >"$BOX_ROOT/etc/systemd/system/$UNIT.d/sanitizers.conf"
	fi
	run box_run systemd-sysusers
	assert_success
	run box_run systemd-tmpfiles --create
	assert_success
	run box_run systemctl daemon-reload
	assert_success
}

@test "make install + sysusers + tmpfiles; systemctl start returns once netd has sent READY=1" {
	install_and_start
	# the installed unit points at the installed binaries
	run prop ExecStart
	assert_output --partial "path=/usr/local/sbin/netd"
	run prop Type
	assert_output notify
	run box_run systemctl is-active "$UNIT"
	assert_output active
	# STATUS= travels in the same message as READY=1: start waited for it
	run prop StatusText
	assert_output --regexp '^generation 1: 4 workers, 0 busy, 4 idle; 0 connections, 0 served$'
	# ...and READY=1 is sent only when every worker has started
	run bjq '"\(.pool.total) \(.pool.starting) \(.netd.generation)"'
	assert_output "4 0 1"
	run prop MainPID
	assert_equal "$output" "$(bjq .netd.pid)"
	# sysusers and tmpfiles made the user and the spool the config needs
	run box_run stat -c '%U:%G %a' /var/lib/netd/uploads
	assert_output "netd:netd 750"
}

@test "netctl status works inside; the master and its 4 workers run as netd" {
	install_and_start
	run box_run netctl status
	assert_success
	assert_output --regexp 'Pool: 4 workers'
	main=$(prop MainPID)
	run box_run ps -o user=,group= -p "$main"
	assert_output --regexp '^netd +netd$'
	workers=$(bjq '.workers[] | select(.pid != null) | .pid')
	assert_equal "$(wc -w <<<"$workers")" 4
	for pid in $workers; do
		run box_run ps -o user=,group=,ppid= -p "$pid"
		assert_output --regexp "^netd +netd +$main\$"
	done
	# the read-only commands are open to the control group, not to all
	run box_run stat -c '%G %a' /run/netd/netd.sock
	assert_output "netd 660"
}

@test "hello answers on 127.0.0.1:9999 (loopback only, as installed); journald keeps the levels" {
	install_and_start
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_line --index 0 "Welcome!"
	assert_output --partial "Hello, Michael!"
	assert_output --partial "Hello, Sarah!"
	run box_run -t 20 python3 "$BSEEDS/seed_udp_client.py" 9999
	assert_success
	assert_output --partial "Hello, hello!"
	# the access line is written when the worker is done with the client
	wait_until 20 journal_has info '^access service=hello proto=tcp listen=tcp://127\.0\.0\.1:9999 peer=127\.0\.0\.1:[0-9]+ .*result=ok$'
	# the installed config opens nothing beyond loopback
	run box_run ss -Hltnu
	assert_success
	refute_output --regexp '(0\.0\.0\.0|\[::\]|\*):[0-9]'
	run box_run grep -E '^listen = .*(0\.0\.0\.0|\[::\]:)' /etc/netd/netd.ini
	assert_failure
	run journal_at notice
	assert_line --regexp '^ready: generation 1, 4 workers'
	# notice and above: no access line (they are info), so the <N>
	# prefixes were understood and not stored as text
	refute_line --partial 'access service='
	run journal_at debug
	refute_line --regexp '^<[0-7]>'
}

@test "systemctl reload is synchronous: generation 2 as soon as it returns" {
	install_and_start
	run prop ExecReload
	assert_output --partial "path=/usr/local/bin/netctl"
	run box_run -t 60 systemctl reload "$UNIT"
	assert_success
	# no polling here: that is the point
	run bjq .netd.generation
	assert_output 2
	run bjq '[.workers[] | select(.generation == 2 and (.state == "idle" or .state == "busy"))] | length > 0'
	assert_output true
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"
	run box_run systemctl is-active "$UNIT"
	assert_output active
	run journal_at notice
	assert_line 'reloaded: generation 1 -> 2'
}

@test "a broken netd.ini makes systemctl reload fail; netd stays active on generation 2" {
	install_and_start
	run box_run -t 60 systemctl reload "$UNIT"
	assert_success
	ini=$BOX_ROOT/etc/netd/netd.ini
	cp "$ini" "$BATS_TEST_TMPDIR/netd.ini.good"

	# a bad value: netd refuses the reload and says where
	sed -i 's/^workers = 4$/workers = many/' "$ini"
	line=$(grep -n '^workers = many$' "$ini" | cut -d: -f1)
	[[ -n $line ]]
	run box_run -t 60 systemctl reload "$UNIT"
	assert_failure
	run box_run systemctl is-active "$UNIT"
	assert_output active
	run bjq .netd.generation
	assert_output 2
	# the reason, file and line, is in the unit's journal
	wait_until 20 journal_has info "^/etc/netd/netd\.ini:$line: key 'workers'"

	# parses, but netd itself refuses it: the upload spool does not exist
	cp "$BATS_TEST_TMPDIR/netd.ini.good" "$ini"
	sed -i 's|^dir = /var/lib/netd/uploads$|dir = /var/lib/netd/missing|' "$ini"
	run box_run -t 60 systemctl reload "$UNIT"
	assert_failure
	run box_run systemctl is-active "$UNIT"
	assert_output active
	run bjq .netd.generation
	assert_output 2
	wait_until 20 journal_has warning 'reload refused.*still serving generation 2'
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"

	# the good file back: reloads again
	cp "$BATS_TEST_TMPDIR/netd.ini.good" "$ini"
	run box_run -t 60 systemctl reload "$UNIT"
	assert_success
	run bjq .netd.generation
	assert_output 3
}

@test "systemctl stop leaves no netd process and the unit inactive" {
	install_and_start
	run box_run -t 60 systemctl stop "$UNIT"
	assert_success
	run box_run systemctl is-active "$UNIT"
	assert_output inactive
	run prop Result
	assert_output success
	run box_run ps -e -o args=
	assert_success
	refute_line --regexp '^(/usr/local/sbin/)?netd( |:|$)'
	# nothing left in the unit's cgroup either (seen from the host)
	cg=$BOX_CG/system.slice/$UNIT
	[[ ! -e $cg/cgroup.procs || ! -s $cg/cgroup.procs ]]
	# the runtime directory and the socket went with it
	run box_run test -e /run/netd
	assert_failure
	run box_run netctl status
	assert_failure 3
}

@test "SIGKILL of the main process: Restart=on-failure brings netd back with a new MainPID" {
	install_and_start
	old=$(prop MainPID)
	[[ $old =~ ^[0-9]+$ && $old -gt 1 ]]
	run box_run kill -KILL "$old"
	assert_success
	# RestartSec=1s, then a start that waits for READY=1 again
	wait_until 30 box_sh "[[ \$(systemctl show -P MainPID $UNIT) != $old &&
	    \$(systemctl show -P MainPID $UNIT) != 0 &&
	    \$(systemctl is-active $UNIT) == active ]]"
	new=$(prop MainPID)
	[[ $new != "$old" ]]
	run prop NRestarts
	assert_output 1
	run bjq '"\(.netd.pid) \(.pool.total) \(.pool.starting)"'
	assert_output "$new 4 0"
	# the old master's workers are gone; the new ones are its children
	run box_run ps -e -o ppid=,args=
	assert_success
	refute_line --regexp "^ *$old +netd"
	assert_equal "$(grep -cE "^ *$new +netd: worker" <<<"$output")" 4
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"
	run journal_at info
	assert_output --partial "Main process exited, code=killed, status=9/KILL"
}

# Hello sessions from 4 clients inside the box, in the background, until
# loop_stop; loop_done prints "sessions=N failures=F refused=R longest=S".
loop_start() {
	rm -f "$BOX_ROOT/var/tmp/loop.stop" "$BOX_ROOT/var/tmp/loop.progress"
	bg loop box_run -t 900 python3 "$BSEEDS/session_loop.py" 4 127.0.0.1 \
	    9999 /var/tmp/loop.stop /var/tmp/loop.progress
	wait_until 30 loop_past 40
}

# Have the clients done at least N sessions?
loop_past() {
	(($(cat "$BOX_ROOT/var/tmp/loop.progress" 2>/dev/null || echo 0) >= $1))
}

loop_done() {
	touch "$BOX_ROOT/var/tmp/loop.stop"
	bg_wait loop 120
}

# No start limit: 20 restarts in a row are what the test asks for.
no_start_limit() {
	mkdir -p "$BOX_ROOT/etc/systemd/system/$UNIT.d"
	printf '%s\n' '[Unit]' 'StartLimitIntervalSec=0' \
	    >"$BOX_ROOT/etc/systemd/system/$UNIT.d/nolimit.conf"
}

# systemctl restart 20 times under load; prints the clients' summary and
# returns their status.
restarts_under_load() {
	local i n
	loop_start
	for ((i = 1; i <= 20; i++)); do
		n=$(cat "$BOX_ROOT/var/tmp/loop.progress")
		box_run -t 120 systemctl restart "$UNIT" || return 1
		# sessions go on between restarts
		wait_until 30 loop_past $((n + 20)) || return 1
	done
	[[ $(prop NRestarts) == 0 && $(box_run systemctl is-active "$UNIT") == active ]] ||
	    return 1
	loop_done
}

@test "systemctl restart 20 times under hello sessions with the fd store: no session refused or failed" {
	no_start_limit
	install_and_start
	run prop FileDescriptorStoreMax
	assert_output 64
	run restarts_under_load
	echo "# 20 restarts, fd store: $output" >&3
	assert_success
	assert_output --regexp 'failures=0 refused=0'
	# the sockets came back from the store, none bound anew
	run journal_at info
	assert_output --regexp 'listening on tcp://127\.0\.0\.1:9999 \(service hello\), on the socket passed'
}

@test "systemctl restart 20 times without the fd store: clients are refused (the difference)" {
	dropin nofdstore FileDescriptorStoreMax=0 Environment=FDSTORE=0
	no_start_limit
	install_and_start
	run restarts_under_load
	echo "# 20 restarts, no fd store: $output" >&3
	# what it shows, not a requirement: each restart has a moment with no
	# listener at all
	assert_output --regexp 'sessions=[0-9]+ failures=[0-9]+ refused=[0-9]+'
}

@test "netctl upgrade 20 times under load (once to a binary that exits): no failed session, active throughout, MainPID follows" {
	install_and_start
	box_sh 'printf "#!/bin/sh\nexit 1\n" >/usr/local/sbin/netd-exits &&
	    chmod 755 /usr/local/sbin/netd-exits'
	# the unit's state, sampled all along
	bg states box_sh -t 900 'while [ ! -e /var/tmp/loop.stop ]; do
	    systemctl is-active netd.service; sleep 0.1; done | sort | uniq -c'
	loop_start
	took=()
	for ((i = 1; i <= 20; i++)); do
		old=$(prop MainPID)
		n=$(cat "$BOX_ROOT/var/tmp/loop.progress")
		if ((i == 10)); then
			run box_run -t 120 netctl upgrade /usr/local/sbin/netd-exits
			assert_failure 1
			assert_output --partial "upgrade failed: the new master"
			assert_output --partial "exited with status 1 before it served"
			assert_equal "$(prop MainPID)" "$old"
		fi
		t0=$(date +%s%N)
		run box_run -t 120 netctl upgrade
		t1=$(date +%s%N)
		assert_success
		took+=($(((t1 - t0) / 1000000)))
		new=$(bjq .netd.pid)
		[[ $new != "$old" ]]
		# systemd follows the hand-over: the new master is the main pid
		assert_equal "$(prop MainPID)" "$new"
		wait_until 60 box_sh "! kill -0 $old 2>/dev/null"
		wait_until 30 loop_past $((n + 20))
	done
	run loop_done
	echo "# 20 upgrades under load: $output" >&3
	echo "# netctl upgrade took ms: ${took[*]}" >&3
	assert_success
	assert_output --regexp 'failures=0 refused=0'
	run bg_wait states 30
	echo "# unit states sampled: $(tr -s ' \n' ' ' <<<"$output")" >&3
	assert_output --regexp '^ *[0-9]+ active$'
	run prop NRestarts
	assert_output 0
	# (each hand-over was checked above, by MainPID and the old pid gone:
	# under this load journald's rate limit drops lines, so the journal
	# cannot be counted on)
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_output --partial "Hello, Michael!"
}

@test "socket activation: netd.socket starts netd at the first client; stopping netd leaves the socket listening" {
	install_only
	run box_run -t 60 systemctl start netd.socket
	assert_success
	run box_run systemctl is-active "$UNIT"
	assert_output inactive
	# the first client wakes netd and is served
	run box_run -t 60 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"
	# Workers serve from their first moment; the unit turns active when
	# the master has them all ready and says READY=1, just after.
	wait_until 30 box_sh "[[ \$(systemctl is-active $UNIT) == active ]]"
	run journal_at info
	assert_output --partial "listening on tcp://127.0.0.1:9999 (service hello), on the socket of systemd's socket unit"
	assert_output --regexp 'listening on tcp://127\.0\.0\.1:8888 \(service upload\), bound by netd itself'
	run box_run -t 60 systemctl stop "$UNIT"
	assert_success
	run box_run systemctl is-active netd.socket
	assert_output active
	run box_run ss -Hltn 'sport = :9999'
	assert_output --partial '127.0.0.1:9999'
	# and the next client starts it again
	run box_run -t 60 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"
}

@test "StatusText follows the pool; a refused reload keeps the unit active and says why; the notify messages" {
	install_only
	# systemd logs each notify message at debug
	box_run systemd-analyze log-level debug
	run box_run -t 60 systemctl start "$UNIT"
	assert_success
	first=$(prop StatusText)
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	# served: 1, once a second at most
	wait_until 10 eval '[[ $(prop StatusText) != "$first" ]]'
	run prop StatusText
	assert_output --regexp '^generation 1: 4 workers, [0-9]+ busy, [0-9]+ idle; [0-9]+ connections?, [1-9][0-9]* served$'
	ini=$BOX_ROOT/etc/netd/netd.ini
	sed -i 's/^workers = 4$/workers = many/' "$ini"
	line=$(grep -n '^workers = many$' "$ini" | cut -d: -f1)
	run box_run -t 60 systemctl reload "$UNIT"
	assert_failure
	run box_run systemctl is-active "$UNIT"
	assert_output active
	run prop StatusText
	assert_output --regexp "^reload failed: /etc/netd/netd\.ini:$line: key 'workers'.*; serving generation 1$"
	# what systemd heard
	run box_sh "journalctl --no-pager -o cat -u $UNIT | grep 'Got notification message'"
	assert_success
	echo "# notify messages systemd saw:" >&3
	sed 's/^.*Got notification message from PID [0-9]* /#   /' <<<"$output" |
	    awk '!seen[substr($0, 1, 20)]++' >&3
	assert_output --partial 'READY=1'
	assert_output --partial 'RELOADING=1'
	assert_output --partial 'WATCHDOG=1'
	assert_output --partial 'FDSTORE=1'
}

@test "WatchdogSec=2s: a SIGSTOPped master is restarted by systemd, on the stored sockets" {
	dropin watchdog WatchdogSec=2s WatchdogSignal=SIGKILL
	install_and_start
	old=$(prop MainPID)
	run box_run kill -STOP "$old"
	assert_success
	wait_until 30 box_sh "[[ \$(systemctl show -P MainPID $UNIT) != $old &&
	    \$(systemctl show -P MainPID $UNIT) != 0 &&
	    \$(systemctl is-active $UNIT) == active ]]"
	run prop NRestarts
	assert_output 1
	run journal_at info
	assert_output --partial "Watchdog timeout"
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 9999
	assert_success
	assert_output --partial "Hello, Michael!"
}

@test "systemd-analyze security: exposure 2.0 or lower, every line of the unit commented" {
	install_and_start
	run box_run systemd-analyze security --no-pager "$UNIT"
	assert_success
	score=$(grep -oE 'Overall exposure level for netd\.service: [0-9.]+' <<<"$output" | awk '{print $NF}')
	echo "# exposure: $score" >&3
	[[ -n $score ]]
	awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
	# each setting follows a comment (or another setting under the same)
	awk '/^[A-Za-z0-9]+=/ && prev !~ /^(#|[A-Za-z0-9]+=)/ { print FILENAME ":" FNR ": no comment: " $0; bad = 1 }
	    { prev = $0 } END { exit bad }' "$TOP/systemd/netd.service" "$TOP/systemd/netd.socket"
}

@test "under the hardened unit: uploads land in the spool, a port below 1024 binds, the control group may read" {
	install_and_start
	# upload: written by netd under ProtectSystem=strict and UMask=0077
	box_sh 'head -c 10000 /dev/urandom >/var/tmp/up.bin'
	run box_run -t 20 python3 "$BSEEDS/seed_upload_client.py" 8888 /var/tmp/up.bin
	assert_success
	wait_until 20 box_sh '[ "$(find /var/lib/netd/uploads -type f -size 10000c | wc -l)" = 1 ]'
	run box_sh 'stat -c "%U %a" /var/lib/netd/uploads/*'
	assert_output "netd 640"
	# a port below 1024, through AmbientCapabilities= alone
	ini=$BOX_ROOT/etc/netd/netd.ini
	sed -i 's|^listen = tcp://127.0.0.1:9999 |listen = tcp://127.0.0.1:79 tcp://127.0.0.1:9999 |' "$ini"
	run box_run -t 60 systemctl reload "$UNIT"
	assert_success
	run box_run -t 20 python3 "$BSEEDS/seed_tcp_client.py" 79
	assert_success
	assert_output --partial "Hello, Michael!"
	# members of control_group read the status; others are refused
	run box_run useradd -M -G netd reader
	assert_success
	run box_run useradd -M stranger
	assert_success
	run box_run setpriv --reuid=reader --regid=reader --init-groups netctl status
	assert_success
	run box_run setpriv --reuid=stranger --regid=stranger --init-groups netctl status
	assert_failure 4
	run box_run stat -c '%U %G %a' /run/netd/netd.sock
	assert_output "netd netd 660"
}

@test "the UDP guard: every rule on under the shipped unit; without AF_NETLINK the broadcast rule is off, said at warning" {
	install_and_start
	run journal_at warning
	refute_output --partial 'udp guard'
	run box_run -t 60 systemctl stop "$UNIT"
	# the unit as it was: getifaddrs(3) needs AF_NETLINK
	dropin nonetlink 'RestrictAddressFamilies=' \
	    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
	run box_run systemctl daemon-reload
	assert_success
	run box_run -t 60 systemctl start "$UNIT"
	assert_success
	wait_until 20 journal_has warning "udp guard: cannot list this host's addresses \(getifaddrs: .*\): datagrams from an interface's broadcast address"
}

@test "systemctl stop is graceful first, as Debian's nginx unit: a client mid-session finishes; EXTEND_TIMEOUT_USEC while it does" {
	install_only
	box_run systemd-analyze log-level debug
	run box_run -t 60 systemctl start "$UNIT"
	assert_success
	rm -f "$BOX_ROOT/var/tmp/ready" "$BOX_ROOT/var/tmp/go"
	bg held box_run -t 120 python3 "$BSEEDS/hello_client.py" hold \
	    127.0.0.1 9999 /var/tmp/ready /var/tmp/go
	wait_until 30 test -s "$BOX_ROOT/var/tmp/ready"
	run box_run systemctl --no-block stop "$UNIT"
	assert_success
	wait_until 30 journal_has notice '^graceful stop: letting'
	# the drain outlasts a second: systemd hears it needs more time
	wait_until 30 journal_has debug 'Got notification message .*EXTEND_TIMEOUT_USEC='
	run prop ActiveState
	assert_output deactivating
	touch "$BOX_ROOT/var/tmp/go"
	run bg_wait held 60
	assert_success
	assert_output "Hello, Held!"
	wait_eq 60 inactive prop ActiveState
	run prop Result
	assert_output success
	# netctl stop --graceful did it: no TERM, no KILL was needed
	run journal_at info
	refute_output --partial 'fast stop'
	refute_output --regexp 'Killing process|SIGKILL'
}
