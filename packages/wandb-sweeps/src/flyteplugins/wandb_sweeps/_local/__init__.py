"""Offline sweeps: W&B's sweep engine run on this machine, state in the local W&B directory."""

from ._agent import run_local_agent
from ._create import create_local_sweep
from ._store import LocalSweep, SweepStore, Trial, default_sweeps_root, find_local_sweep

__all__ = [
    "LocalSweep",
    "SweepStore",
    "Trial",
    "create_local_sweep",
    "default_sweeps_root",
    "find_local_sweep",
    "run_local_agent",
]
