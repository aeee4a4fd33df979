#!/usr/bin/python3
"""Both ends of an extension pass-through test (doc/protocol.md), with a
reflector (meek-reflect, the PHP relay, nginx) between them.  No real
meek-server or meek-client: only what a reflector must pass on is checked.

  ext_peer.py serve [--release-wait SECS] [--record FILE]
      A fake meek-server; prints "LISTEN ip:port".  Per request (by its
      X-Meek-Ext op):
        none   classic: the body echoed, Content-Length, no X-Meek-Ext
        open   X-Meek-Ext answer OPEN_ANSWER; body: the X-Meek-Ext value
               it received (so the client sees both directions at once)
        up     the body echoed with Content-Length
        poll   chunked, POLL_BYTES bytes of gen(sid) in uneven chunks
        stream chunked, X-Accel-Buffering: no: a KEEPALIVE frame, flushed;
               then it waits until POST /release/<sid> arrives directly
               (or SECS pass), then DATA "hello" at 0, END at 5, last chunk
      Every one but classic answers with X-Meek-Ext.  --record appends a
      line per request: "<op> <sid> ext=<value or -> len=<body bytes>
      [released|timeout]".

  ext_peer.py probe --url URL --control HOST:PORT [--host NAME]
                    [--ca FILE] [--expect-buffered] [--only STEPS]
      Runs the steps (classic,open,up,poll,stream by default) through URL
      and prints "ok - ..." / "FAIL - ..." lines; exit status 1 on any
      failure.  The stream step releases the fake's second frame only after
      the first one reached the probe: through a reflector that buffers,
      the first frame arrives after the fake's --release-wait (with
      --expect-buffered, that is what must happen).

  ext_peer.py limits --url URL --control HOST:PORT
      For a meek-reflect with --max-streams 1: a held stream takes the one
      slot; then a poll is answered at once, empty, and an open goes on as classic (no
      X-Meek-Ext back); once the stream's client hangs up, the slot is free
      again within the release wait.
"""
import argparse
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

OPEN_ANSWER = ("1; modes=stream,poll; body=1048576; window=1048576; "
               "hold=20000; stream=50000; keepalive=5000")
OPEN_REQUEST = "1; op=open; modes=stream,poll; body=1048576"
POLL_BYTES = 1048576
UP_BYTES = 1048576
KEEPALIVE, DATA, ACK, END = 3, 1, 2, 4


def frame(ftype, payload=b"", off=0):
    n = len(payload)
    return bytes([ftype, n >> 16 & 255, n >> 8 & 255, n & 255]) + \
        struct.pack(">Q", off) + payload


def gen(sid, n):
    """n deterministic bytes for session `sid`."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s:%d" % (sid.encode(), i)).digest()
        i += 1
    return bytes(out[:n])


def ext_op(value):
    for part in value.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip() == "op":
            return v.strip()
    return ""


# ---------------------------------------------------------------- server
def serve(args):
    import http.server

    released = {}
    lock = threading.Lock()

    def event(sid):
        with lock:
            return released.setdefault(sid, threading.Event())

    def record(line):
        if args.record:
            with lock, open(args.record, "a") as f:
                f.write(line + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(data)
                    data += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length", "0"))
            return self.rfile.read(n) if n else b""

        def answer(self, body, ext=None, ctype="application/octet-stream"):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if ext is not None:
                self.send_header("X-Meek-Ext", ext)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def chunk(self, data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def chunked_head(self, stream):
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("X-Meek-Ext", "1")
            if stream:
                self.send_header("X-Accel-Buffering", "no")
                self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()

        def do_POST(self):
            body = self.body()
            if self.path.startswith("/release/"):
                event(urllib.parse.unquote(self.path[9:])).set()
                self.answer(b"released\n", ctype="text/plain")
                return
            sid = self.headers.get("X-Session-Id", "")
            ext = self.headers.get("X-Meek-Ext")
            op = "classic" if ext is None else ext_op(ext)
            note = ""
            if ext is None:
                self.answer(body)
            elif op == "open":
                self.answer(ext.encode(), OPEN_ANSWER)
            elif op == "up":
                self.answer(body, "1")
            elif op == "poll":
                self.chunked_head(False)
                data = gen(sid, POLL_BYTES)
                sizes = [1, 12, 1000, 70000, 4096, 300000]
                i = k = 0
                while i < len(data):
                    n = sizes[k % len(sizes)]
                    self.chunk(data[i:i + n])
                    i += n
                    k += 1
                self.wfile.write(b"0\r\n\r\n")
            elif op == "stream":
                self.chunked_head(True)
                self.chunk(frame(KEEPALIVE))
                ok = event(sid).wait(args.release_wait)
                note = " released" if ok else " timeout"
                self.chunk(frame(DATA, b"hello", 0) + frame(END, b"", 5))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.answer(b"", "1")
            self.wfile.flush()
            record("%s %s ext=%s len=%d%s" % (op, sid, ext if ext else "-",
                                             len(body), note))

        def do_GET(self):
            self.answer(b"fake meek-server\n", ctype="text/plain")

        def log_message(self, *a):
            pass

    class S(http.server.ThreadingHTTPServer):
        daemon_threads = True

    srv = S(("127.0.0.1", 0), H)
    print("LISTEN 127.0.0.1:%d" % srv.server_address[1], flush=True)
    srv.serve_forever()


# ----------------------------------------------------------------- probe
class Resp:
    def __init__(self, conn, status, headers, chunked, length, close):
        self.conn, self.status, self.headers = conn, status, headers
        self.chunked, self.left, self.close = chunked, length, close
        self.done = length == 0 and not chunked
        self.chunk_left = 0

    def header(self, name):
        return self.headers.get(name.lower())

    def read_some(self):
        """The next bytes of the body as they arrive; b"" at its end."""
        c = self.conn
        if self.done:
            return b""
        if self.chunked:
            if self.chunk_left == 0:
                line = c.readline()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while c.readline() not in (b"\r\n", b""):
                        pass
                    self.done = True
                    return b""
                self.chunk_left = size
            data = c.read_some(self.chunk_left)
            self.chunk_left -= len(data)
            if self.chunk_left == 0:
                if c.readline() != b"\r\n":
                    raise IOError("bad chunk end")
            return data
        if self.left is None:
            data = c.read_some(65536, eof_ok=True)
            if not data:
                self.done = True
            return data
        data = c.read_some(self.left)
        self.left -= len(data)
        self.done = self.left == 0
        return data

    def read_exact(self, n):
        out = bytearray()
        while len(out) < n:
            d = self.read_some()
            if not d:
                raise IOError("body ended after %d of %d bytes" % (len(out), n))
            out += d
        return bytes(out)

    def read_all(self):
        out = bytearray()
        while True:
            d = self.read_some()
            if not d:
                return bytes(out)
            out += d


class Conn:
    def __init__(self, url, host=None, ca=None, timeout=60):
        u = urllib.parse.urlsplit(url)
        self.https = u.scheme == "https"
        self.addr = (u.hostname, u.port or (443 if self.https else 80))
        self.sni = u.hostname
        self.host = host or u.netloc
        self.path = u.path or "/"
        self.ca, self.timeout = ca, timeout
        self.sock = None
        self.buf = b""

    def connect(self):
        s = socket.create_connection(self.addr, self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.https:
            ctx = ssl.create_default_context(cafile=self.ca)
            s = ctx.wrap_socket(s, server_hostname=self.sni)
        self.sock, self.buf = s, b""

    def closeconn(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _more(self, eof_ok=False):
        d = self.sock.recv(65536)
        if not d and not eof_ok:
            raise IOError("connection closed")
        self.buf += d
        return len(d)

    def readline(self):
        while b"\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_some(self, n, eof_ok=False):
        if not self.buf and not self._more(eof_ok):
            return b""
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def post(self, headers, body):
        if self.sock is None:
            self.connect()
        lines = ["POST %s HTTP/1.1" % self.path, "Host: %s" % self.host,
                 "Content-Length: %d" % len(body),
                 "Content-Type: application/octet-stream"]
        lines += ["%s: %s" % kv for kv in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int(self.readline().split()[1])
        hdrs = {}
        while True:
            line = self.readline().decode("latin-1").strip()
            if not line:
                break
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        chunked = hdrs.get("transfer-encoding", "").lower() == "chunked"
        length = None if chunked or "content-length" not in hdrs else \
            int(hdrs["content-length"])
        close = hdrs.get("connection", "").lower() == "close" or \
            (length is None and not chunked)
        return Resp(self, status, hdrs, chunked, length, close)

    def finish(self, resp):
        if resp.close:
            self.closeconn()


def probe(args):
    failed = [0]
    tag = args.name + ": " if args.name else ""

    def check(ok, what):
        print("%s - %s%s" % ("ok  " if ok else "FAIL", tag, what), flush=True)
        if not ok:
            failed[0] += 1

    run = os.urandom(4).hex()
    c = Conn(args.url, args.host, args.ca)
    steps = args.only.split(",")

    def exchange(what, sid, headers, body):
        try:
            r = c.post(dict({"X-Session-Id": sid}, **headers), body)
            data = r.read_all()
            c.finish(r)
            return r, data
        except (OSError, ValueError, IndexError) as e:
            c.closeconn()
            check(False, "%s: %s" % (what, e))
            return None, None

    if "classic" in steps:
        body = os.urandom(1000)
        r, data = exchange("classic", "classic-" + run, {}, body)
        if r is not None:
            check(r.status == 200 and data == body,
                  "classic POST echoed intact (status %d)" % r.status)
            check(r.header("x-meek-ext") is None,
                  "classic answer carries no X-Meek-Ext")

    if "open" in steps:
        r, data = exchange("open", "open-" + run,
                           {"X-Meek-Ext": OPEN_REQUEST}, b"")
        if r is not None:
            check(r.status == 200, "open: status 200 (got %d)" % r.status)
            check(data == OPEN_REQUEST.encode(),
                  "open: X-Meek-Ext reached the server intact (it saw %r)"
                  % data[:100])
            check(r.header("x-meek-ext") == OPEN_ANSWER,
                  "open: the answer's X-Meek-Ext came back intact (%r)"
                  % r.header("x-meek-ext"))

    if "up" in steps:
        body = frame(DATA, os.urandom(UP_BYTES), 0)
        r, data = exchange("up", "up-" + run, {"X-Meek-Ext": "1; op=up"},
                           body)
        if r is not None:
            check(r.status == 200 and r.header("x-meek-ext") == "1",
                  "up: status 200 with X-Meek-Ext: 1 (got %d, %r)"
                  % (r.status, r.header("x-meek-ext")))
            check(data == body, "up: a %d-byte body went up and came back "
                  "intact (%d bytes back)" % (len(body), len(data or b"")))

    if "poll" in steps:
        sid = "poll-" + run
        r, data = exchange("poll", sid, {"X-Meek-Ext": "1; op=poll"},
                           frame(ACK, b"", 0))
        if r is not None:
            check(r.status == 200 and r.header("x-meek-ext") == "1",
                  "poll: status 200 with X-Meek-Ext: 1 (got %d, %r)"
                  % (r.status, r.header("x-meek-ext")))
            check(data == gen(sid, POLL_BYTES), "poll: %d chunked bytes "
                  "came down intact (got %d)" % (POLL_BYTES, len(data)))

    if "stream" in steps:
        sid = "stream-" + run
        try:
            t0 = time.monotonic()
            r = c.post({"X-Session-Id": sid, "X-Meek-Ext": "1; op=stream"},
                       frame(ACK, b"", 0))
            first = r.read_exact(12)
            t1 = time.monotonic() - t0
            ctl = Conn("http://%s/release/%s" % (args.control, sid))
            cr = ctl.post({}, b"")
            cr.read_all()
            ctl.closeconn()
            rest = r.read_all()
            c.finish(r)
            if args.expect_buffered:
                check(t1 >= args.release_wait * 0.8,
                      "stream: a buffering hop held the first frame back "
                      "(it came after %.2f s)" % t1)
            else:
                check(r.status == 200 and r.header("x-meek-ext") == "1",
                      "stream: status 200 with X-Meek-Ext: 1 (got %d, %r)"
                      % (r.status, r.header("x-meek-ext")))
                check(first == frame(KEEPALIVE) and t1 < args.release_wait * 0.8,
                      "stream: the KEEPALIVE frame arrived before the next "
                      "frame was sent (after %.3f s)" % t1)
                check(rest == frame(DATA, b"hello", 0) + frame(END, b"", 5),
                      "stream: DATA and END followed, then the end of the "
                      "response")
        except (OSError, ValueError, IndexError) as e:
            c.closeconn()
            check(False, "stream: %s" % e)
    if "classic" in steps and "stream" in steps and not args.expect_buffered:
        # The same kept-alive connection still works after a stream.
        body = os.urandom(100)
        r, data = exchange("classic after", "classic2-" + run, {}, body)
        if r is not None:
            check(r.status == 200 and data == body,
                  "a classic POST after the stream is echoed intact")
    c.closeconn()
    return 1 if failed[0] else 0


def limits(args):
    failed = [0]

    def check(ok, what):
        print("%s - limits: %s" % ("ok  " if ok else "FAIL", what), flush=True)
        if not ok:
            failed[0] += 1

    def release(sid):
        ctl = Conn("http://%s/release/%s" % (args.control, sid))
        ctl.post({}, b"").read_all()
        ctl.closeconn()

    run = os.urandom(4).hex()
    held = Conn(args.url)
    try:
        r = held.post({"X-Session-Id": "held-" + run,
                       "X-Meek-Ext": "1; op=stream"}, frame(ACK))
        check(r.status == 200 and r.read_exact(12) == frame(KEEPALIVE),
              "a stream holds the one slot (status %d)" % r.status)
        c = Conn(args.url)
        r = c.post({"X-Session-Id": "poll-" + run,
                    "X-Meek-Ext": "1; op=poll"}, frame(ACK))
        data = r.read_all()
        check(r.status == 200 and r.header("x-meek-ext") is not None and
              data == b"", "a poll past --max-streams: answered at once, "
              "empty (status %d, %d bytes)" % (r.status, len(data)))
        c.finish(r)
        r = c.post({"X-Session-Id": "open-" + run,
                    "X-Meek-Ext": OPEN_REQUEST}, b"")
        data = r.read_all()
        check(r.status == 200 and r.header("x-meek-ext") is None and
              data == b"", "an open past --max-streams goes on as classic "
              "(status %d, X-Meek-Ext %r)" % (r.status, r.header("x-meek-ext")))
        c.closeconn()
        # The stream's client leaves: its slot must come free.
        held.closeconn()
        ok = False
        end = time.monotonic() + args.release_wait * 0.8
        while not ok and time.monotonic() < end:
            c = Conn(args.url)
            r = c.post({"X-Session-Id": "again-" + run,
                        "X-Meek-Ext": "1; op=stream"}, frame(ACK))
            if r.status == 200:
                try:
                    ok = r.read_exact(12) == frame(KEEPALIVE)
                except IOError:
                    # Answered at once, empty: meek-reflect has not yet
                    # seen the first stream's client leave.
                    ok = False
                if ok:
                    release("again-" + run)
                r.read_all()
                if not ok:
                    time.sleep(0.2)
            else:
                r.read_all()
                time.sleep(0.2)
            c.closeconn()
        check(ok, "the slot came free once the stream's client left")
        release("held-" + run)
    except (OSError, ValueError, IndexError) as e:
        check(False, str(e))
    return 1 if failed[0] else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--release-wait", type=float, default=10.0)
    s.add_argument("--record")
    p = sub.add_parser("probe")
    p.add_argument("--url", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--host")
    p.add_argument("--ca")
    p.add_argument("--name", default="")
    p.add_argument("--release-wait", type=float, default=10.0)
    p.add_argument("--expect-buffered", action="store_true")
    p.add_argument("--only", default="classic,open,up,poll,stream")
    m = sub.add_parser("limits")
    m.add_argument("--url", required=True)
    m.add_argument("--control", required=True)
    m.add_argument("--release-wait", type=float, default=10.0)
    a = ap.parse_args()
    if a.cmd == "serve":
        serve(a)
    elif a.cmd == "limits":
        sys.exit(limits(a))
    else:
        sys.exit(probe(a))


if __name__ == "__main__":
    main()
