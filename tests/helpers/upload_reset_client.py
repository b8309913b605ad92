# An upload cut short by a reset: send 100000 bytes to the upload service,
# wait (up to 30 s) until its temporary file (*.part) shows in DIR, then
# close with SO_LINGER 0, which sends a RST.
#
#   upload_reset_client.py PORT DIR
import os
import socket
import struct
import sys
import time

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"y" * 100000)
deadline = time.time() + 30
while not any(n.endswith(".part") for n in os.listdir(sys.argv[2])):
    if time.time() > deadline:
        sys.exit("no temporary file appeared")
    time.sleep(0.05)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
