#!/usr/bin/env python3
"""A faulty HTTP/2 front for meek-client tests (issue 19).

It serves TLS with ALPN "h2" only (Python's ssl), speaks HTTP/2 as a server
with the h2 library, and forwards each request stream as an HTTP/1.1
request ("Connection: close", a TCP connection of its own) to meek-server
--disable-tls at --backend.  Request headers copied: x-session-id,
content-type, x-meek-ext (Content-Length is the body's length; the body is
read whole, as a CDN may do: meek's are small).  Response: the status,
content-type, x-meek-ext and Content-Length when the backend gave one
(not for chunked), and the body relayed as it arrives (a streamed meek
response stays open for minutes), within the client's flow-control
windows.  One thread, one selector loop, non-blocking sockets.

Faults (each counted; --max-faults K stops injecting after K of them):
  --goaway-every N       after N requests on a connection: GOAWAY
                         (last_stream_id = the highest stream received,
                         NO_ERROR) and a PING; later streams are not
                         served; once the connection's served streams end
                         and the PING's ACK is back (the client has read the
                         GOAWAY), or after --goaway-grace seconds (2), the
                         TCP connection is reset (SO_LINGER 0: RST, not
                         FIN).
  --goaway-no-ping       with --goaway-every: reset once the streams end,
                         without waiting for the PING's ACK (the GOAWAY may
                         then be lost to the reset).
  --goaway-refuse        with --goaway-every: the GOAWAY goes out when the
                         Nth request's HEADERS arrive, its last_stream_id
                         the highest stream already forwarded; that request
                         and any other not yet forwarded are never
                         forwarded (the client must retry them elsewhere).
  --kill-every-bytes B   after B response body bytes on a connection:
                         GOAWAY, then the TCP reset at once, cutting the
                         streams in flight.
  --rst-stream-every N   every Nth stream (of the whole front; with
                         --rst-match TEXT, of the streams whose x-meek-ext
                         contains TEXT, e.g. "op=stream") is reset in the
                         middle of its response: half of the first body
                         piece is sent, then RST_STREAM (INTERNAL_ERROR and
                         CANCEL in turn, or --rst-code); an empty body is
                         reset right after the response HEADERS.
  --initial-window W     SETTINGS_INITIAL_WINDOW_SIZE W (e.g. 1024); the
                         windows are reopened only by what was consumed
                         (h2's window manager: no large connection
                         WINDOW_UPDATE), so the client must respect flow
                         control on upload.
  --max-frame-size S     DATA frames this front sends carry at most S
                         bytes; SETTINGS_MAX_FRAME_SIZE is advertised as
                         max(S, 16384), the smallest legal value.

Prints "LISTEN 127.0.0.1:PORT" on stdout when ready.  Logs one line per
connection, stream and fault (to --log FILE, else stderr), each starting
with its kind: CONN (open; closed, with the DATA frame counts), STREAM (its
end), GOAWAY, KILL, RST, CLIENT-RST, REFUSED (a stream above our GOAWAY's
last_stream_id, never forwarded), ERROR (the client broke HTTP/2 or flow
control, or offered no h2), and TOTAL on SIGTERM/SIGINT.

usage: h2front.py --cert PEM --key KEY --backend HOST:PORT [fault options]
"""

import argparse
import errno
import selectors
import signal
import socket
import ssl
import struct
import sys
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
from hyperframe.frame import GoAwayFrame

HEAD_MAX = 65536
PENDING_MAX = 1 << 20     # response bytes held per stream before pausing
OUT_MAX = 1 << 19         # TLS bytes queued to a client before pausing
COPY_REQ = ("x-session-id", "content-type", "x-meek-ext")
T0 = time.monotonic()


class Stats:
    def __init__(self):
        self.conns = 0
        self.streams = 0
        self.goaways = 0
        self.kills = 0
        self.rsts = 0
        self.errors = 0
        self.faults = 0


class Front:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.masks = {}
        self.stats = Stats()
        self.logf = open(args.log, "a") if args.log else sys.stderr
        host, port = args.backend.rsplit(":", 1)
        self.backend = (host, int(port))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["h2"])
        self.ctx = ctx
        lhost, lport = args.listen.rsplit(":", 1)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((lhost, int(lport)))
        self.lsock.listen(128)
        self.lsock.setblocking(False)
        self.sel.register(self.lsock, selectors.EVENT_READ, self)
        self.clients = set()
        self.nconn = 0
        self.rst_seen = 0           # streams --rst-match selected

    def log(self, line):
        self.logf.write("%s t=%.3f\n" % (line, time.monotonic() - T0))
        self.logf.flush()

    def may_fault(self):
        m = self.args.max_faults
        return m is None or self.stats.faults < m

    def want(self, sock, obj, events):
        """Sets the selector interest of sock (0: none)."""
        old = self.masks.get(sock)
        if old == events:
            return
        if events == 0:
            if old:
                self.sel.unregister(sock)
            self.masks[sock] = 0
            return
        if old:
            self.sel.modify(sock, events, obj)
        else:
            self.sel.register(sock, events, obj)
        self.masks[sock] = events

    def forget(self, sock):
        if self.masks.pop(sock, 0):
            try:
                self.sel.unregister(sock)
            except (KeyError, ValueError):
                pass

    def on_event(self, mask):
        """The listener is readable."""
        while True:
            try:
                s, _ = self.lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.log("ERROR accept: %s" % e)
                return
            self.nconn += 1
            self.stats.conns += 1
            Client(self, s, self.nconn)

    def run(self):
        print("LISTEN %s:%d" % self.lsock.getsockname(), flush=True)
        while True:
            timeout = 0.5
            now = time.monotonic()
            for c in list(self.clients):
                if c.pending_tls():
                    timeout = 0
                if c.deadline is not None:
                    timeout = min(timeout, max(0, c.deadline - now))
            for key, mask in self.sel.select(timeout):
                key.data.on_event(mask)
            for c in list(self.clients):
                if c.pending_tls():
                    c.on_readable()
            now = time.monotonic()
            for c in list(self.clients):
                c.tick(now)

    def total(self):
        s = self.stats
        self.log("TOTAL conns=%d streams=%d goaways=%d kills=%d rsts=%d "
                 "errors=%d" % (s.conns, s.streams, s.goaways, s.kills,
                                s.rsts, s.errors))


class Stream:
    def __init__(self, sid, headers, serial):
        self.id = sid
        self.headers = headers
        self.serial = serial
        self.body = bytearray()
        self.up = None
        self.pending = bytearray()
        self.head_sent = False
        self.body_done = False      # the backend's body is complete
        self.closed = False
        self.sent = 0               # response body bytes sent
        self.frames = [0, 0]        # DATA frames sent: count, largest
        self.rst_plan = None        # error code of a planned RST_STREAM
        self.rst_now = False        # reset once pending is sent
        self.status = "-"
        self.served = False         # forwarded to the backend


class Client:
    """One TLS + HTTP/2 connection from meek-client."""

    def __init__(self, front, sock, n):
        self.f = front
        self.n = n
        self.raw = sock
        sock.setblocking(False)
        self.sock = front.ctx.wrap_socket(sock, server_side=True,
                                          do_handshake_on_connect=False)
        self.state = "handshake"
        self.out = bytearray()
        self.wchunk = None          # bytes of an SSL write to retry as is
        self.streams = {}
        self.requests = 0
        self.resp_bytes = 0
        self.goaway_last = None     # last_stream_id of our GOAWAY
        self.max_served = 0         # highest stream forwarded
        self.goaway_seen = False    # the PING after our GOAWAY came back
        self.dout = [0, 0]          # DATA frames sent: count, largest
        self.din = [0, 0]           # DATA frames received: count, largest
        self.deadline = time.monotonic() + 30
        self.conn = None
        front.clients.add(self)
        front.want(self.sock, self, selectors.EVENT_READ)
        self.handshake()

    def log(self, line):
        self.f.log(line)

    # --- TLS and HTTP/2 plumbing ---

    def handshake(self):
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self.f.want(self.sock, self, selectors.EVENT_READ)
            return
        except ssl.SSLWantWriteError:
            self.f.want(self.sock, self, selectors.EVENT_WRITE)
            return
        except (ssl.SSLError, OSError) as e:
            self.close("handshake failed: %s" % e)
            return
        alpn = self.sock.selected_alpn_protocol()
        if alpn != "h2":
            self.log("ERROR conn=%d alpn=%s: the client did not offer h2"
                     % (self.n, alpn))
            self.f.stats.errors += 1
            self.close("no h2")
            return
        self.log("CONN %d open alpn=h2 %s" % (self.n, self.sock.version()))
        self.state = "open"
        self.deadline = None
        cfg = h2.config.H2Configuration(client_side=False,
                                        header_encoding="utf-8",
                                        validate_inbound_headers=True)
        self.conn = h2.connection.H2Connection(config=cfg)
        a = self.f.args
        # One SETTINGS frame, sent as a change so that h2 applies it when
        # the client ACKs it (h2 takes initial_values as already
        # acknowledged, and would count the client's first bytes against
        # a window the client has not heard of yet).
        self.conn.initiate_connection()
        self.conn.data_to_send()
        settings = {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100}
        if a.initial_window is not None:
            settings[h2.settings.SettingCodes.INITIAL_WINDOW_SIZE] = \
                a.initial_window
        if a.max_frame_size is not None:
            settings[h2.settings.SettingCodes.MAX_FRAME_SIZE] = \
                max(a.max_frame_size, 16384)
        self.conn.update_settings(settings)
        self.flush()
        self.on_readable()

    def pending_tls(self):
        return self.state in ("open", "draining") and self.sock.pending() > 0

    def on_event(self, mask):
        if self.state == "handshake":
            self.handshake()
            return
        if self.state == "closed":
            return
        if mask & selectors.EVENT_WRITE:
            self.write()
        if self.state != "closed" and mask & selectors.EVENT_READ:
            self.on_readable()

    def on_readable(self):
        while self.state in ("open", "draining"):
            try:
                data = self.sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                break
            except (ssl.SSLError, OSError) as e:
                self.close("by the client: %s" % e)
                return
            if not data:
                self.close("by the client (EOF)")
                return
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError as e:
                self.f.stats.errors += 1
                self.log("ERROR conn=%d HTTP/2 protocol error by the "
                         "client: %s: %s" % (self.n, type(e).__name__, e))
                self.flush()
                self.write()
                self.close("after the protocol error")
                return
            for ev in events:
                self.handle(ev)
                if self.state == "closed":
                    return
            self.after_events()
        self.flush()

    def after_events(self):
        a = self.f.args
        if (a.goaway_every and not a.goaway_refuse
                and self.goaway_last is None
                and self.requests >= a.goaway_every and self.f.may_fault()):
            self.f.stats.faults += 1
            self.goaway("goaway-every %d" % a.goaway_every)
            self.deadline = time.monotonic() + a.goaway_grace
            self.state = "draining"
        self.pump_all()

    def handle(self, ev):
        if isinstance(ev, h2.events.RequestReceived):
            self.on_request(ev)
        elif isinstance(ev, h2.events.DataReceived):
            self.din[0] += 1
            self.din[1] = max(self.din[1], len(ev.data))
            st = self.streams.get(ev.stream_id)
            if st is not None:
                st.body += ev.data
            try:
                self.conn.acknowledge_received_data(
                    ev.flow_controlled_length, ev.stream_id)
            except h2.exceptions.StreamClosedError:
                pass
        elif isinstance(ev, h2.events.StreamEnded):
            st = self.streams.get(ev.stream_id)
            if st is not None:
                self.serve(st)
        elif isinstance(ev, h2.events.StreamReset):
            st = self.streams.get(ev.stream_id)
            if st is not None and not st.closed:
                self.log("CLIENT-RST conn=%d id=%d code=%s sent=%d"
                         % (self.n, ev.stream_id, ev.error_code, st.sent))
                self.end_stream(st, "client-rst")
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.flush()
            self.write()
            self.close("by the client's GOAWAY (code=%s last=%s)"
                       % (ev.error_code, ev.last_stream_id))
        elif isinstance(ev, h2.events.PingAckReceived):
            if ev.ping_data == b"h2front!":
                self.goaway_seen = True
        elif isinstance(ev, (h2.events.WindowUpdated,
                             h2.events.RemoteSettingsChanged)):
            pass                      # pump_all() after the batch

    def on_request(self, ev):
        hdrs = {}
        for k, v in ev.headers:
            hdrs.setdefault(k, v)
        if self.goaway_last is not None and ev.stream_id > self.goaway_last:
            # RFC 9113 6.8: not processed; the client retries it elsewhere.
            self.log("REFUSED conn=%d id=%d: opened after our GOAWAY "
                     "(last=%d)" % (self.n, ev.stream_id, self.goaway_last))
            return
        self.f.stats.streams += 1
        st = Stream(ev.stream_id, hdrs, self.f.stats.streams)
        self.streams[ev.stream_id] = st
        self.requests += 1
        a = self.f.args
        if (a.goaway_refuse and a.goaway_every and self.goaway_last is None
                and self.requests >= a.goaway_every and self.f.may_fault()):
            self.refuse_goaway()
            return
        if a.rst_stream_every and a.rst_match in hdrs.get("x-meek-ext", ""):
            self.f.rst_seen += 1
            k = self.f.rst_seen
        else:
            k = None
        if (k is not None and k % a.rst_stream_every == 0
                and self.f.may_fault()):
            self.f.stats.faults += 1
            k //= a.rst_stream_every
            if a.rst_code == "internal" or (a.rst_code == "alternate"
                                            and k % 2 == 1):
                st.rst_plan = h2.errors.ErrorCodes.INTERNAL_ERROR
            else:
                st.rst_plan = h2.errors.ErrorCodes.CANCEL
        if ev.stream_ended is not None:
            self.serve(st)

    def refuse_goaway(self):
        """GOAWAY whose last_stream_id is the highest stream forwarded so
        far: the streams above it (this request among them) are dropped,
        never forwarded, as RFC 9113 6.8 lets a server do."""
        self.f.stats.faults += 1
        last = self.max_served
        for st in list(self.streams.values()):
            if not st.served and st.id > last:
                self.log("REFUSED conn=%d id=%d: above the last_stream_id "
                         "%d of our GOAWAY, not forwarded" % (self.n, st.id,
                                                             last))
                del self.streams[st.id]
        self.goaway("goaway-every %d, refusing the streams above %d"
                    % (self.f.args.goaway_every, last), last)
        self.deadline = time.monotonic() + self.f.args.goaway_grace
        self.state = "draining"

    def serve(self, st):
        if st.served or st.closed:
            return
        st.served = True
        self.max_served = max(self.max_served, st.id)
        st.up = Upstream(self, st)

    def flush(self):
        """Moves h2's output to our TLS queue and writes what it can."""
        if self.conn is not None:
            data = self.conn.data_to_send()
            if data:
                self.out += data
        self.write()

    def write(self):
        while self.out or self.wchunk:
            if self.wchunk is None:
                self.wchunk = bytes(self.out[:65536])
                del self.out[:len(self.wchunk)]
            try:
                n = self.sock.send(self.wchunk)
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError,
                    BlockingIOError):
                break
            except (ssl.SSLError, OSError) as e:
                self.close("write failed: %s" % e)
                return
            if n < len(self.wchunk):
                self.wchunk = self.wchunk[n:]
            else:
                self.wchunk = None
        if self.state in ("open", "draining"):
            ev = selectors.EVENT_READ
            if self.out or self.wchunk:
                ev |= selectors.EVENT_WRITE
            self.f.want(self.sock, self, ev)

    def queued(self):
        return len(self.out) + (len(self.wchunk) if self.wchunk else 0)

    def open_streams(self):
        return sum(1 for s in self.streams.values() if not s.closed)

    # --- responses ---

    def response_head(self, st, status, headers, length):
        st.status = status
        h = [(":status", str(status))]
        for k in ("content-type", "x-meek-ext"):
            if k in headers:
                h.append((k, headers[k]))
        if length is not None:
            h.append(("content-length", str(length)))
        empty = length == 0
        if st.rst_plan is not None and empty:
            self.conn.send_headers(st.id, h)
            st.head_sent = True
            self.reset(st, "after the HEADERS of an empty body")
            return
        self.conn.send_headers(st.id, h, end_stream=empty)
        st.head_sent = True
        if empty:
            st.body_done = True
            self.end_stream(st, "ok")

    def response_body(self, st, data):
        if st.rst_plan is not None and not st.rst_now:
            st.pending += data[:len(data) // 2]
            st.rst_now = True
            if st.up is not None:
                st.up.close()
                st.up = None
        else:
            st.pending += data
        self.pump(st)

    def response_end(self, st):
        st.body_done = True
        self.pump(st)

    def response_fail(self, st, why):
        self.log("STREAM conn=%d id=%d backend failed: %s" % (self.n, st.id,
                                                             why))
        if st.closed:
            return
        if not st.head_sent:
            self.conn.send_headers(st.id, [(":status", "502"),
                                           ("content-length", "0")],
                                   end_stream=True)
            st.status = 502
            self.end_stream(st, "backend-failed")
        else:
            self.conn.reset_stream(st.id,
                                   h2.errors.ErrorCodes.INTERNAL_ERROR)
            self.end_stream(st, "backend-cut")
        self.flush()

    def pump(self, st):
        """Sends what the windows allow of st's pending response."""
        if st.closed or not st.head_sent or self.state == "closed":
            return
        a = self.f.args
        while st.pending and self.queued() < OUT_MAX:
            try:
                w = self.conn.local_flow_control_window(st.id)
            except h2.exceptions.StreamClosedError:
                self.end_stream(st, "closed")
                return
            n = min(len(st.pending), w, self.conn.max_outbound_frame_size)
            if a.max_frame_size:
                n = min(n, a.max_frame_size)
            if n <= 0:
                break
            try:
                self.conn.send_data(st.id, bytes(st.pending[:n]))
            except h2.exceptions.StreamClosedError:
                self.end_stream(st, "closed")
                return
            del st.pending[:n]
            st.sent += n
            self.dout[0] += 1
            self.dout[1] = max(self.dout[1], n)
            st.frames[0] += 1
            st.frames[1] = max(st.frames[1], n)
            self.resp_bytes += n
            if (a.kill_every_bytes and self.resp_bytes >= a.kill_every_bytes
                    and self.f.may_fault()):
                self.f.stats.faults += 1
                self.goaway("kill-every-bytes %d" % a.kill_every_bytes)
                self.kill("after %d response bytes" % self.resp_bytes)
                return
        if not st.pending:
            if st.rst_now:
                self.reset(st, "after %d body bytes" % st.sent)
            elif st.body_done:
                try:
                    self.conn.end_stream(st.id)
                except h2.exceptions.StreamClosedError:
                    pass
                self.end_stream(st, "ok")
        if st.up is not None:
            st.up.set_paused(len(st.pending) >= PENDING_MAX)
        self.flush()

    def pump_all(self):
        for st in list(self.streams.values()):
            if self.state == "closed":
                return
            if not st.closed:
                self.pump(st)
        self.flush()

    def reset(self, st, when):
        code = st.rst_plan
        self.conn.reset_stream(st.id, code)
        self.f.stats.rsts += 1
        self.log("RST conn=%d id=%d serial=%d code=%s %s ext=%r"
                 % (self.n, st.id, st.serial, code.name, when,
                    st.headers.get("x-meek-ext", "")))
        self.end_stream(st, "rst")
        self.flush()

    def end_stream(self, st, how):
        if st.closed:
            return
        st.closed = True
        if st.up is not None:
            st.up.close()
            st.up = None
        self.log("STREAM conn=%d id=%d %s %s up=%d status=%s down=%d "
                 "frames=%d maxframe=%d end=%s ext=%r"
                 % (self.n, st.id, st.headers.get(":method", "?"),
                    st.headers.get(":path", "?"), len(st.body), st.status,
                    st.sent, st.frames[0], st.frames[1], how,
                    st.headers.get("x-meek-ext", "")))
        del self.streams[st.id]

    # --- faults ---

    def goaway(self, why, last=None):
        """GOAWAY(last, by default the highest stream received; NO_ERROR),
        written after what h2 has queued; h2 itself is left open so that
        the streams it covers can end (h2's close_connection would refuse
        any later frame)."""
        if last is None:
            last = self.conn.highest_inbound_stream_id
        self.goaway_last = last
        if self.conn is not None:
            data = self.conn.data_to_send()
            if data:
                self.out += data
        f = GoAwayFrame(stream_id=0, last_stream_id=self.goaway_last,
                        error_code=0)
        self.out += f.serialize()
        # A PING right behind it: its ACK says the client has read the
        # GOAWAY (a reset could otherwise destroy the GOAWAY unread in the
        # client's receive queue).
        self.conn.ping(b"h2front!")
        self.flush()
        self.f.stats.goaways += 1
        self.log("GOAWAY conn=%d last=%d requests=%d resp_bytes=%d (%s)"
                 % (self.n, self.goaway_last, self.requests, self.resp_bytes,
                    why))
        self.write()

    def kill(self, why):
        """The TCP reset: SO_LINGER 0, then close."""
        if self.state == "closed":
            return
        self.write()
        cut = self.open_streams()
        self.f.stats.kills += 1
        self.log("KILL conn=%d %s: TCP reset, %d stream(s) cut, %d byte(s) "
                 "unsent" % (self.n, why, cut, self.queued()))
        try:
            self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close("by our TCP reset")

    def tick(self, now):
        """Once per loop turn: the drain's end, and the streams that
        waited for the TLS queue to shrink."""
        if self.state in ("open", "draining") and self.queued() < OUT_MAX:
            self.pump_all()
        drained = self.open_streams() == 0 and (
            self.goaway_seen or self.f.args.goaway_no_ping)
        if self.state == "draining" and (drained or now >= self.deadline):
            if drained:
                self.kill("after the drain")
            else:
                self.kill("after the %g s grace"
                          % self.f.args.goaway_grace)
        elif self.state == "handshake" and now >= self.deadline:
            self.close("handshake timed out")

    def close(self, why):
        if self.state == "closed":
            return
        if self.state != "handshake":
            self.log("CONN %d closed %s: %d stream(s) open, %d request(s), "
                     "%d response bytes, DATA sent %d (largest %d), "
                     "received %d (largest %d)%s"
                     % (self.n, why, self.open_streams(), self.requests,
                        self.resp_bytes, self.dout[0], self.dout[1],
                        self.din[0], self.din[1],
                        ", after our GOAWAY" if self.goaway_last is not None
                        else ""))
        else:
            self.log("CONN %d closed %s" % (self.n, why))
        self.state = "closed"
        for st in list(self.streams.values()):
            if not st.closed:
                self.end_stream(st, "conn-closed")
        self.f.forget(self.sock)
        try:
            self.sock.close()
        except OSError:
            pass
        self.f.clients.discard(self)


class Upstream:
    """One HTTP/1.1 exchange with the backend for one stream."""

    def __init__(self, client, st):
        self.c = client
        self.f = client.f
        self.st = st
        self.paused = False
        self.closed = False
        h = st.headers
        lines = ["%s %s HTTP/1.1" % (h.get(":method", "POST"),
                                     h.get(":path", "/")),
                 "Host: %s" % h.get(":authority", "localhost"),
                 "Connection: close",
                 "Content-Length: %d" % len(st.body)]
        for k in COPY_REQ:
            if k in h:
                lines.append("%s: %s" % (k, h[k]))
        cl = h.get("content-length")
        if cl is not None and cl != str(len(st.body)):
            self.c.log("ERROR conn=%d id=%d content-length %s, body %d"
                       % (client.n, st.id, cl, len(st.body)))
            self.f.stats.errors += 1
        self.out = bytearray(("\r\n".join(lines) + "\r\n\r\n")
                             .encode("latin-1")) + st.body
        self.inbuf = bytearray()
        self.state = "connect"
        self.mode = None
        self.left = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        rc = self.sock.connect_ex(self.f.backend)
        if rc not in (0, errno.EINPROGRESS):
            self.fail("connect: %s" % errno.errorcode.get(rc, rc))
            return
        self.f.want(self.sock, self, selectors.EVENT_WRITE)

    def set_paused(self, p):
        if self.closed or self.state not in ("head", "body") or \
                p == self.paused:
            return
        self.paused = p
        self.f.want(self.sock, self, 0 if p else selectors.EVENT_READ)

    def on_event(self, mask):
        if self.closed:
            return
        if self.state == "connect":
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.fail("connect: %s" % errno.errorcode.get(err, err))
                return
            self.state = "send"
        if self.state == "send":
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.fail("send: %s" % e)
                return
            del self.out[:n]
            if not self.out:
                self.state = "head"
                self.f.want(self.sock, self, selectors.EVENT_READ)
            return
        self.on_readable()

    def on_readable(self):
        # Bounded: a paused stream resumes on the next loop turn.
        for _ in range(16):
            if self.closed or self.paused:
                return
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self.fail("recv: %s" % e)
                return
            if not data:
                if self.state == "body" and self.mode == "eof":
                    self.done()
                else:
                    self.fail("EOF in the response %s" % self.state)
                return
            self.inbuf += data
            self.parse()

    def parse(self):
        while not self.closed:
            if self.state == "head":
                i = self.inbuf.find(b"\r\n\r\n")
                if i < 0:
                    if len(self.inbuf) > HEAD_MAX:
                        self.fail("response head too long")
                    return
                head = bytes(self.inbuf[:i]).decode("latin-1")
                del self.inbuf[:i + 4]
                lines = head.split("\r\n")
                parts = lines[0].split(" ", 2)
                try:
                    status = int(parts[1])
                except (IndexError, ValueError):
                    self.fail("bad status line %r" % lines[0])
                    return
                hdrs = {}
                for ln in lines[1:]:
                    k, _, v = ln.partition(":")
                    hdrs.setdefault(k.strip().lower(), v.strip())
                if 100 <= status < 200:
                    continue
                te = hdrs.get("transfer-encoding", "").lower()
                length = None
                if status in (204, 304):
                    self.mode, length = "length", 0
                elif "chunked" in te:
                    self.mode = "chunked"
                    self.cstate = "size"
                elif "content-length" in hdrs:
                    self.mode = "length"
                    length = int(hdrs["content-length"])
                else:
                    self.mode = "eof"
                self.left = length or 0
                self.state = "body"
                self.c.response_head(self.st, status, hdrs, length)
                if self.closed or self.st.closed:
                    return
                if length == 0:
                    self.done()
                    return
            elif self.mode == "length":
                if not self.inbuf:
                    return
                piece = bytes(self.inbuf[:self.left])
                del self.inbuf[:len(piece)]
                self.left -= len(piece)
                self.body(piece)
                if self.left == 0 and not self.closed:
                    self.done()
                return
            elif self.mode == "eof":
                if self.inbuf:
                    piece = bytes(self.inbuf)
                    self.inbuf.clear()
                    self.body(piece)
                return
            else:
                if not self.chunked():
                    return

    def chunked(self):
        """One step of the chunked decoder; False when it needs bytes."""
        if self.cstate == "size":
            i = self.inbuf.find(b"\r\n")
            if i < 0:
                if len(self.inbuf) > 1024:
                    self.fail("chunk size line too long")
                return False
            line = bytes(self.inbuf[:i]).split(b";")[0].strip()
            del self.inbuf[:i + 2]
            try:
                self.left = int(line, 16)
            except ValueError:
                self.fail("bad chunk size %r" % line)
                return False
            self.cstate = "data" if self.left else "trailer"
            return True
        if self.cstate == "data":
            if not self.inbuf:
                return False
            piece = bytes(self.inbuf[:self.left])
            del self.inbuf[:len(piece)]
            self.left -= len(piece)
            if self.left == 0:
                self.cstate = "crlf"
            self.body(piece)
            return not self.closed
        if self.cstate == "crlf":
            if len(self.inbuf) < 2:
                return False
            if self.inbuf[:2] != b"\r\n":
                self.fail("no CRLF after a chunk")
                return False
            del self.inbuf[:2]
            self.cstate = "size"
            return True
        # trailer: lines up to an empty one
        i = self.inbuf.find(b"\r\n")
        if i < 0:
            return False
        empty = i == 0
        del self.inbuf[:i + 2]
        if empty:
            self.done()
            return False
        return True

    def body(self, piece):
        if piece:
            self.c.response_body(self.st, piece)

    def done(self):
        st = self.st
        self.close()
        if st.up is self:
            st.up = None
        if not st.closed:
            self.c.response_end(st)

    def fail(self, why):
        st = self.st
        self.close()
        if st.up is self:
            st.up = None
        self.c.response_fail(st, why)

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.f.forget(self.sock)
        self.sock.close()


def parse_size(s):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    s = s.strip().lower()
    if s and s[-1] in mult:
        return int(s[:-1]) * mult[s[-1]]
    return int(s)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--backend", required=True, help="meek-server HOST:PORT")
    p.add_argument("--log")
    p.add_argument("--goaway-every", type=int, default=0, metavar="N")
    p.add_argument("--goaway-grace", type=float, default=2.0, metavar="SECS")
    p.add_argument("--goaway-refuse", action="store_true")
    p.add_argument("--goaway-no-ping", action="store_true")
    p.add_argument("--kill-every-bytes", type=parse_size, default=0,
                   metavar="B")
    p.add_argument("--rst-stream-every", type=int, default=0, metavar="N")
    p.add_argument("--rst-code", choices=("alternate", "internal", "cancel"),
                   default="alternate")
    p.add_argument("--rst-match", default="", metavar="TEXT")
    p.add_argument("--max-faults", type=int, metavar="K")
    p.add_argument("--initial-window", type=int, metavar="W")
    p.add_argument("--max-frame-size", type=int, metavar="S")
    args = p.parse_args()
    if args.initial_window is not None and not \
            0 <= args.initial_window <= 2**31 - 1:
        p.error("--initial-window out of range")
    if args.max_frame_size is not None and args.max_frame_size < 1:
        p.error("--max-frame-size must be positive")
    front = Front(args)

    def stop(signum, frame):
        front.total()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    front.run()


if __name__ == "__main__":
    main()
