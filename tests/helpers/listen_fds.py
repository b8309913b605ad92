#!/usr/bin/env python3
"""Start a program the way systemd's socket activation does.

usage: listen_fds.py [-t TEMPLATE OUT] SOCKET... -- PROGRAM ARGS...

Each SOCKET is tcp:HOST:PORT, udp:HOST:PORT or unix:PATH, optionally
followed by =NAME (default "netd.socket", a socket unit's name); IPv6
hosts in brackets; port 0 binds a free port.  The sockets are bound (and
listen, for tcp and unix), moved to descriptors 3, 4, ... in order, and
PROGRAM is run in this process with LISTEN_FDS, LISTEN_FDNAMES and
LISTEN_PID set, as systemd sets them.  With -t, TEMPLATE is copied to OUT
first, @PORT1@, @PORT2@ ... replaced by the ports bound for the 1st, 2nd
... socket.
"""
import os
import socket
import sys

args = sys.argv[1:]
template = None
if args[:1] == ['-t']:
    template, out = args[1], args[2]
    args = args[3:]
split = args.index('--')
specs, program = args[:split], args[split + 1:]

socks, names, ports = [], [], []
for spec in specs:
    spec, _, name = spec.partition('=')
    kind, _, where = spec.partition(':')
    if kind == 'unix':
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(where)
        s.listen(128)
        ports.append(0)
    else:
        host, _, port = where.rpartition(':')
        family = socket.AF_INET
        if host.startswith('['):
            host, family = host[1:-1], socket.AF_INET6
        s = socket.socket(family, socket.SOCK_STREAM if kind == 'tcp'
                          else socket.SOCK_DGRAM)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, int(port)))
        if kind == 'tcp':
            s.listen(128)
        ports.append(s.getsockname()[1])
    socks.append(s)
    names.append(name or 'netd.socket')

if template is not None:
    with open(template) as f:
        text = f.read()
    for i, port in enumerate(ports):
        text = text.replace('@PORT%d@' % (i + 1), str(port))
    with open(out, 'w') as f:
        f.write(text)

for i, s in enumerate(socks):
    fd = os.dup(s.fileno())
    os.dup2(fd, 3 + i, inheritable=True)
for fd in range(3 + len(socks), 1024):
    try:
        os.close(fd)
    except OSError:
        pass
os.environ['LISTEN_FDS'] = str(len(socks))
os.environ['LISTEN_FDNAMES'] = ':'.join(names)
os.environ['LISTEN_PID'] = str(os.getpid())
os.execvp(program[0], program)
