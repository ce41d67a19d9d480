"""Widgets of the terminal app, one job each."""
