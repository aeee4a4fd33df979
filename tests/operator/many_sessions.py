#!/usr/bin/python3
"""Drivers for tests/operator/orport_source.sh.

many_sessions.py hold RECORD
    An ORPort stand-in: accepts and holds every connection (reading and
    dropping what arrives), prints "LISTEN 127.0.0.1:PORT", and rewrites
    RECORD (one "SOURCE-IP COUNT" line per source address) whenever the
    count changed, at most every 0.2 s.
many_sessions.py drive URL N CONNS
    Sends N POSTs, each with its own X-Session-Id and a 1-byte body, over
    CONNS keep-alive connections in threads; prints "STATUS code count"
    lines and "ERRORS n".
"""
import collections
import http.client
import os
import selectors
import socket
import sys
import threading
import time
import urllib.parse


def hold(record):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    counts = collections.Counter()
    held = set()
    print("LISTEN 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
    dirty, last = True, 0.0
    while True:
        for key, _ in sel.select(timeout=0.2):
            if key.data is None:
                while True:
                    try:
                        c, addr = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, addr[0])
                    held.add(c)
                    counts[addr[0]] += 1
                    dirty = True
            else:
                try:
                    data = key.fileobj.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    held.discard(key.fileobj)
                    key.fileobj.close()
        now = time.monotonic()
        if dirty and now - last >= 0.2:
            tmp = record + ".tmp"
            with open(tmp, "w") as f:
                for ip, n in sorted(counts.items()):
                    f.write("%s %d\n" % (ip, n))
            os.rename(tmp, record)
            dirty, last = False, now


def drive(url, n, conns):
    u = urllib.parse.urlsplit(url)
    statuses = collections.Counter()
    errors = [0]
    lock = threading.Lock()

    def worker(k):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        local = collections.Counter()
        errs = 0
        for i in range(k, n, conns):
            hdrs = {"X-Session-Id": "many-session-%08d" % i,
                    "Content-Type": "application/octet-stream"}
            for attempt in range(3):
                try:
                    c.request("POST", "/", body=b"x", headers=hdrs)
                    r = c.getresponse()
                    r.read()
                    local[r.status] += 1
                    break
                except (OSError, http.client.HTTPException):
                    c.close()
                    c = http.client.HTTPConnection(u.hostname, u.port,
                                                   timeout=120)
            else:
                errs += 1
        c.close()
        with lock:
            statuses.update(local)
            errors[0] += errs

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for code, cnt in sorted(statuses.items()):
        print("STATUS %d %d" % (code, cnt))
    print("ERRORS %d" % errors[0], flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "hold":
        hold(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "drive":
        drive(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
