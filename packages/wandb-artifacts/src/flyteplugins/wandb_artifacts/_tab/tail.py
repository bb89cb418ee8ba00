"""Reading a live run's ``.wandb`` record log incrementally, while wandb-core appends to it.

wandb-core writes the log in 32 KiB blocks, and flushes a partly filled block every
``x_transaction_log_flush_interval`` seconds (wandb's setting, 15 s by default): the file
often ends inside a record. Such a record is not consumed; the poll after the rest arrived
returns it. Each poll reads only the bytes after the last record it consumed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from .._compat import parse_record
from .._errors import UndecodableRecordError
from .._logfile import HEADER_SIZE, LogDamage, iter_records_at


class RecordTail:
    """The records appended to one run's record log since the last :meth:`poll`.

    ``damage`` counts what was skipped so far (corrupt chunks, broken and undecodable
    records); a record the writer has not finished is not damage, it is read later.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.offset = 0
        """Byte offset after the last complete record (or skipped damage) consumed."""
        self.damage = LogDamage()

    def poll(self, max_records: int | None = None) -> list[Any]:
        """The decoded ``Record`` messages appended since the last poll, at most
        ``max_records`` of them (the rest come with the next poll); ``[]`` while the log does
        not exist or is still empty.

        Raises:
            RecordLogError: the file is not a W&B record log.
            SdkChangedError: it is one in a format version this reader does not know.
        """
        if max_records is not None and (
            isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1
        ):
            raise ValueError(
                f"max_records={max_records!r} is not a positive whole number; pass None to read "
                "everything new, or a batch size such as 10_000."
            )
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < HEADER_SIZE or size <= self.offset:  # not started, or nothing new
            return []
        seen = LogDamage()
        records: list[Any] = []
        with contextlib.closing(iter_records_at(self.path, self.offset, seen)) as items:
            for payload, end in items:
                self.offset = end
                if payload is None:
                    continue
                try:
                    records.append(parse_record(payload))
                except UndecodableRecordError:
                    seen.undecodable_records += 1
                if max_records is not None and len(records) >= max_records:
                    break
        seen.truncated_bytes = 0  # the record being written: read by a later poll, once complete
        self.damage.add(seen)
        return records
