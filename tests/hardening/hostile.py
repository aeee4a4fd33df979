#!/usr/bin/python3
"""Hostile clients against a running meek-server or meek-reflect (issue 16),
each while an honest client keeps asking.  Usage:

  hostile.py ATTACK PORT PID [options]

ATTACK is one of
  tls-hello   N connections each drip a TLS ClientHello, a byte every I s
  tls-head    N connections finish the TLS handshake, then drip a request
              head, a byte every I s
  reject      fill the accept queue once (every worker held by a slowly but
              lawfully sent body, --queue more connections waiting), then
              ONE connection the server rejects drips a ClientHello, a byte
              every I s, for the rest of the attack
  body        N connections send a complete head with Content-Length:
              65536, then a body byte every I s
  linger      R requests a second with "Connection: close", each read to its
              answer, whose client never sends FIN

Attackers whose connection the server closes open a new one, so the
pressure lasts the whole attack.  Every --every s an honest meek request
(one session, a fresh connection each time) must be answered with 200
within --bound s; the server's thread count (/proc/PID/task) and descriptor
count (/proc/PID/fd) must stay within --max-threads / --max-fds.  Prints
"ok   - ..." / "FAIL - ..." lines (lib.sh run_py) and a "# latency" line
with the honest requests' p50/p99/max (the bench reads it).
"""
import argparse
import os
import select
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meekhttp import ok, fail, request_bytes, Reader, HOST, count, \
    add_probe_args  # noqa: E402


def client_ctx(ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        ctx.load_verify_locations(ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_hello(ctx):
    """The bytes of a real ClientHello from python's TLS stack."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def tcp(port, timeout=10.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Monitor(threading.Thread):
    """Samples the server's threads and descriptors every 0.2 s."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.stop = threading.Event()
        self.max_threads = {p: 0 for p in pids}
        self.max_fds = {p: 0 for p in pids}

    def run(self):
        while not self.stop.is_set():
            for p in self.pids:
                t = count("/proc/%d/task" % p)
                f = count("/proc/%d/fd" % p)
                self.max_threads[p] = max(self.max_threads[p], t)
                self.max_fds[p] = max(self.max_fds[p], f)
            self.stop.wait(0.2)


class Honest:
    """One honest meek session: a POST on a fresh connection each time."""

    def __init__(self, port, ctx, sid):
        self.port, self.ctx, self.sid = port, ctx, sid

    def once(self, timeout):
        t0 = time.monotonic()
        s = tcp(self.port, timeout)
        try:
            if self.ctx is not None:
                s = self.ctx.wrap_socket(s, server_hostname="localhost")
            s.sendall(request_bytes(self.sid, b"honest", close=True))
            st = Reader(s).response()[0]
        finally:
            s.close()
        return st, time.monotonic() - t0


class Attack(threading.Thread):
    """Keeps `n` hostile connections open; `open_one` makes one and returns
    (socket, bytes still to drip); a byte is sent on each every `every`
    seconds.  A connection the server closed is replaced."""

    def __init__(self, n, every, open_one, max_opens=0):
        super().__init__(daemon=True)
        self.n, self.every, self.open_one = n, every, open_one
        self.max_opens = max_opens      # 0: replace closed ones forever
        self.stop = threading.Event()
        self.conns = []
        self.opened = 0
        self.cut = 0
        self.errors = 0

    def _fill(self):
        while len(self.conns) < self.n and not self.stop.is_set():
            if self.max_opens and self.opened + self.errors >= \
                    self.max_opens:
                return
            try:
                s, rest = self.open_one()
            except (OSError, ssl.SSLError):
                self.errors += 1
                self.stop.wait(0.05)
                return
            self.conns.append([s, rest])
            self.opened += 1

    def _close(self, c):
        self.cut += 1
        try:
            c[0].close()
        except OSError:
            pass
        self.conns.remove(c)

    def run(self):
        next_drip = time.monotonic() + self.every
        while not self.stop.is_set():
            self._fill()
            # A closed connection reads as EOF (or an error).
            socks = [c[0] for c in self.conns]
            wait = max(0.0, min(0.2, next_drip - time.monotonic()))
            try:
                r, _, _ = select.select(socks, [], [], wait)
            except (OSError, ValueError):
                r = []
            for c in list(self.conns):
                if c[0] in r:
                    try:
                        b = c[0].recv(4096)
                    except ssl.SSLWantReadError:
                        continue
                    except (OSError, ssl.SSLError):
                        b = b""
                    if not b:
                        self._close(c)
            if time.monotonic() >= next_drip:
                next_drip += self.every
                for c in list(self.conns):
                    if not c[1]:
                        continue
                    try:
                        c[0].send(c[1][:1])
                        c[1] = c[1][1:]
                    except (OSError, ssl.SSLError):
                        self._close(c)
        for c in self.conns:
            try:
                c[0].close()
            except OSError:
                pass


class Linger(threading.Thread):
    """`rate` Connection: close requests a second, open loop (a new one is
    sent on schedule whether or not the earlier ones were answered); each
    answer is read, and the socket is left open (no FIN) for `hold` s."""

    def __init__(self, port, rate, hold=2.0):
        super().__init__(daemon=True)
        self.port, self.rate, self.hold = port, rate, hold
        self.stop = threading.Event()
        self.done = 0          # answers received
        self.errors = 0

    def run(self):
        held = []   # [close_at, socket, answered, to send, server's FIN]
        req = request_bytes(None, b"", method="GET", close=True)
        t_next = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            while held and held[0][0] <= now:
                held.pop(0)[1].close()
            while t_next <= now:
                t_next += 1.0 / self.rate
                try:
                    s = socket.socket()
                    s.setblocking(False)
                    s.connect_ex((HOST, self.port))
                    held.append([now + self.hold, s, False, req, False])
                except OSError:
                    self.errors += 1
            socks = [h[1] for h in held if not h[4]]
            want_w = [h[1] for h in held if h[3]]
            try:
                r, w, _ = select.select(socks, want_w, [],
                                        max(0.0, t_next - now))
            except (OSError, ValueError):
                r, w = [], []
            for h in held:
                if h[1] in w and h[3]:
                    try:
                        n = h[1].send(h[3])
                        h[3] = h[3][n:]
                    except OSError:
                        h[3] = b""
                        self.errors += 1
                if h[1] in r:
                    try:
                        b = h[1].recv(65536)
                    except OSError:
                        b = b""
                    if b.startswith(b"HTTP/1.1 ") and not h[2]:
                        h[2] = True
                        self.done += 1
                    if not b:
                        # The server's FIN: the socket stays open here,
                        # without ours, until close_at.
                        h[3] = b""
                        h[4] = True
        for h in held:
            h[1].close()


def percentile(xs, q):
    xs = sorted(xs)
    if not xs:
        return -1.0
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("attack")
    ap.add_argument("port", type=int)
    ap.add_argument("pid", type=int)
    ap.add_argument("--attack-port", type=int, default=0,
                    help="where the attack goes (default PORT)")
    ap.add_argument("--also-pid", type=int, action="append", default=[],
                    help="another process whose threads/fds are bounded")
    ap.add_argument("--tls", action="store_true", help="PORT speaks TLS")
    ap.add_argument("--attack-tls", action="store_true")
    ap.add_argument("--ca", default="")
    ap.add_argument("--conns", type=int, default=80)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=80,
                    help="reject: the server's workers (threads + max-ext)")
    ap.add_argument("--queue", type=int, default=64)
    add_probe_args(ap, secs=25.0, rate=250.0)
    ap.add_argument("--thread-slack", type=int, default=4,
                    help="threads allowed above the count before the attack")
    ap.add_argument("--fd-slack", type=int, default=0,
                    help="descriptors allowed above the count before the "
                    "attack (default: --conns + 40)")
    a = ap.parse_args()
    aport = a.attack_port or a.port
    hctx = client_ctx(a.ca) if a.tls else None
    actx = client_ctx("")
    honest = Honest(a.port, hctx, "hostile-honest-%s" % os.urandom(6).hex())

    # The server answers before the attack (and the session exists).
    try:
        st, dt = honest.once(20)
    except (OSError, EOFError, ssl.SSLError) as e:
        fail("honest request before the attack: %r" % (e,))
        return
    if st != 200:
        fail("honest request before the attack: status %d" % st)
        return
    pids = [a.pid] + a.also_pid
    base = {p: (count("/proc/%d/task" % p), count("/proc/%d/fd" % p))
            for p in pids}
    mon = Monitor(pids)
    mon.start()

    hello = client_hello(actx)
    head = (b"POST / HTTP/1.1\r\nHost: meek.test\r\nX-Session-Id: "
            b"hostile-body-" + os.urandom(6).hex().encode() +
            b"\r\nContent-Length: 65536\r\n\r\n")

    def wrap(s):
        if a.attack_tls:
            s = actx.wrap_socket(s, server_hostname="localhost")
        return s

    attack = None
    extra = []
    if a.attack == "tls-hello":
        attack = Attack(a.conns, a.interval,
                        lambda: (tcp(aport), hello))
    elif a.attack == "tls-head":
        attack = Attack(a.conns, a.interval,
                        lambda: (wrap(tcp(aport)), head))
    elif a.attack == "body":
        def open_body():
            s = wrap(tcp(aport))
            s.sendall(head)
            return s, b"x" * 65536
        attack = Attack(a.conns, a.interval, open_body)
    elif a.attack == "linger":
        attack = Linger(aport, a.rate)
    elif a.attack == "reject":
        # ONE connection: not replaced once the server closed it.
        attack = Attack(1, a.interval, lambda: (tcp(aport), hello),
                        max_opens=1)
    else:
        fail("unknown attack " + a.attack)
        return

    rejected_closed = None
    if a.attack == "reject":
        # Hold every worker with a body sent lawfully (2 KiB/s, above the
        # minimum rate), then queue --queue connections that send nothing.
        holders = []
        for i in range(a.workers):
            s = wrap(tcp(aport, 20))
            s.sendall(head)
            holders.append(s)
        stop_hold = threading.Event()

        def hold():
            while not stop_hold.is_set():
                for s in holders:
                    try:
                        s.send(b"y" * 256)
                    except (OSError, ssl.SSLError):
                        pass
                stop_hold.wait(0.125)
        ht = threading.Thread(target=hold, daemon=True)
        ht.start()
        time.sleep(1.0)
        queued = [tcp(aport, 20) for _ in range(a.queue)]
        time.sleep(0.5)
        # The next one finds the queue full: the server must not wait on
        # it.  It drips its ClientHello.
        attack.start()
        time.sleep(1.5)
        rejected_closed = attack.cut >= 1 or attack.errors >= 1
        stop_hold.set()
        ht.join(5)
        for s in holders + queued:
            s.close()
    else:
        attack.start()
        extra.append(attack)
        time.sleep(min(3.0, a.secs / 4))   # let it take hold

    lat, bad = [], []
    t_end = time.monotonic() + a.secs
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        try:
            st, dt = honest.once(max(10.0, 2 * a.bound))
            if st != 200:
                bad.append("status %d" % st)
            lat.append(dt)
        except (OSError, EOFError, ssl.SSLError, ValueError) as e:
            bad.append(repr(e))
            lat.append(time.monotonic() - t0)
        time.sleep(max(0.0, a.every - (time.monotonic() - t0)))
    attack.stop.set()
    attack.join(10)
    mon.stop.set()
    mon.join(5)

    p50, p99, mx = percentile(lat, 0.5), percentile(lat, 0.99), max(lat)
    print("# latency n=%d p50=%.4f p99=%.4f max=%.4f" %
          (len(lat), p50, p99, mx))
    if isinstance(attack, Attack):
        print("# attack: %d connections opened, %d closed by the server, "
              "%d failed to open" % (attack.opened, attack.cut,
                                     attack.errors))
    else:
        print("# attack: %d requests left without FIN, %d failed" % (
            attack.done, attack.errors))
    for p in pids:
        print("# pid %d: threads %d -> max %d, fds %d -> max %d" % (
            p, base[p][0], mon.max_threads[p], base[p][1], mon.max_fds[p]))

    what = "%s attack (%s)" % (a.attack, "%d conns, a byte every %g s" % (
        a.conns, a.interval) if a.attack not in ("linger", "reject") else
        "%g requests/s without FIN" % a.rate if a.attack == "linger" else
        "1 rejected connection, a byte every %g s" % a.interval)
    if bad:
        fail("%d of %d honest requests failed during the %s: %s" % (
            len(bad), len(lat), what, bad[0]))
    elif len(lat) < 5:
        fail("only %d honest requests measured" % len(lat))
    elif mx >= a.bound:
        fail("an honest request took %.3f s (bound %.1f s) during the %s" % (
            mx, a.bound, what))
    else:
        ok("%d honest requests each answered in < %.1f s (max %.3f s) "
           "during the %s" % (len(lat), a.bound, mx, what))
    if a.attack == "reject":
        (ok if rejected_closed else fail)(
            "the connection that found the queue full was closed at once "
            "(not handshaken by the accept thread)")
    elif a.attack == "linger":
        (ok if attack.done >= a.rate * a.secs / 4 else fail)(
            "%d requests without FIN were answered during the attack" %
            attack.done)
    else:
        (ok if attack.opened >= a.conns else fail)(
            "%d hostile connections opened (of %d)" % (attack.opened,
                                                       a.conns))
    fd_slack = a.fd_slack or a.conns + 40
    for p in pids:
        bt, bf = base[p][0] + a.thread_slack, base[p][1] + fd_slack
        (ok if 0 < mon.max_threads[p] <= bt else fail)(
            "pid %d: at most %d threads during the attack (bound %d)" % (
                p, mon.max_threads[p], bt))
        (ok if 0 < mon.max_fds[p] <= bf else fail)(
            "pid %d: at most %d descriptors during the attack (bound %d)" % (
                p, mon.max_fds[p], bf))


if __name__ == "__main__":
    main()
