"""Flyte UI links to Weights & Biases runs and sweeps.

Needs only ``flyte`` and ``flyteplugins-wandb-context``: a UI-only deployment installs this
package without the ``wandb`` SDK.
"""

from ._links import Wandb, WandbSweep, default_run_id
from ._url import DEFAULT_HOST, build_url, safe_host
from ._version import __version__

__all__ = ["DEFAULT_HOST", "Wandb", "WandbSweep", "__version__", "build_url", "default_run_id", "safe_host"]
