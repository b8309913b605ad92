# Exit 0 if a TCP connection to HOST PORT is refused, 1 if it is accepted
# (any other error is an error).
#
#   tcp_refused.py HOST PORT
import socket
import sys

try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
