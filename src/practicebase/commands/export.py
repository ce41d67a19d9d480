"""`practicebase export`: entries as a static HTML site, JSON or CSV for sharing."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from practicebase.kb import KnowledgeBase

HELP = "export entries as a static HTML site, JSON or CSV"

DESCRIPTION = (
    "Export entries for people who do not use practicebase. html writes a folder (--out is "
    "required): index.html, a table of every entry, pages per force, per theme and by review "
    "date, and one page per entry; it needs no scripts and loads nothing from the network. "
    "json and csv print to stdout unless --out names a file. OFFICIAL-SENSITIVE entries are "
    "left out unless --include-sensitive. Nothing is ever written into entries/ or index/, "
    "over an existing file (unless --force), over a link or a device, or through a link. "
    "Exit status: 1 when the --out path is in the way, 2 when it can never be used, 4 when "
    "writing fails."
)


EPILOG = """examples:
  practicebase export --out site/                  # then open site/index.html
  practicebase export --format json > practice.json
  practicebase export --format csv --out practice.csv --query "schools"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--format", choices=("html", "json", "csv"), default="html")
    parser.add_argument(
        "--query",
        metavar="Q",
        help="export only entries matching this search (needs `practicebase index`)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR|FILE",
        help="html: the folder to write (new, empty, or an earlier export); "
        "json/csv: the file to write (default: stdout)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="json/csv: replace an existing regular file at --out (never a link or a device; "
        "an html folder is replaced only when an earlier export made it)",
    )
    parser.add_argument(
        "--include-sensitive",
        action="store_true",
        help="include OFFICIAL-SENSITIVE entries, each marked with a banner",
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import CommandError, err, knowledge_base, out
    from practicebase.export import (
        ExportError,
        check_destination,
        export_csv,
        export_json,
        select_entries,
        write_new_file,
    )
    from practicebase.reports import load_entries

    kb = knowledge_base(args)
    if args.format == "html" and not args.out:
        raise CommandError("export --format html needs --out DIR (the folder to write)")
    if args.force and not args.out:
        raise CommandError("--force needs --out (the file it may replace)")
    try:
        destination = check_destination(kb, Path(args.out)) if args.out else None
    except ExportError as exc:
        raise CommandError(str(exc), exc.status) from exc
    loaded = load_entries(kb)
    if loaded.skipped:
        err(
            f"note: {len(loaded.skipped)} file(s) with errors left out "
            "(run `practicebase validate` to see why)"
        )
    only_ids = _matching_ids(kb, args.query) if args.query else None
    selection = select_entries(
        loaded.entries, include_sensitive=args.include_sensitive, only_ids=only_ids
    )
    entries = selection.entries
    today = date.today()
    try:
        if args.format == "html":
            from practicebase.export_html import write_site

            assert destination is not None
            pages = write_site(
                destination,
                entries,
                kb.vocabulary,
                sensitive_left_out=selection.sensitive_left_out,
                query=args.query,
                today=today,
            )
            plural = "s" if pages != 1 else ""
            err(f"wrote {pages} page{plural} ({len(entries)} entries) to {destination}")
        else:
            if args.format == "json":
                text = export_json(
                    entries,
                    kb.vocabulary,
                    kb=kb,
                    include_sensitive=args.include_sensitive,
                    query=args.query,
                    today=today,
                )
            else:
                text = export_csv(entries, kb=kb)
            if destination is None:
                out(text.replace("\r\n", "\n").rstrip("\n"))
            else:
                if destination.is_dir() and not destination.is_symlink():
                    destination = destination / f"practicebase-export.{args.format}"
                destination.parent.mkdir(parents=True, exist_ok=True)
                write_new_file(destination, text, force=args.force)
                err(f"wrote {len(entries)} entries to {destination}")
    except ExportError as exc:
        raise CommandError(str(exc), exc.status) from exc
    # An OSError (a full disk, an unwritable folder) propagates: the dispatcher reports it.
    if selection.sensitive_left_out:
        err(
            f"note: {selection.sensitive_left_out} OFFICIAL-SENSITIVE entries left out "
            "(use --include-sensitive to include them)"
        )
    return 0


def _matching_ids(kb: KnowledgeBase, query: str) -> set[str]:
    """Ids of every entry the search finds for `query`."""
    from practicebase.commands.common import CommandError
    from practicebase.index import IndexUnavailable
    from practicebase.search import Searcher, SearchRequest

    try:
        searcher = Searcher(kb)
    except IndexUnavailable as exc:
        raise CommandError(f"{exc} (--query needs the index: run `practicebase index`)") from exc
    try:
        ids: set[str] = set()
        offset = 0
        while True:
            request = SearchRequest(
                text=query, offset=offset, limit=200, with_facets=False, with_snippets=False
            )
            result = searcher.search(request)
            ids.update(hit.id for hit in result.hits)
            offset += len(result.hits)
            if not result.hits or offset >= result.total:
                return ids
    finally:
        searcher.close()
