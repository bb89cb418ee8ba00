"""A W&B reference artifact for one Flyte ``File``/``Dir``: its name (the matching rule), and its
manifest, which references the data where Flyte stored it (nothing is uploaded or copied).

**Name.** ``flyte-<basename>-<16 hex digits of SHA-256 of the URI>``, the basename cut to 40
characters of W&B's name charset (letters, digits, ``-``, ``_``, ``.``; anything else becomes
``-``). It depends on the URI alone, so a downstream task that receives the value derives the
same name and can name the version (``<name>:latest``) without searching W&B.

**Manifest.** A ``File`` is one reference (W&B reads its MD5, or the store's ETag). A ``Dir`` is
one reference to its prefix: W&B lists and checksums its objects, each read once. A ``Dir`` with
more than ``max_objects`` objects, an empty one, or one whose store could not be listed, is
referenced by its URI alone: one entry whose digest is the URI, W&B's own form for an
unchecksummed prefix. A local ``Dir`` is counted (names only, nothing read) before W&B
checksums it; an object-store prefix is listed by W&B once, at most ``max_objects + 1`` objects.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flyteplugins.wandb_context.internal import artifact_options

from ._compat import add_uri_reference
from ._lineage_values import FlyteValue

if TYPE_CHECKING:
    from wandb import Artifact

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_STEM_MAX = 40
_HASH_HEX = 16

CONTENT = "content"
"""Checksummed: W&B holds one entry per object with its MD5 or ETag."""
URI_ONLY = "uri"
"""Referenced by the URI alone (over the bound, empty, or not listable)."""


def artifact_name(uri: str) -> str:
    """The W&B artifact name of the value at ``uri`` (see the module docstring)."""
    from urllib.parse import unquote, urlsplit

    basename = unquote(urlsplit(uri).path).rstrip("/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", basename).strip("-.")[:_STEM_MAX].strip("-.") or "data"
    return f"flyte-{stem}-{hashlib.sha256(uri.encode()).hexdigest()[:_HASH_HEX]}"


@dataclass(frozen=True)
class Reference:
    """A built artifact and how its data is referenced."""

    artifact: Artifact
    checksum: str
    objects: int | None


def build_reference(
    value: FlyteValue, spec: artifact_options.OutputSpec, description: str, metadata: dict[str, Any]
) -> Reference:
    """An unlogged ``wandb.Artifact`` that references ``value``."""
    name = artifact_name(value.uri)
    try:
        built = _content_reference(value, spec, description, metadata)
    except Exception as exc:
        logger.warning(
            "W&B could not checksum Flyte %s %s (%s: %s); it is referenced by its URI alone.",
            value.kind,
            value.uri,
            type(exc).__name__,
            exc,
        )
        built = None
    if built is None:
        artifact = _new_artifact(name, spec, description, metadata)
        add_uri_reference(artifact, value.uri, value.basename or "data")
        built = Reference(artifact, URI_ONLY, None)
    built.artifact.metadata = {
        **metadata,
        "reference": {"kind": value.kind, "checksum": built.checksum, "objects": built.objects},
    }
    return built


def _content_reference(
    value: FlyteValue, spec: artifact_options.OutputSpec, description: str, metadata: dict[str, Any]
) -> Reference | None:
    """The checksummed reference, or ``None`` when the value is referenced by URI alone."""
    artifact = _new_artifact(artifact_name(value.uri), spec, description, metadata)
    if not value.is_dir:
        artifact.add_reference(value.uri)
        return Reference(artifact, CONTENT, 1)
    bound = spec.max_objects
    local = value.local_path
    if local is not None:
        count = count_local_objects(local, bound + 1)
        if not 0 < count <= bound:
            _log_over_bound(value, count, bound)
            return None
        artifact.add_reference(value.uri, max_objects=bound)
        return Reference(artifact, CONTENT, count)
    entries = artifact.add_reference(value.uri, max_objects=bound + 1)
    if not 0 < len(entries) <= bound:
        _log_over_bound(value, len(entries), bound)
        return None
    return Reference(artifact, CONTENT, len(entries))


def _log_over_bound(value: FlyteValue, count: int, bound: int) -> None:
    if count > bound:
        logger.info(
            "Flyte Dir %s holds more than %d objects (max_objects): W&B references it by its URI "
            "alone, without a per-object list. Raise it with artifacts={%r: {'max_objects': N}}.",
            value.uri,
            bound,
            value.path,
        )


def count_local_objects(path: str, limit: int) -> int:
    """The files under ``path`` as W&B's local handler walks them (``os.walk``, directory links
    not followed), counting stops at ``limit``. Names only: no file is opened."""
    count = 0
    for _root, _dirs, files in os.walk(path):
        count += len(files)
        if count >= limit:
            return limit
    return count


def _new_artifact(
    name: str, spec: artifact_options.OutputSpec, description: str, metadata: dict[str, Any]
) -> Artifact:
    import wandb

    return wandb.Artifact(name, type=spec.type, description=description, metadata=metadata)
