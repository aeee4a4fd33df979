#!/usr/bin/env python3
"""meek-client --max-sessions N (issue 16, point 11): N SOCKS connections
that only sent their greeting hold every place; one more gets a SOCKS5
failure ("no acceptable method", 05 FF) and the close, a SOCKS4 one the
SOCKS4 rejection (00 5B); once the N are gone a new connection is served
again.  Usage: socks_cap.py HOST:PORT N.  Prints ok/FAIL lines."""
import socket
import sys
import time


def ok(m):
    print("ok   - " + m, flush=True)


def fail(m):
    print("FAIL - " + m, flush=True)


def conn(addr):
    h, p = addr.rsplit(":", 1)
    s = socket.create_connection((h, int(p)), timeout=10)
    return s


def reply(s, n):
    out = b""
    try:
        while len(out) < n:
            b = s.recv(n - len(out))
            if not b:
                break
            out += b
    except OSError:
        pass
    return out


def closed(s):
    try:
        s.settimeout(5)
        return s.recv(1) == b""
    except OSError:
        return True


def main():
    addr, n = sys.argv[1], int(sys.argv[2])
    held = []
    for _ in range(n):
        s = conn(addr)
        s.sendall(b"\x05\x01\x02")       # SOCKS5, user/pass (tor's way)
        r = reply(s, 2)
        if r[:1] != b"\x05" or r[1:2] == b"\xff":
            fail("a SOCKS connection within --max-sessions refused: %r" % r)
        held.append(s)
    s = conn(addr)
    s.sendall(b"\x05\x01\x02")
    r = reply(s, 2)
    if r == b"\x05\xff" and closed(s):
        ok("SOCKS5 connection %d over --max-sessions %d: 05 FF, closed" %
           (n + 1, n))
    else:
        fail("SOCKS5 connection over --max-sessions: %r" % r)
    s.close()
    s = conn(addr)
    s.sendall(b"\x04\x01\x01\xbb\x7f\x00\x00\x01\x00")
    r = reply(s, 8)
    if r[:2] == b"\x00\x5b" and closed(s):
        ok("SOCKS4 connection over --max-sessions: 00 5B, closed")
    else:
        fail("SOCKS4 connection over --max-sessions: %r" % r)
    s.close()
    for h in held:
        h.close()
    for _ in range(100):
        time.sleep(0.2)
        s = conn(addr)
        s.sendall(b"\x05\x01\x02")
        r = reply(s, 2)
        s.close()
        if r == b"\x05\x02":
            ok("after the sessions ended a new SOCKS connection is served")
            return
    fail("no SOCKS connection served again after the sessions ended")


if __name__ == "__main__":
    main()
