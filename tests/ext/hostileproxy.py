#!/usr/bin/env python3
"""A hostile intermediary (a CDN or a server that lies): a reverse proxy
that forwards each request to the upstream meek-server (a connection of its
own, "Connection: close") and relays the answer as it arrives, but rewrites
the X-Meek-Ext answer of an open so that its times are absurd:
hold=, stream= and keepalive= become 2147483647 (issue 16, point 11: a
client that trusts them wraps a 32-bit timeout negative).

Usage: hostileproxy.py --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT
Prints "LISTEN ip:port", then one "REWROTE <old> -> <new>" line per
rewritten answer (stdout).  Request bodies need a Content-Length (meek's
do)."""

import argparse
import re
import socket

from proxylib import listen_and_serve, say

HUGE = "2147483647"


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin1"), rest


def rewrite(head):
    out = []
    for line in head.split("\r\n"):
        if line.lower().startswith("x-meek-ext:") and "modes=" in line:
            new = re.sub(r"\b(hold|stream|keepalive)=\d+", r"\1=" + HUGE,
                         line)
            say("REWROTE %s -> %s" % (line, new))
            line = new
        out.append(line)
    return "\r\n".join(out)


def serve(c, upstream):
    buf = b""
    try:
        while True:
            head, buf = read_head(c, buf)
            if head is None:
                return
            lines = head.split("\r\n")
            n = 0
            keep = []
            for ln in lines[1:]:
                k = ln.split(":", 1)[0].strip().lower()
                if k == "content-length":
                    n = int(ln.split(":", 1)[1])
                if k in ("connection", "keep-alive"):
                    continue
                keep.append(ln)
            while len(buf) < n:
                data = c.recv(65536)
                if not data:
                    return
                buf += data
            body, buf = buf[:n], buf[n:]
            u = socket.create_connection(upstream, timeout=300)
            req = "\r\n".join([lines[0]] + keep + ["Connection: close"])
            u.sendall(req.encode("latin1") + b"\r\n\r\n" + body)
            rhead, rest = read_head(u, b"")
            if rhead is None:
                u.close()
                return
            rlines = [ln for ln in rewrite(rhead).split("\r\n")
                      if not ln.lower().startswith("connection:")]
            c.sendall("\r\n".join(rlines + ["Connection: close"])
                      .encode("latin1") + b"\r\n\r\n" + rest)
            while True:
                data = u.recv(65536)
                if not data:
                    break
                c.sendall(data)
            u.close()
            return   # the answer ended with the close
    except OSError:
        pass
    finally:
        c.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--upstream", required=True)
    a = p.parse_args()
    listen_and_serve(a.listen, a.upstream, serve, 128)


if __name__ == "__main__":
    main()
