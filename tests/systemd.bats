#!/usr/bin/env bats
# netd installed by `make install` and run by a real systemd (PID 1 of a
# throwaway box, tests/helpers/systemd-box.sh): sysusers, tmpfiles, the
# unit's Type=notify start, identity, journald levels, synchronous and
# refused reloads, stop, and restart after a crash.  Each test boots a box
# of its own; nothing of the host is written or started.

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
	    /usr/lib/tmpfiles.d/netd.conf /var/lib/netd /run/netd; do
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

# Install into the box's root (the host sees it at /proc/PID1/root), make the
# user and the directories as a package's postinst would, and start netd.
install_and_start() {
	# a config the host might have would be kept by make install
	box_run rm -rf /etc/netd "$BSEEDS"
	box_run mkdir -p "$BSEEDS"
	box_cp "$HELPERS/seed_tcp_client.py" "$BSEEDS/"
	box_cp "$HELPERS/seed_udp_client.py" "$BSEEDS/"
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
	run box_run -t 60 systemctl start "$UNIT"
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
	assert_output "serving, 4 workers"
	# ...and READY=1 is sent only when every worker has started
	run bjq '"\(.pool.total) \(.pool.starting) \(.netd.generation)"'
	assert_output "4 0 1"
	run prop MainPID
	assert_equal "$output" "$(bjq .netd.pid)"
	# sysusers and tmpfiles made the user and the spool the config needs
	run box_run stat -c '%U:%G %a' /var/lib/netd/uploads
	assert_output "netd:netd 750"
}

@test "netctl status works inside; the master runs as root, the 4 workers as netd" {
	install_and_start
	run box_run netctl status
	assert_success
	assert_output --regexp 'Pool: 4 workers'
	main=$(prop MainPID)
	run box_run ps -o user=,group= -p "$main"
	assert_output --regexp '^root +root$'
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

@test "hello answers on 127.0.0.1:9999; journald keeps the levels (ready at notice, access at info)" {
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
	wait_until 20 journal_has info '^access service=hello proto=tcp listen=tcp://0\.0\.0\.0:9999 peer=127\.0\.0\.1:[0-9]+ .*result=ok$'
	run journal_at notice
	assert_line --regexp '^ready: generation 1, 4 workers'
	# notice and above: no access line (they are info), so the <N>
	# prefixes were understood and not stored as text
	refute_line --partial 'access hello'
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
