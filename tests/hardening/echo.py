#!/usr/bin/python3
"""ORPort stand-in for the hardening tests: a threaded TCP echo server on
127.0.0.1 that prints "LISTEN ip:port" when ready.

  echo.py [--count FILE] [--port N]
                           every byte read is written back; with --count, the
                           number of accepted connections and of bytes read
                           are rewritten to FILE ("<conns> <bytes>") after each
                           event, so that a test can prove no payload arrived.
"""
import socket
import sys
import threading

lock = threading.Lock()
stats = [0, 0]
count_file = None


def record():
    if count_file is None:
        return
    with open(count_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (stats[0], stats[1]))
    import os
    os.replace(count_file + ".tmp", count_file)


def serve(c):
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            with lock:
                stats[1] += len(b)
                record()
            c.sendall(b)
    except OSError:
        pass
    finally:
        c.close()


def main():
    global count_file
    args = sys.argv[1:]
    port = 0
    while args:
        if args[0] == "--count" and len(args) > 1:
            count_file = args[1]
        elif args[0] == "--port" and len(args) > 1:
            port = int(args[1])
        else:
            sys.exit("usage: echo.py [--count FILE] [--port N]")
        args = args[2:]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    with lock:
        record()
    print("LISTEN 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        with lock:
            stats[0] += 1
            record()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
