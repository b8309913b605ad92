# Attacks on the UDP rate limit's bucket table, for tests/robust-udp.bats.
# Every address used is in 127.0.0.0/8; every loop is bounded.  Sources
# are chosen per datagram (IP_PKTINFO) on sockets bound the way a client's
# are: the wildcard address, a port the kernel picks.
#
#   udp_evict.py same-set SERVICE VICTIM N
#       N addresses of 127.0.0.0/16 whose bucket fell in VICTIM's set under
#       the unkeyed hash netd once used (a public formula: anyone could
#       compute it), one a line.
#
#   udp_evict.py targeted HOST PORT ROUNDS VICTIM ADDR...
#       ROUNDS rounds of one datagram from VICTIM, then one from each ADDR;
#       prints JSON: the victim's datagrams sent and replies received, the
#       seconds it took.
#
#   udp_evict.py churn HOST PORT RATE N VICTIM
#       VICTIM sends RATE datagrams (and should get RATE replies: a full
#       bucket), then N datagrams come from N other addresses of
#       127.0.0.0/8, then VICTIM sends RATE more.  Prints JSON: the
#       replies to each of the victim's two bursts, the seconds from the
#       end of the first to the end of the second, how many of the N were
#       sent.
import json
import socket
import struct
import sys
import time

M64 = (1 << 64) - 1
AF_INET = 2		# as netd hashed it: Linux's AF_INET


def mix64(x):
    x ^= x >> 30
    x = (x * 0xbf58476d1ce4e5b9) & M64
    x ^= x >> 27
    x = (x * 0x94d049bb133111eb) & M64
    x ^= x >> 31
    return x


def name_hash(s):
    h = 2166136261
    for c in s.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h


def old_set(name, addr):
    key = struct.unpack("!I", socket.inet_aton(addr))[0]
    return mix64(key ^ (name_hash(name) << 17) ^ AF_INET) % 1024


def same_set(name, victim, n):
    want = old_set(name, victim)
    out = []
    for i in range(1, 65536):
        a = "127.0.%d.%d" % (i >> 8, i & 255)
        if a != victim and (i & 255) not in (0, 255) and \
                old_set(name, a) == want:
            out.append(a)
            if len(out) == n:
                break
    if len(out) < n:
        sys.exit("only %d addresses share the victim's set" % len(out))
    print("\n".join(out))


PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def sock():
    """A client's socket: the wildcard address, a port the kernel picks
    (netd takes a socket bound to one address for a server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("0.0.0.0", 0))
    return s


def anc(src):
    """Ancillary data that sends a datagram from local address SRC."""
    return [(socket.IPPROTO_IP, PKTINFO, struct.pack(
        "=I4s4s", 0, socket.inet_aton(src), b"\0" * 4))]


def drain(s, quiet):
    """Replies until none came for QUIET seconds (at most 10 s)."""
    n = 0
    end = time.monotonic() + 10
    s.settimeout(quiet)
    while time.monotonic() < end:
        try:
            s.recv(65536)
            n += 1
        except socket.timeout:
            break
    return n


def targeted(host, port, rounds, victim, addrs):
    v, att = sock(), sock()
    dst = (host, port)
    va, aa = anc(victim), [anc(a) for a in addrs]
    t0 = time.monotonic()
    for _ in range(rounds):
        v.sendmsg([b"v"], va, 0, dst)
        for a in aa:
            att.sendmsg([b"a"], a, 0, dst)
        time.sleep(0.002)	# let the workers keep up (and the order)
    secs = time.monotonic() - t0
    print(json.dumps({"sent": rounds, "replies": drain(v, 0.5),
                      "seconds": secs}))


def churn(host, port, rate, n, victim):
    v, f = sock(), sock()
    dst = (host, port)
    va = anc(victim)
    # 127.1.0.1 and up: other addresses than the victim's.
    fa = [anc(socket.inet_ntoa(struct.pack("!I", 0x7f010001 + i)))
          for i in range(n)]
    for _ in range(rate):
        v.sendmsg([b"v"], va, 0, dst)
    t0 = time.monotonic()
    first = drain(v, 0.1)
    sent = 0
    t1 = time.monotonic()
    for a in fa:
        try:
            f.sendmsg([b"f"], a, 0, dst)
            sent += 1
        except OSError:
            pass
    time.sleep(0.05)	# the last of them taken by a worker
    t2 = time.monotonic()
    for _ in range(rate):
        v.sendmsg([b"v"], va, 0, dst)
    t3 = time.monotonic()
    second = drain(v, 0.3)
    print(json.dumps({"first": first, "second": second,
                      "refill_seconds": t3 - t0, "flood": sent,
                      "flood_seconds": t2 - t1}))


def main():
    a = sys.argv[1:]
    if a and a[0] == "same-set" and len(a) == 4:
        same_set(a[1], a[2], int(a[3]))
    elif a and a[0] == "targeted" and len(a) >= 6:
        targeted(a[1], int(a[2]), int(a[3]), a[4], a[5:])
    elif a and a[0] == "churn" and len(a) == 6:
        churn(a[1], int(a[2]), int(a[3]), int(a[4]), a[5])
    else:
        sys.exit(__doc__ if __doc__ else "usage: see the top of this file")


main()
