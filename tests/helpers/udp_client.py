# A UDP client for the service tests.  Sends COUNT datagrams of PAYLOAD
# from an optional source address, collects replies until none came for
# WAIT seconds, prints one JSON line: sent, replies, the first reply in
# hex, every reply's length.
#
#   udp_client.py [--bind HOST:PORT] [--count N] [--wait S] [--expect N]
#                 HOST PORT [PAYLOAD]
#
# With --expect N it stops as soon as N replies came (WAIT is then only
# the limit for a missing one).
import argparse
import json
import socket

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("payload", nargs="?", default="x")
ap.add_argument("--bind")
ap.add_argument("--count", type=int, default=1)
ap.add_argument("--wait", type=float, default=5)
ap.add_argument("--expect", type=int, default=0)
args = ap.parse_args()

family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
if args.bind:
    host, _, port = args.bind.rpartition(":")
    s.bind((host.strip("[]"), int(port)))
for _ in range(args.count):
    s.sendto(args.payload.encode(), (args.host, args.port))
replies = []
s.settimeout(args.wait)
try:
    while True:
        d, _ = s.recvfrom(65536)
        replies.append(d)
        if args.expect and len(replies) >= args.expect:
            break
except socket.timeout:
    pass
print(json.dumps({
    "sent": args.count, "replies": len(replies),
    "first": replies[0].hex() if replies else None,
    "lengths": [len(r) for r in replies],
    "source_port": s.getsockname()[1],
}))
