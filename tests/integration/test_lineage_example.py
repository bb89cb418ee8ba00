"""``examples/lineage.py``: prepare -> train -> evaluate offline, each run logging what it returns
and listing what it received; after ``flyte wandb sync`` the server holds the whole graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from example_scripts import run_example

from flyteplugins.wandb_artifacts._sync import sync_run_dirs
from flyteplugins.wandb_artifacts.records import iter_local_runs, read_artifacts, read_run_dir
from wandb_server import WandbServer

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_logs_the_dataset_and_the_model_and_lists_them_as_inputs(
    tmp_path: Path, wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = run_example("lineage.py", tmp_path)
    wandb_dir = tmp_path / "wandb"
    assert f"flyte wandb sync {wandb_dir}" in out
    runs = {read_run_dir(d, load_history=False).job_type: d for _, d in iter_local_runs(wandb_dir)}
    assert sorted(runs) == ["data-prep", "eval", "train"]
    (dataset,) = read_artifacts(runs["data-prep"])
    (model,) = read_artifacts(runs["train"])
    assert read_artifacts(runs["eval"]) == []
    assert (dataset.type, model.type) == ("dataset", "model")
    assert sorted(Path(ref).name for ref in dataset.references) == ["test.csv", "train.csv"]
    assert all(
        ref.startswith(f"file://{tmp_path}/lineage-data/") for ref in dataset.references + model.references
    )
    inputs = {
        job: [e["artifact"] for e in read_run_dir(d).config.get("flyte_inputs", [])]
        for job, d in runs.items()
    }
    assert inputs == {"data-prep": [], "train": [dataset.name], "eval": [model.name, dataset.name]}
    for name in (dataset.name, model.name):
        assert f"{name}:latest" in out

    # The command the example prints: the runs go up, then their inputs become uses.
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))  # wandb sync's own logs, not in the checkout
    wandb_server.use(monkeypatch)
    assert all(result.ok for result in sync_run_dirs(wandb_dir))
    ids = {job: read_run_dir(d, load_history=False).run_id for job, d in runs.items()}
    on_server = {
        name: wandb_server.artifact(name, project="flyte-wandb-lineage")
        for name in (dataset.name, model.name)
    }
    assert on_server[dataset.name] is not None and on_server[model.name] is not None
    assert on_server[dataset.name].logged_by == ids["data-prep"]
    assert sorted(on_server[dataset.name].used_by) == sorted([ids["train"], ids["eval"]])
    assert (on_server[model.name].logged_by, on_server[model.name].used_by) == (ids["train"], [ids["eval"]])
