"""W&B supports at most 20 agents per sweep: warn when one process launches more."""

from __future__ import annotations

import threading
import warnings
from collections import Counter

MAX_AGENTS_PER_SWEEP = 20

_lock = threading.Lock()
_launched: Counter[str] = Counter()


def note_agent_launched(sweep_id: str, task_name: str) -> int:
    """Count one more agent task for ``sweep_id``; warn once the count passes W&B's limit."""
    with _lock:
        _launched[sweep_id] += 1
        launched = _launched[sweep_id]
    if launched == MAX_AGENTS_PER_SWEEP + 1:
        warnings.warn(
            f"More than {MAX_AGENTS_PER_SWEEP} agent tasks ({task_name!r} and others) were "
            f"launched for W&B sweep {sweep_id!r}; W&B supports at most {MAX_AGENTS_PER_SWEEP} "
            f"agents per sweep. Launch at most {MAX_AGENTS_PER_SWEEP} agents and give each a "
            "larger count.",
            UserWarning,
            stacklevel=2,
        )
    return launched
