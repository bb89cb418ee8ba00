"""Atomic writes: everything is written in a private staging directory inside the target
and renamed into place when complete, so a reader never sees a partial file."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ._paths import STAGING_DIR


class Staging:
    """A per-process scratch directory ``{target}/.wandb-download-partial/{pid}-{rand}``.

    Leftovers of crashed processes are removed on creation; :meth:`close` removes this one.
    """

    def __init__(self, target: Path) -> None:
        self.target = target.resolve()
        self.base = self.target / STAGING_DIR
        self.base.mkdir(parents=True, exist_ok=True)
        _remove_dead_leftovers(self.base)
        self.path = self.base / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.path.mkdir()

    def downloads_dir(self) -> Path:
        """The directory downloads land in under their own (unique per run) names; one for
        the whole run rather than one per file, which saves a directory per file."""
        path = self.path / "files"
        path.mkdir(exist_ok=True)
        return path

    def scratch_file(self, name: str) -> Path:
        return self.path / f"{uuid.uuid4().hex[:12]}-{name}"

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.base.rmdir()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove_dead_leftovers(base: Path) -> None:
    for entry in base.iterdir():
        pid_text = entry.name.split("-", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(staged: Path, dest: Path) -> None:
    """Move a completed staged file to its destination (atomic on one filesystem)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, dest)


@contextlib.contextmanager
def atomic_text(staging: Staging, dest: Path) -> Iterator[IO[str]]:
    """Write a text file that appears at ``dest`` only if the block completes."""
    tmp = staging.scratch_file(dest.name)
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            yield fh
        publish(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(staging: Staging, dest: Path, value: Any) -> None:
    with atomic_text(staging, dest) as fh:
        json.dump(value, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")


def write_json_array(staging: Staging, dest: Path, rows_json: Iterable[str]) -> int:
    """Stream JSON object texts into a JSON array file, one row per line; returns the count."""
    with JsonArrayWriter(staging, dest) as writer:
        for row in rows_json:
            writer.write(row)
    return writer.count


class JsonArrayWriter:
    """A JSON array file written one row (JSON text) at a time, published atomically when
    the ``with`` block completes; nothing appears at ``dest`` if it fails."""

    def __init__(self, staging: Staging, dest: Path) -> None:
        self.staging = staging
        self.dest = dest
        self.count = 0
        self._cm: contextlib.AbstractContextManager[IO[str]] | None = None
        self._fh: IO[str] | None = None

    def __enter__(self) -> JsonArrayWriter:
        self._cm = atomic_text(self.staging, self.dest)
        self._fh = self._cm.__enter__()
        self._fh.write("[")
        return self

    def write(self, row_json: str) -> None:
        assert self._fh is not None, "use JsonArrayWriter in a with block"
        self._fh.write("\n" if self.count == 0 else ",\n")
        self._fh.write(row_json)
        self.count += 1

    def __exit__(self, *exc: Any) -> bool | None:
        assert self._cm is not None and self._fh is not None
        if exc[0] is None:
            self._fh.write("\n]\n" if self.count else "]\n")
        return self._cm.__exit__(*exc)
