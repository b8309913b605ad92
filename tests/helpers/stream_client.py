# A TCP client for the service tests: send a file (or nothing), half-close,
# read everything the server sends until it closes, and print one JSON
# line: bytes sent and received, their SHA-256, the first bytes received
# (latin-1), the seconds it took.
#
#   stream_client.py [-6] [--send FILE] [--no-shutdown] [--max N]
#                    [--timeout S] [--out FILE] HOST PORT
import argparse
import hashlib
import json
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("--send")
ap.add_argument("--no-shutdown", action="store_true")
ap.add_argument("--max", type=int, default=0, help="stop after N bytes")
ap.add_argument("--timeout", type=float, default=60)
ap.add_argument("--out")
args = ap.parse_args()

family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(args.timeout)
s.connect((args.host, args.port))
t0 = time.monotonic()
sent = {"n": 0, "sha": hashlib.sha256(), "err": None}


def sender():
    try:
        if args.send:
            with open(args.send, "rb") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    s.sendall(chunk)
                    sent["n"] += len(chunk)
                    sent["sha"].update(chunk)
        if not args.no_shutdown:
            s.shutdown(socket.SHUT_WR)
    except OSError as e:
        sent["err"] = str(e)


th = threading.Thread(target=sender)
th.start()
got = hashlib.sha256()
n = 0
head = b""
err = None
out = open(args.out, "wb") if args.out else None
try:
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        if len(head) < 4096:
            head += d[: 4096 - len(head)]
        got.update(d)
        n += len(d)
        if out:
            out.write(d)
        if args.max and n >= args.max:
            break
except OSError as e:
    err = str(e)
th.join()
secs = time.monotonic() - t0
s.close()
if out:
    out.close()
print(json.dumps({
    "sent": sent["n"], "sent_sha256": sent["sha"].hexdigest(),
    "received": n, "received_sha256": got.hexdigest(),
    "head": head.decode("latin-1"), "seconds": round(secs, 3),
    "send_error": sent["err"], "recv_error": err,
}))
