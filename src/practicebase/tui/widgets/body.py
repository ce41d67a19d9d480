"""An entry's Markdown body: raw HTML is not rendered and links only open when confirmed.

Laying out Markdown costs the widget about 2 ms a block (a 10,000-column table took a minute
and 800 MB), so the parser checks every body against `practicebase.markdown_render.LIMITS`
as it parses it (in Textual's worker thread): a body over a limit becomes one plain-text block
under a notice saying which limit, showing at most the first 2,000 lines.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual import on
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from practicebase.markdown_render import LIMITS, bounded_tokens, notice, plain_excerpt
from practicebase.sanitize import clean_text

PLAIN_TOKEN = "practicebase_plain"


class BoundedMarkdownIt(MarkdownIt):
    """GitHub-like Markdown with raw HTML switched off (tags show as plain text), parsed only
    within the limits; over them, one `PLAIN_TOKEN` carrying the notice and the text."""

    def parse(self, src: str, env=None) -> list[Token]:  # type: ignore[no-untyped-def,override]
        tokens, overflow = bounded_tokens(
            lambda text: super(BoundedMarkdownIt, self).parse(text, env), src
        )
        if overflow is None:
            return tokens
        text, cut = plain_excerpt(src)
        message = notice(overflow)
        if cut:
            message += (
                f" Only the first {LIMITS.lines:,} lines (at most {LIMITS.characters:,} "
                "characters) are shown here; the entry's file holds the rest."
            )
        token = Token(PLAIN_TOKEN, "", 0, content=text, meta={"notice": message})
        return [token]


def safe_parser() -> MarkdownIt:
    """The parser the body uses: see `BoundedMarkdownIt`."""
    return BoundedMarkdownIt("gfm-like", {"html": False})


class PlainBody(MarkdownBlock):
    """A body shown as plain text: the notice, then the text as written."""

    DEFAULT_CSS = """
    PlainBody {
        margin: 0 0 1 0;
    }
    """

    def __init__(self, markdown: Markdown, token: Token) -> None:
        super().__init__(markdown, token)
        self.notice = str(token.meta.get("notice", ""))
        self.set_content(
            Content.assemble(
                Content.styled(self.notice, "italic $text-warning"),
                "\n\n",
                Content(token.content),
            )
        )


class EntryBody(Markdown):
    """The body of an entry; a chosen link asks the app to confirm before opening."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, parser_factory=safe_parser, open_links=False)

    def show(self, body: str):
        """Render `body` (sanitised first); returns an awaitable for the update."""
        return self.update(clean_text(body))

    def unhandled_token(self, token: Token) -> MarkdownBlock | None:
        if token.type == PLAIN_TOKEN:
            return PlainBody(self, token)
        return super().unhandled_token(token)

    @on(Markdown.LinkClicked)
    def _confirm_link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.app.confirm_link(event.href)  # type: ignore[attr-defined]
