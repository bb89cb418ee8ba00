"""The package's public API is its documented one; what the CLI, siblings and tests share sits
in ``internal``."""

from __future__ import annotations

import flyteplugins.wandb as meta
import flyteplugins.wandb_artifacts as artifacts
from flyteplugins.wandb_artifacts import internal, records


def test_the_public_names_are_the_documented_functions_records_and_what_callers_meet() -> None:
    functions = {
        "download_wandb_run_dir",
        "download_wandb_sweep_dirs",
        "download_wandb_run_logs",
        "download_wandb_sweep_logs",
        "export_offline_run",
        "download_wandb_artifact",
        "download_wandb_artifact_dir",
    }
    met_by_callers = {"PartialExportWarning", "LocalRunNotFoundError", "UnsafeTargetError"}
    assert set(artifacts.__all__) == functions | met_by_callers | {"records", "__version__"}
    assert artifacts.records is records
    for name in artifacts.__all__:
        assert getattr(artifacts, name) is not None
    for name in functions:
        assert getattr(meta, name) is getattr(artifacts, name)  # the meta-package re-exports the same
    for name in ("download_run", "download_sweep", "RunReport", "ProgressListener"):
        assert not hasattr(artifacts, name), f"{name} is internal: import it from .internal"
        assert name in internal.__all__
    assert {"pid_alive", "export_offline"} <= set(internal.__all__)
    assert issubclass(artifacts.LocalRunNotFoundError, RuntimeError)
    assert issubclass(artifacts.UnsafeTargetError, RuntimeError)
