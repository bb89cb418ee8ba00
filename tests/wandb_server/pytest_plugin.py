"""pytest fixtures of the W&B-protocol test server (filled in by the artifacts issue)."""
