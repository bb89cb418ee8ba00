"""Running a script of ``examples/`` the way a user does: a fresh interpreter, in a directory of
the test's own, with none of the test process's W&B mode, directory or service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
_INHERITED_NOT = ("WANDB_MODE", "WANDB_SERVICE", "WANDB_DIR")


def run_example(name: str, cwd: Path, timeout: float = 300) -> str:
    """Run ``examples/<name>`` in ``cwd``; its stdout, after asserting that it succeeded."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_NOT}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout
