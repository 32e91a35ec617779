"""Petitions and reports (信访举报) and clarifications (澄清正名): TOL-19."""
