"""`practicebase index`: bring the search index up to date with entries/."""

from __future__ import annotations

import argparse
import sys
import time

HELP = (
    "update the search index from entries/ (only what changed); --rebuild builds it afresh, "
    "--check reports drift without changing anything"
)

# Full rebuilds of at least this many files use two indexing processes.
PARALLEL_FROM = 1000


EPILOG = """examples:
  practicebase index                            # after git pull: read what changed
  practicebase index --check || practicebase index
  practicebase index --rebuild                  # after changing vocabulary.yaml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--rebuild",
        action="store_true",
        help="build the whole index from scratch (the old one stays searchable until done)",
    )
    group.add_argument(
        "--check",
        action="store_true",
        help="report files added, changed or removed since the last update; exit 1 if any",
    )


class ProgressBar:
    """A one-line progress bar on stderr, shown only on a terminal and after one second."""

    def __init__(self, label: str, stream=None, delay: float = 1.0):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.delay = delay
        self.drawn = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def run(args: argparse.Namespace) -> int:
    import os

    from practicebase.commands.common import CommandError, err, knowledge_base, out
    from practicebase.index import (
        IndexBusy,
        IndexUnavailable,
        check_index,
        rebuild_index,
        update_index,
    )
    from practicebase.store import entry_files, tidy_entries

    kb = knowledge_base(args)
    if args.check:
        report = check_index(kb)
        if report.note:
            err(f"practicebase index: {report.note}")
        for problem in report.problems:
            err(problem.format())
        out(f"{'up to date' if report.up_to_date else 'out of date'}: {report.summary()}")
        return 0 if report.up_to_date and not report.problems else 1

    # What killed `add`s left: half-done replaces are finished, temporary files removed.
    for line in tidy_entries(kb):
        err(f"practicebase index: {line}")
    bar = ProgressBar("indexing")
    try:
        if args.rebuild:
            many = len(entry_files(kb)) >= PARALLEL_FROM
            procs = 2 if many and (os.cpu_count() or 1) >= 2 else 1
            report = rebuild_index(kb, progress=bar, procs=procs)
        else:
            report = update_index(kb, progress=bar)
    except IndexBusy as exc:
        raise CommandError(str(exc), 1) from exc
    except IndexUnavailable as exc:
        raise CommandError(str(exc), 1) from exc
    finally:
        bar.finish()
    for problem in report.problems:
        err(problem.format())
    for notice in report.notices:
        err(f"practicebase index: {notice}")
    if report.note:
        err(f"practicebase index: {report.note}; built it from scratch")
    skipped = f", {len({p.path for p in report.problems})} invalid file(s) skipped"
    out(report.summary() + (skipped if report.problems else ""))
    return 1 if report.problems else 0
