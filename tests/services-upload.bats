#!/usr/bin/env bats
# upload: files stored whole and atomically, answered with OK <bytes>
# <sha256> <name>; nothing left behind by an upload that fails.

load helpers/netd

NAME_RE='^[0-9]{8}T[0-9]{6}Z-127\.0\.0\.1-[0-9]+-[0-9a-f]{8}\.bin$'

# The upload fixture stores into up/, next to the config.
setup() {
	UP="$BATS_TEST_TMPDIR/up"
	mkdir -p "$UP"
}

teardown() {
	local rc=0
	netd_teardown || rc=$?
	if [[ -n "${SMALL:-}" ]] && mountpoint -q "$SMALL"; then
		umount "$SMALL" || rc=$?
	fi
	return $rc
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# Upload FILE (or nothing) with the stream client; sets OKLINE.
upload() {
	local out
	out=$(stream ${1:+--send "$1"} 127.0.0.1 "$(port_of tcp upload)") ||
	    return 1
	OKLINE=$(jq -r .head <<<"$out")
}

# The file named in OKLINE is there, complete, with the sha in OKLINE.
check_stored() {
	local src=$1 ok bytes hash name
	read -r ok bytes hash name <<<"$OKLINE"
	assert_equal "$ok" OK
	assert_equal "$bytes" "$(stat -c %s "$src")"
	assert_equal "$hash" "$(sha "$src")"
	[[ "$name" =~ $NAME_RE ]] || fail "unexpected name '$name'"
	assert_equal "$(sha "$UP/$name")" "$hash"
	cmp "$src" "$UP/$name"
}

no_temp_files() {
	[[ -z "$(find "$UP" -name '.*.part')" ]]
}

has_temp_file() {
	[[ -n "$(find "$UP" -name '.*.part')" ]]
}

dir_empty() {
	[[ -z "$(ls -A "$1")" ]]
}

@test "an empty upload is stored as an empty file (store_empty = yes)" {
	netd_pool upload upload.store_empty=yes
	: >"$BATS_TEST_TMPDIR/empty"
	upload
	check_stored "$BATS_TEST_TMPDIR/empty"
	[[ "$OKLINE" == "OK 0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "* ]]
	no_temp_files
}

@test "a small file: OK line, stored bytes, name from the server, mode" {
	netd_pool upload upload.mode=0604
	printf 'hello upload\n' >"$BATS_TEST_TMPDIR/small"
	upload "$BATS_TEST_TMPDIR/small"
	check_stored "$BATS_TEST_TMPDIR/small"
	read -r _ _ _ name <<<"$OKLINE"
	assert_equal "$(stat -c %a "$UP/$name")" 604
	assert_equal "$(ls -A "$UP" | wc -l)" 1
	grep -q "upload upload: 127.0.0.1:[0-9]*: stored .*/$name, 13 bytes" "$LOG"
}

@test "a 50 MB file is stored whole" {
	netd_pool upload upload.max_size=60M
	head -c 50M /dev/urandom >"$BATS_TEST_TMPDIR/f50"
	t0=$(date +%s.%N)
	upload "$BATS_TEST_TMPDIR/f50"
	t1=$(date +%s.%N)
	check_stored "$BATS_TEST_TMPDIR/f50"
	echo "# upload: 50 MB in $(echo "$t1 - $t0" | bc)s" >&3
	no_temp_files
}

@test "binary data (every byte value, NULs, CRLFs, 'OK' lines) is kept exactly" {
	netd_pool upload
	python3 "$HELPERS/bytes_of.py" \
	    '(bytes(range(256)) * 64 + b"\r\n\0OK 1 2 3\n\0" + bytes(range(255, -1, -1))) * 3' \
	    >"$BATS_TEST_TMPDIR/bin"
	upload "$BATS_TEST_TMPDIR/bin"
	check_stored "$BATS_TEST_TMPDIR/bin"
}

@test "the lesson's client (sendall, close, no half-close) gets its file stored" {
	netd_pool upload
	head -c 300K /dev/urandom >"$BATS_TEST_TMPDIR/seed.bin"
	run timeout 60 python3 "$HELPERS/seed_upload_client.py" \
	    "$(port_of tcp upload)" "$BATS_TEST_TMPDIR/seed.bin"
	assert_success
	assert_output "客户端数据上传成功"
	wait_until 30 grep -q 'upload upload: .* stored' "$LOG"
	name=$(ls "$UP")
	[[ "$name" =~ $NAME_RE ]]
	cmp "$BATS_TEST_TMPDIR/seed.bin" "$UP/$name"
	no_temp_files
}

@test "over max_size: ERR too large, nothing left behind, logged" {
	netd_pool upload upload.max_size=1M
	head -c 3M /dev/urandom >"$BATS_TEST_TMPDIR/big"
	upload "$BATS_TEST_TMPDIR/big"
	assert_equal "$OKLINE" "ERR too large"
	wait_until 30 grep -q 'upload upload: .* not stored (too large)' "$LOG"
	dir_empty "$UP"
	# Exactly max_size is fine.
	head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/fits"
	upload "$BATS_TEST_TMPDIR/fits"
	check_stored "$BATS_TEST_TMPDIR/fits"
}

@test "disk full: ERR no space left, nothing left behind, logged" {
	SMALL="$BATS_TEST_TMPDIR/small"
	mkdir -p "$SMALL"
	mount -t tmpfs -o size=1m tmpfs "$SMALL" || skip "cannot mount a tmpfs here"
	netd_pool upload upload.max_size=100M "upload.dir=$SMALL"
	UP=$SMALL
	head -c 3M /dev/urandom >"$BATS_TEST_TMPDIR/big"
	upload "$BATS_TEST_TMPDIR/big"
	assert_equal "$OKLINE" "ERR no space left"
	wait_until 30 grep -q 'upload upload: .* not stored (no space left: No space left on device)' "$LOG"
	dir_empty "$SMALL"
	# Room again for a small one afterwards.
	printf 'after\n' >"$BATS_TEST_TMPDIR/after"
	upload "$BATS_TEST_TMPDIR/after"
	check_stored "$BATS_TEST_TMPDIR/after"
}

@test "8 concurrent uploads are all stored, under distinct names" {
	netd_pool upload
	port=$(port_of tcp upload)
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		head -c $((1000000 + i * 4099)) /dev/urandom >"$BATS_TEST_TMPDIR/c$i"
		timeout 120 python3 "$HELPERS/stream_client.py" --send \
		    "$BATS_TEST_TMPDIR/c$i" 127.0.0.1 "$port" \
		    >"$BATS_TEST_TMPDIR/c$i.out" 3>&- &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	for i in 1 2 3 4 5 6 7 8; do
		OKLINE=$(jq -r .head "$BATS_TEST_TMPDIR/c$i.out")
		check_stored "$BATS_TEST_TMPDIR/c$i"
	done
	assert_equal "$(ls -A "$UP" | wc -l)" 8
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/c?.out | jq -r .head | cut -d' ' -f4 | sort -u | grep -c .)" 8
}

@test "a client that stalls past idle_timeout gets ERR timeout; nothing kept" {
	netd_pool upload upload.idle_timeout=1s
	head -c 1000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/x1000"
	run stream --no-shutdown --timeout 50 --send "$BATS_TEST_TMPDIR/x1000" \
	    127.0.0.1 "$(port_of tcp upload)"
	assert_success
	assert_equal "$(jq -r .recv_error <<<"$output")" null
	assert_equal "$(jq -r .head <<<"$output")" "ERR timeout"
	wait_until 30 grep -q 'not stored (timeout) after 1000 bytes' "$LOG"
	dir_empty "$UP"
}

@test "a client that resets mid-upload leaves nothing behind" {
	netd_pool upload
	port=$(port_of tcp upload)
	timeout 60 python3 "$HELPERS/upload_reset_client.py" "$port" "$UP"
	wait_until 30 grep -q 'not stored (connection lost: Connection reset by peer)' "$LOG"
	dir_empty "$UP"
}

@test "a worker stopped (TERM) mid-upload removes its temporary file" {
	netd_pool upload
	port=$(port_of tcp upload)
	head -c 50000 /dev/zero | tr '\0' z >"$BATS_TEST_TMPDIR/z50000"
	python3 "$HELPERS/tcp_hold.py" --send "$BATS_TEST_TMPDIR/z50000" \
	    127.0.0.1 "$port" "$BATS_TEST_TMPDIR/go" 3>&- &
	client=$!
	wait_until 30 has_temp_file
	pid=$(jqs '[.workers[] | select(.service == "upload") | .pid][0]')
	[[ "$pid" =~ ^[0-9]+$ ]]
	expect_worker_signal TERM
	kill -TERM "$pid"
	wait_until 30 grep -q 'not stored (server stopping) after 50000 bytes' "$LOG"
	dir_empty "$UP"
	kill "$client" 2>/dev/null || true
	wait "$client" 2>/dev/null || true
}

@test "a missing upload dir is refused at start, naming the key and path" {
	netd_config <<-EOF
	[service upload]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = does-not-exist
	EOF
	run timeout 30 "$NETD" -c "$CONF"
	assert_failure
	assert_output --partial "key 'dir': $BATS_TEST_TMPDIR/does-not-exist: No such file or directory"
}

@test "a dir the workers' user cannot write is refused at start and reload" {
	mkdir -m 0755 "$BATS_TEST_TMPDIR/rootonly"
	chmod 0755 "$BATS_TEST_TMPDIR"
	netd_config <<-EOF
	[netd]
	user = nobody
	[service upload]
	type = upload
	listen = tcp://127.0.0.1:0
	dir = rootonly
	EOF
	run timeout 30 "$NETD" -c "$CONF"
	assert_failure
	assert_output --partial "is not writable by uid $(id -u nobody)"
	# Given to nobody, it is fine; taken away again, a reload is refused.
	chown nobody "$BATS_TEST_TMPDIR/rootonly"
	netd_start
	chown root "$BATS_TEST_TMPDIR/rootonly"
	run ctl reload
	assert_failure
	assert_output --partial "not writable"
}
