# N control clients (default 200), one after another, that send a request
# (status, ping, config, reload in turn) and hang up before the answer.
#
#   control_hangup.py SOCKET [N]
import socket
import sys

n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall([b'status\n', b'ping\n', b'config\n', b'reload\n'][i % 4])
    s.close()
