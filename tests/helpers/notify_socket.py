#!/usr/bin/env python3
"""A service manager's notify socket, for netd started outside systemd.

usage: notify_socket.py PATH LOG

Binds a unix datagram socket at PATH (what NOTIFY_SOCKET names) and
appends every message received to LOG, one line each: "PID: " (the
sender, as the kernel says), its fields joined by " | ", then " [fds=N]"
when it carried descriptors.  Descriptors are kept open, as systemd's fd
store keeps them.  Runs until killed.
"""
import array
import socket
import struct
import sys

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
kept = []
fd_size = array.array('i').itemsize
while True:
    msg, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * fd_size) +
                               socket.CMSG_SPACE(12))
    fds = array.array('i')
    pid = 0
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fd_size])
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', data[:12])[0]
    kept.extend(fds)
    line = '%d: ' % pid + ' | '.join(msg.decode('utf-8', 'replace').split('\n'))
    if fds:
        line += ' [fds=%d]' % len(fds)
    with open(log, 'a') as f:
        f.write(line + '\n')
