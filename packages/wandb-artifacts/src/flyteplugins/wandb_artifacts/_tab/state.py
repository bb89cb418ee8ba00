"""A run's state as its record log has told it so far, updated record by record.

Each history value is classified by its JSON:

* numbers (NaN and infinities included) are points of a metric's :class:`.Series`, at the
  row's ``_step``; a key is a metric as soon as one of its values is a number;
* a W&B media value (a ``wandb.Table``, ``wandb.Image``, ``wandb.Histogram``, ...) is listed
  under its key with W&B's ``_type`` as its kind (``"table-file"``, ``"image-file"``, ...).
  wandb-core records it flattened (``tbl._type``, ``tbl.path``, ``tbl.nrows``, ...): none of
  those parts is a metric;
* booleans are kind ``"bool"`` (not charted: a flag is not a curve), strings ``"text"``,
  other lists and dicts ``"other"``; ``null`` is ignored;
* keys starting with ``_`` (``_step``, ``_runtime``, ``_timestamp``) are W&B's, not metrics.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .._decode import JsonTree, item_json, run_header
from .._logfile import LogDamage
from .series import Series, check_max_points
from .tail import RecordTail

_INTERNAL_KEY = "_wandb"
_TYPE_SUFFIX = "._type"


@dataclass
class LiveRun:
    """What a run has recorded so far; :meth:`feed` it the records a :class:`.RecordTail`
    polls. ``config`` and ``summary`` are nested dicts, updated in place."""

    run_id: str = ""
    project: str | None = None
    entity: str | None = None
    name: str | None = None
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Series] = field(default_factory=dict)
    """Numeric history keys (W&B's flattened names such as ``train/loss`` or ``a.b``), in
    first-seen order."""
    media: dict[str, str] = field(default_factory=dict)
    """Other history keys -> their kind (see the module's docstring)."""
    rows: int = 0
    last_step: int | None = None
    exit_code: int | None = None
    damage: LogDamage = field(default_factory=LogDamage)
    max_points: int = 1000
    _config: JsonTree = field(default_factory=JsonTree, init=False, repr=False, compare=False)
    _summary: JsonTree = field(default_factory=JsonTree, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_max_points(self.max_points)

    @property
    def state(self) -> str:
        """``"running"`` until the run's exit record, then ``"finished"`` (exit code 0) or
        ``"failed"``."""
        if self.exit_code is None:
            return "running"
        return "finished" if self.exit_code == 0 else "failed"

    def update_from(self, tail: RecordTail, max_records: int | None = None) -> int:
        """Feed what ``tail`` has new and take over its damage count; returns the number of
        records read."""
        records = tail.poll(max_records)
        self.feed(records)
        self.damage = tail.damage
        return len(records)

    def feed(self, records: Iterable[Any]) -> None:
        """Apply decoded ``Record`` messages, in log order: history, summary, config, run and
        exit records; the others are ignored."""
        trees_changed = False
        for record in records:
            kind = record.WhichOneof("record_type")
            if kind == "history":
                self._add_row(record.history)
            elif kind == "summary":
                self._summary.update(record.summary.update)
                self._summary.remove(record.summary.remove)
                trees_changed = True
            elif kind == "config":
                self._config.update(record.config.update)
                self._config.remove(record.config.remove)
                trees_changed = True
            elif kind == "run":
                self._apply_run(record.run)
                trees_changed = True
            elif kind == "exit":
                self.exit_code = record.exit.exit_code
        if trees_changed:
            self.config = self._config.result()
            self.summary = self._summary.result()
            self.config.pop(_INTERNAL_KEY, None)
            self.summary.pop(_INTERNAL_KEY, None)

    def _add_row(self, history: Any) -> None:
        # As ``history_items`` reads a row, inlined: this runs for every row while the user trains.
        logged_step: int | None = None
        numbers: list[tuple[str, float]] = []
        others: list[tuple[str, str]] = []
        for item in history.item:
            nested = item.nested_key
            key = (nested[0] if len(nested) == 1 else ".".join(nested)) if nested else item.key
            raw = item.value_json or item_json(item)
            if key.startswith("_"):
                if key == "_step":
                    logged_step = int(json.loads(raw))
                continue
            try:
                numbers.append((key, float(raw)))  # JSON numbers, NaN and Infinity
            except ValueError:
                others.append((key, raw))
        if others:
            numbers = self._add_others(others, numbers)
        step: int = history.step.num if logged_step is None else logged_step
        metrics = self.metrics
        # wandb-core records a row's keys in no stable order: keys new in a row are added sorted.
        new = [key for key, _ in numbers if key not in metrics]
        for key in sorted(new):
            metrics[key] = Series(self.max_points)
            self.media.pop(key, None)
        for key, value in numbers:
            metrics[key].add(step, value)
        self.rows += 1
        self.last_step = step

    def _add_others(
        self, others: list[tuple[str, str]], numbers: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """List a row's non-numeric keys in ``media``; returns ``numbers`` without the parts of
        media values (a table's ``nrows``, ...)."""
        media_here = {key[: -len(_TYPE_SUFFIX)]: raw for key, raw in others if key.endswith(_TYPE_SUFFIX)}
        kinds = [(key, _json_str(raw)) for key, raw in media_here.items()]
        kinds += [(key, _kind(json.loads(raw))) for key, raw in others if not _part_of(key, media_here)]
        for key, kind in sorted(kinds, key=lambda pair: pair[0]):
            if kind is not None and key not in self.metrics:
                self.media[key] = kind
        return (
            [(key, value) for key, value in numbers if not _part_of(key, media_here)]
            if media_here
            else numbers
        )

    def _apply_run(self, rec: Any) -> None:
        self.run_id = rec.run_id or self.run_id
        for attr, value in run_header(rec).items():
            if attr != "sweep_id":  # the tab shows the sweep's runs from the sweep's side
                setattr(self, attr, value)
        self._config.update(rec.config.update)
        self._config.remove(rec.config.remove)


def _part_of(key: str, media: dict[str, str]) -> bool:
    """Whether ``key`` is a media value's ``_type`` or another of its flattened parts."""
    prefix = key
    while "." in prefix:
        prefix = prefix.rsplit(".", 1)[0]
        if prefix in media:
            return True
    return False


def _json_str(raw: str) -> str | None:
    value = json.loads(raw)
    return value if isinstance(value, str) else None


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict) and isinstance(value.get("_type"), str):
        return value["_type"]  # a media value recorded whole (older SDKs)
    return "other"
