"""What case-service consumes: sanctions that change an officer's qualification."""
