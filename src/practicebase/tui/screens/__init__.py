"""Full screens of the terminal app: search (main), entry reading, coverage, help."""
