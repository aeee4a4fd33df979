#!/usr/bin/python3
"""Fault checks for meek-client.  Usage: client_abuse.py CHECK ARGS; prints
"ok   - ..." / "FAIL - ..." lines (counted by lib.sh run_py).

  socks_echo SOCKSPORT                 one SOCKS5 session echoes through
  hold SOCKSPORT CTLDIR                opens a session, proves it echoes,
                                       writes CTLDIR/ready, then waits for
                                       EOF (up to 60 s after CTLDIR/killed
                                       appears) and writes CTLDIR/eof
                                       ("<seconds after kill> <how>")
  cpu PID SECS MAXTICKS                utime+stime growth over SECS
  no_payload SOCKSPORT SECS            the session ends (EOF/reset) within
                                       SECS and no data comes back
  reflector SOCKSPORT COUNTFILE SECS   the SOCKS connection ends within SECS
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from meekhttp import ok, fail, cpu_ticks


def socks5(port, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(b"\x05\x01\x00")
    if s.recv(2) != b"\x05\x00":
        raise OSError("SOCKS5 method refused")
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("192.0.2.1") +
              struct.pack(">H", 9001))
    rep = b""
    while len(rep) < 10:
        b = s.recv(10 - len(rep))
        if not b:
            raise OSError("SOCKS connection closed before the reply")
        rep += b
    if rep[1] != 0:
        raise OSError("SOCKS reply %d" % rep[1])
    return s


def echo(s, n=1000, deadline=20):
    data = os.urandom(n)
    s.sendall(data)
    got = b""
    t_end = time.monotonic() + deadline
    s.settimeout(1)
    while len(got) < len(data) and time.monotonic() < t_end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        if not b:
            break
        got += b
    return got == data


def wait_end(s, secs):
    """Waits for EOF or reset; returns (how, seconds, bytes received)."""
    t0 = time.monotonic()
    n = 0
    s.settimeout(0.5)
    while time.monotonic() - t0 < secs:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return "reset", time.monotonic() - t0, n
        if not b:
            return "eof", time.monotonic() - t0, n
        n += len(b)
    return None, secs, n


def main():
    check, a = sys.argv[1], sys.argv[2:]
    if check == "socks_echo":
        try:
            s = socks5(int(a[0]))
            (ok if echo(s) else fail)("a SOCKS session echoes 1000 bytes "
                                      "through meek")
            s.close()
        except OSError as e:
            fail("SOCKS session: %r" % (e,))
    elif check == "hold":
        ctl = a[1]
        try:
            s = socks5(int(a[0]))
        except OSError as e:
            fail("SOCKS session: %r" % (e,))
            open(os.path.join(ctl, "ready"), "w").write("error\n")
            return
        good = echo(s)
        (ok if good else fail)("the held session echoes before the fault")
        open(os.path.join(ctl, "ready"), "w").write("ok\n")
        killed = os.path.join(ctl, "killed")
        t_end = time.monotonic() + 60
        while not os.path.exists(killed) and time.monotonic() < t_end:
            time.sleep(0.05)
        how, dt, n = wait_end(s, 60)
        with open(os.path.join(ctl, "eof.tmp"), "w") as f:
            f.write("%.2f %s %d\n" % (dt, how, n))
        os.replace(os.path.join(ctl, "eof.tmp"), os.path.join(ctl, "eof"))
        s.close()
    elif check == "cpu":
        pid, secs, maxt = int(a[0]), float(a[1]), int(a[2])
        t0 = cpu_ticks(pid)
        time.sleep(secs)
        d = cpu_ticks(pid) - t0
        hz = os.sysconf("SC_CLK_TCK")
        (ok if d <= maxt else fail)(
            "meek-client used %d ticks (%.2f s CPU) in %.0f s (max %d)" % (
                d, d / hz, secs, maxt))
    elif check == "no_payload":
        try:
            s = socks5(int(a[0]))
        except OSError as e:
            # A refused SOCKS reply is also "no session".
            ok("SOCKS request refused (%s)" % e)
            return
        try:
            s.sendall(b"payload that must never reach the ORPort")
        except OSError:
            pass
        how, dt, n = wait_end(s, float(a[1]))
        (ok if how and n == 0 else fail)(
            "the SOCKS connection ended (%s after %.1f s, %d bytes back)" % (
                how, dt, n))
        s.close()
    elif check == "reflector":
        try:
            s = socks5(int(a[0]))
        except OSError as e:
            fail("SOCKS session: %r" % (e,))
            return
        s.sendall(b"data for a reflector that always answers 503")
        how, dt, n = wait_end(s, float(a[2]))
        (ok if how else fail)(
            "meek-client gave up and closed the SOCKS connection (%s after "
            "%.1f s)" % (how, dt))
        s.close()
    else:
        sys.exit("unknown check " + check)


if __name__ == "__main__":
    main()
