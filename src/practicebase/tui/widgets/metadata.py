"""The metadata panel of an entry: who, what stage, when, whom to ask."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from practicebase.entry import Entry
from practicebase.tui import text as t
from practicebase.vocabulary import Vocabulary


def relative_path(path: Path | None, root: Path) -> str:
    """The entry's path relative to the knowledge base root when it is inside it."""
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except (ValueError, OSError):
        return str(path)


def metadata_text(entry: Entry, vocabulary: Vocabulary, root: Path, today: date) -> Table:
    """Label/value lines for an entry, every value sanitised."""
    rows: list[tuple[str, Text]] = []

    def add(label: str, value: Text | str | None) -> None:
        if value is None or value == "":
            return
        rows.append((label, value if isinstance(value, Text) else t.line(value)))

    add("Forces", ", ".join(vocabulary.force_name(f) for f in entry.forces))
    add("Themes", ", ".join(entry.themes))
    stage = t.stage_badge(entry.stage)
    if entry.outcome:
        stage.append(" ")
        stage.append_text(t.outcome_badge(entry.outcome))
    add("Stage", stage)
    add("Status", entry.status)
    reviewed = t.line(f"last reviewed {entry.last_reviewed.isoformat()}, due ")
    reviewed.append_text(t.line(entry.review_due.isoformat()))
    if entry.is_due(today):
        reviewed.append(" ")
        reviewed.append_text(t.due_badge())
    add("Dates", reviewed)
    if entry.started:
        add("Started", entry.started.isoformat())
    contact = entry.contact
    who = ", ".join(part for part in (contact.name, contact.role) if part)
    add("Contact", f"{who} <{contact.email}>" + (f", {contact.phone}" if contact.phone else ""))
    add("Audience", ", ".join(entry.audience))
    add("Partners", ", ".join(entry.partners))
    add("Ideology", ", ".join(entry.ideology))
    add("Recommendations", ", ".join(entry.recommendations))
    if entry.sms_level is not None:
        add("SMS level", str(entry.sms_level))
    add("Classification", t.line(entry.classification, "bold red" if entry.is_sensitive else ""))
    add("Related", ", ".join(entry.related))
    add("Tags", ", ".join(entry.tags))
    add("Id", entry.id)
    add("File", relative_path(entry.path, root))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(Text(label), value)
    return grid


class SensitiveBanner(Static):
    """A full-width OFFICIAL-SENSITIVE warning, shown only for sensitive entries."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            Text("OFFICIAL-SENSITIVE: handle and share only as your force's policy allows"),
            id=id,
            classes="banner",
            markup=False,
        )
        self.display = False

    def show_for(self, entry: Entry | None) -> None:
        self.display = bool(entry and entry.is_sensitive)
