"""Value types shared by every package of the plugin."""

from __future__ import annotations

from typing import Literal, get_args

RunMode = Literal["auto", "new", "shared"]
"""How a task gets its W&B run: ``auto`` reuses a parent's run or creates one,
``new`` always creates one, ``shared`` always reuses the parent's (error without one)."""

RankScope = Literal["global", "worker"]
"""Which ranks of a distributed task log: one run for the whole job (``global``)
or one per worker node (``worker``)."""

OnOutage = Literal["offline", "raise", "disabled"]
"""What a run does when W&B cannot be reached at ``wandb.init`` (down, timing out, answering
5xx/429): continue as an ``offline`` run (synced later), ``raise``, or continue ``disabled``."""

DEFAULT_OUTAGE_TIMEOUT_S = 30.0
"""How long a run waits for W&B at ``wandb.init`` before ``on_outage`` applies."""

DEFAULT_REPORT_INTERVAL_S = 10.0
"""How often a running task's W&B report tab is re-rendered from the run's local record log."""

WandbMode = Literal["online", "offline", "disabled", "shared"]
"""The W&B SDK's ``mode`` setting."""

RUN_MODES: tuple[str, ...] = get_args(RunMode)
RANK_SCOPES: tuple[str, ...] = get_args(RankScope)
ON_OUTAGE: tuple[str, ...] = get_args(OnOutage)
WANDB_MODES: tuple[str, ...] = get_args(WandbMode)
ACCEPTED_WANDB_MODES: tuple[str, ...] = (*WANDB_MODES, "dryrun", "run")
"""``WandbMode`` plus the older spellings the SDK still accepts (dryrun = offline, run = online)."""
