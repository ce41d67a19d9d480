"""The entry screen: one entry full screen for reading, with similar practice to jump through."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from practicebase.entry import Entry, Problem
from practicebase.tui import text as t
from practicebase.tui.dialogs.save import ask_and_save
from practicebase.tui.errors import describe
from practicebase.tui.messages import EntryLoaded, EntryReindexed, SimilarFound
from practicebase.tui.widgets.preview import EntryView

if TYPE_CHECKING:
    from practicebase.search import Hit, Searcher
    from practicebase.tui.app import PracticebaseApp

SIMILAR_LIMIT = 10


def similar_prompt(hit: Hit) -> Text:
    """A similar-practice row: title, then forces."""
    row = t.line(hit.title, "bold")
    row.append("\n")
    row.append_text(t.line(", ".join(hit.force_names or hit.forces), "italic dim"))
    return row


class EntryScreen(Screen[None]):
    """Reads one entry; escape returns to where it was opened from."""

    app: PracticebaseApp

    BINDINGS = [
        Binding("escape", "back", "Back", id="entry.back"),
        Binding("e", "edit", "Edit", id="entry.edit"),
        Binding("i", "copy_id", "Copy id", id="entry.copy-id", show=False),
        Binding("p", "copy_path", "Copy path", id="entry.copy-path", show=False),
        Binding("m", "copy_email", "Copy email", id="entry.copy-email", show=False),
        Binding("c", "copy_summary", "Copy summary", id="entry.copy-summary", show=False),
        Binding("f4", "save_entry", "Save", id="entry.save"),
        Binding("l", "links", "Links", id="entry.links"),
        Binding("s", "focus_similar", "Similar", id="entry.similar"),
        Binding("r", "focus_reading", "Read", id="entry.reading", show=False),
    ]

    def __init__(self, entry_id: str) -> None:
        super().__init__()
        self.entry_id = entry_id
        self.entry: Entry | None = None
        # The entry's file, kept when an edit leaves it with errors so `e` can open it again.
        self.path: Path | None = None
        self.problems: list[Problem] = []

    def compose(self) -> ComposeResult:
        app = self.app
        with Horizontal(id="entry-panes"):
            yield EntryView(app.kb.vocabulary, app.kb.root, app.today, id="reading")
            with Vertical(id="similar-pane"):
                yield Static(Text("Similar practice", "bold"), id="similar-title", markup=False)
                yield OptionList(id="similar", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reading", EntryView).show_entry(None, "Loading...")
        self.query_one("#reading", EntryView).focus()
        self.reload()

    def reload(self) -> None:
        """Read the entry and its similar practice again (after an edit, for example)."""
        searcher = self.app.searcher
        if searcher is None:
            self.query_one("#reading", EntryView).show_entry(None, "The index is not open yet.")
            return
        self.load_entry(searcher, self.entry_id)
        self.find_similar(searcher, self.entry_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="entry")
    def load_entry(self, searcher: Searcher, entry_id: str) -> None:
        from practicebase.actions import entry_file_problems

        try:
            entry = searcher.entry(entry_id)
        except Exception:
            entry = None
        if entry is not None:
            self.post_message(EntryLoaded(entry_id, entry))
            return
        # Its file has errors (the index keeps the last good version) or has gone.
        path, problems = entry_file_problems(self.app.kb, entry_id)
        self.post_message(EntryLoaded(entry_id, None, str(path or ""), problems))

    @work(thread=True, exclusive=True, exit_on_error=False, group="similar")
    def find_similar(self, searcher: Searcher, entry_id: str) -> None:
        try:
            hits = searcher.more_like_this(entry_id, limit=SIMILAR_LIMIT)
        except Exception:
            hits = ()
        self.post_message(SimilarFound(entry_id, tuple(hits)))

    @on(EntryLoaded)
    def _show_entry(self, message: EntryLoaded) -> None:
        if message.entry_id != self.entry_id:
            return
        self.entry = message.entry
        if message.entry is not None and message.entry.path is not None:
            self.path = Path(message.entry.path)
            self.problems = []
        elif message.path:
            self.path = Path(message.path)
            self.problems = list(message.problems)
        self.query_one("#reading", EntryView).show_entry(message.entry, self._unreadable())

    def _unreadable(self) -> str:
        """What the screen says when the entry cannot be shown."""
        errors = [p for p in self.problems if p.is_error]
        if not errors or self.path is None:
            return (
                f"Entry {self.entry_id} could not be read: its file has gone or is no longer valid."
            )
        lines = "\n".join(
            f"  {self.app.shown_path(p.path)}:{p.line or ''} {p.field or ''}: {p.message}"
            for p in errors
        )
        return (
            f"The edited file of {self.entry_id} has "
            f"{len(errors)} error{'s' if len(errors) != 1 else ''}:\n{lines}\n\n"
            "Search still finds its last good version until the file is fixed. "
            "Press e to edit the file again."
        )

    @on(SimilarFound)
    def _show_similar(self, message: SimilarFound) -> None:
        if message.entry_id != self.entry_id:
            return
        similar = self.query_one("#similar", OptionList)
        options: list[Option | None] = []
        for hit in message.hits:
            if options:
                options.append(None)  # a divider between entries
            options.append(Option(similar_prompt(hit), id=hit.id))
        if options:
            similar.set_options(options)
            similar.highlighted = 0
        else:
            similar.set_options([Option(Text("Nothing similar found.", "italic"), disabled=True)])

    @on(OptionList.OptionSelected, "#similar")
    def _similar_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_entry(event.option.id)

    # ---- actions -------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_focus_similar(self) -> None:
        """Go to the similar practice list; again, back to reading. On a narrow terminal the
        list is hidden until asked for, so the entry has every row."""
        similar = self.query_one("#similar", OptionList)
        if similar.has_focus:
            self.action_focus_reading()
            return
        self.add_class("-similar-open")
        similar.focus()

    def action_focus_reading(self) -> None:
        self.remove_class("-similar-open")
        self.query_one("#reading", EntryView).focus()

    def action_copy_id(self) -> None:
        self._copy(self.entry_id, "id")

    def action_copy_path(self) -> None:
        if self.entry and self.entry.path:
            self._copy(str(self.entry.path), "path")

    def action_copy_email(self) -> None:
        if self.entry:
            self._copy(self.entry.contact.email, "contact email")

    def action_copy_summary(self) -> None:
        """Copy title, forces, evidence and contact as plain text (the core's words)."""
        from practicebase.export import summary_text

        if self.entry is not None:
            self.app.copy_to_clipboard(summary_text(self.entry, self.app.kb.vocabulary))
            self.app.notify("Copied a summary of the entry to the clipboard.", markup=False)

    def action_save_entry(self) -> None:
        """Save this entry as a Markdown or HTML file (asking first if OFFICIAL-SENSITIVE)."""
        if self.entry is None:
            self.app.notify("This entry could not be read, so it cannot be saved.", markup=False)
            return
        ask_and_save(
            self.app,
            [self.entry],
            heading=self.entry.title,
            default_stem=f"practicebase-{self.entry.id}",
            saved=self.app.search_screen.document_saved,
        )

    def _copy(self, value: str, what: str) -> None:
        self.app.copy_to_clipboard(t.line(value).plain)
        self.app.notify(f"Copied the {what} to the clipboard.", markup=False)

    def action_links(self) -> None:
        if self.entry is not None:
            self.app.choose_link(self.entry)

    def action_edit(self) -> None:
        """Open the entry's file in $VISUAL/$EDITOR, then check it, index it and show it."""
        path = self.entry.path if self.entry is not None and self.entry.path else self.path
        if path is None:
            return
        if self.app.run_editor(Path(path)):
            self.reindex(Path(path))

    @work(thread=True, exclusive=True, exit_on_error=False, group="reindex")
    def reindex(self, path: Path) -> None:
        from practicebase.actions import recheck_entry

        app = self.app
        try:
            found = recheck_entry(app.kb, path, searcher=app.searcher)
        except Exception as exc:
            self.post_message(EntryReindexed(self.entry_id, f"not indexed: {describe(exc)}", []))
            return
        self.post_message(
            EntryReindexed(
                self.entry_id, found.index_summary, found.problems, found.kept_last_good, str(path)
            )
        )

    @on(EntryReindexed)
    def _reindexed(self, message: EntryReindexed) -> None:
        errors = [p for p in message.problems if p.is_error]
        self.problems = list(message.problems)
        if message.path:
            self.path = Path(message.path)
        if errors:
            note = " (its last good version stays searchable)" if message.kept_last_good else ""
            self.app.notify(
                f"The edited file has {len(errors)} error{'s' if len(errors) != 1 else ''} "
                f"and was not indexed{note}; press e to edit it again.",
                severity="warning",
                markup=False,
            )
            self.entry = None
            self.query_one("#reading", EntryView).show_entry(None, self._unreadable())
            return
        if message.path:
            self.app.forget_problems(message.path)
        self.app.notify(f"Indexed again: {message.summary}", markup=False)
        self.reload()
        self.app.search_screen.search_now(new_question=False)
