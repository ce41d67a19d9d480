"""The static HTML export: an index page and one page per entry, readable without scripts.

Every text value is HTML-escaped; entry bodies are rendered by `markdown` with raw HTML
escaped (the HTML block and inline processors are removed), and a tree pass keeps only
http(s) and mailto links (anything else becomes plain text) and turns images into text.
Each page carries a Content-Security-Policy that allows no scripts and no remote loads, and
shows its classification at the top and bottom.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date
from hashlib import sha1
from pathlib import Path
from typing import TYPE_CHECKING

from practicebase.entry import Entry
from practicebase.export import SENSITIVE, ExportError, write_text_file
from practicebase.sanitize import clean_line, clean_text
from practicebase.vocabulary import Vocabulary

if TYPE_CHECKING:
    import markdown as markdown_module

SITE_MARKER = ".practicebase-export"
PAGES_DIR = "practice"
INDEX_PAGE = "index.html"

_SAFE_URL = re.compile(r"(?i)(?:https?://|mailto:)[^\s<>\"'`\\]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TEXT_ALIGN = re.compile(r"text-align: ?(?:left|right|center);?")

SENSITIVE_NOTICE = (
    "OFFICIAL-SENSITIVE: share only with people who need to know, and handle under your "
    "organisation's rules for this marking. Do not forward outside policing and its "
    "statutory partners."
)

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem;
       line-height: 1.5; color: #1b1b1b; }
.classification { text-align: center; font-weight: bold; letter-spacing: .05em;
                  border: 2px solid #1b1b1b; padding: .2rem; margin: .5rem 0; }
.classification.sensitive, .banner { background: #fde8e8; border-color: #a00; color: #600; }
.banner { border: 2px solid #a00; padding: .5rem; margin: .5rem 0; }
table.meta { border-collapse: collapse; margin: 1rem 0; }
table.meta th { text-align: left; vertical-align: top; padding: .2rem 1rem .2rem 0; }
table.meta td { padding: .2rem 0; }
.due { color: #a00; font-weight: bold; }
.count { color: #555; }
nav a { margin-right: 1rem; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'"


def page_name(entry_id: str) -> str:
    """The file name of an entry's page: its id when it is a slug, else a stable hash."""
    if _SLUG.fullmatch(entry_id):
        return f"{entry_id}.html"
    return f"entry-{sha1(entry_id.encode('utf-8', 'replace')).hexdigest()[:12]}.html"


def safe_url(url: str) -> str | None:
    """`url` when it is an http(s) or mailto URL with no spaces or control characters."""
    import markdown.util

    value = html.unescape(url.replace(markdown.util.AMP_SUBSTITUTE, "&")).strip()
    if clean_line(value) != value:
        return None
    return value if _SAFE_URL.fullmatch(value) else None


def _esc(text: object) -> str:
    return html.escape(clean_text(str(text)), quote=True)


class BodyRenderer:
    """Markdown to HTML with raw HTML escaped, unsafe links made text, images made text."""

    def __init__(self) -> None:
        import markdown
        from markdown.treeprocessors import Treeprocessor

        class SafeTree(Treeprocessor):
            def run(self, root):  # type: ignore[no-untyped-def]
                for element in root.iter():
                    _make_safe(element)

        self._md: markdown_module.Markdown = markdown.Markdown(
            extensions=["tables", "fenced_code", "sane_lists"], output_format="html"
        )
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        self._md.treeprocessors.register(SafeTree(self._md), "practicebase_safe", 5)

    def render(self, text: str) -> str:
        self._md.reset()
        return self._md.convert(clean_text(text))


_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "th": {"style", "align"},
    "td": {"style", "align"},
}


def _make_safe(element) -> None:  # type: ignore[no-untyped-def]
    if element.tag == "a":
        url = safe_url(element.get("href", ""))
        if url is None:
            element.tag = "span"
            element.attrib.clear()
        else:
            element.set("href", url)
            element.set("rel", "noopener noreferrer")
    elif element.tag == "img":
        alt = element.get("alt", "")
        element.tag = "span"
        element.attrib.clear()
        element.text = f"[image: {alt}]" if alt else "[image]"
        return
    allowed = _ALLOWED_ATTRIBUTES.get(element.tag, set())
    for name in list(element.attrib):
        value = element.attrib[name]
        if name not in allowed or (name == "style" and not _TEXT_ALIGN.fullmatch(value)):
            del element.attrib[name]


def _page(title: str, classification: str, content: str, *, sensitive: bool) -> str:
    marking_class = "classification sensitive" if sensitive else "classification"
    marking = f'<div class="{marking_class}">{_esc(classification)}</div>'
    banner = f'<div class="banner" role="note">{_esc(SENSITIVE_NOTICE)}</div>' if sensitive else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{marking}\n{banner}\n{content}\n{marking}\n</body>\n</html>\n"
    )


def _joined(values: Sequence[str]) -> str:
    return ", ".join(_esc(v) for v in values)


def entry_page(
    entry: Entry,
    vocabulary: Vocabulary,
    renderer: BodyRenderer,
    *,
    exported_ids: set[str],
    today: date,
) -> str:
    """One entry's page: title, classification, metadata table, summary, rendered body."""
    rows: list[tuple[str, str]] = [
        ("Id", _esc(entry.id)),
        ("Force", _joined([vocabulary.force_name(f) for f in entry.forces])),
        ("Themes", _joined(entry.themes)),
        ("Stage", _esc(entry.stage)),
    ]
    if entry.outcome:
        rows.append(("Outcome", _esc(entry.outcome)))
    rows.append(("Status", _esc(entry.status)))
    if entry.started:
        rows.append(("Started", _esc(entry.started.isoformat())))
    rows.append(("Last reviewed", _esc(entry.last_reviewed.isoformat())))
    due = _esc(entry.review_due.isoformat())
    if entry.is_due(today):
        due += ' <span class="due">(due for review)</span>'
    rows.append(("Review due", due))
    rows.append(("Contact", _contact(entry)))
    for label, values in (
        ("Audience", entry.audience),
        ("Partners", entry.partners),
        ("Ideology", entry.ideology),
        ("Recommendations", entry.recommendations),
        ("Tags", entry.tags),
    ):
        if values:
            rows.append((label, _joined(values)))
    rows.append(("Classification", _esc(entry.classification)))
    if entry.sms_level is not None:
        rows.append(("Scientific Methods Scale", _esc(entry.sms_level)))
    if entry.related:
        rows.append(("Related", ", ".join(_entry_ref(r, exported_ids) for r in entry.related)))
    if entry.supersedes:
        rows.append(("Supersedes", _entry_ref(entry.supersedes, exported_ids)))
    if entry.links:
        rows.append(("Links", "<br>".join(_link(link.title, link.url) for link in entry.links)))
    table = "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    content = (
        f'<nav><a href="../{INDEX_PAGE}">All practice</a></nav>\n'
        f"<h1>{_esc(entry.title)}</h1>\n"
        f'<table class="meta">\n{table}\n</table>\n'
        f'<p class="summary"><strong>{_esc(entry.summary)}</strong></p>\n'
        f'<div class="body">\n{renderer.render(entry.body)}\n</div>'
    )
    return _page(entry.title, entry.classification, content, sensitive=entry.is_sensitive)


def _contact(entry: Entry) -> str:
    contact = entry.contact
    parts = [_esc(contact.role)]
    if contact.name:
        parts.append(_esc(contact.name))
    parts.append(_link(contact.email, f"mailto:{contact.email}"))
    if contact.phone:
        parts.append(_esc(contact.phone))
    return ", ".join(parts)


def _link(title: str, url: str) -> str:
    safe = safe_url(url)
    if safe is None:
        return _esc(f"{title} ({url})" if title != url else title)
    return f'<a href="{_esc(safe)}" rel="noopener noreferrer">{_esc(title)}</a>'


def _entry_ref(entry_id: str, exported_ids: set[str]) -> str:
    if entry_id in exported_ids:
        return f'<a href="{_esc(page_name(entry_id))}">{_esc(entry_id)}</a>'
    return _esc(entry_id)


def index_page(
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    sensitive_left_out: int,
    query: str | None,
) -> str:
    """The index: entries grouped by theme and by force, with counts, and all entries."""
    any_sensitive = any(e.is_sensitive for e in entries)
    classification = SENSITIVE if any_sensitive else "OFFICIAL"
    theme_meaning = {t.id: t.meaning for t in vocabulary.themes}

    def link(entry: Entry) -> str:
        marking = f" [{_esc(entry.classification)}]" if entry.is_sensitive else ""
        href = f"{PAGES_DIR}/{page_name(entry.id)}"
        return f'<li><a href="{_esc(href)}">{_esc(entry.title)}</a>{marking}</li>'

    def section(key: str, title: str, members: list[Entry]) -> str:
        items = "\n".join(link(e) for e in sorted(members, key=lambda e: e.title.casefold()))
        return (
            f'<h3 id="{_esc(key)}">{title} <span class="count">({len(members)})</span></h3>\n'
            f"<ul>\n{items}\n</ul>"
        )

    by_theme: dict[str, list[Entry]] = {}
    by_force: dict[str, list[Entry]] = {}
    for entry in entries:
        for theme in dict.fromkeys(entry.themes):
            by_theme.setdefault(theme, []).append(entry)
        for force in dict.fromkeys(entry.forces):
            by_force.setdefault(force, []).append(entry)
    theme_order = [t for t in vocabulary.theme_ids() if t in by_theme]
    theme_order += sorted(set(by_theme) - set(theme_order))
    force_order = sorted(by_force, key=lambda f: vocabulary.force_name(f).casefold())
    theme_sections = "\n".join(
        section(
            f"theme-{t}",
            _esc(theme_meaning.get(t) or t) + f" <code>{_esc(t)}</code>",
            by_theme[t],
        )
        for t in theme_order
    )
    force_sections = "\n".join(
        section(f"force-{f}", _esc(vocabulary.force_name(f)), by_force[f]) for f in force_order
    )
    notes = [f"{len(entries)} entries."]
    if query:
        notes.append(f"Only entries matching the search {_esc(query)!s}.")
    if sensitive_left_out:
        notes.append(f"{sensitive_left_out} OFFICIAL-SENSITIVE entries are not included.")
    if any_sensitive:
        notes.append("This export includes OFFICIAL-SENSITIVE entries; each is marked.")
    content = (
        "<h1>Prevent practice</h1>\n"
        f"<p>{' '.join(notes)}</p>\n"
        '<nav><a href="#by-theme">By theme</a><a href="#by-force">By force</a></nav>\n'
        f'<h2 id="by-theme">By theme</h2>\n{theme_sections}\n'
        f'<h2 id="by-force">By force</h2>\n{force_sections}'
    )
    return _page("Prevent practice", classification, content, sensitive=any_sensitive)


def write_site(
    out_dir: Path,
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    sensitive_left_out: int = 0,
    query: str | None = None,
    today: date,
) -> int:
    """Write the site into `out_dir` (created if missing); returns the number of pages.

    Refuses a folder that exists, is not empty and was not made by an earlier export, so a
    mistyped --out never overwrites other files. Pages of entries no longer exported are
    removed from an earlier export's folder.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / SITE_MARKER).is_file():
        raise ExportError(
            f"{out_dir} is not empty and was not made by `practicebase export`; "
            "choose a new or empty folder"
        )
    pages_dir = out_dir / PAGES_DIR
    if pages_dir.is_symlink() or (out_dir / INDEX_PAGE).is_symlink():
        raise ExportError(f"{out_dir} holds symbolic links; choose a new or empty folder")
    renderer = BodyRenderer()
    exported_ids = {e.id for e in entries}
    written: set[str] = set()
    for entry in entries:
        name = page_name(entry.id)
        page = entry_page(entry, vocabulary, renderer, exported_ids=exported_ids, today=today)
        write_text_file(pages_dir / name, page)
        written.add(name)
    index = index_page(entries, vocabulary, sensitive_left_out=sensitive_left_out, query=query)
    write_text_file(out_dir / INDEX_PAGE, index)
    if pages_dir.is_dir():
        for stale in pages_dir.glob("*.html"):
            if stale.name not in written and stale.is_file() and not stale.is_symlink():
                stale.unlink()
    write_text_file(
        out_dir / SITE_MARKER, "Made by `practicebase export --format html`; safe to replace.\n"
    )
    return len(written) + 1
