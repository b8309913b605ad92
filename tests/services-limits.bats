#!/usr/bin/env bats
# What every service shares: UDP without amplification (privileged source
# ports, loops, a rate per source that holds across workers), allow,
# max_connections, idle_timeout.

load helpers/netd

teardown() {
	netd_teardown
}

# flood HOST PORT N PAYLOAD: send N datagrams from one socket, in bursts
# of 50; after each burst wait until netd has taken every datagram the
# kernel queued (rx_queue 0 in /proc/net/udp) and answered or dropped it
# (its counters say so).  Prints {replies, received, seconds} as JSON.
flood() {
	timeout 120 python3 - "$NETCTL" "$SOCK" "$@" <<-'EOF'
	import json, socket, subprocess, sys, time
	netctl, sock, host, port, n, payload = sys.argv[1:]
	port, n, payload = int(port), int(n), payload.encode()
	fam = socket.AF_INET6 if ":" in host else socket.AF_INET
	s = socket.socket(fam, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
	def rx_queue():
	    total = 0
	    for f in ("/proc/net/udp", "/proc/net/udp6"):
	        for line in open(f).readlines()[1:]:
	            fields = line.split()
	            if int(fields[1].split(":")[1], 16) == port:
	                total += int(fields[4].split(":")[1], 16)
	    return total
	def listener():
	    st = json.loads(subprocess.run([netctl, "-s", sock, "--json",
	        "status"], capture_output=True, check=True).stdout)
	    return [l for l in st["listeners"] if l["proto"] == "udp" and
	            l["port"] == port][0]
	t0 = time.monotonic()
	sent = 0
	while sent < n:
	    for _ in range(min(50, n - sent)):
	        s.sendto(payload, (host, port))
	        sent += 1
	    settled = None	# the same counts twice: none in a worker's hands
	    while True:
	        l = listener()
	        decided = l["drops"]["rate"] + l["bytes_out"] // len(payload)
	        if rx_queue() == 0 and decided == l["connections"]:
	            if settled == l["connections"]:
	                break
	            settled = l["connections"]
	        else:
	            settled = None
	        if time.monotonic() - t0 > 100:
	            sys.exit("netd did not handle the datagrams: %r" % l)
	        time.sleep(0.02)
	secs = time.monotonic() - t0
	s.setblocking(False)
	replies = 0
	while True:
	    try:
	        s.recv(65536)
	        replies += 1
	    except BlockingIOError:
	        break
	print(json.dumps({"replies": replies, "received": l["connections"],
	    "seconds": secs}))
	EOF
}

@test "UDP: no reply to a privileged source port" {
	netd_pool echo-udp
	run timeout 60 python3 - "$(port_of udp echo)" "$NETCTL" "$SOCK" <<-'EOF'
	import json, socket, subprocess, sys, time
	port = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	for p in range(1000, 1024):
	    try:
	        s.bind(("127.0.0.1", p))
	        break
	    except OSError:
	        continue
	s.sendto(b"spoofed victim", ("127.0.0.1", port))
	deadline = time.time() + 50
	while True:
	    st = json.loads(subprocess.run([sys.argv[2], "-s", sys.argv[3],
	        "--json", "status"], capture_output=True, check=True).stdout)
	    if st["listeners"][0]["drops"]["port"] == 1:
	        break
	    if time.time() > deadline:
	        sys.exit("no port drop counted")
	    time.sleep(0.05)
	s.setblocking(False)
	try:
	    s.recv(100)
	    print("got a reply")
	except BlockingIOError:
	    print("no reply, source port %d" % s.getsockname()[1])
	EOF
	assert_success
	assert_output --regexp '^no reply, source port 10[0-2][0-9]$'
	# An unprivileged port is answered.
	run udp --expect 1 127.0.0.1 "$(port_of udp echo)" ok
	assert_equal "$(jq -r .replies <<<"$output")" 1
	assert_equal "$(listener_stat udp echo bytes_out)" 2
}

@test "UDP: a datagram from another netd UDP listener is not answered (no loop)" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0
	[service echo2]
	type = echo
	listen = udp://127.0.0.1:0
	EOF
	netd_start
	a=$(port_of udp echo)
	b=$(port_of udp echo2)
	# A forged datagram "from" echo to echo2, the start of a ping-pong.
	run timeout 30 python3 - "$a" "$b" <<-'EOF'
	import socket, struct, sys
	src, dst = int(sys.argv[1]), int(sys.argv[2])
	payload = b"ping-pong"
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
	s.sendto(struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload,
	    ("127.0.0.1", 0))
	EOF
	assert_success
	wait_eq 30 1 drops udp echo2 loop
	assert_equal "$(listener_stat udp echo2 bytes_out)" 0
	assert_equal "$(listener_stat udp echo connections)" 0
}

@test "UDP: replies to a flooding source are limited to udp_rate across workers" {
	netd_config <<-EOF
	[netd]
	workers = 3
	min_spare = 0
	[service echo]
	type = echo
	listen = udp://127.0.0.1:0 udp://[::1]:0
	udp_rate = 5
	EOF
	netd_start
	run flood 127.0.0.1 "$(port_of udp echo)" 300 flood
	assert_success
	replies=$(jq -r .replies <<<"$output")
	received=$(jq -r .received <<<"$output")
	secs=$(jq -r '.seconds | ceil' <<<"$output")
	echo "# $replies replies to $received datagrams in ${secs}s at udp_rate 5" >&3
	((received >= 250))
	((replies >= 5))
	((replies <= 5 + 5 * secs)) || fail "$replies replies in ${secs}s"
	assert_equal "$(drops udp echo rate)" $((received - replies))
	# Another source (::1 has its own bucket) is still answered.
	run udp --expect 1 ::1 "$(port_of udp echo 2)" other
	assert_equal "$(jq -r .replies <<<"$output")" 1
	# And in status, as netctl shows it.
	run ctl status
	assert_success
}

@test "UDP: udp_rate = 0 does not limit" {
	netd_pool echo-udp echo.udp_rate=0
	run flood 127.0.0.1 "$(port_of udp echo)" 300 unlimited
	assert_success
	assert_equal "$(jq -r .replies <<<"$output")" "$(jq -r .received <<<"$output")"
	(($(jq -r .received <<<"$output") >= 250))
	assert_equal "$(drops udp echo rate)" 0
}

@test "allow: a peer outside the list is refused on TCP and UDP" {
	netd_config <<-EOF
	[netd]
	workers = 2
	min_spare = 0
	[service echo]
	type = echo
	listen = tcp://127.0.0.1:0 tcp://[::1]:0 udp://127.0.0.1:0 udp://[::1]:0
	allow = 127.0.0.0/8
	EOF
	netd_start
	printf 'allowed\n' >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$(port_of tcp echo 1)"
	assert_equal "$(jq -r .head <<<"$output")" allowed
	run stream --send "$BATS_TEST_TMPDIR/in" ::1 "$(port_of tcp echo 2)"
	assert_equal "$(jq -r .received <<<"$output")" 0
	wait_eq 30 1 listener_stat tcp echo refused 2
	grep -q 'access echo tcp tcp://\[::1\]:[0-9]* peer=\[::1\]:[0-9]* .* result=denied' "$LOG"
	assert_equal "$(listener_stat tcp echo refused 1)" 0
	run udp --expect 1 127.0.0.1 "$(port_of udp echo 1)" yes
	assert_equal "$(jq -r .replies <<<"$output")" 1
	udp --wait 0.1 ::1 "$(port_of udp echo 2)" no >/dev/null
	wait_eq 30 1 jqs '[.listeners[] | select(.proto == "udp")][1].drops.denied'
	assert_equal "$(jqs '[.listeners[] | select(.proto == "udp")][1].bytes_out')" 0
	assert_equal "$(jqs '[.listeners[] | select(.proto == "udp")][0].drops.denied')" 0
}

@test "max_connections: one more connection gets ERR busy" {
	netd_pool echo workers=3 echo.max_connections=1
	port=$(port_of tcp echo)
	# The first client stays connected (it has had its echo).
	python3 - "$port" "$BATS_TEST_TMPDIR/first" <<-'EOF' 3>&- &
	import os, socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"first\n")
	assert s.recv(100) == b"first\n"
	open(sys.argv[2], "w").write("in\n")
	while not os.path.exists(sys.argv[2] + ".go"):
	    time.sleep(0.05)
	s.close()
	EOF
	first=$!
	wait_until 30 test -s "$BATS_TEST_TMPDIR/first"
	assert_equal "$(jqs '.services[] | select(.name == "echo") | .active')" 1
	run stream 127.0.0.1 "$port"
	assert_success
	assert_equal "$(jq -r .head <<<"$output")" $'ERR busy\r'
	assert_equal "$(jqs '.services[] | select(.name == "echo") | .refused_busy')" 1
	assert_equal "$(listener_stat tcp echo refused)" 1
	grep -q 'access echo tcp .* result=busy' "$LOG"
	# Once the first has gone, there is room again.
	touch "$BATS_TEST_TMPDIR/first.go"
	wait "$first"
	wait_eq 30 0 jqs '.services[] | select(.name == "echo") | .active'
	printf 'again\n' >"$BATS_TEST_TMPDIR/in"
	run stream --send "$BATS_TEST_TMPDIR/in" 127.0.0.1 "$port"
	assert_equal "$(jq -r .head <<<"$output")" again
}

@test "idle_timeout: a silent client is disconnected" {
	netd_pool echo echo.idle_timeout=1s
	run timeout 60 python3 - "$(port_of tcp echo)" <<-'EOF'
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.settimeout(50)
	t0 = time.monotonic()
	print(len(s.recv(100)), time.monotonic() - t0 >= 0.9)
	EOF
	assert_success
	assert_output "0 True"
	wait_until 30 grep -q 'access echo tcp .* result=timeout' "$LOG"
}
