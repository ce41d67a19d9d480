"""Building display text from entry data safely.

Every string that comes from an entry passes through `practicebase.sanitize` and becomes a
`rich.text.Text` built with `Text(...)`, `append` and `stylize`: data is never parsed as
Rich or Textual markup, and control characters never reach the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text

from practicebase.sanitize import clean_line, clean_text
from practicebase.vocabulary import OUTCOME_LABELS, STAGE_LABELS

SENSITIVE = "OFFICIAL-SENSITIVE"

STAGE_STYLES = {
    "untested": "bold magenta",
    "evaluated-locally": "bold cyan",
    "independently-evaluated": "bold green",
}
OUTCOME_STYLES = {
    "worked": "bold green",
    "promising": "bold cyan",
    "new-innovative": "bold blue",
    "didnt-work": "bold red",
}
EMPHASIS = "bold underline"


def line(value: object, style: str = "") -> Text:
    """One safe line of text from any value (newlines and controls removed)."""
    return Text(clean_line("" if value is None else str(value)), style=style)


def block(value: object, style: str = "") -> Text:
    """Safe multi-line text (newlines kept, other controls removed)."""
    return Text(clean_text("" if value is None else str(value)), style=style)


def joined(parts: Iterable[Text], separator: str = " · ") -> Text:
    """Join non-empty texts with a plain separator."""
    return Text(separator).join(part for part in parts if part.plain)


def badge(label: str, style: str) -> Text:
    """A short highlighted tag such as a stage or outcome."""
    return Text(f" {clean_line(label)} ", style=f"{style} reverse")


def stage_badge(stage: str) -> Text:
    return badge(STAGE_LABELS.get(stage, stage), STAGE_STYLES.get(stage, "bold"))


def outcome_badge(outcome: str | None) -> Text:
    if not outcome:
        return Text()
    return badge(OUTCOME_LABELS.get(outcome, outcome), OUTCOME_STYLES.get(outcome, "bold"))


def sensitive_badge() -> Text:
    return badge(SENSITIVE, "bold red")


def new_badge() -> Text:
    """Added since the user's previous visit to this knowledge base."""
    return badge("new", "bold green")


def due_badge() -> Text:
    return badge("review due", "bold yellow")


def emphasised(snippet: str, spans: Sequence[tuple[int, int]], style: str = "") -> Text:
    """The snippet as one safe line with the matched spans emphasised.

    Sanitising keeps every character offset (each unsafe character becomes one U+FFFD, each
    newline one space), so the spans from the search API still point at the same words.
    """
    safe = clean_line(snippet.replace("\r\n", "  "))
    text = Text(safe, style=style)
    for start, end in spans:
        if 0 <= start < end <= len(safe):
            text.stylize(EMPHASIS, start, end)
    return text
