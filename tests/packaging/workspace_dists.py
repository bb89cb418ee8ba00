"""The workspace's distributions: where each one keeps its version, and what that version is."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
META = "flyteplugins-wandb"
SPLIT_PACKAGES = ["context", "links", "artifacts", "runs", "sweeps"]


def version_file(dist: str) -> Path:
    """The one file that holds ``dist``'s version (hatch reads and bumps it)."""
    if dist == META:
        return ROOT / "src/flyteplugins/wandb/_version.py"
    pkg = dist.removeprefix(f"{META}-")
    return ROOT / f"packages/wandb-{pkg}/src/flyteplugins/wandb_{pkg}/_version.py"


def read_version(path: Path) -> str:
    scope: dict[str, str] = {}
    exec(path.read_text(), scope)
    return scope["__version__"]


def workspace_versions() -> dict[str, str]:
    """Distribution name -> its current version, the meta-package first."""
    dists = [META, *(f"{META}-{pkg}" for pkg in SPLIT_PACKAGES)]
    return {dist: read_version(version_file(dist)) for dist in dists}


def pyprojects() -> list[Path]:
    return [
        ROOT / "pyproject.toml",
        *(ROOT / f"packages/wandb-{pkg}/pyproject.toml" for pkg in SPLIT_PACKAGES),
    ]
