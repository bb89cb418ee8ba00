"""The ``artifacts`` option of ``@wandb_init(...)`` and ``wandb_config(...)``: which Flyte
``File``/``Dir`` outputs of a task become W&B reference artifacts, and with which type, aliases
and directory bound.

* ``True`` (the default): every ``File``/``Dir`` output, type ``dataset``;
* ``False``: none, and inputs are not recorded as used either;
* a mapping from output name (``o0``, a ``NamedTuple`` field, or a dotted path into a dataclass
  output such as ``o0.model``) to ``False`` (skip it), a type string (``"model"``), or a dict
  ``{"type": ..., "aliases": [...], "max_objects": N}``. Outputs it does not name keep the
  default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._validate import _where, shown

ArtifactsOption = bool | Mapping[str, Any]
"""What ``artifacts=`` accepts (``None`` elsewhere means "not set here")."""

DEFAULT_TYPE = "dataset"
DEFAULT_MAX_OBJECTS = 10_000
"""A ``Dir`` with more objects than this is referenced by its URI alone (no per-object list)."""
MAX_OBJECTS_LIMIT = 10_000_000
"""The W&B SDK's own ceiling for the objects of one reference."""
SPEC_KEYS = ("type", "aliases", "max_objects")

# W&B's charset for artifact types and aliases that every server accepts; ``v<N>`` names a
# version, and ``wandb-`` types and ``job`` are reserved by W&B.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_VERSION = re.compile(r"v\d+")
_RESERVED_TYPES = ("job",)
_OUTPUT_PATH_SPLIT = re.compile(r"[.\[]")

_FIX = (
    "use True (every File/Dir output, type 'dataset'), False (none), or a dict from output name to "
    "False, a type such as 'model', or {'type': 'model', 'aliases': ['best'], 'max_objects': 50000}"
)


@dataclass(frozen=True)
class OutputSpec:
    """How one output is logged: its W&B type, aliases besides ``latest``, and the most
    objects of a ``Dir`` that are listed and checksummed."""

    type: str = DEFAULT_TYPE
    aliases: tuple[str, ...] = ()
    max_objects: int = DEFAULT_MAX_OBJECTS


def check_artifacts(value: Any, caller: str = "") -> None:
    """Raise ``ValueError`` naming the bad part of an ``artifacts=`` value and the fix."""
    if value is None or isinstance(value, bool):
        return
    if not isinstance(value, Mapping):
        raise ValueError(f"{_where('artifacts', value, caller)} is not valid; {_FIX}.")
    for key, entry in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValueError(
                f"{_where('artifacts', value, caller)}: the key {shown(key)} is not an output name; "
                "name outputs as Flyte does ('o0', 'o1', or the fields of a NamedTuple)."
            )
        _check_entry(key, entry, _where("artifacts", value, caller))


def _check_entry(output: str, entry: Any, where: str) -> None:
    if isinstance(entry, bool):
        return
    if isinstance(entry, str):
        _check_type(output, entry, where)
        return
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: the value for output {output!r} is {shown(entry)}; {_FIX}.")
    unknown = [k for k in entry if k not in SPEC_KEYS]
    if unknown:
        raise ValueError(
            f"{where}: output {output!r} has unknown keys {shown(unknown)}; use only "
            f"{', '.join(repr(k) for k in SPEC_KEYS)}."
        )
    if "type" in entry:
        _check_type(output, entry["type"], where)
    if "aliases" in entry:
        _check_aliases(output, entry["aliases"], where)
    if "max_objects" in entry:
        _check_max_objects(output, entry["max_objects"], where)


def _check_type(output: str, value: Any, where: str) -> None:
    if (
        isinstance(value, str)
        and _TOKEN.fullmatch(value)
        and not value.startswith("wandb-")
        and value not in _RESERVED_TYPES
    ):
        return
    raise ValueError(
        f"{where}: the type {shown(value)} of output {output!r} is not a W&B artifact type; use 1-128 "
        "letters, digits, '-', '_' or '.', not 'job' nor starting with 'wandb-' (e.g. 'dataset', 'model')."
    )


def _check_aliases(output: str, value: Any, where: str) -> None:
    if isinstance(value, (list, tuple)) and all(
        isinstance(a, str) and _TOKEN.fullmatch(a) and not _VERSION.fullmatch(a) for a in value
    ):
        return
    raise ValueError(
        f"{where}: the aliases {shown(value)} of output {output!r} are not valid; give a list of "
        "1-128 letters, digits, '-', '_' or '.' each, none of the form 'v<number>' (W&B's versions), "
        "e.g. ['best', 'candidate']."
    )


def _check_max_objects(output: str, value: Any, where: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_OBJECTS_LIMIT:
        return
    raise ValueError(
        f"{where}: max_objects={shown(value)} of output {output!r} is not valid; give a whole number "
        f"from 1 to {MAX_OBJECTS_LIMIT}, e.g. 'max_objects': 50000."
    )


def output_root(path: str) -> str:
    """The output name a value path starts with: ``o0`` for ``o0.model`` or ``o0[2]``."""
    return _OUTPUT_PATH_SPLIT.split(path, maxsplit=1)[0]


def inputs_recorded(option: ArtifactsOption) -> bool:
    """Whether ``File``/``Dir`` inputs are recorded as used (everything but ``False``)."""
    return option is not False


def spec_for(option: ArtifactsOption, path: str) -> OutputSpec | None:
    """How the output value at ``path`` is logged, or ``None`` when it is not. The exact path
    wins over its output name (``o0.model`` over ``o0``)."""
    if isinstance(option, bool):
        return OutputSpec() if option else None
    entry = option.get(path, option.get(output_root(path), True))
    if entry is False:
        return None
    if entry is True:
        return OutputSpec()
    if isinstance(entry, str):
        return OutputSpec(type=entry)
    return OutputSpec(
        type=entry.get("type", DEFAULT_TYPE),
        aliases=tuple(entry.get("aliases", ())),
        max_objects=entry.get("max_objects", DEFAULT_MAX_OBJECTS),
    )
