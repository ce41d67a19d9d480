"""A knowledge base of real text: Markdown pages turned into valid practice entries.

The source is either the 18F guides export (`../shared/corpora/18f-guides/`, one JSON object
per page with `front_matter` and `body`) or any folder of Markdown files (front matter
optional). Each page becomes one Markdown entry: the title from the front matter or the first
heading, the summary from the front matter's description or the first paragraph, the page's
body byte for byte as the write-up (control characters other than tab and newline dropped,
as an editor would refuse them), and fixed valid values for the other required fields. The
set is repeated with new ids until `n` entries exist, so 256 pages make 1,000 entries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import Corpus

DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "18f-guides"
TITLE_MAX = 150
SUMMARY_MAX = 590
_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_TITLE_LINE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_DESCRIPTION_LINE = re.compile(r"^description:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_MARKUP = re.compile(r"<[^>]*>|\{[%{].*?[%}]\}|[#*_`>|\[\]]+|\(https?://[^)]*\)")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
FORCES = ("avon-and-somerset", "bedfordshire", "cheshire", "cleveland", "durham")
THEMES = ("referrals", "training-awareness", "online", "partner-health", "partner-education")


@dataclass(frozen=True)
class Page:
    """One source page: where it came from, its title, summary and Markdown body."""

    name: str
    title: str
    summary: str
    body: str


def _clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(text: str, limit: int) -> str:
    words = " ".join(_MARKUP.sub(" ", text).split())
    return words if len(words) <= limit else words[: limit - 3].rsplit(" ", 1)[0] + "..."


def _first_paragraph(body: str) -> str:
    for block in re.split(r"\n\s*\n", body):
        text = _one_line(block, SUMMARY_MAX)
        if len(text) >= 20 and not block.lstrip().startswith(("#", "{%", "<", "|", "!")):
            return text
    return ""


def _page(name: str, front: dict | None, body: str) -> Page:
    body = _clean(body)
    front = front if isinstance(front, dict) else {}
    title = front.get("title") if isinstance(front.get("title"), str) else None
    if not title:
        heading = _HEADING.search(body)
        title = heading.group(1) if heading else Path(name).stem.replace("-", " ")
    title = _one_line(_clean(title), TITLE_MAX) or "Untitled page"
    description = front.get("description") if isinstance(front.get("description"), str) else ""
    summary = _one_line(_clean(description), SUMMARY_MAX) or _first_paragraph(body) or title
    return Page(name, title, summary, body)


def read_pages(source: Path) -> list[Page]:
    """The pages of `source`: an 18F-style `.jsonl` file, a folder holding one, or a folder of
    Markdown files (read recursively, in sorted order)."""
    source = source.expanduser()
    jsonl = [source] if source.is_file() else sorted(source.glob("*.jsonl"))
    pages: list[Page] = []
    if jsonl:
        for path in jsonl:
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    pages.append(
                        _page(
                            record.get("path", "page"), record.get("front_matter"), record["body"]
                        )
                    )
        return pages
    for path in sorted(source.rglob("*.md")) + sorted(source.rglob("*.markdown")):
        text = path.read_text(encoding="utf-8", errors="replace")
        front: dict = {}
        match = _FRONT.match(text)
        if match:
            head = match.group(1)
            for key, pattern in (("title", _TITLE_LINE), ("description", _DESCRIPTION_LINE)):
                found = pattern.search(head)
                if found:
                    front[key] = found.group(1).strip("'\"")
            text = text[match.end() :]
        pages.append(_page(str(path.relative_to(source)), front, text))
    return pages


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def entry_text(page: Page, entry_id: str, number: int) -> str:
    """The Markdown entry file for one page."""
    force = FORCES[number % len(FORCES)]
    fields = [
        f"id: {entry_id}",
        f"title: {_q(page.title)}",
        f"force: {force}",
        f"themes: [{THEMES[number % len(THEMES)]}]",
        f"summary: {_q(page.summary)}",
        "stage: untested",
        "outcome: new-innovative",
        "status: active",
        "last_reviewed: 2026-01-15",
        "contact:",
        "  role: Prevent Coordinator",
        f"  email: prevent@{force}.example.police.uk",
    ]
    return "---\n" + "\n".join(fields) + "\n---\n\n" + page.body.rstrip("\n") + "\n"


def generate_real_corpus(root: Path, n: int, source: Path = DEFAULT_SOURCE) -> Corpus:
    """Write `n` entries made from the pages of `source` under `root/entries/`, repeating the
    pages with new ids (`<page slug>-r<round>`) as often as needed."""
    pages = read_pages(source)
    if not pages:
        raise ValueError(f"{source}: no Markdown pages found")
    entries_dir = root / "entries"
    paths: list[Path] = []
    for number in range(n):
        page = pages[number % len(pages)]
        slug = _SLUG_JUNK.sub("-", Path(page.name).with_suffix("").as_posix().lower()).strip("-")
        entry_id = f"{slug[-60:].strip('-') or 'page'}-r{number // len(pages) + 1}-{number:05d}"
        folder = entries_dir / FORCES[number % len(FORCES)]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{entry_id}.md"
        path.write_text(entry_text(page, entry_id, number), encoding="utf-8")
        paths.append(path)
    return Corpus(root=root, paths=tuple(paths), seed=0)
