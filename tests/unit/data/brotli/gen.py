#!/usr/bin/env python3
# Writes the brotli streams of tests/unit/test_tlsmsg.c next to itself
# (needs libbrotlienc.so.1, which meek-c itself never links).  Not run by
# make check: the outputs are kept in the tree.
#   cert13-4x25000-w24.br  test_tlsmsg.c's cert13(4, 25000) body (100043
#                          bytes), quality 11, lgwin 24
#   zeros-16m-w24.br       16 MiB of zeros, quality 11, lgwin 24 (16 MiB window)
#   zeros-16m-w17.br       the same with lgwin 17 (128 KiB window)
import ctypes, os, struct

os.chdir(os.path.dirname(os.path.abspath(__file__)))
enc = ctypes.CDLL('libbrotlienc.so.1')
enc.BrotliEncoderCompress.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
    ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p]
enc.BrotliEncoderCompress.restype = ctypes.c_int
def compress(data, q, lgwin):
    cap = len(data) + 1024
    out = ctypes.create_string_buffer(cap)
    n = ctypes.c_size_t(cap)
    assert enc.BrotliEncoderCompress(q, lgwin, 0, len(data), data, ctypes.byref(n), out)
    return out.raw[:n.value]
def u24(v): return struct.pack('>I', v)[1:]
def cert13(n, size):
    lst = b''
    for i in range(n):
        e = u24(size) + bytes([0x30 + i]) * size
        ext = b''
        if i == 0:
            sr = b'\x01' + u24(3) + b'\x30\x01\x00'
            ext = struct.pack('>HH', 5, len(sr)) + sr + struct.pack('>HH', 18, 4) + b'\x00\x02\xab\xcd'
        e += struct.pack('>H', len(ext)) + ext
        lst += e
    return b'\x00' + u24(len(lst)) + lst
plain = cert13(4, 25000)
assert len(plain) == 100043
open('cert13-4x25000-w24.br', 'wb').write(compress(plain, 11, 24))
zeros = bytes(16 * 1024 * 1024)
open('zeros-16m-w24.br', 'wb').write(compress(zeros, 11, 24))
open('zeros-16m-w17.br', 'wb').write(compress(zeros, 11, 17))
