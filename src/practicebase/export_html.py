"""The static HTML export: an index page and one page per entry, readable without scripts.

Every text value is HTML-escaped, then sanitised (`practicebase.sanitize`). Entry bodies are
rendered by `practicebase.markdown_render`: markdown-it with raw HTML escaped, only http(s)
and mailto links, images as text, within fixed limits; a body over a limit, or one that cannot
be rendered, is escaped plain text under a notice, so one entry never stops the export. Each
page carries a Content-Security-Policy that allows no scripts and no remote loads, and shows
its classification at the top and bottom.
"""

from __future__ import annotations

import html
import re
import stat
from collections.abc import Sequence
from datetime import date
from hashlib import sha1
from pathlib import Path

from practicebase.entry import Entry
from practicebase.export import (
    SENSITIVE,
    SENSITIVE_NOTICE,
    OutputInTheWay,
    describe_file_type,
    write_text_file,
)
from practicebase.markdown_render import plain_html, render_html, safe_url
from practicebase.sanitize import clean_text
from practicebase.vocabulary import Vocabulary

SITE_MARKER = ".practicebase-export"
PAGES_DIR = "practice"
INDEX_PAGE = "index.html"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

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
.body .notice { font-style: italic; color: #555; }
.body pre.plain { white-space: pre-wrap; overflow-wrap: anywhere; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'"


def page_name(entry_id: str) -> str:
    """The file name of an entry's page: its id when it is a slug, else a stable hash."""
    if _SLUG.fullmatch(entry_id):
        return f"{entry_id}.html"
    return f"entry-{sha1(entry_id.encode('utf-8', 'replace')).hexdigest()[:12]}.html"


def _esc(text: object) -> str:
    return clean_text(html.escape(str(text), quote=True))


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
        f'<div class="body">\n{render_html(entry.body)}\n</div>'
    )
    return _page(entry.title, entry.classification, content, sensitive=entry.is_sensitive)


def plain_entry_page(entry: Entry, error: Exception) -> str:
    """An entry's page when `entry_page` failed: title, summary and the body as escaped text."""
    reason = f"This page is shown as plain text: it could not be laid out ({type(error).__name__})."
    content = (
        f'<nav><a href="../{INDEX_PAGE}">All practice</a></nav>\n'
        f"<h1>{_esc(entry.title)}</h1>\n"
        f'<p class="summary"><strong>{_esc(entry.summary)}</strong></p>\n'
        f'<div class="body">\n{plain_html(entry.body, reason)}</div>'
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

    Refuses (OutputInTheWay) a folder that is a symbolic link, something other than a folder,
    or a folder that is not empty and was not made by an earlier export, so a mistyped --out
    never overwrites other files or writes through a link. Pages of entries no longer exported
    are removed from an earlier export's folder; pages are replaced by renaming, so a link
    among them is replaced, never followed.
    """
    try:
        info = out_dir.lstat()
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OutputInTheWay(
            f"{out_dir} is {describe_file_type(info.st_mode)}; "
            "the HTML export needs a new or empty folder"
        )
    if info is not None and any(out_dir.iterdir()) and not _is_regular(out_dir / SITE_MARKER):
        raise OutputInTheWay(
            f"{out_dir} is not empty and was not made by `practicebase export`; "
            "choose a new or empty folder"
        )
    pages_dir = out_dir / PAGES_DIR
    for inside in (pages_dir, out_dir / INDEX_PAGE):
        if inside.is_symlink():
            raise OutputInTheWay(
                f"{out_dir} holds symbolic links ({inside.name}); choose a new or empty folder"
            )
    exported_ids = {e.id for e in entries}
    written: set[str] = set()
    for entry in entries:
        name = page_name(entry.id)
        try:
            page = entry_page(entry, vocabulary, exported_ids=exported_ids, today=today)
        except Exception as exc:  # noqa: BLE001 - one entry must never stop the export
            page = plain_entry_page(entry, exc)
        write_text_file(pages_dir / name, page)
        written.add(name)
    index = index_page(entries, vocabulary, sensitive_left_out=sensitive_left_out, query=query)
    write_text_file(out_dir / INDEX_PAGE, index)
    if pages_dir.is_dir():
        for stale in pages_dir.glob("*.html"):
            if stale.name not in written and _is_regular(stale):
                stale.unlink()
    write_text_file(
        out_dir / SITE_MARKER, "Made by `practicebase export --format html`; safe to replace.\n"
    )
    return len(written) + 1


def _is_regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False
