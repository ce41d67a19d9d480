"""Rebuild the search index from entries/, with progress and the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, Static

from practicebase.tui.dialogs.problems import problems_text
from practicebase.tui.errors import describe
from practicebase.tui.messages import IndexFailed, IndexProgressed, IndexRebuilt

if TYPE_CHECKING:
    from practicebase.tui.app import PracticebaseApp


class RebuildDialog(ModalScreen[bool]):
    """Runs the rebuild at once; dismisses with True when the index was rebuilt."""

    app: PracticebaseApp

    BINDINGS = [Binding("escape", "close", "Close", id="rebuild.close")]

    def __init__(self) -> None:
        super().__init__()
        self.finished = False
        self.succeeded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="rebuild-dialog"):
            yield Static(Text("Rebuilding the search index from entries/", "bold"), markup=False)
            yield ProgressBar(id="rebuild-bar", show_eta=False)
            with VerticalScroll(classes="problems"):
                yield Static(Text("Starting...", "dim"), id="rebuild-result", markup=False)
            yield Button("Close", id="close", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.rebuild()

    @work(thread=True, exclusive=True, exit_on_error=False, group="rebuild")
    def rebuild(self) -> None:
        from practicebase.index import rebuild_index

        app = self.app
        try:
            report = rebuild_index(
                app.kb, progress=lambda done, total: self.post_message(IndexProgressed(done, total))
            )
            if app.searcher is not None:
                app.searcher.refresh()
        except Exception as exc:  # index busy, disk full...: reported in the dialog
            self.post_message(IndexFailed(describe(exc)))
            return
        self.post_message(IndexRebuilt(report.summary(), list(report.problems)))

    @on(IndexProgressed)
    def _progressed(self, message: IndexProgressed) -> None:
        self.query_one("#rebuild-bar", ProgressBar).update(
            total=max(message.total, 1), progress=message.done
        )
        self.query_one("#rebuild-result", Static).update(
            Text(f"{message.done} of {message.total} files")
        )

    @on(IndexRebuilt)
    def _rebuilt(self, message: IndexRebuilt) -> None:
        self.finished = self.succeeded = True
        bar = self.query_one("#rebuild-bar", ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        text = Text("Rebuilt: ", "bold green")
        text.append(Text(message.summary))
        if message.problems:
            text.append(f"\n{len(message.problems)} files skipped or with warnings:\n")
            text.append_text(problems_text(message.problems))
        self._finish(text)

    @on(IndexFailed)
    def _failed(self, message: IndexFailed) -> None:
        message.stop()
        self.finished = True
        text = Text("Rebuild failed: ", "bold red")
        text.append(Text(message.reason))
        self._finish(text)

    def _finish(self, text: Text) -> None:
        self.query_one("#rebuild-result", Static).update(text)
        close = self.query_one("#close", Button)
        close.disabled = False
        close.focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        if self.finished:
            self.dismiss(self.succeeded)
