"""Every run still gets the full requirements.txt while the package list is read once.

Also the canary proving that ``wandb.init`` consults the replaced ``wandb.util.working_set``
(``wandb_runs._compat.package_scan``; its shape is checked in ``test_compat_canaries.py``)."""

from __future__ import annotations

from importlib.metadata import distributions
from pathlib import Path

import flyte
import pytest
import wandb.util
from runs_support import run_dirs, run_local, wait_written

from flyteplugins.wandb_artifacts.records import read_run_dir
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_runs import get_wandb_run, wandb_init

env = flyte.TaskEnvironment("runs_packages")


@wandb_init(run_mode="new")
@env.task
async def new_child(i: int) -> int:
    get_wandb_run().log({"i": i})
    return i


@wandb_init
@env.task
async def parent(n: int) -> int:
    for i in range(n):
        await new_child(i)
    return n


def _requirements(wandb_dir: Path) -> dict[int | None, list[str]]:
    """Each run's requirements.txt by the ``i`` it logged (``None``: the parent)."""
    dirs = run_dirs(wandb_dir)
    wait_written(dirs)
    by_step = {}
    for d in dirs:
        history = read_run_dir(d).history
        by_step[history[0]["i"] if history else None] = (
            (d / "files" / "requirements.txt").read_text().splitlines()
        )
    return by_step


def _installed() -> set[str]:
    return {f"{d.metadata['Name']}=={d.version}" for d in distributions() if d.metadata["Name"]}


def _install_fake(site: Path, name: str) -> None:
    """What pip leaves behind for a package: a ``.dist-info`` directory with its metadata."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")


@pytest.fixture
def reads_of_the_package_list(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often the SDK's own package listing ran (the real one, counted)."""
    calls: list[int] = []
    real = wandb.util.working_set

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(wandb.util, "working_set", counted)
    return calls


def test_each_run_saves_the_full_list_read_once(wandb_offline: Path, reads_of_the_package_list) -> None:
    ctx = wandb_config(project="p", entity="e", mode="offline")
    assert run_local(parent, 3, custom_context=dict(ctx)) == 3

    files = _requirements(wandb_offline)
    assert len(files) == 4  # the parent and three new children
    expected = _installed()
    for lines in files.values():
        assert set(lines) == expected
    # Earlier tests in this process may have read it. More reads: wandb.init no longer looks up
    # wandb.util.working_set when a run starts, so the override goes unused.
    assert len(reads_of_the_package_list) <= 1, (
        f"wandb.init read the package list {len(reads_of_the_package_list)} times for 4 runs: it no "
        "longer consults wandb.util.working_set; update wandb_runs._compat.package_scan"
    )


def test_a_package_installed_between_runs_is_in_the_next_runs_list(
    wandb_offline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads_of_the_package_list
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    ctx = dict(wandb_config(project="p", entity="e", mode="offline"))

    assert run_local(new_child, 0, custom_context=ctx) == 0
    _install_fake(site, "freshly-installed")
    assert run_local(new_child, 1, custom_context=ctx) == 1
    assert run_local(new_child, 2, custom_context=ctx) == 2

    lists = _requirements(wandb_offline)
    assert "freshly-installed==1.0" not in lists[0]
    assert "freshly-installed==1.0" in lists[1]
    assert lists[2] == lists[1]
    assert len(reads_of_the_package_list) == 2  # the first run and the one after the install


def test_the_sdk_function_is_its_own_again_after_a_failed_start(
    wandb_offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = wandb.util.working_set

    @wandb_init(project="p", entity="e", mode="offline", id="bad/id")
    @env.task
    async def bad_id() -> int:
        return 1

    with pytest.raises(Exception, match="bad/id"):
        run_local(bad_id)
    assert wandb.util.working_set is real
