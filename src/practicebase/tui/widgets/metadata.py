"""An entry's metadata: the key facts shown before its body, the details after it."""

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


def key_facts(entry: Entry, vocabulary: Vocabulary, today: date) -> Table:
    """What a reader needs before the body: who, what, how far it got, when, whom to ask."""
    rows: list[tuple[str, Text | str | None]] = [
        ("Forces", ", ".join(vocabulary.force_name(f) for f in entry.forces)),
        ("Themes", ", ".join(entry.themes)),
    ]
    stage = t.stage_badge(entry.stage)
    if entry.outcome:
        stage.append(" ")
        stage.append_text(t.outcome_badge(entry.outcome))
    rows.append(("Stage", stage))
    rows.append(("Status", entry.status))
    reviewed = t.line(f"last reviewed {entry.last_reviewed.isoformat()}, due ")
    reviewed.append_text(t.line(entry.review_due.isoformat()))
    if entry.is_due(today):
        reviewed.append(" ")
        reviewed.append_text(t.due_badge())
    rows.append(("Dates", reviewed))
    contact = entry.contact
    who = ", ".join(part for part in (contact.name, contact.role) if part)
    rows.append(
        ("Contact", f"{who} <{contact.email}>" + (f", {contact.phone}" if contact.phone else ""))
    )
    return _grid(rows)


def details(entry: Entry, root: Path) -> Table:
    """The rest, for reference after the body: whom it is for, links to other entries, the
    file it lives in."""
    rows: list[tuple[str, Text | str | None]] = [
        ("Started", entry.started.isoformat() if entry.started else None),
        ("Audience", ", ".join(entry.audience)),
        ("Partners", ", ".join(entry.partners)),
        ("Ideology", ", ".join(entry.ideology)),
        ("Recommendations", ", ".join(entry.recommendations)),
        ("SMS level", str(entry.sms_level) if entry.sms_level is not None else None),
        ("Classification", t.line(entry.classification, "bold red" if entry.is_sensitive else "")),
        ("Related", ", ".join(entry.related)),
        ("Tags", ", ".join(entry.tags)),
        ("Id", entry.id),
        ("File", relative_path(entry.path, root)),
    ]
    return _grid(rows)


def _grid(rows: list[tuple[str, Text | str | None]]) -> Table:
    """Label/value lines, every value sanitised; empty values left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value is None or value == "":
            continue
        grid.add_row(Text(label), value if isinstance(value, Text) else t.line(value))
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
