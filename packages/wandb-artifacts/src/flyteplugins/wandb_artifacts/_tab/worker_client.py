"""Rendering a run's tab in a helper process (:mod:`.worker`), with the same view in-process as
the fallback when the helper cannot start or stops answering."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from typing import Any

from .run_view import RunView

logger = logging.getLogger(__name__)


class RunViewProcess:
    """:class:`RunView` of the run logged to ``log_path``, rendered in a helper process."""

    def __init__(self, log_path: str | os.PathLike[str]) -> None:
        self._log_path = os.fspath(log_path)
        self._fallback: RunView | None = None
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "flyteplugins.wandb_artifacts._tab.worker", self._log_path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError as exc:
            logger.warning("Rendering the W&B tab in this process: no helper process (%s)", exc)
            self._proc = None

    def render(self, **request: Any) -> str:
        proc = self._proc
        if proc is not None and proc.stdin is not None and proc.stdout is not None:
            try:
                proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
                proc.stdin.flush()
                size = proc.stdout.read(8)
                page = proc.stdout.read(int(size, 16)) if len(size) == 8 else b""
                if len(size) == 8 and len(page) == int(size, 16):
                    return page.decode("utf-8")
            except (OSError, ValueError):
                pass
            logger.warning("The W&B tab's helper process stopped (exit code %s); rendering here", proc.poll())
            self.close()
        if self._fallback is None:
            self._fallback = RunView(self._log_path)
        return self._fallback.render(**request)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):  # a helper that died leaves a broken pipe
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
