#!/usr/bin/python3
"""Session-table attacks on a running meek-server (issue 16, points 4, 7
and 8), each while an honest client keeps asking.  Usage:

  hostile_sess.py ATTACK PORT PID [options]

ATTACK is one of
  flood     fresh X-Session-Ids over one keep-alive connection from --src:
            --sessions of them within 3 s, then more for the rest of the
            attack (a new connection when the server closes one)
  open      --opens empty op=open POSTs from --src, each a new session
  takeover  an extension session from --src; then --rate op=stream
            requests a second on it, each on its own connection, for the
            whole attack; every superseded stream must end at once

Every --every s an honest client on 127.0.0.1 starts a NEW classic meek
session (one POST with 100 bytes to the echo ORPort) and must get 200
(--accept: these statuses) within --bound s; with --honest-ext it opens an extension session instead
and must get the extension (an X-Meek-Ext answer with modes=) within
--ext-within s of the attack's start.  The server's thread count
(/proc/PID/task) and descriptor count (/proc/PID/fd) must stay within
--max-threads / --max-fds.  Prints "ok   - ..." / "FAIL - ..." lines
(lib.sh run_py) and a "# latency n=N p50=S p99=S max=S" line (the
honest requests answered, in hostile.py's format).
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meekhttp import ok, fail, Reader, HOST, count, \
    add_probe_args  # noqa: E402

OPEN = "1; op=open; modes=stream,poll; body=65536"


def conn(port, src=None, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((HOST, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def post(sid, body=b"", ext=None, close=False):
    lines = ["POST / HTTP/1.1", "Host: meek.test", "X-Session-Id: " + sid,
             "Content-Length: %d" % len(body)]
    if ext:
        lines.append("X-Meek-Ext: " + ext)
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def frame(ftype, off=0, payload=b""):
    n = len(payload)
    return bytes([ftype, (n >> 16) & 255, (n >> 8) & 255, n & 255]) + \
        struct.pack(">Q", off) + payload


class Watch:
    """Samples the server's threads and descriptors."""

    def __init__(self, pid):
        self.pid = pid
        self.max_threads = 0
        self.max_fds = 0
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            self.max_threads = max(self.max_threads,
                                   count("/proc/%d/task" % self.pid))
            self.max_fds = max(self.max_fds, count("/proc/%d/fd" % self.pid))
            time.sleep(0.1)


def honest_request(port, bound, req):
    """Sends REQ on a connection of its own; returns (seconds, status,
    headers) of the answer.  Raises OSError, EOFError or ValueError."""
    t0 = time.time()
    s = conn(port, timeout=bound + 5)
    try:
        s.sendall(req)
        status, _, hdrs, _ = Reader(s).response()
    finally:
        s.close()
    return time.time() - t0, status, hdrs


def honest_classic(port, n, bound):
    sid = "honest-%08d-%06d" % (os.getpid(), n)
    try:
        d, status, _ = honest_request(port, bound,
                                      post(sid, b"h" * 100, close=True))
    except (OSError, EOFError, ValueError) as e:
        return None, str(e)
    return d, status


def honest_open(port, n, bound):
    sid = "honestx-%08d-%06d" % (os.getpid(), n)
    try:
        d, status, hdrs = honest_request(port, bound,
                                         post(sid, ext=OPEN, close=True))
    except (OSError, EOFError, ValueError) as e:
        return False, str(e), None
    return (status == 200 and "modes=" in hdrs.get("x-meek-ext", ""), status,
            d)


def attack_flood(a, stats, stop):
    n = 0
    t0 = time.time()
    while not stop.is_set():
        try:
            s = conn(a.port, a.src)
            r = Reader(s)
            while not stop.is_set():
                # The first --sessions within 3 s, then 100 a second.
                if n >= a.sessions and (time.time() - t0 < 3 or
                                        n - a.sessions >
                                        (time.time() - t0 - 3) * 100):
                    time.sleep(0.01)
                    continue
                s.sendall(post("flood-%08d-%06d" % (os.getpid(), n)))
                n += 1
                status, _, hdrs, _ = r.response()
                stats[status] = stats.get(status, 0) + 1
                if hdrs.get("connection", "") == "close":
                    break
        except (OSError, EOFError, ValueError):
            stats["conn-errors"] = stats.get("conn-errors", 0) + 1
            time.sleep(0.05)
        try:
            s.close()
        except (OSError, UnboundLocalError):
            pass
    stats["sent"] = n


def attack_open(a, stats, stop):
    for i in range(a.opens):
        try:
            s = conn(a.port, a.src)
            s.sendall(post("opener-%08d-%06d" % (os.getpid(), i), ext=OPEN,
                           close=True))
            status, _, hdrs, _ = Reader(s).response()
            s.close()
            k = "ext" if "modes=" in hdrs.get("x-meek-ext", "") else status
            stats[k] = stats.get(k, 0) + 1
        except (OSError, EOFError, ValueError):
            stats["conn-errors"] = stats.get("conn-errors", 0) + 1
    stop.wait()


def read_stream_end(s, lag, sent_next):
    """Reads a chunked stream answer until its last chunk; records how long
    after the next request was sent it ended."""
    buf = b""
    try:
        while b"0\r\n\r\n" not in buf:
            b = s.recv(65536)
            if not b:
                break
            buf += b
    except OSError:
        pass
    if sent_next[0] is not None:
        lag.append(time.time() - sent_next[0])
    s.close()


def attack_takeover(a, stats, stop):
    sid = "takeover-%08d" % os.getpid()
    s = conn(a.port, a.src)
    s.sendall(post(sid, ext=OPEN))
    status, _, hdrs, _ = Reader(s).response()
    s.close()
    if "modes=" not in hdrs.get("x-meek-ext", ""):
        fail("takeover: the attacker's open got no extension (%s)" % status)
        return
    ext = "1; op=stream"
    lag = stats.setdefault("lag", [])
    prev = None
    n = 0
    gap = 1.0 / a.rate
    while not stop.is_set():
        t = time.time()
        try:
            c = conn(a.port, a.src)
            body = frame(2, 0)
            c.sendall(post(sid, body, ext=ext))
        except OSError:
            stats["conn-errors"] = stats.get("conn-errors", 0) + 1
            time.sleep(gap)
            continue
        n += 1
        if prev is not None:
            prev[1][0] = time.time()
        mark = [None]
        threading.Thread(target=read_stream_end, args=(c, lag, mark),
                         daemon=True).start()
        prev = (c, mark)
        time.sleep(max(0.0, gap - (time.time() - t)))
    stats["sent"] = n


def percentile(xs, q):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("attack", choices=["flood", "open", "takeover"])
    p.add_argument("port", type=int)
    p.add_argument("pid", type=int)
    p.add_argument("--src", default="127.0.0.2")
    add_probe_args(p, secs=10.0, rate=200.0)
    p.add_argument("--sessions", type=int, default=247)
    p.add_argument("--opens", type=int, default=64)
    p.add_argument("--honest-ext", action="store_true")
    p.add_argument("--accept", default="200",
                   help="honest statuses that count as answered (200,503)")
    p.add_argument("--ext-within", type=float, default=20)
    p.add_argument("--max-threads", type=int, default=0)
    p.add_argument("--max-fds", type=int, default=0)
    p.add_argument("--max-ok", type=int, default=0,
                   help="flood: most 200 answers the attacker may get")
    p.add_argument("--lag", type=float, default=0,
                   help="takeover: p90 bound of a superseded stream's end")
    a = p.parse_args()
    a.accept = [int(x) for x in a.accept.split(",")]

    stats = {}
    stop = threading.Event()
    w = Watch(a.pid)
    fn = {"flood": attack_flood, "open": attack_open,
          "takeover": attack_takeover}[a.attack]
    at = threading.Thread(target=fn, args=(a, stats, stop), daemon=True)
    t0 = time.time()
    at.start()
    time.sleep(min(1.0, a.secs / 4))
    lat, bad, n, got_ext = [], [], 0, None
    while time.time() - t0 < a.secs:
        n += 1
        if a.honest_ext:
            good, why, d = honest_open(a.port, n, a.bound)
            if good and got_ext is None:
                got_ext = time.time() - t0
            if d is not None:
                lat.append(d)
        else:
            d, status = honest_classic(a.port, n, a.bound)
            if d is None or status not in a.accept or d > a.bound:
                bad.append("%s after %s s" % (status,
                           "%.2f" % d if d is not None else "-"))
            else:
                lat.append(d)
        time.sleep(a.every)
    stop.set()
    at.join(timeout=10)
    w.stop = True
    w.t.join(timeout=2)
    attack_info = {k: v for k, v in stats.items() if k != "lag"}
    print("# attack %s: %s" % (a.attack, attack_info), flush=True)

    # The format of hostile.py's line (bench/attacks reads it): honest
    # requests answered (with the extension or not), in seconds.
    print("# latency n=%d p50=%.4f p99=%.4f max=%.4f" %
          (len(lat), percentile(lat, 0.5), percentile(lat, 0.99),
           max(lat) if lat else 0), flush=True)
    if a.honest_ext:
        if got_ext is not None and got_ext <= a.ext_within:
            ok("%s: an honest open got the extension after %.1f s" %
               (a.attack, got_ext))
        else:
            fail("%s: no honest open got the extension within %.0f s" %
                 (a.attack, a.ext_within))
    else:
        if not bad and lat:
            ok("%s: %d new honest sessions answered %s within %.0f s" %
               (a.attack, len(lat), "/".join(map(str, a.accept)), a.bound))
        else:
            fail("%s: honest sessions failed: %s (%d fine)" %
                 (a.attack, ", ".join(bad[:5]) or "none ran", len(lat)))
    if a.attack == "flood":
        if stats.get("sent", 0) < a.sessions:
            fail("flood: only %d fresh ids sent" % stats.get("sent", 0))
        else:
            ok("flood: %d fresh ids sent" % stats["sent"])
        if a.max_ok:
            if stats.get(200, 0) <= a.max_ok:
                ok("flood: the attacker got at most %d sessions (%d)" %
                   (a.max_ok, stats.get(200, 0)))
            else:
                fail("flood: the attacker got %d sessions, over %d" %
                     (stats.get(200, 0), a.max_ok))
    if a.attack == "takeover":
        lag = stats.get("lag", [])
        sent = stats.get("sent", 0)
        if sent < a.rate * a.secs / 4:
            fail("takeover: only %d stream requests sent" % sent)
        else:
            ok("takeover: %d stream requests on one session" % sent)
        p90 = percentile(lag, 0.9)
        print("# superseded stream end: p50 %.3f p90 %.3f s (%d)" %
              (percentile(lag, 0.5), p90, len(lag)), flush=True)
        if a.lag and len(lag) >= 10 and p90 <= a.lag:
            ok("takeover: superseded streams end at once (p90 %.3f s)" % p90)
        elif a.lag:
            fail("takeover: superseded streams end late: p90 %.3f s over "
                 "%.2f (%d)" % (p90, a.lag, len(lag)))
    for what, got, bound in (("threads", w.max_threads, a.max_threads),
                             ("descriptors", w.max_fds, a.max_fds)):
        if not bound:
            continue
        if 0 < got <= bound:
            ok("%s: at most %d %s (%d)" % (a.attack, bound, what, got))
        else:
            fail("%s: %d %s, over %d" % (a.attack, got, what, bound))


if __name__ == "__main__":
    main()
