# A control client that connects, says "connected", sends SEND (a Python
# bytes expression, default nothing) without a newline of its own, reads
# what comes back until netd closes, and reports: how the send went, after
# how long the connection closed, the reply.
#
#   control_client.py SOCKET [SEND]
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
print('connected', flush=True)
data = eval(sys.argv[2]) if len(sys.argv) > 2 else b''
try:
    s.sendall(data)
    print('sent %d bytes' % len(data), flush=True)
except OSError as e:
    print('send stopped: %s' % type(e).__name__, flush=True)
start = time.monotonic()
reply = b''
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
except OSError as e:
    print('recv: %s' % type(e).__name__, flush=True)
print('closed after %.1fs' % (time.monotonic() - start), flush=True)
print('reply %s' % reply.decode('utf-8', 'replace').strip(), flush=True)
