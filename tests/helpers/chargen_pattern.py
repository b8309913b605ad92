# The first N bytes of the RFC 864 chargen stream: line i is 72 characters
# from (32 + i) mod 95 on, then CRLF.
#
#   chargen_pattern.py N
import sys

n = int(sys.argv[1])
out = bytearray()
i = 0
while len(out) < n:
    out += bytes(32 + (i + c) % 95 for c in range(72)) + b"\r\n"
    i += 1
sys.stdout.buffer.write(bytes(out[:n]))
