# Hold a TCP connection open until the file GO exists (at most 100 s), then
# close it.  Before that: send the bytes of FILE (--send); with --echo, read
# them back and exit 1 if something else came; write "in" to READY
# (--ready).
#
#   tcp_hold.py [--send FILE] [--echo] [--ready READY] HOST PORT GO
import argparse
import os
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("go")
ap.add_argument("--send")
ap.add_argument("--echo", action="store_true")
ap.add_argument("--ready")
args = ap.parse_args()

s = socket.create_connection((args.host, args.port))
if args.send:
    with open(args.send, "rb") as f:
        data = f.read()
    s.sendall(data)
    if args.echo:
        got = s.recv(len(data) + 100)
        if got != data:
            sys.exit("sent %r, got %r back" % (data, got))
if args.ready:
    with open(args.ready, "w") as f:
        f.write("in\n")
deadline = time.monotonic() + 100
while not os.path.exists(args.go) and time.monotonic() < deadline:
    time.sleep(0.05)
s.close()
