#!/usr/bin/env python3
"""One short session, timed: how long a new client waits.

usage: latency_client.py hello|echo|http|upload HOST PORT

Prints the seconds from connect to a complete, correct exchange (the
greeting and one reply; an echoed line; a 200 from GET /; an upload
stored), or fails.
"""
import socket
import sys
import time

kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.monotonic()
s = socket.create_connection((host, port), timeout=10)


def read_until(s, end):
    data = b''
    while not data.endswith(end):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


if kind == 'hello':
    assert read_until(s, b'\n') == b'Welcome!\n'
    s.sendall(b'fresh\n')
    assert read_until(s, b'\n') == b'Hello, fresh!\n'
elif kind == 'echo':
    s.sendall(b'ping\n')
    assert read_until(s, b'\n') == b'ping\n'
elif kind == 'http':
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    data = read_until(s, b'</html>\n')
    assert data.startswith(b'HTTP/1.1 200 '), data[:40]
elif kind == 'upload':
    s.sendall(b'hello upload\n')
    s.shutdown(socket.SHUT_WR)
    data = read_until(s, b'\n')
    assert data.startswith(b'OK 13 '), data
else:
    sys.exit('unknown kind')
print(f'{time.monotonic() - t0:.3f}')
