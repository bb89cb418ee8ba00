"""The staging area and publishing, on their own: nothing planted in a target is trusted."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flyteplugins.wandb_artifacts._atomic import HOST_TAG, Staging, staging_entry_name, write_json
from flyteplugins.wandb_artifacts._errors import UnsafeTargetError
from flyteplugins.wandb_artifacts._fs import remove_tree
from flyteplugins.wandb_artifacts._paths import STAGING_DIR, UnsafePathError, safe_destination
from flyteplugins.wandb_artifacts.internal import pid_alive


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


def _deep_tree(root: Path, depth: int) -> None:
    """``root/d/d/.../d/f``, ``depth`` levels deep (built relative to directory descriptors,
    so any depth works)."""
    root.mkdir(parents=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)


@pytest.fixture
def deep_trees(tmp_path: Path) -> Iterator[Path]:
    """A directory for trees too deep for ``shutil.rmtree``'s recursion: removed afterwards
    whatever the code under test did, so pytest's own cleanup of old temp dirs never trips."""
    root = tmp_path / "deep"
    yield root
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        shutil.rmtree(root, ignore_errors=True)
    finally:
        sys.setrecursionlimit(limit)


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "keep.me").write_bytes(b"mine")
    (outside / "sub" / "deep.me").write_bytes(b"mine too")
    (outside / staging_entry_name(pid=_dead_pid())).mkdir()  # named like a dead leftover of ours
    return outside


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_symlink_or_file_at_the_staging_path_is_refused_naming_it(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    before = _listing(outside)
    linked, filed = tmp_path / "linked", tmp_path / "filed"
    linked.mkdir()
    filed.mkdir()
    (linked / STAGING_DIR).symlink_to(outside)
    (filed / STAGING_DIR).write_bytes(b"not a dir")

    with pytest.raises(UnsafeTargetError, match=re.escape(f"'{linked / STAGING_DIR}' is a symlink")):
        Staging(linked)
    not_a_dir = re.escape(f"'{filed / STAGING_DIR}' exists and is not a directory")
    with pytest.raises(UnsafeTargetError, match=not_a_dir):
        Staging(filed)

    assert _listing(outside) == before
    assert (filed / STAGING_DIR).read_bytes() == b"not a dir"


def test_only_dead_leftovers_of_this_host_are_reaped(tmp_path: Path, deep_trees: Path) -> None:
    target = deep_trees
    base = target / STAGING_DIR
    base.mkdir(parents=True)
    outside = _outside(tmp_path)
    before = _listing(outside)
    dead = _dead_pid()
    reaped = {
        "dead": staging_entry_name(pid=dead),
        "dead link": staging_entry_name(pid=dead),
        "dead file": staging_entry_name(pid=dead),
        "dead and deep": staging_entry_name(pid=dead),
    }
    (base / reaped["dead"] / "files" / "x").mkdir(parents=True)
    (base / reaped["dead"] / "files" / "x" / "partial.bin").write_bytes(b"half")
    (base / reaped["dead"] / "files" / "x" / "out").symlink_to(outside)  # inside a leftover
    (base / reaped["dead link"]).symlink_to(outside)
    (base / reaped["dead file"]).write_bytes(b"")
    # deeper than shutil.rmtree's recursion can go (each level costs an rmdir of ~1-3 ms here)
    _deep_tree(base / reaped["dead and deep"], depth=1_100)
    kept = [
        staging_entry_name(pid=os.getpid()),  # alive: this process
        staging_entry_name(pid=os.getppid()),  # alive: another process of this host
        staging_entry_name(host="other-host.example", pid=dead),  # another host: may be alive there
        f"{dead}-deadbeefdead",  # not our naming (the naming before hosts were added)
        "notes.txt",
        "precious",
    ]
    for name in kept:
        (base / name).mkdir()
        (base / name / "content").write_bytes(b"x")

    with Staging(target) as staging:
        assert staging.path.name.startswith(f"{HOST_TAG}_{os.getpid()}_")
        assert sorted(p.name for p in base.iterdir()) == sorted([*kept, staging.path.name])

    assert sorted(p.name for p in base.iterdir()) == sorted(kept)  # the base stays: not empty
    assert _listing(outside) == before


def test_remove_tree_never_follows_links(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    before = _listing(outside)
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "link").symlink_to(outside)
    (tree / "a" / "b" / "file-link").symlink_to(outside / "keep.me")
    (tree / "top-link").symlink_to(outside / "sub")

    remove_tree(tree)
    remove_tree(tmp_path / "missing")

    assert not tree.exists()
    assert _listing(outside) == before
    link = tmp_path / "just-a-link"
    link.symlink_to(outside)
    remove_tree(link)
    assert not link.is_symlink() and _listing(outside) == before


def test_publishing_never_goes_through_a_symlinked_subdirectory(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    target = tmp_path / "t"
    (target / "sub").mkdir(parents=True)
    with Staging(target) as staging:
        dest = safe_destination(target, "sub/x.json")  # checked while "sub" is a real directory
        (target / "sub").rmdir()
        (target / "sub").symlink_to(outside / "sub")  # then swapped for a link
        with pytest.raises(UnsafePathError, match="'sub' in the target is a symlink"):
            write_json(staging, dest, {"a": 1})
        write_json(staging, target / "new" / "dir" / "y.json", {"b": 2})
    assert sorted(p.name for p in (outside / "sub").iterdir()) == ["deep.me"]
    assert (target / "new" / "dir" / "y.json").read_text() == '{\n  "b": 2\n}\n'
    assert not (target / STAGING_DIR).exists()


def test_pid_alive_is_false_only_for_a_process_that_is_certainly_gone() -> None:
    """The one liveness rule (``internal.pid_alive``), shared with wandb-sweeps' local engine."""
    assert pid_alive(os.getpid())
    assert not pid_alive(_dead_pid())
    assert pid_alive(0) and pid_alive(-1)  # process groups, not processes: cannot tell, so alive
    assert not pid_alive(2**70)  # no process can have that pid
