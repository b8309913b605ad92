# Send raw bytes to an HTTP server without half-closing, read responses
# until the server closes (or the timeout), and print one JSON line: the
# status of each response in order, and whether the server closed.
#
#   http_raw.py HOST PORT REQUEST [TIMEOUT]
#
# REQUEST is a Python bytes literal body ("GET / HTTP/1.1\r\nHost: x...").
import ast
import json
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
data = ast.literal_eval("b'''" + sys.argv[3].replace("'", "\\'") + "'''")
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 10

s = socket.create_connection((host, port), timeout=timeout)
s.sendall(data)
buf = b""
closed = False
try:
    while True:
        d = s.recv(65536)
        if not d:
            closed = True
            break
        buf += d
except socket.timeout:
    pass
s.close()

statuses = []
while buf:
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        statuses.append("partial")
        break
    lines = head.split(b"\r\n")
    statuses.append(int(lines[0].split()[1]))
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    buf = rest[length:]
print(json.dumps({"statuses": statuses, "closed": closed}))
