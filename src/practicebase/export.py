"""Exporting entries for people who will never open a terminal: JSON, CSV and a static site.

This module holds choosing the entries (query, classification), the JSON and CSV forms, and
the rules for output paths: an export is written only where asked, never into `entries/` or
`index/`, never over an existing file unless forced, never over a link or a device and never
through a link (`check_destination`, `write_new_file`).
The HTML site is built by `practicebase.export_html`.

JSON structure (version 1), stable: keys are only ever added::

    {"format": "practicebase-export", "version": 1, "count": N,
     "include_sensitive": false, "query": null,
     "entries": [{"id", "title", "forces", "force_names", "themes", "summary", "stage",
                  "outcome", "status", "started", "last_reviewed", "review_due", "is_due",
                  "contact": {"role", "email", "name", "phone"}, "audience", "partners",
                  "ideology", "recommendations", "classification", "sms_level", "related",
                  "supersedes", "links": [{"title", "url"}], "tags", "form", "path",
                  "body", "added"}, ...]}

Dates are ISO strings or null; lists are lists of ids; entries are sorted by id.

CSV: one row per entry with `CSV_COLUMNS`; lists are joined with "; ", links are
"title <url>" joined with " ; ". A cell starting with =, +, -, @, tab or carriage return is
prefixed with an apostrophe so spreadsheets show it as text instead of running a formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from practicebase.entry import Entry
from practicebase.fsutil import atomic_write, create_file
from practicebase.kb import KnowledgeBase
from practicebase.markdown_render import escape_inline, markdown_body, safe_url
from practicebase.sanitize import clean_line
from practicebase.vocabulary import OUTCOME_LABELS, STAGE_LABELS, Vocabulary

EXPORT_FORMAT = "practicebase-export"
EXPORT_VERSION = 1
SENSITIVE = "OFFICIAL-SENSITIVE"
SENSITIVE_NOTICE = (
    "OFFICIAL-SENSITIVE: share only with people who need to know, and handle under your "
    "organisation's rules for this marking. Do not forward outside policing and its "
    "statutory partners."
)

CSV_COLUMNS = (
    "id",
    "title",
    "forces",
    "themes",
    "summary",
    "stage",
    "outcome",
    "status",
    "started",
    "last_reviewed",
    "review_due",
    "contact_role",
    "contact_email",
    "contact_name",
    "contact_phone",
    "audience",
    "partners",
    "ideology",
    "recommendations",
    "classification",
    "sms_level",
    "related",
    "supersedes",
    "links",
    "tags",
    "form",
    "path",
    "added",
)
LIST_SEPARATOR = "; "
LINK_SEPARATOR = " ; "
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def stage_label(stage: str) -> str:
    """`evaluated-locally` as "evaluated locally"; an id from a local vocabulary as itself."""
    return STAGE_LABELS.get(stage, stage)


def outcome_label(outcome: str | None) -> str:
    """`didnt-work` as "didn't work"; no outcome as "no outcome yet"."""
    if not outcome:
        return "no outcome yet"
    return OUTCOME_LABELS.get(outcome, outcome)


def sensitive_banner(classifications: Iterable[str]) -> str:
    """The plain-text marking for the top (and bottom) of an output holding these entries'
    classifications: two lines for OFFICIAL-SENSITIVE, else "" (OFFICIAL needs no banner).
    The first line is the marking alone, so it stands out and is easy to grep for."""
    if SENSITIVE not in set(classifications):
        return ""
    handling = SENSITIVE_NOTICE.removeprefix(f"{SENSITIVE}: ")
    return f"{SENSITIVE}\n{handling[:1].upper()}{handling[1:]}"


class ExportError(Exception):
    """An export cannot be written as asked; the message says why. `status` is the exit status:
    2 for an output that can never be used (inside entries/ or index/)."""

    status = 2


class OutputInTheWay(ExportError):
    """Something already exists at the output path (a file, a link, a device, a folder of other
    files): refused, exit status 1, so nothing is ever overwritten unasked."""

    status = 1


@dataclass(frozen=True)
class Selection:
    """The entries to export, and what was left out."""

    entries: tuple[Entry, ...]
    sensitive_left_out: int


def select_entries(
    entries: Iterable[Entry],
    *,
    include_sensitive: bool = False,
    only_ids: Iterable[str] | None = None,
) -> Selection:
    """Entries sorted by id; OFFICIAL-SENSITIVE ones dropped unless `include_sensitive`."""
    wanted = None if only_ids is None else {i.casefold() for i in only_ids}
    chosen: list[Entry] = []
    left_out = 0
    for entry in entries:
        if wanted is not None and entry.id.casefold() not in wanted:
            continue
        if entry.classification == SENSITIVE and not include_sensitive:
            left_out += 1
            continue
        chosen.append(entry)
    chosen.sort(key=lambda e: e.id)
    return Selection(tuple(chosen), left_out)


def relative_path(kb: KnowledgeBase | None, entry: Entry) -> str | None:
    """The entry's file path relative to the knowledge base root, when known."""
    if entry.path is None:
        return None
    path = Path(entry.path)
    if kb is not None:
        try:
            return path.resolve().relative_to(kb.root.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.as_posix()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def entry_record(
    entry: Entry,
    vocabulary: Vocabulary | None = None,
    *,
    kb: KnowledgeBase | None = None,
    today: date | None = None,
) -> dict[str, object]:
    """One entry as the JSON export's record (see the module docstring)."""
    return {
        "id": entry.id,
        "title": entry.title,
        "forces": list(entry.forces),
        "force_names": [vocabulary.force_name(f) if vocabulary else f for f in entry.forces],
        "themes": list(entry.themes),
        "summary": entry.summary,
        "stage": entry.stage,
        "outcome": entry.outcome,
        "status": entry.status,
        "started": _iso(entry.started),
        "last_reviewed": _iso(entry.last_reviewed),
        "review_due": _iso(entry.review_due),
        "is_due": entry.is_due(today),
        "contact": {
            "role": entry.contact.role,
            "email": entry.contact.email,
            "name": entry.contact.name,
            "phone": entry.contact.phone,
        },
        "audience": list(entry.audience),
        "partners": list(entry.partners),
        "ideology": list(entry.ideology),
        "recommendations": list(entry.recommendations),
        "classification": entry.classification,
        "sms_level": entry.sms_level,
        "related": list(entry.related),
        "supersedes": entry.supersedes,
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "tags": list(entry.tags),
        "form": entry.form,
        "path": relative_path(kb, entry),
        "body": entry.body,
        "added": _iso(entry.added),
    }


def export_json(
    entries: Sequence[Entry],
    vocabulary: Vocabulary | None = None,
    *,
    kb: KnowledgeBase | None = None,
    include_sensitive: bool = False,
    query: str | None = None,
    today: date | None = None,
) -> str:
    """The JSON export document as text (UTF-8, indented, keys in a fixed order)."""
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "count": len(entries),
        "include_sensitive": include_sensitive,
        "query": query,
        "entries": [entry_record(e, vocabulary, kb=kb, today=today) for e in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_row(entry: Entry, *, kb: KnowledgeBase | None = None) -> list[str]:
    """One entry's CSV cells, in `CSV_COLUMNS` order."""
    values: dict[str, object] = {
        "id": entry.id,
        "title": entry.title,
        "forces": LIST_SEPARATOR.join(entry.forces),
        "themes": LIST_SEPARATOR.join(entry.themes),
        "summary": entry.summary,
        "stage": entry.stage,
        "outcome": entry.outcome,
        "status": entry.status,
        "started": _iso(entry.started),
        "last_reviewed": _iso(entry.last_reviewed),
        "review_due": _iso(entry.review_due),
        "contact_role": entry.contact.role,
        "contact_email": entry.contact.email,
        "contact_name": entry.contact.name,
        "contact_phone": entry.contact.phone,
        "audience": LIST_SEPARATOR.join(entry.audience),
        "partners": LIST_SEPARATOR.join(entry.partners),
        "ideology": LIST_SEPARATOR.join(entry.ideology),
        "recommendations": LIST_SEPARATOR.join(entry.recommendations),
        "classification": entry.classification,
        "sms_level": entry.sms_level,
        "related": LIST_SEPARATOR.join(entry.related),
        "supersedes": entry.supersedes,
        "links": LINK_SEPARATOR.join(f"{link.title} <{link.url}>" for link in entry.links),
        "tags": LIST_SEPARATOR.join(entry.tags),
        "form": entry.form,
        "path": relative_path(kb, entry),
        "added": _iso(entry.added),
    }
    return [_cell(values[column]) for column in CSV_COLUMNS]


def export_csv(entries: Sequence[Entry], *, kb: KnowledgeBase | None = None) -> str:
    """The CSV export as text: a header row, then one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(csv_row(entry, kb=kb))
    return buffer.getvalue()


def check_destination(kb: KnowledgeBase, destination: Path) -> Path:
    """The absolute destination (its folder resolved, its last part as given, so a link there
    is seen as a link), or ExportError when it is in (or holds) entries/ or index/."""
    path = Path(os.path.abspath(destination.expanduser()))
    target = path.parent.resolve() / path.name if path.name else path
    resolved = target.resolve()
    for protected in (kb.entries_dir, kb.index_dir):
        protected = protected.resolve()
        for candidate in (target, resolved):
            if candidate == protected or candidate.is_relative_to(protected):
                raise ExportError(
                    f"refusing to write an export into {protected.name}/ ({candidate}); "
                    "choose a folder outside the knowledge base's entries/ and index/"
                )
        if protected.is_relative_to(resolved) and resolved.is_dir():
            # Writing a site into a folder that holds entries/ could overwrite entries.
            raise ExportError(
                f"refusing to write an export into {target}: it holds the knowledge base's "
                f"{protected.name}/ folder; choose another folder"
            )
    return target


def describe_file_type(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, words in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return words
    return "not a regular file"


def write_new_file(path: Path, text: str, *, force: bool = False, offer_force: bool = True) -> None:
    """Write `text` (UTF-8) to `path`, never over anything and never through a link.

    The file is created with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file, a symbolic link
    (even a dangling one), a device or a FIFO at `path` is refused with OutputInTheWay. With
    `force`, an existing regular file is replaced atomically (a temporary file beside it, then
    a rename); anything else is still refused. A failed write leaves no partial file; the
    OSError propagates. `offer_force` says whether the refusal mentions --force.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            note = " (--force replaces only a regular file)" if offer_force else ""
            raise OutputInTheWay(
                f"{path} is {describe_file_type(info.st_mode)}; refusing to write over it"
                f"{note}; choose another name"
            )
        if not force:
            note = ", or --force to replace it" if offer_force else ""
            raise OutputInTheWay(f"{path} already exists; choose another name{note}")
        _replace_regular_file(path, text)
        return
    try:
        create_file(path, text.encode("utf-8"))
    except FileExistsError:
        raise OutputInTheWay(f"{path} already exists; nothing was written over it") from None


def _replace_regular_file(path: Path, text: str) -> None:
    def still_regular() -> None:
        info = path.lstat()  # once more, just before: never rename over a link or a device
        if not stat.S_ISREG(info.st_mode):
            raise OutputInTheWay(
                f"{path} became {describe_file_type(info.st_mode)}; refusing to write over it"
            )

    atomic_write(path, text.encode("utf-8"), before_rename=still_regular)


def write_text_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (temporary file, then rename). A link at `path` is
    replaced, never followed. For the pages of a site folder the export made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))


# ---- sharing from the app: a summary to paste, one Markdown document --------------------------


def evidence_text(entry: Entry) -> str:
    """The entry's evidence in words: "evaluated locally, SMS level 3, outcome: worked"."""
    parts = [stage_label(entry.stage)]
    if entry.sms_level is not None:
        parts.append(f"SMS level {entry.sms_level}")
    parts.append(f"outcome: {outcome_label(entry.outcome)}")
    return ", ".join(parts)


def contact_text(entry: Entry) -> str:
    """The contact on one line: role, name, email, phone (those given)."""
    contact = entry.contact
    return ", ".join(p for p in (contact.role, contact.name, contact.email, contact.phone) if p)


def summary_text(entry: Entry, vocabulary: Vocabulary) -> str:
    """An entry in four plain lines to paste into an email: title, forces (names), evidence
    and contact; an OFFICIAL-SENSITIVE entry starts and ends with its marking, as `show` does.
    Every line is sanitised."""
    forces = ", ".join(vocabulary.force_name(f) for f in entry.forces)
    lines = [
        clean_line(entry.title),
        f"Forces: {clean_line(forces)}",
        f"Evidence: {clean_line(evidence_text(entry))}",
        f"Contact: {clean_line(contact_text(entry))}",
    ]
    banner = sensitive_banner([entry.classification])
    if banner:
        lines = [*banner.splitlines(), "", *lines, "", *banner.splitlines()]
    return "\n".join(lines)


def _markdown_marking(entries: Sequence[Entry]) -> str:
    """The document's marking as Markdown: OFFICIAL, or OFFICIAL-SENSITIVE and its handling."""
    if any(e.is_sensitive for e in entries):
        return f"**{SENSITIVE}**\n\n{escape_inline(SENSITIVE_NOTICE)}"
    return "**OFFICIAL**"


def _markdown_entry(number: int, entry: Entry, vocabulary: Vocabulary, today: date) -> str:
    """One entry's section: its marking when OFFICIAL-SENSITIVE, title, facts, summary, body."""
    e = escape_inline
    lines: list[str] = []
    if entry.is_sensitive:
        lines += [f"**{SENSITIVE}**", ""]
    lines += [f"## {number}. {e(entry.title)}", ""]
    facts: list[tuple[str, str]] = [
        ("Id", e(entry.id)),
        ("Forces", e(", ".join(vocabulary.force_name(f) for f in entry.forces))),
        ("Themes", e(", ".join(entry.themes))),
        ("Evidence", e(evidence_text(entry))),
        ("Status", e(entry.status)),
        ("Last reviewed", entry.last_reviewed.isoformat()),
        (
            "Review due",
            entry.review_due.isoformat() + (" (due for review)" if entry.is_due(today) else ""),
        ),
        ("Contact", e(contact_text(entry))),
    ]
    for label, values in (
        ("Audience", entry.audience),
        ("Partners", entry.partners),
        ("Recommendations", entry.recommendations),
    ):
        if values:
            facts.append((label, e(", ".join(values))))
    if entry.related:
        facts.append(("Related", e(", ".join(entry.related))))
    facts.append(("Classification", e(entry.classification)))
    lines += [f"- **{label}:** {value}" for label, value in facts]
    for link in entry.links:
        url = safe_url(link.url)
        shown = f"<{url}>" if url else e(link.url)
        lines.append(f"- **Link:** {e(link.title)}: {shown}")
    lines += ["", f"**{e(entry.summary)}**", "", markdown_body(entry.body)]
    return "\n".join(lines)


def markdown_document(
    entries: Sequence[Entry],
    vocabulary: Vocabulary,
    *,
    heading: str,
    notes: Sequence[str] = (),
    today: date,
) -> str:
    """Entries, in the order given, as one Markdown document to share: the marking at the top
    and the bottom (OFFICIAL-SENSITIVE with its handling notice when any entry is), a table of
    contents, then one section per entry, each OFFICIAL-SENSITIVE one marked again.

    Every value from an entry is sanitised and escaped (`escape_inline`), so it reads as
    itself in any Markdown viewer; a body is passed on as written only when it is safe
    (`markdown_body`), else as plain text.
    """
    e = escape_inline
    marking = _markdown_marking(entries)
    noun = "entry" if len(entries) == 1 else "entries"
    intro = [f"{len(entries)} {noun}, saved {today.isoformat()}."] + [e(n) for n in notes]
    top = [f"# {e(heading)}", "\n\n".join(intro)]
    if entries:
        rows = ["| # | Title | Forces | Evidence | Marking |", "|---|---|---|---|---|"]
        for number, entry in enumerate(entries, 1):
            forces = ", ".join(vocabulary.force_name(f) for f in entry.forces)
            rows.append(
                f"| {number} | {e(entry.title)} | {e(forces)} | {e(evidence_text(entry))} "
                f"| {e(entry.classification)} |"
            )
        top.append("\n".join(rows))
    sections = [marking, "\n\n".join(top)]
    sections += [_markdown_entry(n, entry, vocabulary, today) for n, entry in enumerate(entries, 1)]
    sections.append(marking)
    return "\n\n---\n\n".join(sections) + "\n"
