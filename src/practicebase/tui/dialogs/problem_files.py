"""The entry files with errors, to fix one by one: Enter edits a file and checks it again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from practicebase.entry import Problem
from practicebase.tui import text as t
from practicebase.tui.dialogs.problems import problems_text
from practicebase.tui.messages import EntryReindexed

if TYPE_CHECKING:
    from practicebase.tui.app import PracticebaseApp


def by_file(problems: Sequence[Problem]) -> dict[str, list[Problem]]:
    """Problems grouped by file, files in path order."""
    grouped: dict[str, list[Problem]] = {}
    for problem in sorted(problems, key=lambda p: (p.path, p.line or 0)):
        grouped.setdefault(problem.path, []).append(problem)
    return grouped


class ProblemFilesDialog(ModalScreen[None]):
    """Lists each file with errors and, below, the problems of the highlighted one."""

    app: PracticebaseApp

    BINDINGS = [
        Binding("escape", "close", "Close", id="problem-files.close"),
        Binding("e", "edit", "Edit", id="problem-files.edit"),
    ]

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__()
        self.files = by_file(problems)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="problem-files-dialog"):
            yield Static(Text(), id="problem-files-heading", markup=False)
            yield OptionList(id="problem-files", markup=False)
            with VerticalScroll(classes="problems"):
                yield Static(Text(), id="problem-files-problems", markup=False)
            yield Static(
                Text(
                    "Enter or e edits the file in $EDITOR; it is checked again when you "
                    "close the editor. Esc closes.",
                    "dim",
                ),
                markup=False,
            )

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#problem-files", OptionList).focus()

    def _fill(self) -> None:
        count = len(self.files)
        heading = (
            f"{count} entry file{'s' if count != 1 else ''} with errors: "
            "not searchable as written (an edited entry's last good version stays searchable)"
            if count
            else "Every entry file is fixed."
        )
        self.query_one("#problem-files-heading", Static).update(t.line(heading, "bold"))
        options = self.query_one("#problem-files", OptionList)
        options.set_options(
            [
                Option(t.line(f"{self.app.shown_path(path)}  ({len(found)})"), id=path)
                for path, found in self.files.items()
            ]
        )
        if self.files:
            options.highlighted = 0
        self._show_problems(next(iter(self.files), None))

    def _show_problems(self, path: str | None) -> None:
        shown = self.files.get(path, []) if path else []
        self.query_one("#problem-files-problems", Static).update(problems_text(shown))

    @on(OptionList.OptionHighlighted, "#problem-files")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_problems(event.option.id)

    @on(OptionList.OptionSelected, "#problem-files")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._edit(event.option.id)

    def action_edit(self) -> None:
        options = self.query_one("#problem-files", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self._edit(option.id)

    def _edit(self, path: str) -> None:
        if self.app.run_editor(Path(path)):
            self.recheck(path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def recheck(self, path: str) -> None:
        from practicebase.actions import recheck_entry

        app = self.app
        found = recheck_entry(app.kb, Path(path), searcher=app.searcher)
        entry_id = found.entry.id if found.entry is not None else ""
        self.post_message(
            EntryReindexed(
                entry_id, found.index_summary, found.problems, found.kept_last_good, path
            )
        )

    @on(EntryReindexed)
    def _rechecked(self, message: EntryReindexed) -> None:
        errors = [p for p in message.problems if p.is_error]
        if errors:
            self.files[message.path] = errors
            self.app.notify(
                f"{self.app.shown_path(message.path)} still has errors.",
                severity="warning",
                markup=False,
            )
        else:
            self.files.pop(message.path, None)
            self.app.forget_problems(message.path)
            self.app.notify(
                f"Fixed {self.app.shown_path(message.path)}: indexed again ({message.summary}).",
                markup=False,
            )
            self.app.search_screen.search_now(new_question=False)
            self.app.refresh_titles()
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)
