#!/usr/bin/python3
"""A stand-in reflector that answers every request with 503.  Prints
"LISTEN ip:port"; appends one line per request to LOGFILE:
"<monotonic seconds> <method> <body sha256 prefix>"."""
import hashlib
import http.server
import sys
import time

LOG = sys.argv[1]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        with open(LOG, "a") as f:
            f.write("%.3f %s %s\n" % (time.monotonic(), self.command,
                                      hashlib.sha256(body).hexdigest()[:16]))
        msg = b"reflector overloaded\n"
        self.send_response(503)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)

    do_GET = do_POST

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print("LISTEN 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
