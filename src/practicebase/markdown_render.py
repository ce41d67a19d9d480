"""Entry bodies as Markdown within fixed limits, for the app's entry view, the HTML export and
the Markdown documents the app saves.

Any valid entry must open and export in bounded time and memory. Both renderers use
markdown-it-py, which parses in linear time, and check a body against `LIMITS` before
anything is laid out: first what the source shows at a glance (characters, lines, `[`), then
the token stream (nesting, table columns, rows and cells, links, blocks). A body over a limit is
shown as plain text with a notice naming the limit, and `practicebase validate` warns about it
(`check`). The limits keep the app's Markdown widget, which costs about 2 ms per block it lays
out (a list item about 10 ms, a table cell 1.5 ms), within about two seconds.

The HTML rendering escapes raw HTML (it is never passed through), keeps only http(s) and mailto
links (other links are plain text), shows images as `[image: alt]` text, and replaces every
unsafe character (`practicebase.sanitize`) after character references have been decoded.

For a Markdown document to share, `escape_inline` makes an entry's value read as itself, and
`markdown_body` passes a body on as written only when it is safe and within the limits.

Core module: no Textual or Rich.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from practicebase.lazyre import lazy_pattern
from practicebase.sanitize import clean_line, clean_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@dataclass(frozen=True)
class Limits:
    """How much Markdown a body may hold and still be laid out as Markdown."""

    characters: int = 100_000
    lines: int = 2_000
    brackets: int = 2_000  # `[` characters: every link and image starts with one
    nesting: int = 8  # lists and quotes inside each other
    table_columns: int = 50
    table_rows: int = 250  # in one table, its header row included
    table_cells: int = 500  # in one table
    links: int = 1_000  # links and images
    blocks: int = 500  # paragraphs, headings, code blocks, rules, quotes, table cells; see below


LIMITS = Limits()
LIST_ITEM_BLOCKS = 4
QUOTE_BLOCKS = 2
"""A list item and a quote count as this many blocks (their text counts as well): the app takes
that much longer to lay each out."""

# What the notice and the warning say for each limit: (subject, unit).
_WORDING = {
    "characters": ("the body has", "characters"),
    "lines": ("the body has", "lines"),
    "brackets": ("the body has", "`[` characters"),
    "nesting": ("lists and quotes are nested", "deep"),
    "table_columns": ("a table has", "columns"),
    "table_rows": ("a table has", "rows"),
    "table_cells": ("a table has", "cells"),
    "links": ("the body has", "links and images"),
    "blocks": ("the body has", "blocks (a list item counts as 4, a quote as 2)"),
}


@dataclass(frozen=True)
class Overflow:
    """The first limit a body goes over: which, how far, and the limit."""

    limit: str  # a field name of Limits
    found: int
    allowed: int
    at_least: bool = False  # the parser stopped counting (see check_tokens)

    def __str__(self) -> str:
        subject, unit = _WORDING[self.limit]
        found = f"{'at least ' if self.at_least else ''}{self.found:,}"
        return f"{subject} {found} {unit}, more than the {self.allowed:,} laid out as Markdown"


# ---- checking -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Line endings as markdown-it reads them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_source(text: str, limits: Limits = LIMITS) -> Overflow | None:
    """The limits visible in the source itself, checked before any parsing."""
    text = normalise(text)
    for name, found in (
        ("characters", len(text)),
        ("lines", text.count("\n") + 1),
        ("brackets", text.count("[")),
    ):
        allowed = getattr(limits, name)
        if found > allowed:
            return Overflow(name, found, allowed)
    return None


_CONTAINERS = {"blockquote_open", "bullet_list_open", "ordered_list_open"}
_CONTAINER_ENDS = {"blockquote_close", "bullet_list_close", "ordered_list_close"}
_LEAVES = {"paragraph_open", "heading_open", "hr", "fence", "code_block", "table_open"}
_CELLS = {"th_open", "td_open"}
_MAX_LEVEL = 20  # markdown-it's maxNesting in the presets used here


def check_tokens(tokens: Iterable[Token], limits: Limits = LIMITS) -> Overflow | None:
    """The first limit the parsed body goes over, or None; one pass over the tokens.

    markdown-it stops opening blocks 20 token levels deep (a list takes two), so
    `limits.nesting` must stay below 10 for a deeper body to be seen as too deep, and the depth
    it reports then is a lower bound.
    """
    depth = deepest = blocks = links = level = 0
    rows = cells = columns = most_rows = most_cells = row_cells = 0
    for token in tokens:
        kind = token.type
        level = max(level, token.level)
        if kind in _CONTAINERS:
            depth += 1
            deepest = max(deepest, depth)
            if kind == "blockquote_open":
                blocks += QUOTE_BLOCKS
        elif kind in _CONTAINER_ENDS:
            depth -= 1
        elif kind == "list_item_open":
            blocks += LIST_ITEM_BLOCKS
        elif kind in _LEAVES:
            blocks += 1
            if kind == "table_open":
                rows = cells = 0
        elif kind == "tr_open":
            rows += 1
            row_cells = 0
            most_rows = max(most_rows, rows)
        elif kind in _CELLS:
            blocks += 1
            cells += 1
            row_cells += 1
            columns = max(columns, row_cells)
            most_cells = max(most_cells, cells)
        elif kind == "inline" and token.children:
            # Bare URLs the app's parser links (linkify) cost little and are not counted.
            links += sum(
                1
                for c in token.children
                if c.type in ("link_open", "image") and c.markup != "linkify"
            )
    for name, found in (
        ("nesting", deepest),
        ("table_columns", columns),
        ("table_rows", most_rows),
        ("table_cells", most_cells),
        ("links", links),
        ("blocks", blocks),
    ):
        allowed = getattr(limits, name)
        if found > allowed:
            return Overflow(name, found, allowed, name == "nesting" and level >= _MAX_LEVEL - 1)
    return None


# The leading run of a line that can open lists and quotes: each opened on a line takes at least
# one column of it (`>`, or a marker and a space).
_PREFIX = lazy_pattern(r"[ \t>*+\-.)0-9]*")
_MARKER_CHARACTERS = ">*+-.)"


def within_limits_by_bounds(text: str, limits: Limits = LIMITS) -> bool:
    """True when upper bounds read off the source, without parsing, are all within `limits`.

    A quick pass for `validate`, which checks every entry: a typical body is cleared in
    microseconds, and only a body this cannot clear is parsed (`check`). Every bound is at
    least the count `check_tokens` would find: at most one paragraph, heading, rule, code block
    or table starts on a line; each list item or quote opened on a line has a marker character
    in the line's leading run, and each container a line is inside takes at least one column of
    it; a link or image needs a `[` or (an autolink) a `<`; a table row is a line, a table has
    at most one column more than its header line has `|`.
    """
    text = normalise(text)
    lines = text.split("\n")
    links = text.count("[") + text.count("<")
    if links > limits.links:
        return False
    markers = deepest = 0
    pipes = 0
    for line in lines:
        prefix = _PREFIX.match(line)
        run = prefix.group() if prefix else ""
        if run:
            deepest = max(deepest, len(run.expandtabs(4)))
            markers += sum(run.count(c) for c in _MARKER_CHARACTERS)
        if "|" in line:
            pipes = max(pipes, line.count("|"))
    if deepest > limits.nesting:
        return False
    cells = 0
    if pipes:
        columns = pipes + 1
        if columns > limits.table_columns or len(lines) > limits.table_rows:
            return False
        cells = len(lines) * columns
        if cells > limits.table_cells:
            return False
    blocks = len(lines) + max(LIST_ITEM_BLOCKS, QUOTE_BLOCKS) * markers + cells
    return blocks <= limits.blocks


def check(text: str, limits: Limits = LIMITS) -> Overflow | None:
    """The first limit `text` goes over as Markdown, or None when it is laid out as Markdown."""
    overflow = check_source(text, limits)
    if overflow is not None or within_limits_by_bounds(text, limits):
        return overflow
    return check_tokens(html_parser().parse(text), limits)


def bounded_tokens(
    parse: Callable[[str], list[Token]], text: str, limits: Limits = LIMITS
) -> tuple[list[Token], Overflow | None]:
    """`parse(text)` with its tokens cleaned (`clean_tokens`) when `text` is within the limits;
    else no tokens and the limit it goes over. The source is checked before it is parsed."""
    overflow = check_source(text, limits)
    if overflow is not None:
        return [], overflow
    tokens = parse(text)
    overflow = check_tokens(tokens, limits)
    if overflow is not None:
        return [], overflow
    return clean_tokens(tokens), None


def clean_tokens(tokens: list[Token]) -> list[Token]:
    """Replace unsafe characters in every token's text: character references such as
    `&#x202e;` are decoded by the parser, after the source was sanitised."""
    for token in tokens:
        if token.content:
            token.content = clean_text(token.content)
        if token.children:
            clean_tokens(token.children)
    return tokens


# ---- plain text -----------------------------------------------------------------------------


def plain_excerpt(text: str, limits: Limits = LIMITS) -> tuple[str, bool]:
    """The start of `text` that a plain-text view shows (at most `limits.lines` lines and
    `limits.characters` characters), sanitised; and whether anything was left out."""
    text = normalise(text)
    cut = text[: limits.characters]
    end = -1
    for _ in range(limits.lines):
        end = cut.find("\n", end + 1)
        if end < 0:
            break
    if end >= 0:
        cut = cut[:end]
    return clean_text(cut), len(cut) < len(text)


def notice(overflow: Overflow) -> str:
    """The sentence shown above a body laid out as plain text."""
    return f"Shown as plain text: {overflow}."


# ---- HTML -----------------------------------------------------------------------------------

_SAFE_URL = lazy_pattern(r"(?i)(?:https?://|mailto:)[^\s<>\"'`\\]+")


def safe_url(url: str) -> str | None:
    """`url` when it is an http(s) or mailto URL with no spaces, quotes or unsafe characters."""
    value = url.strip()
    if clean_line(value) != value:
        return None
    return value if _SAFE_URL.fullmatch(value) else None


@lru_cache(maxsize=1)
def html_parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough; raw HTML is text, no bare-URL linking."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _render_image)
    return md


def _render_image(self, tokens: Sequence[Token], idx: int, options, env) -> str:  # type: ignore[no-untyped-def]
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    label = f"[image: {alt}]" if alt else "[image]"
    return f"<span>{html.escape(label, quote=True)}</span>"


def _make_links_safe(tokens: Sequence[Token]) -> None:
    """Links to anything but http(s) and mailto become plain text (`<span>`); the rest open
    no referrer."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        unsafe: list[bool] = []
        for child in token.children:
            if child.type == "link_open":
                url = safe_url(str(child.attrGet("href") or ""))
                unsafe.append(url is None)
                if url is None:
                    child.tag, child.attrs = "span", {}
                else:
                    child.attrs = {"href": url, "rel": "noopener noreferrer"}
            elif child.type == "link_close" and unsafe and unsafe.pop():
                child.tag = "span"


PLAIN_CLASS = "plain"
NOTICE_CLASS = "notice"


def plain_html(text: str, reason: str) -> str:
    """`text` as escaped plain text under a notice saying why."""
    return (
        f'<p class="{NOTICE_CLASS}">{html.escape(clean_text(reason))}</p>\n'
        f'<pre class="{PLAIN_CLASS}">{html.escape(clean_text(normalise(text)))}</pre>\n'
    )


def render_html(text: str, limits: Limits = LIMITS) -> str:
    """`text` as an HTML fragment that is safe to put in a page, in bounded time.

    Over a limit, or if rendering fails for any reason, the body is escaped plain text under a
    notice: one body never stops an export.
    """
    try:
        md = html_parser()
        tokens, overflow = bounded_tokens(md.parse, text, limits)
        if overflow is not None:
            return plain_html(text, notice(overflow))
        _make_links_safe(tokens)
        return clean_text(md.renderer.render(tokens, md.options, {}))
    except Exception as exc:  # noqa: BLE001 - a body that breaks the renderer is shown as text
        reason = f"Shown as plain text: it could not be laid out ({type(exc).__name__})."
        return plain_html(text, reason)


# ---- Markdown to share ------------------------------------------------------------------------

_MARKDOWN_INLINE = lazy_pattern(r"([\\`*_\[\]<>!|~&])")
_MARKDOWN_LINE_START = lazy_pattern(r"^(\s*(?:\d+)?)([#+=.)-])")


def escape_inline(text: str) -> str:
    """`text` as one safe line of Markdown that reads as itself: the characters that start
    links, images, HTML, code, emphasis, entities and table cells are backslash-escaped, and so
    is a heading or list marker at its start, so a title never becomes markup."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", clean_line(text))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped)


@lru_cache(maxsize=1)
def _raw_html_parser() -> MarkdownIt:
    """CommonMark as any Markdown viewer reads it: raw HTML recognised, and every link seen as
    a link (markdown-it alone turns `javascript:` links into text; another viewer may not)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _unsafe_markdown(tokens: Iterable[Token]) -> str | None:
    """Why a body cannot be passed on as Markdown (raw HTML, an image, a link that is not
    http(s) or mailto), or None."""
    for token in tokens:
        if token.type in ("html_block", "html_inline"):
            return "it holds raw HTML"
        if token.type == "image":
            return "it holds an image"
        if token.type == "link_open" and safe_url(str(token.attrGet("href") or "")) is None:
            return "it holds a link that is not http, https or mailto"
        if token.children:
            reason = _unsafe_markdown(token.children)
            if reason is not None:
                return reason
    return None


def fenced(text: str) -> str:
    """`text` as a fenced code block (plain text in any Markdown viewer), the fence longer than
    any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip(chr(10))}\n{fence}"


def markdown_body(text: str, limits: Limits = LIMITS) -> str:
    """A body as Markdown that is safe to share, sanitised, in bounded time.

    A body within the limits, with no raw HTML, no images and only http(s)/mailto links, is
    passed on as written (unsafe characters replaced). Any other body is plain text in a
    fenced block under a notice saying why, as the HTML rendering does for a body over a limit.
    """
    try:
        tokens, overflow = bounded_tokens(_raw_html_parser().parse, text, limits)
        reason = str(overflow) if overflow is not None else _unsafe_markdown(tokens)
    except Exception as exc:  # noqa: BLE001 - a body that breaks the parser is shown as text
        reason = f"it could not be laid out ({type(exc).__name__})"
    if reason is None:
        return clean_text(normalise(text)).strip("\n")
    excerpt, cut = plain_excerpt(text, limits)
    more = "\n\n*(The rest of the body is left out.)*" if cut else ""
    return f"*Shown as plain text: {escape_inline(reason)}.*\n\n{fenced(excerpt)}{more}"
