"""`practicebase add`: check entry files and file the valid ones under entries/."""

from __future__ import annotations

import argparse

HELP = (
    "check entry files and file each valid one as entries/<force>/<id>.<md|yaml> "
    "(never overwriting an entry unless --replace)"
)

EPILOG = (
    "Example: `practicebase add ~/Downloads/school-liaison.md` files it as "
    "entries/<force>/school-liaison.md. A file without an `added:` date gets `added: <today>` "
    "in the filed copy (nothing else changes); --replace keeps the replaced entry's date. "
    "Exit status 1 when any file was not added; the valid ones are added anyway."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "sources", nargs="+", metavar="FILE|DIR", help="entry files, or folders of them"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check and show where files would go; write nothing"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace an existing entry with the same id (its old file is removed if it moves)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="refuse files with warnings as well as errors"
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the files with problems, and the summary",
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.actions import add_entries, problem_lines, summary_line
    from practicebase.commands.common import knowledge_base, out
    from practicebase.commands.validate import display_path
    from practicebase.sanitize import clean_line

    kb = knowledge_base(args)
    report = add_entries(
        kb, args.sources, replace=args.replace, dry_run=args.dry_run, strict=args.strict
    )
    for outcome in report.outcomes:
        problems = problem_lines(outcome.problems, shown_path=display_path)
        if args.quiet and not problems:
            continue
        shown_src = display_path(str(outcome.source))
        if outcome.destination is not None:
            where = display_path(str(outcome.destination))
            line = f"{outcome.status:<13} {where}  (from {shown_src})"
            if outcome.removed is not None:
                verb = "would remove" if args.dry_run else "removed"
                removed = [outcome.removed, *outcome.also_removed]
                line += f"; {verb} {', '.join(display_path(str(p)) for p in removed)}"
        else:
            line = f"{outcome.status:<13} {shown_src}"
        out(clean_line(line))
        for text in problems:
            out(clean_line("  " + text))
    if report.index_message is not None and not (args.quiet and report.index_ok):
        out(report.index_message)
    out(summary_line(report))
    return 1 if report.failed else 0
