"""The coverage screen: a forces-by-themes matrix of entry counts; choosing a cell searches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from practicebase.coverage import Coverage, build_coverage
from practicebase.tui import text as t
from practicebase.tui.errors import describe
from practicebase.tui.messages import CoverageBuilt, IndexFailed

if TYPE_CHECKING:
    from practicebase.search import Searcher
    from practicebase.tui.app import PracticebaseApp

FORCE_WIDTH = 28
"""Force names are cut to this width so themes get the room."""

TOTAL = "__total__"
"""Row key and column key of the totals (ids are slugs and never contain underscores)."""


def theme_label(theme: str) -> Text:
    """A column header on two lines, split at a hyphen, to keep columns narrow."""
    head, _, tail = theme.partition("-")
    return (
        t.line(head, "bold") + Text("\n") + t.line(tail, "bold") if tail else t.line(theme, "bold")
    )


def count_cell(count: int, maximum: int) -> Text:
    """A count coloured by how much practice there is: none, a little, some, a lot."""
    if count == 0:
        return Text("·", "dim", justify="right")
    share = count / max(maximum, 1)
    style = "bold green" if share > 0.66 else "green" if share > 0.33 else "yellow"
    return Text(str(count), style, justify="right")


class CoverageScreen(Screen[tuple[str | None, str | None]]):
    """Dismisses with (force, theme) of the chosen cell; totals give only one of them."""

    app: PracticebaseApp

    BINDINGS = [Binding("escape", "back", "Back", id="coverage.back")]

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Coverage: entries per force and theme (enter on a cell searches it)", "bold"),
            id="coverage-title",
            markup=False,
        )
        yield DataTable(
            id="coverage", cursor_type="cell", zebra_stripes=True, fixed_columns=1, header_height=2
        )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#coverage").focus()
        if self.app.searcher is None:
            self.query_one("#coverage-title", Static).update(
                Text("Coverage is shown once the search index is open.", "italic")
            )
            return
        self.compute(self.app.searcher)

    @work(thread=True, exclusive=True, exit_on_error=False, group="coverage")
    def compute(self, searcher: Searcher) -> None:
        try:
            coverage = build_coverage(searcher.coverage_pairs(), self.app.kb.vocabulary)
        except Exception as exc:
            self.post_message(IndexFailed(describe(exc)))
            return
        self.post_message(CoverageBuilt(coverage))

    @on(IndexFailed)
    def _failed(self, message: IndexFailed) -> None:
        message.stop()
        self.query_one("#coverage-title", Static).update(
            Text(f"Coverage unavailable: {message.reason}", "bold red")
        )

    @on(CoverageBuilt)
    def _show(self, message: CoverageBuilt) -> None:
        coverage: Coverage = message.coverage
        vocabulary = self.app.kb.vocabulary
        table = self.query_one("#coverage", DataTable)
        table.clear(columns=True)
        forces = list(coverage.forces)
        with_entries = sum(1 for f in forces if coverage.force_totals.get(f))
        maximum = max(coverage.counts.values(), default=1)
        table.add_column(Text("Force", "bold"), key="force")
        for theme in coverage.themes:
            table.add_column(theme_label(theme), key=theme)
        table.add_column(Text("Total", "bold"), key=TOTAL)
        for force in forces:
            name = vocabulary.force_name(force)
            name = name if len(name) <= FORCE_WIDTH else name[: FORCE_WIDTH - 1] + "…"
            cells = [t.line(name, "bold")]
            cells += [count_cell(coverage.count(force, th), maximum) for th in coverage.themes]
            cells.append(Text(str(coverage.force_totals.get(force, 0)), "bold", justify="right"))
            table.add_row(*cells, key=force)
        totals = [Text("Total (entries)", "bold")]
        totals += [
            Text(str(coverage.theme_totals.get(th, 0)), "bold", justify="right")
            for th in coverage.themes
        ]
        totals.append(Text(str(coverage.total), "bold reverse", justify="right"))
        table.add_row(*totals, key=TOTAL)
        title = Text(
            f"Coverage: {coverage.total} entries from {with_entries} of {len(forces)} forces;"
            " enter on a cell searches it",
            "bold",
        )
        self.query_one("#coverage-title", Static).update(title)
        if forces:
            table.move_cursor(row=0, column=1)

    @on(DataTable.CellSelected, "#coverage")
    def _cell_chosen(self, event: DataTable.CellSelected) -> None:
        force = event.cell_key.row_key.value
        theme = event.cell_key.column_key.value
        chosen_force = None if force in (None, TOTAL) else force
        chosen_theme = None if theme in (None, TOTAL, "force") else theme
        if chosen_force is None and chosen_theme is None:
            return
        self.dismiss((chosen_force, chosen_theme))

    def action_back(self) -> None:
        self.dismiss((None, None))
