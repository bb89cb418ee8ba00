"""SIGTERM, the way Kubernetes preempts a pod: the runs of this process end as "preempted".

On SIGTERM every run this process writes is marked preempting (``run.mark_preempting()``)
and finished with exit code 143, in a helper thread bounded by ``GRACE_S`` (the main thread
may be inside a W&B call). Then the signal goes on to what handled it before: Python's
default ends the process with it, so Flyte still sees the task killed and retries it, and the
retry resumes the same run. With no handler of ours installed (not the main thread, or SIGTERM
ignored) nothing changes.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from . import _registry

logger = logging.getLogger(__name__)

GRACE_S = 20.0
"""Kubernetes allows 30 s between SIGTERM and SIGKILL by default."""
EXIT_CODE = 128 + signal.SIGTERM

_previous: Any = None
_lock = threading.Lock()


def install() -> bool:
    """Install the handler (idempotent). Only the main thread can; returns whether it is in."""
    global _previous
    if threading.current_thread() is not threading.main_thread():
        return False
    with _lock:
        current = signal.getsignal(signal.SIGTERM)
        if current is _on_sigterm:
            return True
        if current == signal.SIG_IGN:
            return False
        _previous = current
        signal.signal(signal.SIGTERM, _on_sigterm)
        return True


def _end_runs() -> None:
    for run in _registry.live_runs():
        try:
            run.mark_preempting()
            run.finish(exit_code=EXIT_CODE)
        except Exception:
            logger.exception("Could not end W&B run %s on SIGTERM", run.id)
        finally:
            _registry.unregister(run)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    runs = _registry.live_runs()
    if runs:
        logger.warning("SIGTERM: marking W&B run(s) %s as preempted", ", ".join(r.id for r in runs))
        ender = threading.Thread(target=_end_runs, name="wandb-preempt", daemon=True)
        ender.start()
        ender.join(GRACE_S)
    previous = _previous if _previous is not None else signal.SIG_DFL
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signal.SIGTERM, previous)
    os.kill(os.getpid(), signal.SIGTERM)
