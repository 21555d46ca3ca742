#!/usr/bin/env python3
"""Draws Trawl's icon (a net's mesh over deep water) as PNGs with the standard library only.

Run from the repository root: python3 icons/make_icons.py
"""
import math
import struct
import zlib


def png(path, size):
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            u, v = (x + 0.5) / size, (y + 0.5) / size
            # rounded square mask
            r = 0.18
            dx, dy = max(abs(u - 0.5) - (0.5 - r), 0), max(abs(v - 0.5) - (0.5 - r), 0)
            inside = math.hypot(dx, dy) <= r
            if not inside:
                row += bytes([0, 0, 0, 0])
                continue
            # deep-water gradient
            c = (int(12 + 20 * v), int(52 + 60 * v), int(96 + 70 * v))
            # net mesh: diagonal lines, sagging like a trawl net
            sag = 0.06 * math.sin(math.pi * u)
            a = (u + v + sag) * 6
            b = (u - v - sag) * 6
            line = min(abs(a - round(a)), abs(b - round(b)))
            if line < 0.07 and 0.15 < v < 0.9:
                c = (230, 200, 120)
            row += bytes([c[0], c[1], c[2], 255])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    png(f"icons/{name}", size)
