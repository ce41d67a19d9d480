"""The status and "did you mean" lines under the search input."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from practicebase.search import SearchResult
from practicebase.tui import text as t
from practicebase.tui.widgets.facets import FACET_TITLES, value_label
from practicebase.vocabulary import Vocabulary

SORT_LABELS = {"newest": "newest added", "evidence": "best evidence"}
"""How the status line names a sort, where its id alone says too little."""


def sort_label(sort: str) -> str:
    return SORT_LABELS.get(sort, sort)


def filters_text(filters: Sequence[tuple[str, str]], vocabulary: Vocabulary) -> Text:
    """Active filters as `Force: West Midlands Police, Theme: referrals`."""
    parts = []
    for field, value in filters:
        part = Text(f"{FACET_TITLES.get(field, field)}: ", "bold")
        part.append_text(t.line(value_label(field, value, vocabulary)))
        parts.append(part)
    return t.joined(parts, ", ")


def fitted(variants: Sequence[Text], width: int) -> Text:
    """The first of `variants` (longest and most helpful first) that fits in `width` cells;
    else the last one cut with an ellipsis."""
    for variant in variants:
        if variant.cell_len <= width:
            return variant
    if not variants:
        return Text()
    last = variants[-1].copy()
    last.truncate(max(width, 1), overflow="ellipsis")
    return last


class FittedLine(Static):
    """One line that shows the longest of its variants that fits, again on every resize."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(), id=id, markup=False)
        self.variants: list[Text] = []

    def show_variants(self, variants: Sequence[Text]) -> None:
        self.variants = list(variants)
        self.refresh()

    def render(self) -> Text:
        line = fitted(self.variants, self.content_size.width)
        line.no_wrap = True
        return line


class StatusLine(FittedLine):
    """Hit count (and how to see more), sort and active filters of the shown results.

    At 80 columns the hints go first, then the filter names are cut; the count, how many
    are shown and the sort stay.
    """

    def show_result(
        self,
        result: SearchResult,
        vocabulary: Vocabulary,
        note: str = "",
        more_key: str = "ctrl+l",
        new: Text | None = None,
    ) -> None:
        """`new` ("3 new since 12 Nov") stays in every variant: it is said only this session."""
        request = result.request
        shown = len(result.hits)
        noun = "entry" if result.total == 1 else "entries"
        if shown < result.total:
            count = Text(f"Showing {shown} of {result.total}", "bold")
            more_hint = Text(f": {more_key} for more", "dim")
        else:
            count = Text(f"{result.total} {noun}", "bold")
            more_hint = Text()
        sort = Text(f"  sort: {sort_label(request.sort)}")
        if new is not None and new.plain:
            sort.append("  ")
            sort.append_text(new)
        filters = Text()
        clear_hint = Text()
        if request.filters:
            filters = Text("  filters: ")
            filters.append_text(filters_text(request.filters, vocabulary))
            clear_hint = Text(" (ctrl+r clears)", "dim")
        noted = Text(f"  ({note})", "italic") if note else Text()
        self.show_variants(
            [
                Text.assemble(count, more_hint, sort, filters, clear_hint, noted),
                Text.assemble(count, more_hint, sort, filters, noted),
                Text.assemble(count, more_hint, sort, filters),
                Text.assemble(count, sort, filters),
            ]
        )

    def show_text(self, message: str, style: str = "") -> None:
        self.show_variants([Text(message, style)])


class SuggestionLine(FittedLine):
    """Offers the search's "did you mean" and says which words were searched instead."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.suggestion: str | None = None

    def show_result(self, result: SearchResult, use_key: str = "ctrl+y") -> None:
        said = Text()
        for typed, used in result.corrections:
            if said.plain:
                said.append("; ")
            said.append("searched ")
            said.append_text(t.line(typed, "bold"))
            said.append(" as ")
            said.append_text(t.line(" or ".join(used), "bold"))
        for typed, used in result.reranked:
            if said.plain:
                said.append("; ")
            said.append_text(t.line(typed, "bold"))
            said.append(" is in no entry: ranked by ")
            said.append_text(t.line(" or ".join(used), "bold"))
        self.suggestion = result.suggestion or None
        variants = [said]
        if self.suggestion:
            offer = Text("Did you mean: ")
            offer.append_text(t.line(self.suggestion, "bold underline"))
            gap = Text("  " if said.plain else "")
            # Shorter forms keep the offer and its key; what was searched instead goes first.
            variants = [
                Text.assemble(said, gap, offer, Text(f" ({use_key} to use it)", "dim")),
                Text.assemble(offer, Text(f" ({use_key} to use it)", "dim")),
                Text.assemble(offer, Text(f" ({use_key})", "dim")),
                Text.assemble(Text(f"{use_key}: ", "dim"), offer),
            ]
        self.show_variants(variants)
        self.display = bool(variants[0].plain)

    def clear(self) -> None:
        self.suggestion = None
        self.show_variants([])
        self.display = False
