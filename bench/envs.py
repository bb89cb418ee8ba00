"""The two interpreters a benchmark compares: ours (this workspace) and the reference plugin.

The reference `flyteplugins-wandb==2.12.1` goes into its own virtual environment under
``bench/.venv-reference`` — never into ours, never as our dependency — with the same
``flyte`` and ``wandb`` versions as ours so that only the plugin differs.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REFERENCE_VENV = BENCH / ".venv-reference"
REFERENCE_SPEC = "flyteplugins-wandb==2.12.1"


def ours() -> str:
    return sys.executable


def _uv() -> str:
    candidate = Path(sys.executable).with_name("uv")
    return str(candidate) if candidate.exists() else "uv"


def reference() -> str:
    """The reference environment's python, created on first use."""
    python = REFERENCE_VENV / "bin" / "python"
    pins = [REFERENCE_SPEC, f"flyte=={version('flyte')}", f"wandb=={version('wandb')}"]
    marker = REFERENCE_VENV / ".pins"
    if python.exists() and marker.exists() and marker.read_text() == "\n".join(pins):
        return str(python)
    subprocess.run([_uv(), "venv", "-q", "--python", sys.executable, str(REFERENCE_VENV)], check=True)
    subprocess.run([_uv(), "pip", "install", "-q", "--python", str(python), *pins], check=True)
    marker.write_text("\n".join(pins))
    return str(python)
