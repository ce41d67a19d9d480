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


# Actions of the entry screen, offered when the palette is opened over one.
ENTRY_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Edit this entry", "Open its file in $VISUAL or $EDITOR, then index it again", "edit"),
    ("Copy entry id", "Copy the entry's id to the clipboard", "copy_id"),
    ("Copy entry path", "Copy the entry file's path to the clipboard", "copy_path"),
    ("Copy contact email", "Copy the contact's email address to the clipboard", "copy_email"),
    ("Open a link", "Choose one of the entry's links (asks before opening)", "links"),
    ("Similar practice", "Move to the list of similar practice", "focus_similar"),
)


class ActionsProvider(Provider):
    """Every action of the app by name, plus the entry screen's when it is open."""

    def _commands(self):
        app: PracticebaseApp = self.app  # type: ignore[assignment]
        for name, help_text, action in ACTIONS:
            yield name, help_text, partial(app.run_action, action)
        if type(self.screen).__name__ == "EntryScreen":
            for name, help_text, action in ENTRY_ACTIONS:
                yield name, help_text, partial(self.screen.run_action, action)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


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
