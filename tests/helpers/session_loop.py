#!/usr/bin/env python3
"""Hello sessions from several clients at once, until told to stop.

usage: session_loop.py THREADS HOST PORT STOP PROGRESS

Each of THREADS clients runs hello sessions (hello_client.py's: greeting,
a name, the reply, "exit") one after another until the file STOP exists.
PROGRESS holds the number of sessions done so far.  At the end one line:

  sessions=N failures=F refused=R longest=SECONDS

refused counts the failures that were a refused connection; longest is
the longest session, connect to close: how long a client waited.  The
first failures are listed on stderr.  Exit 1 if any session failed.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hello_client import session, write_atomically  # noqa: E402

threads, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
stop, progress = sys.argv[4], sys.argv[5]
lock = threading.Lock()
state = {'done': 0, 'failures': 0, 'refused': 0, 'longest': 0.0}


def run(n):
    i = 0
    while not os.path.exists(stop):
        t0 = time.monotonic()
        why = session(host, port, b'client-%d-%d' % (n, i))
        took = time.monotonic() - t0
        i += 1
        with lock:
            state['done'] += 1
            state['longest'] = max(state['longest'], took)
            if why is not None:
                state['failures'] += 1
                if 'refused' in why:
                    state['refused'] += 1
                if state['failures'] <= 20:
                    print('session failed after %.3fs: %s' % (took, why),
                          file=sys.stderr)
            if state['done'] % 20 == 0:
                write_atomically(progress, '%d\n' % state['done'])


write_atomically(progress, '0\n')
workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
for t in workers:
    t.start()
for t in workers:
    t.join()
write_atomically(progress, '%d\n' % state['done'])
print('sessions=%d failures=%d refused=%d longest=%.3f' %
      (state['done'], state['failures'], state['refused'], state['longest']))
sys.exit(1 if state['failures'] else 0)
