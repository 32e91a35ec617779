"""Risk warnings (易错风险点 警示提醒): TOL-18."""
