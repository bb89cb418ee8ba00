"""Build every wheel and install them the way the README's Install section says."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["context", "links", "artifacts", "runs", "sweeps"]
from surface import DOCUMENTED_SURFACE  # noqa: E402

pytestmark = pytest.mark.slow


def _version_of(version_file: Path) -> str:
    scope: dict[str, str] = {}
    exec(version_file.read_text(), scope)
    return scope["__version__"]


def workspace_versions() -> dict[str, str]:
    versions = {"flyteplugins-wandb": _version_of(ROOT / "src/flyteplugins/wandb/_version.py")}
    for pkg in PACKAGES:
        version_file = ROOT / f"packages/wandb-{pkg}/src/flyteplugins/wandb_{pkg}/_version.py"
        versions[f"flyteplugins-wandb-{pkg}"] = _version_of(version_file)
    return versions


def _uv() -> str:
    return str(Path(sys.executable).with_name("uv"))


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    # the README's command: uv build --all-packages -o <folder>
    subprocess.run(
        [_uv(), "build", "--all-packages", "-o", str(out)], cwd=ROOT, check=True, capture_output=True
    )
    return out


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
    import zipfile

    for wheel in wheelhouse.glob("*.whl"):
        names = zipfile.ZipFile(wheel).namelist()
        assert "flyteplugins/__init__.py" not in names, wheel.name
        assert any(n.endswith("py.typed") for n in names), wheel.name


def test_internal_ranges_admit_workspace_versions() -> None:
    versions = workspace_versions()
    pyprojects = [ROOT / "pyproject.toml", *(ROOT / f"packages/wandb-{p}/pyproject.toml" for p in PACKAGES)]
    checked = 0
    for pyproject in pyprojects:
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


def _pip_install(venv: Path, wheelhouse: Path, requirement: str) -> None:
    # the README's command: pip install --find-links <folder> <distribution>==<version>
    subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--find-links",
            str(wheelhouse),
            requirement,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


def _run(venv: Path, code: str) -> str:
    proc = subprocess.run(
        [str(venv / "bin/python"), "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_links_alone_then_the_meta_package(wheelhouse: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    versions = workspace_versions()

    _pip_install(venv, wheelhouse, f"flyteplugins-wandb-links=={versions['flyteplugins-wandb-links']}")
    out = _run(
        venv,
        """
        import importlib.util, sys
        from flyteplugins.wandb_links import Wandb
        assert importlib.util.find_spec("wandb") is None, "wandb must not be installed"
        assert "wandb" not in sys.modules
        url = Wandb(project="p", entity="e").get_link("r", "fp", "d", {}, "", "a0", "")
        print(url)
        """,
    )
    assert out == "https://wandb.ai/e/p/runs/r-a0"

    _pip_install(venv, wheelhouse, f"flyteplugins-wandb=={versions['flyteplugins-wandb']}")
    out = _run(
        venv,
        f"""
        import importlib
        import flyteplugins.wandb as meta
        for name, owner in {DOCUMENTED_SURFACE!r}.items():
            assert getattr(meta, name) is getattr(importlib.import_module(owner), name), name
        print(sorted(set(meta.__all__) - {{"__version__"}}))
        """,
    )
    assert out == str(sorted(DOCUMENTED_SURFACE))
