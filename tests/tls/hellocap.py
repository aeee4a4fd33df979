#!/usr/bin/env python3
"""Captures ClientHellos on 127.0.0.1 and compares ours with Chromium's
(tests/tls/hello_chromium.sh).

usage:
  hellocap.py dissect FILE.hex...          print each hello's dissection and JA4
  hellocap.py chromium CHROMIUM OUTDIR N   N https:// and N wss:// hellos of a headless
                                           Chromium, as OUTDIR/chromium-{https,wss}-I.hex
  hellocap.py tool HELLO_TOOL OUTDIR N     N hellos per profile from tests/tls/hello-tool
                                           (OUTDIR/ours-{chrome,chrome-ws}-I.hex)
  hellocap.py meek MEEK_CLIENT OUTDIR PROFILE   the hello of `meek-client --hello PROFILE
                                           --check` (OUTDIR/meek-PROFILE-1.hex); PROFILE
                                           "default" runs it without --hello
  hellocap.py compare OURS_PREFIX CHROMIUM_PREFIX   ok/FAIL lines; prints a diff of the
                                           dissections when something moved
Every socket is on 127.0.0.1; every wait is bounded; only the processes
started here are killed.  JA4 follows FoxIO's JA4 specification (TLS over
TCP: t, version, d/i, cipher and extension counts, ALPN first/last
character; sorted cipher list and sorted extensions without SNI/ALPN plus
signature algorithms in order, each SHA-256 truncated to 12 hex digits).
"""
import difflib
import glob
import hashlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

EXT_NAMES = {
    0x0000: "server_name", 0x0005: "status_request", 0x000a: "supported_groups",
    0x000b: "ec_point_formats", 0x000d: "signature_algorithms", 0x0010: "alpn",
    0x0012: "signed_certificate_timestamp", 0x0015: "padding", 0x0017: "extended_master_secret",
    0x001b: "compress_certificate", 0x001c: "record_size_limit", 0x0022: "delegated_credentials",
    0x0023: "session_ticket", 0x0029: "pre_shared_key", 0x002a: "early_data",
    0x002b: "supported_versions", 0x002c: "cookie", 0x002d: "psk_key_exchange_modes",
    0x0031: "post_handshake_auth", 0x0033: "key_share", 0x44cd: "application_settings",
    0x4469: "application_settings_old", 0xca34: "trust_anchors", 0xfe0d: "encrypted_client_hello",
    0xff01: "renegotiation_info"}
# Extensions whose bodies are random per connection (compared by form).
RANDOM_BODY = (0x0033, 0xfe0d)


def grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def u16(b, i):
    return int.from_bytes(b[i:i + 2], "big")


def g16(v):
    return "GREASE" if grease(v) else "%04x" % v


def records_to_hello(raw):
    """(record version, handshake message) from TLS records."""
    msg, i, ver = b"", 0, None
    while i + 5 <= len(raw):
        if raw[i] != 22:
            raise ValueError("not a handshake record")
        if ver is None:
            ver = u16(raw, i + 1)
        n = u16(raw, i + 3)
        msg += raw[i + 5:i + 5 + n]
        i += 5 + n
    if len(msg) < 4 or msg[0] != 1:
        raise ValueError("not a ClientHello")
    n = int.from_bytes(msg[1:4], "big")
    if len(msg) < 4 + n:
        raise ValueError("truncated ClientHello")
    return ver, msg[:4 + n]


def parse(raw):
    ver, m = records_to_hello(raw)
    h = {"record_version": ver, "len": len(m)}
    b = m[4:]
    h["client_version"] = u16(b, 0)
    p = 34
    h["sid_len"] = b[p]
    p += 1 + b[p]
    n = u16(b, p)
    h["ciphers"] = [u16(b, p + 2 + i) for i in range(0, n, 2)]
    p += 2 + n
    h["compression"] = b[p + 1:p + 1 + b[p]].hex()
    p += 1 + b[p]
    end = p + 2 + u16(b, p)
    p += 2
    exts = []
    while p < end:
        t, n = u16(b, p), u16(b, p + 2)
        exts.append((t, b[p + 4:p + 4 + n]))
        p += 4 + n
    if p != end or end != len(b):
        raise ValueError("extension lengths do not add up")
    h["exts"] = exts
    e = dict(exts)
    h["sni"] = e[0][5:].decode() if 0 in e else None
    h["groups"] = [u16(e[10], 2 + i) for i in range(0, u16(e[10], 0), 2)] if 10 in e else []
    h["sigalgs"] = [u16(e[13], 2 + i) for i in range(0, u16(e[13], 0), 2)] if 13 in e else []
    h["versions"] = [u16(e[43], 1 + i) for i in range(0, e[43][0], 2)] if 43 in e else []
    alpn = []
    if 16 in e:
        q = 2
        while q < len(e[16]):
            alpn.append(e[16][q + 1:q + 1 + e[16][q]].decode("latin1"))
            q += 1 + e[16][q]
    h["alpn"] = alpn
    shares = []
    if 0x33 in e:
        ks, q = e[0x33], 2
        while q < len(ks):
            shares.append((u16(ks, q), u16(ks, q + 2)))
            q += 4 + u16(ks, q + 2)
    h["shares"] = shares
    if 0xfe0d in e:
        x = e[0xfe0d]
        h["ech"] = {"len": len(x), "type": x[0], "kdf": u16(x, 1), "aead": u16(x, 3),
                    "enc_len": u16(x, 6), "payload_len": u16(x, 40) if len(x) >= 42 else -1}
    return h


def ja4(h):
    ciphers = [c for c in h["ciphers"] if not grease(c)]
    exts = [t for t, _ in h["exts"] if not grease(t)]
    vers = [v for v in h["versions"] if not grease(v)]
    top = max(vers) if vers else h["client_version"]
    ver = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}.get(top, "00")
    a0 = h["alpn"][0] if h["alpn"] else ""
    if not a0:
        al = "00"
    elif a0[0].isascii() and a0[0].isalnum() and a0[-1].isascii() and a0[-1].isalnum():
        al = a0[0] + a0[-1]
    else:
        x = a0.encode("latin1").hex()
        al = x[0] + x[-1]
    a = "t%s%s%02d%02d%s" % (ver, "d" if h["sni"] is not None else "i", min(len(ciphers), 99),
                             min(len(exts), 99), al)
    cs = ",".join("%04x" % c for c in sorted(ciphers))
    es = ",".join("%04x" % t for t in sorted(t for t in exts if t not in (0x0000, 0x0010)))
    ss = ",".join("%04x" % s for s in h["sigalgs"] if not grease(s))
    cstr = es + ("_" + ss if ss else "")

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    return "%s_%s_%s" % (a, h12(cs), h12(cstr) if es else "000000000000")


def masked(t, v):
    """An extension body with its GREASE entries masked."""
    v = bytearray(v)
    if t in (0x000a, 0x000d) and len(v) >= 4 and grease(u16(v, 2)):
        v[2:4] = b"GG"
    if t == 0x002b and len(v) >= 3 and grease(u16(v, 1)):
        v[1:3] = b"GG"
    return bytes(v)


def grease_positions(h):
    """Where GREASE values sit, as a comparable tuple."""
    return (tuple(i for i, c in enumerate(h["ciphers"]) if grease(c)),
            tuple(i if i < len(h["exts"]) - 1 else "last"
                  for i, (t, _) in enumerate(h["exts"]) if grease(t)),
            tuple(len(v) for t, v in h["exts"] if grease(t)),
            tuple(i for i, g in enumerate(h["groups"]) if grease(g)),
            tuple(i for i, (g, _) in enumerate(h["shares"]) if grease(g)),
            tuple(i for i, s in enumerate(h["sigalgs"]) if grease(s)),
            tuple(i for i, v in enumerate(h["versions"]) if grease(v)))


def dissect_lines(h):
    """A dissection without the per-connection random parts (diffable)."""
    out = ["record version %04x, client_version %04x, session id %d bytes, compression %s"
           % (h["record_version"], h["client_version"], h["sid_len"], h["compression"]),
           "ciphers: " + " ".join(g16(c) for c in h["ciphers"]),
           "groups: " + " ".join(g16(g) for g in h["groups"]),
           "key shares: " + " ".join("%s:%d" % (g16(g), n) for g, n in h["shares"]),
           "signature algorithms: " + " ".join(g16(s) for s in h["sigalgs"]),
           "supported versions: " + " ".join(g16(v) for v in h["versions"]),
           "ALPN: " + ",".join(h["alpn"]),
           "JA4: " + ja4(h), "extensions (sorted; order is per connection):"]
    rows = []
    for t, v in h["exts"]:
        name = "GREASE" if grease(t) else EXT_NAMES.get(t, "?")
        key = "%s" % ("GREASE" if grease(t) else "%04x" % t)
        if t == 0xfe0d:
            e = h["ech"]
            body = "type %d kdf %04x aead %04x enc %d payload 32k+16 (k=4..7)" % (
                e["type"], e["kdf"], e["aead"], e["enc_len"])
        elif t == 0x0033:
            body = "%d bytes" % len(v)
        elif grease(t):
            body = "%d bytes" % len(v)
        else:
            body = masked(t, v).hex()
            if len(body) > 64:
                body = "%s... (%d bytes, sha256 %s)" % (body[:32], len(v),
                                                        hashlib.sha256(v).hexdigest()[:12])
        rows.append("  %s %s %s" % (key, name, body))
    return out + sorted(rows)


def load(path):
    return bytes.fromhex(open(path).read().strip())


def save(path, raw):
    with open(path, "w") as f:
        f.write(raw.hex() + "\n")


# ---- capture ----

class Catcher:
    """A listener on 127.0.0.1 saving the first ClientHello of each connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.hellos = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(10)
            d = b""
            try:
                while True:
                    if len(d) >= 5:
                        try:
                            records_to_hello(d)
                            break
                        except ValueError:
                            pass
                    more = c.recv(65536)
                    if not more:
                        break
                    d += more
                    if len(d) > 65536:
                        break
            except OSError:
                pass
            c.close()
            try:
                records_to_hello(d)
                self.hellos.append(d)
            except (ValueError, IndexError):
                pass

    def close(self):
        self.stop = True
        self.sock.close()


def kill_group(proc):
    """Ends the process started here (and its children, in its own session)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=15)


def cmd_chromium(chromium, outdir, n):
    n = int(n)
    https, wss = Catcher(), Catcher()
    page = ("<!doctype html><title>hellocap</title><script>\n"
            "let i = 0, j = 0;\n"
            "function h() { if (i++ < %d) fetch('https://localhost:%d/' + i)"
            ".catch(() => {}).finally(() => setTimeout(h, 200)); else w(); }\n"
            "function w() { if (j++ < %d) { const s = new WebSocket('wss://localhost:%d/' + j);"
            " s.onclose = () => setTimeout(w, 200); } }\n"
            "h();\n</script>\n") % (n, https.port, n, wss.port)

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="chromium-profile.", dir=outdir)
    # Loopback only: localhost resolves to 127.0.0.1, every other name fails,
    # and anything not bypassing the proxy goes to a closed loopback port.
    args = [chromium, "--headless=new", "--no-sandbox", "--user-data-dir=" + profile,
            "--ignore-certificate-errors", "--no-first-run", "--no-default-browser-check",
            "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-domain-reliability", "--disable-breakpad",
            "--disable-client-side-phishing-detection", "--no-pings", "--metrics-recording-only",
            "--disable-features=OptimizationHints,MediaRouter,Translate,DnsOverHttps",
            "--host-resolver-rules=MAP localhost 127.0.0.1, MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=localhost;127.0.0.1",
            "http://localhost:%d/" % web.server_address[1]]
    log = open(os.path.join(outdir, "chromium.log"), "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if len(https.hellos) >= n and len(wss.hellos) >= n:
                break
            time.sleep(0.2)
    finally:
        kill_group(proc)
    web.shutdown()
    https.close()
    wss.close()
    subprocess.run(["rm", "-rf", profile])
    for name, c in (("https", https), ("wss", wss)):
        for i, raw in enumerate(c.hellos):
            save(os.path.join(outdir, "chromium-%s-%d.hex" % (name, i + 1)), raw)
    print("chromium: %d https and %d wss hellos" % (len(https.hellos), len(wss.hellos)))
    return 0 if https.hellos and wss.hellos else 1


def cmd_tool(tool, outdir, n):
    for prof in ("chrome", "chrome-ws"):
        for i in range(int(n)):
            with open(os.path.join(outdir, "hello-tool.err"), "a") as err:
                raw = subprocess.run([tool, prof, "localhost"], stdout=subprocess.PIPE,
                                     stderr=err, check=True, timeout=60).stdout
            save(os.path.join(outdir, "ours-%s-%d.hex" % (prof, i + 1)), raw)
    return 0


def cmd_meek(meek, outdir, prof):
    """meek-client --check connects to the front twice (TCP, then TLS): the
    listener keeps the first connection that carries a ClientHello."""
    c = Catcher()
    err = open(os.path.join(outdir, "meek-client-%s.err" % prof), "w")
    hello = [] if prof == "default" else ["--hello", prof]
    proc = subprocess.Popen([meek, "--ca", "/dev/null"] + hello + ["--check",
                             "url=https://meek.example/ front=localhost:%d" % c.port],
                            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not c.hellos and proc.poll() is None:
            time.sleep(0.1)
    finally:
        kill_group(proc)
    c.close()
    if not c.hellos:
        print("meek-client sent no ClientHello")
        return 1
    save(os.path.join(outdir, "meek-%s-1.hex" % prof), c.hellos[0])
    return 0


# ---- compare ----

def cmd_compare(ours_prefix, ref_prefix):
    ours = [parse(load(f)) for f in sorted(glob.glob(ours_prefix + "-[0-9]*.hex"))]
    ref = [parse(load(f)) for f in sorted(glob.glob(ref_prefix + "-[0-9]*.hex"))]
    label = "%s vs %s" % (os.path.basename(ours_prefix), os.path.basename(ref_prefix))
    if not ours or not ref:
        print("FAIL - %s: no hellos (%d ours, %d Chromium)" % (label, len(ours), len(ref)))
        return 1
    bad = []

    def check(desc, cond, detail=""):
        print(("ok   - " if cond else "FAIL - ") + "%s: %s%s" % (label, desc,
              "" if cond or not detail else " (" + detail + ")"))
        if not cond:
            bad.append(desc)

    o, r = ours[0], ref[0]
    jo, jr = {ja4(h) for h in ours}, {ja4(h) for h in ref}
    check("same JA4 %s" % sorted(jr)[0], jo == jr and len(jr) == 1,
          "ours %s, Chromium %s" % (sorted(jo), sorted(jr)))
    check("record version 0301, client_version 0303, 32-byte session id",
          all(h["record_version"] == 0x0301 and h["client_version"] == 0x0303
              and h["sid_len"] == 32 for h in ours + ref))
    check("same cipher list (GREASE masked)",
          {tuple(g16(c) for c in h["ciphers"]) for h in ours} ==
          {tuple(g16(c) for c in h["ciphers"]) for h in ref})
    check("same extension set", {tuple(sorted(g16(t) for t, _ in h["exts"])) for h in ours} ==
          {tuple(sorted(g16(t) for t, _ in h["exts"])) for h in ref})
    for key, desc in (("groups", "supported groups"), ("sigalgs", "signature algorithms"),
                      ("versions", "supported versions")):
        check("same %s" % desc, {tuple(map(g16, h[key])) for h in ours} ==
              {tuple(map(g16, h[key])) for h in ref})
    check("same ALPN %s" % ",".join(r["alpn"]),
          {tuple(h["alpn"]) for h in ours} == {tuple(h["alpn"]) for h in ref})
    check("GREASE at Chromium's positions",
          {grease_positions(h) for h in ours} == {grease_positions(h) for h in ref},
          "ours %s, Chromium %s" % (grease_positions(o), grease_positions(r)))
    check("key share groups and lengths %s" % " ".join("%s:%d" % (g16(g), n)
                                                       for g, n in r["shares"]),
          {tuple((g16(g), n) for g, n in h["shares"]) for h in ours} ==
          {tuple((g16(g), n) for g, n in h["shares"]) for h in ref})
    fixed_o = {t: masked(t, v) for t, v in o["exts"] if not grease(t) and t not in RANDOM_BODY}
    moved = [t for t, v in r["exts"] if not grease(t) and t not in RANDOM_BODY
             and fixed_o.get(t) != masked(t, v)]
    check("same bodies of the fixed extensions", not moved,
          "differ: " + " ".join("%04x" % t for t in moved))

    def ech_ok(h):
        e = h.get("ech")
        return (e is not None and e["type"] == 0 and e["kdf"] == 1 and e["aead"] in (1, 3)
                and e["enc_len"] == 32 and e["len"] == 42 + e["payload_len"]
                and (e["payload_len"] - 16) % 32 == 0 and 4 <= (e["payload_len"] - 16) // 32 <= 7)
    lo = sorted({h["ech"]["len"] for h in ours if "ech" in h})
    lr = sorted({h["ech"]["len"] for h in ref if "ech" in h})
    check("ECH GREASE lengths follow Chromium's rule (42 + 32k + 16, k = 4..7): ours %s, "
          "Chromium %s" % (lo, lr), all(ech_ok(h) for h in ours + ref) and
          {h["ech"]["aead"] for h in ours} == {h["ech"]["aead"] for h in ref})
    if len(ref) > 1:
        check("extension order differs between Chromium's connections",
              len({tuple(t for t, _ in h["exts"]) for h in ref}) > 1)
    if len(ours) > 1:
        check("extension order differs between our connections",
              len({tuple(t for t, _ in h["exts"]) for h in ours}) > 1)
    if bad:
        print("--- what moved: Chromium's hello (-) vs ours (+)")
        for line in difflib.unified_diff(dissect_lines(r), dissect_lines(o), "chromium",
                                         "ours", lineterm="", n=1):
            print(line)
    return 1 if bad else 0


def cmd_dissect(*files):
    for f in files:
        h = parse(load(f))
        print("== %s (%d bytes)" % (f, h["len"]))
        for line in dissect_lines(h):
            print("   " + line)
        print("   order: " + " ".join(g16(t) for t, _ in h["exts"]))
    return 0


def on_term(signum, frame):
    raise SystemExit(128 + signum)     # runs the finally blocks: kills what we started


def run_commands(argv, cmds, doc):
    """A capture tool's main (tests/h2/h2cap.py uses it too): SIGTERM runs
    the finally blocks, argv[1] names one of CMDS (else DOC, status 2)."""
    signal.signal(signal.SIGTERM, on_term)
    if len(argv) < 2 or argv[1] not in cmds:
        print(doc, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


def main(argv):
    return run_commands(argv, {"dissect": cmd_dissect,
                               "chromium": cmd_chromium, "tool": cmd_tool,
                               "meek": cmd_meek, "compare": cmd_compare},
                        __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
