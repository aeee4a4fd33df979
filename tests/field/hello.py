#!/usr/bin/env python3
"""Captures the TLS ClientHello meek-client sends to a front and prints it
field by field (the data behind doc/fingerprint.md): Chrome's hello
(tlshello, profile chrome, the default): record version 0x0301, a 32-byte
session id, GREASE then the TLS 1.3 suites first, supported_versions
offering TLS 1.3, SNI = the front, ALPN h2 then http/1.1 (meek-client
speaks HTTP/2 when the front picks it).  A listener on
127.0.0.1 takes the two connections of `meek-client --check` (the TCP step,
then the TLS step), records the first TLS record of the second, and closes;
tests/tls/hellocap.py's parser takes the hello apart.
usage: hello.py MEEK_CLIENT [OUT.bin]   (exit 1 when an expectation fails)"""
import os
import socket
import subprocess
import sys

sys.dont_write_bytecode = True   # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tls"))
from hellocap import grease, parse, u16  # noqa: E402

SUITES = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xc02b: "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02f: "ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xc02c: "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc030: "ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xcca9: "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8: "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xc023: "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xc027: "ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    0xc024: "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", 0xc028: "ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    0xc009: "ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc013: "ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0xc00a: "ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc014: "ECDHE_RSA_WITH_AES_256_CBC_SHA",
    0x009c: "RSA_WITH_AES_128_GCM_SHA256", 0x009d: "RSA_WITH_AES_256_GCM_SHA384",
    0x003c: "RSA_WITH_AES_128_CBC_SHA256", 0x003d: "RSA_WITH_AES_256_CBC_SHA256",
    0x002f: "RSA_WITH_AES_128_CBC_SHA", 0x0035: "RSA_WITH_AES_256_CBC_SHA",
}
EXTS = {0x0000: "server_name", 0x000a: "supported_groups", 0x000b: "ec_point_formats",
        0x000d: "signature_algorithms", 0x0010: "ALPN", 0xff01: "renegotiation_info",
        0x002b: "supported_versions", 0x0033: "key_share"}
GROUPS = {0x17: "secp256r1", 0x18: "secp384r1", 0x19: "secp521r1", 0x1d: "x25519",
          0x11ec: "X25519MLKEM768"}
HASH = {1: "md5", 2: "sha1", 3: "sha224", 4: "sha256", 5: "sha384", 6: "sha512"}
SIG = {1: "rsa_pkcs1", 3: "ecdsa"}

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(2)
port = srv.getsockname()[1]
proc = subprocess.Popen([sys.argv[1], "--ca", "/dev/null",
                         "--check", "url=https://meek.example/ front=localhost:%d" % port],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
c, _ = srv.accept()
c.close()
c, _ = srv.accept()
c.settimeout(10)
d = b""
while len(d) < 5 or len(d) < 5 + u16(d, 3):
    more = c.recv(4096)
    if not more:
        break
    d += more
c.close()
proc.wait(timeout=60)
if len(sys.argv) > 2:
    open(sys.argv[2], "wb").write(d)

bad = []
hello = parse(d)
print("record version %04x, handshake type %d" % (hello["record_version"], d[5]))
print("client_version %04x" % hello["client_version"])
print("random[0:4] %s (the rest random)" % d[11:15].hex())
print("session_id length %d" % hello["sid_len"])
suites = hello["ciphers"]
print("cipher_suites (%d):" % len(suites))
for s in suites:
    print("  %04x %s" % (s, "GREASE" if grease(s) else SUITES.get(s, "?")))
print("compression %s" % hello["compression"])
exts = [t for t, _ in hello["exts"]]
for t, v in hello["exts"]:
    desc = v.hex()
    if t == 0x0000:
        desc = "host_name %r" % v[5:].decode()
        if v[5:] != b"localhost":
            bad.append("SNI is not the front")
    elif t == 0x000a:
        desc = ", ".join(GROUPS.get(u16(v, i), "%04x" % u16(v, i)) for i in range(2, len(v), 2))
    elif t == 0x002b:
        vers = [u16(v, i) for i in range(1, len(v), 2)]
        desc = ", ".join("%04x" % x for x in vers)
        if 0x0304 not in vers:
            bad.append("supported_versions does not offer TLS 1.3")
    elif t == 0x000d:
        desc = ", ".join("%s_%s" % (SIG.get(v[i + 1], v[i + 1]), HASH.get(v[i], v[i]))
                         for i in range(2, len(v), 2))
    elif t == 0x0010:
        protos, i = [], 2
        while i < len(v):
            protos.append(v[i + 1:i + 1 + v[i]].decode())
            i += 1 + v[i]
        desc = ", ".join(protos)
        if protos != ["h2", "http/1.1"]:
            bad.append("ALPN is not h2, http/1.1")
    print("ext %04x %-20s %s" % (t, EXTS.get(t, "?"), desc))
if 0x0000 not in exts:
    bad.append("no SNI")
if 0x0010 not in exts:
    bad.append("no ALPN")
if hello["client_version"] != 0x0303:
    bad.append("legacy client_version is not 0x0303")
if hello["record_version"] != 0x0301:
    bad.append("record version is not 0x0301 (Chrome's)")
if hello["sid_len"] != 32:
    bad.append("session id is not 32 bytes (TLS 1.3 compatibility mode)")
if 0x002b not in exts:
    bad.append("no supported_versions")
if not suites or not grease(suites[0]) or len(suites) < 2 or suites[1] not in (0x1301, 0x1303):
    bad.append("suites do not start with GREASE and a TLS 1.3 suite")
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
