"""What the test proxies (bufproxy.py, hostileproxy.py) share: their
stdout lines and their listener (python3, stdlib only)."""

import socket
import sys
import threading

say_lock = threading.Lock()


def say(line):
    """Prints LINE on stdout at once, whole, from any thread."""
    with say_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def listen_and_serve(listen, upstream, serve, backlog):
    """Listens on LISTEN ("ip:port", port 0 for any), says "LISTEN ip:port",
    then serves each connection in a thread of its own as
    serve(sock, (upstream host, port)), UPSTREAM being "host:port"."""
    host, port = listen.rsplit(":", 1)
    uhost, uport = upstream.rsplit(":", 1)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(backlog)
    say("LISTEN %s:%d" % ls.getsockname())
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, (uhost, int(uport))),
                         daemon=True).start()
