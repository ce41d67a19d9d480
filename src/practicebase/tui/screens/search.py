"""The main screen: search as you type, results, preview, facets, status and suggestions."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from practicebase.query import last_word_prefix
from practicebase.search import SORTS, SearchRequest, SearchResult
from practicebase.tui.dialogs.save import ask_and_save, saved_text, shown_file
from practicebase.tui.errors import describe
from practicebase.tui.messages import (
    DocumentSaved,
    EntryLoaded,
    FacetToggled,
    NewCounted,
    ResultsFetched,
    ResultsGathered,
    SaveFailed,
    SearchFailed,
)
from practicebase.tui.screens.help import current_keys
from practicebase.tui.widgets.facets import FacetPanel
from practicebase.tui.widgets.preview import EntryView
from practicebase.tui.widgets.results import MORE_ID, ResultsList
from practicebase.tui.widgets.status import StatusLine, SuggestionLine

if TYPE_CHECKING:
    from practicebase.entry import Entry
    from practicebase.search import Searcher
    from practicebase.tui.app import PracticebaseApp

PAGE_SIZE = 20
# Narrower than this, the results get the whole width and the preview is not shown.
COMPACT_WIDTH = 90
DEBOUNCE_SECONDS = 0.15
# Typing has paused this long: search the text exactly as `practicebase search` does (no
# prefix completions of the last word), so the results people stop on are the CLI's.
EXACT_AFTER_SECONDS = 0.6


class SearchScreen(Screen[None]):
    """Search input on top; facets, results and the highlighted entry's preview below."""

    app: PracticebaseApp

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="search.focus", show=False),
        Binding("down", "results_down", "Next", id="search.next", show=False),
        Binding("up", "results_up", "Previous", id="search.previous", show=False),
        Binding("pagedown", "results_page_down", "Page down", id="search.page-down", show=False),
        Binding("pageup", "results_page_up", "Page up", id="search.page-up", show=False),
        Binding("f2", "toggle_facets", "Filters", id="search.facets"),
        Binding("ctrl+s", "cycle_sort", "Sort", id="search.sort"),
        Binding("ctrl+r", "clear_filters", "Clear filters", id="search.clear-filters", show=False),
        Binding("ctrl+y", "use_suggestion", "Use suggestion", id="search.suggestion", show=False),
        Binding("ctrl+l", "more_results", "More results", id="search.more", show=False),
        Binding("f4", "save_results", "Save", id="search.save"),
        Binding("escape", "back", "Clear search, or back to it", id="search.back", show=False),
    ]
    """The footer shows only F2, ctrl+s and F4 of these (with F1 and ctrl+q), so no key is ever
    cut at 80 columns; F1 and the palette list them all."""

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.filters: tuple[tuple[str, str], ...] = ()
        self.sort = SORTS[0]
        self.limit = PAGE_SIZE
        self.last_result: SearchResult | None = None
        self._seq = 0
        self._shown_seq = 0
        self._debounce: Timer | None = None
        self._exact: Timer | None = None
        # The text the results shown were searched for exactly (not as typed so far).
        self._exact_text: str | None = None
        # Said once in the status line with the next results (e.g. the index changed).
        self._status_note = ""
        # (count, day): how many entries were added after the previous visit, that day.
        self.new_count: tuple[int, date] | None = None
        # True when the next results answer a new question (text, filters, sort): start at
        # the top. Paging and refreshing keep the highlighted entry.
        self._new_question = True

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='Search practice: words, "phrases", force:gmp theme:referrals ...',
            id="query",
        )
        with Horizontal(id="index-progress"):
            yield Static(Text("Opening the search index..."), id="index-label", markup=False)
            yield ProgressBar(id="index-bar", show_eta=False)
        yield StatusLine(id="status")
        yield SuggestionLine(id="suggestion")
        with Horizontal(id="panes"):
            yield FacetPanel(self.app.kb.vocabulary, id="facets")
            yield ResultsList(id="results")
            yield EntryView(self.app.kb.vocabulary, self.app.kb.root, self.app.today, id="preview")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        """Below `COMPACT_WIDTH` columns the results take the whole width (the preview would
        leave each pane under 40 columns); Enter opens the highlighted entry."""
        compact = event.size.width < COMPACT_WIDTH
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
            if not compact:
                self._preview_highlighted()

    def on_mount(self) -> None:
        self.query_one("#suggestion", SuggestionLine).clear()
        self.query_one(StatusLine).show_text("Opening the search index...", "dim")
        self.query_one("#preview", EntryView).show_entry(None, "")
        self.query_one("#query", Input).focus()

    # ---- searching ---------------------------------------------------------------------

    @property
    def is_settled(self) -> bool:
        """True when no search is waiting or running (what tests wait for)."""
        return self._debounce is None and self._exact is None and self._shown_seq == self._seq

    def current_request(self) -> SearchRequest:
        """The request for what is on screen: while typing, the last word also matches as a
        prefix; once typing has paused, exactly what `practicebase search` runs."""
        return SearchRequest(
            text=self.query_text,
            filters=self.filters,
            sort=self.sort,
            limit=self.limit,
            # Counted only while the filters are shown: opening them searches again.
            with_facets=self.has_class("-facets-open"),
            as_you_type=self._exact_text != self.query_text,
        )

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._exact_text = None
        self.limit = PAGE_SIZE
        for timer in (self._debounce, self._exact):
            if timer is not None:
                timer.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._debounced_search)
        self._exact = self.set_timer(EXACT_AFTER_SECONDS, self._exact_search)

    def _debounced_search(self) -> None:
        self._debounce = None
        self.search_now()

    def _exact_search(self) -> None:
        """Typing paused: search the whole text as the CLI does, if the last word was being
        matched as a prefix (otherwise the results shown already are exactly that)."""
        self._exact = None
        typed = self.current_request()
        self._exact_text = self.query_text
        if typed.as_you_type and last_word_prefix(self.query_text):
            self.search_now(new_question=False)

    def search_now(self, *, new_question: bool = True) -> None:
        """Search for the current query, filters and sort in a worker (if the index is open)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        searcher = self.app.searcher
        if searcher is None:
            return
        self._seq += 1
        self._new_question = new_question
        self.fetch_results(searcher, self._seq, self.current_request())

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def fetch_results(self, searcher: Searcher, seq: int, request: SearchRequest) -> None:
        try:
            result = searcher.search(request)
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(SearchFailed(seq, describe(exc)))
            return
        self.post_message(ResultsFetched(seq, result))

    @on(ResultsFetched)
    def _show_results(self, message: ResultsFetched) -> None:
        if message.seq != self._seq:
            return  # a newer search was started: never let an older answer replace it
        self._shown_seq = message.seq
        result = message.result
        self.last_result = result
        vocabulary = self.app.kb.vocabulary
        self.query_one(StatusLine).show_result(
            result,
            vocabulary,
            note=self._status_note,
            more_key=self._key("search.more"),
            new=self._new_text(),
        )
        self._status_note = ""
        self.query_one(SuggestionLine).show_result(result, use_key=self._key("search.suggestion"))
        self.query_one(FacetPanel).show_facets(result.facets, self.filters)
        results = self.query_one(ResultsList)
        if result.hits:
            results.show_result(
                result, keep_selection=not self._new_question, more_key=self._key("search.more")
            )
        else:
            results.show_message(self._empty_message())
        self._preview_highlighted()
        # The index worker's update check waits for this, so it does not slow the first paint.
        self.call_after_refresh(self.app.first_results_shown)

    def _empty_message(self) -> Text:
        if not self.query_text and not self.filters:  # the empty question lists every entry
            return Text(
                "The knowledge base has no entries yet: press ctrl+n to add one from a file.",
                "italic",
            )
        return Text("No entries match. Try fewer words, or clear the filters (ctrl+r).", "italic")

    @on(SearchFailed)
    def _search_failed(self, message: SearchFailed) -> None:
        if message.seq != self._seq:
            return
        self._shown_seq = message.seq
        self.query_one(StatusLine).show_text(f"Search failed: {message.reason}", "bold red")
        self.app.first_results_shown()

    # ---- index state (called by the app) ---------------------------------------------

    def index_progressed(self, done: int, total: int) -> None:
        self.query_one("#index-progress").display = True
        self.query_one("#index-bar", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#index-label", Static).update(Text(f"Indexing entries: {done} of {total}"))

    def index_ready(self) -> None:
        self.query_one("#index-progress").display = False
        self.search_now()
        self._count_new()

    def index_updated(self, *, changed: bool) -> None:
        """The update after opening finished: hide its progress; search again if it changed."""
        self.query_one("#index-progress").display = False
        if changed:
            self.search_now(new_question=False)
            self._count_new()

    def index_followed(self) -> None:
        """The live index changed (another process added, edited or rebuilt): search again,
        keeping the highlighted entry, and say why the results moved."""
        self._status_note = "index updated: results refreshed"
        self.search_now(new_question=False)
        self._count_new()

    def index_failed(self, reason: str) -> None:
        self.query_one("#index-progress").display = False
        self.query_one(StatusLine).show_text(f"Search is unavailable: {reason}", "bold red")
        self.query_one(ResultsList).show_message(
            Text("Press ctrl+b to rebuild the search index from entries/.", "italic")
        )

    # ---- new since the last visit -------------------------------------------------------

    def visit_known(self) -> None:
        """The app read the previous visit: mark rows added since, and count them all."""
        results = self.query_one(ResultsList)
        results.new_since = self.app.previous_visit
        if results.hits and self.last_result is not None:
            results.show_result(
                self.last_result, keep_selection=True, more_key=self._key("search.more")
            )
        self._count_new()

    def _count_new(self) -> None:
        since = self.app.previous_visit
        if since is not None and self.app.searcher is not None:
            self.count_new(self.app.searcher, since)

    @work(thread=True, exclusive=True, exit_on_error=False, group="count-new")
    def count_new(self, searcher: Searcher, since: date) -> None:
        """How many entries of the whole knowledge base were added after `since`."""
        request = SearchRequest(
            text=f"added:>{since.isoformat()}", limit=1, with_facets=False, with_snippets=False
        )
        try:
            total = searcher.search(request).total
        except Exception:  # no count is better than a wrong one; search still works
            return
        self.post_message(NewCounted(total, since))

    @on(NewCounted)
    def _new_counted(self, message: NewCounted) -> None:
        self.new_count = (message.count, message.since)
        self._show_last_result()

    def _new_text(self) -> Text | None:
        """ "3 new since 12 Nov" for the status line, when any entry is new."""
        if self.new_count is None or not self.new_count[0]:
            return None
        count, since = self.new_count
        day = f"{since.day} {since:%b}"
        if since.year != self.app.today.year:
            day += f" {since.year}"
        return Text(f"{count} new since {day}", "bold green")

    # ---- preview ---------------------------------------------------------------------

    @property
    def preview_shown(self) -> bool:
        """False under `COMPACT_WIDTH` columns and while the filters take its place."""
        return not (self.has_class("-compact") or self.has_class("-facets-open"))

    @on(OptionList.OptionHighlighted, "#results")
    def _preview_highlighted(self) -> None:
        """Show the highlighted entry in the preview (read from its file in a worker)."""
        if not self.preview_shown:
            return  # no preview on screen: nothing to read
        entry_id = self.query_one(ResultsList).highlighted_entry_id
        searcher = self.app.searcher
        if entry_id is None or searcher is None:
            self.query_one("#preview", EntryView).show_entry(None, "")
            return
        self.load_preview(searcher, entry_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def load_preview(self, searcher: Searcher, entry_id: str) -> None:
        try:
            entry = searcher.entry(entry_id)
        except Exception:
            entry = None
        self.post_message(EntryLoaded(entry_id, entry))

    @on(EntryLoaded)
    def _show_preview(self, message: EntryLoaded) -> None:
        if message.entry_id != self.query_one(ResultsList).highlighted_entry_id:
            return
        self.query_one("#preview", EntryView).show_entry(
            message.entry, "This entry's file could not be read; rebuild the index (ctrl+b)."
        )

    # ---- choosing ------------------------------------------------------------------------

    @on(Input.Submitted, "#query")
    def _query_submitted(self) -> None:
        self._choose(self.query_one(ResultsList).highlighted_option)

    @on(OptionList.OptionSelected, "#results")
    def _result_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option | None) -> None:
        """Open the chosen entry, or page in more hits for the \"more\" row."""
        if option is None or option.disabled:
            return
        if option.id == MORE_ID:
            self.action_more_results()
        elif option.id:
            self.app.open_entry(option.id)

    @on(FacetToggled)
    def _facet_toggled(self, message: FacetToggled) -> None:
        pair = (message.field, message.value)
        if pair in self.filters:
            self.set_filters(tuple(f for f in self.filters if f != pair))
        else:
            self.set_filters((*self.filters, pair))

    def set_filters(self, filters: tuple[tuple[str, str], ...], text: str | None = None) -> None:
        """Replace the filters (and optionally the query text) and search at once."""
        self.filters = filters
        self.limit = PAGE_SIZE
        if text is not None:
            query = self.query_one("#query", Input)
            with query.prevent(Input.Changed):
                query.value = text
            self.query_text = self._exact_text = text  # a whole query, not one being typed
        self.search_now()

    @on(events.Click, "#suggestion")
    def _suggestion_clicked(self) -> None:
        self.action_use_suggestion()

    # ---- actions -------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def action_results_down(self) -> None:
        self.query_one(ResultsList).action_cursor_down()

    def action_results_up(self) -> None:
        self.query_one(ResultsList).action_cursor_up()

    def action_results_page_down(self) -> None:
        self.query_one(ResultsList).action_page_down()

    def action_results_page_up(self) -> None:
        self.query_one(ResultsList).action_page_up()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.search_now()

    def action_clear_filters(self) -> None:
        if self.filters:
            self.set_filters(())

    def action_toggle_facets(self) -> None:
        """Show the filters and focus them, or hide them (at every width); they stay as left
        for the rest of the session. Shown, they take the preview's place."""
        facets = self.query_one(FacetPanel)
        if self.has_class("-facets-open"):
            self.remove_class("-facets-open")
            if facets.has_focus:
                self.action_focus_search()
            self._preview_highlighted()
        else:
            self.open_facets()

    def open_facets(self) -> None:
        """Show the filters and focus them; the results on screen were searched without
        facet counts (they cost time on every key), so search again with them."""
        self.add_class("-facets-open")
        self.query_one(FacetPanel).focus()
        shown = self.last_result
        if shown is not None and not shown.request.with_facets:
            self.search_now(new_question=False)

    def action_use_suggestion(self) -> None:
        suggestion = self.query_one(SuggestionLine).suggestion
        if suggestion:
            query = self.query_one("#query", Input)
            with query.prevent(Input.Changed):
                query.value = suggestion
            self.query_text = self._exact_text = suggestion
            self.limit = PAGE_SIZE
            self.search_now()

    def action_more_results(self) -> None:
        if self.last_result and self.last_result.total > len(self.last_result.hits):
            self.limit += PAGE_SIZE
            self.search_now(new_question=False)

    # ---- saving the results ----------------------------------------------------------------

    def action_save_results(self) -> None:
        """Save every hit of the current search (not only the rows paged in), in its order,
        as a Markdown or HTML file: the entries are read in a worker, then the dialogs ask."""
        result = self.last_result
        searcher = self.app.searcher
        if result is None or searcher is None or not result.total:
            self.app.notify("No results to save.", markup=False)
            return
        self.query_one(StatusLine).show_text(
            f"Reading {result.total} {'entry' if result.total == 1 else 'entries'} to save...",
            "dim",
        )
        self.gather_results(searcher, result.request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def gather_results(self, searcher: Searcher, request: SearchRequest) -> None:
        """Read every hit of `request` from its file, in the order the search gives them."""
        from dataclasses import replace

        entries: list[Entry] = []
        unreadable = 0
        try:
            offset = 0
            while True:
                page = replace(
                    request, offset=offset, limit=200, with_facets=False, with_snippets=False
                )
                result = searcher.search(page)
                for hit in result.hits:
                    entry = searcher.entry(hit.id)
                    if entry is None:
                        unreadable += 1
                    else:
                        entries.append(entry)
                offset += len(result.hits)
                if not result.hits or offset >= result.total:
                    break
        except Exception as exc:  # shown in the status line, never as a traceback
            self.post_message(SaveFailed(describe(exc)))
            return
        self.post_message(ResultsGathered(entries, unreadable, self._search_notes(request)))

    @staticmethod
    def _search_notes(request: SearchRequest) -> list[str]:
        """What the saved results answer: the search, its filters and its sort."""
        notes = [f"Search: {request.text}" if request.text.strip() else "Search: every entry"]
        if request.filters:
            notes.append("Filters: " + ", ".join(f"{f}:{v}" for f, v in request.filters))
        notes.append(f"Sorted by {request.sort}.")
        return notes

    @on(ResultsGathered)
    def _results_gathered(self, message: ResultsGathered) -> None:
        self._show_last_result()
        if message.unreadable:
            self.app.notify(
                f"{message.unreadable} of the results could not be read from their files and "
                "are left out; rebuild the index (ctrl+b).",
                severity="warning",
                markup=False,
            )
        if not message.entries:
            return
        ask_and_save(
            self.app,
            message.entries,
            heading="Prevent practice: search results",
            default_stem=f"practicebase-results-{self.app.today.isoformat()}",
            notes=message.notes,
            saved=self.document_saved,
        )

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        self._show_last_result()
        self.app.notify(f"Not saved: {message.reason}", severity="error", markup=False)

    def document_saved(self, message: DocumentSaved) -> None:
        """A document was written (from this screen or an entry's): the status line says
        where until the next search, and a notification says it on any screen."""
        said = saved_text(message, shown_file(message.path))
        self.query_one(StatusLine).show_text(said[:1].upper() + said[1:], "bold")
        self.app.notify(said[:1].upper() + said[1:] + ".", markup=False)

    def _show_last_result(self) -> None:
        """Show the last results' count, sort and filters again (after a passing message)."""
        if self.last_result is not None:
            self.query_one(StatusLine).show_result(
                self.last_result,
                self.app.kb.vocabulary,
                more_key=self._key("search.more"),
                new=self._new_text(),
            )

    def action_back(self) -> None:
        """Escape: in the search box, clear it, and when it is empty move to the results;
        anywhere else, back to the search box."""
        query = self.query_one("#query", Input)
        if not query.has_focus:
            self.action_focus_search()
        elif query.value:
            query.value = ""  # searches again, like any edit
        else:
            self.query_one(ResultsList).focus()

    def on_key(self, event: events.Key) -> None:
        """A letter typed while the results, filters or preview have focus goes to the
        search box (as in fzf and lazygit); keys bound to an action never arrive here."""
        query = self.query_one("#query", Input)
        if query.has_focus or not event.is_printable or not event.character:
            return
        event.stop()
        event.prevent_default()
        # Focusing selects the whole text, which the letter would replace: not this time.
        query.select_on_focus = False
        query.focus()
        query.cursor_position = len(query.value)
        query.insert_text_at_cursor(event.character)

    @on(events.DescendantBlur, "#query")
    def _query_left(self) -> None:
        self.query_one("#query", Input).select_on_focus = True

    def _key(self, binding_id: str) -> str:
        """The key bound to `binding_id` now (after any remapping), as typed: `ctrl+l`."""
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id == binding_id:
                keys = current_keys(self.app, binding)
                return keys[0] if keys else binding.key
        return ""
