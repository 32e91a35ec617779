"""Self-review obligations (REV-5, REV-12)."""
