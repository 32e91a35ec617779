"""Annual assessment per lead handler (REV-8)."""
