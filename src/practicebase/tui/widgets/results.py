"""The results list: one row per hit, plus a "N more" row to page on demand."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from practicebase.evidence import evidence_mark
from practicebase.search import Hit, SearchResult
from practicebase.tui import text as t

SNIPPET_CHARS = 90
"""Longest snippet shown in a row: about two lines of the results pane at 80 columns."""

MORE_ID = "__more__"
"""Option id of the "N more" row (entry ids are slugs and never contain underscores)."""


def is_new(hit: Hit, since: date | None) -> bool:
    """True when the entry was added after the previous visit (`since`); never on a first
    visit, nor for an entry without an `added` date."""
    return since is not None and hit.added is not None and hit.added > since


def hit_prompt(hit: Hit, new_since: date | None = None) -> Text:
    """A results row: the evidence mark (`I3+`, a column of its own), title and badges (new
    since the last visit, marking, review due), then forces, stage and outcome, then the
    snippet with matches emphasised. The mark goes before the title, which wraps between
    words, so the badges' line is no wider than before."""
    row = Text()
    row.append(evidence_mark(hit.stage, hit.sms_level, hit.outcome), "bold")
    row.append(" ")
    row.append_text(t.line(hit.title, "bold"))
    for tag in (
        t.new_badge() if is_new(hit, new_since) else None,
        t.sensitive_badge() if hit.classification == t.SENSITIVE else None,
        t.due_badge() if hit.is_due else None,
    ):
        if tag is not None:
            row.append(" ")
            row.append_text(tag)
    row.append("\n")
    row.append_text(t.line(", ".join(hit.force_names or hit.forces), "italic"))
    row.append(" ")
    row.append_text(t.stage_badge(hit.stage))
    if hit.outcome:
        row.append(" ")
        row.append_text(t.outcome_badge(hit.outcome))
    if hit.status and hit.status != "active":
        row.append(" ")
        row.append_text(t.line(f"({hit.status})", "dim"))
    if hit.snippet:
        row.append("\n")
        snippet = t.emphasised(hit.snippet, hit.snippet_spans, "dim")
        if len(snippet) > SNIPPET_CHARS:
            snippet.truncate(SNIPPET_CHARS - 1)
            snippet.append("…", "dim")
        row.append_text(snippet)
    return row


class ResultsList(OptionList):
    """Hits of the current search; the option id of a hit row is the entry id."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.hits: tuple[Hit, ...] = ()
        self.total = 0
        # Rows of entries added after this day are marked new (the app's previous visit).
        self.new_since: date | None = None

    def show_result(
        self, result: SearchResult, *, keep_selection: bool = True, more_key: str = "ctrl+l"
    ) -> None:
        """Replace the rows; with `keep_selection`, the highlighted entry stays highlighted."""
        keep = self.highlighted_entry_id if keep_selection else None
        self.hits = result.hits
        self.total = result.total
        options: list[Option | None] = []
        for hit in result.hits:
            if options:
                options.append(None)  # a divider between rows
            options.append(Option(hit_prompt(hit, self.new_since), id=hit.id))
        remaining = result.total - len(result.hits)
        if remaining > 0:
            them = "it" if remaining == 1 else "them"
            more = Text(f"... {remaining} more: enter or {more_key} shows {them}", "bold")
            options.append(None)
            options.append(Option(more, MORE_ID))
        self.set_options(options)
        if keep is not None and self.hit(keep) is not None:
            self.highlighted = self.get_option_index(keep)
        elif self.option_count:
            self.highlighted = 0
            self.scroll_home(animate=False)

    def show_message(self, message: Text) -> None:
        """Replace the rows by one disabled line explaining why there are none."""
        self.hits = ()
        self.total = 0
        self.set_options([Option(message, disabled=True)])

    @property
    def highlighted_entry_id(self) -> str | None:
        """The entry id of the highlighted row, or None (no row, or the "more" row)."""
        option = self.highlighted_option
        if option is None or option.id in (None, MORE_ID):
            return None
        return option.id

    def hit(self, entry_id: str) -> Hit | None:
        return next((hit for hit in self.hits if hit.id == entry_id), None)
