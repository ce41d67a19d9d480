"""Saving entries as one Markdown or HTML document: asking about OFFICIAL-SENSITIVE entries,
then for a file name and format, and writing it in a worker.

The document is rendered by the core (`export.markdown_document`, `export_html.html_document`)
and written as `practicebase export --out` writes a file: never into entries/ or index/, never
over an existing file, a link or a device, never through a link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from practicebase.actions import plural
from practicebase.tui import text as t
from practicebase.tui.errors import describe
from practicebase.tui.messages import DocumentSaved, SaveFailed

if TYPE_CHECKING:
    from practicebase.entry import Entry
    from practicebase.tui.app import PracticebaseApp

FORMATS = (("md", "Markdown (.md)"), ("html", "HTML (.html)"))
"""(extension, label) of each format a document can be saved in."""

INCLUDE = "include"
WITHOUT = "without"


def saved_text(message: DocumentSaved, shown_path: str) -> str:
    """The status line's words for a saved document."""
    marked = f", {message.sensitive} OFFICIAL-SENSITIVE" if message.sensitive else ""
    return f"saved {plural(message.count, 'entry', 'entries')}{marked} to {shown_path}"


def shown_file(path: str) -> str:
    """`path` relative to the current folder when it is inside it, else as it is."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def write_failure(exc: BaseException, path: Path) -> str:
    """Why writing `path` failed, in words that say what to do."""
    from practicebase.export import ExportError

    if isinstance(exc, ExportError):
        return describe(exc)
    if isinstance(exc, PermissionError):
        return f"cannot write in {path.parent}: permission denied; choose another folder"
    if isinstance(exc, FileNotFoundError):
        return f"the folder {path.parent} does not exist; choose another folder"
    if isinstance(exc, NotADirectoryError):
        return f"{path.parent} is not a folder; choose another folder"
    if isinstance(exc, IsADirectoryError):
        return f"{path} is a folder; add a file name"
    return f"could not write {path}: {describe(exc)}"


class ConfirmSensitive(ModalScreen[str | None]):
    """Asks whether OFFICIAL-SENSITIVE entries go into a document, naming how many there are.

    Dismisses with `INCLUDE`, `WITHOUT` (only offered when other entries are left to save) or
    None (cancel: nothing is saved).
    """

    BINDINGS = [
        Binding("escape,n", "answer(None)", "Cancel", id="sensitive.cancel"),
        Binding("y", "answer('include')", "Include them", id="sensitive.include"),
        Binding("w", "answer('without')", "Save without them", id="sensitive.without"),
    ]

    def __init__(self, sensitive: int, total: int) -> None:
        super().__init__()
        self.sensitive = sensitive
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sensitive-dialog"):
            yield Static(Text(self.question(), "bold"), markup=False, id="sensitive-question")
            yield Static(
                Text(
                    "Include OFFICIAL-SENSITIVE entries only if everyone who will receive the "
                    "file needs to know them; "
                    "the file is marked OFFICIAL-SENSITIVE at the top and bottom."
                ),
                markup=False,
            )
            with Horizontal(classes="buttons"):
                yield Button(f"Include {self.sensitive} (y)", id="include", variant="error")
                if self.total > self.sensitive:
                    yield Button(
                        f"Save without {'it' if self.sensitive == 1 else 'them'} (w)", id="without"
                    )
                yield Button("Cancel (n)", id="cancel")

    def question(self) -> str:
        """How many of the entries to save are OFFICIAL-SENSITIVE, in words."""
        if self.total == self.sensitive:
            if self.total == 1:
                return "The entry to save is OFFICIAL-SENSITIVE. Include it?"
            return f"All {self.total} entries to save are OFFICIAL-SENSITIVE. Include them?"
        verb = "is" if self.sensitive == 1 else "are"
        return (
            f"{self.sensitive} of the {self.total} entries to save {verb} OFFICIAL-SENSITIVE. "
            f"Include {'it' if self.sensitive == 1 else 'them'}?"
        )

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(None if event.button.id == "cancel" else event.button.id)

    def action_answer(self, answer: str | None) -> None:
        if answer == WITHOUT and self.total <= self.sensitive:
            return  # nothing would be left to save
        self.dismiss(answer)


def ask_and_save(
    app: PracticebaseApp,
    entries: Sequence[Entry],
    *,
    heading: str,
    default_stem: str,
    notes: Sequence[str] = (),
    saved: Callable[[DocumentSaved], None],
) -> None:
    """Save `entries` as one document: first ask about any OFFICIAL-SENSITIVE ones (naming how
    many), then for the file; `saved` is called with the result when a file was written."""

    def ask_file(chosen: Sequence[Entry], left_out: int) -> None:
        extra = []
        if left_out:
            them = plural(left_out, "OFFICIAL-SENSITIVE entry", "OFFICIAL-SENSITIVE entries")
            extra = [f"{them} {'is' if left_out == 1 else 'are'} not included."]

        def done(message: DocumentSaved | None) -> None:
            if message is not None:
                saved(message)

        dialog = SaveDialog(
            chosen, heading=heading, default_stem=default_stem, notes=[*notes, *extra]
        )
        app.push_screen(dialog, done)

    sensitive = [e for e in entries if e.is_sensitive]
    if not sensitive:
        ask_file(entries, 0)
        return

    def answered(answer: str | None) -> None:
        if answer == INCLUDE:
            ask_file(entries, 0)
        elif answer == WITHOUT:
            ask_file([e for e in entries if not e.is_sensitive], len(sensitive))
        else:
            app.notify("Nothing saved.", markup=False)

    app.push_screen(ConfirmSensitive(len(sensitive), len(entries)), answered)


class SaveDialog(ModalScreen[DocumentSaved | None]):
    """Asks for a file name and format, writes the document in a worker, and dismisses with
    `DocumentSaved`; a file in the way or a folder that cannot be written is said in the dialog,
    which stays open for another name. Cancel dismisses with None."""

    app: PracticebaseApp

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save.cancel")]

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        heading: str,
        default_stem: str,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.entries = list(entries)
        self.heading = heading
        self.notes = list(notes)
        self.default_stem = default_stem
        self.format = FORMATS[0][0]

    def compose(self) -> ComposeResult:
        what = plural(len(self.entries), "entry", "entries")
        sensitive = sum(1 for e in self.entries if e.is_sensitive)
        title = Text(f"Save {what} as a file to share", "bold")
        if sensitive:
            title.append(f" ({sensitive} OFFICIAL-SENSITIVE)", "bold red")
        with Vertical(classes="dialog", id="save-dialog"):
            yield Static(title, markup=False)
            yield Static(
                t.line(f"File name (relative to {Path.cwd()}):", "dim"), markup=False, id="save-cwd"
            )
            yield Input(value=f"{self.default_stem}.{self.format}", id="save-name")
            with RadioSet(id="save-format"):
                for extension, label in FORMATS:
                    yield RadioButton(label, value=extension == self.format, id=f"as-{extension}")
            yield Static(Text(), id="save-problem", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save-problem").display = False
        self.query_one("#save-name", Input).focus()

    @on(RadioSet.Changed, "#save-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        """Use the chosen format, and its extension when the name has the other one's."""
        chosen = (event.pressed.id or "as-md").removeprefix("as-")
        name = self.query_one("#save-name", Input)
        old_suffix = f".{self.format}"
        if name.value.endswith(old_suffix):
            name.value = name.value.removesuffix(old_suffix) + f".{chosen}"
        self.format = chosen

    @on(Input.Submitted, "#save-name")
    @on(Button.Pressed, "#save")
    def _submit(self) -> None:
        raw = self.query_one("#save-name", Input).value.strip()
        if not raw:
            self._show(Text("Type a file name.", "yellow"))
            return
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        self._show(Text("Saving...", "dim"))
        self.query_one("#save", Button).disabled = True
        self.write_document(path, self.format)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def write_document(self, path: Path, file_format: str) -> None:
        """Render the entries with the export's rendering and write them to a new file."""
        from practicebase.export import check_destination, markdown_document, write_new_file
        from practicebase.export_html import html_document

        app = self.app
        render = html_document if file_format == "html" else markdown_document
        try:
            text = render(
                self.entries,
                app.kb.vocabulary,
                heading=self.heading,
                notes=self.notes,
                today=app.today,
            )
            destination = check_destination(app.kb, path)
            write_new_file(destination, text, offer_force=False)
        except Exception as exc:  # said in the dialog, never raised
            self.post_message(SaveFailed(write_failure(exc, path)))
            return
        sensitive = sum(1 for e in self.entries if e.is_sensitive)
        self.post_message(DocumentSaved(str(destination), len(self.entries), sensitive))

    @on(SaveFailed)
    def _failed(self, message: SaveFailed) -> None:
        self.query_one("#save", Button).disabled = False
        text = Text("Not saved: ", "bold red")
        text.append_text(t.line(message.reason))
        self._show(text)

    @on(DocumentSaved)
    def _saved(self, message: DocumentSaved) -> None:
        self.dismiss(message)

    def _show(self, text: Text) -> None:
        problem = self.query_one("#save-problem", Static)
        problem.display = True
        problem.update(text)
