"""What a download or export did, per run and per file, and a listener for progress."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ._paths import shown_name

Source = Literal["online", "offline"]


@dataclass
class RunReport:
    """Outcome of downloading (online) or exporting (offline) one run."""

    run_id: str
    path: str
    source: Source
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    bytes_written: int = 0
    history_rows: int | None = None
    retries: int = 0
    error: str | None = None
    # Why the export holds only part of the run (a damaged record log, or one still being
    # written); None when it is the whole run. Files and rows that were written are complete.
    partial: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note_retry(self, *_: object) -> None:
        """Count one retried operation (called from worker threads)."""
        with self._lock:
            self.retries += 1

    @property
    def ok(self) -> bool:
        """True when every file and the summary/history were written (rejected names aside;
        a ``partial`` export is ``ok``: it wrote everything that could be read)."""
        return self.error is None and not self.failed

    @property
    def complete(self) -> bool:
        """``ok``, no refused names and not ``partial``: the whole run is there."""
        return self.ok and not self.rejected and self.partial is None

    def problems(self) -> str:
        """One line naming what went wrong, for warnings and error messages."""
        parts = []
        if self.error:
            parts.append(self.error)
        if self.partial:
            parts.append(f"partial: {self.partial}")
        if self.failed:
            parts.append("failed files: " + "; ".join(f"{n} ({e})" for n, e in self.failed.items()))
        if self.rejected:
            parts.append(
                "refused names: " + "; ".join(f"{shown_name(n)} ({e})" for n, e in self.rejected.items())
            )
        return " | ".join(parts)


class ProgressListener:
    """Receives progress of downloads; the default does nothing. Methods may be called from
    worker threads."""

    def run_started(self, run_id: str, total_files: int) -> None:
        """Called once the run's file list is known."""

    def file_done(self, run_id: str, name: str, status: str, size: int) -> None:
        """``status`` is one of ``downloaded``, ``skipped``, ``rejected``, ``failed``."""

    def history_progress(self, run_id: str, rows: int) -> None:
        """Called now and then while the history is written, with the rows so far."""

    def run_finished(self, report: RunReport) -> None:
        """Called when the run is done, successfully or not."""


def md5_base64(path: Path, chunk: int = 1 << 20) -> str:
    """The file's MD5 in W&B's notation (base64 of the digest)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode("ascii")


def is_same_file(path: Path, size: int, md5: str | None) -> bool:
    """True if ``path`` is a regular file of ``size`` bytes whose MD5 matches."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size != size:
            return False
    except OSError:
        return False
    return bool(md5) and md5_base64(path) == md5
