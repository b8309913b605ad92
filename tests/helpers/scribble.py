#!/usr/bin/env python3
"""Overwrite pid-like values in a process's shared memory, as a worker
that a parser bug handed to an attacker could.

usage: scribble.py PID VALUE all|FIND...

For every shared mapping of PID (/proc/PID/maps, 's' in the permissions),
every aligned 32-bit integer equal to one of FIND (or every one, with
"all") is replaced by VALUE (zeros, FIND 0, only in mappings of 8 MiB or
less: the large tables are untouched zero pages, of no use to forge) (a bystander's pid, or -1).  Writable
mappings are written through /proc/PID/mem; read-only ones are tried
too, and must refuse.  Prints "written=N refused=M mappings=K" where N
counts values replaced and M the read-only mappings whose write was
refused.
"""
import struct
import sys


def aligned(data, find):
    """Offsets of the aligned 32-bit words of data equal to one of find."""
    hits = []
    for v in find:
        pat = struct.pack("<i", v)
        pos = data.find(pat)
        while pos != -1:
            if pos % 4 == 0:
                hits.append(pos)
            pos = data.find(pat, pos + (4 if pos % 4 == 0 else 1))
    return sorted(hits)


def main():
    pid = int(sys.argv[1])
    value = int(sys.argv[2])
    every = sys.argv[3:] == ["all"]
    find = set() if every else {int(x) for x in sys.argv[3:]}
    new = struct.pack("<i", value)
    written = refused = mappings = 0
    with open(f"/proc/{pid}/maps") as f:
        maps = [line.split() for line in f]
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        for m in maps:
            perms = m[1]
            if "s" not in perms or "r" not in perms:
                continue
            mappings += 1
            lo, hi = (int(x, 16) for x in m[0].split("-"))
            if 0 in find and hi - lo > 8 << 20:
                continue
            mem.seek(lo)
            data = mem.read(hi - lo)
            hits = [] if every else aligned(data, find)
            if "w" not in perms:
                # The view: try to forge its first pid (or its first word).
                mem.seek(lo + (hits[0] if hits else 0))
                try:
                    mem.write(new)
                except OSError:
                    refused += 1
                continue
            if every:
                mem.seek(lo)
                mem.write(new * (len(data) // 4))
                written += len(data) // 4
                continue
            if not hits:
                continue
            out = bytearray(data)
            for off in hits:
                out[off:off + 4] = new
            mem.seek(lo)
            mem.write(out)
            written += len(hits)
    print(f"written={written} refused={refused} mappings={mappings}")


main()
