#!/usr/bin/env python3
"""Which processes watch a listening socket in their epoll sets.

usage: epoll_watchers.py tcp|udp PORT PID...
       epoll_watchers.py tcp|udp PORT -c MASTER -n OLD SECS

Finds the socket bound to PORT (TCP in LISTEN, or UDP) in /proc/net, then
prints the PIDs, one a line, whose epoll instances have that socket
registered, as each epoll descriptor's /proc/PID/fdinfo lists them
("tfd: N events: ...", N a descriptor of the same process).  A process
that is gone is skipped.

With -c, the processes are MASTER's children, looked at every 10 ms until
one other than OLD watches the socket: then it prints that pid and the
milliseconds waited; after SECS it exits 1.
"""
import os
import sys
import time

proto, port, pids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def inodes():
    found = set()
    state = '0A' if proto == 'tcp' else '07'
    for table in (proto, proto + '6'):
        try:
            with open('/proc/net/' + table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, st, inode = fields[1], fields[3], fields[9]
                    if int(local.rsplit(':', 1)[1], 16) == port and \
                            st == state:
                        found.add(inode)
        except FileNotFoundError:
            pass
    return found


def watches(pid, wanted):
    base = '/proc/%s' % pid
    for fd in os.listdir(base + '/fd'):
        try:
            if os.readlink('%s/fd/%s' % (base, fd)) != 'anon_inode:[eventpoll]':
                continue
            with open('%s/fdinfo/%s' % (base, fd)) as f:
                for line in f:
                    if not line.startswith('tfd:'):
                        continue
                    tfd = line.split()[1]
                    target = os.readlink('%s/fd/%s' % (base, tfd))
                    if target.startswith('socket:[') and \
                            target[8:-1] in wanted:
                        return True
        except (FileNotFoundError, ProcessLookupError):
            continue
    return False


def children(master):
    with open('/proc/%s/task/%s/children' % (master, master)) as f:
        return f.read().split()


wanted = inodes()
if not wanted:
    sys.exit('no %s socket on port %d' % (proto, port))
if pids[:1] == ['-c']:
    master, old, secs = pids[1], pids[3], float(pids[4])
    start = time.monotonic()
    while time.monotonic() - start < secs:
        for pid in children(master):
            try:
                if pid != old and watches(pid, wanted):
                    print(pid, int((time.monotonic() - start) * 1000))
                    sys.exit(0)
            except (FileNotFoundError, ProcessLookupError):
                pass
        time.sleep(0.01)
    sys.exit(1)
for pid in pids:
    try:
        if watches(pid, wanted):
            print(pid)
    except (FileNotFoundError, ProcessLookupError):
        pass
