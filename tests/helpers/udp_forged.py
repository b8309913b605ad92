# A forged UDP datagram on 127.0.0.1 from port SRC to port DST (a raw
# socket, so root only): as if one netd UDP listener wrote to another,
# the start of a ping-pong.
#
#   udp_forged.py SRC DST
import socket
import struct
import sys

src, dst = int(sys.argv[1]), int(sys.argv[2])
payload = b"ping-pong"
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.sendto(struct.pack("!HHHH", src, dst, 8 + len(payload), 0) + payload,
    ("127.0.0.1", 0))
