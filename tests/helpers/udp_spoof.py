# One UDP datagram with a forged source port, as a spoofer would send it
# (needs root: a raw socket).  The kernel picks the source address, the
# one it would use for HOST (127.0.0.1 for 127.0.0.1).
#
#   udp_spoof.py SRCPORT HOST DSTPORT [PAYLOAD]
import socket
import struct
import sys

src, host, dst = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
payload = (sys.argv[4] if len(sys.argv) > 4 else "spoofed").encode()
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
# Checksum 0: none, which IPv4 allows.
s.sendto(struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload,
         (host, 0))
