#!/usr/bin/env python3
"""Hold N idle TCP connections to one server, for the memory benchmark.

usage: hold.py HOST PORT N [GREETING]

Opens N connections, a batch at a time; with GREETING, each waits until
it has read that line (so the server has accepted it and answered).
Then prints one JSON line, {"held": K, "failed": F, "seconds": S}, and
keeps every connection open, sending nothing, until its stdin closes or
it gets SIGTERM.  Raises its own RLIMIT_NOFILE as far as it may.
"""
import json
import resource
import selectors
import signal
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
greeting = (sys.argv[4] + '\n').encode() if len(sys.argv) > 4 else b''
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

BATCH = 200
sel = selectors.DefaultSelector()
held = []
failed = 0
start = time.monotonic()


def greet(batch, deadline):
    """Read the greeting on every socket of batch; return those that got it."""
    global failed
    bufs = {s: b'' for s in batch}
    for s in batch:
        sel.register(s, selectors.EVENT_READ)
    good = []
    while bufs and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(256)
            except OSError:
                data = b''
            if data:
                bufs[s] += data
                if len(bufs[s]) < len(greeting):
                    continue
            sel.unregister(s)
            if bufs.pop(s) == greeting:
                good.append(s)
            else:
                failed += 1
                s.close()
    for s in bufs:
        sel.unregister(s)
        s.close()
        failed += 1
    return good


while len(held) + failed < n:
    batch = []
    for _ in range(min(BATCH, n - len(held) - failed)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect((host, port))
        except OSError:
            s.close()
            failed += 1
            continue
        batch.append(s)
    held += greet(batch, time.monotonic() + 30) if greeting else batch

print(json.dumps({'held': len(held), 'failed': failed,
                  'seconds': round(time.monotonic() - start, 3)}), flush=True)
sys.stdin.read()
