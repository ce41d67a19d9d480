"""Open entries in the app's entry view with Pilot and say what it cost, as one JSON line.

Run as a subprocess by test_content_reliability.py, so the process's peak resident memory
(`ru_maxrss`) measures the app alone: `python tui_open_probe.py ROOT ID...`. For each id it
pushes the entry screen, waits until the body is laid out and the screen painted, and records
the seconds taken (wall and CPU: the process's own work, which other load on the machine
does not inflate), whether the body was shown as plain text, and its notice; then it goes
back. `rss_growth_mb` is how far the peak grew from just before the first entry was opened.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

TIMEOUT = 30.0
UNSAFE = ("\x1b", "\u202e", "\u202c", "\U000e0041")  # decoded from references in the tests


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def wait_for(pilot, condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await pilot.pause(0.01)


async def probe(root: Path, entry_ids: list[str]) -> dict:
    from textual.widgets.markdown import MarkdownBlock

    from practicebase.kb import KnowledgeBase
    from practicebase.tui.app import PracticebaseApp
    from practicebase.tui.screens.entry import EntryScreen
    from practicebase.tui.widgets.body import EntryBody, PlainBody

    app = PracticebaseApp(KnowledgeBase(root), today=date(2026, 6, 1))
    opened = []
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.searcher is not None, "the index never opened")
        await asyncio.gather(*(w.wait() for w in app.workers), return_exceptions=True)
        await pilot.pause()
        before = peak_rss_mb()
        for entry_id in entry_ids:
            start = time.perf_counter()
            cpu_start = time.process_time()
            app.open_entry(entry_id)

            def laid_out() -> bool:
                screen = app.screen
                if not isinstance(screen, EntryScreen) or screen.entry is None:
                    return False
                return bool(screen.query_one(EntryBody).query(MarkdownBlock))

            await wait_for(pilot, laid_out, f"{entry_id} was never shown")
            screen = app.screen
            body = screen.query_one(EntryBody)
            await body.lock.acquire()  # the update that mounts the blocks has finished
            body.lock.release()
            await pilot.pause()
            picture = app.export_screenshot()  # lays out and paints what is on screen
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu_start
            plain = list(body.query(PlainBody))
            opened.append(
                {
                    "id": entry_id,
                    "seconds": round(seconds, 3),
                    "cpu_seconds": round(cpu_seconds, 3),
                    "plain": bool(plain),
                    "notice": plain[0].notice if plain else "",
                    "notice_on_screen": "Shown" in picture and "plain" in picture,
                    "unsafe_on_screen": any(c in picture for c in UNSAFE),
                }
            )
            await pilot.press("escape")
            await pilot.pause()
        growth = peak_rss_mb() - before
    return {"entries": opened, "rss_growth_mb": round(growth, 1)}


if __name__ == "__main__":
    result = asyncio.run(probe(Path(sys.argv[1]), sys.argv[2:]))
    print(json.dumps(result))
