"""Turning exceptions from the core into one safe line for the app to show."""

from __future__ import annotations

from practicebase.sanitize import clean_line


def describe(exc: BaseException) -> str:
    """A one-line, sanitised explanation of `exc` (its message, else its type)."""
    message = str(exc).strip()
    return clean_line(message or type(exc).__name__)
