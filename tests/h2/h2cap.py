#!/usr/bin/python3
"""Captures the opening HTTP/2 frames of TLS clients on 127.0.0.1 and
compares meek-client's with Chromium's (tests/h2/fingerprint_chromium.sh).

usage:
  h2cap.py listen CERT KEY OUT [IDLE]  a TLS listener on 127.0.0.1 (ALPN h2,
                             http/1.1; picks h2 when offered); prints
                             "LISTEN 127.0.0.1:PORT", then appends one JSON
                             object per connection to OUT (see below).  Exits
                             on SIGTERM or after IDLE seconds (default 300)
                             without a connection.
  h2cap.py compare REF OURS  ok/FAIL lines for the first request of OURS (a
                             file of `listen`) against the first of REF, then
                             both side by side.
  h2cap.py show FILE         the first request of FILE, side-by-side form.

A connection's object: "kind" is "h2-request" (written as soon as its first
HEADERS block is complete), "h2-no-request" (closed before one; written at
close) or "not-h2" (ALPN gave something else: "first" has its first bytes).
"alpn", "preface_ok", "frames" (every frame up to and including the first
HEADERS, in order: type, flags, stream, and for SETTINGS "settings"
[[id, value], ...] in order, WINDOW_UPDATE "increment", PRIORITY and
HEADERS "priority" {exclusive, dependency, weight 1..256} or null, HEADERS
"headers" [[name, value], ...] in order, HPACK-decoded with Debian's
python3-hpack).  The peer gets an empty SETTINGS, a SETTINGS ack, PING acks
and, once a request stream ends, an answer (a GET: 200 and a small page
with "h2cap-page"; anything else: 404 without a body), so that it finishes
cleanly.  Every wait is bounded.
"""
import json
import os
import socket
import ssl
import sys
import threading

import hpack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tls"))
from hellocap import run_commands  # noqa: E402 (after the path)

PAGE = b"<!doctype html><title>h2cap</title><p>h2cap-page</p>\n"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
TYPES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS",
         5: "PUSH_PROMISE", 6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}
SETTING_NAMES = {1: "HEADER_TABLE_SIZE", 2: "ENABLE_PUSH", 3: "MAX_CONCURRENT_STREAMS",
                 4: "INITIAL_WINDOW_SIZE", 5: "MAX_FRAME_SIZE", 6: "MAX_HEADER_LIST_SIZE",
                 8: "ENABLE_CONNECT_PROTOCOL", 9: "NO_RFC7540_PRIORITIES"}
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY = 0x1, 0x1, 0x4, 0x8, 0x20


def grease(v):
    """Chromium's reserved ("GREASE") setting ids and frame types: 0x?a?a / 0x?b."""
    return (v & 0x0f0f) == 0x0a0a


def frame_bytes(ftype, flags, stream, payload=b""):
    return (len(payload).to_bytes(3, "big") + bytes([ftype, flags])
            + stream.to_bytes(4, "big") + payload)


class Conn:
    """One accepted connection: reads frames, answers just enough."""

    def __init__(self, sock, n, out):
        self.sock, self.n, self.out = sock, n, out
        self.buf = b""
        self.frames = []
        self.decoder = hpack.Decoder()
        self.encoder = hpack.Encoder()
        self.block = None           # (stream, first frame record, fragments) during CONTINUATION
        self.rec = {"conn": n, "kind": "h2-no-request"}
        self.written = False
        self.answered = set()
        self.methods = {}

    def recv_exact(self, n):
        while len(self.buf) < n:
            more = self.sock.recv(65536)
            if not more:
                raise EOFError
            self.buf += more
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def send(self, ftype, flags, stream, payload=b""):
        self.sock.sendall(frame_bytes(ftype, flags, stream, payload))

    def write(self):
        if not self.written:
            self.written = True
            self.rec["frames"] = self.frames
            self.out(self.rec)

    def answer(self, stream):
        """A GET gets a small page (headless Chromium prints it), anything
        else a 404 without a body."""
        if stream in self.answered:
            return
        self.answered.add(stream)
        if self.methods.get(stream) == "GET":
            block = self.encoder.encode([(":status", "200"), ("content-type", "text/html"),
                                         ("content-length", str(len(PAGE)))])
            self.send(1, END_HEADERS, stream, block)
            self.send(0, END_STREAM, stream, PAGE)
        else:
            block = self.encoder.encode([(":status", "404"), ("content-length", "0")])
            self.send(1, END_STREAM | END_HEADERS, stream, block)

    def run(self):
        self.rec["alpn"] = self.sock.selected_alpn_protocol()
        if self.rec["alpn"] != "h2":
            self.rec["kind"] = "not-h2"
            try:
                self.sock.settimeout(5)
                self.rec["first"] = self.sock.recv(200).decode("latin1")
            except (OSError, EOFError):
                self.rec["first"] = ""
            self.write()
            return
        try:
            self.rec["preface_ok"] = self.recv_exact(len(PREFACE)) == PREFACE
            if not self.rec["preface_ok"]:
                self.write()
                return
            self.send(4, 0, 0)
            while True:
                head = self.recv_exact(9)
                length = int.from_bytes(head[:3], "big")
                ftype, flags = head[3], head[4]
                stream = int.from_bytes(head[5:9], "big") & 0x7fffffff
                self.frame(ftype, flags, stream, self.recv_exact(length))
        except (EOFError, OSError, ssl.SSLError):
            pass
        except Exception as e:      # a malformed frame or header block: say so
            self.rec["error"] = "%s: %s" % (type(e).__name__, e)
        finally:
            self.write()

    def frame(self, ftype, flags, stream, p):
        f = {"type": TYPES.get(ftype, "0x%02x" % ftype), "flags": flags, "stream": stream,
             "length": len(p)}
        keep = not self.written
        if ftype == 4:
            if not flags & ACK:
                f["settings"] = [[int.from_bytes(p[i:i + 2], "big"),
                                  int.from_bytes(p[i + 2:i + 6], "big")]
                                 for i in range(0, len(p) - 5, 6)]
                self.send(4, ACK, 0)
        elif ftype == 8:
            f["increment"] = int.from_bytes(p[:4], "big") & 0x7fffffff
        elif ftype == 2:
            f["priority"] = self.priority(p)
        elif ftype == 6:
            if not flags & ACK:
                self.send(6, ACK, 0, p)
        elif ftype == 1:
            q, pad = 0, 0
            if flags & PADDED:
                pad, q = p[0], 1
            f["end_stream"] = bool(flags & END_STREAM)
            f["priority"] = self.priority(p[q:q + 5]) if flags & PRIORITY else None
            if flags & PRIORITY:
                q += 5
            self.block = (stream, f, [p[q:len(p) - pad]])
            if flags & END_HEADERS:
                self.headers_done()
            keep = False       # kept by headers_done
        elif ftype == 9 and self.block is not None:
            self.block[2].append(p)
            if flags & END_HEADERS:
                self.headers_done()
        elif ftype == 0 and flags & END_STREAM:
            self.answer(stream)
        elif ftype == 7:
            raise EOFError
        if keep:
            self.frames.append(f)

    @staticmethod
    def priority(p):
        dep = int.from_bytes(p[:4], "big")
        return {"exclusive": bool(dep >> 31), "dependency": dep & 0x7fffffff,
                "weight": p[4] + 1}

    def headers_done(self):
        stream, f, frags = self.block
        self.block = None
        # Every block goes through the decoder (its dynamic table), in order.
        hdrs = self.decoder.decode(b"".join(frags))
        self.methods[stream] = dict(hdrs).get(":method")
        if not self.written:
            f["headers"] = [[k, v] for k, v in hdrs]
            self.frames.append(f)
            self.rec["kind"] = "h2-request"
            self.write()
        if f["end_stream"]:
            self.answer(stream)


def cmd_listen(cert, key, out, idle="300"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    lsock.settimeout(float(idle))
    lock = threading.Lock()
    count = [0]

    def emit(rec):
        with lock, open(out, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def serve(raw, n):
        raw.settimeout(30)
        try:
            tls = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError) as e:
            print("connection %d: handshake failed: %s" % (n, e), file=sys.stderr, flush=True)
            raw.close()
            return
        try:
            Conn(tls, n, emit).run()
        finally:
            tls.close()

    print("LISTEN 127.0.0.1:%d" % lsock.getsockname()[1], flush=True)
    while True:
        try:
            c, _ = lsock.accept()
        except socket.timeout:
            return 0
        count[0] += 1
        threading.Thread(target=serve, args=(c, count[0]), daemon=True).start()


# ---- compare ----

def first_request(path):
    recs = []
    try:
        with open(path) as f:
            recs = [json.loads(line) for line in f if line.strip()]
    except OSError:
        pass
    for r in recs:
        if r["kind"] == "h2-request":
            return r, recs
    return None, recs


def summary(r):
    """The comparable parts of a connection's opening."""
    fr = r["frames"]
    s = next((f["settings"] for f in fr if f["type"] == "SETTINGS" and "settings" in f), None)
    wu = next((f["increment"] for f in fr if f["type"] == "WINDOW_UPDATE" and f["stream"] == 0),
              None)
    h = fr[-1]
    names = [k for k, _ in h["headers"]]
    return {
        "settings": None if s is None else [("GREASE" if grease(i) else i, v) for i, v in s],
        "window_update": wu,
        # Frames before the HEADERS, acks left out (their place depends on timing).
        "sequence": [f["type"] for f in fr if not (f["type"] in ("SETTINGS", "PING")
                                                    and f["flags"] & ACK)],
        "priority_frames": [(f["stream"], f["priority"]) for f in fr if f["type"] == "PRIORITY"],
        "priority": h["priority"],
        "pseudo": [n for n in names if n.startswith(":")],
        "pseudo_first": all(n.startswith(":") for n in names[:len([x for x in names
                                                                  if x.startswith(":")])]),
        "names": names,
        "headers": h["headers"],
        "flags": h["flags"],
    }


def fmt_settings(s):
    return "none" if s is None else ",".join("%s:%d" % (i, v) for i, v in s)


def fmt_prio(p):
    return "none" if p is None else "exclusive=%d dep=%d weight=%d" % (
        p["exclusive"], p["dependency"], p["weight"])


def fmt_pframes(x):
    """PRIORITY frames as stream:exclusive:dependency:weight."""
    return ",".join("%d:%d:%d:%d" % (s, p["exclusive"], p["dependency"], p["weight"])
                    for s, p in x["priority_frames"]) or "none"


def fmt_flags(v):
    return "|".join(n for b, n in ((END_STREAM, "END_STREAM"), (END_HEADERS, "END_HEADERS"),
                                   (PADDED, "PADDED"), (PRIORITY, "PRIORITY")) if v & b) or "0"


def akamai(x):
    """The usual one-line HTTP/2 fingerprint: SETTINGS|WINDOW_UPDATE|PRIORITY|pseudo order."""
    pf = fmt_pframes(x).replace("none", "0")
    return "%s|%s|%s|%s" % (";".join("%s:%d" % (i, v) for i, v in x["settings"] or []),
                            x["window_update"] if x["window_update"] is not None else "00",
                            pf, ",".join(n[1] for n in x["pseudo"]))


def side_by_side(a, b, la, lb):
    rows = [("SETTINGS", fmt_settings(a["settings"]), fmt_settings(b["settings"])),
            ("WINDOW_UPDATE", str(a["window_update"] or "none"), str(b["window_update"] or "none")),
            ("frames", " ".join(a["sequence"]), " ".join(b["sequence"])),
            ("PRIORITY frames", fmt_pframes(a), fmt_pframes(b)),
            ("HEADERS flags", fmt_flags(a["flags"]), fmt_flags(b["flags"])),
            ("HEADERS priority", fmt_prio(a["priority"]), fmt_prio(b["priority"])),
            ("pseudo-headers", ",".join(a["pseudo"]), ",".join(b["pseudo"])),
            ("fingerprint", akamai(a), akamai(b))]
    n = max(len(a["headers"]), len(b["headers"]))
    for i in range(n):
        rows.append(("header %d" % (i + 1),
                     a["headers"][i][0] if i < len(a["headers"]) else "",
                     b["headers"][i][0] if i < len(b["headers"]) else ""))
    w0 = max(len(r[0]) for r in rows)
    w1 = max([len(la)] + [len(r[1]) for r in rows])
    out = ["  %-*s  %-*s  %s" % (w0, "", w1, la, lb)]
    for k, x, y in rows:
        out.append("%s %-*s  %-*s  %s" % (" " if x == y or k.startswith("header ") else "*",
                                          w0, k, w1, x, y))
    return out


def cmd_compare(ref_path, ours_path):
    ref, _ = first_request(ref_path)
    ours, recs = first_request(ours_path)
    label = os.path.basename(ours_path).rsplit(".", 1)[0]
    if ref is None:
        print("FAIL - %s: no HTTP/2 request in the reference %s" % (label, ref_path))
        return 1
    if ours is None:
        print("FAIL - %s: no HTTP/2 request (connections: %s)" % (label, "; ".join(
            "%s alpn=%s %s%s" % (r["kind"], r.get("alpn"), r.get("first", "").split("\r\n")[0][:60],
                                 r.get("error", ""))
            for r in recs) or "none"))
        return 1
    a, b = summary(ref), summary(ours)
    bad = []

    def check(desc, cond, detail=""):
        print(("ok   - " if cond else "FAIL - ") + "%s: %s%s" % (
            label, desc, "" if cond or not detail else " (" + detail + ")"))
        if not cond:
            bad.append(desc)

    check("ALPN h2 and the client preface", ours["alpn"] == "h2" and ours["preface_ok"])
    check("SETTINGS ids, values and order %s" % fmt_settings(a["settings"]),
          a["settings"] is not None and a["settings"] == b["settings"],
          "ours %s" % fmt_settings(b["settings"]))
    check("connection WINDOW_UPDATE %s" % a["window_update"],
          a["window_update"] is not None and a["window_update"] == b["window_update"],
          "ours %s" % (b["window_update"] or "none"))
    check("frames before the first HEADERS: %s" % " ".join(a["sequence"]),
          a["sequence"] == b["sequence"] and a["priority_frames"] == b["priority_frames"],
          "ours %s; PRIORITY frames %s" % (" ".join(b["sequence"]), fmt_pframes(b)))
    check("HEADERS priority %s" % fmt_prio(a["priority"]),
          a["priority"] == b["priority"] and (a["flags"] & PRIORITY) == (b["flags"] & PRIORITY),
          "ours %s" % fmt_prio(b["priority"]))
    check("pseudo-header order %s" % ",".join(a["pseudo"]),
          a["pseudo"] == b["pseudo"] and b["pseudo_first"],
          "ours %s" % ",".join(b["names"]))
    upper = [n for n in b["names"] if n != n.lower()]
    check("header names all lower case", not upper, "ours " + ",".join(upper))
    print("--- side by side (* where they differ; header names: Chromium's GET, ours)")
    for line in side_by_side(a, b, "chromium", label):
        print(line)
    return 1 if bad else 0


def cmd_show(path):
    r, recs = first_request(path)
    if r is None:
        print("no HTTP/2 request in %s (%d connections)" % (path, len(recs)))
        return 1
    x = summary(r)
    print("SETTINGS %s; WINDOW_UPDATE %s; frames %s; HEADERS priority %s; pseudo %s"
          % (fmt_settings(x["settings"]), x["window_update"] or "none", " ".join(x["sequence"]),
             fmt_prio(x["priority"]), ",".join(x["pseudo"])))
    print("fingerprint " + akamai(x))
    return 0


def main(argv):
    return run_commands(argv, {"listen": cmd_listen, "compare": cmd_compare,
                               "show": cmd_show}, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
