"""Fixtures for the runs tests: a fresh W&B SDK per test, offline, in the test's own directory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helpers are imported as top-level ``runs_*`` modules (also by the rank subprocesses). This
# folder must not become a package: ``tests/`` is on sys.path and ``runs`` is too common a name.
HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(autouse=True)
def _fresh_wandb_sdk() -> Iterator[None]:
    """The SDK reads WANDB_DIR / WANDB_MODE once per process setup: tear it down around each
    test so every test's own directory and mode take effect."""
    import wandb

    wandb.teardown()
    yield
    if wandb.run is not None:
        wandb.run.finish()
    wandb.teardown()


@pytest.fixture
def offline(wandb_offline: Path) -> Path:
    """Offline W&B writing under this test's directory (the ``WANDB_DIR``)."""
    return wandb_offline
