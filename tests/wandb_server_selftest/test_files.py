"""Run files: hostile names come back as-is, listing pages, downloads are byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
import wandb
from wandb.errors import CommError

from wandb_server import WandbServer, seed_run

HOSTILE = ["../escape.txt", "/abs/path", "x" * 300, "dir/../../up.txt", "spaces and ünïcode?.txt", "a\\b.txt"]


@pytest.fixture
def server(wandb_server: WandbServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> WandbServer:
    monkeypatch.chdir(tmp_path)
    return wandb_server.use(monkeypatch)


def test_hostile_names_are_listed_as_is(server: WandbServer) -> None:
    for i, name in enumerate(HOSTILE):
        server.add_file(server.entity, "proj", "hostile", name, f"content {i}".encode())
    files = wandb.Api().run(f"{server.entity}/proj/hostile").files()
    assert sorted(f.name for f in files) == sorted(HOSTILE)
    assert {f.name: f.size for f in files}["x" * 300] == len(b"content 2")
    assert not any((server.storage_dir / name).exists() for name in ("../escape.txt", "escape.txt"))


def test_planted_file_downloads_byte_identical(server: WandbServer, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    server.add_file(server.entity, "proj", "planted", "deep/dir/blob.bin", data)
    (file,) = wandb.Api().run(f"{server.entity}/proj/planted").files()
    file.download(root=str(tmp_path / "out"), replace=True)
    assert (tmp_path / "out" / "deep" / "dir" / "blob.bin").read_bytes() == data


def test_listing_pages_and_name_and_pattern_filters(server: WandbServer) -> None:
    seed_run(server, "proj", "many", files={f"f{i}.txt": str(i).encode() for i in range(7)})
    run = wandb.Api().run(f"{server.entity}/proj/many")
    names = [f.name for f in run.files(per_page=2)]
    assert {f"f{i}.txt" for i in range(7)} <= set(names) and len(names) == len(set(names))
    assert [f.name for f in run.files(names=["f3.txt"])] == ["f3.txt"]
    assert sorted(f.name for f in run.files(pattern="f_.txt")) == [f"f{i}.txt" for i in range(7)]
    assert run.file("f5.txt").size == 1


def test_a_missing_run_is_an_error(server: WandbServer) -> None:
    with pytest.raises(CommError, match="Could not find run"):
        wandb.Api().run(f"{server.entity}/proj/nope")
