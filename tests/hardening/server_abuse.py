#!/usr/bin/python3
"""Abuse checks against a running standalone meek-server (plain HTTP) whose
ORPort is an echo server.  Usage: server_abuse.py CHECK PORT [ARGS]; prints
"ok   - ..." / "FAIL - ..." lines (counted by lib.sh run_py)."""
import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meekhttp import (ok, fail, connect, request_bytes, Reader, one_request,
                      Session, rss_kb)


def sid(n):
    return "hardening-%08d-%s" % (n, os.urandom(4).hex())


def alive_check(port, what):
    s = Session(port, sid(999999))
    t = s.echo(b"still alive after " + what.encode())
    s.close()
    (ok if t else fail)("server still serves a session after " + what)


def slowloris(port, threads, secs):
    nslow = int(os.environ.get("SLOWLORIS_CONNS", 4 * threads))
    slow = []
    for i in range(nslow):
        try:
            c = connect(port, 5)
            c.sendall(b"POST / HTTP/1.1\r\nHost: meek.test\r\n")
            slow.append(c)
        except OSError as e:
            fail("slow connection %d could not connect: %s" % (i, e))
            return
    print("# %d slow connections open (--threads %d)" % (nslow, threads))
    stop = threading.Event()

    def drip():
        # One header byte per connection every 0.5 s: the head never ends.
        k = 0
        while not stop.is_set():
            for c in list(slow):
                try:
                    c.send(b"X-Drip-%d: " % k if k % 8 == 0 else b"a")
                except OSError:
                    slow.remove(c)
            k += 1
            stop.wait(0.5)

    th = threading.Thread(target=drip, daemon=True)
    th.start()
    time.sleep(2)  # let the drip take hold of the workers
    live = Session(port, sid(1))
    times = []
    fresh = []
    t_end = time.monotonic() + secs
    bad = 0
    n = 0
    while time.monotonic() < t_end:
        data = b"live-%d-" % n + os.urandom(64).hex().encode()
        n += 1
        try:
            t = live.echo(data, deadline=10)
        except (OSError, EOFError) as e:
            print("# live request failed: %r" % (e,))
            t = None
        if t is None:
            bad += 1
        else:
            times.extend(t)
        # A brand-new connection must also get through the accept path.
        t0 = time.monotonic()
        try:
            st, _, _, _ = one_request(port, request_bytes(
                sid(2), b"", close=True), timeout=10)
            fresh.append(time.monotonic() - t0)
            if st != 200:
                bad += 1
        except (OSError, EOFError) as e:
            print("# fresh-connection request failed: %r" % (e,))
            bad += 1
        time.sleep(0.2)
    stop.set()
    th.join(5)
    still = len(slow)
    for c in slow:
        c.close()
    live.close()
    allt = times + fresh
    print("# live requests: %d keep-alive (max %.3f s, mean %.3f s), "
          "%d on fresh connections (max %.3f s); %d slow connections "
          "still open at the end" % (
              len(times), max(times) if times else -1,
              sum(times) / len(times) if times else -1,
              len(fresh), max(fresh) if fresh else -1, still))
    if bad:
        fail("%d live exchanges failed (no answer within 10-20 s) with %d "
             "slowloris connections, --threads %d" % (bad, nslow, threads))
    elif len(allt) < 10:
        fail("only %d live requests measured" % len(allt))
    elif max(allt) >= 2.0:
        fail("a live request took %.3f s (>= 2 s) with %d slowloris "
             "connections (%d of %d requests over 2 s)" % (
                 max(allt), nslow, sum(1 for x in allt if x >= 2.0),
                 len(allt)))
    else:
        ok("%d live requests each answered in < 2 s (max %.3f s) with %d "
           "slowloris connections" % (len(allt), max(allt), nslow))


def sessions(port, pid, total, limit, nthreads=8):
    rss0 = rss_kb(pid)
    counts = {}
    errors = []
    lock = threading.Lock()
    order = []

    def worker(k):
        s = None
        r = None
        for i in range(k, total, nthreads):
            for attempt in (0, 1):
                try:
                    if s is None:
                        s = connect(port, 30)
                        r = Reader(s)
                    s.sendall(request_bytes(sid(i), b""))
                    st, _, h, _ = r.response()
                    if h.get("connection", "").lower() == "close":
                        s.close()
                        s = None
                    break
                except (OSError, EOFError) as e:
                    if s is not None:
                        s.close()
                    s = None
                    if attempt == 1:
                        st = "error %r" % (e,)
            with lock:
                counts[st] = counts.get(st, 0) + 1
                order.append((i, st))
        if s is not None:
            s.close()

    t0 = time.monotonic()
    ths = [threading.Thread(target=worker, args=(k,)) for k in range(nthreads)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    dt = time.monotonic() - t0
    rss1 = rss_kb(pid)
    print("# %d distinct session ids in %.1f s: statuses %s" % (
        total, dt, dict(sorted(counts.items(), key=str))))
    print("# meek-server RSS before %d KiB, after %d KiB (+%d KiB, %.1f "
          "KiB per accepted session)" % (rss0, rss1, rss1 - rss0,
                                         (rss1 - rss0) / max(1, limit)))
    n200 = counts.get(200, 0)
    n503 = counts.get(503, 0)
    if n200 == limit and n503 == total - limit:
        ok("exactly --max-sessions %d sessions accepted, the other %d "
           "answered 503" % (limit, n503))
    else:
        fail("expected %d x 200 and %d x 503, got %s" % (
            limit, total - limit, counts))
    # Bounded memory: generous, 64 KiB per accepted session on top of 64 MiB,
    # times RSS_FACTOR (server_sessions.sh: sanitizer builds keep shadow
    # memory and redzones beside every byte the server touches).
    bound = (65536 + 64 * limit) * int(os.environ.get("RSS_FACTOR", "1"))
    if rss1 - rss0 <= bound:
        ok("RSS growth %d KiB <= %d KiB bound" % (rss1 - rss0, bound))
    else:
        fail("RSS grew by %d KiB (> %d KiB)" % (rss1 - rss0, bound))
    with open(os.environ.get("RSS_FILE", os.devnull), "w") as f:
        f.write("%d %d\n" % (rss0, rss1))


def malformed(port):
    # Oversized header block: > 8 KiB.
    big = request_bytes(sid(10), b"", extra=["X-Pad: " + "a" * 9000])
    try:
        st = one_request(port, big)[0]
        (ok if st == 431 else fail)("header block over 8 KiB -> %d (431)" % st)
    except (OSError, EOFError) as e:
        fail("oversized header: no response (%r)" % (e,))
    many = request_bytes(sid(10), b"", extra=["X-H%d: v" % i for i in range(100)])
    try:
        st = one_request(port, many)[0]
        (ok if st == 400 or st == 431 else fail)(
            "100 header lines -> %d (400 or 431)" % st)
    except (OSError, EOFError) as e:
        fail("100 headers: no response (%r)" % (e,))
    # Oversized bodies.
    body = os.urandom(65537)
    try:
        st = one_request(port, request_bytes(sid(11), body))[0]
        (ok if st == 413 else fail)("Content-Length 65537 body -> %d (413)" % st)
    except (OSError, EOFError) as e:
        fail("oversized body: no response (%r)" % (e,))
    hdr = ("POST / HTTP/1.1\r\nHost: meek.test\r\nX-Session-Id: %s\r\n"
           "Transfer-Encoding: chunked\r\n\r\n" % sid(12)).encode()
    chunks = b"".join(b"%x\r\n" % 16384 + b"c" * 16384 + b"\r\n"
                      for _ in range(5)) + b"0\r\n\r\n"
    try:
        st = one_request(port, hdr + chunks)[0]
        (ok if st == 413 else fail)("80 KiB chunked body -> %d (413)" % st)
    except (OSError, EOFError) as e:
        fail("oversized chunked body: no response (%r)" % (e,))
    huge_cl = request_bytes(sid(13), b"").replace(
        b"Content-Length: 0", b"Content-Length: 99999999999999999999999")
    try:
        st = one_request(port, huge_cl)[0]
        (ok if st in (400, 413) else fail)(
            "Content-Length 10^23 -> %d (400 or 413)" % st)
    except (OSError, EOFError) as e:
        fail("huge Content-Length: no response (%r)" % (e,))
    # Broken chunked encodings.
    for name, tail in [("non-hex chunk size", b"zz\r\nabc\r\n0\r\n\r\n"),
                       ("chunk data longer than its size",
                        b"3\r\nabcdef\r\n0\r\n\r\n"),
                       ("chunk size overflow",
                        b"ffffffffffffffffffffff\r\nab\r\n0\r\n\r\n"),
                       ("negative chunk size", b"-1\r\nab\r\n0\r\n\r\n")]:
        try:
            st = one_request(port, hdr + tail)[0]
            (ok if st in (400, 413) else fail)(
                "broken chunked (%s) -> %d (400/413)" % (name, st))
        except (OSError, EOFError) as e:
            fail("broken chunked (%s): no response (%r)" % (name, e))
    # Chunked body cut short by EOF: no answer required, server must survive.
    try:
        s = connect(port, 10)
        s.sendall(hdr + b"10\r\nabc")
        s.shutdown(socket.SHUT_WR)
        try:
            s.recv(4096)
        except OSError:
            pass
        s.close()
    except OSError:
        pass
    # Both Content-Length and Transfer-Encoding: smuggling vector.
    smug = hdr.replace(b"\r\n\r\n", b"\r\nContent-Length: 5\r\n\r\n") + \
        b"0\r\n\r\n"
    try:
        st = one_request(port, smug)[0]
        (ok if st == 400 else fail)("Content-Length with chunked -> %d (400)" % st)
    except (OSError, EOFError) as e:
        fail("CL+TE: no response (%r)" % (e,))
    alive_check(port, "oversized and broken requests")

    # Pipelining: three requests of one session in one write, answered in
    # order on the same connection; the echo of the first body may arrive in
    # any of the three response bodies.
    s = connect(port, 20)
    ident = sid(20)
    payload = b"pipelined-" + os.urandom(8).hex().encode()
    s.sendall(request_bytes(ident, payload) + request_bytes(ident, b"") +
              request_bytes(ident, b""))
    r = Reader(s)
    got = b""
    sts = []
    try:
        for _ in range(3):
            st, _, _, b = r.response()
            sts.append(st)
            got += b
        # Collect what is still on the way.
        sess = Session(port, ident)
        t_end = time.monotonic() + 10
        while len(got) < len(payload) and time.monotonic() < t_end:
            st, b, _ = sess.post(b"")
            got += b
            time.sleep(0.05)
        sess.close()
        (ok if sts == [200, 200, 200] and got == payload else fail)(
            "three pipelined requests answered in order %s, echo %s" % (
                sts, "intact" if got == payload else "WRONG %r" % got))
    except (OSError, EOFError) as e:
        fail("pipelined requests: %s answered, then %r" % (sts, e))
    s.close()

    # HTTP/1.0: answered, and the connection closed unless keep-alive.
    try:
        st, ver, h, _ = one_request(port, request_bytes(
            sid(30), b"http10", version="HTTP/1.0"))
        ok_ = st == 200
        s = connect(port, 20)
        s.sendall(request_bytes(sid(30), b"", version="HTTP/1.0"))
        r = Reader(s)
        st2 = r.response()[0]
        closed = r.eof_next()
        s.close()
        (ok if ok_ and st2 == 200 and closed else fail)(
            "HTTP/1.0 POSTs -> %d, %d (%s), connection %s" % (
                st, st2, ver, "closed" if closed else "left open"))
        st = one_request(port, b"GET / HTTP/1.0\r\n\r\n")[0]
        (ok if st == 200 else fail)("HTTP/1.0 GET / without Host -> %d" % st)
    except (OSError, EOFError) as e:
        fail("HTTP/1.0: %r" % (e,))
    try:
        st = one_request(port, b"POST / HTTP/2.0\r\nHost: x\r\n"
                         b"X-Session-Id: abcdefghij\r\nContent-Length: 0\r\n\r\n")[0]
        (ok if st == 505 else fail)("HTTP/2.0 request line -> %d (505)" % st)
    except (OSError, EOFError) as e:
        fail("HTTP/2.0: %r" % (e,))

    # Half-closed: full request, then shutdown(SHUT_WR); the server answers.
    for what, data in [("POST", request_bytes(sid(40), b"half-closed")),
                       ("GET /", b"GET / HTTP/1.1\r\nHost: meek.test\r\n\r\n")]:
        try:
            st = one_request(port, data, half_close=True)[0]
            (ok if st == 200 else fail)(
                "%s then shutdown(SHUT_WR) -> %d (200)" % (what, st))
        except (OSError, EOFError) as e:
            fail("%s then shutdown(SHUT_WR): no response (%r)" % (what, e))
    alive_check(port, "pipelining, HTTP/1.0 and half-closes")


def expect(port, ident, status, what, body=b"x"):
    try:
        st = Session(port, ident).post(body)[0]
        (ok if st == status else fail)("%s -> %d (%d)" % (what, st, status))
        return st
    except (OSError, EOFError) as e:
        fail("%s: %r" % (what, e))
        return None


def main():
    check, port = sys.argv[1], int(sys.argv[2])
    a = sys.argv[3:]
    if check == "slowloris":
        slowloris(port, int(a[0]), float(a[1]))
    elif check == "sessions":
        sessions(port, int(a[0]), int(a[1]), int(a[2]))
    elif check == "malformed":
        malformed(port)
    elif check == "refused":
        expect(port, sid(50), 500, "new session while the ORPort refuses")
        expect(port, sid(51), 500, "another one")
        try:
            st = one_request(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")[0]
            (ok if st == 200 else fail)("GET / still answered -> %d" % st)
        except (OSError, EOFError) as e:
            fail("GET / after ORPort failures: %r" % (e,))
    elif check == "echo":          # echo PORT SID: one session round trip
        s = Session(port, a[0])
        t = s.echo(b"echo-" + os.urandom(8).hex().encode())
        (ok if t else fail)("session %s... echoes" % a[0][:12])
    elif check == "post":          # post PORT SID STATUS WHAT
        expect(port, a[0], int(a[1]), a[2])
    else:
        sys.exit("unknown check " + check)


if __name__ == "__main__":
    main()
