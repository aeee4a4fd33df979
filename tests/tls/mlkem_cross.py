#!/usr/bin/env python3
"""Cross-checks shared/mlkem (through tests/tls/mlkem-tool) with python
cryptography's ML-KEM-768 (OpenSSL's implementation).

usage: mlkem_cross.py TOOL [ROUNDS]
Prints one "ok   - " / "FAIL - " line per check; exits 0 when all passed,
1 when one failed, 77 when cryptography has no ML-KEM."""
import os
import subprocess
import sys

try:
    from cryptography.hazmat.primitives.asymmetric import mlkem
    mlkem.MLKEM768PrivateKey.from_seed_bytes(os.urandom(64))
except Exception as e:  # ImportError, UnsupportedAlgorithm, AttributeError
    print("SKIP - python cryptography without ML-KEM-768 seed keys: %r" % e)
    sys.exit(77)


class Tool:
    def __init__(self, path, err):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=err, text=True)

    def ask(self, *words):
        self.p.stdin.write(" ".join(words) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("mlkem-tool died")
        return line.split()

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=60)


def main():
    tool_path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    err = open(os.environ.get("MLKEM_TOOL_ERR", os.devnull), "w")
    tool = Tool(tool_path, err)
    failed = 0
    counts = {}
    bad = {}

    def check(name, cond):
        nonlocal failed
        counts[name] = counts.get(name, 0) + 1
        if not cond:
            failed += 1
            bad[name] = bad.get(name, 0) + 1
            print("FAIL - %s (round %d)" % (name, r))

    for r in range(rounds):
        # our keygen from a seed == python's from the same seed (d || z)
        seed = os.urandom(64)
        ek_hex, dk_hex = tool.ask("keygen", seed[:32].hex(), seed[32:].hex())
        ek, dk = bytes.fromhex(ek_hex), bytes.fromhex(dk_hex)
        priv = mlkem.MLKEM768PrivateKey.from_seed_bytes(seed)
        pub = priv.public_key()
        check("ek from seed equals python's", pub.public_bytes_raw() == ek)
        check("dk embeds ek and z", dk[1152:2336] == ek and dk[2368:] == seed[32:])

        # python encaps to our ek -> our decaps agrees
        ss, ct = mlkem.MLKEM768PublicKey.from_public_bytes(ek).encapsulate()
        (ours,) = tool.ask("decaps", dk_hex, ct.hex())
        check("our decaps of python's ciphertext", bytes.fromhex(ours) == ss)

        # a modified ciphertext: both reject implicitly, to the same key
        mod = bytearray(ct)
        i = int.from_bytes(os.urandom(2), "big") % len(mod)
        mod[i] ^= 1 << (r % 8)
        (ours,) = tool.ask("decaps", dk_hex, bytes(mod).hex())
        theirs = priv.decapsulate(bytes(mod))
        check("implicit rejection matches python's", bytes.fromhex(ours) == theirs)
        check("implicit rejection differs from the key", theirs != ss)

        # python keygen -> our encaps (random m) -> python decaps agrees
        priv2 = mlkem.MLKEM768PrivateKey.generate()
        ek2 = priv2.public_key().public_bytes_raw()
        ct_hex, ss_hex = tool.ask("encaps_random", ek2.hex())
        check("python decaps of our ciphertext",
              priv2.decapsulate(bytes.fromhex(ct_hex)) == bytes.fromhex(ss_hex))

        # our keygen_random -> python encaps -> our decaps
        ek3_hex, dk3_hex = tool.ask("keygen_random")
        ss3, ct3 = mlkem.MLKEM768PublicKey.from_public_bytes(
            bytes.fromhex(ek3_hex)).encapsulate()
        (ours,) = tool.ask("decaps", dk3_hex, ct3.hex())
        check("our random keys with python's encaps", bytes.fromhex(ours) == ss3)

        # an ek with a coefficient >= q: both refuse it
        bad_ek = bytearray(ek)
        j = 3 * (int.from_bytes(os.urandom(2), "big") % 384)
        bad_ek[j] = 0xff
        bad_ek[j + 1] |= 0x0f
        ans = tool.ask("encaps_random", bytes(bad_ek).hex())
        try:
            mlkem.MLKEM768PublicKey.from_public_bytes(bytes(bad_ek))
            py_rejects = False
        except ValueError:
            py_rejects = True
        check("ek over the modulus refused by both", ans[0] == "error" and py_rejects)

    rc = tool.close()
    r = rounds
    check("mlkem-tool exits 0", rc == 0)
    for name, n in counts.items():
        if name not in bad:
            print("ok   - %s (%d of %d)" % (name, n, n))
    print("mlkem_cross: %d rounds, %d failure(s)" % (rounds, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
