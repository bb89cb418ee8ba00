"""A W&B-protocol test server the unmodified wandb SDK talks to (tests only, never shipped)."""
