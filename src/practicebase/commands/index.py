"""`practicebase index`."""

from __future__ import annotations

import argparse

HELP = "index (not yet built)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import err

    err("practicebase index: not yet built")
    return 2
