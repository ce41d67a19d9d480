"""The preview pane beside the results: banner, title, key facts, Markdown body, details."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from practicebase.entry import Entry
from practicebase.tui import text as t
from practicebase.tui.widgets.body import EntryBody
from practicebase.tui.widgets.metadata import SensitiveBanner, details, key_facts
from practicebase.vocabulary import Vocabulary


class EntryView(VerticalScroll):
    """One entry laid out for reading; used by the preview pane and the entry screen."""

    def __init__(
        self, vocabulary: Vocabulary, root: Path, today: date, *, id: str | None = None
    ) -> None:
        super().__init__(id=id, classes="entry-view")
        self.vocabulary = vocabulary
        self.root = root
        self.today = today
        self.entry: Entry | None = None

    def compose(self) -> ComposeResult:
        yield SensitiveBanner()
        yield Static(Text(), classes="entry-title", markup=False)
        yield Static(Text(), classes="entry-summary", markup=False)
        yield Static(Text(), classes="entry-meta", markup=False)
        yield EntryBody()
        yield Static(Text(), classes="entry-details", markup=False)

    def show_entry(self, entry: Entry | None, placeholder: str = "") -> None:
        """Show `entry`, or `placeholder` when there is none."""
        self.entry = entry
        self.query_one(SensitiveBanner).show_for(entry)
        title = self.query_one(".entry-title", Static)
        summary = self.query_one(".entry-summary", Static)
        meta = self.query_one(".entry-meta", Static)
        body = self.query_one(EntryBody)
        more = self.query_one(".entry-details", Static)
        if entry is None:
            title.update(Text(placeholder, "dim"))
            summary.update(Text())
            meta.update(Text())
            more.update(Text())
            body.display = False
            more.display = False
            return
        title.update(t.line(entry.title, "bold"))
        summary.update(t.block(entry.summary, "italic"))
        meta.update(key_facts(entry, self.vocabulary, self.today))
        more.update(details(entry, self.root))
        more.display = True
        body.display = True
        body.show(entry.body)
        self.scroll_home(animate=False)
