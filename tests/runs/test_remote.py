"""Remote mode: tasks in separate pods share one W&B run through the run id in
``custom_context`` and W&B's shared-mode settings (the creating task is primary, children
are labelled secondaries).

Both sides run the way Flyte runs an action in a pod (no parent task in the process, so Flyte
reports ``mode="remote"``): the parent in this process, the child in a subprocess with its own
W&B service, started with the parent's ``custom_context``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from runs_pod import run_as_pod
from runs_remote_tasks import parent_pod
from runs_support import metrics, wait_written

from flyteplugins.wandb_artifacts.records import find_offline_run_dirs, read_run_dir
from flyteplugins.wandb_context import wandb_config


def test_child_pod_joins_the_parent_run_as_a_labelled_secondary(offline: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "pods"
    scratch.mkdir()
    asyncio.run(
        run_as_pod(
            parent_pod,
            context=dict(wandb_config(project="remote-project")),
            action="parent-action",
            run_name="remote-run",
            work_dir=tmp_path / "flyte",
            scratch=str(scratch),
        )
    )
    parent = json.loads((scratch / "parent.json").read_text())
    child = json.loads((scratch / "child.json").read_text())

    assert parent == {
        "run_id": "remote-run-parent-action",
        "mode": "remote",
        "wandb_mode": "offline",  # shared mode needs a W&B server; offline runs keep their mode
        "primary": True,
        "label": "parent-action",
        "update_finish_state": True,
    }
    assert child == {
        "run_id": "remote-run-parent-action",
        "mode": "remote",
        "wandb_mode": "offline",
        "primary": False,
        "label": "child-action",
        "update_finish_state": False,
    }

    # Offline, each writer leaves its own local directory for the one run id.
    dirs = find_offline_run_dirs(parent["run_id"], offline)
    assert len(dirs) == 2
    wait_written(dirs)
    by_writer = {("parent" if "parent" in metrics(read_run_dir(d))[0] else "child"): d for d in dirs}
    assert metrics(read_run_dir(by_writer["parent"])) == [{"parent": 1}, {"parent": 2}]
    assert metrics(read_run_dir(by_writer["child"])) == [{"child": 1}]
    assert read_run_dir(by_writer["child"]).project == "remote-project"
    # The primary writes the run's metadata files; the secondary only its labelled console log.
    assert (by_writer["parent"] / "files" / "requirements.txt").exists()
    child_files = sorted(p.name for p in (by_writer["child"] / "files").iterdir())
    assert "requirements.txt" not in child_files
    assert "output_child-action.log" in child_files
    # Only the parent's writer records the Flyte origin in the run's config.
    assert read_run_dir(by_writer["parent"]).config["flyte"]["action_name"] == "parent-action"
    assert "flyte" not in read_run_dir(by_writer["child"]).config


def test_shared_mode_against_a_wandb_server(wandb_server, monkeypatch, tmp_path: Path) -> None:
    """Online, both pods open the one run in W&B shared mode; the primary's finish ends it.

    The test server stores history by line offset and does not merge several writers' streams
    (the W&B backend does), so only the primary's rows are checked here.
    """
    import wandb

    wandb_server.use(monkeypatch)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    scratch = tmp_path / "pods"
    scratch.mkdir()
    asyncio.run(
        run_as_pod(
            parent_pod,
            context=dict(wandb_config(project="remote-project", entity=wandb_server.entity)),
            action="parent-action",
            run_name="remote-run",
            work_dir=tmp_path / "flyte",
            scratch=str(scratch),
        )
    )
    parent = json.loads((scratch / "parent.json").read_text())
    child = json.loads((scratch / "child.json").read_text())
    assert (parent["wandb_mode"], parent["primary"]) == ("shared", True)
    assert (child["wandb_mode"], child["primary"], child["update_finish_state"]) == ("shared", False, False)
    run = wandb.Api().run(f"{wandb_server.entity}/remote-project/{parent['run_id']}")
    assert run.state == "finished"
    assert run.config["flyte"]["action_name"] == "parent-action"
    assert [r["parent"] for r in run.scan_history() if "parent" in r][-1] == 2
