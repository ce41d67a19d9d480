"""`practicebase tui`."""

from __future__ import annotations

import argparse

HELP = "tui (not yet built)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import err

    err("practicebase tui: not yet built")
    return 2
