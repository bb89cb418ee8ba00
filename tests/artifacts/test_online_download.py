"""Online downloads against the W&B-protocol test server, with runs logged by the real SDK."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import wandb

from flyteplugins.wandb_artifacts import download_wandb_run_dir
from flyteplugins.wandb_artifacts._atomic import STAGING_DIR, staging_entry_name
from flyteplugins.wandb_artifacts.internal import download_run
from flyteplugins.wandb_context import wandb_config
from flyteplugins.wandb_context.internal import keys
from wandb_server import WandbServer, seed_run
from wandb_server.seeding import default_row

PROJECT = "dl"


def _history(path: Path) -> list[dict]:
    rows = json.loads((path / "metrics_history.json").read_text())
    return [{k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")} for row in rows]


def test_files_summary_and_full_history_are_what_was_logged(
    server: WandbServer, art, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_PROJECT", PROJECT)
    files = art.sample_files()
    rows = seed_run(
        server, PROJECT, "full", steps=10_000, files=files, summary={"best": 0.5}, config={"lr": 0.1}
    )
    out = tmp_path / "out"

    path = download_wandb_run_dir("full", str(out))

    assert path == str(out.resolve())
    got = art.tree(out)
    for name, data in files.items():
        assert got[name] == data
    remote = {f.name: f for f in wandb.Api().run(f"{server.entity}/{PROJECT}/full").files()}
    assert set(got) - {"summary.json", "metrics_history.json"} == set(remote)
    assert _history(out) == rows
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best"] == 0.5 and summary["_step"] == 9_999
    assert not (out / STAGING_DIR).exists()


def test_history_of_100k_steps_is_complete(server: WandbServer, tmp_path: Path) -> None:
    # Planted rather than logged through the SDK: this reads history back (the SDK takes 20-50 s
    # to log 100k rows, the write side is covered by the smaller seeded runs above).
    rows = [{**default_row(step), "_step": step} for step in range(100_000)]
    server.add_run(PROJECT, "long", history=rows)
    report = download_run("long", tmp_path / "out", project=PROJECT)
    assert report.history_rows == 100_000
    assert _history(tmp_path / "out") == rows


def test_entity_project_and_run_id_come_from_the_flyte_context(
    server: WandbServer, tmp_path: Path, local_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flyte

    seed_run(server, PROJECT, "ctx-run", steps=[{"v": 1}], files={"a.txt": b"A"}, entity="team-x")
    monkeypatch.delenv("WANDB_ENTITY")
    env = flyte.TaskEnvironment(name="artifacts_online_ctx")

    @env.task
    async def fetch(out: str) -> str:
        return download_wandb_run_dir(path=out)

    ctx = {**wandb_config(project=PROJECT, entity="team-x"), keys.RUN_ID_KEY: "ctx-run"}
    out = Path(local_run(fetch, str(tmp_path / "o"), custom_context=ctx))
    assert (out / "a.txt").read_bytes() == b"A"
    assert _history(out) == [{"v": 1, "_step": 0}]


def test_rerun_skips_identical_files_and_replaces_changed_or_missing_ones(
    server: WandbServer, tmp_path: Path
) -> None:
    files = {f"f{i}.bin": os.urandom(20_000 + i) for i in range(6)}
    seed_run(server, PROJECT, "resume", steps=5, files=files)
    out = tmp_path / "out"
    download_run("resume", out, project=PROJECT)
    total = server.file_downloads()
    mtimes = {n: (out / n).stat().st_mtime_ns for n in files}
    (out / "f0.bin").unlink()
    (out / "f1.bin").write_bytes(b"corrupted")
    # What a killed earlier download leaves behind: a scratch dir of a process that is gone.
    leftover = out / STAGING_DIR / staging_entry_name(pid=999_999_999) / "x"
    leftover.mkdir(parents=True)
    (leftover / "f2.bin").write_bytes(b"partial")

    time.sleep(0.01)
    report = download_run("resume", out, project=PROJECT)

    assert sorted(report.downloaded) == ["f0.bin", "f1.bin"]
    assert server.file_downloads() - total == 2
    assert all((out / n).read_bytes() == d for n, d in files.items())
    assert all((out / n).stat().st_mtime_ns == mtimes[n] for n in files if n not in ("f0.bin", "f1.bin"))
    assert not (out / STAGING_DIR).exists()


def test_missing_run_project_and_entity_say_what_to_set(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RuntimeError, match=r"'test-entity/dl/nope' was not found.*project 'dl'"):
        download_run("nope", tmp_path / "o", project=PROJECT)
    with pytest.raises(RuntimeError, match=r"wandb_config\(entity=\.\.\., project=\.\.\.\)"):
        download_wandb_run_dir("nope", str(tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_rejected_credentials_say_to_set_the_api_key(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, PROJECT, "auth", steps=1)
    server.faults.reject_auth = True
    with pytest.raises(RuntimeError, match=r"WANDB_API_KEY.*wandb login"):
        download_run("auth", tmp_path / "o", project=PROJECT)


def test_no_api_key_at_all_says_to_set_it(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WANDB_API_KEY")
    with pytest.raises(RuntimeError, match=r"WANDB_API_KEY.*wandb login"):
        download_run("any", tmp_path / "o", project=PROJECT)
