"""Reader for W&B's ``.wandb`` transaction log (a LevelDB-style record log).

Layout, as written by wandb-core: a 7-byte file header (``:W&B``, magic ``0xBEE1`` little
endian, version byte), then 32 KiB blocks of chunks. Each chunk has a 7-byte header
(CRC-32 of type byte + payload, payload length ``uint16``, type) and a payload; a record is
one FULL chunk or FIRST, MIDDLE..., LAST chunks. A block tail shorter than a chunk header is
padding. Each record is one serialized ``wandb_internal_pb2.Record``.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from typing import Any

_FILE_IDENT = b":W&B"
_FILE_MAGIC = 0xBEE1
_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK_SIZE = 32 * 1024

_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


class RecordLogError(ValueError):
    """The file is not a W&B record log."""


def iter_record_payloads(path: str | os.PathLike[str], start_block: int = 0) -> Iterator[bytes]:
    """Every complete record payload in the log, in order, from block ``start_block`` on
    (records continuing from an earlier block are skipped).

    A truncated tail (a run still writing, or one that crashed) ends the iteration quietly;
    a chunk whose checksum does not match skips the rest of its block, as LevelDB does.
    """
    with open(path, "rb") as fh:
        head = fh.read(_FILE_HEADER.size)
        _check_file_header(path, head)
        if start_block > 0:
            fh.seek(start_block * _BLOCK_SIZE)
            block, pos = fh.read(_BLOCK_SIZE), 0
        else:
            block = head + fh.read(_BLOCK_SIZE - len(head))
            pos = _FILE_HEADER.size
        pending: list[bytes] | None = None
        while block:
            if _BLOCK_SIZE - pos < _CHUNK_HEADER.size or pos + _CHUNK_HEADER.size > len(block):
                if len(block) < _BLOCK_SIZE:
                    return
                block, pos = fh.read(_BLOCK_SIZE), 0
                continue
            crc, length, kind = _CHUNK_HEADER.unpack_from(block, pos)
            start = pos + _CHUNK_HEADER.size
            payload = block[start : start + length]
            if len(payload) < length:
                return
            if zlib.crc32(payload, zlib.crc32(bytes((kind,)))) != crc:
                pending, pos = None, _BLOCK_SIZE
                continue
            pos = start + length
            if kind == _FULL:
                pending = None
                yield payload
            elif kind == _FIRST:
                pending = [payload]
            elif kind == _MIDDLE and pending is not None:
                pending.append(payload)
            elif kind == _LAST and pending is not None:
                pending.append(payload)
                yield b"".join(pending)
                pending = None


def _check_file_header(path: str | os.PathLike[str], head: bytes) -> None:
    if len(head) < _FILE_HEADER.size:
        raise RecordLogError(f"{os.fspath(path)!r} is empty or too short to be a W&B record log.")
    ident, magic, _version = _FILE_HEADER.unpack(head)
    if ident != _FILE_IDENT or magic != _FILE_MAGIC:
        raise RecordLogError(f"{os.fspath(path)!r} is not a W&B record log (expected a run-<id>.wandb file).")


def last_record_payload(path: str | os.PathLike[str]) -> bytes | None:
    """The last complete record, read from the file's tail only."""
    blocks = max(0, (os.path.getsize(path) - 1) // _BLOCK_SIZE)
    # A record can span blocks: start early enough that the last one begins inside the window.
    for start in (max(0, blocks - 1), max(0, blocks - 8), 0):
        last = None
        for last in iter_record_payloads(path, start):  # noqa: B007
            pass
        if last is not None:
            return last
    return None


def parse_record(payload: bytes) -> Any:
    """Decode one payload as ``wandb_internal_pb2.Record``."""
    from wandb.proto import wandb_internal_pb2 as pb

    record = pb.Record()  # type: ignore[attr-defined]  # generated protobuf class
    record.ParseFromString(payload)
    return record
