"""What review-service consumes from case-service: cases, remedies and officers."""
