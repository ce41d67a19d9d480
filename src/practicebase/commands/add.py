"""`practicebase add`: check entry files and file the valid ones under entries/."""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

HELP = (
    "check entry files and file each valid one as entries/<force>/<id>.<md|yaml> "
    "(never overwriting an entry unless --replace)"
)

EPILOG = (
    "Example: `practicebase add ~/Downloads/school-liaison.md` files it as "
    "entries/<force>/school-liaison.md. Exit status 1 when any file was not added; the valid "
    "ones are added anyway."
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


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import knowledge_base, out
    from practicebase.commands.validate import add_duplicate_warnings, display_path
    from practicebase.entry import Problem
    from practicebase.sanitize import clean_line
    from practicebase.store import (
        AddOutcome,
        Candidate,
        check_source,
        existing_ids,
        expand_sources,
        file_entry,
    )

    kb = knowledge_base(args)
    # One slot per file, in the order given: an outcome already, or a candidate to file.
    slots: list[AddOutcome | Candidate] = []
    for name in args.sources:
        path = Path(name)
        if not os.path.lexists(path):
            problem = Problem(str(path), None, "error", None, "no such file or folder")
            slots.append(AddOutcome(path, "failed", problems=[problem]))
            continue
        sources = list(expand_sources([path]))
        if not sources:
            problem = Problem(str(path), None, "error", None, "no entry files in this folder")
            slots.append(AddOutcome(path, "failed", problems=[problem]))
        slots.extend(check_source(kb, src, strict=args.strict) for src in sources)

    candidates = [slot for slot in slots if isinstance(slot, Candidate)]
    add_duplicate_warnings(
        kb, [c.loaded for c in candidates], strict=args.strict, all_entries=False
    )
    # Only the candidates' ids are looked up; `file_entry` adds each one it files, so
    # several files in one call are checked against each other too.
    from practicebase.index import index_records

    wanted = [c.entry.id for c in candidates if c.entry is not None]
    known = existing_ids(kb, wanted, indexed=index_records(kb) if wanted else None)
    outcomes = [
        slot
        if isinstance(slot, AddOutcome)
        else file_entry(kb, slot, replace=args.replace, dry_run=args.dry_run, known_ids=known)
        for slot in slots
    ]

    for outcome in outcomes:
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
        for problem in outcome.problems:
            shown = dataclasses.replace(problem, path=display_path(problem.path))
            out(clean_line("  " + shown.format()))

    written = [o for o in outcomes if o.status in ("added", "replaced")]
    failed = sum(not o.ok for o in outcomes)
    if args.dry_run:
        would = sum(o.status.startswith("would") for o in outcomes)
        out(f"dry run: {would} would be added or replaced, {failed} failed; nothing was written")
    else:
        added = sum(o.status == "added" for o in outcomes)
        replaced = len(written) - added
        parts = [f"{added} added"] + ([f"{replaced} replaced"] if replaced else [])
        out(", ".join([*parts, f"{failed} failed"]))
        if written:
            _update_index(kb, written)
    return 1 if failed else 0


def _update_index(kb, written: list) -> None:
    """Bring the search index up to date for the added files, when there is an index."""
    from practicebase.commands.common import out

    if not kb.index_dir.is_dir():
        return
    paths = [o.destination for o in written]
    paths += [o.removed for o in written if o.removed is not None]
    paths += [p for o in written for p in o.also_removed]
    try:
        from practicebase.index import IndexBusy, update_index
    except ImportError:
        return
    try:
        report = update_index(kb, only=paths)
    except IndexBusy:
        out(
            "the entries were added; the search index is busy and will catch up on the next "
            "`practicebase index`"
        )
        return
    except Exception as exc:  # noqa: BLE001 - the entries are safely filed either way
        out(
            f"the entries were added, but the search index was not updated ({exc}); "
            "run `practicebase index`"
        )
        return
    out(f"index updated: {report.summary()}")
