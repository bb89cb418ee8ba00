"""Reading a run's history back: the four ways the SDK asks for it.

- ``history(samples, minStep, maxStep)``: JSON lines. ``Run.history()`` asks for a sample of
  the whole run; wandb-core's ``scan_history`` pages with ``[minStep, maxStep)`` windows.
- ``sampledHistory(specs)``: per spec ``{"keys": [...], "samples": n}``, the rows holding all
  those keys, reduced to them (``Run.history(keys=...)``); wandb-core's ``scan_history(keys=)``
  pages with ``minStep``/``maxStep`` in the spec, and there ``maxStep`` is inclusive.
- ``historyKeys``: ``{"lastStep": n, "keys": {...}}`` (``scan_history`` reads ``lastStep``).
- ``parquetHistory(liveKeys)``: exported parquet files plus rows not exported yet; this
  server never exports, so everything is ``liveData``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .storage import History


def _even_sample(items: list[Any], samples: int) -> list[Any]:
    """``samples`` items spread evenly, first and last included (W&B downsamples likewise)."""
    if samples <= 0:
        return []
    if len(items) <= samples:
        return items
    if samples == 1:
        return [items[-1]]
    last = len(items) - 1
    return [items[round(i * last / (samples - 1))] for i in range(samples)]


def full(history: History, samples: int | None, min_step: int | None, max_step: int | None) -> list[str]:
    samples = 500 if samples is None else int(samples)
    if min_step is None and max_step is None:
        return _even_sample(history.lines, samples)
    low = int(min_step) if min_step is not None else -(2**62)
    high = int(max_step) if max_step is not None else 2**62
    return _even_sample(history.between(low, high, len(history.lines)), samples)


def _spec(spec: Any) -> dict[str, Any]:
    return json.loads(spec) if isinstance(spec, str) else dict(spec)


def sampled(history: History, spec: Any) -> list[dict[str, Any]]:
    parsed = _spec(spec)
    wanted = list(parsed.get("keys") or [])
    low = int(parsed.get("minStep", -(2**62)))
    high = int(parsed.get("maxStep", 2**62))  # inclusive here, unlike history(maxStep:)
    rows = []
    for line in history.between(low, high + 1, len(history.lines)):
        row = json.loads(line)
        if all(k in row for k in wanted):
            rows.append({k: row[k] for k in wanted} if wanted else row)
    return _even_sample(rows, int(parsed.get("samples", 500)))


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "nil"
    if isinstance(value, dict):
        return str(value.get("_type", "map"))
    return "list"


def keys(history: History) -> dict[str, Any]:
    cached = history.cache.get("keys")
    if cached is not None and cached[0] == history.version:
        return cached[1]
    counts: dict[str, dict[str, int]] = {}
    for line in history.lines:
        for key, value in json.loads(line).items():
            per_type = counts.setdefault(key, {})
            kind = _type_name(value)
            per_type[kind] = per_type.get(kind, 0) + 1
    result = {
        "lastStep": history.steps[-1] if history.steps else -1,
        "keys": {
            key: {"typeCounts": [{"type": t, "count": c} for t, c in per_type.items()]}
            for key, per_type in counts.items()
        },
    }
    history.cache["keys"] = (history.version, result)
    return result


def live_data(history: History, live_keys: list[str] | None) -> list[dict[str, Any]]:
    """Rows not exported to parquet (here: all), reduced to ``live_keys``.

    wandb-core asks for ``["_step"]`` only, to learn which steps it must page through with
    ``history(minStep, maxStep)``; that case is served from the step index without parsing.
    """
    if live_keys is not None and set(live_keys) <= {"_step"}:
        return [{"_step": step} for step in history.steps] if live_keys else [{} for _ in history.steps]
    rows = [json.loads(line) for line in history.lines]
    if not live_keys:
        return rows
    return [{k: row[k] for k in live_keys if k in row} for row in rows]


def like(pattern: str, name: str) -> bool:
    """SQL ``LIKE`` as ``Run.files(pattern=...)`` documents it: ``%`` any run, ``_`` one char."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None
