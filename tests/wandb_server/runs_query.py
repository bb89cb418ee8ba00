"""``project.runs(filters, order, first, after)``: W&B's MongoDB-style run filters and paging.

The SDK sends filters as JSON, e.g. ``{"$and": [{"sweep": "abc123"}]}`` (``Sweep.runs``) or
``{"state": "finished"}`` / ``{"config.lr.value": {"$gt": 0.1}}`` (``Api.runs(filters=...)``).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from .storage import Run

_MISSING = object()


def run_field(run: Run, key: str, state_of: Callable[[Run], str]) -> Any:
    """The value a filter/order key names on a run (``config.x.value``, ``summary_metrics.y``...)."""
    simple: dict[str, Callable[[], Any]] = {
        "name": lambda: run.name,
        "id": lambda: run.name,
        "sweep": lambda: run.sweep_name,
        "state": lambda: state_of(run),
        "displayName": lambda: run.display_name,
        "display_name": lambda: run.display_name,
        "group": lambda: run.group,
        "jobType": lambda: run.job_type,
        "job_type": lambda: run.job_type,
        "tags": lambda: run.tags,
        "createdAt": lambda: run.created_at,
        "created_at": lambda: run.created_at,
        "heartbeatAt": lambda: run.heartbeat_at,
        "heartbeat_at": lambda: run.heartbeat_at,
        "host": lambda: run.host,
    }
    if key in simple:
        return simple[key]()
    head, _, rest = key.partition(".")
    sources = {"config": run.config, "summary_metrics": run.summary, "summaryMetrics": run.summary}
    if head not in sources or not rest:
        return _MISSING
    value: Any = sources[head]
    for part in rest.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _compare(actual: Any, condition: Any) -> bool:
    if not isinstance(condition, dict) or not any(k.startswith("$") for k in condition):
        if isinstance(actual, list) and not isinstance(condition, list):
            return condition in actual
        return actual == condition
    return all(_operator(op, actual, arg) for op, arg in condition.items())


def _operator(op: str, actual: Any, arg: Any) -> bool:
    if op == "$eq":
        return _compare(actual, arg)
    if op == "$ne":
        return not _compare(actual, arg)
    if op == "$in":
        return any(_compare(actual, a) for a in arg)
    if op == "$nin":
        return not any(_compare(actual, a) for a in arg)
    if op == "$exists":
        return (actual is not _MISSING and actual is not None) == bool(arg)
    if op == "$regex":
        return isinstance(actual, str) and re.search(arg, actual) is not None
    if actual is _MISSING or actual is None:
        return False
    comparisons = {
        "$gt": lambda: actual > arg,
        "$gte": lambda: actual >= arg,
        "$lt": lambda: actual < arg,
        "$lte": lambda: actual <= arg,
    }
    if op not in comparisons:
        raise ValueError(f"unsupported run filter operator {op!r}")
    try:
        return bool(comparisons[op]())
    except TypeError:
        return False


def matches(run: Run, filters: dict[str, Any], state_of: Callable[[Run], str]) -> bool:
    for key, condition in filters.items():
        if key == "$and":
            ok = all(matches(run, f, state_of) for f in condition)
        elif key == "$or":
            ok = any(matches(run, f, state_of) for f in condition)
        elif key == "$nor":
            ok = not any(matches(run, f, state_of) for f in condition)
        else:
            ok = _compare(run_field(run, key, state_of), condition)
        if not ok:
            return False
    return True


def select(
    runs: list[Run], filters: str | dict[str, Any] | None, order: str | None, state_of: Callable[[Run], str]
) -> list[Run]:
    """Runs matching ``filters`` sorted by ``order`` (``+created_at``, ``-summary_metrics.loss``)."""
    parsed = json.loads(filters) if isinstance(filters, str) else (filters or {})
    chosen = [r for r in runs if matches(r, parsed, state_of)]
    order = order or "-created_at"
    descending = order.startswith("-")
    key = order.lstrip("+-")

    def sort_key(run: Run) -> tuple[int, Any, int]:
        value = run_field(run, key, state_of)
        return (0, value, run.seq) if isinstance(value, (int, float, str)) else (1, 0, run.seq)

    with contextlib.suppress(TypeError):  # mixed value types: keep insertion order
        chosen.sort(key=sort_key, reverse=descending)
    return chosen


def page(items: list[Any], first: int | None, after: str | None) -> tuple[list[Any], int, bool]:
    """A page of ``items``: (slice, offset of its first item, has_next_page). Cursors are offsets."""
    start = int(after) + 1 if after else 0
    size = first if first is not None else 50
    chunk = items[start : start + size]
    return chunk, start, start + size < len(items)


def connection(nodes: list[Any], start: int, has_next: bool) -> dict[str, Any]:
    """A GraphQL connection (``edges { node cursor } pageInfo``) over already-resolved nodes."""
    edges = [{"node": node, "cursor": str(start + i)} for i, node in enumerate(nodes)]
    return {
        "edges": edges,
        "pageInfo": {
            "endCursor": edges[-1]["cursor"] if edges else None,
            "hasNextPage": has_next,
            "startCursor": edges[0]["cursor"] if edges else None,
            "hasPreviousPage": start > 0,
        },
        "totalCount": None,
    }
