"""`practicebase show`: one entry, metadata then its body, as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from practicebase.lazyre import lazy_pattern

if TYPE_CHECKING:
    from practicebase.entry import Entry
    from practicebase.kb import KnowledgeBase
    from practicebase.vocabulary import Vocabulary

HELP = "show one entry by id: its details, then its write-up"


EPILOG = """examples:
  practicebase show pcm-review-clinic
  practicebase show pcm-review-clinic --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("entry_id", metavar="ID", help="the entry's id, e.g. pcm-review-clinic")
    parser.add_argument("--json", action="store_true", help="print the entry as JSON")


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import CommandError, knowledge_base, out
    from practicebase.commands.search import open_searcher
    from practicebase.index import IndexUnavailable
    from practicebase.sanitize import clean_line

    kb = knowledge_base(args)
    searcher = open_searcher(kb, "show")
    try:
        entry = searcher.entry(args.entry_id)
        known = [entry_id for entry_id, _title in searcher.titles()] if entry is None else []
    except IndexUnavailable as exc:
        raise CommandError(str(exc), 1) from exc
    finally:
        searcher.close()
    if entry is None:
        message = f"no entry with id {clean_line(args.entry_id)!r}"
        close = kb.vocabulary.nearest(args.entry_id, known, n=3)
        if close:
            message += f" (did you mean {', '.join(close)}?)"
        raise CommandError(message, 1)
    if args.json:
        print(json.dumps(entry_json(entry, kb), ensure_ascii=True, indent=2))
    else:
        out(render(entry, kb.vocabulary))
    return 0


def entry_json(entry: Entry, kb: KnowledgeBase) -> dict[str, Any]:
    """Every field of an entry as plain JSON types: the JSON export's record, with the
    review flag named as in `practicebase search --json`."""
    from practicebase.export import entry_record

    record = entry_record(entry, kb.vocabulary, kb=kb)
    record["due_for_review"] = record.pop("is_due")
    return record


def render(entry: Entry, vocabulary: Vocabulary) -> str:
    """The entry as readable text: a title, aligned details, the summary, then the body.
    An OFFICIAL-SENSITIVE entry starts with its marking and a handling notice, and ends with
    the marking again, as a marked document does."""
    from practicebase.export import sensitive_banner
    from practicebase.sanitize import clean_line

    def line(label: str, value: str | None) -> str | None:
        return f"{label:<16}{clean_line(value)}" if value else None

    due = " (due for review)" if entry.is_due() else ""
    contact = entry.contact
    who = ", ".join(x for x in (contact.name, contact.role, contact.email, contact.phone) if x)
    title = clean_line(entry.title)
    rows = [
        title,
        "=" * min(len(title), 100),
        line("id", entry.id),
        line("forces", ", ".join(vocabulary.force_name(f) for f in entry.forces)),
        line("themes", ", ".join(entry.themes)),
        line("stage", entry.stage),
        line("outcome", entry.outcome),
        line("status", entry.status),
        line("started", entry.started.isoformat() if entry.started else None),
        line("added", entry.added.isoformat() if entry.added else None),
        line("last reviewed", entry.last_reviewed.isoformat()),
        line("review due", entry.review_due.isoformat() + due),
        line("classification", entry.classification),
        line("contact", who),
        line("audience", ", ".join(entry.audience)),
        line("partners", ", ".join(entry.partners)),
        line("ideology", ", ".join(entry.ideology)),
        line("recommendations", ", ".join(entry.recommendations)),
        line("SMS level", str(entry.sms_level) if entry.sms_level else None),
        line("related", ", ".join(entry.related)),
        line("supersedes", entry.supersedes),
        line("tags", ", ".join(entry.tags)),
        line("file", entry.path.as_posix() if entry.path else None),
    ]
    parts = ["\n".join(r for r in rows if r is not None), "", clean_line(entry.summary), ""]
    parts.append(render_body(entry.body))
    if entry.links:
        parts += ["", "Links", "-----"]
        parts += [f"- {clean_line(k.title)}: {clean_line(k.url)}" for k in entry.links]
    banner = sensitive_banner([entry.classification])
    text = "\n".join(parts).rstrip() + "\n"
    if banner:
        marking = banner.splitlines()[0]
        text = f"{banner}\n\n{text}\n{marking}"
    return text


# Bounded, single-line patterns: a hostile body cannot make them backtrack for long.
_HEADING = lazy_pattern(r"^[ ]{0,3}(#{1,6})[ \t]*(.*)$")  # closing #s stripped in code
_LINK = lazy_pattern(r"\[([^\[\]]{1,300})\]\(([^()\s]{1,500})[^()]{0,200}\)")
_STARS = lazy_pattern(r"\*+")
_UNDERSCORES = lazy_pattern(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
_CODE = lazy_pattern(r"`+")
_BULLET = lazy_pattern(r"^([ \t]*)[-*+][ \t]+")


def render_body(body: str) -> str:
    """Markdown as terminal text: underlined headings, bullets, `text (url)` links."""
    lines: list[str] = []
    for raw in body.replace("\r\n", "\n").split("\n"):
        heading = _HEADING.match(raw)
        if heading:
            text = heading.group(2).rstrip(" \t#")
            if lines and lines[-1] != "":
                lines.append("")
            lines += [text, ("=" if len(heading.group(1)) == 1 else "-") * len(text)]
            continue
        text = _BULLET.sub("\\1• ", raw)
        text = _LINK.sub(r"\1 (\2)", text)
        text = _CODE.sub("", text)
        text = _STARS.sub("", text)
        text = _UNDERSCORES.sub("", text)
        lines.append(text)
    return "\n".join(lines).strip("\n")
