"""stats-service's consumers: one group over every topic the projection counts."""
