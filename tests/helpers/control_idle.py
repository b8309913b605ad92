# Open N control connections (argv[2], default 100) to the socket argv[1],
# send nothing, say "holding", and keep them for 30 seconds.
import socket
import sys
import time

held = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 100):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
print('holding', flush=True)
time.sleep(30)
