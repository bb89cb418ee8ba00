"""Flyte UI links to Weights & Biases runs and sweeps.

Needs only ``flyte`` and ``flyteplugins-wandb-context``: a UI-only deployment installs this
package without the ``wandb`` SDK.
"""

from ._links import Wandb, WandbSweep
from ._version import __version__

__all__ = ["Wandb", "WandbSweep", "__version__"]
