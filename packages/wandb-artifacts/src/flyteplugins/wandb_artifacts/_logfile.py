"""Reader for W&B's ``.wandb`` transaction log (a LevelDB-style record log).

Layout, as written by wandb-core: a 7-byte file header (``:W&B``, magic ``0xBEE1`` little
endian, version byte), then 32 KiB blocks of chunks. Each chunk has a 7-byte header
(CRC-32 of type byte + payload, payload length ``uint16``, type) and a payload; a record is
one FULL chunk or FIRST, MIDDLE..., LAST chunks. A block tail shorter than a chunk header is
padding. Each record is one serialized ``wandb_internal_pb2.Record`` (decoded by
:func:`._compat.parse_record`). The header's constants are wandb's, kept in :mod:`._compat`.

Damage is skipped, never silently: what a read could not use is counted in a
:class:`LogDamage` the caller passes in.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ._compat import RECORD_LOG_IDENT, RECORD_LOG_MAGIC, RECORD_LOG_VERSIONS
from ._errors import RecordLogError, SdkChangedError

_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK_SIZE = 32 * 1024

_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


@dataclass
class LogDamage:
    """What reading record logs had to skip; all zero for an intact log."""

    corrupt_blocks: int = 0  # a chunk failed its checksum: the rest of its block is skipped
    corrupt_bytes: int = 0
    broken_records: int = 0  # records that lost a chunk (to corruption or an interrupted write)
    undecodable_records: int = 0  # complete, checksummed records that are not valid protobuf
    truncated_bytes: int = 0  # an incomplete last chunk (a log cut short, or still being written)

    def __bool__(self) -> bool:
        return any(
            (
                self.corrupt_blocks,
                self.broken_records,
                self.undecodable_records,
                self.truncated_bytes,
            )
        )

    def add(self, other: LogDamage) -> None:
        self.corrupt_blocks += other.corrupt_blocks
        self.corrupt_bytes += other.corrupt_bytes
        self.broken_records += other.broken_records
        self.undecodable_records += other.undecodable_records
        self.truncated_bytes += other.truncated_bytes

    def describe(self) -> str:
        """E.g. ``1 corrupt block skipped (32,761 bytes), 2 broken records``; "" if intact."""
        parts = []
        if self.corrupt_blocks:
            parts.append(
                f"{self.corrupt_blocks:,} corrupt block(s) skipped ({self.corrupt_bytes:,} bytes, "
                "checksum mismatch)"
            )
        if self.broken_records:
            parts.append(f"{self.broken_records:,} record(s) broken by lost chunks skipped")
        if self.undecodable_records:
            parts.append(f"{self.undecodable_records:,} undecodable record(s) skipped")
        if self.truncated_bytes:
            parts.append(f"truncated tail ({self.truncated_bytes:,} bytes of an incomplete record)")
        return ", ".join(parts)


def iter_record_payloads(
    path: str | os.PathLike[str], start_block: int = 0, damage: LogDamage | None = None
) -> Iterator[bytes]:
    """Every complete record payload in the log, in order, from block ``start_block`` on
    (records continuing from an earlier block are skipped).

    A chunk whose checksum does not match skips the rest of its block, as LevelDB does; a
    truncated tail (a run still writing, or one that crashed) ends the iteration. Both are
    counted in ``damage`` if given (a read from ``start_block > 0`` counts nothing).
    """
    seen = damage if damage is not None and start_block == 0 else LogDamage()
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
                    _count_tail(seen, len(block) - pos, pending)
                    return
                block, pos = fh.read(_BLOCK_SIZE), 0
                continue
            crc, length, kind = _CHUNK_HEADER.unpack_from(block, pos)
            start = pos + _CHUNK_HEADER.size
            payload = block[start : start + length]
            if len(payload) < length and start + length <= _BLOCK_SIZE:
                _count_tail(seen, len(block) - pos, pending)
                return
            # (a chunk never crosses a block: a longer one has a damaged header)
            if len(payload) < length or zlib.crc32(payload, zlib.crc32(bytes((kind,)))) != crc:
                seen.corrupt_blocks += 1
                seen.corrupt_bytes += len(block) - pos
                seen.broken_records += int(pending is not None)
                pending, pos = None, _BLOCK_SIZE
                continue
            pos = start + length
            if kind in (_FULL, _FIRST) and pending is not None:
                seen.broken_records += 1  # the previous record never got its LAST chunk
                pending = None
            if kind == _FULL:
                yield payload
            elif kind == _FIRST:
                pending = [payload]
            elif kind in (_MIDDLE, _LAST) and pending is not None:
                pending.append(payload)
                if kind == _LAST:
                    yield b"".join(pending)
                    pending = None
            elif kind != _MIDDLE:  # the LAST chunk of a record whose start was lost, or an unknown type
                seen.broken_records += 1
        _count_tail(seen, 0, pending)


def _count_tail(damage: LogDamage, leftover: int, pending: list[bytes] | None) -> None:
    if pending is not None:
        leftover += sum(len(p) + _CHUNK_HEADER.size for p in pending)
    damage.truncated_bytes += max(0, leftover)


def _check_file_header(path: str | os.PathLike[str], head: bytes) -> None:
    if len(head) < _FILE_HEADER.size:
        raise RecordLogError(f"{os.fspath(path)!r} is empty or too short to be a W&B record log.")
    ident, magic, version = _FILE_HEADER.unpack(head)
    if ident != RECORD_LOG_IDENT or magic != RECORD_LOG_MAGIC:
        raise RecordLogError(f"{os.fspath(path)!r} is not a W&B record log (expected a run-<id>.wandb file).")
    if version not in RECORD_LOG_VERSIONS:
        raise SdkChangedError(
            f"the record log format: {os.fspath(path)!r} is format version {version}, this reader knows "
            f"version(s) {', '.join(map(str, sorted(RECORD_LOG_VERSIONS)))}"
        )


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
