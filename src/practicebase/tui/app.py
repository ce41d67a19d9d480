"""The practicebase terminal app: opens the index in a worker and hosts the screens."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.binding import Binding

from practicebase.actions import editor_command, plural, problem_lines
from practicebase.entry import Entry, Problem
from practicebase.kb import KnowledgeBase
from practicebase.tui.dialogs.add_entry import AddEntryDialog
from practicebase.tui.dialogs.links import ConfirmLink, LinkChooser, entry_links, is_openable
from practicebase.tui.dialogs.problem_files import ProblemFilesDialog
from practicebase.tui.dialogs.problems import ProblemsDialog
from practicebase.tui.dialogs.rebuild import RebuildDialog
from practicebase.tui.errors import describe
from practicebase.tui.keymap import KEYMAP_ENV_VAR, parse_keymap
from practicebase.tui.messages import (
    EntryAdded,
    IndexFailed,
    IndexFollowed,
    IndexProgressed,
    IndexReady,
    IndexUpdated,
    TitlesLoaded,
    VisitRecorded,
)
from practicebase.tui.palette import ActionsProvider, EntryTitlesProvider
from practicebase.tui.screens.compare import CompareScreen
from practicebase.tui.screens.coverage import CoverageScreen
from practicebase.tui.screens.entry import EntryScreen
from practicebase.tui.screens.help import HelpScreen
from practicebase.tui.screens.recommendations import RecommendationsScreen
from practicebase.tui.screens.search import SearchScreen

if TYPE_CHECKING:
    from practicebase.search import Searcher

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"
FIRST_RESULTS_WAIT = 10.0
"""Seconds the index worker waits for the first results before updating anyway."""
FOLLOW_SECONDS = 3.0
"""How often the app looks for index changes made elsewhere (one small file read each)."""


class PracticebaseApp(App[None]):
    """Search, read, filter and add practice entries of one knowledge base."""

    CSS_PATH = "app.tcss"
    TITLE = "practicebase"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    COMMANDS = App.COMMANDS | {ActionsProvider, EntryTitlesProvider}
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+n", "add_entry", "Add entry", id="app.add-entry", show=False),
        Binding("ctrl+g", "coverage", "Coverage", id="app.coverage", show=False),
        Binding("f5", "recommendations", "Recommendations", id="app.recommendations", show=False),
        Binding("f3", "problem_files", "Files with errors", id="app.problem-files", show=False),
        Binding("ctrl+b", "rebuild_index", "Rebuild index", id="app.rebuild-index", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", id="app.toggle-theme", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]
    """Only F1 and ctrl+q of these are in the footer, so no screen's footer is cut at 80
    columns; F1 and the palette list every key."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        today: date | None = None,
        theme: str = DARK_THEME,
    ) -> None:
        super().__init__()
        self.kb = kb
        self.today = today or date.today()
        self.searcher: Searcher | None = None
        self.titles: list[tuple[str, str]] = []
        self.index_problems: list[Problem] = []
        self._first_results = threading.Event()
        self._following = False
        self._initial_theme = theme
        # The day of the user's previous visit to this knowledge base: entries added after it
        # are marked new for the whole session (None on a first visit, or until it is read).
        self.previous_visit: date | None = None
        self.search_screen = SearchScreen()

    def on_mount(self) -> None:
        self.theme = self._initial_theme
        keymap = parse_keymap(os.environ.get(KEYMAP_ENV_VAR, ""))
        if keymap:
            self.set_keymap(keymap)
        self.push_screen(self.search_screen)
        self.open_index()
        self.record_visit()

    def on_unmount(self) -> None:
        self.first_results_shown()  # release a worker still waiting for them
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None

    # ---- the index -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def open_index(self) -> None:
        """Open the index and show results as soon as possible, then bring it up to date.

        A usable index is opened and searched at once; the update check (and the titles for
        the palette) run after the first results, and results are searched again only if the
        update changed something. A missing, damaged or outdated index is built first, with
        progress.
        """
        from practicebase.actions import open_or_build_index

        try:
            opened = open_or_build_index(
                self.kb, progress=self._progress, rebuild_unusable=True, keep_last_good=True
            )
        except Exception as exc:  # whatever goes wrong is shown in the app, never raised
            self.post_message(IndexFailed(describe(exc)))
            return
        try:
            if opened.built is None:
                self._open_then_update(opened.searcher)
            else:
                report = opened.built
                self.post_message(
                    IndexReady(opened.searcher, report.summary(), list(report.problems))
                )
                self._wait_for_first_results()
                self._post_titles(opened.searcher)
        except Exception as exc:  # whatever goes wrong is shown in the app, never raised
            self.post_message(IndexFailed(describe(exc)))

    def _progress(self, done: int, total: int) -> None:
        self.post_message(IndexProgressed(done, total))

    def _open_then_update(self, searcher: Searcher) -> None:
        self.post_message(IndexReady(searcher, "", []))
        # The first search, the titles and the update check all want the one interpreter:
        # let the first results through before starting the others.
        self._wait_for_first_results()
        self._post_titles(searcher)
        summary, problems, changed = "", [], False
        try:
            summary, problems, changed = self._update_report()
        except Exception as exc:
            summary = f"not updated: {describe(exc)}"
        if changed:
            try:
                searcher.refresh()
            except Exception as exc:
                summary, changed = f"not updated: {describe(exc)}", False
        self.post_message(IndexUpdated(summary, problems, changed))
        if changed:
            self._post_titles(searcher)

    def _update_report(self) -> tuple[str, list[Problem], bool]:
        from practicebase.actions import update_or_rebuild
        from practicebase.index import IndexBusy, IndexUnavailable

        try:
            report = update_or_rebuild(self.kb, progress=self._progress, keep_last_good=True)
        except (IndexBusy, IndexUnavailable, OSError) as exc:
            return f"not updated: {describe(exc)}", [], False
        return report.summary(), list(report.problems), not report.up_to_date

    def _wait_for_first_results(self) -> None:
        """Block this worker until the search screen shows its first answer (or 10 s)."""
        self._first_results.wait(FIRST_RESULTS_WAIT)

    def first_results_shown(self) -> None:
        """Called by the search screen when it shows its first results or failure."""
        self._first_results.set()

    def _post_titles(self, searcher: Searcher) -> None:
        try:
            titles = searcher.titles()
        except Exception:
            return
        self.post_message(TitlesLoaded(titles))

    @on(IndexProgressed)
    def _index_progressed(self, message: IndexProgressed) -> None:
        self.search_screen.index_progressed(message.done, message.total)

    @on(IndexReady)
    def _index_ready(self, message: IndexReady) -> None:
        if self.searcher is not None and self.searcher is not message.searcher:
            self.searcher.close()
        self.searcher = message.searcher
        self.search_screen.index_ready()
        self._report_index(message.summary, message.problems)
        if not self._following:
            self._following = True
            self.set_interval(FOLLOW_SECONDS, self._follow_index)

    def _follow_index(self) -> None:
        """Look for a new generation or new commits of the index, unless this app is busy
        writing it (those refresh the searcher themselves)."""
        busy = any(w.is_running and w.group in ("index", "follow") for w in self.workers)
        if self.searcher is not None and not busy:
            self.check_live_index(self.searcher)

    @work(thread=True, exclusive=True, exit_on_error=False, group="follow")
    def check_live_index(self, searcher: Searcher) -> None:
        try:
            changed = searcher.refresh()
        except Exception:  # a damaged index shows at the next search, with its message
            return
        if changed:
            self.post_message(IndexFollowed())

    @on(IndexFollowed)
    def _index_followed(self, _message: IndexFollowed) -> None:
        self.refresh_titles()
        self.search_screen.index_followed()

    @on(IndexUpdated)
    def _index_updated(self, message: IndexUpdated) -> None:
        self.search_screen.index_updated(changed=message.changed)
        self._report_index(message.summary, message.problems)

    def _report_index(self, summary: str, problems: list[Problem]) -> None:
        """Keep the update's problems and warn about files left out or an index not updated."""
        self.index_problems = problems
        errors = [p for p in problems if p.is_error]
        if errors:
            self.notify(
                f"{plural(len(errors), 'entry file')} {'has' if len(errors) == 1 else 'have'} "
                "errors and cannot be searched as written; F3 lists them.",
                severity="warning",
                markup=False,
            )
        elif summary.startswith("not updated"):
            self.notify(f"Index {summary}", severity="warning", markup=False)

    @on(IndexFailed)
    def _index_failed(self, message: IndexFailed) -> None:
        self.first_results_shown()  # nothing will be searched: let the worker finish
        self.search_screen.index_failed(message.reason)

    def refresh_titles(self) -> None:
        """Read titles again after entries changed (in a worker)."""
        if self.searcher is not None:
            self._load_titles(self.searcher)

    @work(thread=True, exclusive=True, exit_on_error=False, group="titles")
    def _load_titles(self, searcher: Searcher) -> None:
        self._post_titles(searcher)

    @on(TitlesLoaded)
    def _titles_loaded(self, message: TitlesLoaded) -> None:
        self.titles = message.titles

    # ---- the user's visits --------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="visit")
    def record_visit(self) -> None:
        """Read the previous visit to this knowledge base and record this one (state.py)."""
        from practicebase.state import visit

        found = visit(self.kb.root, self.today)
        self.post_message(VisitRecorded(found.previous, found.problem))

    @on(VisitRecorded)
    def _visit_recorded(self, message: VisitRecorded) -> None:
        if message.problem:  # said once; everything else works as before
            effect = "nothing is marked new" if message.previous is None else "not recorded"
            self.notify(
                f"This visit is {effect}: {message.problem}"
                if message.previous is not None
                else f"Your last visit is not known, so {effect}: {message.problem}",
                severity="warning",
                markup=False,
                timeout=10,
            )
        self.previous_visit = message.previous
        self.search_screen.visit_known()

    # ---- navigation used by screens and the palette ------------------------------------

    def open_entry(self, entry_id: str, from_search: bool = False) -> None:
        """Push the reading screen for `entry_id` (over the search screen or another entry)."""
        if from_search:
            self._back_to_search()
        self.push_screen(EntryScreen(entry_id))

    def _back_to_search(self) -> None:
        while self.screen is not self.search_screen and len(self.screen_stack) > 1:
            self.pop_screen()

    def confirm_link(self, url: str) -> None:
        """Open `url` only if it is http(s)/mailto and the user confirms."""
        if not is_openable(url):
            self.notify(
                "Not opened: only http, https and mailto links can be opened.",
                severity="warning",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.open_url(url)

        self.push_screen(ConfirmLink(url), answered)

    def choose_link(self, entry: Entry) -> None:
        def chosen(url: str | None) -> None:
            if url:
                self.confirm_link(url)

        self.push_screen(LinkChooser(entry_links(entry)), chosen)

    def show_problems(self, heading: str, problems: Sequence[Problem]) -> None:
        self.push_screen(ProblemsDialog(heading, problems))

    def shown_path(self, path: str) -> str:
        """`path` relative to the knowledge base root when it is inside it."""
        try:
            return str(Path(path).resolve().relative_to(self.kb.root.resolve()))
        except (ValueError, OSError):
            return path

    def run_editor(self, path: Path) -> bool:
        """Open `path` in $VISUAL/$EDITOR with the terminal handed over; False (and a
        notification saying why) when the editor could not run."""
        command = editor_command(path)
        try:
            if self.is_headless:  # no terminal to hand over: run it as it is
                subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
            else:
                with self.suspend():
                    subprocess.run(command, check=False)
        except Exception as exc:  # no terminal to suspend to, or no such editor
            self.notify(
                f"Could not run the editor: {describe(exc)}", markup=False, severity="error"
            )
            return False
        return True

    def forget_problems(self, path: str) -> None:
        """A file was fixed: drop its problems from the ones the start-up update found."""
        fixed = Path(path).resolve()
        self.index_problems = [p for p in self.index_problems if Path(p.path).resolve() != fixed]

    def action_problem_files(self) -> None:
        """List the entry files with errors; Enter edits one and checks it again."""
        if isinstance(self.screen, ProblemFilesDialog):
            return
        errors = [p for p in self.index_problems if p.is_error]
        if not errors:
            self.notify("No entry file has errors.", markup=False)
            return
        self.push_screen(ProblemFilesDialog(errors))

    # ---- actions ---------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Search screen", list(SearchScreen.BINDINGS)),
            ("Entry screen", list(EntryScreen.BINDINGS)),
            ("Coverage screen", list(CoverageScreen.BINDINGS)),
            ("Recommendations screen", list(RecommendationsScreen.BINDINGS)),
            ("Compare screen (from coverage)", list(CompareScreen.BINDINGS)),
            ("Every screen", list(self.BINDINGS)),
        ]
        self.push_screen(HelpScreen(sections))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def action_add_entry(self) -> None:
        def added(message: EntryAdded | None) -> None:
            if message is None:
                return
            warnings = [p for p in message.problems if not p.is_error]
            if warnings:
                # The same lines `practicebase add` prints, duplicate warnings capped alike.
                lines = "\n".join(problem_lines(warnings, shown_path=self.shown_path))
                self.notify(
                    f"Added {message.entry_id} with {plural(len(warnings), 'warning')}:\n{lines}",
                    severity="warning",
                    markup=False,
                    timeout=20,
                )
            else:
                self.notify(f"Added {message.entry_id}.", markup=False)
            self.refresh_titles()
            self.search_screen.search_now(new_question=False)
            self.open_entry(message.entry_id, from_search=True)

        self.push_screen(AddEntryDialog(), added)

    def action_rebuild_index(self) -> None:
        def rebuilt(ok: bool | None) -> None:
            if ok:
                if self.searcher is None:
                    self.open_index()
                else:
                    self.refresh_titles()
                    self.search_screen.search_now(new_question=False)

        self.push_screen(RebuildDialog(), rebuilt)

    def action_coverage(self) -> None:
        def chosen(cell: tuple[str | None, str | None] | None) -> None:
            if not cell or cell == (None, None):
                return
            force, theme = cell
            filters = []
            if force:
                filters.append(("force", force))
            if theme:
                filters.append(("theme", theme))
            self._back_to_search()
            self.search_screen.set_filters(tuple(filters), text="")

        self._back_to_search()
        self.push_screen(CoverageScreen(), chosen)

    def action_recommendations(self) -> None:
        """Practice per inspection recommendation; a chosen cell becomes the search's filters."""

        def chosen(filters: tuple[tuple[str, str], ...] | None) -> None:
            if filters:
                self.search_with_filters(filters)

        self._back_to_search()
        self.push_screen(RecommendationsScreen(), chosen)

    def search_with_filters(self, filters: tuple[tuple[str, str], ...]) -> None:
        """Back to the search screen, searching every entry with just these filters."""
        self._back_to_search()
        self.search_screen.set_filters(filters, text="")

    def action_go_search(self) -> None:
        self._back_to_search()
        self.search_screen.action_focus_search()

    def action_clear_filters(self) -> None:
        self._back_to_search()
        self.search_screen.action_clear_filters()

    def action_cycle_sort(self) -> None:
        self._back_to_search()
        self.search_screen.action_cycle_sort()

    def action_show_facets(self) -> None:
        self._back_to_search()
        self.search_screen.open_facets()

    def action_use_suggestion(self) -> None:
        self._back_to_search()
        self.search_screen.action_use_suggestion()

    def action_more_results(self) -> None:
        self._back_to_search()
        self.search_screen.action_more_results()

    def action_save_results(self) -> None:
        self._back_to_search()
        self.search_screen.action_save_results()
