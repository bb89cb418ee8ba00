"""W&B artifacts into local directories and Flyte Dirs, against the W&B-protocol test server
with artifacts logged by the real SDK."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import flyte
import pytest
import wandb
from flyte.io import Dir

from flyteplugins.wandb_artifacts import (
    UnsafeTargetError,
    download_wandb_artifact,
    download_wandb_artifact_dir,
)
from flyteplugins.wandb_artifacts._artifact_download import (
    ArtifactPath,
    download_artifact,
    parse_artifact_path,
)
from flyteplugins.wandb_artifacts._atomic import STAGING_DIR
from flyteplugins.wandb_artifacts._retry import RetryPolicy
from flyteplugins.wandb_artifacts.cli import wandb_group
from flyteplugins.wandb_context import wandb_config
from wandb_server import WandbServer

PROJECT = "arts"
FAST = RetryPolicy(attempts=2, base_delay_s=0.01, max_delay_s=0.02)
env = flyte.TaskEnvironment(name="artifacts_download")


def _files(seed: int = 0) -> dict[str, bytes]:
    return {
        "model.bin": os.urandom(70_000) if seed else bytes(range(256)) * 300,
        "notes.txt": "héllo wörld\n".encode(),
        "sub/dir/data.csv": b"a,b\n1,2\n",
        "empty.dat": b"",
        "summary.json": b'{"an": "artifact may hold any name a run export reserves"}',
    }


def _log(
    root: Path,
    name: str,
    files: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
    *,
    refs: dict[str, str] | None = None,
    **init,
) -> str:
    """Log ``files`` (and ``refs``: name -> URI) as artifact ``name`` with the SDK; its version.

    The SDK keeps what it uploaded in its artifact cache and would serve a download from there:
    a new cache directory afterwards makes this process a consumer on another machine."""
    run = wandb.init(project=PROJECT, **init)
    art = wandb.Artifact(name, type="dataset")
    for rel, data in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        art.add_file(str(path), name=rel)
    for rel, uri in (refs or {}).items():
        art.add_reference(uri, name=rel)
    logged = run.log_artifact(art, aliases=["latest", "golden"]).wait()
    run.finish()
    monkeypatch.setenv("WANDB_CACHE_DIR", str(root / f"consumer-cache-{name}"))
    return logged.version


def _served(server: WandbServer) -> list[str]:
    """The artifact files the server sent (by digest, as the SDK's entry download asks)."""
    return [
        path for method, path, _ in server.requests if method == "GET" and path.startswith("/artifactsV2/")
    ]


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tmpdir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Default download paths live under TMPDIR: keep them inside the test's directory."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp


def test_files_are_byte_identical_and_a_rerun_skips_or_repairs_them(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files()
    _log(tmp_path / "src", "ds", files, monkeypatch, id="producer")
    out = tmp_path / "out"

    path = download_wandb_artifact_dir(f"{server.entity}/{PROJECT}/ds:golden", str(out))

    assert path == str(out.resolve())
    assert _tree(out) == files
    assert len(_served(server)) == len(files)
    assert not (out / STAGING_DIR).exists()
    (out / "notes.txt").write_bytes(b"changed locally")
    (out / "sub" / "dir" / "data.csv").unlink()
    again = download_artifact(f"{PROJECT}/ds:v0", out)  # the entity from WANDB_ENTITY
    assert sorted(again.downloaded) == ["notes.txt", "sub/dir/data.csv"]
    assert sorted(again.skipped) == sorted(set(files) - {"notes.txt", "sub/dir/data.csv"})
    assert again.verified == len(files) and again.unverified == [] and again.ok
    assert again.artifact == f"{server.entity}/{PROJECT}/ds:v0"
    assert _tree(out) == files and len(_served(server)) == len(files)  # repaired from the SDK's cache


def test_references_are_fetched_from_where_they_point(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "flyte-storage"
    (data / "dir" / "deep").mkdir(parents=True)
    (data / "one.txt").write_text("one")
    (data / "dir" / "deep" / "two.txt").write_text("two")
    refs = {"one.txt": (data / "one.txt").as_uri(), "tree": (data / "dir").as_uri()}
    _log(tmp_path / "src", "refs", {"plain.txt": b"plain"}, monkeypatch, refs=refs, id="refs-producer")

    report = download_artifact(f"{server.entity}/{PROJECT}/refs:latest", tmp_path / "out")

    assert _tree(tmp_path / "out") == {"plain.txt": b"plain", "one.txt": b"one", "tree/deep/two.txt": b"two"}
    assert report.verified == 3 and report.bytes_written == len(b"plainonetwo")


@pytest.mark.parametrize(
    "hostile", ["../escape.txt", "/abs/escape.txt", "a\\..\\escape.txt", "sub/../../escape.txt"]
)
def test_a_hostile_manifest_is_refused_and_nothing_is_written(
    server: WandbServer, tmp_path: Path, art, hostile: str
) -> None:
    server.add_artifact(PROJECT, "evil", files={"fine.txt": b"fine", hostile: b"escaped"})
    target = tmp_path / "box" / "out"
    target.parent.mkdir()
    since = time.time()

    with pytest.raises(UnsafeTargetError, match=r"escape\.txt") as refused:
        download_wandb_artifact_dir(f"{server.entity}/{PROJECT}/evil:latest", str(target))

    assert "Nothing was downloaded" in str(refused.value) and repr(hostile) in str(refused.value)
    assert not target.exists() and art.files_outside(target, since) == []
    assert not Path("/abs/escape.txt").exists()


def test_a_corrupt_transfer_fails_with_nothing_visible_and_a_rerun_completes(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"model.bin": os.urandom(40_000), "ok.txt": b"ok"}
    _log(tmp_path / "src", "ds", files, monkeypatch, id="producer")
    server.faults.body_faults["model.bin"] = "corrupt"  # every transfer of it, by file name
    out = tmp_path / "out"

    failed = download_artifact(f"{server.entity}/{PROJECT}/ds:latest", out, policy=FAST)

    assert (
        list(failed.failed) == ["model.bin"] and "does not match the manifest" in failed.failed["model.bin"]
    )
    assert failed.retries >= 1 and _tree(out) == {"ok.txt": b"ok"}
    with pytest.raises(RuntimeError, match=r"incomplete: failed: .model\.bin"):
        download_wandb_artifact_dir(f"{server.entity}/{PROJECT}/ds:latest", str(out))
    del server.faults.body_faults["model.bin"]
    assert download_artifact(f"{server.entity}/{PROJECT}/ds:latest", out).downloaded == ["model.bin"]
    assert _tree(out) == files


@env.task
async def fetch_artifact(path: str) -> Dir:
    return await download_wandb_artifact(path)


def test_download_wandb_artifact_in_a_flyte_task_is_a_dir(
    server: WandbServer, tmp_path: Path, tmpdir_env: Path, local_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(seed=1)
    _log(tmp_path / "src", "ds", files, monkeypatch, id="team-producer", entity="team-x")
    monkeypatch.delenv("WANDB_ENTITY")

    result = local_run(
        fetch_artifact, f"{PROJECT}/ds:golden", custom_context=dict(wandb_config(entity="team-x"))
    )

    assert isinstance(result, Dir)
    local = Path(result.path)
    assert local == tmpdir_env / "wandb_artifacts" / "team-x" / PROJECT / "ds" / "v0"
    assert _tree(local) == files
    assert sorted(f.name for f in result.walk_sync()) == sorted(Path(name).name for name in files)


def test_the_cli_downloads_summarises_and_fails_cleanly(
    server: WandbServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    files = _files()
    _log(tmp_path / "src", "ds", files, monkeypatch, id="producer")
    server.add_artifact(PROJECT, "evil", files={"../escape.txt": b"x"})
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    ok = runner.invoke(wandb_group, ["download-artifact", f"{server.entity}/{PROJECT}/ds:golden"])
    hostile = runner.invoke(wandb_group, ["download-artifact", f"{server.entity}/{PROJECT}/evil:latest"])
    missing = runner.invoke(wandb_group, ["download-artifact", f"{server.entity}/{PROJECT}/nope:latest"])
    bad = runner.invoke(wandb_group, ["download-artifact", "just-a-name"])

    assert ok.exit_code == 0, ok.output
    assert _tree(tmp_path / "ds" / "v0") == files  # the default --out: ./NAME/VERSION
    assert "W&B artifact download" in ok.output and f"{PROJECT}/ds:v0" in " ".join(ok.output.split())
    for result, says in ((hostile, "'../escape.txt'"), (missing, "was not found")):
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        text = " ".join(result.output.split())
        assert "Error:" in text and says in text and "Hint:" in text and "Traceback" not in text
    assert not (tmp_path / "evil").exists() and not (tmp_path / "escape.txt").exists()
    assert bad.exit_code == 2 and "ENTITY/PROJECT/NAME:ALIAS" in bad.output


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "ds:latest",
        "e/p/ds/extra",
        "e//ds",
        "e/p/",
        "e/p/my ds",
        "e/p/ds:",
        "e/p/ds:a:b",
        "../p/ds",
        "e/p/d$",
    ],
)
def test_bad_paths_are_value_errors_naming_the_value_and_the_form(bad: str) -> None:
    with pytest.raises(ValueError) as err:
        download_wandb_artifact_dir(bad)
    assert repr(bad) in str(err.value) and "ENTITY/PROJECT/NAME:ALIAS" in str(err.value)


def test_good_paths_parse_with_latest_as_the_default_version() -> None:
    assert parse_artifact_path("team/proj/ds.v2-x_y:best") == ArtifactPath(
        "team", "proj", "ds.v2-x_y", "best"
    )
    assert parse_artifact_path("proj/ds") == ArtifactPath(None, "proj", "ds", "latest")
