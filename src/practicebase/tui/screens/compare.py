"""The compare screen: two forces side by side, with the content of `report compare`.

Themes and recommendations with each force's count (Enter on a count searches that force's
practice on it), then by theme the entries only one of them has (Enter opens one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from practicebase.reports import compare_forces, load_entries
from practicebase.tui import text as t
from practicebase.tui.errors import describe
from practicebase.tui.messages import ForcesCompared, ReportFailed

if TYPE_CHECKING:
    from practicebase.kb import KnowledgeBase
    from practicebase.reports import ForceComparison
    from practicebase.tui.app import PracticebaseApp

FORCE_COLUMN = 18
"""Force names in the column headings are cut to this width."""

NAME_MIN = 30
"""The narrowest first column (themes, recommendations and entry titles)."""

SIDES = ("a", "b")
"""Column keys of the first and the second force."""


def cut(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis."""
    if text.cell_len > width:
        text = text.copy()
        text.truncate(width - 1)
        text.append("…")
    return text


def count(n: int) -> Text:
    return Text(str(n), "bold", justify="right") if n else Text("·", "dim", justify="right")


def heading(name: str) -> Text:
    """A force name on at most two lines of `FORCE_COLUMN` cells."""
    head, _, tail = name.partition(" ")
    if len(name) <= FORCE_COLUMN or not tail:
        return cut(t.line(name, "bold"), FORCE_COLUMN)
    return (
        cut(t.line(head, "bold"), FORCE_COLUMN)
        + Text("\n")
        + cut(t.line(tail, "bold"), FORCE_COLUMN)
    )


class CompareScreen(Screen[None]):
    """Two forces compared; escape goes back to the coverage screen."""

    app: PracticebaseApp

    BINDINGS = [Binding("escape", "back", "Back", id="compare.back")]

    def __init__(self, first: str, second: str) -> None:
        super().__init__()
        self.forces = (first, second)
        self.comparison: ForceComparison | None = None
        self.name_width = NAME_MIN
        """The first column's width now: wider when the terminal is."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Comparing…", "bold"), id="compare-title", markup=False)
        yield Static(Text(), id="compare-summary", markup=False)
        yield DataTable(id="compare", cursor_type="cell", zebra_stripes=False, header_height=2)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compare").focus()
        self.compute(self.app.kb, *self.forces)

    def on_resize(self, event: events.Resize) -> None:
        comparison = self.comparison
        if comparison is not None and self._name_width(event.size.width) != self.name_width:
            self._fill(comparison, event.size.width)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare")
    def compute(self, kb: KnowledgeBase, first: str, second: str) -> None:
        """Read the entry files and compare the two forces (the CLI report's data)."""
        try:
            comparison = compare_forces(load_entries(kb).entries, kb.vocabulary, first, second)
        except Exception as exc:
            self.post_message(ReportFailed(describe(exc)))
            return
        self.post_message(ForcesCompared(comparison))

    @on(ReportFailed)
    def _failed(self, message: ReportFailed) -> None:
        message.stop()
        self.query_one("#compare-title", Static).update(
            Text(f"Comparison unavailable: {message.reason}", "bold red")
        )

    @on(ForcesCompared)
    def _show(self, message: ForcesCompared) -> None:
        self.comparison = message.comparison
        self._fill(message.comparison, self.size.width)

    @staticmethod
    def _name_width(width: int) -> int:
        return max(NAME_MIN, width - 2 * (FORCE_COLUMN + 2) - 4)

    def _fill(self, c: ForceComparison, width: int) -> None:
        """(Re)build the title, the summary of gaps and the table; the cursor stays put."""
        vocabulary = self.app.kb.vocabulary
        names = [vocabulary.force_name(f) for f in c.forces]
        self.name_width = self._name_width(width)
        joint = f", {len(c.joint)} of them joint" if c.joint else ""
        self.query_one("#compare-title", Static).update(
            t.line(
                f"{names[0]} and {names[1]}: {c.totals[0]} and {c.totals[1]} entries{joint}", "bold"
            )
        )
        summary = Text()
        for side, name in enumerate(names):
            only = c.themes_only(side)
            recs = c.recommendations_only(side)
            if side:
                summary.append("\n")
            summary.append(t.line(f"Only {name}: ", "bold"))
            summary.append_text(
                t.line(
                    f"{len(only)} theme{'' if len(only) == 1 else 's'} "
                    f"({', '.join(only) or 'none'}); "
                    f"recommendations {', '.join(recs) or 'none'}"
                )
            )
        summary.append("\nEnter on a count searches it, on an entry opens it.", "italic")
        self.query_one("#compare-summary", Static).update(summary)

        table = self.query_one("#compare", DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column(Text("Theme, recommendation or entry", "bold"), key="name")
        for key, name in zip(SIDES, names, strict=True):
            table.add_column(heading(name), key=key)

        def section(key: str, title: str) -> None:
            table.add_row(Text(title, "bold underline"), Text(), Text(), key=key)

        def name_cell(text: Text) -> Text:
            return cut(text, self.name_width)

        section("section:themes", "Entries per theme")
        for theme in c.themes:
            if any(theme.counts):
                cells = [name_cell(t.line(theme.theme)), *map(count, theme.counts)]
                table.add_row(*cells, key=f"theme:{theme.theme}")
        if c.recommendations:
            section("section:recommendations", "Inspection recommendations")
            for rec in c.recommendations:
                label = Text.assemble(t.line(rec.id, "bold"), " ", t.line(rec.shown_label))
                cells = [name_cell(label), *map(count, rec.counts)]
                table.add_row(*cells, key=f"recommendation:{rec.id}")
        differing = [theme for theme in c.themes if any(theme.only)]
        section("section:only", "Entries only one has, by theme" if differing else "")
        for theme in differing:
            table.add_row(
                name_cell(t.line(theme.theme, "bold")),
                *map(count, (len(side) for side in theme.only)),
                key=f"only:{theme.theme}",
            )
            for side, entries in enumerate(theme.only):
                for entry in entries:
                    text = Text("  ")
                    if entry.classification == t.SENSITIVE:
                        text.append("OS ", "bold red")
                    text.append_text(t.line(f"{entry.title} ({entry.id})"))
                    marks = [Text("●", "bold", justify="right") if n == side else Text()
                             for n in range(2)]  # fmt: skip
                    table.add_row(name_cell(text), *marks, key=f"entry:{theme.theme}:{entry.id}")
        if c.themes_neither:
            section("section:neither", "Themes neither covers")
            for theme_id in c.themes_neither:
                table.add_row(
                    name_cell(t.line(theme_id)), count(0), count(0), key=f"theme:{theme_id}"
                )
        first = next(
            n for n, key in enumerate(table.rows) if not str(key.value).startswith("section:")
        )
        table.move_cursor(row=max(cursor.row, first), column=max(cursor.column, 1))

    @on(DataTable.CellSelected, "#compare")
    def _cell_chosen(self, event: DataTable.CellSelected) -> None:
        """A count searches that force's practice on the row's theme or recommendation (the
        name searches every force's); an entry row opens the entry."""
        row = event.cell_key.row_key.value or ""
        column = event.cell_key.column_key.value
        kind, _, rest = row.partition(":")
        if kind == "entry":
            self.app.open_entry(rest.partition(":")[2])
            return
        field = {"theme": "theme", "only": "theme", "recommendation": "recommendation"}.get(kind)
        if field is None:
            return
        filters: list[tuple[str, str]] = []
        if column in SIDES:
            filters.append(("force", self.forces[SIDES.index(column)]))
        filters.append((field, rest))
        self.app.search_with_filters(tuple(filters))

    def action_back(self) -> None:
        self.app.pop_screen()
