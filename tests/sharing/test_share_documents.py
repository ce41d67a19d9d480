"""The core of sharing from the app: one Markdown or HTML document, and a plain summary."""

from __future__ import annotations

from datetime import date

import pytest
from markdown_it import MarkdownIt

from practicebase.entry import Contact
from practicebase.export import markdown_document, summary_text
from practicebase.export_html import html_document
from practicebase.markdown_render import Limits, escape_inline, markdown_body

TODAY = date(2026, 6, 1)


def viewer_html(markdown: str) -> str:
    """What a Markdown viewer that passes raw HTML through would show."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "![x](https://tracker.example/p.png)",
        "*not emphasis* `not code` | not a cell | &amp;",
        "# not a heading",
        "1. not a list",
        "- not a list",
        "[@click=app.quit]x[/] [bold]markup[/bold]",
    ],
)
def test_escape_inline_reads_as_itself(value: str) -> None:
    shown = viewer_html(escape_inline(value))
    assert shown.startswith("<p>") and shown.count("<") == 2  # <p> and </p>, nothing else
    assert shown.removeprefix("<p>").removesuffix("</p>\n") == (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Hello <img src=x onerror=alert(1)> there", "raw HTML"),
        ("<div>\nblock\n</div>", "raw HTML"),
        ("See [this](javascript:alert(1)).", "a link that is not http"),
        ("![pixel](https://tracker.example/p.png)", "an image"),
    ],
)
def test_unsafe_body_is_fenced_plain_text(body: str, reason: str) -> None:
    shared = markdown_body(body)
    assert reason in shared.splitlines()[0]
    shown = viewer_html(shared)
    assert "<img" not in shown and "<div>" not in shown and "<a " not in shown


def test_safe_body_is_kept_and_controls_replaced() -> None:
    body = "## Problem\n\nSee [the guide](https://example.org/g).\x1b[31m\n\n```\n<b>x</b>\n```"
    shared = markdown_body(body)
    assert shared.startswith("## Problem") and "[the guide](https://example.org/g)" in shared
    assert "\x1b" not in shared and "\ufffd" in shared


def test_body_over_a_limit_is_plain_text_even_with_backticks() -> None:
    body = "line ```` with backticks\n" * 20
    shared = markdown_body(body, Limits(lines=5))
    assert "Shown as plain text" in shared and "`````text" in shared
    assert "rest of the body is left out" in shared


def test_markdown_document_marks_top_bottom_and_each_sensitive_entry(
    make_entry, vocabulary
) -> None:
    entries = [
        make_entry("a", title="First <b>one</b>"),
        make_entry("b", classification="OFFICIAL-SENSITIVE"),
    ]
    text = markdown_document(entries, vocabulary, heading="Results", today=TODAY)
    lines = text.strip().splitlines()
    assert lines[0] == lines[-3] == "**OFFICIAL-SENSITIVE**"
    assert text.count("**OFFICIAL-SENSITIVE**") == 3
    assert "## 1. First \\<b\\>one\\</b\\>" in text
    assert "<b>" not in viewer_html(text)
    official = markdown_document(entries[:1], vocabulary, heading="Results", today=TODAY)
    assert official.startswith("**OFFICIAL**\n") and official.endswith("**OFFICIAL**\n")


def test_html_document_marks_and_escapes(make_entry, vocabulary) -> None:
    entries = [
        make_entry("a", title="<script>x</script>", related=("b", "gone")),
        make_entry("b", classification="OFFICIAL-SENSITIVE"),
    ]
    page = html_document(entries, vocabulary, heading="Results", today=TODAY)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.count('<div class="classification sensitive">') == 3  # top, entry b, bottom
    # A related entry in the document is linked within it; one not in it is its id alone.
    assert '<a href="#entry-b">Practice b</a> [OFFICIAL-SENSITIVE]<br>gone</td>' in page
    assert "Content-Security-Policy" in page


def test_summary_text(make_entry, vocabulary) -> None:
    entry = make_entry(
        "a",
        title="Title\x1b]52;c;x\x07",
        forces=("west-yorkshire", "kent"),
        sms_level=3,
        outcome="didnt-work",
        contact=Contact(role="Lead", email="lead@example.police.uk", phone="0100"),
    )
    assert summary_text(entry, vocabulary).splitlines() == [
        "Title\ufffd]52;c;x\ufffd",
        "Forces: West Yorkshire Police, Kent Police",
        "Evidence: evaluated locally, SMS level 3, outcome: didn't work",
        "Contact: Lead, lead@example.police.uk, 0100",
    ]
