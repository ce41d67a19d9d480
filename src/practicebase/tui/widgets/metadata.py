"""An entry's metadata: the key facts shown before its body, the details after it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
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


BREAKS = (
    re.compile(r"\s+"),
    re.compile(r"[@/?&=,;]+"),
    re.compile(r"(?=\.[^.\s])"),
)
"""Where text may wrap, best first: at spaces; inside a word too long for its line, after
`@`, `/`, `?`, `&`, `=`, `,` or `;`; then before a dot. Never inside a name, a domain label or
a path segment."""


def _split(text: Text, level: int) -> list[Text]:
    plain = text.plain
    cuts = sorted({m.end() for m in BREAKS[level].finditer(plain)} - {0, len(plain)})
    bounds = [0, *cuts, len(plain)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


class Breakable:
    """Text holding email addresses, URLs or paths that wraps only at `BREAKS`:
    `prevent.team@westmidlands.police.uk` becomes `prevent.team@` / `westmidlands.police.uk`,
    never `prevent.team@westmid` / `lands...`. A piece wider than the column is folded."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        pieces = [self.text]
        for level in range(len(BREAKS)):
            pieces = [part for piece in pieces for part in _split(piece, level)]
        widest = max((len(piece.plain.rstrip()) for piece in pieces), default=0)
        return Measurement(min(widest, options.max_width), self.text.cell_len)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        lines: list[Text] = [Text()]

        def place(piece: Text, level: int) -> None:
            needed = len(piece.plain.rstrip())
            if lines[-1].cell_len + needed <= width:
                lines[-1].append_text(piece)
            elif needed <= width or level + 1 == len(BREAKS):
                if lines[-1].plain:
                    lines.append(Text())
                lines[-1].append_text(piece)
            else:
                for part in _split(piece, level + 1):
                    place(part, level + 1)

        for word in _split(self.text, 0):
            place(word, 0)
        for line in lines:
            line.rstrip()
            line.overflow = "fold"
            yield line


def key_facts(entry: Entry, vocabulary: Vocabulary, today: date) -> Table:
    """What a reader needs before the body: who, what, how far it got, when, whom to ask."""
    rows: list[tuple[str, Text | Breakable | str | None]] = [
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
    reach = t.line(f"{who} <{contact.email}>" + (f", {contact.phone}" if contact.phone else ""))
    rows.append(("Contact", Breakable(reach)))
    return _grid(rows)


def details(entry: Entry, root: Path) -> Table:
    """The rest, for reference after the body: whom it is for, links to other entries, the
    file it lives in."""
    rows: list[tuple[str, Text | Breakable | str | None]] = [
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
        ("File", Breakable(t.line(relative_path(entry.path, root)))),
    ]
    return _grid(rows)


def _grid(rows: list[tuple[str, Text | Breakable | str | None]]) -> Table:
    """Label/value lines, every value sanitised; empty values left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value is None or value == "":
            continue
        grid.add_row(Text(label), t.line(value) if isinstance(value, str) else value)
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
