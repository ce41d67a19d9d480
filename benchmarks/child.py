"""Work the suite runs in a separate process, so that time and peak memory are its own.

    python -m benchmarks.child measure -- CMD...   run CMD; print seconds and peak RSS (JSON)
    python -m benchmarks.child fts5-build ENTRIES DB
    python -m benchmarks.child tui ROOT TIMEOUT TEXT  type TEXT into the app at launch; print
                                                  "shown" when its results are shown

Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` after the command ends: the largest
resident set of the command or any process it started and waited for (Whoosh's
multi-process writer forks workers).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _tree_pss(root: int) -> int:
    """Proportional set size (bytes) of `root` and its descendants (0 off Linux)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(name)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    members, grew = {root}, True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    total = 0
    for pid in members:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str]) -> dict:
    """Run `cmd`; wall and CPU time, the largest process's peak RSS, and the peak PSS of the
    whole process tree sampled every 0.2 s (forked workers share pages, so PSS, not an RSS
    sum, is the memory the tree really uses)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not done.wait(0.2):
            peak_pss = max(peak_pss, _tree_pss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "tree_peak_pss_mb": (peak_pss / 1e6) or None,  # None: ended before the first sample
        # CPU time of the command and its workers: steadier than wall time on a busy machine.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "returncode": proc.returncode,
        "stdout_tail": stdout[-400:],
        "stderr_tail": stderr[-400:],
    }


def fts5_build(entries: Path, db: Path) -> dict:
    from benchmarks.fts5 import timed_build

    result = timed_build(db, entries)
    result["peak_rss_mb"] = _peak_mb(resource.RUSAGE_SELF)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


async def _tui_until_results(root: Path, timeout: float, typed: str) -> dict:
    """Start the app, put `typed` into the search box as soon as it is shown (pasted: one
    change, as after typing it, so the figure is the app's and not the speed of simulated
    keys), and wait for the results of that question (not the empty question's list shown on
    launch). The search runs as typing does: after the debounce, last word as a prefix."""
    started = time.perf_counter()
    from textual import events
    from textual.widgets import Input

    from practicebase.kb import KnowledgeBase
    from practicebase.tui.app import PracticebaseApp

    imported = time.perf_counter()
    app = PracticebaseApp(KnowledgeBase(root))
    shown_at = None
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.search_screen
        screen.query_one("#query", Input).post_message(events.Paste(typed))
        typed_at = time.perf_counter()
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            # Results are shown once the screen has handled a ResultsFetched message.
            result = screen.last_result
            if result is not None and result.request.text == typed:
                shown_at = time.perf_counter()
                break
            await pilot.pause(0.005)
        if shown_at is not None:
            print("shown", flush=True)
        result = screen.last_result
        hits = len(result.hits) if result is not None and result.request.text == typed else 0
        app.exit()
    return {
        "import_seconds": imported - started,
        "typed_seconds": typed_at - started,
        "seconds_in_process": (shown_at - started) if shown_at else None,
        "after_typed_seconds": (shown_at - typed_at) if shown_at else None,
        "hits_shown": hits,
        "typed": typed,
    }


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    if command == "measure":
        result = measure(rest[1:] if rest and rest[0] == "--" else rest)
    elif command == "fts5-build":
        result = fts5_build(Path(rest[0]), Path(rest[1]))
    elif command == "tui":
        result = asyncio.run(_tui_until_results(Path(rest[0]), float(rest[1]), rest[2]))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
