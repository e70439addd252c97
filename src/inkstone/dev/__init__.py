"""Development helpers: demo data."""
