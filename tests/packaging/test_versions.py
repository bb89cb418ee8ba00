"""Each package has one version, in one place, that hatch reads and bumps; internal ranges admit them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version
from workspace_dists import META, ROOT, pyprojects, read_version, version_file, workspace_versions

HATCH = str(Path(sys.executable).with_name("hatch"))
# Under `uv run`, VIRTUAL_ENV points at the workspace venv and hatch would install its build
# backend there instead of into its own build environment.
HATCH_ENV = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("UV_")}


def hatch(*args: str, cwd: Path) -> str:
    proc = subprocess.run([HATCH, *args], cwd=cwd, capture_output=True, text=True, env=HATCH_ENV, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize("dist", list(workspace_versions()))
def test_hatch_reads_the_package_version(dist: str) -> None:
    project_dir = ROOT if dist == META else version_file(dist).parents[3]
    out = hatch("version", cwd=project_dir)
    assert out.strip().splitlines()[-1] == read_version(version_file(dist))


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


def test_internal_ranges_admit_workspace_versions() -> None:
    versions = workspace_versions()
    checked = 0
    for pyproject in pyprojects():
        data = tomllib.loads(pyproject.read_text())
        reqs = list(data["project"]["dependencies"])
        for extra in data["project"].get("optional-dependencies", {}).values():
            reqs += extra
        for raw in reqs:
            req = Requirement(raw)
            if req.name in versions:
                assert req.specifier.contains(versions[req.name]), (
                    f"{pyproject}: {raw} vs {versions[req.name]}"
                )
                assert str(req.specifier).startswith("~="), (
                    f"{pyproject}: use a compatible-release range: {raw}"
                )
                checked += 1
    assert checked >= 10


def test_the_meta_package_succeeds_the_published_2x_line_and_needs_all_five() -> None:
    versions = workspace_versions()
    # PyPI serves the documented plugin as flyteplugins-wandb 2.x: below 3, an unpinned
    # `pip install flyteplugins-wandb` would install that other project instead of ours.
    assert Version(versions[META]).major >= 3, f"{META} {versions[META]} must sort above every 2.x release"
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {Requirement(raw).name for raw in meta["dependencies"]}
    assert required == set(versions) - {META}
    assert {Requirement(raw).name for raw in meta["optional-dependencies"]["local"]} == {f"{META}-sweeps"}
