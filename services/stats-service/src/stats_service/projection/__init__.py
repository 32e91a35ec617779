"""The statistics projection (统计投影) of every topic, per generation."""
