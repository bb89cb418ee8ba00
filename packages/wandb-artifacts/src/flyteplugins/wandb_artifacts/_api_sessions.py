"""Several ``wandb.Api`` sessions for file downloads.

``File.download`` hands each transfer to the SDK's service process, which in our measurements
moves about ten files at a time per ``wandb.Api`` session, however many threads ask: 280
small files took 0.61 s through one session with 16, 32 or 64 threads, 0.31 s through two,
0.25 s through four and 0.29 s through eight. Downloads are therefore spread over a few
sessions (``File.download(api=...)``). The extra sessions open in the background, in
parallel, while the first downloads start on the primary one; one that fails to open is
skipped.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

EXTRA_SESSIONS = 3


class ApiSessions:
    """The primary ``wandb.Api`` plus up to ``extra`` more, handed out in turn."""

    def __init__(self, primary: Any, open_session: Callable[[], Any], extra: int = EXTRA_SESSIONS) -> None:
        self._sessions = [primary]
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._openers = [
            threading.Thread(target=self._open_one, args=(open_session,), daemon=True) for _ in range(extra)
        ]
        for opener in self._openers:
            opener.start()

    def _open_one(self, open_session: Callable[[], Any]) -> None:
        try:
            session = open_session()
        except Exception as exc:  # the other sessions still serve every download
            logger.info("Could not open an extra W&B API session: %s", exc)
            return
        with self._lock:
            self._sessions.append(session)

    def next(self) -> Any:
        """The session for the next download."""
        with self._lock:
            return self._sessions[next(self._turn) % len(self._sessions)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def close(self) -> None:
        """Wait for the sessions still opening (no download may start afterwards)."""
        for opener in self._openers:
            opener.join()


def download_through(session: Any, remote: Any, root: str) -> None:
    """``remote.download(root, replace=True)`` through ``session`` (``File.download``'s public
    ``api=`` parameter, in every wandb release the package admits)."""
    remote.download(root=root, replace=True, api=session).close()
