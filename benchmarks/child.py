"""Work the suite runs in a separate process, so that time and peak memory are its own.

    python -m benchmarks.child measure -- CMD...   run CMD; print seconds and peak RSS (JSON)
    python -m benchmarks.child fts5-build ENTRIES DB
    python -m benchmarks.child tui ROOT            print "shown" when the app shows results

Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` after the command ends: the largest
resident set of the command or any process it started and waited for (Whoosh's
multi-process writer forks workers).
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def measure(cmd: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        # CPU time of the command and its workers: steadier than wall time on a busy machine.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "returncode": proc.returncode,
        "stdout_tail": proc.stdout[-400:],
        "stderr_tail": proc.stderr[-400:],
    }


def fts5_build(entries: Path, db: Path) -> dict:
    from benchmarks.fts5 import timed_build

    result = timed_build(db, entries)
    result["peak_rss_mb"] = _peak_mb(resource.RUSAGE_SELF)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


async def _tui_until_results(root: Path, timeout: float) -> dict:
    started = time.perf_counter()
    from practicebase.kb import KnowledgeBase
    from practicebase.tui.app import PracticebaseApp

    imported = time.perf_counter()
    app = PracticebaseApp(KnowledgeBase(root))
    shown_at = None
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.search_screen
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            # Results are shown once the screen has handled a ResultsFetched message.
            if screen.last_result is not None:
                shown_at = time.perf_counter()
                break
            await pilot.pause(0.005)
        if shown_at is not None:
            print("shown", flush=True)
        hits = len(screen.last_result.hits) if screen.last_result is not None else 0
        app.exit()
    return {
        "import_seconds": imported - started,
        "seconds_in_process": (shown_at - started) if shown_at else None,
        "hits_shown": hits,
    }


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "measure":
        result = measure(rest[1:] if rest and rest[0] == "--" else rest)
    elif command == "fts5-build":
        result = fts5_build(Path(rest[0]), Path(rest[1]))
    elif command == "tui":
        result = asyncio.run(
            _tui_until_results(Path(rest[0]), float(rest[1]) if len(rest) > 1 else 120)
        )
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
