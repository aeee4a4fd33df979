#!/usr/bin/env python3
"""SOCKS5 driver for meek-client field tests: opens one session with the PT
args as RFC 1929 user/pass, then for each step sends a distinct payload and
expects it echoed back; between steps it runs a shell command (to make a
front fail mid-session).
usage: drive.py SOCKS_ADDR ARGS BYTES STEPS [CMD-BEFORE-STEP-2...]
Prints "step N ok" per step; exits 0 when every step came back intact, 2
when the session was closed by meek-client, 1 on other failures."""
import os
import socket
import struct
import subprocess
import sys

addr, args, nbytes, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cmds = sys.argv[5:]
host, port = addr.rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=120)


def recv_exact(n):
    out = b""
    while len(out) < n:
        d = s.recv(n - len(out))
        if not d:
            raise EOFError("closed after %d of %d bytes" % (len(out), n))
        out += d
    return out


a = args.encode()
user, pw = (a[:255], a[255:] or b"\0")
s.sendall(b"\x05\x01\x02")
assert recv_exact(2) == b"\x05\x02"
s.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(pw)]) + pw)
assert recv_exact(2)[1] == 0, "auth refused"
s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("192.0.2.1") + struct.pack(">H", 1))
rep = recv_exact(10)
if rep[1] != 0:
    print("SOCKS reply %d" % rep[1])
    sys.exit(1)
try:
    for i in range(steps):
        if i == 1:
            for c in cmds:
                subprocess.run(c, shell=True, check=True)
        data = os.urandom(nbytes)
        s.sendall(data)
        back = recv_exact(len(data))
        if back != data:
            print("step %d: echo differs" % (i + 1))
            sys.exit(1)
        print("step %d ok" % (i + 1), flush=True)
except (EOFError, ConnectionError, socket.timeout) as e:
    print("session ended: %s" % e)
    sys.exit(2)
sys.exit(0)
