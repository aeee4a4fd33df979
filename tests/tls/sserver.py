#!/usr/bin/env python3
"""sserver.py: drives `openssl s_server` as a tiny HTTPS peer for the tests.

    sserver.py --port P [--keyupdate] [--log FILE] -- S_SERVER_ARGS...

Starts `openssl s_server -accept 127.0.0.1:P -msg S_SERVER_ARGS...` (not in
-www mode: that mode answers GET only) with its stdin and stdout on pipes,
prints "LISTEN 127.0.0.1:P" once s_server accepts, and answers each HTTP
request it relays with "HTTP/1.1 200 OK" and a short text body.  With
--keyupdate it first types "K" (s_server sends a KeyUpdate with
update_requested), waits until s_server's -msg trace shows that KeyUpdate
going out, and only then writes the answer: the client can only read the
answer after updating its receiving keys.  Everything s_server prints is
copied to FILE (default stderr) for the test to grep ("Reused session-id",
"<<< TLS 1.3, Handshake [length 0005], KeyUpdate", ...).  Exits when
s_server does, or after --idle seconds without output.
"""
import argparse
import os
import select
import signal
import subprocess
import sys
import time

ANSWER = b"meek-c sserver ok\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--keyupdate", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--idle", type=int, default=300)
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = [x for x in a.args if x != "--"]
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % a.port, "-msg"] + args
    log = open(a.log, "ab") if a.log else sys.stderr.buffer
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, bufsize=0)
    # Killed by the test (SIGTERM): take s_server along.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        return serve(a, p, log)
    finally:
        if p.poll() is None:
            p.terminate()
            p.wait()


def serve(a, p, log):
    fd = p.stdout.fileno()
    buf = b""          # s_server output not yet looked at
    request = b""      # the current request's bytes (up to its blank line)
    listening = False
    waiting_ku = False
    last = time.monotonic()
    while True:
        r, _, _ = select.select([fd], [], [], 1.0)
        if not r:
            if p.poll() is not None or time.monotonic() - last > a.idle:
                break
            continue
        d = os.read(fd, 65536)
        if not d:
            break
        last = time.monotonic()
        log.write(d)
        log.flush()
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"ACCEPT") and not listening:
                listening = True
                print("LISTEN 127.0.0.1:%d" % a.port, flush=True)
            if line.startswith(b"ACCEPT"):
                request = b""
                continue
            if waiting_ku and line.startswith(b">>> ") and b"KeyUpdate" in line:
                waiting_ku = False
                answer(p)
                continue
            if line.startswith((b">>> ", b"<<< ", b"    ")):
                continue   # the -msg trace (and its hex dump lines)
            if line.startswith((b"POST ", b"GET ")):
                request = b""
            request += line + b"\n"
            if request.startswith((b"POST ", b"GET ")) and line.strip() == b"":
                request = b""
                if a.keyupdate:
                    waiting_ku = True
                    p.stdin.write(b"K\n")
                    p.stdin.flush()
                else:
                    answer(p)
    if p.poll() is None:
        p.terminate()
        p.wait()
    return 0


def answer(p):
    p.stdin.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                  % (len(ANSWER), ANSWER))
    p.stdin.flush()


if __name__ == "__main__":
    sys.exit(main())
