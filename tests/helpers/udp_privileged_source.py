# A datagram to the echo listener PORT (the first in status) from a
# privileged source port (1000-1023, root only); waits (up to 50 s) until
# netd counts it as a port drop, then says whether a reply came:
# "got a reply" or "no reply, source port N".
#
#   udp_privileged_source.py PORT NETCTL SOCKET
import json
import socket
import subprocess
import sys
import time

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
