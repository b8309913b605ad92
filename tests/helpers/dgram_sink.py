# A syslog or journal socket for a test: bind a unix datagram socket at
# PATH and append every datagram to OUT, each followed by a line "%%".
#
#   dgram_sink.py PATH OUT
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "ab", buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d + (b"" if d.endswith(b"\n") else b"\n") + b"%%\n")
