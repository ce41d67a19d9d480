"""`practicebase validate`."""

from __future__ import annotations

import argparse

HELP = "validate (not yet built)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import err

    err("practicebase validate: not yet built")
    return 2
