"""Command palette providers: every app action, and jumping to an entry by its title."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider

from practicebase.sanitize import clean_line

if TYPE_CHECKING:
    from practicebase.tui.app import PracticebaseApp

# (name shown, what it does, app action to run)
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Search", "Focus the search box", "go_search"),
    ("Clear filters", "Remove every active filter", "clear_filters"),
    ("Cycle sort", "Relevance, most recently reviewed, title", "cycle_sort"),
    ("Show filters", "Show and focus the facet panel", "show_facets"),
    ("Use suggestion", 'Search for the "did you mean" suggestion', "use_suggestion"),
    ("Add entry from file", "Validate a file and add it to the knowledge base", "add_entry"),
    ("Rebuild index", "Rebuild the search index from entries/", "rebuild_index"),
    ("Coverage", "Forces by themes matrix of entry counts", "coverage"),
    ("Toggle dark/light theme", "Switch between the dark and the light theme", "toggle_theme"),
    ("Help", "List every key", "help"),
    ("Quit", "Leave practicebase", "quit"),
)


class ActionsProvider(Provider):
    """Every action of the app, by name."""

    @property
    def _app(self) -> PracticebaseApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for name, help_text, action in ACTIONS:
            yield DiscoveryHit(name, partial(self._app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in ACTIONS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._app.run_action, action),
                    help=help_text,
                )


def highlighted_title(matcher: Matcher, title: str) -> Text:
    """The title as plain text with the fuzzy-matched letters emphasised.

    `Matcher.highlight` parses its argument as markup, so it must never see a title.
    """
    text = Text(title)
    _, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        text.stylize("reverse", offset, offset + 1)
    return text


class EntryTitlesProvider(Provider):
    """Open an entry by typing part of its title."""

    @property
    def _app(self) -> PracticebaseApp:
        return self.app  # type: ignore[return-value]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry_id, title in self._app.titles:
            shown = clean_line(title)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score,
                    highlighted_title(matcher, shown),
                    partial(self._app.open_entry, entry_id, from_search=True),
                    text=shown,
                    help="Open this entry",  # the palette parses help as markup: no data here
                )
