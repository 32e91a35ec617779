"""执法人员 and their certificates (执法证), qualification and assessments."""
