"""执法单位: the unit hierarchy."""
