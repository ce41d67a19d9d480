"""Helpers shared by the subcommands: finding the knowledge base and printing safely."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from practicebase.kb import KnowledgeBase, KnowledgeBaseNotFound, locate
from practicebase.sanitize import clean_line, clean_text


class CommandError(Exception):
    """A failure to report as one line on stderr with exit status `status`."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def knowledge_base(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base chosen by --root, $PRACTICEBASE_ROOT or the working directory."""
    try:
        return locate(getattr(args, "root", None))
    except KnowledgeBaseNotFound as exc:
        raise CommandError(str(exc)) from exc


def out(text: str = "", file: TextIO | None = None) -> None:
    """Print text from entries with control characters removed (newlines kept)."""
    print(clean_text(text), file=file or sys.stdout)


def err(text: str) -> None:
    """Print one safe line to stderr."""
    print(clean_line(text), file=sys.stderr)
