"""A dialog listing validation problems, one per line, as plain text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from practicebase.entry import Problem
from practicebase.tui import text as t


def problems_text(problems: Sequence[Problem]) -> Text:
    """Each problem as `path:line: severity: field: message`, errors in red."""
    out = Text()
    for index, problem in enumerate(problems):
        if index:
            out.append("\n")
        style = "red" if problem.is_error else "yellow"
        out.append_text(t.line(problem.format(), style))
    return out


class ProblemsDialog(ModalScreen[None]):
    """Shows a heading and every problem; escape or enter closes it."""

    BINDINGS = [Binding("escape", "close", "Close", id="problems.close")]

    def __init__(self, heading: str, problems: Sequence[Problem]) -> None:
        super().__init__()
        self.heading = heading
        self.problems = list(problems)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(t.line(self.heading, "bold"), markup=False)
            with VerticalScroll(classes="problems"):
                yield Static(problems_text(self.problems), id="problems", markup=False)
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
