"""Command palette providers: every app action, and jumping to an entry by its title."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from practicebase.sanitize import clean_line
from practicebase.tui.screens.help import current_keys

if TYPE_CHECKING:
    from practicebase.tui.app import PracticebaseApp

# (name shown, what it does, app action to run, id of its key binding)
ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Search", "Focus the search box", "go_search", "search.focus"),
    ("Clear filters", "Remove every active filter", "clear_filters", "search.clear-filters"),
    (
        "Cycle sort",
        "Relevance, most recently reviewed, title, newest added, best evidence",
        "cycle_sort",
        "search.sort",
    ),
    ("Show filters", "Show and focus the facet panel", "show_facets", "search.facets"),
    (
        "Use suggestion",
        'Search for the "did you mean" suggestion',
        "use_suggestion",
        "search.suggestion",
    ),
    ("More results", "Show the next 20 results", "more_results", "search.more"),
    (
        "Save results",
        "Save every result of the search as a Markdown or HTML file, with its marking",
        "save_results",
        "search.save",
    ),
    (
        "Add entry from file",
        "Validate a file and add it to the knowledge base",
        "add_entry",
        "app.add-entry",
    ),
    (
        "Rebuild index",
        "Rebuild the search index from entries/",
        "rebuild_index",
        "app.rebuild-index",
    ),
    ("Coverage", "Forces by themes matrix of entry counts", "coverage", "app.coverage"),
    (
        "Recommendations",
        "Practice per inspection recommendation: forces, stages, outcomes, gaps",
        "recommendations",
        "app.recommendations",
    ),
    (
        "Toggle dark/light theme",
        "Switch between the dark and the light theme",
        "toggle_theme",
        "app.toggle-theme",
    ),
    ("Help", "List every key and the query language", "help", "app.help"),
    ("Quit", "Leave practicebase", "quit", "app.quit"),
)


# Actions of the entry screen, offered when the palette is opened over one.
ENTRY_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Edit this entry",
        "Open its file in $VISUAL or $EDITOR, then index it again",
        "edit",
        "entry.edit",
    ),
    ("Copy entry id", "Copy the entry's id to the clipboard", "copy_id", "entry.copy-id"),
    (
        "Copy entry path",
        "Copy the entry file's path to the clipboard",
        "copy_path",
        "entry.copy-path",
    ),
    (
        "Copy contact email",
        "Copy the contact's email address to the clipboard",
        "copy_email",
        "entry.copy-email",
    ),
    (
        "Copy summary",
        "Copy title, forces, evidence and contact as plain text",
        "copy_summary",
        "entry.copy-summary",
    ),
    (
        "Save this entry",
        "Save the entry as a Markdown or HTML file, with its marking",
        "save_entry",
        "entry.save",
    ),
    (
        "Open a link",
        "Choose one of the entry's links (asks before opening)",
        "links",
        "entry.links",
    ),
    ("Similar practice", "Move to the list of similar practice", "focus_similar", "entry.similar"),
)


class ActionsProvider(Provider):
    """Every action of the app by name with its key, plus the entry screen's when it is open."""

    def _key_display(self, binding_id: str) -> str:
        """The key of `binding_id` as the footer shows it (`^s`), after any remapping."""
        app: PracticebaseApp = self.app  # type: ignore[assignment]
        for binding in (*app.BINDINGS, *app.search_screen.BINDINGS, *self.screen.BINDINGS):
            if isinstance(binding, Binding) and binding.id == binding_id:
                keys = current_keys(app, binding)
                return app.get_key_display(Binding(keys[0], binding.action)) if keys else ""
        return ""

    def _commands(self):
        app: PracticebaseApp = self.app  # type: ignore[assignment]
        for name, help_text, action, binding_id in ACTIONS:
            yield name, help_text, partial(app.run_action, action), self._key_display(binding_id)
        if type(self.screen).__name__ == "EntryScreen":
            for name, help_text, action, binding_id in ENTRY_ACTIONS:
                callback = partial(self.screen.run_action, action)
                yield name, help_text, callback, self._key_display(binding_id)

    @staticmethod
    def _with_key(name: Content, key: str) -> Content:
        return name + Content.styled(f"  {key}", "dim") if key else name

    async def discover(self) -> Hits:
        for name, help_text, callback, key in self._commands():
            yield DiscoveryHit(
                self._with_key(Content(name), key), callback, text=name, help=help_text
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback, key in self._commands():
            score = matcher.match(name)
            if score > 0:
                shown = self._with_key(matcher.highlight(name), key)
                yield Hit(score, shown, callback, text=name, help=help_text)


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
