"""The status and "did you mean" lines under the search input."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from practicebase.search import SearchResult
from practicebase.tui import text as t
from practicebase.tui.widgets.facets import FACET_TITLES, value_label
from practicebase.vocabulary import Vocabulary


def filters_text(filters: Sequence[tuple[str, str]], vocabulary: Vocabulary) -> Text:
    """Active filters as `Force: West Midlands Police, Theme: referrals`."""
    parts = []
    for field, value in filters:
        part = Text(f"{FACET_TITLES.get(field, field)}: ", "bold")
        part.append_text(t.line(value_label(field, value, vocabulary)))
        parts.append(part)
    return t.joined(parts, ", ")


class StatusLine(Static):
    """Hit count, active filters and sort of the shown results."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(), id=id, markup=False)

    def show_result(self, result: SearchResult, vocabulary: Vocabulary, note: str = "") -> None:
        request = result.request
        shown = len(result.hits)
        noun = "entry" if result.total == 1 else "entries"
        line = Text(f"{result.total} {noun}", "bold")
        if shown < result.total:
            line.append(f" (showing {shown})")
        if request.filters:
            line.append("  filters: ")
            line.append_text(filters_text(request.filters, vocabulary))
            line.append(" (ctrl+r clears)", "dim")
        line.append(f"  sort: {request.sort}")
        if note:
            line.append(f"  ({note})", "italic")
        self.update(line)

    def show_text(self, message: str, style: str = "") -> None:
        self.update(Text(message, style))


class SuggestionLine(Static):
    """Offers the search's "did you mean" and says which words were searched instead."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(), id=id, markup=False)
        self.suggestion: str | None = None

    def show_result(self, result: SearchResult) -> None:
        line = Text()
        for typed, used in result.corrections:
            if line.plain:
                line.append("; ")
            line.append("searched ")
            line.append_text(t.line(typed, "bold"))
            line.append(" as ")
            line.append_text(t.line(" or ".join(used), "bold"))
        for typed, used in result.reranked:
            if line.plain:
                line.append("; ")
            line.append_text(t.line(typed, "bold"))
            line.append(" is in no entry: ranked by ")
            line.append_text(t.line(" or ".join(used), "bold"))
        self.suggestion = result.suggestion or None
        if self.suggestion:
            if line.plain:
                line.append("  ")
            line.append("Did you mean: ")
            line.append_text(t.line(self.suggestion, "bold underline"))
            line.append(" (ctrl+y to use it)", "dim")
        self.update(line)
        self.display = bool(line.plain)

    def clear(self) -> None:
        self.suggestion = None
        self.update(Text())
        self.display = False
