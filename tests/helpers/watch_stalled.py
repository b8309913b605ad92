# A watcher that stops reading: connect to the control socket argv[1]
# with a small receive buffer, send "watch", write "ready" into the file
# argv[2], then read nothing until the file argv[3] exists (10 minutes at
# most).  Then read what is left: "closed after N bytes" if the master
# hung up on us, "still open" if data kept coming for 5 seconds without
# an end.
import os
import socket
import sys
import time

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b'watch\n')
with open(sys.argv[2], 'w') as f:
    f.write('ready\n')
deadline = time.time() + 600
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.05)
s.settimeout(5)
total = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            print('closed after %d bytes' % total)
            break
        total += len(b)
except socket.timeout:
    print('still open after %d bytes' % total)
except ConnectionResetError:
    print('closed after %d bytes' % total)
