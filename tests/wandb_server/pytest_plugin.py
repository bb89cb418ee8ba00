"""pytest fixtures of the W&B-protocol test server.

``wandb_server`` starts a fresh server per test (in a few milliseconds) and stops it after::

    def test_reads_back(wandb_server, monkeypatch):
        wandb_server.use(monkeypatch)          # WANDB_BASE_URL/API_KEY/MODE/ENTITY
        seed_run(wandb_server, "proj", "run1", steps=100, files={"a.txt": b"hi"})
        run = wandb.Api().run(f"{wandb_server.entity}/proj/run1")
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .seeding import seed_run
from .server import WandbServer, end_wandb_session

__all__ = ["WandbServer", "seed_run", "wandb_server"]


@pytest.fixture
def wandb_server(tmp_path: Path) -> Iterator[WandbServer]:
    server = WandbServer(storage_dir=tmp_path / "wandb-server").start()
    try:
        yield server
    finally:
        # A run a failed test left open would keep talking to the stopped server: end it
        # (and the SDK session bound to this server's address) while the server still answers.
        end_wandb_session()
        server.stop()
