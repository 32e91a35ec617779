"""案件: enforcement cases through their whole lifecycle."""
