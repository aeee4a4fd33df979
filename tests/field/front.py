#!/usr/bin/env python3
"""A test front for meek-client field tests: plain HTTP, forwards each POST
to meek-server (--disable-tls) and returns its answer, unless the mode file
says otherwise:
  ok      forward (also when the file is missing or empty)
  403     answer 403 without forwarding (a front that stopped serving us)
  drop    forward a non-empty body to meek-server, then drop the connection
          without answering (the body may have arrived: must not be resent)
Prints "LISTEN 127.0.0.1:PORT" when ready; appends "<mode> <body length>"
per request to LOG.
usage: front.py MODEFILE UPSTREAM_HOST:PORT LOG"""
import http.client
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEFILE, UPSTREAM, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
UP_HOST, UP_PORT = UPSTREAM.rsplit(":", 1)
lock = threading.Lock()


def mode():
    try:
        with open(MODEFILE) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        m = mode()
        with lock, open(LOG, "a") as f:
            f.write("%s %d\n" % (m, len(body)))
        if m == "403":
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        up = http.client.HTTPConnection(UP_HOST, int(UP_PORT), timeout=60)
        hdrs = {"Content-Type": "application/octet-stream"}
        if self.headers.get("X-Session-Id"):
            hdrs["X-Session-Id"] = self.headers["X-Session-Id"]
        up.request("POST", self.path, body=body, headers=hdrs)
        r = up.getresponse()
        data = r.read()
        up.close()
        if m == "drop" and body:
            self.close_connection = True
            return
        self.send_response(r.status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Front)
print("LISTEN 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
