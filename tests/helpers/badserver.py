#!/usr/bin/env python3
"""A misbehaving server, to check that loadgen counts each fault right.

    badserver.py MODE

listens on 127.0.0.1, TCP and UDP on one free port, prints the port and
serves until killed.  MODE says how it misbehaves with every client:

    wrong    answers bytes no protocol expects (a control character in
             the middle): after the first bytes the client sends (or 50 ms
             of silence), then after every read, until the client closes;
             a datagram gets such a reply
    reset    TCP: accepts and closes with SO_LINGER 0 (an RST)
    silence  accepts and never answers; datagrams are dropped
    close    TCP: accepts, reads what comes within 50 ms and closes (a
             FIN, nothing sent)
"""
import select
import socket
import struct
import sys
import threading

BAD = b"x\x01y\r\n"


def drain(conn, timeout):
    """Read what comes within timeout seconds; False once the peer closed."""
    while True:
        r, _, _ = select.select([conn], [], [], timeout)
        if not r:
            return True
        try:
            data = conn.recv(65536)
        except OSError:
            return False
        if not data:
            return False


def serve_tcp(mode, conn):
    try:
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        elif mode == "wrong":
            r, _, _ = select.select([conn], [], [], 0.05)
            if r and not conn.recv(65536):
                return
            while True:
                conn.sendall(BAD)
                r, _, _ = select.select([conn], [], [], 10)
                if not r or not conn.recv(65536):
                    break
        elif mode == "close":
            drain(conn, 0.05)
        elif mode == "silence":
            drain(conn, 30)
    finally:
        conn.close()


def serve_udp(mode, sock):
    while True:
        data, peer = sock.recvfrom(65536)
        if mode == "wrong":
            sock.sendto(BAD, peer)


def main():
    mode = sys.argv[1] if len(sys.argv) == 2 else ""
    if mode not in ("wrong", "reset", "silence", "close"):
        sys.exit(__doc__)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(128)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    threading.Thread(target=serve_udp, args=(mode, udp), daemon=True).start()
    print(port, flush=True)
    while True:
        conn, _ = tcp.accept()
        threading.Thread(target=serve_tcp, args=(mode, conn),
                         daemon=True).start()


if __name__ == "__main__":
    main()
