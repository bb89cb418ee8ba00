"""Each package has one version, in one place, that hatch reads and bumps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HATCH = str(Path(sys.executable).with_name("hatch"))
# Under `uv run`, VIRTUAL_ENV points at the workspace venv and hatch would install its build
# backend there instead of into its own build environment.
HATCH_ENV = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("UV_")}


def hatch(*args: str, cwd: Path) -> str:
    proc = subprocess.run([HATCH, *args], cwd=cwd, capture_output=True, text=True, env=HATCH_ENV, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize("package", ["context", "links", "artifacts", "runs", "sweeps"])
def test_hatch_reads_the_package_version(package: str) -> None:
    pkg_dir = ROOT / f"packages/wandb-{package}"
    out = hatch("version", cwd=pkg_dir)
    scope: dict[str, str] = {}
    exec((pkg_dir / f"src/flyteplugins/wandb_{package}/_version.py").read_text(), scope)
    assert out.strip().splitlines()[-1] == scope["__version__"]


def test_bumping_one_package_touches_only_its_version_file(tmp_path: Path) -> None:
    copy = tmp_path / "wandb-links"
    shutil.copytree(ROOT / "packages/wandb-links", copy)
    version_file = copy / "src/flyteplugins/wandb_links/_version.py"
    before = version_file.read_text()
    hatch("version", "minor", cwd=copy)
    after = version_file.read_text()
    assert before != after
    major, minor, _ = before.split('"')[1].split(".")
    assert after.split('"')[1] == f"{major}.{int(minor) + 1}.0"
    assert (ROOT / "packages/wandb-links/src/flyteplugins/wandb_links/_version.py").read_text() == before
