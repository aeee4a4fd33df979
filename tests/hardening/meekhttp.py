"""Raw HTTP/1.1 helpers for the hardening tests (python3, stdlib only).

Everything talks to 127.0.0.1 over plain sockets so that the tests control
every byte (pipelining, half-closes, malformed framing)."""
import os
import socket
import time

HOST = "127.0.0.1"


def ok(msg):
    print("ok   - " + msg, flush=True)


def fail(msg):
    print("FAIL - " + msg, flush=True)


def connect(port, timeout=20.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request_bytes(sid=None, body=b"", method="POST", target="/",
                  version="HTTP/1.1", extra=(), close=False):
    lines = ["%s %s %s" % (method, target, version), "Host: meek.test"]
    if sid is not None:
        lines.append("X-Session-Id: " + sid)
    if method == "POST" or body:
        lines.append("Content-Length: %d" % len(body))
    lines.extend(extra)
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin1") + body


class Reader:
    """Buffered reader of HTTP responses on one socket."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def _more(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError("connection closed")
        self.buf += b

    def eof_next(self):
        """True when the peer closed with nothing more buffered."""
        if self.buf:
            return False
        try:
            b = self.s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return True
        if not b:
            return True
        self.buf += b
        return False

    def response(self):
        """Returns (status, version, headers dict lowercased, body)."""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        hdrs = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        body = b""
        if "content-length" in hdrs:
            n = int(hdrs["content-length"])
            while len(self.buf) < n:
                self._more()
            body, self.buf = self.buf[:n], self.buf[n:]
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                while b"\r\n" not in self.buf:
                    self._more()
                ln, self.buf = self.buf.split(b"\r\n", 1)
                n = int(ln.split(b";")[0], 16)
                while len(self.buf) < n + 2:
                    self._more()
                body += self.buf[:n]
                self.buf = self.buf[n + 2:]
                if n == 0:
                    break
        elif int(status) not in (204, 304) and int(status) >= 200:
            try:
                while True:
                    self._more()
            except EOFError:
                pass
            body, self.buf = self.buf, b""
        return int(status), version, hdrs, body


def one_request(port, data, timeout=20.0, half_close=False):
    """Sends raw request bytes on a new connection, returns the first
    response (status, version, headers, body) or raises."""
    s = connect(port, timeout)
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return Reader(s).response()
    finally:
        s.close()


class Session:
    """A meek session over one keep-alive connection (reconnects when the
    server closed it)."""

    def __init__(self, port, sid, timeout=20.0):
        self.port, self.sid, self.timeout = port, sid, timeout
        self.s = None
        self.r = None

    def post(self, body=b""):
        """Returns (status, body, seconds)."""
        t0 = time.monotonic()
        for attempt in (0, 1):
            if self.s is None:
                self.s = connect(self.port, self.timeout)
                self.r = Reader(self.s)
            try:
                self.s.sendall(request_bytes(self.sid, body))
                st, _, h, b = self.r.response()
                if h.get("connection", "").lower() == "close":
                    self.close()
                return st, b, time.monotonic() - t0
            except (EOFError, ConnectionResetError, BrokenPipeError):
                # A reused keep-alive connection the server closed.
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def echo(self, data, deadline=10.0):
        """Sends data and polls until the echo came back; returns the list
        of per-request durations, or None if it never came back."""
        times = []
        st, got, dt = self.post(data)
        times.append(dt)
        if st != 200:
            return None
        t_end = time.monotonic() + deadline
        while len(got) < len(data) and time.monotonic() < t_end:
            st, b, dt = self.post(b"")
            times.append(dt)
            if st != 200:
                return None
            got += b
            if not b:
                time.sleep(0.05)
        return times if got == data else None

    def close(self):
        if self.s is not None:
            self.s.close()
        self.s = self.r = None


def add_probe_args(ap, secs, rate):
    """The options of the honest probe both attack tools run beside their
    attack: for --secs seconds, a request every --every seconds, each
    answered within --bound seconds; the attack's --rate a second."""
    ap.add_argument("--secs", type=float, default=secs)
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--bound", type=float, default=2.0)
    ap.add_argument("--rate", type=float, default=rate)


def count(path):
    """The entries of the directory path (/proc/PID/task: threads,
    /proc/PID/fd: descriptors); -1 when it is gone."""
    try:
        return len(os.listdir(path))
    except OSError:
        return -1


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return -1


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    # fields after the comm: state is rest[0]; utime is field 14 -> rest[11]
    return int(rest[11]) + int(rest[12])
