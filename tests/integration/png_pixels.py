"""Decoding a screenshot PNG into an RGB pixel array, for the report-tab browser tests.

Handles what Chromium writes: 8-bit RGB or RGBA, not interlaced, any of the five row
filters (PNG spec, section 9). Anything else raises, naming what the file holds.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at bit depth 8


def decode_rgb(png: bytes) -> np.ndarray:
    """The image as a ``(height, width, 3)`` array of ``uint8`` (alpha dropped)."""
    if not png.startswith(SIGNATURE):
        raise ValueError(f"not a PNG: starts with {png[:8]!r}")
    header, data = _chunks(png)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(
            f"PNG with bit depth {depth}, colour type {colour}, interlace {interlace}: only 8-bit "
            "RGB/RGBA without interlacing is decoded here"
        )
    bpp = _CHANNELS[colour]
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(data), dtype=np.uint8)
    if raw.size != height * (stride + 1):
        raise ValueError(f"PNG data holds {raw.size} bytes, expected {height * (stride + 1)}")
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        out[y] = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, bpp)
        previous = out[y]
    return out.reshape(height, width, bpp)[:, :, :3]


def _chunks(png: bytes) -> tuple[bytes, bytes]:
    pos, header, data = len(SIGNATURE), b"", []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data.append(body)
        elif kind == b"IEND":
            break
    return header, b"".join(data)


def _unfilter(kind: int, row: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:  # None
        return row
    if kind == 2:  # Up
        return row + up  # uint8 arithmetic wraps modulo 256, as the spec's does
    if kind == 1:  # Sub: a running sum per channel
        return np.cumsum(row.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
    if kind not in (3, 4):
        raise ValueError(f"PNG row filter {kind} does not exist (0-4)")
    # Average and Paeth depend on the byte just decoded to the left: byte by byte.
    cur, above = bytearray(row.tobytes()), up.tobytes()
    for i in range(len(cur)):
        left = cur[i - bpp] if i >= bpp else 0
        if kind == 3:
            cur[i] = (cur[i] + ((left + above[i]) >> 1)) & 0xFF
        else:
            corner = above[i - bpp] if i >= bpp else 0
            cur[i] = (cur[i] + paeth(left, above[i], corner)) & 0xFF
    return np.frombuffer(bytes(cur), dtype=np.uint8)


def paeth(a: int, b: int, c: int) -> int:
    """The PNG Paeth predictor of a byte from its left, upper and upper-left neighbours."""
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c
