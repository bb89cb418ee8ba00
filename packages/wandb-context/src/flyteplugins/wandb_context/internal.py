"""Plumbing shared with the sibling packages of flyteplugins-wandb (links, runs, artifacts,
sweeps) and their tests.

Not part of the public API: no stability promise, names may change in any release. Users import
from ``flyteplugins.wandb_context`` (or ``flyteplugins.wandb``) only.
"""

from . import _artifacts_option as artifact_options
from . import _host as hosts
from . import _keys as keys
from . import _mode as modes
from . import _reach as reach
from . import _validate as validation
from ._config import WandbConfig, WandbSweepConfig
from ._coroutines import run_coroutine_sync
from ._flyte_compat import (
    action_console_url,
    current_custom_context,
    in_trace,
    scoped_task_context,
    task_context,
    task_data,
)
from ._report_tab import tab_interval, tab_wanted
from ._run_id import default_run_id
from ._scope import ConfigScope, WandbConfigScope, WandbSweepConfigScope
from ._types import DEFAULT_OUTAGE_TIMEOUT_S, DEFAULT_REPORT_INTERVAL_S, OnOutage, WandbMode

__all__ = [
    "DEFAULT_OUTAGE_TIMEOUT_S",
    "DEFAULT_REPORT_INTERVAL_S",
    "ConfigScope",
    "OnOutage",
    "WandbConfig",
    "WandbConfigScope",
    "WandbMode",
    "WandbSweepConfig",
    "WandbSweepConfigScope",
    "action_console_url",
    "artifact_options",
    "current_custom_context",
    "default_run_id",
    "hosts",
    "in_trace",
    "keys",
    "modes",
    "reach",
    "run_coroutine_sync",
    "scoped_task_context",
    "tab_interval",
    "tab_wanted",
    "task_context",
    "task_data",
    "validation",
]
