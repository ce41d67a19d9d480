"""Waiting for the app instead of sleeping: workers, debounce timers and screens."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from practicebase.tui.app import PracticebaseApp


async def workers_done(pilot: Pilot) -> None:
    """Wait for every worker to finish (superseded, cancelled ones included), then repaint."""
    app = pilot.app
    await asyncio.gather(*(worker.wait() for worker in app.workers), return_exceptions=True)
    await pilot.pause()


async def settle(pilot: Pilot, timeout: float = 30.0) -> None:
    """Wait until the index is open, no search is pending and every worker has finished."""
    app: PracticebaseApp = pilot.app  # type: ignore[assignment]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        # Cancelled (superseded) workers raise from wait(); only completion matters here.
        await asyncio.gather(*(worker.wait() for worker in app.workers), return_exceptions=True)
        await pilot.pause()
        screen = app.search_screen
        ready = app.searcher is not None or not screen.query_one("#index-progress").display
        if ready and screen.is_settled and not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
        if loop.time() > deadline:
            raise TimeoutError("the app did not settle")
        await pilot.pause(0.02)


async def type_query(pilot: Pilot, text: str, *, keys: bool = False) -> None:
    """Put `text` in the search box and wait for its results.

    With `keys`, each character is pressed; otherwise the value is set at once, which goes
    through the same Input.Changed -> debounce -> worker path, only faster.
    """
    app: PracticebaseApp = pilot.app  # type: ignore[assignment]
    query = app.search_screen.query_one("#query")
    query.focus()
    if keys:
        query.value = ""
        await pilot.pause()
        await pilot.press(*text)
    else:
        query.value = text
    await settle(pilot)


def result_ids(app: PracticebaseApp) -> list[str]:
    return [hit.id for hit in app.search_screen.query_one("#results").hits]


async def palette_choose(pilot: Pilot, typed: str, expected: str, timeout: float = 30.0) -> None:
    """Open the command palette, type `typed`, wait until the top hit reads `expected`, run it."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*typed)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        commands = pilot.app.screen.query_one(CommandList)
        if commands.option_count and expected in str(commands.get_option_at_index(0).prompt):
            break
        if loop.time() > deadline:
            raise TimeoutError(f"the palette never offered {expected!r}")
        await pilot.pause(0.05)
    commands.highlighted = 0
    await pilot.press("enter")
    await pilot.pause()


async def wait_for(pilot: Pilot, condition, what: str, timeout: float = 30.0) -> None:  # noqa: ANN001
    """Wait until `condition()` holds, letting workers finish and messages run in between
    (never a fixed sleep): on a loaded machine they take their own time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"never: {what}")
        await workers_done(pilot)
        await pilot.pause(0.01)
