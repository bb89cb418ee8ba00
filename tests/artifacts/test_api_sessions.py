"""Downloads spread over several wandb.Api sessions: all open, taken in turn, each one able to
download, and the primary alone when no other session opens."""

from __future__ import annotations

from pathlib import Path

import pytest
import wandb

from flyteplugins.wandb_artifacts._api_sessions import EXTRA_SESSIONS, ApiSessions, download_through
from flyteplugins.wandb_artifacts.internal import download_run
from wandb_server import WandbServer, seed_run

PROJECT = "sessions"
FILES = {"a.txt": b"A" * 10, "nested/dir/b.bin": bytes(range(256)) * 40, "empty": b""}


def _open(server: WandbServer):
    return lambda: wandb.Api(overrides={"base_url": server.base_url})


def test_sessions_open_in_the_background_and_are_taken_in_turn(server: WandbServer) -> None:
    primary = wandb.Api()
    sessions = ApiSessions(primary, _open(server))
    sessions.close()  # waits for the opener

    assert len(sessions) == 1 + EXTRA_SESSIONS
    handed = [sessions.next() for _ in range(2 * len(sessions))]
    assert len({id(s) for s in handed}) == len(sessions)
    assert handed[: len(sessions)] == handed[len(sessions) :]
    assert primary in handed


def test_every_session_downloads_the_same_bytes(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, PROJECT, "each", steps=1, files=FILES)
    primary = wandb.Api()
    sessions = ApiSessions(primary, _open(server), extra=2)
    sessions.close()
    remote = {f.name: f for f in primary.run(f"{server.entity}/{PROJECT}/each").files()}

    for i in range(len(sessions)):
        root = tmp_path / str(i)
        for name, data in FILES.items():
            download_through(sessions.next(), remote[name], str(root))
            assert root.joinpath(*name.split("/")).read_bytes() == data


def test_a_session_that_cannot_open_leaves_the_primary_serving(server: WandbServer) -> None:
    def refuse():
        raise RuntimeError("no more sessions")

    primary = wandb.Api()
    sessions = ApiSessions(primary, refuse)
    sessions.close()
    assert len(sessions) == 1
    assert sessions.next() is primary


def test_a_run_downloads_completely_through_the_sessions(server: WandbServer, tmp_path: Path) -> None:
    seed_run(server, PROJECT, "whole", steps=3, files=FILES)
    before = server.file_downloads()

    report = download_run("whole", tmp_path / "out", project=PROJECT)

    for name, data in FILES.items():
        assert (tmp_path / "out").joinpath(*name.split("/")).read_bytes() == data
    assert set(FILES) <= set(report.downloaded) and not report.failed
    assert server.file_downloads() - before == len(report.downloaded)  # each file fetched once


@pytest.mark.parametrize("extra", [0, 1])
def test_few_sessions_are_fine(server: WandbServer, extra: int) -> None:
    sessions = ApiSessions(wandb.Api(), _open(server), extra=extra)
    sessions.close()
    assert len(sessions) == 1 + extra
