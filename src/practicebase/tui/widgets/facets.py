"""The facet panel: counts per value of each facet field; choosing a value toggles a filter."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from practicebase.search import FACET_FIELDS
from practicebase.tui import text as t
from practicebase.tui.messages import FacetToggled
from practicebase.vocabulary import Vocabulary

FACET_TITLES = {
    "force": "Force",
    "theme": "Theme",
    "stage": "Stage",
    "outcome": "Outcome",
    "status": "Status",
    "audience": "Audience",
    "classification": "Classification",
    "recommendation": "Inspection recommendation",
}


def option_id(field: str, value: str) -> str:
    return f"{field}={value}"


def value_label(field: str, value: str, vocabulary: Vocabulary) -> str:
    """How a facet value reads in the panel and the status line."""
    if field == "force":
        return vocabulary.force_name(value)
    if field == "stage":
        return t.STAGE_LABELS.get(value, value)
    if field == "outcome":
        return t.OUTCOME_LABELS.get(value, value)
    if field == "recommendation":
        rec = vocabulary.recommendation(value)
        return f"{value} {rec.label}" if rec and rec.label else value
    return value


def provisional(field: str, value: str, vocabulary: Vocabulary) -> bool:
    """Whether a value's label is a packaged, provisional recommendation label."""
    if field != "recommendation":
        return False
    rec = vocabulary.recommendation(value)
    return bool(rec and rec.label and rec.provisional)


class FacetPanel(OptionList):
    """Facet values with counts; active filters are ticked and listed even at zero."""

    def __init__(self, vocabulary: Vocabulary, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.vocabulary = vocabulary
        self.border_title = "Filters"

    def show_facets(
        self,
        facets: dict[str, tuple[tuple[str, int], ...]],
        active: Iterable[tuple[str, str]],
    ) -> None:
        """Rebuild the options from the result's facet counts, keeping the highlight."""
        active = set(active)
        keep = self.highlighted_option.id if self.highlighted_option else None
        options: list[Option | None] = []
        for field in FACET_FIELDS:
            counts = dict(facets.get(field, ()))
            for _, value in sorted(pair for pair in active if pair[0] == field):
                counts.setdefault(value, 0)
            if not counts:
                continue
            if options:
                options.append(None)
            options.append(Option(Text(FACET_TITLES.get(field, field), "bold"), disabled=True))
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            for value, count in ordered:
                ticked = (field, value) in active
                prompt = Text("[x]" if ticked else "[ ]", "bold" if ticked else "dim")
                prompt.append(f"{count:>4} ", "dim")
                prompt.append_text(t.line(value_label(field, value, self.vocabulary)))
                if provisional(field, value, self.vocabulary):
                    prompt.append(" (provisional)", "dim italic")
                options.append(Option(prompt, id=option_id(field, value)))
        self.set_options(options)
        if keep is not None:
            try:
                self.highlighted = self.get_option_index(keep)
            except OptionDoesNotExist:  # the value is gone from the new counts
                self.highlighted = None

    @on(OptionList.OptionSelected)
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and "=" in event.option.id:
            field, value = event.option.id.split("=", 1)
            self.post_message(FacetToggled(field, value))
