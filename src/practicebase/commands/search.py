"""`practicebase search`: ranked practice entries for a query, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from practicebase.commands.common import out
from practicebase.evidence import LEGEND
from practicebase.lazyre import lazy_pattern
from practicebase.search.types import SORTS

if TYPE_CHECKING:
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Hit, Searcher, SearchResult

HELP = "search the knowledge base (see docs/search.md for the query language)"

EPILOG = """examples:
  practicebase search radicalisation referrals
  practicebase search referrals -online            # -word leaves out entries with it
  practicebase search '"prevent case management" force:merseyside'
  practicebase search 'theme:online -outcome:didnt-work' --facets
  practicebase search 'is:due' --sort reviewed --json
  practicebase search 'added:>=2026-01-01' --sort newest
  practicebase search 'theme:referrals' --sort evidence

Each result starts with its evidence mark, e.g. I3+:
""" + "".join(f"  {legend}\n" for legend in LEGEND)

JSON_VERSION = 1

EXCLUSION = lazy_pattern(r"-[^-\d]")
"""`-online`, `-force:kent`: a query word that leaves entries out, not an option."""
QUERY_MARK = "\x00"


class QueryArgumentParser(argparse.ArgumentParser):
    """Reads `search referrals -online` as the query `referrals -online`: a `-word` that is no
    option of this command is a query word (before `--`; after it everything is), and so
    are words after the options (`search referrals --json schools`)."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def,override]
        marked: list[str] = []
        tokens = list(sys.argv[1:] if args is None else args)
        for n, token in enumerate(tokens):
            if token == "--":
                marked.extend(tokens[n:])
                break
            is_word = EXCLUSION.match(token) and token not in self._option_string_actions
            marked.append(QUERY_MARK + token if is_word else token)
        namespace, extras = super().parse_known_args(marked, namespace)
        query = [word.removeprefix(QUERY_MARK) for word in getattr(namespace, "query", [])]
        rest = []
        for token in extras:
            if token.startswith(QUERY_MARK) or not token.startswith("-"):
                query.append(token.removeprefix(QUERY_MARK))
            else:
                rest.append(token)
        namespace.query = query
        return namespace, rest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.__class__ = QueryArgumentParser  # made by the dispatcher; only parsing changes
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="words, phrases and filters; -word leaves out entries with the word",
    )
    parser.add_argument(
        "--limit", type=int, default=10, metavar="N", help="show at most N results (default 10)"
    )
    parser.add_argument(
        "--offset", type=int, default=0, metavar="N", help="skip the first N results (paging)"
    )
    parser.add_argument(
        "--sort",
        choices=SORTS,
        default="relevance",
        help=(
            "order of results (default relevance; reviewed = most recently reviewed first; "
            "newest = most recently added first; evidence = independently evaluated first, "
            "then evaluated locally, then untested, by SMS level and outcome)"
        ),
    )
    parser.add_argument(
        "--facets", action="store_true", help="also count all matches by force, theme, stage..."
    )
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")


def open_searcher(kb: KnowledgeBase, command: str) -> Searcher:
    """A searcher on the index, building or repairing the index first when it is not usable."""
    from practicebase.actions import open_or_build_index
    from practicebase.commands.common import CommandError, err
    from practicebase.index import IndexBusy, IndexUnavailable

    def building(reason: str) -> None:
        err(f"practicebase {command}: {reason}; building the search index first")

    try:
        opened = open_or_build_index(kb, on_build=building)
    except (IndexBusy, IndexUnavailable) as exc:
        raise CommandError(str(exc), 1) from exc
    if opened.built is not None:
        for problem in opened.built.problems:
            err(problem.format())
        err(f"practicebase {command}: indexed {opened.built.summary()}")
    return opened.searcher


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import CommandError, knowledge_base
    from practicebase.index import IndexUnavailable
    from practicebase.search import SearchRequest

    if args.limit < 0 or args.offset < 0:
        raise CommandError("--limit and --offset must be 0 or more", 2)
    kb = knowledge_base(args)
    text = " ".join(args.query)
    request = SearchRequest(
        text=text,
        sort=args.sort,
        offset=args.offset,
        limit=min(args.limit, 1000),
        with_facets=args.facets,  # printed only with --facets, in text and JSON alike
        with_snippets=True,
    )
    searcher = open_searcher(kb, "search")
    try:
        result = searcher.search(request)
    except IndexUnavailable as exc:
        raise CommandError(str(exc), 1) from exc
    finally:
        searcher.close()
    if args.json:
        out(json.dumps(result_json(result, facets=args.facets), ensure_ascii=True, indent=2))
    else:
        print_result(result, facets=args.facets, bold=sys.stdout.isatty())
    return 0


def hit_json(hit: Hit, rank: int) -> dict[str, Any]:
    """One hit as plain JSON types (see docs/search.md)."""
    return {
        "rank": rank,
        "id": hit.id,
        "title": hit.title,
        "forces": list(hit.forces),
        "force_names": list(hit.force_names),
        "themes": list(hit.themes),
        "stage": hit.stage,
        "outcome": hit.outcome,
        "status": hit.status,
        "classification": hit.classification,
        "last_reviewed": hit.last_reviewed.isoformat(),
        "review_due": hit.review_due.isoformat(),
        "due_for_review": hit.is_due,
        "added": hit.added.isoformat() if hit.added else None,
        "evidence": {"stage": hit.stage, "sms_level": hit.sms_level, "outcome": hit.outcome},
        "path": hit.path,
        "score": round(hit.score, 4),
        "snippet": hit.snippet,
        "snippet_spans": [list(span) for span in hit.snippet_spans],
    }


def result_json(result: SearchResult, *, facets: bool) -> dict[str, Any]:
    """The stable JSON document of `practicebase search --json` (see docs/search.md)."""
    request = result.request
    doc: dict[str, Any] = {
        "version": JSON_VERSION,
        "query": request.text,
        "sort": request.sort,
        "offset": request.offset,
        "limit": request.limit,
        "total": result.total,
        "hits": [hit_json(h, request.offset + i) for i, h in enumerate(result.hits, 1)],
        "suggestion": result.suggestion,
        "corrections": [
            {"typed": typed, "searched_as": list(used)} for typed, used in result.corrections
        ],
        "reranked": [{"typed": typed, "ranked_by": list(used)} for typed, used in result.reranked],
    }
    if facets:
        doc["facets"] = {
            name: [{"value": v, "count": n} for v, n in counts]
            for name, counts in result.facets.items()
        }
    return doc


def marked(text: str, spans: tuple[tuple[int, int], ...], bold: bool) -> str:
    """The snippet with matched words in bold (terminal) or between asterisks (otherwise)."""
    from practicebase.sanitize import clean_line

    on, off = ("\x1b[1m", "\x1b[0m") if bold else ("*", "*")
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last or end > len(text):
            continue
        pieces.append(clean_line(text[last:start]))
        pieces.append(on + clean_line(text[start:end]) + off)
        last = end
    pieces.append(clean_line(text[last:]))
    return "".join(pieces)


def count_line(result: SearchResult) -> str:
    """`35 entries (showing 11-20)`, and honest when nothing is shown: `35 entries; nothing at
    offset 100`, `35 entries; none shown (--limit 0)`."""
    from practicebase.sanitize import clean_line

    request = result.request
    shown = len(result.hits)
    count = f"{result.total} {'entry' if result.total == 1 else 'entries'}"
    if result.total == 0:
        return f"no entries match {clean_line(request.text)!r}"
    if request.limit == 0:
        return f"{count}; none shown (--limit 0)"
    if shown == 0:
        return f"{count}; nothing at offset {request.offset}"
    if shown == result.total:
        return count
    return f"{count} (showing {request.offset + 1}-{request.offset + shown})"


def print_result(result: SearchResult, *, facets: bool, bold: bool) -> None:
    from practicebase.evidence import evidence_mark
    from practicebase.export import sensitive_banner
    from practicebase.sanitize import clean_line

    request = result.request
    banner = sensitive_banner(h.classification for h in result.hits)
    if banner:  # the marking first and last, as on every output holding such an entry
        out(f"{banner}\n")
    for typed, used in result.corrections:
        out(
            f"searched {clean_line(typed)!r} as: {', '.join(clean_line(u) for u in used)}",
            file=sys.stderr,
        )
    for typed, used in result.reranked:
        out(
            f"{clean_line(typed)!r} is in no entry: the other words' matches ranked by: "
            f"{', '.join(clean_line(u) for u in used)}",
            file=sys.stderr,
        )
    for rank, hit in enumerate(result.hits, request.offset + 1):
        forces = ", ".join(hit.force_names) or "-"
        review = (
            f"due for review since {hit.review_due.isoformat()}"
            if hit.is_due
            else f"reviewed {hit.last_reviewed.isoformat()}"
        )
        details = [forces, hit.stage, hit.outcome or "no outcome yet", hit.status, review]
        if hit.classification != "OFFICIAL":
            details.append(hit.classification)
        mark = evidence_mark(hit.stage, hit.sms_level, hit.outcome)
        out(f"{rank:>3}. {mark}  {clean_line(hit.id)}  {clean_line(hit.title)}")
        out(f"     {clean_line(' · '.join(details))}")
        if hit.snippet:
            out(f"     {marked(hit.snippet, hit.snippet_spans, bold)}")
    out(count_line(result))
    if result.suggestion:
        out(f"did you mean: {clean_line(result.suggestion)}")
    if facets:
        for name, counts in result.facets.items():
            if counts:
                values = ", ".join(f"{clean_line(v)} {n}" for v, n in counts)
                out(f"{name}: {values}")
    if banner:
        out(f"\n{banner.splitlines()[0]}")
