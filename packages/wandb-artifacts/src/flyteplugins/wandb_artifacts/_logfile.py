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
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from ._compat import RECORD_LOG_IDENT, RECORD_LOG_MAGIC, RECORD_LOG_VERSIONS
from ._errors import RecordLogError, SdkChangedError

_FILE_HEADER = struct.Struct("<4sHB")
_CHUNK_HEADER = struct.Struct("<IHB")
_BLOCK_SIZE = 32 * 1024
HEADER_SIZE = _FILE_HEADER.size

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
    for payload, _end in iter_records_at(path, start_block * _BLOCK_SIZE, seen):
        if payload is not None:
            yield payload


def iter_records_at(
    path: str | os.PathLike[str], offset: int = 0, damage: LogDamage | None = None
) -> Generator[tuple[bytes | None, int], None, None]:
    """``(payload, end)`` for every complete record from byte ``offset`` on, ``end`` being the
    offset just after it: reading again from ``end`` continues with the next record.

    ``offset`` is 0 (the start of the log), a block boundary, or an ``end`` this returned.
    An item with payload ``None`` only moves ``end`` past damage it skipped (counted in
    ``damage``), so a reader resuming there does not count it twice. A record still
    incomplete at the end of the file ends the iteration without being consumed: no ``end``
    goes past its start, and its bytes are counted as ``truncated_bytes``.
    """
    if offset < 0 or 0 < offset < _FILE_HEADER.size:
        raise ValueError(
            f"offset={offset} is inside the record log's {_FILE_HEADER.size}-byte header; pass 0 "
            "or an end offset this reader returned."
        )
    seen = damage if damage is not None else LogDamage()
    with open(path, "rb") as fh:
        _check_file_header(path, fh.read(_FILE_HEADER.size))
        pos = max(offset, _FILE_HEADER.size)  # absolute file offsets from here on
        block_end = (pos // _BLOCK_SIZE + 1) * _BLOCK_SIZE
        fh.seek(pos)
        base, block = pos, fh.read(block_end - pos)  # ``block`` holds bytes [base, block_end)
        pending: list[bytes] | None = None
        while block:
            at = pos - base
            if block_end - pos < _CHUNK_HEADER.size or at + _CHUNK_HEADER.size > len(block):
                if base + len(block) < block_end:
                    _count_tail(seen, len(block) - at, pending)
                    return
                base = pos = block_end
                block_end += _BLOCK_SIZE
                block = fh.read(_BLOCK_SIZE)
                continue
            crc, length, kind = _CHUNK_HEADER.unpack_from(block, at)
            start = at + _CHUNK_HEADER.size
            payload = block[start : start + length]
            if len(payload) < length and pos + _CHUNK_HEADER.size + length <= block_end:
                _count_tail(seen, len(block) - at, pending)
                return
            # (a chunk never crosses a block: a longer one has a damaged header)
            if len(payload) < length or zlib.crc32(payload, zlib.crc32(bytes((kind,)))) != crc:
                seen.corrupt_blocks += 1
                seen.corrupt_bytes += len(block) - at
                seen.broken_records += int(pending is not None)
                pending, pos = None, block_end
                yield None, pos
                continue
            pos += _CHUNK_HEADER.size + length
            if kind in (_FULL, _FIRST) and pending is not None:
                seen.broken_records += 1  # the previous record never got its LAST chunk
                pending = None
            if kind == _FULL:
                yield payload, pos
            elif kind == _FIRST:
                pending = [payload]
            elif kind in (_MIDDLE, _LAST) and pending is not None:
                pending.append(payload)
                if kind == _LAST:
                    yield b"".join(pending), pos
                    pending = None
            elif kind != _MIDDLE:  # the LAST chunk of a record whose start was lost, or an unknown type
                seen.broken_records += 1
                if pending is None:
                    yield None, pos
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
