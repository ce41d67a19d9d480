"""An entry's Markdown body: raw HTML is not rendered and links only open when confirmed."""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual import on
from textual.widgets import Markdown

from practicebase.sanitize import clean_text


def safe_parser() -> MarkdownIt:
    """GitHub-like Markdown with raw HTML switched off (tags show as plain text)."""
    return MarkdownIt("gfm-like", {"html": False})


class EntryBody(Markdown):
    """The body of an entry; a chosen link asks the app to confirm before opening."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, parser_factory=safe_parser, open_links=False)

    def show(self, body: str):
        """Render `body` (sanitised first); returns an awaitable for the update."""
        return self.update(clean_text(body))

    @on(Markdown.LinkClicked)
    def _confirm_link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.app.confirm_link(event.href)  # type: ignore[attr-defined]
