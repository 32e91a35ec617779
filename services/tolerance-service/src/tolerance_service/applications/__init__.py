"""Applications for due-diligence exemption and fault tolerance (尽职免责、容错免责): TOL-10 … TOL-15."""
