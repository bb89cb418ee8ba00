"""One run's tab, rendered from its record log; each render reads only what the run appended
since the last one."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from .page import run_tab_html
from .state import LiveRun
from .tail import RecordTail


class RunView:
    """The tab of the run whose record log is ``log_path``."""

    def __init__(self, log_path: str | os.PathLike[str]) -> None:
        self._tail = RecordTail(log_path)
        self._state = LiveRun()

    def render(
        self,
        *,
        wait_for_end_s: float = 0.0,
        links: Sequence[Sequence[str]] = (),
        shared_with_parent: str | None = None,
        note: str | None = None,
        updated: str | None = None,
        refresh_s: float | None = None,
    ) -> str:
        """The tab's HTML. ``wait_for_end_s``: how long to wait for the run's end record (the
        last render of a run that was just finished, whose log W&B is still closing)."""
        self._state.update_from(self._tail)
        deadline = time.monotonic() + wait_for_end_s
        while self._state.exit_code is None and time.monotonic() < deadline:
            time.sleep(0.05)
            self._state.update_from(self._tail)
        pairs: list[Any] = [tuple(link) for link in links]
        return run_tab_html(
            self._state,
            links=pairs,
            shared_with_parent=shared_with_parent,
            note=note,
            updated=updated,
            refresh_s=refresh_s,
        )
