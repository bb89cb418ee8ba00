"""The documented import surface: each name of ``flyteplugins.wandb`` and the package that owns it."""

DOCUMENTED_SURFACE: dict[str, str] = {
    "RankScope": "flyteplugins.wandb_context",
    "RunMode": "flyteplugins.wandb_context",
    "get_wandb_context": "flyteplugins.wandb_context",
    "get_wandb_sweep_context": "flyteplugins.wandb_context",
    "wandb_config": "flyteplugins.wandb_context",
    "wandb_sweep_config": "flyteplugins.wandb_context",
    "Wandb": "flyteplugins.wandb_links",
    "WandbSweep": "flyteplugins.wandb_links",
    "wandb_init": "flyteplugins.wandb_runs",
    "get_wandb_run": "flyteplugins.wandb_runs",
    "get_wandb_run_dir": "flyteplugins.wandb_runs",
    "get_distributed_info": "flyteplugins.wandb_runs",
    "wandb_sweep": "flyteplugins.wandb_sweeps",
    "get_wandb_sweep_id": "flyteplugins.wandb_sweeps",
    "download_wandb_run_dir": "flyteplugins.wandb_artifacts",
    "download_wandb_run_logs": "flyteplugins.wandb_artifacts",
    "download_wandb_sweep_dirs": "flyteplugins.wandb_artifacts",
    "download_wandb_sweep_logs": "flyteplugins.wandb_artifacts",
    # beyond the reference API: one sweep agent for online and offline, results, offline export
    "run_sweep_agent": "flyteplugins.wandb_sweeps",
    "get_sweep_results": "flyteplugins.wandb_sweeps",
    "export_offline_run": "flyteplugins.wandb_artifacts",
    "download_wandb_artifact": "flyteplugins.wandb_artifacts",
    "download_wandb_artifact_dir": "flyteplugins.wandb_artifacts",
}
