"""Build every wheel and install them the way the README's Install section says, with pip.

Each install goes into a fresh virtual environment and reaches the real package index, where
the documented plugin is published as ``flyteplugins-wandb`` 2.x. To stay fast, the third-party
dependencies (flyte, wandb, ...) are put in first with ``uv pip`` at the workspace's versions,
from uv's cache; pip then only decides which ``flyteplugins-wandb*`` distributions to install,
which is what these tests are about. Every process runs in its own temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

import pytest
from surface import DOCUMENTED_SURFACE
from workspace_dists import META, ROOT, workspace_versions

pytestmark = pytest.mark.slow

# The documented plugin, the newest 2.x on PyPI when our meta-package took 3.0.0.
DOCUMENTED_PLUGIN = f"{META}==2.12.1"


def _uv() -> str:
    return str(Path(sys.executable).with_name("uv"))


def _call(args: list[str], cwd: Path) -> str:
    # Bytecode written on first import makes each later import of flyte and wandb fast.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(args)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    # the README's command: uv build --all-packages -o <folder>
    _call([_uv(), "build", "--all-packages", "-o", str(work / "wheels"), str(ROOT)], cwd=work)
    return work / "wheels"


@pytest.fixture(scope="session")
def workspace_pins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A constraints file: every third-party distribution at the version this workspace runs."""
    pins = sorted(
        {
            f"{d.metadata['Name']}=={d.version}"
            for d in distributions()
            if not d.metadata["Name"].startswith(META)
        }
    )
    path = tmp_path_factory.mktemp("pins") / "constraints.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


class Venv:
    """A fresh virtual environment (with pip) and the commands a user runs in it."""

    def __init__(self, tmp_path: Path, wheelhouse: Path, pins: Path) -> None:
        self.cwd = tmp_path
        self.wheelhouse = wheelhouse
        self.pins = pins
        path = tmp_path / "venv"
        _call([_uv(), "venv", "-q", "--seed", "--python", sys.executable, str(path)], cwd=tmp_path)
        self.python = str(path / "bin/python")

    def preinstall(self, *requirements: str) -> None:
        """Third-party dependencies from uv's cache, at the workspace's versions."""
        uv_pip = [_uv(), "pip", "install", "-q", "--python", self.python, "-c", str(self.pins)]
        _call([*uv_pip, *requirements], cwd=self.cwd)

    def pip_install(self, *args: str) -> str:
        """The README's command: pip install --find-links <folder> ..."""
        return _call(
            [self.python, "-m", "pip", "install", "-q", "--find-links", str(self.wheelhouse), *args],
            cwd=self.cwd,
        )

    def run(self, code: str) -> str:
        return _call([self.python, "-c", textwrap.dedent(code)], cwd=self.cwd).strip()

    def meta_package(self, *, imported: bool = True) -> dict[str, Any]:
        """The installed flyteplugins-wandb: its version and RECORD, and what importing it gives."""
        out = self.run(
            f"""
            import importlib, json
            from importlib.metadata import distribution
            dist = distribution("{META}")
            found = {{"version": dist.version, "site": str(dist.locate_file("")),
                      "files": sorted(str(f) for f in dist.files or ())}}
            if {imported!r}:
                import flyteplugins.wandb as meta
                found.update(
                    module_file=meta.__file__,
                    module_version=getattr(meta, "__version__", None),
                    surface_is_ours=all(
                        getattr(meta, name) is getattr(importlib.import_module(owner), name)
                        for name, owner in {DOCUMENTED_SURFACE!r}.items()
                    ),
                )
            print(json.dumps(found))
            """
        )
        return json.loads(out.splitlines()[-1])


def test_every_package_builds_a_wheel_and_an_sdist(wheelhouse: Path) -> None:
    wheels = sorted(p.name for p in wheelhouse.glob("*.whl"))
    sdists = sorted(p.name for p in wheelhouse.glob("*.tar.gz"))
    assert len(wheels) == 6, wheels
    assert len(sdists) == 6, sdists
    for dist, version in workspace_versions().items():
        stem = dist.replace("-", "_")
        assert f"{stem}-{version}-py3-none-any.whl" in wheels
        assert f"{stem}-{version}.tar.gz" in sdists


def test_no_namespace_init_in_any_wheel(wheelhouse: Path) -> None:
    for wheel in wheelhouse.glob("*.whl"):
        names = zipfile.ZipFile(wheel).namelist()
        assert "flyteplugins/__init__.py" not in names, wheel.name
        assert any(n.endswith("py.typed") for n in names), wheel.name


def test_links_alone_then_ours_unpinned_also_over_an_installed_documented_plugin(
    wheelhouse: Path, workspace_pins: Path, tmp_path: Path
) -> None:
    venv = Venv(tmp_path, wheelhouse, workspace_pins)
    versions = workspace_versions()

    # The UI-only install: links without the wandb SDK.
    venv.preinstall("flyte")
    venv.pip_install(f"{META}-links")
    out = venv.run(
        """
        import importlib.util, sys
        from flyteplugins.wandb_links import Wandb
        assert importlib.util.find_spec("wandb") is None, "wandb must not be installed"
        assert "wandb" not in sys.modules
        print(Wandb(project="p", entity="e").get_link("r", "fp", "d", {}, "", "a0", ""))
        """
    )
    assert out == "https://wandb.ai/e/p/runs/r-a0"

    # Unpinned, pip picks ours over every flyteplugins-wandb 2.x on the index.
    report = json.loads(venv.pip_install("--dry-run", "--no-deps", "--report", "-", META))
    picked = [(item["metadata"]["name"], item["metadata"]["version"]) for item in report["install"]]
    assert picked == [(META, versions[META])]

    # A user of the documented plugin upgrades to ours.
    venv.preinstall(DOCUMENTED_PLUGIN)
    old = venv.meta_package(imported=False)
    assert old["version"] == "2.12.1"
    venv.pip_install("--upgrade", META)
    new = venv.meta_package()
    assert new["version"] == new["module_version"] == versions[META]
    assert new["surface_is_ours"]
    site = Path(new["site"])
    assert Path(new["module_file"]) == site / "flyteplugins/wandb/__init__.py"
    assert "flyteplugins/wandb/__init__.py" in new["files"]

    # No module of the old distribution is left behind.
    ours = {f for f in new["files"] if f.startswith("flyteplugins/wandb/")}
    stale = {f for f in old["files"] if f.startswith("flyteplugins/wandb/")} - ours
    assert stale, "2.x shipped modules that ours does not: this check must look at them"
    assert [f for f in stale if (site / f).exists()] == []
    ours_modules = {Path(f).stem for f in ours if f.endswith(".py")}
    foreign = [
        str(p.relative_to(site))
        for p in (site / "flyteplugins/wandb").rglob("*")
        if p.is_file()
        and str(p.relative_to(site)) not in ours
        and not (p.parent.name == "__pycache__" and p.name.split(".")[0] in ours_modules)
    ]
    assert foreign == []
    assert list(site.glob(f"{META.replace('-', '_')}-2*")) == []
