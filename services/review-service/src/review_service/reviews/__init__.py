"""Reviews (评查): standards, score and grade, signatures, notices (REV-7, REV-13–15)."""
