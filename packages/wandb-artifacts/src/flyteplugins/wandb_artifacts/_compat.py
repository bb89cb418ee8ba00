"""Every place this package relies on a part of wandb that is not its documented public API.

Each has a canary in ``tests/artifacts/test_compat_canaries.py`` that fails, saying what
changed, when a wandb release changes its shape. At run time a change of shape raises
:class:`SdkChangedError` with the same words, instead of an ``AttributeError`` deep inside.

1. The run's record log (``run-<id>.wandb``) is wandb-core's private file: its layout is read
   by :mod:`._logfile` (the header it checks: :data:`RECORD_LOG_IDENT`, :data:`RECORD_LOG_MAGIC`,
   :data:`RECORD_LOG_VERSIONS`), its messages are ``wandb.proto.wandb_internal_pb2.Record``,
   decoded by :func:`parse_record`; :data:`RECORD_FIELDS_READ` lists every field
   :mod:`.records`, :mod:`._artifact_records` and :mod:`._decode` read.
2. ``wandb.Api().settings`` (a plain dict, undocumented): the server an ``Api`` resolved from
   its overrides, ``WANDB_BASE_URL`` and ``wandb login --host``; read by :func:`api_base_url_of`.
3. The SDK's artifact file cache (``wandb.sdk.artifacts.artifact_file_cache``): an entry
   download is served from a cached copy found by MD5 and trusted by its size, so a transfer
   corrupted in place would be served again on every retry; :func:`evict_cached_artifact_file`
   removes such a copy (only ever a path inside the cache directory).

Nothing private of flyte is used here: only ``flyte.trace`` and ``flyte.io.Dir``, and the
Flyte context through ``flyteplugins.wandb_context.internal``. Public wandb API that is
merely recent (``Api.runs(lazy=...)``, ``File.download(api=...)``) is covered by the package's
``wandb`` floor, not here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import SdkChangedError, UndecodableRecordError

RECORD_LOG_IDENT = b":W&B"
RECORD_LOG_MAGIC = 0xBEE1
RECORD_LOG_VERSIONS = frozenset({0})

# Members of Record's ``record_type`` oneof that we decode; the rest are skipped.
RECORD_TYPES_READ = ("history", "summary", "config", "run", "exit", "artifact")
_ITEM = ("key", "nested_key", "value_json")
# HistoryItem's oneof of typed values (besides value_json), read by ``WhichOneof``.
HISTORY_VALUE_ONEOF = "value"
HISTORY_VALUE_KINDS = ("none", "boolean", "integer", "number", "text", "json")
_RUN_FIELDS = (
    "run_id",
    "entity",
    "project",
    "display_name",
    "run_group",
    "job_type",
    "sweep_id",
    "tags",
    "resumed",
)
_ARTIFACT_FIELDS = ("name", "type", "digest", "run_id", "description", "aliases", "metadata")
# Every field read, as a dotted path from ``Record`` through message fields.
RECORD_FIELDS_READ: tuple[str, ...] = (
    *(f"history.item.{field}" for field in (*_ITEM, *HISTORY_VALUE_KINDS)),
    "history.step.num",
    *(
        f"{kind}.{op}.{field}"
        for kind in ("summary", "config", "run.config")
        for op in ("update", "remove")
        for field in _ITEM
    ),
    *(f"run.{field}" for field in _RUN_FIELDS),
    "exit.exit_code",
    *(f"artifact.{field}" for field in _ARTIFACT_FIELDS),
    *(f"artifact.manifest.contents.{field}" for field in ("path", "digest", "ref", "size")),
)


@functools.cache
def record_class() -> Any:
    """The SDK's ``Record`` message class, checked once to hold every field we read."""
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError as exc:
        raise SdkChangedError(f"its private module wandb.proto.wandb_internal_pb2 ({exc})") from exc
    record = getattr(wandb_internal_pb2, "Record", None)
    if record is None:
        raise SdkChangedError("wandb.proto.wandb_internal_pb2: it no longer defines Record")
    problems = record_schema_changes(record)
    if problems:
        raise SdkChangedError("the record log's messages: " + "; ".join(problems))
    return record


@functools.cache
def _decoder() -> tuple[Any, type[Exception]]:
    from google.protobuf.message import DecodeError

    return record_class(), DecodeError


def record_schema_changes(record: Any) -> list[str]:
    """What ``record`` (a ``Record`` message class) lacks of what we read; empty if nothing."""
    root = record.DESCRIPTOR
    problems = [
        f"Record.record_type has no {kind!r}"
        for kind in RECORD_TYPES_READ
        if kind not in _oneof_members(root, "record_type")
    ]
    for path in RECORD_FIELDS_READ:
        descriptor, parts = root, path.split(".")
        for depth, part in enumerate(parts):
            field = descriptor.fields_by_name.get(part)
            if field is None:
                problems.append(f"Record.{path}: {descriptor.name} has no field {part!r}")
                break
            if depth < len(parts) - 1 and (descriptor := field.message_type) is None:
                problems.append(f"Record.{path}: {part!r} is no longer a message")
                break
    item = _message_at(root, "history.item")
    if item is not None:
        members = _oneof_members(item, HISTORY_VALUE_ONEOF)
        problems += [
            f"HistoryItem.{HISTORY_VALUE_ONEOF} has no {kind!r}"
            for kind in HISTORY_VALUE_KINDS
            if kind not in members
        ]
    return problems


def _oneof_members(descriptor: Any, name: str) -> set[str]:
    oneof = descriptor.oneofs_by_name.get(name)
    return {f.name for f in oneof.fields} if oneof is not None else set()


def _message_at(descriptor: Any, path: str) -> Any:
    for part in path.split("."):
        field = descriptor.fields_by_name.get(part)
        descriptor = field.message_type if field is not None else None
        if descriptor is None:
            return None
    return descriptor


def parse_record(payload: bytes) -> Any:
    """Decode one record log payload as the SDK's ``Record``; :class:`UndecodableRecordError`
    if the bytes are not one, :class:`SdkChangedError` if the SDK's messages changed."""
    record_type, decode_error = _decoder()
    record = record_type()
    try:
        record.ParseFromString(payload)
    except decode_error as exc:
        raise UndecodableRecordError(f"a record of {len(payload)} bytes is not a W&B record: {exc}") from exc
    return record


def api_base_url_of(api: Any) -> str | None:
    """The server URL a ``wandb.Api`` resolved, or ``None`` if this SDK no longer says (then a
    new ``wandb.Api()`` without overrides resolves the same one; messages say "W&B")."""
    settings = getattr(api, "settings", None)
    url = settings.get("base_url") if isinstance(settings, Mapping) else None
    return url if isinstance(url, str) and url else None


def evict_cached_artifact_file(md5: str, size: int) -> bool:
    """Remove the SDK's cached copy of the artifact file with this MD5 (base64) and size, if it
    lies inside the SDK's artifact cache directory; True if one was removed."""
    try:
        from wandb.sdk.artifacts.artifact_file_cache import artifacts_cache_dir, get_artifact_file_cache
    except ImportError as exc:
        raise SdkChangedError(f"its private module wandb.sdk.artifacts.artifact_file_cache ({exc})") from exc
    lookup = getattr(get_artifact_file_cache(), "check_digest_obj_path", None)
    if lookup is None:
        raise SdkChangedError("its artifact file cache: it no longer has check_digest_obj_path")
    path = Path(lookup(md5, size)[0]).resolve()
    if not path.is_relative_to(Path(artifacts_cache_dir()).resolve()):
        return False  # another download's target (the SDK's skip_cache), never ours to remove
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
