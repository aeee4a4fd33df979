#!/usr/bin/env python3
"""censor.py MODE [CERT KEY]: a loopback stand-in for what a censor does to
a front, for tests/integration/censor.sh.  Prints "LISTEN 127.0.0.1:PORT",
then for every connection:

  reset-hello    reads the first bytes (the TLS ClientHello), then resets
                 the connection (RST: SO_LINGER 0);
  blackhole      accepts and never answers (holds the connection open);
  reset-request  completes TLS with CERT/KEY, reads the HTTP request head,
                 then resets the connection;
  block-page     completes TLS with CERT/KEY and answers every request with
                 200 and a text/html block page;
  other-ca       completes TLS with CERT/KEY, a certificate from a CA the
                 client does not trust (as a TLS-intercepting middlebox),
                 and answers every request with an empty meek answer.
"""
import socket
import ssl
import struct
import sys
import threading
import time

mode = sys.argv[1]
ctx = None
if mode in ("reset-request", "block-page", "other-ca"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
print("LISTEN 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
held = []


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def serve(c):
    try:
        c.settimeout(60)
        if mode == "reset-hello":
            c.recv(1)
            time.sleep(0.05)
            reset(c)
        elif mode == "blackhole":
            held.append(c)
        elif mode == "reset-request":
            t = ctx.wrap_socket(c, server_side=True)
            read_head(t)
            reset(c)
        elif mode == "block-page":
            t = ctx.wrap_socket(c, server_side=True)
            while read_head(t) is not None:
                body = b"<html><body>This site is blocked.</body></html>"
                t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        elif mode == "other-ca":
            t = ctx.wrap_socket(c, server_side=True)
            while read_head(t) is not None:
                t.sendall(b"HTTP/1.1 200 OK\r\n"
                          b"Content-Type: application/octet-stream\r\n"
                          b"Content-Length: 0\r\n\r\n")
    except (OSError, ssl.SSLError):
        pass


while True:
    conn, _ = ls.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
