# Clients of the hello service for the tests, written like the classic
# lesson's client (tests/helpers/seed_tcp_client.py): plain sockets,
# connect, recv, send.  One mode per test need:
#
#   lesson HOST PORT NAME...        the lesson's exchange: names sent without
#                                   a newline, each reply printed as received
#   lines HOST PORT lf|crlf NAME... one line per name; replies printed as
#                                   Python bytes literals (endings visible)
#   hold HOST PORT READY GO [NAME]  greeting, then write our source port to
#                                   READY and wait for the file GO; then one
#                                   exchange, "exit", print the reply
#   load HOST PORT N CONCURRENCY    N sessions over CONCURRENCY threads
#   concurrent HOST PORT N          N clients connect, wait for each other,
#                                   then all have their session at once
#   loop HOST PORT MIN STOP PROGRESS
#                                   sessions one after another until MIN are
#                                   done and the file STOP exists; the count
#                                   so far is kept in PROGRESS
#   raw HOST PORT HEX|@FILE         send bytes, shut down the sending side,
#                                   print all that comes back until the server
#                                   closes (bytes literal)
#   silent HOST PORT                greeting, then say nothing; print how
#                                   long until the server closes
#   udp HOST PORT MESSAGE...        one datagram each, one after another;
#                                   print each reply
#
# A session is: connect, read the greeting, send a name, check the reply,
# send "exit", see the server close.  Failures are counted, never hidden:
# load and loop print "sessions=N failures=F" and exit 1 if F > 0.
import os
import socket
import sys
import threading
import time

TIMEOUT = 30.0          # per socket operation; generous for busy machines
GREETING = b'Welcome!\n'


def connect(host, port):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, int(port)))
    return s


def recv_exactly(s, n):
    data = b''
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_until_eof(s):
    data = b''
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data + b'<RST>'
        if not chunk:
            return data
        data += chunk


def converse(s, name):
    """The rest of a session on a connected socket; None or what failed."""
    greeting = recv_exactly(s, len(GREETING))
    if greeting != GREETING:
        return 'greeting %r' % greeting
    s.send(name)
    want = b'Hello, ' + name + b'!'
    reply = recv_exactly(s, len(want))
    if reply != want:
        return 'reply %r, wanted %r' % (reply, want)
    s.send(b'exit')
    rest = s.recv(1024)
    if rest != b'':
        return 'after exit: %r' % rest
    return None


def session(host, port, name):
    """One hello session; None when it went right, else what went wrong."""
    try:
        s = connect(host, port)
    except OSError as e:
        return 'connect: %s' % e
    try:
        return converse(s, name)
    except OSError as e:
        return '%s: %s' % (type(e).__name__, e)
    finally:
        s.close()


def mode_lesson(host, port, *names):
    s = connect(host, port)
    # 接收歡迎消息:
    print(s.recv(1024).decode('utf-8'))
    for name in names:
        s.send(name.encode('utf-8'))
        print(s.recv(1024).decode('utf-8'))
    s.send(b'exit')
    s.close()


def mode_lines(host, port, ending, *names):
    eol = b'\r\n' if ending == 'crlf' else b'\n'
    s = connect(host, port)
    print(recv_exactly(s, len(GREETING)))
    for name in names:
        s.send(name.encode('utf-8') + eol)
        want = len(b'Hello, ' + name.encode('utf-8') + b'!' + eol)
        print(recv_exactly(s, want))
    s.send(b'exit' + eol)
    print(recv_until_eof(s))
    s.close()


def write_atomically(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.rename(path + '.tmp', path)


def mode_hold(host, port, ready, go, name='Held'):
    s = connect(host, port)
    greeting = recv_exactly(s, len(GREETING))
    if greeting != GREETING:
        print('greeting %r' % greeting)
        sys.exit(1)
    write_atomically(ready, '%d\n' % s.getsockname()[1])
    deadline = time.monotonic() + 300
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            print('no GO file')
            sys.exit(1)
        time.sleep(0.02)
    try:
        s.send(name.encode('utf-8'))
        want = ('Hello, %s!' % name).encode('utf-8')
        reply = recv_exactly(s, len(want))
        print(reply.decode('utf-8', 'replace') if reply else 'EOF')
        if reply != want:
            sys.exit(1)
        s.send(b'exit')
        if s.recv(1024) != b'':
            print('no close after exit')
            sys.exit(1)
    except OSError as e:
        print('%s: %s' % (type(e).__name__, e))
        sys.exit(1)
    s.close()


def mode_load(host, port, n, concurrency):
    n, concurrency = int(n), int(concurrency)
    lock = threading.Lock()
    state = {'next': 0, 'failures': 0}

    def run():
        while True:
            with lock:
                i = state['next']
                if i >= n:
                    return
                state['next'] += 1
            why = session(host, port, b'client-%d' % i)
            if why is not None:
                with lock:
                    state['failures'] += 1
                print('session %d failed: %s' % (i, why), file=sys.stderr)

    start = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print('sessions=%d failures=%d seconds=%.2f' %
          (n, state['failures'], time.monotonic() - start))
    sys.exit(1 if state['failures'] else 0)


def mode_loop(host, port, minimum, stop, progress):
    minimum = int(minimum)
    done = failures = 0
    start = time.monotonic()
    while done < minimum or not os.path.exists(stop):
        why = session(host, port, b'loop-%d' % done)
        done += 1
        if why is not None:
            failures += 1
            print('session %d failed: %s' % (done, why), file=sys.stderr)
        if done % 10 == 0:
            write_atomically(progress, '%d\n' % done)
    write_atomically(progress, '%d\n' % done)
    print('sessions=%d failures=%d seconds=%.2f' %
          (done, failures, time.monotonic() - start))
    sys.exit(1 if failures else 0)


def mode_raw(host, port, data):
    if data.startswith('@'):
        with open(data[1:], 'rb') as f:
            data = f.read()
    else:
        data = bytes.fromhex(data)
    s = connect(host, port)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        print('send: %s: %s' % (type(e).__name__, e), file=sys.stderr)
    print(recv_until_eof(s))
    s.close()


def mode_concurrent(host, port, n):
    """N clients connected at once, then all talk: N sessions in flight."""
    n = int(n)
    barrier = threading.Barrier(n, timeout=TIMEOUT * 2)
    failures = []

    def run(i):
        try:
            s = connect(host, port)
        except OSError as e:
            failures.append('connect: %s' % e)
            barrier.abort()
            return
        try:
            barrier.wait()
            why = converse(s, b'client-%d' % i)
        except (OSError, threading.BrokenBarrierError) as e:
            why = '%s: %s' % (type(e).__name__, e)
        finally:
            s.close()
        if why is not None:
            failures.append(why)
            print('client %d failed: %s' % (i, why), file=sys.stderr)

    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print('sessions=%d failures=%d seconds=%.2f' %
          (n, len(failures), time.monotonic() - start))
    sys.exit(1 if failures else 0)


def mode_silent(host, port):
    s = connect(host, port)
    start = time.monotonic()
    data = recv_until_eof(s)
    print('received %r' % data)
    print('closed after %.1fs' % (time.monotonic() - start))
    s.close()


def mode_udp(host, port, *messages):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    for message in messages:
        s.sendto(message.encode('utf-8'), (host, int(port)))
        data, _ = s.recvfrom(65536)
        print(data.decode('utf-8'))
    s.close()


MODES = {
    'lesson': mode_lesson, 'lines': mode_lines, 'hold': mode_hold,
    'load': mode_load, 'concurrent': mode_concurrent, 'loop': mode_loop,
    'raw': mode_raw,
    'silent': mode_silent, 'udp': mode_udp,
}

if __name__ == '__main__':
    MODES[sys.argv[1]](*sys.argv[2:])
