"""Decoding of the protobuf records of a W&B record log into plain Python values."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

# Keys W&B adds to every history row besides ``_step``; kept in exports, left out of
# ``RecordedRun.history`` so a row holds exactly what was logged plus its step.
SYSTEM_HISTORY_KEYS = frozenset({"_runtime", "_timestamp"})


class HistoryJson:
    """HistoryRecord -> JSON object text, with the quoted keys cached."""

    def __init__(self) -> None:
        self.quoted: dict[str, str] = {}

    def __call__(self, history: Any) -> str:
        parts = []
        for key, raw in history_items(history):
            quoted = self.quoted.get(key)
            if quoted is None:
                quoted = self.quoted[key] = json.dumps(key)
            parts.append(f"{quoted}:{raw}")
        return "{" + ",".join(parts) + "}"


def history_items(history: Any) -> Iterator[tuple[str, str]]:
    """``(flattened key, JSON text)`` for each item of a HistoryRecord, ``_step`` guaranteed."""
    has_step = False
    for item in history.item:
        key = item.key or ".".join(item.nested_key)
        has_step = has_step or key == "_step"
        yield key, item_json(item)
    if not has_step:
        yield "_step", str(history.step.num)


def item_json(item: Any) -> str:
    if item.value_json:
        return item.value_json
    kind = item.WhichOneof("value")
    if kind is None or kind == "none":
        return "null"
    if kind == "boolean":
        return "true" if item.boolean else "false"
    if kind == "json":
        return item.json
    return json.dumps(getattr(item, kind))


def history_row(history: Any, system_keys: bool) -> dict[str, Any]:
    return {
        key: json.loads(raw)
        for key, raw in history_items(history)
        if system_keys or key not in SYSTEM_HISTORY_KEYS
    }


class JsonTree:
    """Config or summary built from W&B's update/remove items (``key`` or ``nested_key`` path,
    JSON value). Updates are kept as raw JSON, last write per path winning, and decoded once
    at the end: a long run rewrites its summary on every step."""

    def __init__(self) -> None:
        self.value: dict[str, Any] = {}
        self.pending: dict[tuple[str, ...], str] = {}

    def update(self, items: Iterable[Any]) -> None:
        pending = self.pending
        for item in items:
            path = (item.key,) if item.key else tuple(item.nested_key)
            # Re-inserting keeps the dict in order of last write, which replays correctly.
            pending.pop(path, None)
            pending[path] = item.value_json

    def remove(self, items: Any) -> None:
        if not items:
            return
        self._flush()
        for item in items:
            path = [item.key] if item.key else list(item.nested_key)
            node: Any = self.value
            for part in path[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node.pop(path[-1], None)

    def result(self) -> dict[str, Any]:
        self._flush()
        return self.value

    def _flush(self) -> None:
        for path, raw in self.pending.items():
            node = self.value
            for part in path[:-1]:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[path[-1]] = json.loads(raw) if raw else None
        self.pending.clear()


def run_header(rec: Any) -> dict[str, Any]:
    """The fields a ``run`` record sets (those it leaves empty are left out): ``project``,
    ``entity``, ``name``, ``group``, ``job_type``, ``sweep_id`` and ``tags``."""
    header = {
        "project": rec.project,
        "entity": rec.entity,
        "name": rec.display_name,
        "group": rec.run_group,
        "job_type": rec.job_type,
        "sweep_id": rec.sweep_id,
        "tags": list(rec.tags),
    }
    return {name: value for name, value in header.items() if value}
