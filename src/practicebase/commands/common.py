"""Helpers shared by the subcommands: finding the knowledge base and printing safely."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from practicebase.kb import KnowledgeBase, KnowledgeBaseNotFound, locate
from practicebase.sanitize import clean_line, clean_text

# Exit statuses (README, "Commands"); `practicebase.cli` maps exceptions to the last two.
EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command found problems: invalid files, entries due, a stale index
EXIT_USAGE = 2  # a usage error, or a knowledge base that could not be opened
EXIT_INTERNAL = 3  # a bug in practicebase
EXIT_IO = 4  # a full disk, a read-only or failing device, an output that cannot be written

# The file name an OSError carries when standard output could not be written.
STDOUT = "<standard output>"


class CommandError(Exception):
    """A failure to report as one line on stderr with exit status `status`."""

    def __init__(self, message: str, status: int = EXIT_USAGE):
        super().__init__(message)
        self.status = status


def knowledge_base(args: argparse.Namespace) -> KnowledgeBase:
    """The knowledge base chosen by --root, $PRACTICEBASE_ROOT or the working directory."""
    try:
        return locate(getattr(args, "root", None))
    except KnowledgeBaseNotFound as exc:
        raise CommandError(str(exc)) from exc


def out(text: str = "", file: TextIO | None = None) -> None:
    """Print text from entries with control characters removed (newlines kept). A standard
    output that cannot be written (a full disk) raises an OSError naming it (`STDOUT`)."""
    target = file or sys.stdout
    try:
        print(clean_text(text), file=target)
    except BrokenPipeError:
        raise
    except OSError as exc:
        if target is not sys.stdout or exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror, STDOUT) from exc


def err(text: str) -> None:
    """Print one safe line to stderr."""
    print(clean_line(text), file=sys.stderr)
