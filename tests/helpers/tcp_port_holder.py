# Take an ephemeral TCP port of 127.0.0.1 (bound and listening), print its
# number, and keep it for SECONDS: a port in use for a listener to run into
# (with 0, a port free at this moment).
#
#   tcp_port_holder.py SECONDS
import socket
import sys
import time

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(float(sys.argv[1]))
