"""The recommendations screen: per inspection recommendation, the forces with linked practice,
counts by stage and outcome, and the forces with none; choosing a cell searches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from practicebase.reports import NO_VALUE, load_entries, recommendations_report
from practicebase.tui import text as t
from practicebase.tui.errors import describe
from practicebase.tui.messages import RecommendationsBuilt, ReportFailed
from practicebase.tui.screens.coverage import count_cell, theme_label

if TYPE_CHECKING:
    from practicebase.kb import KnowledgeBase
    from practicebase.reports import RecommendationRow, RecommendationsReport
    from practicebase.tui.app import PracticebaseApp

Filters = tuple[tuple[str, str], ...]

LABEL_WIDTH = 30
"""The narrowest recommendation column (id and the start of the label)."""

COUNTS_WIDTH = 56
"""Room kept beside the recommendation column for the entry, force and stage counts."""

PROVISIONAL_NOTE = (
    "Labels in italics are provisional (the packaged ones): the inspection's exact wording "
    "and numbering are not confirmed."
)


def two_lines(label: str) -> Text:
    """A column heading on two lines, split at the first space (or hyphen)."""
    head, sep, tail = label.partition(" ")
    if not sep:
        return theme_label(label)
    return t.line(head, "bold") + Text("\n") + t.line(tail, "bold")


def recommendation_cell(row: RecommendationRow, width: int) -> Text:
    """`CT4-2020-R4 Label…` cut to `width`; a provisional label in italics."""
    text = t.line(row.id, "bold")
    label = row.label if row.in_vocabulary else "(not in the vocabulary)"
    if label:
        text.append(" ")
        text.append_text(t.line(label, "italic" if row.provisional else ""))
    if text.cell_len > width:
        text.truncate(width - 1)
        text.append("…")
    return text


def label_width(report: RecommendationsReport, width: int) -> int:
    """The recommendation column's width: the longest id and label when the terminal has
    room beside the counts, never less than `LABEL_WIDTH`."""
    longest = max((len(r.id) + 1 + len(r.label) for r in report.rows), default=0)
    return max(LABEL_WIDTH, min(longest, width - COUNTS_WIDTH))


def filters_for(rec_id: str, column: str | None) -> Filters:
    """The search a cell stands for: the recommendation, and the force, stage or outcome of
    its column (`force:ID`, `stage:ID`, `outcome:ID`); other columns search it alone."""
    filters: list[tuple[str, str]] = [("recommendation", rec_id)]
    field, _, value = (column or "").partition(":")
    if field in ("force", "stage", "outcome") and value and value != NO_VALUE:
        filters.append((field, value))
    return tuple(filters)


class RecommendationsScreen(Screen[Filters]):
    """Dismisses with the filters of the chosen cell, or () when left with escape."""

    app: PracticebaseApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="recommendations.back"),
        Binding("ctrl+g", "app.coverage", "Coverage", id="recommendations.coverage"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: RecommendationsReport | None = None
        self.label_width = LABEL_WIDTH
        """The width of the recommendation column now: wider when the terminal is."""

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Recommendations: counting the practice linked to each…", "bold"),
            id="recommendations-title",
            markup=False,
        )
        yield DataTable(
            id="recommendations",
            cursor_type="cell",
            zebra_stripes=True,
            fixed_columns=1,
            header_height=2,
        )
        yield Static(Text(), id="recommendations-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#recommendations").focus()
        self.compute(self.app.kb)

    def on_resize(self, event: events.Resize) -> None:
        """Widen or narrow the recommendation column with the terminal."""
        report = self.report
        if report is not None and label_width(report, event.size.width) != self.label_width:
            self._fill(report, event.size.width)

    @work(thread=True, exclusive=True, exit_on_error=False, group="recommendations")
    def compute(self, kb: KnowledgeBase) -> None:
        """Read the entry files and count them per recommendation (the CLI report's data)."""
        try:
            report = recommendations_report(load_entries(kb).entries, kb.vocabulary)
        except Exception as exc:
            self.post_message(ReportFailed(describe(exc)))
            return
        self.post_message(RecommendationsBuilt(report))

    @on(ReportFailed)
    def _failed(self, message: ReportFailed) -> None:
        message.stop()
        self.query_one("#recommendations-title", Static).update(
            Text(f"Recommendations unavailable: {message.reason}", "bold red")
        )

    @on(RecommendationsBuilt)
    def _show(self, message: RecommendationsBuilt) -> None:
        self.report = message.report
        self._fill(message.report, self.size.width)
        if message.report.rows:
            self.query_one("#recommendations", DataTable).move_cursor(row=0, column=1)

    def _fill(self, report: RecommendationsReport, width: int) -> None:
        """(Re)build the table; the cursor stays on its cell."""
        vocabulary = self.app.kb.vocabulary
        table = self.query_one("#recommendations", DataTable)
        cursor = table.cursor_coordinate
        self.label_width = label_width(report, width)
        table.clear(columns=True)
        rows = report.rows
        forces = [f.id for f in vocabulary.forces if any(f.id in r.forces for r in rows)]
        forces += sorted({f for r in rows for f in r.forces} - set(forces))
        outcomes = [o for o in (rows[0].by_outcome if rows else ()) if o != NO_VALUE]
        if any(r.by_outcome.get(NO_VALUE) for r in rows):
            outcomes.append(NO_VALUE)
        stages = list(rows[0].by_stage) if rows else []
        maximum = max((n for r in rows for n in r.forces.values()), default=1)
        table.add_column(Text("Recommendation", "bold"), key="recommendation")
        table.add_column(two_lines("Entries"), key="entries")
        table.add_column(two_lines("Forces with"), key="forces")
        table.add_column(two_lines("Forces none"), key="without")
        for stage in stages:
            table.add_column(two_lines(t.STAGE_LABELS.get(stage, stage)), key=f"stage:{stage}")
        for outcome in outcomes:
            label = "no outcome" if outcome == NO_VALUE else t.OUTCOME_LABELS.get(outcome, outcome)
            table.add_column(two_lines(label.replace(" / ", "/ ")), key=f"outcome:{outcome}")
        for force in forces:
            table.add_column(theme_label(force), key=f"force:{force}")
        for row in rows:
            stage_max = max(row.by_stage.values(), default=1)
            cells = [
                recommendation_cell(row, self.label_width),
                Text(str(len(row.entries)), "bold", justify="right"),
                Text(str(len(row.forces)), justify="right"),
                Text(str(len(row.forces_without)), "dim", justify="right"),
            ]
            cells += [count_cell(row.by_stage.get(s, 0), stage_max) for s in stages]
            cells += [count_cell(row.by_outcome.get(o, 0), stage_max) for o in outcomes]
            cells += [count_cell(row.forces.get(f, 0), maximum) for f in forces]
            table.add_row(*cells, key=row.id)
        title = Text(
            f"Recommendations: {report.linked} of {report.total} entries linked;"
            " enter on a cell searches it",
            "bold",
        )
        if report.any_provisional:
            title.append("\n")
            title.append(PROVISIONAL_NOTE, "italic")
        self.query_one("#recommendations-title", Static).update(title)
        if rows:
            table.move_cursor(row=cursor.row, column=cursor.column)
        else:
            self.query_one("#recommendations-detail", Static).update(
                Text("The vocabulary lists no recommendations and no entry links to one.")
            )

    @on(DataTable.CellHighlighted, "#recommendations")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        """Show the highlighted recommendation in full: label, forces with and without."""
        if self.report is None:
            return
        rec_id = event.cell_key.row_key.value
        row = next((r for r in self.report.rows if r.id == rec_id), None)
        if row is not None:
            self.query_one("#recommendations-detail", Static).update(self.detail(row))

    def detail(self, row: RecommendationRow) -> Text:
        """The full label, the forces with practice (with counts) and the forces with none."""
        vocabulary = self.app.kb.vocabulary
        text = t.line(row.id, "bold")
        if row.shown_label:
            text.append("  ")
            text.append_text(t.line(row.shown_label))
        with_practice = ", ".join(
            f"{vocabulary.force_name(f)} ({n})" for f, n in row.forces.items()
        )
        text.append("\nForces with practice", "bold")
        text.append_text(t.line(f" ({len(row.forces)}): {with_practice or 'none yet'}"))
        text.append("\nForces with none", "bold")
        text.append_text(
            t.line(f" ({len(row.forces_without)}): {', '.join(row.forces_without) or 'none'}")
        )
        return text

    @on(DataTable.CellSelected, "#recommendations")
    def _cell_chosen(self, event: DataTable.CellSelected) -> None:
        rec_id = event.cell_key.row_key.value
        if rec_id:
            self.dismiss(filters_for(rec_id, event.cell_key.column_key.value))

    def action_back(self) -> None:
        self.dismiss(())
