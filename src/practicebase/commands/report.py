"""`practicebase report coverage|due|stats|recommendations|compare|new`: where practice is,
what needs review, counts, the practice behind each inspection recommendation, two forces side
by side, what is new."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import textwrap
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from practicebase.coverage import Coverage
    from practicebase.kb import KnowledgeBase
    from practicebase.reports import (
        DueItem,
        DueReport,
        ForceComparison,
        LoadedEntries,
        NewReport,
        RecommendationsReport,
        Stats,
    )

HELP = (
    "reports: coverage of themes by force, entries due for review, statistics, "
    "practice per inspection recommendation, two forces compared, entries added lately"
)

WIDTH = 80
DEFAULT_WITHIN = 30


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return value


DEFAULT_NEW_DAYS = 30


def _strict_date(text: str) -> date:
    """A date written YYYY-MM-DD (only that form, as in entry files)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date written YYYY-MM-DD, e.g. 2026-01-31"
        )
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid date") from None


# `report due --within` at most: a century is already every entry; more overflows dates.
MAX_WITHIN = 36_500


def _days(text: str) -> int:
    value = _non_negative(text)
    if value > MAX_WITHIN:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_WITHIN} days (100 years)")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from practicebase.evidence import LEGEND

    parser.epilog = (
        "examples:\n"
        "  practicebase report coverage --min-forces 3\n"
        "  practicebase report due --within 14 --force GMP\n"
        "  practicebase report stats --json\n"
        "  practicebase report recommendations --format csv > recommendations.csv\n"
        "  practicebase report compare GMP kent\n"
        "  practicebase report new --days 30\n\n"
        "Run `practicebase report REPORT --help` for each report's options."
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    reports = parser.add_subparsers(dest="report", metavar="REPORT", required=True)

    coverage = reports.add_parser(
        "coverage",
        help="forces x themes matrix of entry counts, with gaps",
        description="The number of entries each force has on each theme, with totals, the "
        "forces with no entries and the themes few forces contribute to. A joint entry counts "
        "for each of its forces; totals count entries.",
        epilog="examples:\n"
        "  practicebase report coverage --min-forces 3\n"
        "  practicebase report coverage --transpose\n"
        "  practicebase report coverage --format csv > coverage.csv\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    coverage.add_argument("--format", choices=("table", "csv", "json"), default="table")
    coverage.add_argument(
        "--transpose", action="store_true", help="table: themes as rows, forces as columns"
    )
    coverage.add_argument(
        "--min-forces",
        type=_non_negative,
        default=2,
        metavar="N",
        help="list themes with fewer than N contributing forces (default 2)",
    )

    due = reports.add_parser(
        "due",
        help="entries past or near their review date, by force, with the contact",
        description="Entries whose review date is on or before today + DAYS, grouped by force "
        "with the contact to chase. Exit status: 0 when nothing is due, 1 when some entries "
        "are due, 2 on a usage error.",
        epilog="examples:\n"
        "  practicebase report due\n"
        '  practicebase report due --within 14 --force GMP || echo "reviews to chase"\n',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    due.add_argument(
        "--within",
        type=_days,
        default=DEFAULT_WITHIN,
        metavar="DAYS",
        help=f"include entries due within DAYS days (default {DEFAULT_WITHIN}; 0: due now)",
    )
    due.add_argument("--force", metavar="ID", help="only this force (id, name or alias)")
    due.add_argument(
        "--today", type=_iso_date, metavar="YYYY-MM-DD", help="count from this date (testing)"
    )
    due.add_argument("--json", action="store_true", help="print JSON instead of text")

    stats = reports.add_parser(
        "stats",
        help="counts by force, theme, stage, outcome, status, classification, quarter",
        description="Counts of entries by force, theme, stage, outcome, status and "
        "classification, and per quarter of `started` and `last_reviewed` dates.",
        epilog="examples:\n  practicebase report stats\n  practicebase report stats --json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stats.add_argument("--json", action="store_true", help="print JSON instead of tables")

    recs = reports.add_parser(
        "recommendations",
        help="per inspection recommendation: forces with practice, stage, outcome, gaps",
        description="For each recommendation of the 2020 inspection (CT4-2020-R1 ... R8, and "
        "any your vocabulary.yaml adds), the forces with practice linked to it, the entries' "
        "counts by stage and outcome, and the forces with none. The packaged labels are "
        "provisional (the exact wording and numbering are not confirmed) and say so; a "
        "knowledge base's vocabulary.yaml can give its own. A joint entry counts for each of "
        "its forces. Search one with `practicebase search rec:R4`.",
        epilog="examples:\n"
        "  practicebase report recommendations\n"
        "  practicebase report recommendations --format csv > recommendations.csv\n"
        "  practicebase report recommendations --format json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    recs.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (default), or csv/json with ids for scripts",
    )
    stats.add_argument(
        "--today", type=_iso_date, metavar="YYYY-MM-DD", help="date for 'due' counts (testing)"
    )

    compare = reports.add_parser(
        "compare",
        help="two forces side by side: themes, recommendations, entries only one has",
        description="Put two forces side by side: the themes each has practice on and the "
        "other has none on, the inspection recommendations each has practice for, entry counts "
        "per theme for both, and, by theme, the entries only one of them has. A joint entry "
        "of both counts for each and is never 'only one has'. Forces are given by id, name or "
        "alias.",
        epilog="examples:\n"
        "  practicebase report compare GMP kent\n"
        '  practicebase report compare "West Midlands Police" west-yorkshire --format csv\n'
        "  practicebase report compare merseyside btp --format json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("first", metavar="FORCE", help="a force id, name or alias")
    compare.add_argument("second", metavar="FORCE", help="another force to compare it with")
    compare.add_argument(
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        help="text (default), or csv/json with ids for scripts",
    )

    new = reports.add_parser(
        "new",
        help="entries added since a date or in the last N days, newest first",
        description="Entries whose `added` date (the day `practicebase add` filed them) is on "
        "or after --since DATE, or within the last --days N days (on or after today minus N; "
        f"--days 0 is today only; default: the last {DEFAULT_NEW_DAYS} days), newest first, "
        "with their forces, themes and evidence mark. Entries without an `added` date (files "
        "copied into entries/ by hand) are not listed; the report says how many there are.",
        epilog="examples:\n"
        "  practicebase report new --days 7\n"
        "  practicebase report new --since 2026-01-01 --format csv > new.csv\n"
        "  practicebase report new --since 2026-11-01 --format json\n\n"
        "The evidence mark, e.g. I3+:\n" + "".join(f"  {legend}\n" for legend in LEGEND),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    when = new.add_mutually_exclusive_group()
    when.add_argument(
        "--since", type=_strict_date, metavar="YYYY-MM-DD", help="entries added on or after DATE"
    )
    when.add_argument(
        "--days",
        type=_days,
        metavar="N",
        help=f"entries added in the last N days (default {DEFAULT_NEW_DAYS})",
    )
    new.add_argument(
        "--format",
        choices=("text", "csv", "json"),
        default="text",
        help="text (default), or csv/json for scripts",
    )
    new.add_argument(
        "--today", type=_strict_date, metavar="YYYY-MM-DD", help="count from this date (testing)"
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import knowledge_base

    kb = knowledge_base(args)
    handlers: dict[str, Callable[[argparse.Namespace, KnowledgeBase], int]] = {
        "coverage": _coverage,
        "due": _due,
        "stats": _stats,
        "recommendations": _recommendations,
        "compare": _compare,
        "new": _new,
    }
    return handlers[args.report](args, kb)


def _load(kb: KnowledgeBase) -> LoadedEntries:
    from practicebase.commands.common import err
    from practicebase.reports import load_entries

    loaded = load_entries(kb)
    if loaded.skipped:
        err(
            f"note: {len(loaded.skipped)} file(s) with errors left out "
            "(run `practicebase validate` to see why)"
        )
    return loaded


# coverage ---------------------------------------------------------------------------------


def _coverage(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from practicebase.commands.common import out
    from practicebase.coverage import build_coverage

    entries = _load(kb).entries
    cov = build_coverage(
        ((e.forces, e.themes) for e in entries), kb.vocabulary, min_forces=args.min_forces
    )
    if args.format == "json":
        out(json.dumps(coverage_json(cov), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        out(coverage_csv(cov).rstrip("\n"))
    else:
        out(coverage_table(cov, transpose=args.transpose))
    return 0


def coverage_json(cov: Coverage) -> dict[str, object]:
    """The documented JSON structure of `report coverage --format json`."""
    return {
        "themes": list(cov.themes),
        "rows": [
            {
                "force": f,
                "counts": dict(zip(cov.themes, cov.row(f), strict=True)),
                "total": cov.force_totals[f],
            }
            for f in cov.forces
        ],
        "theme_totals": cov.theme_totals,
        "theme_force_counts": cov.theme_force_counts,
        "total": cov.total,
        "forces_without_entries": list(cov.forces_without_entries),
        "min_forces": cov.min_forces,
        "themes_with_fewer_forces": list(cov.thin_themes),
    }


def coverage_csv(cov: Coverage) -> str:
    """One row per force id, one column per theme id, then `total`; then a `total` row and a
    `forces` row (contributing forces per theme)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["force", *cov.themes, "total"])
    for force in cov.forces:
        writer.writerow([force, *cov.row(force), cov.force_totals[force]])
    writer.writerow(["total", *(cov.theme_totals[t] for t in cov.themes), cov.total])
    writer.writerow(["forces", *(cov.theme_force_counts[t] for t in cov.themes), ""])
    return buffer.getvalue()


def coverage_table(cov: Coverage, *, transpose: bool = False) -> str:
    """The matrix as 80-column text panels with short column codes and a legend.

    Rows are the forces (or themes, transposed) that have entries; columns are split into
    as many panels as needed to fit. Forces with no entries and thin themes follow.
    """
    from practicebase.coverage import short_codes

    if cov.total == 0:
        return "No valid entries: nothing to count."
    if transpose:
        rows = [t for t in cov.themes if cov.theme_totals.get(t)]
        columns = [f for f in cov.forces if cov.force_totals.get(f)]
        row_total = cov.theme_totals
        col_total = cov.force_totals
        row_title, col_title = "theme", "force"
    else:
        rows = [f for f in cov.forces if cov.force_totals.get(f)]
        columns = list(cov.themes)
        row_total = cov.force_totals
        col_total = cov.theme_totals
        row_title, col_title = "force", "theme"

    def cell(row: str, column: str) -> int:
        return cov.count(column, row) if transpose else cov.count(row, column)

    codes = short_codes(columns)
    label_width = min(max(len(r) for r in [*rows, row_title, "entries"]), 26)
    cell_width = max(3, *(len(c) for c in codes.values())) + 1
    per_panel = max(1, (WIDTH - label_width - 7) // cell_width)
    lines: list[str] = [
        f"Coverage: {cov.total} entries; {len(rows)} {row_title}s have entries.",
        "A joint entry counts for each of its forces; '.' is none.",
    ]
    for start in range(0, len(columns), per_panel):
        panel = columns[start : start + per_panel]
        lines.append("")
        lines.append(
            f"{row_title:<{label_width}}"
            + "".join(f"{codes[c]:>{cell_width}}" for c in panel)
            + f"{'total':>7}"
        )
        for row in rows:
            cells = "".join(f"{(cell(row, c) or '.')!s:>{cell_width}}" for c in panel)
            lines.append(f"{_fit(row, label_width)}{cells}{row_total[row]:>7}")
        lines.append(
            f"{'entries':<{label_width}}"
            + "".join(f"{col_total[c]:>{cell_width}}" for c in panel)
            + f"{cov.total:>7}"
        )
    lines.append("")
    lines.append(f"{col_title.capitalize()} codes:")
    legend = [f"{codes[c]}={c}" for c in columns]
    lines.extend(textwrap.wrap("  ".join(legend), WIDTH, break_on_hyphens=False))
    lines.append("")
    none = cov.forces_without_entries
    lines.append(f"Forces with no entries ({len(none)}):")
    lines.extend(textwrap.wrap(", ".join(none) or "none", WIDTH, break_on_hyphens=False))
    lines.append("")
    thin = cov.thin_themes
    lines.append(f"Themes with fewer than {cov.min_forces} contributing forces ({len(thin)}):")
    thin_text = ", ".join(f"{t} ({cov.theme_force_counts[t]})" for t in thin) or "none"
    lines.extend(textwrap.wrap(thin_text, WIDTH, break_on_hyphens=False))
    return "\n".join(lines)


def _fit(text: str, width: int) -> str:
    return f"{text:<{width}}" if len(text) <= width else text[: width - 1] + "~"


def _force_id(kb: KnowledgeBase, text: str) -> str:
    """The force id for an id, name or alias; a usage error with did-you-mean otherwise."""
    from practicebase.commands.common import CommandError

    force = kb.vocabulary.resolve_force(text)
    if force is None:
        near = kb.vocabulary.nearest_force(text)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise CommandError(f"unknown force {text!r}{hint}")
    return force


# due --------------------------------------------------------------------------------------


def _due(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from practicebase.commands.common import CommandError, out
    from practicebase.reports import due_report

    force = _force_id(kb, args.force) if args.force else None
    today = args.today or date.today()
    try:
        report = due_report(
            _load(kb).entries,
            today=today,
            within=args.within,
            force=force,
            vocabulary=kb.vocabulary,
        )
    except OverflowError:
        raise CommandError(f"--within {args.within} from {today} goes past the last date") from None
    if args.json:
        out(json.dumps(due_json(report), indent=2, ensure_ascii=False))
    else:
        out(due_text(report, kb))
    return 1 if report.items else 0


def due_json(report: DueReport) -> dict[str, object]:
    """The JSON structure of `report due --json`."""

    def item(i: DueItem) -> dict[str, object]:
        return {
            "id": i.id,
            "title": i.title,
            "forces": list(i.forces),
            "review_due": i.review_due.isoformat(),
            "days_left": i.days_left,
            "contact": {"role": i.contact_role, "email": i.contact_email},
            "path": i.path,
        }

    return {
        "today": report.today.isoformat(),
        "within_days": report.within,
        "cutoff": report.cutoff.isoformat(),
        "force": report.force,
        "due": len(report.items),
        "overdue": report.overdue_count,
        "ended_left_out": report.ended,
        "by_force": [
            {"force": force, "entries": [item(i) for i in items]}
            for force, items in report.by_force
        ],
    }


def due_text(report: DueReport, kb: KnowledgeBase) -> str:
    from practicebase.export import sensitive_banner
    from practicebase.sanitize import clean_line

    scope = f" for {report.force}" if report.force else ""
    ended = (
        f"{report.ended} ended {'entry' if report.ended == 1 else 'entries'} "
        "(status: ended) left out: ended practice is not reviewed."
        if report.ended
        else ""
    )
    if not report.items:
        nothing = (
            f"Nothing due for review{scope} by {report.cutoff} "
            f"(today {report.today}, within {report.within} days)."
        )
        return f"{nothing}\n{ended}" if ended else nothing
    lines = [
        f"{len(report.items)} {'entry' if len(report.items) == 1 else 'entries'}{scope} "
        f"due for review by {report.cutoff}, "
        f"{report.overdue_count} overdue",
        f"(today {report.today}, within {report.within} days)",
    ]
    for force, items in report.by_force:
        lines.append("")
        lines.append(f"{kb.vocabulary.force_name(force)} ({force}): {len(items)}")
        for i in items:
            when = (
                f"{-i.days_left} days overdue"
                if i.overdue
                else ("due today" if i.days_left == 0 else f"due in {i.days_left} days")
            )
            joint = [f for f in i.forces if f != force]
            lines.extend(
                textwrap.wrap(
                    f"{clean_line(i.id)}: {clean_line(i.title)}",
                    WIDTH,
                    initial_indent="  ",
                    subsequent_indent="      ",
                    break_on_hyphens=False,
                )
            )
            lines.append(f"    review due {i.review_due} ({when})")
            contact = f"    contact: {clean_line(i.contact_role)}"
            email = f"<{clean_line(i.contact_email)}>"
            if len(contact) + 1 + len(email) <= WIDTH:
                lines.append(f"{contact} {email}")
            else:
                lines.extend([contact, f"             {email}"])
            if joint:
                lines.append(f"    joint with: {', '.join(joint)}")
    if ended:
        lines.extend(["", ended])
    banner = sensitive_banner(i.classification for i in report.items)
    if banner:  # the marking first and last, as on every output holding such an entry
        lines = [banner, "", *lines, "", banner.splitlines()[0]]
    return "\n".join(lines)


# stats ------------------------------------------------------------------------------------


def _stats(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from practicebase.commands.common import out
    from practicebase.reports import build_stats

    stats = build_stats(_load(kb).entries, kb.vocabulary, today=args.today or date.today())
    if args.json:
        out(json.dumps(stats.as_dict(), indent=2, ensure_ascii=False))
    else:
        out(stats_text(stats))
    return 0


def stats_text(stats: Stats) -> str:
    lines = [
        f"{stats.total} entries ({stats.joint_entries} joint, "
        f"{stats.due_for_review} due for review)"
    ]
    sections: list[tuple[str, dict[str, int]]] = [
        ("By force", stats.by_force),
        ("By theme", stats.by_theme),
        ("By stage", stats.by_stage),
        ("By outcome", stats.by_outcome),
        ("By status", stats.by_status),
        ("By classification", stats.by_classification),
    ]
    for title, counts in sections:
        lines.append("")
        lines.extend(_counts_table(title, counts))
    quarters = sorted(set(stats.started_per_quarter) | set(stats.reviewed_per_quarter))
    lines.append("")
    lines.append("Per quarter        started  last reviewed")
    for q in quarters:
        lines.append(
            f"  {q:<16}{stats.started_per_quarter.get(q, 0):>7}"
            f"{stats.reviewed_per_quarter.get(q, 0):>15}"
        )
    return "\n".join(lines)


def _counts_table(title: str, counts: dict[str, int]) -> list[str]:
    width = max([len(k) for k in counts] + [26])
    lines = [title]
    lines.extend(f"  {key:<{width}}{value:>6}" for key, value in counts.items())
    return lines


# recommendations --------------------------------------------------------------------------


def _recommendations(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from practicebase.commands.common import out
    from practicebase.reports import recommendations_report

    report = recommendations_report(_load(kb).entries, kb.vocabulary)
    if args.format == "json":
        out(json.dumps(recommendations_json(report), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        out(recommendations_csv(report).rstrip("\n"))
    else:
        out(recommendations_text(report))
    return 0


PROVISIONAL_NOTE = (
    "Labels marked (provisional) are the packaged ones: the inspection's exact wording, and "
    "which number each has, are not confirmed. A knowledge base's vocabulary.yaml can give "
    "its own (docs/entry-format.md, Recommendations)."
)


def recommendations_json(report: RecommendationsReport) -> dict[str, object]:
    """The documented JSON structure of `report recommendations --format json`."""
    return {
        "total_entries": report.total,
        "linked_entries": report.linked,
        "recommendations": [
            {
                "id": r.id,
                "label": r.label,
                "provisional": r.provisional,
                "in_vocabulary": r.in_vocabulary,
                "entries": list(r.entries),
                "forces": r.forces,
                "by_stage": r.by_stage,
                "by_outcome": r.by_outcome,
                "forces_without_practice": list(r.forces_without),
            }
            for r in report.rows
        ],
    }


def recommendations_csv(report: RecommendationsReport) -> str:
    """One row per recommendation id: label, provisional, entries, forces, the count for each
    stage and outcome (`stage:ID`, `outcome:ID` columns), then `;`-separated ids of the
    forces with practice, the entries and the forces with none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    stages = list(report.rows[0].by_stage) if report.rows else []
    outcomes = list(report.rows[0].by_outcome) if report.rows else []
    writer.writerow(
        [
            "recommendation",
            "label",
            "provisional",
            "in_vocabulary",
            "entries",
            "forces",
            *(f"stage:{s}" for s in stages),
            *(f"outcome:{o}" for o in outcomes),
            "force_ids",
            "entry_ids",
            "forces_without_practice",
        ]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.id,
                _csv_text(r.label),
                "yes" if r.provisional else "no",
                "yes" if r.in_vocabulary else "no",
                len(r.entries),
                len(r.forces),
                *(r.by_stage.get(s, 0) for s in stages),
                *(r.by_outcome.get(o, 0) for o in outcomes),
                ";".join(r.forces),
                ";".join(r.entries),
                ";".join(r.forces_without),
            ]
        )
    return buffer.getvalue()


def _csv_text(text: str) -> str:
    """A label from a knowledge base's vocabulary, kept from running as a spreadsheet formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def recommendations_text(report: RecommendationsReport) -> str:
    from practicebase.sanitize import clean_line

    if not report.rows:
        return (
            f"No recommendations: the vocabulary lists none and none of the {report.total} "
            "entries links to one."
        )
    lines = textwrap.wrap(
        f"Recommendations: {report.linked} of {report.total} entries are linked to at least "
        "one; a joint entry counts for each of its forces.",
        WIDTH,
    )
    if report.any_provisional:
        lines.extend(textwrap.wrap(PROVISIONAL_NOTE, WIDTH))

    def wrapped(text: str) -> list[str]:
        lines = textwrap.wrap(
            text, WIDTH, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
        )
        return [line.replace(_KEEP, " ") for line in lines]

    for r in report.rows:
        lines.append("")
        lines.extend(
            textwrap.wrap(
                f"{r.id}  {clean_line(r.shown_label)}".rstrip(),
                WIDTH,
                subsequent_indent="    ",
                break_on_hyphens=False,
            )
        )
        n = len(r.entries)
        if not n:
            lines.append("  no practice linked yet")
        else:
            forces = ", ".join(f"{f}{_KEEP}({c})" for f, c in r.forces.items())
            lines.extend(
                wrapped(
                    f"{n} {'entry' if n == 1 else 'entries'} from {len(r.forces)} "
                    f"force{'' if len(r.forces) == 1 else 's'}: {forces}"
                )
            )
            lines.extend(wrapped("stage: " + _counts_inline(r.by_stage)))
            lines.extend(wrapped("outcome: " + _counts_inline(r.by_outcome)))
        none = r.forces_without
        lines.extend(wrapped(f"forces with none ({len(none)}): {', '.join(none) or 'none'}"))
    return "\n".join(lines)


_KEEP = "\u00a0"  # a space the wrapping keeps: "force (count)" stays on one line


def _counts_inline(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())


# compare ----------------------------------------------------------------------------------


def _compare(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from practicebase.commands.common import CommandError, out
    from practicebase.reports import compare_forces

    first, second = _force_id(kb, args.first), _force_id(kb, args.second)
    if first == second:
        raise CommandError(
            f"{args.first!r} and {args.second!r} are the same force ({first}): "
            "name two different forces"
        )
    comparison = compare_forces(_load(kb).entries, kb.vocabulary, first, second)
    if args.format == "json":
        out(json.dumps(compare_json(comparison), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        out(compare_csv(comparison).rstrip("\n"))
    else:
        out(compare_text(comparison, kb))
    return 0


def covered_by(counts: tuple[int, int], forces: tuple[str, str]) -> str:
    """Which of two forces has entries: a force id, "both" or "neither"."""
    if all(counts):
        return "both"
    if any(counts):
        return forces[0] if counts[0] else forces[1]
    return "neither"


def compare_json(c: ForceComparison) -> dict[str, object]:
    """The documented JSON structure of `report compare --format json` (ids, no titles)."""
    a, b = c.forces

    def pair(values: tuple) -> dict[str, object]:
        return {a: values[0], b: values[1]}

    return {
        "forces": [a, b],
        "entries": pair(c.totals),
        "joint_entries": list(c.joint),
        "themes_only": pair((list(c.themes_only(0)), list(c.themes_only(1)))),
        "themes_both": list(c.themes_both),
        "themes_neither": list(c.themes_neither),
        "themes": [
            {
                "theme": t.theme,
                "entries": pair(t.counts),
                "only": pair(tuple([e.id for e in side] for side in t.only)),
                "joint": list(t.joint),
            }
            for t in c.themes
        ],
        "recommendations": [
            {
                "id": r.id,
                "label": r.shown_label,
                "provisional": r.provisional,
                "entries": pair(r.counts),
            }
            for r in c.recommendations
        ],
        "recommendations_only": pair(
            (list(c.recommendations_only(0)), list(c.recommendations_only(1)))
        ),
    }


def compare_csv(c: ForceComparison) -> str:
    """One row per theme, then one per recommendation: `kind`, `id`, the two force ids, each
    one's entry count, `covered_by` (a force id, both or neither) and, for themes, the
    `;`-separated ids of the entries only the first, only the second, and both have."""
    a, b = c.forces
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["kind", "id", "force_a", "force_b", "entries_a", "entries_b", "covered_by"]
        + ["only_a", "only_b", "joint"]
    )
    for t in c.themes:
        writer.writerow(
            ["theme", t.theme, a, b, *t.counts, covered_by(t.counts, c.forces)]
            + [";".join(e.id for e in side) for side in t.only]
            + [";".join(t.joint)]
        )
    for r in c.recommendations:
        writer.writerow(
            ["recommendation", r.id, a, b, *r.counts, covered_by(r.counts, c.forces), "", "", ""]
        )
    return buffer.getvalue()


def compare_text(c: ForceComparison, kb: KnowledgeBase) -> str:
    """The comparison as 80-column text: gaps first, then counts, then the entries."""
    from practicebase.export import sensitive_banner
    from practicebase.sanitize import clean_line

    a, b = c.forces
    vocabulary = kb.vocabulary

    def listing(title: str, items: tuple[str, ...]) -> list[str]:
        return textwrap.wrap(
            f"{title} ({len(items)}): {', '.join(items) or 'none'}",
            WIDTH,
            subsequent_indent="  ",
            break_on_hyphens=False,
        )

    joint = len(c.joint)
    lines = [
        *textwrap.wrap(
            f"{clean_line(vocabulary.force_name(a))} ({a}) and "
            f"{clean_line(vocabulary.force_name(b))} ({b})",
            WIDTH,
            break_on_hyphens=False,
        ),
        f"{a}: {plural_entries(c.totals[0])}; {b}: {plural_entries(c.totals[1])}"
        + (f"; {plural_entries(joint)} of both (counted for each)" if joint else ""),
        "",
        *listing(f"Themes only {a} covers", c.themes_only(0)),
        *listing(f"Themes only {b} covers", c.themes_only(1)),
        *listing("Themes both cover", c.themes_both),
        *listing("Themes neither covers", c.themes_neither),
    ]
    width = max(len(a), len(b), 5) + 2
    label_width = max(26, *(len(t.theme) + 2 for t in c.themes))
    covered = [t for t in c.themes if any(t.counts)]
    if covered:
        lines += ["", f"{'Entries per theme':<{label_width}}{a:>{width}}{b:>{width}}"]
        for t in covered:
            counts = "".join(f"{n or '.'!s:>{width}}" for n in t.counts)
            lines.append(f"  {t.theme:<{label_width - 2}}{counts}")
    if c.recommendations:
        lines += ["", f"{'Recommendations':<{label_width}}{a:>{width}}{b:>{width}}"]
        for r in c.recommendations:
            counts = "".join(f"{n or '.'!s:>{width}}" for n in r.counts)
            lines.append(f"  {r.id:<{label_width - 2}}{counts}")
            if r.shown_label:
                lines.extend(textwrap.wrap(clean_line(r.shown_label), WIDTH, initial_indent="    "))
        lines += [
            *listing(f"Recommendations only {a} has practice for", c.recommendations_only(0)),
            *listing(f"Recommendations only {b} has practice for", c.recommendations_only(1)),
        ]
        if c.any_provisional:
            lines.extend(textwrap.wrap(PROVISIONAL_NOTE, WIDTH))
    differing = [t for t in c.themes if any(t.only)]
    lines += ["", "Entries only one of them has, by theme:" if differing else "No entries differ."]
    for t in differing:
        lines += ["", t.theme]
        for force, side in zip(c.forces, t.only, strict=True):
            lines.append(f"  {force} ({len(side)}){':' if side else ': none'}")
            for e in side:
                lines.extend(
                    textwrap.wrap(
                        f"{clean_line(e.id)}: {clean_line(e.title)}",
                        WIDTH,
                        initial_indent="    ",
                        subsequent_indent="      ",
                        break_on_hyphens=False,
                    )
                )
    banner = sensitive_banner(c.classifications)
    if banner:  # the marking first and last, as on every output holding such an entry
        lines = [banner, "", *lines, "", banner.splitlines()[0]]
    return "\n".join(lines)


def plural_entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


# new --------------------------------------------------------------------------------------


def _new(args: argparse.Namespace, kb: KnowledgeBase) -> int:
    from datetime import timedelta

    from practicebase.commands.common import CommandError, out
    from practicebase.reports import new_report

    today = args.today or date.today()
    if args.since is not None:
        since = args.since
    else:
        days = DEFAULT_NEW_DAYS if args.days is None else args.days
        try:
            since = today - timedelta(days=days)
        except OverflowError:
            raise CommandError(f"--days {days} from {today} goes before the first date") from None
    report = new_report(_load(kb).entries, since=since, today=today)
    if args.format == "json":
        out(json.dumps(new_json(report, kb), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        out(new_csv(report, kb).rstrip("\n"))
    else:
        out(new_text(report, kb))
    return 0


NEW_CSV_COLUMNS = (
    "added",
    "id",
    "title",
    "forces",
    "themes",
    "stage",
    "sms_level",
    "outcome",
    "evidence",
    "classification",
    "path",
)


def new_json(report: NewReport, kb: KnowledgeBase) -> dict[str, object]:
    """The documented JSON structure of `report new --format json`."""
    from practicebase.export import relative_path

    return {
        "since": report.since.isoformat(),
        "today": report.today.isoformat(),
        "count": len(report.entries),
        "undated_entries": report.undated,
        "entries": [
            {
                "id": e.id,
                "title": e.title,
                "added": e.added.isoformat() if e.added else None,
                "forces": list(e.forces),
                "themes": list(e.themes),
                "evidence": {"stage": e.stage, "sms_level": e.sms_level, "outcome": e.outcome},
                "classification": e.classification,
                "path": relative_path(kb, e),
            }
            for e in report.entries
        ],
    }


def new_csv(report: NewReport, kb: KnowledgeBase) -> str:
    """One row per entry, newest first, with `NEW_CSV_COLUMNS`; lists are `;`-separated ids;
    `evidence` is the three-character mark."""
    from practicebase.evidence import evidence_mark
    from practicebase.export import relative_path

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NEW_CSV_COLUMNS)
    for e in report.entries:
        writer.writerow(
            [
                e.added.isoformat() if e.added else "",
                e.id,
                _csv_text(e.title),
                ";".join(e.forces),
                ";".join(e.themes),
                e.stage,
                "" if e.sms_level is None else e.sms_level,
                e.outcome or "",
                evidence_mark(e.stage, e.sms_level, e.outcome),
                e.classification,
                relative_path(kb, e) or "",
            ]
        )
    return buffer.getvalue()


def new_text(report: NewReport, kb: KnowledgeBase) -> str:
    """Newest first, one block per entry: date, evidence mark, id and title, then forces and
    themes, in 80 columns; the marking first and last when an entry is OFFICIAL-SENSITIVE."""
    from practicebase.evidence import LEGEND, evidence_mark
    from practicebase.export import sensitive_banner
    from practicebase.sanitize import clean_line

    n = len(report.entries)
    window = (
        f"from {report.since} to today ({report.today})"
        if report.since <= report.today
        else f"from {report.since} (after today, {report.today})"
    )
    lines = textwrap.wrap(
        f"{n} {'entry' if n == 1 else 'entries'} added {window}, newest first", WIDTH
    )
    if n:
        lines.append("Evidence mark, e.g. I3+:")
        lines.extend(f"  {legend}" for legend in LEGEND)

    def wrapped(text: str, indent: str) -> list[str]:
        return textwrap.wrap(
            text,
            WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_on_hyphens=False,
        )

    for e in report.entries:
        mark = evidence_mark(e.stage, e.sms_level, e.outcome)
        added = e.added.isoformat() if e.added else "----------"
        lines.append("")
        lines.extend(
            textwrap.wrap(
                f"{added}  {mark}  {clean_line(e.id)}  {clean_line(e.title)}",
                WIDTH,
                subsequent_indent=" " * 17,
                break_on_hyphens=False,
            )
        )
        forces = ", ".join(clean_line(kb.vocabulary.force_name(f)) for f in e.forces)
        lines.extend(wrapped(f"forces: {forces}", " " * 17))
        lines.extend(wrapped(f"themes: {', '.join(e.themes)}", " " * 17))
    if report.undated:
        lines.append("")
        lines.extend(
            textwrap.wrap(
                f"{report.undated} {'entry has' if report.undated == 1 else 'entries have'} no "
                "`added` date (copied into entries/ by hand), so cannot be listed.",
                WIDTH,
            )
        )
    banner = sensitive_banner(e.classification for e in report.entries)
    if banner:  # the marking first and last, as on every output holding such an entry
        lines = [banner, "", *lines, "", banner.splitlines()[0]]
    return "\n".join(lines)
