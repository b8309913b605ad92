# Flood a UDP listener from one socket: N datagrams of PAYLOAD to HOST PORT,
# in bursts of 50; after each burst wait until netd has taken every datagram
# the kernel queued (rx_queue 0 in /proc/net/udp) and answered or dropped
# it (its counters in `netctl status` say so, twice the same).  Prints
# {replies, received, seconds} as JSON.
#
#   udp_flood.py NETCTL SOCKET HOST PORT N PAYLOAD
import json
import socket
import subprocess
import sys
import time

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
        if rx_queue() == 0 and decided == l["datagrams"]:
            if settled == l["datagrams"]:
                break
            settled = l["datagrams"]
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
print(json.dumps({"replies": replies, "received": l["datagrams"],
    "seconds": secs}))
