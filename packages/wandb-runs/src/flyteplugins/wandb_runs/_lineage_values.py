"""Finding the ``flyte.io.File`` and ``flyte.io.Dir`` values in a task's inputs and outputs, each
with its path (``o0``, ``o0.model``, ``data[2]``) and the URI W&B references it by."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flyte.io import Dir, File

MAX_VALUES = 100
"""At most this many ``File``/``Dir`` values per task call are logged or recorded (a list of
thousands of files is not turned into thousands of artifacts)."""
_MAX_DEPTH = 4


@dataclass(frozen=True)
class FlyteValue:
    """One ``File`` or ``Dir`` found at ``path`` in a task's inputs or outputs."""

    path: str
    uri: str
    is_dir: bool

    @property
    def kind(self) -> str:
        return "Dir" if self.is_dir else "File"

    @property
    def local_path(self) -> str | None:
        """The local path of a ``file://`` URI, else ``None``."""
        parts = urlsplit(self.uri)
        return url2pathname(parts.path) if parts.scheme == "file" else None

    @property
    def basename(self) -> str:
        return PurePosixPath(unquote(urlsplit(self.uri).path)).name


def reference_uri(path: str) -> str:
    """The URI of a Flyte ``File``/``Dir`` path: object-store URIs as they are (without a
    trailing ``/``), local paths (what a local Flyte run stores) as absolute ``file://`` URIs.

    Producer and consumer both derive it from the same ``path`` string, so they agree.
    """
    scheme = urlsplit(path).scheme
    if len(scheme) > 1 and scheme != "file":  # one letter is a Windows drive, not a scheme
        stripped = path.rstrip("/")
        return stripped if not stripped.endswith(":") else path
    local = url2pathname(urlsplit(path).path) if scheme == "file" else path
    return Path(os.path.abspath(local)).as_uri()


def find_values(named: Iterable[tuple[str, Any]]) -> tuple[list[FlyteValue], bool]:
    """Every ``File``/``Dir`` in ``named`` (name, value) pairs, looking into tuples, lists, dicts,
    dataclasses and pydantic models up to a few levels; the same URI once. Returns the values
    and whether more than :data:`MAX_VALUES` were found (only the first are returned)."""
    found: dict[str, FlyteValue] = {}
    for name, value in named:
        for path, item in _walk(name, value, 0):
            uri = reference_uri(str(item.path))
            found.setdefault(uri, FlyteValue(path, uri, isinstance(item, Dir)))
            if len(found) > MAX_VALUES:
                return list(found.values())[:MAX_VALUES], True
    return list(found.values()), False


def _walk(path: str, value: Any, depth: int) -> Iterator[tuple[str, File | Dir]]:
    if isinstance(value, (File, Dir)):  # before BaseModel: both are pydantic models
        if value.path:
            yield path, value
        return
    if depth >= _MAX_DEPTH or value is None or isinstance(value, (str, bytes, int, float)):
        return
    for child_path, child in _children(path, value):
        yield from _walk(child_path, child, depth + 1)


def _children(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    model_fields: Any = getattr(type(value), "model_fields", None)
    if isinstance(value, (list, tuple)):
        yield from ((f"{path}[{i}]", v) for i, v in enumerate(value))
    elif isinstance(value, Mapping):
        yield from ((f"{path}[{k!r}]", v) for k, v in value.items() if isinstance(k, (str, int)))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from ((f"{path}.{f.name}", getattr(value, f.name, None)) for f in dataclasses.fields(value))
    elif isinstance(model_fields, Mapping):  # a pydantic model
        yield from ((f"{path}.{name}", getattr(value, name, None)) for name in model_fields)
