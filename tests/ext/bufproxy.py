#!/usr/bin/env python3
"""A reverse proxy that buffers every response whole, as some CDNs and
reflectors do: it forwards each request to the upstream (a connection of its
own, "Connection: close"), reads the complete response (Content-Length,
chunked, or up to the close) and only then sends it, with a Content-Length,
to the client.  A streamed meek response therefore shows nothing until its
end; a poll's answer arrives when the poll ends.

Usage: bufproxy.py --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT
Prints "LISTEN ip:port", then one "RESPONSE <status> <bytes> <seconds>" line
per response (stdout).  Clients talk HTTP/1.1 with keep-alive; request
bodies need a Content-Length (meek's do)."""

import argparse
import socket
import time

from proxylib import listen_and_serve, say

HEAD_MAX = 65536
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
       "proxy-connection", "te", "upgrade", "trailer"}


class Reader:
    """Buffered reads from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > HEAD_MAX or not self.fill():
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            if not self.fill():
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def rest(self):
        while self.fill():
            pass
        data, self.buf = self.buf, b""
        return data


def read_head(r):
    """Returns (first line, [(name, value)]) or None."""
    first = r.line()
    if not first:
        return None
    headers = []
    while True:
        line = r.line()
        if line is None:
            return None
        if line == b"":
            return first, headers
        name, _, value = line.partition(b":")
        headers.append((name.strip().decode("latin-1"),
                        value.strip().decode("latin-1")))


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def read_body(r, headers, until_close):
    if (header(headers, "transfer-encoding") or "").lower() == "chunked":
        out = []
        while True:
            size = r.line()
            if size is None:
                return None
            n = int(size.split(b";")[0], 16)
            if n == 0:
                while True:  # trailers
                    t = r.line()
                    if t is None or t == b"":
                        return b"".join(out)
            data = r.exactly(n)
            if data is None or r.exactly(2) is None:
                return None
            out.append(data)
    length = header(headers, "content-length")
    if length is not None:
        return r.exactly(int(length))
    return r.rest() if until_close else b""


def read_message(r, until_close):
    """A whole message from R: (first line, headers, body), or None."""
    head = read_head(r)
    if head is None:
        return None
    body = read_body(r, head[1], until_close)
    return None if body is None else (head[0], head[1], body)


def head_bytes(first, headers, length, extra=()):
    """FIRST and HEADERS less the hop-by-hop ones, then a Content-Length of
    LENGTH and EXTRA lines: a head to send, blank line included."""
    lines = [first]
    for k, v in headers:
        if k.lower() not in HOP:
            lines.append(("%s: %s" % (k, v)).encode("latin-1"))
    lines.append(b"Content-Length: %d" % length)
    lines.extend(extra)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def serve(client, upstream):
    r = Reader(client)
    try:
        while True:
            msg = read_message(r, False)
            if msg is None:
                return
            first, headers, body = msg
            up = socket.create_connection(upstream, timeout=300)
            try:
                up.sendall(head_bytes(first, headers, len(body),
                                      [b"Connection: close"]) + body)
                t0 = time.time()
                msg = read_message(Reader(up), True)
                if msg is None:
                    return
                status, rheaders, rbody = msg
            finally:
                up.close()
            say("RESPONSE %s %d %.2f" % (status.split(b" ")[1].decode(),
                                         len(rbody), time.time() - t0))
            client.sendall(head_bytes(status, rheaders, len(rbody)) + rbody)
    except (OSError, ValueError):
        pass
    finally:
        client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", required=True)
    a = ap.parse_args()
    listen_and_serve(a.listen, a.upstream, serve, 64)


if __name__ == "__main__":
    main()
