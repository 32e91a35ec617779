"""Authentication: signed JWT bearer tokens with the claims of CONTRACT.md."""
