"""Add an entry from a file: validate it, show every problem, or file it, index it and open it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from practicebase.tui.dialogs.problems import problems_text
from practicebase.tui.errors import describe
from practicebase.tui.messages import EntryAdded, EntryRejected

if TYPE_CHECKING:
    from practicebase.tui.app import PracticebaseApp


class AddEntryDialog(ModalScreen[EntryAdded | None]):
    """Dismisses with the `EntryAdded` message of a filed entry, or None when cancelled."""

    app: PracticebaseApp

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-dialog"):
            yield Static(
                Text("Add an entry from a file (.md, .yaml or .yml)", "bold"), markup=False
            )
            yield Input(placeholder="path/to/entry.md", id="add-path")
            with VerticalScroll(classes="problems"):
                yield Static(Text(), id="add-problems", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Add", id="add", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#add-path", Input).focus()
        self.query_one(".problems").display = False

    @on(Input.Submitted, "#add-path")
    @on(Button.Pressed, "#add")
    def _submit(self) -> None:
        raw = self.query_one("#add-path", Input).value.strip()
        if not raw:
            self._show(Text("Type the path of the file to add.", "yellow"))
            return
        self._show(Text("Checking...", "dim"))
        self.query_one("#add", Button).disabled = True
        self.add(Path(raw).expanduser())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="add")
    def add(self, source: Path) -> None:
        """Add the file as `practicebase add` does (checks, duplicate warnings, filing,
        indexing), then refresh the app's searcher."""
        from practicebase.actions import add_entries

        app = self.app
        try:
            report = add_entries(app.kb, [source])
            [outcome] = report.outcomes
            if not outcome.ok or outcome.destination is None or outcome.entry is None:
                self.post_message(EntryRejected(list(outcome.problems)))
                return
            if not report.index_ok and report.index_message:
                app.notify(report.index_message, severity="warning", markup=False)
            if app.searcher is not None:
                app.searcher.refresh()
        except Exception as exc:  # index busy, disk full...: say so in the dialog
            self.post_message(EntryRejected([], describe(exc)))
            return
        added = EntryAdded(outcome.entry.id, str(outcome.destination), list(outcome.problems))
        self.post_message(added)

    @on(EntryRejected)
    def _rejected(self, message: EntryRejected) -> None:
        self.query_one("#add", Button).disabled = False
        text = Text("Not added", "bold red")
        if message.reason:
            text.append(": ")
            text.append(Text(message.reason))
        errors = sum(1 for p in message.problems if p.is_error)
        if message.problems:
            text.append(f" ({errors} errors, {len(message.problems) - errors} warnings)")
            text.append("\n")
            text.append_text(problems_text(message.problems))
        self._show(text)

    @on(EntryAdded)
    def _added(self, message: EntryAdded) -> None:
        self.dismiss(message)

    def _show(self, text: Text) -> None:
        self.query_one(".problems").display = True
        self.query_one("#add-problems", Static).update(text)
