"""Artifacts through the unmodified SDK: log, use, query, download, lineage, deduplication,
hostile manifests and an offline run's artifact arriving with ``wandb sync``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import wandb

from wandb_server import WandbServer
from wandb_server.artifacts import Upload, path_problem
from wandb_server.artifacts_schema import UPLOAD_PATH

PROJECT = "arts"
# What the SDK sends for log_artifact / use_artifact / Api().artifact(...) and friends.
ARTIFACT_OPERATIONS = {
    "CreateArtifact",
    "CreateArtifactManifest",
    "CreateArtifactFiles",
    "CommitArtifact",
    "UseArtifact",
    "ArtifactMembershipByName",
    "FetchArtifactManifest",
    "GetArtifactMembershipFileUrls",
    "ArtifactMembershipFiles",
    "ArtifactCreatedBy",
    "ArtifactUsedBy",
    "ProjectArtifacts",
    "RunOutputArtifacts",
    "RunInputArtifacts",
}


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return wandb_server.use(monkeypatch)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha")
    (root / "b.bin").write_bytes(bytes(range(256)) * 40)
    (root / "dir" / "x.txt").write_text("x")
    (root / "dir" / "sub" / "y.txt").write_text("y")
    return root


def _dataset(data: Path, name: str = "ds") -> wandb.Artifact:
    art = wandb.Artifact(name, type="dataset", metadata={"rows": 3, "source": "selftest"})
    art.add_file(str(data / "a.txt"))
    art.add_file(str(data / "b.bin"), name="nested/b.bin")
    return art


def test_log_use_query_download_and_lineage(server: WandbServer, data: Path, tmp_path: Path) -> None:
    producer = wandb.init(project=PROJECT, id="producer")
    producer.log_artifact(_dataset(data), aliases=["latest", "golden"])
    model = wandb.Artifact("refs", type="model", metadata={"uri": data.as_uri()})
    model.add_reference((data / "a.txt").as_uri())
    model.add_reference((data / "dir").as_uri(), name="tree")
    producer.log_artifact(model, aliases=["best"])
    producer.finish()

    consumer = wandb.init(project=PROJECT, id="consumer")
    used = consumer.use_artifact("ds:latest")
    consumer.use_artifact(wandb.Api().artifact(f"{server.entity}/{PROJECT}/refs:best"))
    got = Path(used.download(str(tmp_path / "dl")))
    consumer.finish()

    record = server.artifact("ds", "golden", project=PROJECT)
    assert record is not None and record.version == "v0" and record.type == "dataset"
    assert sorted(record.aliases) == ["golden", "latest"]
    assert record.metadata == {"rows": 3, "source": "selftest"}
    assert {p: e.size for p, e in record.manifest.items()} == {"a.txt": 5, "nested/b.bin": 10240}
    assert record.logged_by == "producer" and record.used_by == ["consumer"]
    refs = server.artifact("refs", "best")
    assert refs is not None and refs.type == "model" and refs.used_by == ["consumer"]
    assert {p: e.ref for p, e in refs.manifest.items()} == {
        "a.txt": (data / "a.txt").as_uri(),
        "tree/x.txt": (data / "dir" / "x.txt").as_uri(),
        "tree/sub/y.txt": (data / "dir" / "sub" / "y.txt").as_uri(),
    }
    assert (got / "a.txt").read_text() == "alpha"
    assert (got / "nested" / "b.bin").read_bytes() == (data / "b.bin").read_bytes()

    api = wandb.Api()
    art = api.artifact(f"{server.entity}/{PROJECT}/ds:golden")
    assert (art.type, art.version, art.metadata) == ("dataset", "v0", record.metadata)
    assert sorted(art.aliases) == ["golden", "latest"]
    assert sorted(f.name for f in art.files()) == ["a.txt", "nested/b.bin"]
    assert art.logged_by().id == "producer"
    assert [run.id for run in art.used_by()] == ["consumer"]
    assert api.artifact(f"{server.entity}/{PROJECT}/ds:{art.digest}").id == art.id
    assert api.artifact_exists(f"{server.entity}/{PROJECT}/ds:v0")
    assert not api.artifact_exists(f"{server.entity}/{PROJECT}/ds:v1")
    assert [a.name for a in api.artifact_versions("dataset", f"{server.entity}/{PROJECT}/ds")] == ["ds:v0"]
    refs_dir = Path(api.artifact(f"{server.entity}/{PROJECT}/refs:latest").download(str(tmp_path / "refs")))
    assert (refs_dir / "tree" / "sub" / "y.txt").read_text() == "y"
    runs = {r: api.run(f"{server.entity}/{PROJECT}/{r}") for r in ("producer", "consumer")}
    assert sorted(a.name for a in runs["producer"].logged_artifacts()) == ["ds:v0", "refs:v0"]
    assert sorted(a.name for a in runs["consumer"].used_artifacts()) == ["ds:v0", "refs:v0"]

    assert set(server.graphql_operations()) >= ARTIFACT_OPERATIONS
    assert server.unknown_fields == set()
    assert server.artifact_refusals == []


def test_the_same_digest_is_the_same_version_and_aliases_move(server: WandbServer, data: Path) -> None:
    for run_id in ("first", "second"):
        run = wandb.init(project=PROJECT, id=run_id)
        run.log_artifact(_dataset(data), aliases=[f"from-{run_id}"]).wait()
        run.finish()
    (data / "a.txt").write_text("changed")
    run = wandb.init(project=PROJECT, id="third")
    logged = run.log_artifact(_dataset(data)).wait()
    run.finish()

    v0, v1 = server.artifact("ds", "v0"), server.artifact("ds", "v1")
    assert v0 is not None and v1 is not None and logged.version == "v1"
    assert (v0.logged_by, v0.also_logged_by) == ("first", ["second"])
    assert sorted(v0.aliases) == ["from-first", "from-second"]
    assert sorted(v1.aliases) == ["latest"] and v1.logged_by == "third"
    assert server.artifact("ds") is v1
    assert [v.version for v in server.artifacts()] == ["v0", "v1"]
    assert server.unknown_fields == set()


def test_a_hostile_manifest_path_is_refused_and_the_sdk_raises(server: WandbServer, data: Path) -> None:
    run = wandb.init(project=PROJECT, id="hostile")
    art = wandb.Artifact("bad", type="dataset")
    art.add_file(str(data / "a.txt"), name="dir\\evil.txt")  # the SDK itself lets a backslash through
    with pytest.raises(ValueError, match=r"refused entry path .*contains a backslash"):
        run.log_artifact(art).wait(timeout=60)
    run.finish()

    assert [(r.artifact, r.path) for r in server.artifact_refusals] == [
        (f"{server.entity}/{PROJECT}/bad", "dir\\evil.txt")
    ]
    assert server.artifact("bad") is None
    assert not wandb.Api().artifact_exists(f"{server.entity}/{PROJECT}/bad:latest")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../escape.txt", "'..' segment"),
        ("a/../../up.txt", "'..' segment"),
        ("/etc/passwd", "absolute"),
        ("C:/x.txt", "absolute"),
        ("a\\b.txt", "backslash"),
        ("nul\x00.txt", "NUL"),
        ("", "empty"),
    ],
)
def test_every_hostile_manifest_path_is_refused_over_http(
    server: WandbServer, path: str, reason: str
) -> None:
    store = server.artifact_store
    with server.storage.lock:
        version = store.create(
            server.entity,
            PROJECT,
            "raw",
            "dataset",
            "d1",
            run=None,
            aliases=[],
            metadata={},
            description=None,
        )
        token = store.upload_token(Upload(server.entity, manifest_of=version))
    manifest = {
        "version": 1,
        "contents": {path: {"digest": "abc", "size": 1}, "ok.txt": {"digest": "d", "size": 1}},
    }
    request = urllib.request.Request(
        server.base_url + UPLOAD_PATH + token, data=json.dumps(manifest).encode(), method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.code == 400 and reason in refused.value.read().decode()
    assert [(r.path, reason in r.reason) for r in server.artifact_refusals] == [(path, True)]
    assert version.manifest == {} and path_problem("ok/fine.txt") is None


def test_a_planted_hostile_manifest_reaches_clients_as_is(server: WandbServer, tmp_path: Path) -> None:
    server.add_artifact(PROJECT, "planted", files={"../escape.txt": b"out", "fine.txt": b"in"})

    art = wandb.Api().artifact(f"{server.entity}/{PROJECT}/planted:latest")

    assert sorted(art.manifest.entries) == ["../escape.txt", "fine.txt"]
    with pytest.raises(ValueError, match="Invalid artifact path"):  # the SDK refuses it itself
        art.download(str(tmp_path / "dl" / "inner"))
    assert not (tmp_path / "dl" / "escape.txt").exists()


def test_an_offline_artifact_reaches_the_server_with_wandb_sync(
    server: WandbServer, data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    wandb.teardown()
    run = wandb.init(project=PROJECT, id="offline-producer")
    art = _dataset(data, "offds")
    art.add_reference((data / "dir").as_uri(), name="tree")
    run.log_artifact(art, aliases=["latest", "offline"])
    with pytest.raises(TypeError, match="offline mode"):
        run.use_artifact("offds:latest")
    run_dir = Path(run.dir).parent
    run.finish()
    wandb.teardown()  # waits for wandb-core to finish the run's log
    assert server.artifact("offds") is None

    dropped = ("WANDB_MODE", "WANDB_SILENT", "WANDB_SERVICE")  # online, verbose, its own wandb-core
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    sync = subprocess.run(
        [sys.executable, "-m", "wandb", "sync", str(run_dir)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert sync.returncode == 0, sync.stdout + sync.stderr
    record = server.artifact("offds", "offline")
    assert record is not None and record.logged_by == "offline-producer"
    assert record.metadata == {"rows": 3, "source": "selftest"} and sorted(record.aliases) == [
        "latest",
        "offline",
    ]
    assert record.manifest["tree/sub/y.txt"].ref == (data / "dir" / "sub" / "y.txt").as_uri()
    assert record.manifest["nested/b.bin"].size == 10240 and record.used_by == []
    assert server.unknown_fields == set()
