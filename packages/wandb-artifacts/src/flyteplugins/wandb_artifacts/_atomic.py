"""Atomic writes: everything is written in a private staging directory inside the target
and renamed into place when complete, so a reader never sees a partial file.

The staging area is ``{target}/.wandb-download-partial/{host}_{pid}_{random}``: one directory
per process and download. Nothing found there is trusted. The base directory must be a real
directory (a symlink or file there is refused, naming it); leftovers are removed only when
they carry our naming, this host's name and the pid of a process that is no longer alive
here. Another host's entries (a target on a shared file system) are left alone, since
their process may be alive; so is anything not named by us.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ._fs import own_dir, remove_tree, replace_into
from ._paths import STAGING_DIR
from ._process import pid_alive

logger = logging.getLogger(__name__)

_ENTRY_NAME = re.compile(r"(?P<host>[A-Za-z0-9.-]{1,63})_(?P<pid>[0-9]{1,10})_(?P<rand>[0-9a-f]{12})")


def _host_tag() -> str:
    """This host's name as it appears in staging names: ``[A-Za-z0-9.-]``, at most 63 chars."""
    tag = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:63]
    return tag or "localhost"


HOST_TAG = _host_tag()


def staging_entry_name(host: str = HOST_TAG, pid: int | None = None) -> str:
    """A new staging directory name: ``{host}_{pid}_{12 hex digits}``."""
    return f"{host}_{os.getpid() if pid is None else pid}_{uuid.uuid4().hex[:12]}"


class Staging:
    """This process's scratch directory inside ``target`` (see the module doc).

    Dead leftovers of this host are removed on creation; :meth:`close` removes this one.
    """

    def __init__(self, target: Path) -> None:
        self.target = target.resolve()
        self.base = own_dir(self.target / STAGING_DIR)
        reap_dead_leftovers(self.base)
        self.path = self.base / staging_entry_name()
        os.mkdir(self.path, 0o700)

    def downloads_dir(self) -> Path:
        """The directory downloads land in under their own (unique per run) names; one for
        the whole run rather than one per file, which saves a directory per file."""
        path = self.path / "files"
        path.mkdir(exist_ok=True)
        return path

    def scratch_file(self) -> Path:
        return self.path / f"{uuid.uuid4().hex}.part"

    def publish(self, staged: Path, dest: Path) -> None:
        """Move a completed staged file to ``dest`` inside the target (atomic on one file
        system), never through a symlink (:class:`UnsafePathError` if one is on the way)."""
        replace_into(self.target, dest.relative_to(self.target).parts, staged)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            remove_tree(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(self.base)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reap_dead_leftovers(base: Path) -> None:
    """Remove the staging directories of dead processes of this host (never following links)."""
    with os.scandir(base) as entries:
        names = [entry.name for entry in entries]
    for name in names:
        match = _ENTRY_NAME.fullmatch(name)
        if match is None:
            continue
        if match["host"] != HOST_TAG:
            logger.debug(
                "Leaving %s alone: staging of host %s, which may be alive", base / name, match["host"]
            )
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        try:
            remove_tree(base / name)
        except OSError as exc:
            logger.warning("Could not remove the leftover download scratch %s: %s", base / name, exc)


@contextlib.contextmanager
def atomic_text(staging: Staging, dest: Path) -> Iterator[IO[str]]:
    """Write a text file that appears at ``dest`` only if the block completes."""
    tmp = staging.scratch_file()
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            yield fh
        staging.publish(tmp, dest)
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
