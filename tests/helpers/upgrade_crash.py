#!/usr/bin/env python3
"""A new master that dies during the hand-over: the binary of an upgrade.

usage (as netctl upgrade's PATH, through a script that adds NETD):
    upgrade_crash.py NETD ARGS...

Runs NETD ARGS... in this process (pid, descriptors and environment
kept, as an upgrade needs), after forking a watcher that closes every
descriptor it inherited and kills NETD with SIGKILL as soon as NETD has
forked its first worker: the new master has taken the sockets and
started serving, and has not yet been told to take over.
"""
import os
import signal
import sys
import time

netd = sys.argv[1]
master = os.getpid()
watcher = os.fork()
if watcher == 0:
    os.closerange(3, 65536)
    me = os.getpid()
    children = '/proc/%d/task/%d/children' % (master, master)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(children) as f:
                pids = [int(p) for p in f.read().split() if int(p) != me]
        except (OSError, ValueError):
            pids = []
        if pids:
            os.kill(master, signal.SIGKILL)
            break
        time.sleep(0.0005)
    os._exit(0)
os.execv(netd, [netd] + sys.argv[2:])
