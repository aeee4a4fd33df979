#!/usr/bin/python3
"""Active-probe answers (issue 16, points 6 and 10), python3 stdlib only.

  probes.py compare DECOY_PORT SERVER_PORT
      sends each probe to the decoy itself and to meek-server --fallback
      and compares the answers: the status line, the headers but Date
      (sorted), the body, and whether the connection was closed after it.
  probes.py own SERVER_PORT
      meek-server without --fallback: each probe's fixed answer carries a
      Server and a Date header.

Prints "ok   - ..." / "FAIL - ..." lines (lib.sh run_py)."""
import socket
import sys
import time


def ok(msg):
    print("ok   - " + msg, flush=True)


def fail(msg):
    print("FAIL - " + msg, flush=True)


def exchange(port, data, idle=2.0, total=20.0, half_close=False):
    """Sends `data` (then shuts down the sending side with `half_close`),
    then reads until the peer closes, or `idle` s pass with nothing new
    after some bytes.  Returns (bytes, closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=total)
    out, closed = b"", False
    try:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        end = time.time() + total
        s.settimeout(idle)
        while time.time() < end:
            try:
                b = s.recv(65536)
            except socket.timeout:
                if out:
                    break
                continue
            except OSError:
                closed = True
                break
            if not b:
                closed = True
                break
            out += b
    finally:
        s.close()
    return out, closed


def normal(raw):
    """(status line, sorted headers without Date, body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    hdrs = sorted(ln for ln in lines[1:]
                  if not ln.lower().startswith("date:"))
    return lines[0], hdrs, body


def probes():
    many = "".join("X-Probe-%d: %d\r\n" % (i, i) for i in range(65))
    long_lines = "".join("X-Long-%d: %s\r\n" % (i, "y" * 1000)
                         for i in range(9))
    fill = "".join("X-Fill-%d: %s\r\n" % (i, "f" * 100) for i in range(45))
    return [
        ("70,000-byte POST (413)",
         b"POST / HTTP/1.1\r\nHost: probe.test\r\nContent-Length: 70000\r\n"
         b"\r\n" + b"z" * 70000),
        ("70,000-byte meek-looking POST (413)",
         b"POST / HTTP/1.1\r\nHost: probe.test\r\nX-Session-Id: "
         b"probe-session-1\r\nContent-Length: 70000\r\n\r\n" + b"z" * 70000),
        ("chunked 100,000-byte POST (413)",
         b"POST /upload HTTP/1.1\r\nHost: probe.test\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n" +
         b"".join(b"2710\r\n" + b"c" * 10000 + b"\r\n" for _ in range(10)) +
         b"0\r\n\r\n"),
        ("chunked 100,000-byte meek-looking POST (413)",
         b"POST / HTTP/1.1\r\nHost: probe.test\r\nX-Session-Id: "
         b"probe-session-2\r\nTransfer-Encoding: chunked\r\n\r\n" +
         b"".join(b"2710\r\n" + b"c" * 10000 + b"\r\n" for _ in range(10)) +
         b"0\r\n\r\n"),
        ("head over 8 KiB (431)",
         ("GET / HTTP/1.1\r\nHost: probe.test\r\n" + long_lines +
          "\r\n").encode()),
        ("gzip transfer coding (501)",
         b"POST / HTTP/1.1\r\nHost: probe.test\r\nTransfer-Encoding: gzip"
         b"\r\n\r\n"),
        ("HTTP/2.0 request line (505)",
         b"GET / HTTP/2.0\r\nHost: probe.test\r\n\r\n"),
        ("65 headers (400)",
         ("GET / HTTP/1.1\r\nHost: probe.test\r\n" + many +
          "\r\n").encode()),
        ("garbage head (400)", b"\x16\x03\x01\x00\x05hello\r\n\r\n"),
        ("long target and headers near 8 KiB (was 502)",
         ("GET /" + "t" * 2500 + " HTTP/1.1\r\nHost: probe.test\r\n" + fill +
          "\r\n").encode()),
        ("absolute-form target",
         b"GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\n"
         b"Host: 169.254.169.254\r\n\r\n"),
        ("CONNECT host:22",
         b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"),
    ]


# A head the client cuts short with a half-close: nginx closes
# without any answer, so meek-server must too.
CUT_HEAD = b"POST / HTTP/1.1\r\nHost: probe.test\r\nX-Sess"


def cut_head(ports):
    for name, port in ports:
        out, closed = exchange(port, CUT_HEAD, half_close=True)
        if out or not closed:
            fail("a head cut short by a half-close: %s answered %r "
                 "(closed %s)" % (name, out[:40], closed))
        else:
            ok("a head cut short by a half-close: %s closed without an "
               "answer" % name)


def compare(dport, sport):
    for desc, data in probes():
        d, dclosed = exchange(dport, data)
        m, mclosed = exchange(sport, data)
        if not d:
            fail("%s: the decoy itself answered nothing" % desc)
            continue
        nd, nm = normal(d), normal(m)
        if nd[0] != nm[0]:
            fail("%s: status %r, the decoy's %r" % (desc, nm[0], nd[0]))
        elif nd[1] != nm[1]:
            fail("%s: headers %r, the decoy's %r" % (desc, nm[1], nd[1]))
        elif nd[2] != nm[2]:
            fail("%s: a body of %d bytes, the decoy's %d" %
                 (desc, len(nm[2]), len(nd[2])))
        elif dclosed != mclosed:
            fail("%s: closed %s, the decoy %s" % (desc, mclosed, dclosed))
        else:
            ok("%s: the decoy's answer (%s)" % (desc, nd[0]))
    cut_head([("the decoy", dport), ("meek-server", sport)])


def own(sport):
    for desc, data in probes():
        m, _ = exchange(sport, data)
        status, hdrs, _ = normal(m) if m else ("", [], b"")
        names = [h.split(":", 1)[0].lower() for h in hdrs]
        if "date:" not in m.decode("latin1").lower():
            fail("%s: own answer %r has no Date" % (desc, status))
        elif "server" not in names:
            fail("%s: own answer %r has no Server" % (desc, status))
        else:
            ok("%s: own answer %s has Server and Date" % (desc, status))
    cut_head([("meek-server", sport)])


def main():
    if sys.argv[1] == "compare":
        compare(int(sys.argv[2]), int(sys.argv[3]))
    else:
        own(int(sys.argv[2]))


if __name__ == "__main__":
    main()
