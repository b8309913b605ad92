# N requests (default 100) through one http.client connection, alternating
# /, /status, /metrics; fails if the connection was ever replaced.  Prints
# one JSON line: requests, statuses seen, the client's port.
import http.client
import json
import sys

host, port = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
c = http.client.HTTPConnection(host, port, timeout=60)
c.connect()
sock = c.sock
local = sock.getsockname()[1]
statuses = set()
paths = ["/", "/status", "/metrics"]
for i in range(n):
    c.request("GET", paths[i % 3])
    r = c.getresponse()
    body = r.read()
    if len(body) != int(r.getheader("Content-Length")):
        sys.exit("request %d: body length differs" % i)
    if r.will_close or c.sock is not sock:
        sys.exit("request %d: the connection was not kept" % i)
    statuses.add(r.status)
c.close()
print(json.dumps({"requests": n, "statuses": sorted(statuses),
                  "local_port": local}))
