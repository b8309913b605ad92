#!/usr/bin/env python3
"""startup.py NETD CONFIG SOCKET WORKERS [RUNS]

Start-up time of netd: from the moment it is executed until its control
socket reports WORKERS idle workers (a worker reports itself idle once its
epoll set holds every listener: it can serve).  The status is asked over
the control socket every millisecond.  Prints one line of JSON: every
run's milliseconds, the median, and the PSS (KiB, /proc/PID/smaps_rollup)
of an idle worker and of the master while that many workers run.
"""
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def status(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(path)
        s.sendall(b"status\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return json.loads(data)
    finally:
        s.close()


def pss(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return None


def one(netd, conf, sock, workers, log):
    t0 = time.monotonic()
    p = subprocess.Popen([netd, "-c", conf], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log)
    doc = None
    try:
        while True:
            if p.poll() is not None:
                sys.exit(f"startup: netd exited with {p.returncode}")
            try:
                doc = status(sock)
                if doc["pool"]["idle"] >= workers:
                    break
            except (OSError, ValueError, KeyError):
                pass
            if time.monotonic() - t0 > 20:
                sys.exit("startup: not ready after 20 s")
            time.sleep(0.001)
        ms = (time.monotonic() - t0) * 1000
        time.sleep(0.2)		# let the last status request settle
        pids = [w["pid"] for w in status(sock)["workers"]
                if w.get("state") == "idle"]
        mem = sorted(pss(pid) for pid in pids)
        return ms, mem[len(mem) // 2], pss(p.pid)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        try:
            os.unlink(sock)
        except FileNotFoundError:
            pass


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    netd, conf, sock, workers = sys.argv[1:5]
    runs = int(sys.argv[5]) if len(sys.argv) == 6 else 5
    with open(conf + ".log", "ab") as log:
        res = [one(netd, conf, sock, int(workers), log) for _ in range(runs)]
    ms = [r[0] for r in res]
    print(json.dumps({"workers": int(workers), "runs_ms": [round(x, 1) for x in ms],
                      "median_ms": round(statistics.median(ms), 1),
                      "worker_pss_kib": statistics.median(r[1] for r in res),
                      "master_pss_kib": statistics.median(r[2] for r in res)}))


if __name__ == "__main__":
    main()
