#!/usr/bin/env python3
"""A bystander that writes down every signal it receives.

usage: signal_recorder.py FILE

Catches every signal that can be caught, appends its name to FILE, and
otherwise sleeps until killed with SIGKILL.
"""
import signal
import sys
import time

path = sys.argv[1]


def record(sig, frame):
    with open(path, "a") as f:
        f.write(signal.Signals(sig).name + "\n")


for s in signal.valid_signals():
    if s in (signal.SIGKILL, signal.SIGSTOP):
        continue
    try:
        signal.signal(s, record)
    except (OSError, ValueError, RuntimeError):
        pass
open(path + ".ready", "w").close()
while True:
    time.sleep(3600)
