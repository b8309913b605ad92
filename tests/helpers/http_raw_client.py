# GET / through a plain socket, written like the classic lesson's clients
# (send, then recv until the server closes): print the response head (LF
# line ends), "BODY <bytes>", then the body.
#
#   http_raw_client.py PORT
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('127.0.0.1', int(sys.argv[1])))
s.send(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
buffer = []
while True:
    d = s.recv(1024)
    if d:
        buffer.append(d)
    else:
        break
data = b''.join(buffer)
s.close()
header, html = data.split(b'\r\n\r\n', 1)
print(header.decode('utf-8').replace('\r\n', '\n'))
print('BODY %d' % len(html))
print(html.decode('utf-8'))
