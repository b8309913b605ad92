#!/usr/bin/env python3
"""A burst of hello clients that arrive together and hold their sessions.

usage: burst_client.py HOST PORT N READY GO

Opens N connections at once; each waits for the greeting (a worker has
taken it) and holds.  When all N have their greeting, writes to READY
the seconds each waited, sorted (one per line); then waits for the file
GO, and every session sends its name, checks the reply and says exit.
Exits 0 when every session went right.
"""
import os
import socket
import sys
import threading
import time

host, port, n, ready, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
waits = [None] * n
ok = [False] * n
barrier = threading.Barrier(n + 1)


def client(i):
    try:
        s = socket.create_connection((host, port), timeout=120)
        start = time.monotonic()
        data = b''
        while not data.endswith(b'\n'):
            chunk = s.recv(64)
            if not chunk:
                raise OSError('closed before the greeting')
            data += chunk
        waits[i] = time.monotonic() - start
        barrier.wait()
        while not os.path.exists(go):
            time.sleep(0.05)
        s.sendall(b'c%d\n' % i)
        reply = s.recv(64)
        s.sendall(b'exit\n')
        ok[i] = data == b'Welcome!\n' and reply == b'Hello, c%d!\n' % i
        s.close()
    except (OSError, threading.BrokenBarrierError) as e:
        print(f'client {i}: {e}', file=sys.stderr)
        barrier.abort()


threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
try:
    barrier.wait()
    with open(ready + '.tmp', 'w') as f:
        f.write(''.join(f'{w:.3f}\n' for w in sorted(waits)))
    os.rename(ready + '.tmp', ready)
except threading.BrokenBarrierError:
    pass
for t in threads:
    t.join()
sys.exit(0 if all(ok) else 1)
