"""Fixtures for the sweeps tests: a fresh W&B SDK per test, and tiny objectives."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test modules import their objectives as ``sweep_objectives`` (subprocess agents too). This
# folder must never become a package: ``tests/`` is on sys.path, and a ``sweeps`` package there
# would shadow W&B's sweep engine.
HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(autouse=True)
def _fresh_wandb_sdk() -> Iterator[None]:
    """The SDK reads its environment once per process: tear it down around each test so every
    test's WANDB_DIR / WANDB_MODE take effect."""
    import wandb

    wandb.teardown()
    yield
    if wandb.run is not None:
        wandb.run.finish()
    wandb.teardown()
