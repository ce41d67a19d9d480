"""Links: which ones may open (http, https, mailto), choosing one, and confirming it."""

from __future__ import annotations

from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from practicebase.entry import Entry
from practicebase.sanitize import has_unsafe
from practicebase.tui import text as t

ALLOWED_SCHEMES = ("http", "https", "mailto")


def is_openable(url: str) -> bool:
    """Only http(s) and mailto URLs without control characters or spaces may be opened."""
    if has_unsafe(url) or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return False
    return bool(parts.netloc) if parts.scheme.lower() != "mailto" else bool(parts.path)


def entry_links(entry: Entry) -> list[tuple[str, str]]:
    """(title, url) of the entry's `links` field, then the links written in its body."""
    found = [(link.title, link.url) for link in entry.links]
    seen = {url for _, url in found}
    tokens = MarkdownIt("gfm-like", {"html": False}).parse(entry.body)
    for token in tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                label = children[index + 1].content if index + 1 < len(children) else href
                if href and href not in seen:
                    seen.add(href)
                    found.append((label or href, href))
    return found


class LinkChooser(ModalScreen[str | None]):
    """Lists an entry's links; dismisses with the chosen URL."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="links.cancel")]

    def __init__(self, links: list[tuple[str, str]]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Links in this entry (enter to open)", "bold"), markup=False)
            options = []
            for index, (title, url) in enumerate(self.links):
                prompt = t.line(title, "bold")
                prompt.append("\n")
                prompt.append_text(t.line(url, "dim"))
                options.append(Option(prompt, id=str(index)))
            if not options:
                options.append(Option(Text("This entry has no links.", "italic"), disabled=True))
            yield OptionList(*options, id="links", markup=False)

    @on(OptionList.OptionSelected, "#links")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmLink(ModalScreen[bool]):
    """Asks before opening a link, showing the full address as plain text."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text("Open this link in your browser or mail program?", "bold"), markup=False
            )
            yield Static(t.line(self.url), id="link-url", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Open (y)", id="yes", variant="primary")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
