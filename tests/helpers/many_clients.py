#!/usr/bin/env python3
"""Many hello sessions held open at once, from one process.

usage: many_clients.py HOST PORT N READY GO

Opens N connections (in batches, each waiting for its greeting), writes
"open N" to READY when all N have their greeting, then waits for the
file GO; then every session sends its name, checks the reply, says exit
and sees the server close.  Prints "ok=K failed=F" and exits 0 when all
N went right.  Raises its own RLIMIT_NOFILE as far as it may.
"""
import os
import resource
import selectors
import socket
import sys
import time

host, port, n, ready, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

GREETING = b'Welcome!\n'
sel = selectors.DefaultSelector()
socks = []
failed = 0


def wait_all(pending, want, deadline):
    """Read until every socket in pending has `want` bytes, or EOF."""
    global failed
    bufs = {s: b'' for s in pending}
    for s in pending:
        sel.register(s, selectors.EVENT_READ)
    while bufs and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b''
            if not data:
                sel.unregister(s)
                del bufs[s]
                failed += 1
                continue
            bufs[s] += data
            if bufs[s].endswith(b'\n'):
                sel.unregister(s)
                yield s, bufs.pop(s)
    for s in list(bufs):
        sel.unregister(s)
        failed += 1


BATCH = 250
for start in range(0, n, BATCH):
    batch = []
    for i in range(start, min(n, start + BATCH)):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        batch.append(s)
    for s, data in wait_all(batch, GREETING, time.monotonic() + 120):
        if data == GREETING:
            socks.append(s)
        else:
            failed += 1
if failed:
    print(f'ok=0 failed={failed} (greetings)')
    sys.exit(1)
with open(ready + '.tmp', 'w') as f:
    f.write(f'open {len(socks)}\n')
os.rename(ready + '.tmp', ready)
while not os.path.exists(go):
    time.sleep(0.05)

ok = 0
names = {}
for i, s in enumerate(socks):
    name = b'c%d' % i
    names[s] = name
    s.setblocking(True)
    s.sendall(name + b'\n')
    s.setblocking(False)
for s, data in wait_all(socks, None, time.monotonic() + 120):
    if data == b'Hello, ' + names[s] + b'!\n':
        s.setblocking(True)
        s.settimeout(30)
        s.sendall(b'exit\n')
        try:
            end = s.recv(16)
        except OSError:
            end = b'x'
        ok += end == b''
        failed += end != b''
    else:
        failed += 1
    s.close()
print(f'ok={ok} failed={failed}')
sys.exit(0 if ok == n and failed == 0 else 1)
