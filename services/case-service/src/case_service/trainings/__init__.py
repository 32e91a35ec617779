"""培训: trainings attended and courses held (STAT-5a)."""
