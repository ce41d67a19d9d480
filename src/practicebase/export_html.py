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
import stat
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from hashlib import sha1
from pathlib import Path

from practicebase.entry import Entry
from practicebase.export import (
    SENSITIVE,
    SENSITIVE_NOTICE,
    OutputInTheWay,
    describe_file_type,
    outcome_label,
    stage_label,
    write_text_file,
)
from practicebase.lazyre import lazy_pattern
from practicebase.markdown_render import plain_html, render_html, safe_url
from practicebase.sanitize import clean_text
from practicebase.vocabulary import Vocabulary

SITE_MARKER = ".practicebase-export"
PAGES_DIR = "practice"
FORCES_DIR = "forces"
THEMES_DIR = "themes"
INDEX_PAGE = "index.html"
REVIEW_PAGE = "by-review-date.html"

_SLUG = lazy_pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem;
       line-height: 1.5; color: #1b1b1b; }
.classification { text-align: center; font-weight: bold; letter-spacing: .05em;
                  border: 2px solid #1b1b1b; padding: .2rem; margin: .5rem 0; }
.classification.sensitive, .banner { background: #fde8e8; border-color: #a00; color: #600; }
.banner { border: 2px solid #a00; padding: .5rem; margin: .5rem 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #8a8a8a; padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
thead th { background: #eceff3; }
tbody tr:nth-child(even) { background: #f7f8fa; }
table.meta th { background: #eceff3; white-space: nowrap; }
.body table { display: block; overflow-x: auto; }
td.marking.sensitive { color: #600; background: #fde8e8; font-weight: bold; }
ul.groups { columns: 2 18rem; }
.due { color: #a00; font-weight: bold; }
.count { color: #555; }
nav > * { margin-right: 1rem; }
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


def _theme_label(theme: str, vocabulary: Vocabulary) -> str:
    """A theme's meaning from the vocabulary ("Channel panels"), else its id."""
    for term in vocabulary.themes:
        if term.id == theme:
            return term.meaning or theme
    return theme


def _group_link(folder: str, key: str, label: str, *, up: str) -> str:
    href = f"{up}{folder}/{page_name(key)}"
    return f'<a href="{_esc(href)}">{_esc(label)}</a>'


def _meta_rows(
    entry: Entry,
    vocabulary: Vocabulary,
    *,
    today: date,
    force: Callable[[str], str],
    theme: Callable[[str], str],
    ref: Callable[[str], str],
) -> list[tuple[str, str]]:
    """An entry's metadata table rows (label, HTML); `force`, `theme` and `ref` give the HTML
    of a force, a theme and a related entry's id (a link on a site, text in one document)."""
    rows: list[tuple[str, str]] = [
        ("Id", _esc(entry.id)),
        ("Force", ", ".join(force(f) for f in entry.forces)),
        ("Themes", ", ".join(theme(t) for t in entry.themes)),
        ("Stage", _esc(stage_label(entry.stage))),
    ]
    if entry.outcome:
        rows.append(("Outcome", _esc(outcome_label(entry.outcome))))
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
        rows.append(("Related", "<br>".join(ref(r) for r in entry.related)))
    if entry.supersedes:
        rows.append(("Supersedes", ref(entry.supersedes)))
    if entry.links:
        rows.append(("Links", "<br>".join(_link(link.title, link.url) for link in entry.links)))
    return rows


def entry_page(
    entry: Entry,
    vocabulary: Vocabulary,
    *,
    exported: Mapping[str, Entry],
    today: date,
) -> str:
    """One entry's page: title, classification, metadata table, summary, rendered body.
    Forces and themes link to their listing pages, stage and outcome read as words, and a
    related entry in the export is linked by its title (one left out shows only its id, so
    a left-out OFFICIAL-SENSITIVE title never appears on another page)."""
    rows = _meta_rows(
        entry,
        vocabulary,
        today=today,
        force=lambda f: _group_link(FORCES_DIR, f, vocabulary.force_name(f), up="../"),
        theme=lambda t: _group_link(THEMES_DIR, t, _theme_label(t, vocabulary), up="../"),
        ref=lambda r: _entry_ref(r, exported),
    )
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


def _entry_ref(entry_id: str, exported: Mapping[str, Entry]) -> str:
    """A related entry: its title linked to its page when exported, else its id as text."""
    entry = exported.get(entry_id)
    if entry is None:
        return _esc(entry_id)
    marking = f" [{_esc(entry.classification)}]" if entry.is_sensitive else ""
    return f'<a href="{_esc(page_name(entry.id))}">{_esc(entry.title)}</a>{marking}'


TABLE_COLUMNS = ("Title", "Forces", "Stage", "Outcome", "Review date", "Marking")


def entries_table(entries: Sequence[Entry], vocabulary: Vocabulary, *, up: str, today: date) -> str:
    """The entries as a table (title, forces, stage, outcome, review date, marking), in the
    order given; `up` is the way from the page to the site's root ("" or "../")."""
    head = "".join(f'<th scope="col">{name}</th>' for name in TABLE_COLUMNS)
    rows = []
    for entry in entries:
        href = f"{up}{PAGES_DIR}/{page_name(entry.id)}"
        forces = ", ".join(
            _group_link(FORCES_DIR, f, vocabulary.force_name(f), up=up) for f in entry.forces
        )
        review = _esc(entry.review_due.isoformat())
        if entry.is_due(today):
            review += ' <span class="due">(due)</span>'
        marking_class = "marking sensitive" if entry.is_sensitive else "marking"
        rows.append(
            f'<tr><td><a href="{_esc(href)}">{_esc(entry.title)}</a></td>'
            f"<td>{forces}</td>"
            f"<td>{_esc(stage_label(entry.stage))}</td>"
            f"<td>{_esc(outcome_label(entry.outcome))}</td>"
            f"<td>{review}</td>"
            f'<td class="{marking_class}">{_esc(entry.classification)}</td></tr>'
        )
    body = "\n".join(rows)
    return (
        f'<table class="entries">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def _by_title(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.title.casefold(), e.id))


def _groups(entries: Sequence[Entry], vocabulary: Vocabulary) -> tuple[dict, dict]:
    """Entries by force and by theme, in the order the index lists them: forces by name,
    themes in the vocabulary's order (unknown ones after it, by id)."""
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
    return (
        {f: by_force[f] for f in force_order},
        {t: by_theme[t] for t in theme_order},
    )


def _marking_of(entries: Sequence[Entry]) -> tuple[str, bool]:
    sensitive = any(e.is_sensitive for e in entries)
    return (SENSITIVE if sensitive else "OFFICIAL"), sensitive


def _sort_nav(up: str, current: str, *, groups: bool = False) -> str:
    """Links between the orderings of the whole list: the index (by title), by review date,
    and (on the index) its lists of the pages per force and per theme."""
    choices = ((INDEX_PAGE, "All practice, by title"), (REVIEW_PAGE, "by review date"))
    links = [
        f"<strong>{label}</strong>" if name == current else f'<a href="{up}{name}">{label}</a>'
        for name, label in choices
    ]
    if groups:
        links += ['<a href="#by-force">by force</a>', '<a href="#by-theme">by theme</a>']
    return "<nav>" + "".join(links) + "</nav>"


def index_page(
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    sensitive_left_out: int,
    query: str | None,
    today: date | None = None,
) -> str:
    """The index: links to a page per force and per theme (with counts), then every entry
    in a table sorted by title. No scripts: each other ordering is a page of its own."""
    today = today or date.today()
    classification, any_sensitive = _marking_of(entries)
    by_force, by_theme = _groups(entries, vocabulary)

    def group_list(folder: str, groups: dict[str, list[Entry]], label) -> str:  # noqa: ANN001
        items = "\n".join(
            f"<li>{_group_link(folder, key, label(key), up='')} "
            f'<span class="count">({len(members)})</span></li>'
            for key, members in groups.items()
        )
        return f'<ul class="groups">\n{items}\n</ul>'

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
        f"{_sort_nav('', INDEX_PAGE, groups=True)}\n"
        '<h2 id="all">All practice, by title</h2>\n'
        f"{entries_table(_by_title(entries), vocabulary, up='', today=today)}\n"
        '<h2 id="by-force">By force</h2>\n'
        f"{group_list(FORCES_DIR, by_force, vocabulary.force_name)}\n"
        '<h2 id="by-theme">By theme</h2>\n'
        f"{group_list(THEMES_DIR, by_theme, lambda t: _theme_label(t, vocabulary))}"
    )
    return _page("Prevent practice", classification, content, sensitive=any_sensitive)


def listing_page(
    heading: str,
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    up: str,
    today: date,
    current: str = "",
) -> str:
    """A page listing some entries in a table, in the order given, marked like its entries."""
    classification, sensitive = _marking_of(entries)
    content = (
        f"{_sort_nav(up, current)}\n"
        f"<h1>{_esc(heading)}</h1>\n"
        f"<p>{len(entries)} {'entry' if len(entries) == 1 else 'entries'}.</p>\n"
        f"{entries_table(entries, vocabulary, up=up, today=today)}"
    )
    return _page(heading, classification, content, sensitive=sensitive)


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
    folders = [out_dir / d for d in (PAGES_DIR, FORCES_DIR, THEMES_DIR)]
    for inside in (*folders, out_dir / INDEX_PAGE, out_dir / REVIEW_PAGE):
        if inside.is_symlink():
            raise OutputInTheWay(
                f"{out_dir} holds symbolic links ({inside.name}); choose a new or empty folder"
            )
    exported = {e.id: e for e in entries}
    written: dict[str, set[str]] = {d: set() for d in (PAGES_DIR, FORCES_DIR, THEMES_DIR)}

    def write(folder: str, name: str, page: str) -> None:
        write_text_file(out_dir / folder / name, page)
        written[folder].add(name)

    for entry in entries:
        try:
            page = entry_page(entry, vocabulary, exported=exported, today=today)
        except Exception as exc:  # noqa: BLE001 - one entry must never stop the export
            page = plain_entry_page(entry, exc)
        write(PAGES_DIR, page_name(entry.id), page)
    by_force, by_theme = _groups(entries, vocabulary)
    for force, members in by_force.items():
        heading = f"Practice of {vocabulary.force_name(force)}"
        page = listing_page(heading, _by_title(members), vocabulary, up="../", today=today)
        write(FORCES_DIR, page_name(force), page)
    for theme, members in by_theme.items():
        heading = f"Practice on {_theme_label(theme, vocabulary)}"
        page = listing_page(heading, _by_title(members), vocabulary, up="../", today=today)
        write(THEMES_DIR, page_name(theme), page)
    by_review = sorted(entries, key=lambda e: (e.review_due, e.title.casefold(), e.id))
    review = listing_page(
        "All practice, by review date",
        by_review,
        vocabulary,
        up="",
        today=today,
        current=REVIEW_PAGE,
    )
    write_text_file(out_dir / REVIEW_PAGE, review)
    index = index_page(
        entries, vocabulary, sensitive_left_out=sensitive_left_out, query=query, today=today
    )
    write_text_file(out_dir / INDEX_PAGE, index)
    for folder, names in written.items():
        if (out_dir / folder).is_dir():
            for stale in (out_dir / folder).glob("*.html"):
                if stale.name not in names and _is_regular(stale):
                    stale.unlink()
    write_text_file(
        out_dir / SITE_MARKER, "Made by `practicebase export --format html`; safe to replace.\n"
    )
    return sum(len(names) for names in written.values()) + 2


def _is_regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


# ---- one document to share from the app ---------------------------------------------------


def _anchor(entry_id: str) -> str:
    """The in-page id of an entry's section in a shared document."""
    return "entry-" + page_name(entry_id).removesuffix(".html").removeprefix("entry-")


def html_document(
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    heading: str,
    notes: Sequence[str] = (),
    today: date,
) -> str:
    """Entries, in the order given, as one self-contained HTML page to share: the marking at
    the top and the bottom (as every exported page), a table of the entries linking to their
    sections, then each entry as on its export page (OFFICIAL-SENSITIVE ones marked again),
    with forces and themes as text and related entries linked within the page."""
    classification, any_sensitive = _marking_of(entries)
    shared = {entry.id: entry for entry in entries}

    def ref(entry_id: str) -> str:
        entry = shared.get(entry_id)
        if entry is None:
            return _esc(entry_id)
        marking = f" [{_esc(entry.classification)}]" if entry.is_sensitive else ""
        return f'<a href="#{_anchor(entry.id)}">{_esc(entry.title)}</a>{marking}'

    head = "".join(f'<th scope="col">{name}</th>' for name in TABLE_COLUMNS)
    rows = []
    sections = []
    for entry in entries:
        forces = _joined([vocabulary.force_name(f) for f in entry.forces])
        marking_class = "marking sensitive" if entry.is_sensitive else "marking"
        review = _esc(entry.review_due.isoformat())
        if entry.is_due(today):
            review += ' <span class="due">(due)</span>'
        rows.append(
            f'<tr><td><a href="#{_anchor(entry.id)}">{_esc(entry.title)}</a></td>'
            f"<td>{forces}</td><td>{_esc(stage_label(entry.stage))}</td>"
            f"<td>{_esc(outcome_label(entry.outcome))}</td><td>{review}</td>"
            f'<td class="{marking_class}">{_esc(entry.classification)}</td></tr>'
        )
        meta = _meta_rows(
            entry,
            vocabulary,
            today=today,
            force=lambda f: _esc(vocabulary.force_name(f)),
            theme=lambda t: _esc(_theme_label(t, vocabulary)),
            ref=ref,
        )
        table = "\n".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in meta)
        marking = (
            f'<div class="classification sensitive">{_esc(entry.classification)}</div>\n'
            if entry.is_sensitive
            else ""
        )
        sections.append(
            f'<section id="{_anchor(entry.id)}">\n<hr>\n{marking}'
            f"<h2>{_esc(entry.title)}</h2>\n"
            f'<table class="meta">\n{table}\n</table>\n'
            f'<p class="summary"><strong>{_esc(entry.summary)}</strong></p>\n'
            f'<div class="body">\n{render_html(entry.body)}\n</div>\n</section>'
        )
    noun = "entry" if len(entries) == 1 else "entries"
    intro = " ".join([f"{len(entries)} {noun}, saved {today.isoformat()}."] + list(notes))
    content = (
        f"<h1>{_esc(heading)}</h1>\n<p>{_esc(intro)}</p>\n"
        f'<table class="entries">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>\n" + "\n".join(sections)
    )
    return _page(heading, classification, content, sensitive=any_sensitive)
