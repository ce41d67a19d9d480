"""`practicebase init`: make a new knowledge base."""

from __future__ import annotations

import argparse

HELP = "make a new knowledge base: entries/, vocabulary.yaml, .gitignore and CONTRIBUTING.md"

EPILOG = (
    "Example: `practicebase init prevent-kb`, then `cd prevent-kb` and "
    "`practicebase new --force GMP --out my-entry.md`. A folder that already is a knowledge "
    "base gets only the files it lacks; any other non-empty folder is refused (exit 2)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="the folder (default: this one)"
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from practicebase.actions import NotEmpty, init_knowledge_base
    from practicebase.commands.common import CommandError, out

    try:
        report = init_knowledge_base(Path(args.dir))
    except NotEmpty as exc:
        raise CommandError(str(exc), 2) from None
    for name in report.created:
        out(f"created  {report.root / name}")
    if not report.created:
        out(f"{report.root} is already a knowledge base; nothing to add")
    elif report.kept:
        out(f"kept     {', '.join(report.kept)} (already there)")
    out(
        f"next: cd {report.root} && practicebase new --force YOUR-FORCE --out my-entry.md "
        "(CONTRIBUTING.md says how to write, check and submit an entry)"
    )
    return 0
