#!/usr/bin/env python3
"""hostile.py: a small scripted TLS 1.3 server that misbehaves on purpose.

    hostile.py --cert C --key K --mode MODE [--accepts N]

Listens on 127.0.0.1 (a free port), prints "LISTEN 127.0.0.1:PORT", then
serves up to N connections (default 8) and exits.  Written from RFC 8446
with Python's cryptography for the primitives, so that every message can be
bent: the client under test must fail closed on each MODE but "ok".

Modes:
  ok                 a correct handshake (X25519 or, after an HRR, P-256;
                     TLS_AES_128_GCM_SHA256, ECDSA P-256 or RSA-PSS after the
                     key given), then an HTTP answer
  hrr                a correct HelloRetryRequest (P-256, with a cookie) first
  bad-cv             CertificateVerify signed over the wrong transcript
  bad-finished       server Finished with one bit flipped
  truncated          the ServerHello cut short, then a close
  oversized          a handshake message claiming 16 MiB after the ServerHello
  misordered         Certificate before EncryptedExtensions
  hrr-cookie         a correct HelloRetryRequest with a cookie only (no
                     key_share, as openssl s_server -stateless sends when the
                     first shares were acceptable); the second hello must
                     carry the cookie and the first hello's key_share
                     unchanged, then X25519 completes as in ok
  hrr-nochange       a HelloRetryRequest with neither key_share nor cookie:
                     it would change nothing (RFC 8446 4.1.4), the client
                     must send illegal_parameter (the result line says which
                     alert came: "got alert illegal_parameter")
  hrr-twice          a second HelloRetryRequest answering the second hello
  group-not-offered  a ServerHello whose key_share names P-521 (not offered)
  downgrade          a TLS 1.2 ServerHello carrying the TLS 1.3 downgrade sentinel
  bad-record         the encrypted flight with a corrupted authentication tag
  mldsa              a CertificateVerify naming ML-DSA-65 (0x0905), which
                     Chrome offers and BearSSL cannot verify
  alert              a fatal handshake_failure alert instead of a ServerHello
  compressed         as ok, but the Certificate sent as a brotli
                     CompressedCertificate (RFC 8879; libbrotlienc via ctypes)
  compressed-bad     a CompressedCertificate whose uncompressed_length is
                     one byte more than the certificate message

For every connection one line goes to stderr:
  "conn N mode M: result R app_data=yes|no"
app_data=yes means the client sent application data (a request) after the
server's flight, which no failing mode may ever see.
"""
import argparse
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import load_pem_x509_certificates

HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
ALERTS = {10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
          40: "handshake_failure", 42: "bad_certificate", 47: "illegal_parameter",
          50: "decode_error", 51: "decrypt_error", 70: "protocol_version",
          80: "internal_error", 109: "missing_extension"}
TLS13 = 0x0304
SUITE = 0x1301


class Closed(Exception):
    pass


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            raise Closed()
        b += d
    return b


def read_record(s):
    h = recv_exact(s, 5)
    n = struct.unpack(">H", h[3:5])[0]
    return h[0], h, recv_exact(s, n)


def u8(b):
    return struct.pack("B", len(b)) + b


def u16(b):
    return struct.pack(">H", len(b)) + b


def u24(b):
    return struct.pack(">I", len(b))[1:] + b


def hs(t, body):
    return struct.pack("B", t) + u24(body)


def ext(t, body):
    return struct.pack(">H", t) + u16(body)


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand_label(secret, label, ctx, n):
    info = struct.pack(">H", n) + u8(b"tls13 " + label) + u8(ctx)
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def derive(secret, label, transcript):
    return expand_label(secret, label, hashlib.sha256(transcript).digest(), 32)


class Dir:
    """One direction of record protection (TLS_AES_128_GCM_SHA256)."""

    def __init__(self, secret):
        self.aead = AESGCM(expand_label(secret, b"key", b"", 16))
        self.iv = expand_label(secret, b"iv", b"", 12)
        self.seq = 0

    def nonce(self):
        n = bytes(4) + struct.pack(">Q", self.seq)
        self.seq += 1
        return bytes(a ^ b for a, b in zip(self.iv, n))

    def seal(self, ctype, data, corrupt=False):
        n = len(data) + 1 + 16
        hdr = b"\x17\x03\x03" + struct.pack(">H", n)
        ct = self.aead.encrypt(self.nonce(), data + bytes([ctype]), hdr)
        if corrupt:
            ct = ct[:-1] + bytes([ct[-1] ^ 1])
        return hdr + ct

    def open(self, hdr, body):
        pt = self.aead.decrypt(self.nonce(), body, hdr).rstrip(b"\x00")
        return pt[-1], pt[:-1]


def parse_client_hello(msg):
    """Returns (session_id, {ext type: data}) of a ClientHello message."""
    assert msg[0] == 1, "not a ClientHello"
    p = 4 + 2 + 32
    sid = msg[p + 1:p + 1 + msg[p]]
    p += 1 + msg[p]
    p += 2 + struct.unpack(">H", msg[p:p + 2])[0]
    p += 1 + msg[p]
    end = p + 2 + struct.unpack(">H", msg[p:p + 2])[0]
    p += 2
    exts = {}
    while p < end:
        t, n = struct.unpack(">HH", msg[p:p + 4])
        exts[t] = msg[p + 4:p + 4 + n]
        p += 4 + n
    return sid, exts


def key_shares(data):
    out, p = {}, 2
    while p < len(data):
        g, n = struct.unpack(">HH", data[p:p + 4])
        out[g] = data[p + 4:p + 4 + n]
        p += 4 + n
    return out


def read_handshake_message(s):
    """One plaintext handshake message (skipping a ChangeCipherSpec)."""
    buf = b""
    while True:
        ctype, _, body = read_record(s)
        if ctype == 20:
            continue
        if ctype != 22:
            raise Closed()
        buf += body
        if len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", b"\0" + buf[1:4])[0]:
            return buf


def brotli_compress(data):
    """Brotli through libbrotlienc (Debian libbrotli1) with ctypes."""
    name = ctypes.util.find_library("brotlienc") or "libbrotlienc.so.1"
    lib = ctypes.CDLL(name)
    cap = len(data) + (len(data) >> 2) + 1024
    out = ctypes.create_string_buffer(cap)
    n = ctypes.c_size_t(cap)
    # BrotliEncoderCompress(quality, lgwin, mode, size, in, *out_size, out)
    if not lib.BrotliEncoderCompress(11, 22, 0, ctypes.c_size_t(len(data)),
                                     data, ctypes.byref(n), out):
        raise RuntimeError("BrotliEncoderCompress failed")
    return out.raw[:n.value]


def server_hello(random, sid, group, share, version_ext=True):
    exts = b""
    if version_ext:
        exts += ext(43, struct.pack(">H", TLS13))
    if share is None:
        exts += ext(51, struct.pack(">H", group))
    else:
        exts += ext(51, struct.pack(">H", group) + u16(share))
    return hs(2, struct.pack(">H", 0x0303) + random + u8(sid) +
              struct.pack(">HB", SUITE, 0) + u16(exts))


def serve(conn, mode, chain, key):
    """Runs one handshake in `mode`; returns (result, app_data_seen)."""
    ch1 = read_handshake_message(conn)
    sid, exts = parse_client_hello(ch1)
    transcript = ch1
    shares = key_shares(exts.get(51, b"\0\0"))
    if mode == "alert":
        conn.sendall(b"\x15\x03\x03\x00\x02\x02\x28")
        return finish_without_app(conn, "sent a handshake_failure alert")
    if mode == "downgrade":
        random = os.urandom(24) + b"DOWNGRD\x01"
        exts12 = ext(0xff01, b"\x00") + ext(23, b"")
        sh = hs(2, struct.pack(">H", 0x0303) + random + u8(sid) +
                struct.pack(">HB", 0xc02b, 0) + u16(exts12))
        conn.sendall(b"\x16\x03\x03" + u16(sh))
        return finish_without_app(conn, "sent downgrade ServerHello")
    if mode == "group-not-offered":
        share = ec.generate_private_key(ec.SECP521R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        sh = server_hello(os.urandom(32), sid, 0x0019, share)
        conn.sendall(b"\x16\x03\x03" + u16(sh))
        return finish_without_app(conn, "sent P-521 key share")
    if mode == "hrr-nochange":
        hrr = hs(2, struct.pack(">H", 0x0303) + HRR_RANDOM + u8(sid) +
                 struct.pack(">HB", SUITE, 0) +
                 u16(ext(43, struct.pack(">H", TLS13))))
        conn.sendall(b"\x16\x03\x03" + u16(hrr))
        return finish_without_app(conn, "sent a HelloRetryRequest changing nothing")
    if mode == "hrr-cookie":
        cookie = os.urandom(48)
        hrr = hs(2, struct.pack(">H", 0x0303) + HRR_RANDOM + u8(sid) +
                 struct.pack(">HB", SUITE, 0) +
                 u16(ext(43, struct.pack(">H", TLS13)) + ext(44, u16(cookie))))
        conn.sendall(b"\x16\x03\x03" + u16(hrr))
        synthetic = b"\xfe\x00\x00\x20" + hashlib.sha256(ch1).digest()
        # read_handshake_message skips the compatibility ChangeCipherSpec
        # Chrome sends before its second hello.
        ch2 = read_handshake_message(conn)
        _, exts2 = parse_client_hello(ch2)
        if exts2.get(44) != u16(cookie):
            return "second hello without our cookie", False
        if exts2.get(51) != exts.get(51):
            return "second hello changed its key_share", False
        if 0x001d not in shares:
            return "no X25519 share offered", False
        transcript = synthetic + hrr + ch2
    if mode in ("hrr", "hrr-twice"):
        cookie = os.urandom(32)
        hrr = hs(2, struct.pack(">H", 0x0303) + HRR_RANDOM + u8(sid) +
                 struct.pack(">HB", SUITE, 0) +
                 u16(ext(43, struct.pack(">H", TLS13)) +
                     ext(51, struct.pack(">H", 0x0017)) +
                     ext(44, u16(cookie))))
        conn.sendall(b"\x16\x03\x03" + u16(hrr))
        synthetic = b"\xfe\x00\x00\x20" + hashlib.sha256(ch1).digest()
        ch2 = read_handshake_message(conn)
        if mode == "hrr-twice":
            conn.sendall(b"\x16\x03\x03" + u16(hrr))
            return finish_without_app(conn, "sent a second HelloRetryRequest")
        _, exts2 = parse_client_hello(ch2)
        if exts2.get(44) != u16(cookie):
            return "second hello without our cookie", False
        shares = key_shares(exts2.get(51, b"\0\0"))
        transcript = synthetic + hrr + ch2
        if 0x0017 not in shares:
            return "second hello without a P-256 share", False
        priv = ec.generate_private_key(ec.SECP256R1())
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), shares[0x0017])
        shared = priv.exchange(ec.ECDH(), peer)
        group, mine = 0x0017, priv.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    else:
        if 0x001d not in shares:
            return "no X25519 share offered", False
        priv = x25519.X25519PrivateKey.generate()
        shared = priv.exchange(x25519.X25519PublicKey.from_public_bytes(shares[0x001d]))
        group, mine = 0x001d, priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sh = server_hello(os.urandom(32), sid, group, mine)
    if mode == "truncated":
        conn.sendall(b"\x16\x03\x03" + u16(sh)[:40])
        conn.shutdown(socket.SHUT_WR)
        return finish_without_app(conn, "sent a truncated ServerHello")
    conn.sendall(b"\x16\x03\x03" + u16(sh))
    transcript += sh
    early = hkdf_extract(bytes(32), bytes(32))
    hsec = hkdf_extract(derive(early, b"derived", b""), shared)
    c_hs = derive(hsec, b"c hs traffic", transcript)
    s_hs = derive(hsec, b"s hs traffic", transcript)
    out, inp = Dir(s_hs), Dir(c_hs)
    ee = hs(8, u16(b""))
    if mode == "oversized":
        conn.sendall(out.seal(22, ee + b"\x0b\xff\xff\xff" + bytes(64)))
        return finish_without_app(conn, "sent a 16 MiB Certificate header")
    cert = hs(11, u8(b"") + u24(b"".join(u24(c) + u16(b"") for c in chain)))
    if mode in ("compressed", "compressed-bad"):
        # The transcript holds the CompressedCertificate as sent (RFC 8879 4).
        algs = exts.get(27, b"\x00")[1:]
        if 2 not in struct.unpack(">%dH" % (len(algs) // 2), algs[:len(algs) // 2 * 2]):
            return "client offered no brotli certificate compression", False
        body = cert[4:]
        n = len(body) + (1 if mode == "compressed-bad" else 0)
        cert = hs(25, struct.pack(">H", 2) + struct.pack(">I", n)[1:] +
                  u24(brotli_compress(body)))
    msgs = [cert, ee] if mode == "misordered" else [ee, cert]
    transcript += ee + cert
    signed = transcript if mode != "bad-cv" else transcript + b"x"
    content = (b"\x20" * 64 + b"TLS 1.3, server CertificateVerify\x00" +
               hashlib.sha256(signed).digest())
    if isinstance(key, rsa.RSAPrivateKey):
        # rsa_pss_rsae_sha256: PSS, MGF1 SHA-256, salt = hash length.
        sig = key.sign(content, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                       hashes.SHA256())
        scheme = 0x0804
    else:
        sig = key.sign(content, ec.ECDSA(hashes.SHA256()))
        scheme = 0x0403
    if mode == "mldsa":
        scheme, sig = 0x0905, os.urandom(3309)   # ML-DSA-65's signature size
    cv = hs(15, struct.pack(">H", scheme) + u16(sig))
    transcript += cv
    fkey = expand_label(s_hs, b"finished", b"", 32)
    verify = hmac.new(fkey, hashlib.sha256(transcript).digest(), hashlib.sha256).digest()
    if mode == "bad-finished":
        verify = bytes([verify[0] ^ 0x80]) + verify[1:]
    fin = hs(20, verify)
    transcript += fin
    flight = b"".join(msgs) + cv + fin
    conn.sendall(out.seal(22, flight, corrupt=(mode == "bad-record")))
    if mode not in ("ok", "hrr", "hrr-cookie", "compressed"):
        return finish_without_app(conn, "sent the bent flight", inp)
    # The client's Finished (maybe after a compatibility ChangeCipherSpec).
    while True:
        ctype, hdr, body = read_record(conn)
        if ctype == 20:
            continue
        itype, data = inp.open(hdr, body)
        break
    cfkey = expand_label(c_hs, b"finished", b"", 32)
    want = hs(20, hmac.new(cfkey, hashlib.sha256(transcript).digest(),
                           hashlib.sha256).digest())
    if itype != 22 or data != want:
        return "bad client Finished", False
    msec = hkdf_extract(derive(hsec, b"derived", b""), bytes(32))
    c_ap = derive(msec, b"c ap traffic", transcript)
    s_ap = derive(msec, b"s ap traffic", transcript)
    inp, out = Dir(c_ap), Dir(s_ap)
    request = b""
    while b"\r\n\r\n" not in request:
        ctype, hdr, body = read_record(conn)
        itype, data = inp.open(hdr, body)
        if itype == 23:
            request += data
        elif itype == 21:
            return "client alert after the handshake", bool(request)
    answer = b"hostile.py ok\n"
    conn.sendall(out.seal(23, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                          b"Content-Type: application/octet-stream\r\n\r\n%s"
                          % (len(answer), answer)))
    try:
        conn.settimeout(2)
        read_record(conn)
    except (Closed, OSError):
        pass
    return "handshake completed and answered", True


def finish_without_app(conn, what, inp=None):
    """Reads what the client sends after a bent message until it closes:
    an alert is fine, anything that is not an alert is application data."""
    app, alert = False, None
    conn.settimeout(10)
    try:
        while True:
            ctype, hdr, body = read_record(conn)
            if ctype == 21 and len(body) == 2 and alert is None:
                alert = body[1]
            if ctype == 21 or ctype == 20:
                continue
            if ctype == 23 and inp is not None:
                try:
                    itype, _ = inp.open(hdr, body)
                    if itype == 21:
                        continue
                except Exception:
                    pass
            app = True
    except (Closed, OSError, AssertionError):
        pass
    if alert is not None:
        what += "; got alert %s" % ALERTS.get(alert, str(alert))
    return what, app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--accepts", type=int, default=8)
    a = ap.parse_args()
    chain = [c.public_bytes(serialization.Encoding.DER)
             for c in load_pem_x509_certificates(open(a.cert, "rb").read())]
    key = serialization.load_pem_private_key(open(a.key, "rb").read(), None)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    ls.settimeout(120)
    print("LISTEN 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
    for n in range(a.accepts):
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            break
        conn.settimeout(20)
        try:
            result, app = serve(conn, a.mode, chain, key)
        except (Closed, OSError, AssertionError, struct.error) as e:
            result, app = "client closed (%s)" % type(e).__name__, False
        except Exception as e:  # a decryption failure of the client's records
            result, app = "error %s" % type(e).__name__, False
        print("conn %d mode %s: result %s app_data=%s"
              % (n, a.mode, result, "yes" if app else "no"),
              file=sys.stderr, flush=True)
        conn.close()


if __name__ == "__main__":
    main()
