"""Where ``flyte wandb sync`` finds run directories: a local directory or a downloaded URI,
searched two levels down, with copies of the same record log dropped."""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from . import records
from ._errors import LocalRunNotFoundError

Listener = Callable[[str], None]

_RUN_DIR_PREFIXES = ("offline-run-", "run-")


class NothingToSyncError(LocalRunNotFoundError):
    """The source holds no W&B run directory (no ``run-<id>.wandb`` log where one can be)."""


def find_run_dirs(root: Path, shown_root: str | None = None) -> list[Path]:
    """``root`` if it holds a ``run-<id>.wandb`` log, else the directories holding one up to
    two levels below it (``<root>/<run dir>``, ``<root>/wandb/<run dir>``), in name order.
    Symlinked directories are not followed."""
    if _has_log(root):
        return [root]
    found: list[Path] = []
    for child in _subdirs(root):
        if _has_log(child):
            found.append(child)
        else:
            found.extend(grandchild for grandchild in _subdirs(child) if _has_log(grandchild))
    if not found:
        raise NothingToSyncError(
            f"No W&B run directory (one holding a run-<id>.wandb log) in {shown_root or str(root)!r} "
            "or the two levels below it."
        )
    return found


def without_copies(run_dirs: list[Path], say: Listener) -> list[Path]:
    """Drops run directories whose record log is a byte-for-byte copy of another's, such as
    ``wandb/latest-run``: a symlink in the pod, a copy of the run once stored as a Dir."""
    by_size: dict[int, list[Path]] = {}
    for run_dir in sorted(run_dirs, key=lambda d: (not d.name.startswith(_RUN_DIR_PREFIXES), d.name)):
        by_size.setdefault(records.record_log_path(run_dir).stat().st_size, []).append(run_dir)
    copies: set[Path] = set()
    for same_size in (group for group in by_size.values() if len(group) > 1):
        seen: dict[str, Path] = {}
        for run_dir in same_size:
            digest = _digest(records.record_log_path(run_dir))
            if digest in seen:
                copies.add(run_dir)
                say(f"Skipping {run_dir.name}: a copy of {seen[digest].name}")
            else:
                seen[digest] = run_dir
    return [d for d in run_dirs if d not in copies]


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _has_log(path: Path) -> bool:
    return any(log.is_file() and not log.is_symlink() for log in path.glob("run-*.wandb"))


def _subdirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.is_symlink())


@contextlib.contextmanager
def local_source(source: str, say: Listener) -> Iterator[tuple[Path, str]]:
    """The source as a local directory: itself, or a download of a URI into a temporary
    directory (removed afterwards)."""
    if "://" not in source:
        path = Path(source).expanduser()
        if not path.is_dir():
            what = "is not a directory" if path.exists() else "does not exist"
            raise NothingToSyncError(f"{source!r} {what}.")
        yield path, source
        return
    with tempfile.TemporaryDirectory(prefix="flyte-wandb-sync-") as tmp:
        name = PurePosixPath(unquote(urlsplit(source).path)).name or "source"
        dest = Path(tmp) / name
        say(f"Downloading {source} to a temporary directory")
        _download(source, dest)
        yield dest, source.rstrip("/")


def _download(uri: str, dest: Path) -> None:
    """``flyte.io.Dir`` download of ``uri`` (any fsspec URI Flyte supports) into ``dest``."""
    import flyte.io

    location = uri
    if urlsplit(uri).scheme.lower() == "file":
        # Dir.download_sync copies a file:// Dir with shutil.copytree(self.path), URI and all
        # (flyte 2.12): hand it the plain path.
        location = unquote(urlsplit(uri).path)
        if not Path(location).is_dir():
            raise NothingToSyncError(f"{uri!r} is not a directory.")
    try:
        flyte.io.Dir.from_existing_remote(location).download_sync(str(dest))
    except Exception as exc:
        raise RuntimeError(f"Could not download {uri!r}: {type(exc).__name__}: {exc}") from exc
    if not dest.is_dir() or not any(dest.iterdir()):
        raise NothingToSyncError(f"Nothing was downloaded from {uri!r}: is it an existing directory?")


def shown_path(run_dir: Path, root: Path, shown_root: str) -> str:
    rel = run_dir.relative_to(root).as_posix()
    return shown_root if rel == "." else f"{shown_root.rstrip('/')}/{rel}"
