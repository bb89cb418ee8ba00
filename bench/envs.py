"""The two interpreters a benchmark compares: ours and the reference plugin.

The reference `flyteplugins-wandb==2.12.1` goes into its own virtual environment under
``bench/.venv-reference`` — never into ours, never as our dependency. Ours runs from
``bench/.venv-ours``: our packages (editable, so it measures the working tree) and their
runtime dependencies only. Both get the same ``flyte`` and ``wandb`` versions, so only the
plugin differs. Measuring ours from the workspace venv instead would not be fair to it:
``wandb.init`` lists every installed package for the run's requirements.txt, and the dev
tools (pytest, ruff, pyright, hatch, scikit-learn, ...) make that ~25 ms slower per run.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REFERENCE_VENV = BENCH / ".venv-reference"
REFERENCE_SPEC = "flyteplugins-wandb==2.12.1"


OURS_VENV = BENCH / ".venv-ours"
ROOT = BENCH.parent
OUR_PACKAGES = ["-e", str(ROOT), *(f"-e{p}" for p in sorted(map(str, (ROOT / "packages").iterdir())))]


def workspace() -> str:
    """This workspace's python: for the harness self-test, not for measurements."""
    return sys.executable


def ours() -> str:
    """Our measuring environment's python, created on first use."""
    python = _venv(OURS_VENV, [*OUR_PACKAGES, *_shared_pins()])
    _compile(python, [str(p) for p in sorted((ROOT / "packages").glob("*/src"))] + [str(ROOT / "src")])
    return python


def _uv() -> str:
    candidate = Path(sys.executable).with_name("uv")
    return str(candidate) if candidate.exists() else "uv"


def reference() -> str:
    """The reference environment's python, created on first use."""
    return _venv(REFERENCE_VENV, [REFERENCE_SPEC, *_shared_pins()])


def _shared_pins() -> list[str]:
    return [f"flyte=={version('flyte')}", f"wandb=={version('wandb')}"]


def _venv(path: Path, requirements: list[str]) -> str:
    python = path / "bin" / "python"
    marker = path / ".pins"
    recorded = "\n".join([*requirements, "(bytecode compiled)"])
    if python.exists() and marker.exists() and marker.read_text() == recorded:
        return str(python)
    subprocess.run([_uv(), "venv", "-q", "--clear", "--python", sys.executable, str(path)], check=True)
    subprocess.run([_uv(), "pip", "install", "-q", "--python", str(python), *requirements], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    _compile(str(python), [site])
    marker.write_text(recorded)
    return str(python)


def _compile(python: str, dirs: list[str]) -> None:
    """Byte-compile ``dirs`` as ``pip install`` does by default (``uv pip`` does not, and with
    PYTHONDONTWRITEBYTECODE set every measured process would compile its imports from source)."""
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", *dirs], check=False, stdout=subprocess.DEVNULL
    )


@dataclass(frozen=True)
class Pythons:
    """The interpreters one benchmark run compares."""

    reference: str
    ours: str

    @property
    def self_test(self) -> bool:
        """Both sides are one interpreter (``--ours-only``): each script needs to run once."""
        return self.reference == self.ours
