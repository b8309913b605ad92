# A throwaway machine with a real systemd as PID 1, for tests of the unit.
#
# systemd runs in new pid/mount/uts/ipc/net/cgroup namespaces, in a cgroup of
# its own under /sys/fs/cgroup/unified, on an overlay whose lower layer is
# the host's root (never written: every change lands in a tmpfs).  It boots
# basic.target only, so none of the host's enabled services start, and its
# network is a loopback of its own.  The host's systemd, if any, is never
# asked anything.  Boots in about half a second.
#
#   box_unsupported             why this machine cannot boot a box (prints
#                               the reason, returns 0), or returns 1
#   box_start [NAME]            boot it; sets BOX_PID (PID 1 of the box, as
#                               the host sees it), BOX_ROOT (its root, as
#                               the host sees it), BOX_NAME, BOX_CG
#   box_run [-t SECS] CMD...    run CMD inside (clean environment, plus the
#                               NAME=VALUE words of the array BOX_ENV); SECS
#                               (default 30) bounds it *inside* the box
#   box_sh [-t SECS] SCRIPT     the same for a shell snippet
#   box_cp SRC DST              copy a host file to DST inside the box
#   box_journal UNIT            the box's journal for UNIT (forensics)
#   box_stop                    power it off, wait for PID 1, remove the
#                               cgroups; KILL if it does not go in time
#   box_leftovers               what of the last box is still around
#                               (processes, mounts, cgroup); empty = none
#
# Rules learnt the hard way: a timeout always goes *inside* the box (a
# killed nsenter leaves its command running and shutdown waits for it), and
# console-getty is masked (its vhangup would take PID 1's terminal).

BOX_CGROOT=${BOX_CGROOT:-/sys/fs/cgroup/unified}
BOX_SYSTEMD=${BOX_SYSTEMD:-/lib/systemd/systemd}
BOX_STOP_TIMEOUT=${BOX_STOP_TIMEOUT:-30}
BOX_ENV=()
BOX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

box_unsupported() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "needs root (namespaces, mounts, cgroups)"
	elif [[ ! -x $BOX_SYSTEMD ]]; then
		echo "no $BOX_SYSTEMD"
	elif ! grep -qw overlay /proc/filesystems &&
	    ! modprobe -q overlay 2>/dev/null; then
		echo "no overlay filesystem in this kernel"
	elif [[ $(stat -f -c %T "$BOX_CGROOT" 2>/dev/null) != cgroup2fs ]]; then
		echo "no cgroup2 (unified) hierarchy mounted at $BOX_CGROOT"
	elif [[ ! -w $BOX_CGROOT/cgroup.procs ]]; then
		echo "cannot create cgroups under $BOX_CGROOT"
	else
		local c
		for c in unshare nsenter pivot_root; do
			if ! command -v "$c" >/dev/null; then
				echo "no $c (util-linux)"
				return 0
			fi
		done
		return 1
	fi
	return 0
}

# PID 1 of the new namespaces until it execs systemd: build the root and
# pivot into it.  Runs as `bash -c`, so it needs no file of the host after
# pivot_root.  $1 is the box's name, $2 an empty directory to mount on.
_box_stub() {
	set -eu
	local name=$1 top=$2 r n
	mount -t tmpfs -o mode=0755 "$name" "$top"
	mkdir "$top/upper" "$top/work" "$top/root"
	mount -t overlay "$name" \
	    -o "lowerdir=/,upperdir=$top/upper,workdir=$top/work" "$top/root"
	r=$top/root
	mount -t proc proc "$r/proc"
	# read-only: udev inside must not touch the host's devices
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
	# writable and unified: systemd manages the cgroup namespace's root,
	# which is the box's own cgroup on the host
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$r/sys/fs/cgroup"
	mount -t tmpfs -o mode=0755,nosuid,size=4m dev "$r/dev"
	for n in null zero full random urandom tty; do
		: >"$r/dev/$n"
		mount --bind "/dev/$n" "$r/dev/$n"
	done
	# no terminal here: the console is /dev/null (a regular file would
	# swallow nothing and confuse systemd)
	: >"$r/dev/console"
	mount --bind /dev/null "$r/dev/console"
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 \
	    devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$r/dev/shm"
	ln -s /proc/self/fd "$r/dev/fd"
	ln -s /proc/self/fd/0 "$r/dev/stdin"
	ln -s /proc/self/fd/1 "$r/dev/stdout"
	ln -s /proc/self/fd/2 "$r/dev/stderr"
	mount -t tmpfs -o mode=0755,nosuid,nodev run "$r/run"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$r/tmp"
	# empty: systemd makes up a transient id instead of using the host's
	: >"$r/etc/machine-id"
	mkdir -p "$r/etc/systemd/system.conf.d"
	printf '[Manager]\nDefaultTimeoutStopSec=15s\n' \
	    >"$r/etc/systemd/system.conf.d/zz-box.conf"
	mkdir "$r/.box-oldroot"
	cd "$r"
	pivot_root . .box-oldroot
	cd /
	umount -l /.box-oldroot
	rmdir /.box-oldroot
	exec env -i container="$name" "$BOX_SYSTEMD" --system \
	    --unit=basic.target systemd.mask=console-getty.service
}

box_start() {
	BOX_NAME=${1:-netd-box-$$-$RANDOM}
	BOX_CG=$BOX_CGROOT/$BOX_NAME
	BOX_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/box.XXXXXX")
	BOX_PID='' BOX_ROOT='' BOX_PIDNS='' BOX_MNTNS=''
	mkdir "$BOX_CG" || return 1
	# The launcher moves itself into the box's cgroup first, so that
	# systemd builds init.scope and system.slice there, not in the host's
	# root cgroup.  3>&-: bats waits for whatever holds its fd 3.
	(
		echo "$BASHPID" >"$BOX_CG/cgroup.procs"
		exec unshare --pid --fork --kill-child --mount --uts --ipc \
		    --net --cgroup --propagation private \
		    env BOX_SYSTEMD="$BOX_SYSTEMD" \
		    bash -c "$(declare -f _box_stub); _box_stub \"\$@\"" \
		    _box_stub "$BOX_NAME" "$BOX_DIR"
	) </dev/null >"$BOX_DIR.console" 2>&1 3>&- &
	BOX_LAUNCHER=$!
	# PID 1 of the box is unshare's child; it is ready to be entered
	# once it has become systemd (after pivot_root).
	local deadline=$((SECONDS + 30)) pid=
	while :; do
		[[ -n $pid ]] || pid=$(pgrep -P "$BOX_LAUNCHER" 2>/dev/null | head -n1)
		if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == systemd ]]; then
			break
		fi
		if ! kill -0 "$BOX_LAUNCHER" 2>/dev/null || ((SECONDS >= deadline)); then
			echo "box: systemd did not start; console:" >&2
			cat "$BOX_DIR.console" >&2
			return 1
		fi
		sleep 0.02
	done
	BOX_PID=$pid
	BOX_ROOT=/proc/$pid/root
	BOX_PIDNS=$(readlink "/proc/$pid/ns/pid")
	BOX_MNTNS=$(readlink "/proc/$pid/ns/mnt")
	# Booted: basic.target reached, no job left.  "degraded" is a boot too
	# (a unit of the host failed in here); its cause is in the journal.
	# systemctl cannot talk to it before its private socket exists (the
	# generators run first).
	local state=
	deadline=$((SECONDS + 60))
	until [[ -S $BOX_ROOT/run/systemd/private ]]; do
		if ! kill -0 "$BOX_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			echo "box: systemd has no private socket after 60s" >&2
			return 1
		fi
		sleep 0.02
	done
	state=$(box_run -t 60 systemctl is-system-running --wait 2>&1) || true
	case $state in
	running | degraded) ;;
	*)
		echo "box: boot did not finish (state '$state'); console:" >&2
		cat "$BOX_DIR.console" >&2
		box_run -t 10 journalctl -b --no-pager -n 50 >&2 || true
		return 1
		;;
	esac
}

box_run() {
	local secs=30
	if [[ $1 == -t ]]; then
		secs=$2
		shift 2
	fi
	[[ -n ${BOX_PID:-} ]] || { echo "box: not running" >&2; return 1; }
	nsenter -t "$BOX_PID" -a env -i PATH="$BOX_PATH" LANG=C.UTF-8 \
	    TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 "${BOX_ENV[@]}" \
	    timeout -k 5 "$secs" "$@"
}

box_sh() {
	local t=()
	if [[ $1 == -t ]]; then
		t=(-t "$2")
		shift 2
	fi
	box_run "${t[@]}" bash -c "$1"
}

box_cp() {
	cp -- "$1" "$BOX_ROOT/$2"
}

box_journal() {
	box_run -t 20 journalctl --no-pager -o short-monotonic -u "$1"
}

# Remove a cgroup and those below it, deepest first; a cgroup whose last
# process just exited is busy for a moment, so retry.
_box_rmcg() {
	local dir=$1 deadline=$((SECONDS + 10)) d
	while [[ -d $dir ]]; do
		while read -r d; do
			rmdir "$d" 2>/dev/null || true
		done < <(find "$dir" -depth -type d 2>/dev/null)
		[[ -d $dir ]] || return 0
		if ((SECONDS >= deadline)); then
			echo "box: cannot remove cgroup $dir:" >&2
			find "$dir" -name cgroup.procs -exec grep -H . {} + >&2
			return 1
		fi
		sleep 0.05
	done
}

box_stop() {
	local rc=0 deadline
	if [[ -n ${BOX_LAUNCHER:-} ]]; then
		# a box that failed to boot: PID 1 is still unshare's child
		[[ -n ${BOX_PID:-} ]] ||
		    BOX_PID=$(pgrep -P "$BOX_LAUNCHER" 2>/dev/null | head -n1)
		if [[ -n ${BOX_PID:-} ]] && kill -0 "$BOX_LAUNCHER" 2>/dev/null; then
			box_run -t 5 systemctl --no-block poweroff >/dev/null 2>&1 ||
			    kill -s SIGRTMIN+4 "$BOX_PID" 2>/dev/null || true
		fi
		# DefaultTimeoutStopSec=15s inside: a clean shutdown ends well
		# before this.  Past it, KILL PID 1, which takes every process
		# of its namespace with it.
		deadline=$((SECONDS + BOX_STOP_TIMEOUT))
		while ! pid_gone_or_zombie "$BOX_LAUNCHER"; do
			if ((SECONDS >= deadline)); then
				echo "box: no clean poweroff in" \
				    "${BOX_STOP_TIMEOUT}s; killing PID 1" >&2
				kill -KILL "${BOX_PID:-$BOX_LAUNCHER}" 2>/dev/null ||
				    kill -KILL "$BOX_LAUNCHER" 2>/dev/null || true
				rc=1
				deadline=$((SECONDS + 10))
			fi
			sleep 0.05
		done
		# unshare exits 130 after a poweroff (PID 1 gone by SIGINT):
		# normal
		wait "$BOX_LAUNCHER" 2>/dev/null || true
		BOX_LAUNCHER=
	fi
	if [[ -n ${BOX_CG:-} ]]; then
		_box_rmcg "$BOX_CG" || rc=1
	fi
	BOX_PID='' BOX_ROOT=''
	return $rc
}

pid_gone_or_zombie() {
	local state
	state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) ||
	    return 0
	[[ -z $state || $state == Z || $state == X ]]
}

# After box_stop: print what is left of the box; nothing means clean.
box_leftovers() {
	local p ns
	for p in /proc/[0-9]*; do
		for ns in pid mnt; do
			local want
			[[ $ns == pid ]] && want=${BOX_PIDNS:-} || want=${BOX_MNTNS:-}
			[[ -n $want ]] || continue
			if [[ $(readlink "$p/ns/$ns" 2>/dev/null) == "$want" ]]; then
				echo "process ${p#/proc/} in the box's $ns namespace:" \
				    "$(tr '\0\n' '  ' <"$p/cmdline" 2>/dev/null |
				    cut -c1-100)"
			fi
		done
	done
	[[ -z ${BOX_CG:-} || ! -e $BOX_CG ]] || echo "cgroup $BOX_CG"
	[[ -z ${BOX_NAME:-} ]] ||
	    grep -F " $BOX_NAME " /proc/self/mountinfo | sed 's/^/mount /'
	return 0
}
