#!/usr/bin/env python3
"""Long-lived hello sessions, always N of them, until told to stop.

usage: long_sessions.py HOST PORT N STOP OUT

Keeps N sessions open: each reads the greeting, waits 1 to 3 seconds,
sends its name, checks the reply, says exit and sees the server close;
then a new one takes its place.  When the file STOP exists, the open
sessions finish the same way and the counts are written to OUT as
"sessions=S failures=F" (S counts finished sessions).
"""
import os
import random
import selectors
import socket
import sys
import time

host, port, n, stop, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
sel = selectors.DefaultSelector()
done = failures = 0


class Session:
    def __init__(self, i):
        self.name = b'L%d' % i
        self.s = socket.socket()
        self.s.setblocking(False)
        try:
            self.s.connect((host, port))
        except BlockingIOError:
            pass
        self.buf = b''
        self.step = 'greeting'
        self.due = None
        sel.register(self.s, selectors.EVENT_READ, self)

    def fail(self):
        global failures
        failures += 1
        self.close()

    def close(self):
        sel.unregister(self.s)
        self.s.close()
        self.step = 'done'

    def readable(self):
        global done
        try:
            data = self.s.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b''
        if self.step == 'bye':
            if data:
                return self.fail()
            done += 1
            return self.close()
        if not data:
            return self.fail()
        self.buf += data
        if not self.buf.endswith(b'\n'):
            return
        if self.step == 'greeting':
            if self.buf != b'Welcome!\n':
                return self.fail()
            self.buf = b''
            self.step = 'hold'
            self.due = time.monotonic() + random.uniform(1, 3)
        elif self.step == 'reply':
            if self.buf != b'Hello, ' + self.name + b'!\n':
                return self.fail()
            self.step = 'bye'
            self.s.send(b'exit\n')

    def tick(self, now, stopping):
        if self.step == 'hold' and (now >= self.due or stopping):
            self.step = 'reply'
            self.s.send(self.name + b'\n')


count = 0
sessions = []
for i in range(n):
    sessions.append(Session(count))
    count += 1
while True:
    stopping = os.path.exists(stop)
    for key, _ in sel.select(timeout=0.05):
        key.data.readable()
    now = time.monotonic()
    live = []
    for s in sessions:
        s.tick(now, stopping)
        if s.step != 'done':
            live.append(s)
        elif not stopping:
            live.append(Session(count))
            count += 1
    sessions = live
    if stopping and not sessions:
        break
with open(out, 'w') as f:
    f.write(f'sessions={done} failures={failures}\n')
