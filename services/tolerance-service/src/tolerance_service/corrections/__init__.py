"""Corrections (纠错): TOL-16, TOL-17."""
