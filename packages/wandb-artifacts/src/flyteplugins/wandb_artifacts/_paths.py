"""Where a remote file name may land on disk: always inside the target directory."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

# Our own bookkeeping inside a target directory; remote files may not use these names.
STAGING_DIR = ".wandb-download-partial"
SUMMARY_FILE = "summary.json"
HISTORY_FILE = "metrics_history.json"
RESERVED_NAMES = frozenset({STAGING_DIR, SUMMARY_FILE, HISTORY_FILE})

_MAX_COMPONENT_BYTES = 255
_MAX_NAME_BYTES = 1024
MAX_DEPTH = 64
# Linux's PATH_MAX (4096, terminating NUL included), less what the staging path of a download
# adds to the destination (`/.wandb-download-partial/{host}_{pid}_{rand}/files`, at most ~120
# bytes): a name must fit there too, or the SDK leaves a half-made tree behind.
_MAX_PATH_BYTES = 4095 - 128


class UnsafePathError(ValueError):
    """A remote file name that would escape or abuse the target directory."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"refused file name {shown_name(name)}: {reason}")
        self.name = name
        self.reason = reason


def shown_name(name: str, limit: int = 400) -> str:
    """``repr(name)``, cut in the middle when very long (a hostile name may be kilobytes)."""
    text = repr(name)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}...{text[-limit // 4 :]} ({len(name)} characters)"


def safe_destination(root: Path, name: str, reserved: frozenset[str] = RESERVED_NAMES) -> Path:
    """The path for remote file ``name`` under ``root``, or :class:`UnsafePathError`.

    Refuses absolute paths (POSIX or Windows), ``..`` components, NUL bytes, empty names,
    names nested deeper than :data:`MAX_DEPTH` directories or longer than 1,024 bytes,
    components or paths too long for the filesystem, ``reserved`` top-level names (by default
    those of a run export; an artifact keeps only :data:`STAGING_DIR`), and anything that
    resolves (through symlinks too) outside ``root``. Publishing re-checks every directory on
    the way without following links (:func:`._fs.replace_into`).
    """
    if not name or "\x00" in name:
        raise UnsafePathError(name, "empty or contains a NUL byte")
    if name.count("/") > MAX_DEPTH:
        raise UnsafePathError(name, f"nested deeper than {MAX_DEPTH} directories")
    try:
        encoded = os.fsencode(name)
    except UnicodeEncodeError:
        raise UnsafePathError(name, "not encodable as a file name on this system") from None
    if len(encoded) > _MAX_NAME_BYTES:
        raise UnsafePathError(name, f"name is longer than {_MAX_NAME_BYTES} bytes")
    if "\\" in name or PureWindowsPath(name).drive or PurePosixPath(name).is_absolute():
        raise UnsafePathError(name, "absolute path or backslash")
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in name.split("/")):
        raise UnsafePathError(name, "contains a '.' or '..' path component")
    if any(len(os.fsencode(part)) > _MAX_COMPONENT_BYTES for part in parts):
        raise UnsafePathError(name, f"a path component is longer than {_MAX_COMPONENT_BYTES} bytes")
    if parts[0] in reserved:
        raise UnsafePathError(name, "name is reserved for the export's own files")
    root = root.resolve()
    dest = root.joinpath(*parts)
    if len(os.fsencode(dest)) > _MAX_PATH_BYTES:
        raise UnsafePathError(name, f"destination path is longer than {_MAX_PATH_BYTES} bytes")
    if not dest.resolve().is_relative_to(root):
        raise UnsafePathError(name, "resolves outside the target directory")
    return dest


def check_id(kind: str, value: str) -> str:
    """A W&B run or sweep id, refused if it could not be one directory name."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind} must be a non-empty string, got {value!r}.")
    if "/" in value or "\\" in value or value in (".", "..") or "\x00" in value:
        raise ValueError(
            f"{kind} {value!r} is not a bare W&B id; pass the id alone (entity and project "
            "come from wandb_config(entity=..., project=...))."
        )
    return value


def default_run_path(run_id: str) -> Path:
    """``{tempfile.gettempdir()}/wandb_runs/{run_id}``: ``/tmp/wandb_runs/<id>`` unless
    ``TMPDIR`` (or ``TEMP``/``TMP``) points elsewhere."""
    return default_base_path() / check_id("run_id", run_id)


def default_base_path() -> Path:
    return Path(tempfile.gettempdir()) / "wandb_runs"
