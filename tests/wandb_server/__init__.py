"""A W&B-protocol test server the unmodified wandb SDK talks to (tests only, never shipped).

See README.md in this folder for the endpoints and how the SDK uses them.
"""

from .seeding import default_row, seed_run
from .server import WandbServer

__all__ = ["WandbServer", "default_row", "seed_run"]
