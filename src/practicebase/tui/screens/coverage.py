"""The coverage screen: a forces-by-themes matrix of entry counts; choosing a cell searches it,
and marking two forces opens them side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from practicebase.coverage import Coverage, build_coverage, short_codes
from practicebase.tui import text as t
from practicebase.tui.errors import describe
from practicebase.tui.messages import CoverageBuilt, IndexFailed
from practicebase.tui.screens.compare import CompareScreen

if TYPE_CHECKING:
    from practicebase.search import Searcher
    from practicebase.tui.app import PracticebaseApp

FORCE_WIDTH = 28
"""Force names are cut to this width so themes get the room."""

SHORT_FORCE_WIDTH = 20
"""The width force names are cut to beside theme codes, on a narrow terminal."""

TOTAL = "__total__"
"""Row key and column key of the totals (ids are slugs and never contain underscores)."""

MARK = "● "
"""Before the name of a force marked for comparison."""


def theme_label(theme: str) -> Text:
    """A column header on two lines, split at a hyphen, to keep columns narrow."""
    head, _, tail = theme.partition("-")
    return (
        t.line(head, "bold") + Text("\n") + t.line(tail, "bold") if tail else t.line(theme, "bold")
    )


def full_labels_fit(coverage: Coverage, width: int) -> bool:
    """Whether every theme fits with its name as the heading (on two lines) in `width`."""
    needed = FORCE_WIDTH + 2 + 7  # the force column, then the totals
    for theme in coverage.themes:
        head, _, tail = theme.partition("-")
        needed += max(len(head), len(tail)) + 2
    return needed <= width


def legend(codes: dict[str, str]) -> Text:
    """`Theme codes: CM=case-management  R=referrals ...`, as `report coverage` prints it."""
    text = Text("Theme codes: ", "bold")
    for n, (theme, code) in enumerate(codes.items()):
        if n:
            text.append("  ")
        text.append(code, "bold")
        text.append_text(t.line(f"={theme}"))
    return text


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

    BINDINGS = [
        Binding("escape", "back", "Back", id="coverage.back"),
        Binding("m", "mark", "Mark", id="coverage.mark"),
        Binding("c", "compare", "Compare", id="coverage.compare"),
        Binding("f5", "app.recommendations", "Recommendations", id="coverage.recommendations"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.coverage: Coverage | None = None
        self.short_headings = False
        """Theme codes as headings, with a legend under the table (a narrow terminal)."""
        self.marked: list[str] = []
        """Force ids marked for comparison, oldest first; at most two."""
        self._title = Text()

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Coverage: entries per force and theme (enter on a cell searches it)", "bold"),
            id="coverage-title",
            markup=False,
        )
        yield DataTable(
            id="coverage", cursor_type="cell", zebra_stripes=True, fixed_columns=1, header_height=2
        )
        yield Static(Text(), id="coverage-legend", markup=False)
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Switch between theme names and theme codes when the width calls for it."""
        if self.coverage is not None:
            short = not full_labels_fit(self.coverage, event.size.width)
            if short != self.short_headings:
                self._fill(self.coverage, event.size.width)

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
        self.coverage = message.coverage
        self._fill(message.coverage, self.size.width)
        if message.coverage.forces:
            self.query_one("#coverage", DataTable).move_cursor(row=0, column=1)

    def _fill(self, coverage: Coverage, width: int) -> None:
        """(Re)build the table, with theme names as headings when they fit, else the short
        codes of `report coverage` and their legend; the cursor stays on its cell."""
        table = self.query_one("#coverage", DataTable)
        cursor = table.cursor_coordinate
        self.short_headings = not full_labels_fit(coverage, width)
        codes = short_codes(coverage.themes) if self.short_headings else {}
        table.header_height = 1 if self.short_headings else 2
        table.clear(columns=True)
        forces = list(coverage.forces)
        with_entries = sum(1 for f in forces if coverage.force_totals.get(f))
        maximum = max(coverage.counts.values(), default=1)
        table.add_column(Text("Force", "bold"), key="force")
        for theme in coverage.themes:
            heading = Text(codes[theme], "bold") if codes else theme_label(theme)
            table.add_column(heading, key=theme)
        table.add_column(Text("Total", "bold"), key=TOTAL)
        for force in forces:
            cells = [self._name_cell(force)]
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
        self._title = title
        self._show_title()
        key = self.query_one("#coverage-legend", Static)
        key.update(legend(codes))
        key.display = bool(codes)
        if forces:
            table.move_cursor(row=cursor.row, column=cursor.column)

    def _name_cell(self, force: str) -> Text:
        """The force's name, cut to fit, after a mark when it is marked for comparison."""
        width = SHORT_FORCE_WIDTH if self.short_headings else FORCE_WIDTH
        name = self.app.kb.vocabulary.force_name(force)
        if force in self.marked:
            width -= len(MARK)
        name = name if len(name) <= width else name[: width - 1] + "…"
        cell = t.line(name, "bold")
        return Text.assemble((MARK, "bold yellow"), cell) if force in self.marked else cell

    def _show_title(self) -> None:
        """The title, and a line naming the marked forces and what to do next."""
        title = self._title.copy()
        names = [self.app.kb.vocabulary.force_name(f) for f in self.marked]
        if len(names) == 2:
            title.append_text(t.line(f"\nMarked {names[0]} and {names[1]}: c compares them"))
        elif names:
            title.append_text(t.line(f"\nMarked {names[0]}: m on another force to compare"))
        self.query_one("#coverage-title", Static).update(title)

    def action_mark(self) -> None:
        """Mark (or unmark) the force of the cursor's row; a third mark replaces the oldest."""
        table = self.query_one("#coverage", DataTable)
        if self.coverage is None or not table.row_count:
            return
        force = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if force in (None, TOTAL):
            self.notify("Move to a force's row to mark it.", markup=False)
            return
        changed = [force]
        if force in self.marked:
            self.marked.remove(force)
        else:
            self.marked.append(force)
            if len(self.marked) > 2:
                changed.append(self.marked.pop(0))
        for f in changed:
            table.update_cell(f, "force", self._name_cell(f))
        self._show_title()

    def action_compare(self) -> None:
        """Open the two marked forces side by side."""
        if len(self.marked) < 2:
            self.notify("Mark two forces first: m on a force's row marks it.", markup=False)
            return
        self.app.push_screen(CompareScreen(self.marked[0], self.marked[1]))

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
