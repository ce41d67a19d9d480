"""The use cases the command line and the app share, so both behave the same.

- `add_entries`: check files (or folders of them), warn about likely duplicates, refuse
  unedited templates, file each valid one atomically under `entries/`, and bring the index
  up to date; one `AddReport` back.
- `open_or_build_index`: a searcher on the index, building or repairing the index first
  (with progress) when it is missing, damaged or outdated; `update_or_rebuild` brings an
  open one up to date.
- `recheck_entry`: after a file was edited, check it again and index it, keeping the last
  good version searchable while the file has errors.
- `init_knowledge_base`: a new knowledge base, ready for `validate`, `add`, `index` and the app.

Nothing here prints or draws: results are plain dataclasses, and `problem_lines` /
`summary_line` say them in the words both adapters show.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from practicebase.entry import Entry, Problem
from practicebase.fsutil import create_file, fsync_dir
from practicebase.index import (
    IndexBusy,
    IndexReport,
    IndexUnavailable,
    Progress,
    index_records,
    indexed_ids,
    rebuild_index,
    update_index,
)
from practicebase.kb import KnowledgeBase

# Filing and checking entries (the store, the validator with PyYAML, duplicates) is imported
# by the functions that do it: opening the index for a search or the app needs none of it.

if TYPE_CHECKING:
    from practicebase.search import Searcher
    from practicebase.store import AddOutcome, Candidate
    from practicebase.validate import LoadedEntry

# Duplicate warnings shown per file; the rest are counted ("and 4 more").
DUPLICATE_WARNINGS_SHOWN = 3


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 entry file`, `2 entry files`: the count with the right form of the noun."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --- adding ------------------------------------------------------------------------------------


@dataclass
class AddReport:
    """What `add_entries` did with each file, and with the index."""

    outcomes: list[AddOutcome]
    dry_run: bool = False
    # What happened to the search index: "index updated: +1 ~0 -0, ...", busy, or failed;
    # None when nothing was written or there is no index.
    index_message: str | None = None
    index_ok: bool = True

    @property
    def added(self) -> int:
        return sum(o.status in ("added", "would add") for o in self.outcomes)

    @property
    def replaced(self) -> int:
        return sum(o.status in ("replaced", "would replace") for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)

    @property
    def warned(self) -> int:
        """Files filed (or that would be) with at least one warning."""
        return sum(o.ok and any(not p.is_error for p in o.problems) for o in self.outcomes)

    @property
    def written(self) -> list[AddOutcome]:
        return [o for o in self.outcomes if o.status in ("added", "replaced")]


def mark_duplicates(
    kb: KnowledgeBase, loaded: Sequence[LoadedEntry], *, strict: bool, all_entries: bool
) -> None:
    """Add a warning (an error with `strict`) to each valid entry very similar to another
    entry. `all_entries` says `loaded` is the whole knowledge base (nothing else to read)."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.duplicates import duplicate_warnings

    valid = [item for item in loaded if item.entry is not None]
    if not valid:
        return
    entries = [item.entry for item in valid]
    try:
        found = duplicate_warnings(kb, entries, existing=entries if all_entries else None)
    except Exception:  # noqa: BLE001 - a hint must never stop validation
        return
    by_path = {str(item.path): item for item in valid}
    for problem in found:
        item = by_path.get(problem.path)
        if item is None:
            continue
        if strict:
            problem = dataclasses.replace(problem, severity="error")
            item.entry = None
        item.problems.append(problem)


def _refuse_templates(loaded: Sequence[LoadedEntry]) -> None:
    """`add` never files an entry whose title, summary or contact is still the template's:
    validate's warnings about those become errors (naming the file, line and field)."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.template import REFUSED_FIELDS, is_placeholder_problem

    for item in loaded:
        for i, problem in enumerate(item.problems):
            if is_placeholder_problem(problem) and problem.field in REFUSED_FIELDS:
                item.problems[i] = dataclasses.replace(problem, severity="error")
                item.entry = None


def add_entries(
    kb: KnowledgeBase,
    sources: Sequence[Path | str],
    *,
    replace: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    update_the_index: bool = True,
) -> AddReport:
    """Check `sources` (files or folders of them) and file each valid one under `entries/`.

    Every file gets one outcome, in the order given; valid files are filed even when others
    fail. Duplicate warnings come with each outcome's problems. When anything was written
    and the knowledge base has an index, it is updated for those files only.
    """
    # (start-up: opening the index for a search needs none of this)
    from practicebase.store import (
        AddOutcome,
        Candidate,
        check_source,
        existing_ids,
        expand_sources,
        file_entry,
    )

    slots: list[AddOutcome | Candidate] = []
    for name in sources:
        path = Path(name)
        if not os.path.lexists(path):
            problem = Problem(str(path), None, "error", None, "no such file or folder")
            slots.append(AddOutcome(path, "failed", problems=[problem]))
            continue
        found = list(expand_sources([path]))
        if not found:
            problem = Problem(str(path), None, "error", None, "no entry files in this folder")
            slots.append(AddOutcome(path, "failed", problems=[problem]))
        slots.extend(check_source(kb, src, strict=strict) for src in found)

    candidates = [slot for slot in slots if isinstance(slot, Candidate)]
    loaded = [c.loaded for c in candidates]
    _refuse_templates(loaded)
    mark_duplicates(kb, loaded, strict=strict, all_entries=False)
    # Only the candidates' ids are looked up; `file_entry` adds each one it files, so
    # several files in one call are checked against each other too.
    wanted = [c.entry.id for c in candidates if c.entry is not None]
    known = existing_ids(kb, wanted, indexed=index_records(kb) if wanted else None)
    slots = [
        _dated(kb, slot, known, replace=replace) if isinstance(slot, Candidate) else slot
        for slot in slots
    ]
    outcomes = [
        slot
        if isinstance(slot, AddOutcome)
        else file_entry(kb, slot, replace=replace, dry_run=dry_run, known_ids=known)
        for slot in slots
    ]
    report = AddReport(outcomes, dry_run=dry_run)
    if report.written and update_the_index:
        report.index_message, report.index_ok = _update_index_for(kb, report.written)
    return report


def _dated(
    kb: KnowledgeBase, candidate: Candidate, known: dict[str, Path], *, replace: bool
) -> Candidate:
    """The candidate with its `added` date set when the file has none: today, or, when it
    replaces an entry (`--replace`), the date the replaced entry was added, because a new
    version of an entry is not a new entry."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.store import filed_added_date, with_added_date

    entry = candidate.entry
    if entry is None or entry.added is not None:
        return candidate
    day = date.today()
    existing = known.get(entry.id.casefold()) if replace else None
    if existing is not None:
        day = filed_added_date(existing) or day
    return with_added_date(kb, candidate, day)


def _update_index_for(kb: KnowledgeBase, written: list[AddOutcome]) -> tuple[str | None, bool]:
    """Index the filed entries when there is an index: (what to say, whether it worked)."""
    if not kb.index_dir.is_dir():
        return None, True
    paths = [o.destination for o in written if o.destination is not None]
    paths += [o.removed for o in written if o.removed is not None]
    paths += [p for o in written for p in o.also_removed]
    try:
        report = update_index(kb, only=paths)
    except IndexBusy:
        return (
            "the entries were added; the search index is busy and will catch up on the next "
            "`practicebase index`",
            False,
        )
    except Exception as exc:  # noqa: BLE001 - the entries are safely filed either way
        return (
            f"the entries were added, but the search index was not updated ({exc}); "
            "run `practicebase index`",
            False,
        )
    return f"index updated: {report.summary()}", True


def problem_lines(
    problems: Sequence[Problem],
    *,
    shown_path: Callable[[str], str] = str,
    duplicates_shown: int = DUPLICATE_WARNINGS_SHOWN,
) -> list[str]:
    """One line per problem, with at most `duplicates_shown` duplicate warnings and then
    "... and N more entries look similar"."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.duplicates import is_duplicate_warning

    lines: list[str] = []
    similar = 0
    for problem in problems:
        if is_duplicate_warning(problem) and not problem.is_error:
            similar += 1
            if similar > duplicates_shown:
                continue
        lines.append(dataclasses.replace(problem, path=shown_path(problem.path)).format())
    hidden = similar - duplicates_shown
    if hidden > 0:
        lines.append(
            f"... and {hidden} more {'entry looks' if hidden == 1 else 'entries look'} similar"
        )
    return lines


def summary_line(report: AddReport) -> str:
    """`3 added, 1 failed, 2 with warnings` (or what a dry run would do)."""
    parts = [f"{report.added} {'would be added' if report.dry_run else 'added'}"]
    if report.replaced:
        parts.append(f"{report.replaced} {'would be replaced' if report.dry_run else 'replaced'}")
    parts.append(f"{report.failed} failed")
    if report.warned:
        parts.append(f"{report.warned} with warnings")
    line = ", ".join(parts)
    return f"dry run: {line}; nothing was written" if report.dry_run else line


# --- the index ---------------------------------------------------------------------------------


@dataclass
class OpenedIndex:
    """A searcher on the live index, and the update that built it (None: it opened at once)."""

    searcher: Searcher
    built: IndexReport | None = None


def open_or_build_index(
    kb: KnowledgeBase,
    *,
    progress: Progress | None = None,
    on_build: Callable[[str], None] | None = None,
    rebuild_unusable: bool = False,
    keep_last_good: bool = False,
) -> OpenedIndex:
    """Open the index; when it is missing, damaged or outdated, build it first.

    `on_build(reason)` is called before building; `progress(done, total)` while building.
    `rebuild_unusable` rebuilds from scratch when even an update cannot open it. Raises
    `IndexBusy` or `IndexUnavailable` when there is still no usable index.
    """
    # Start-up time: the searcher loads Whoosh, which `add` and `validate` may never need.
    from practicebase.search import Searcher

    try:
        return OpenedIndex(Searcher(kb))
    except IndexUnavailable as exc:
        reason = str(exc).split(":")[0]
    if on_build is not None:
        on_build(reason)
    report = update_or_rebuild(
        kb, progress=progress, rebuild_unusable=rebuild_unusable, keep_last_good=keep_last_good
    )
    return OpenedIndex(Searcher(kb), report)


def update_or_rebuild(
    kb: KnowledgeBase,
    *,
    progress: Progress | None = None,
    rebuild_unusable: bool = True,
    keep_last_good: bool = False,
) -> IndexReport:
    """`update_index`, then (with `rebuild_unusable`) a rebuild if the index cannot be used."""
    try:
        return update_index(kb, progress=progress, keep_last_good=keep_last_good)
    except IndexUnavailable:
        if not rebuild_unusable:
            raise
        return rebuild_index(kb, progress=progress)


# --- editing -----------------------------------------------------------------------------------


@dataclass
class Recheck:
    """One entry file checked and indexed again after an edit."""

    path: Path
    entry: Entry | None  # the entry as the file now reads; None when it has errors
    problems: list[Problem] = field(default_factory=list)
    index_summary: str = ""
    # The file has errors and the index still holds its last good version.
    kept_last_good: bool = False

    @property
    def ok(self) -> bool:
        return self.entry is not None


def recheck_entry(kb: KnowledgeBase, path: Path, *, searcher: Searcher | None = None) -> Recheck:
    """Check `path` again and index it; a file that now has errors keeps its last good version
    in the index. `searcher` (when given) is refreshed to see the change."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.validate import validate_files

    [loaded] = validate_files([path], kb.vocabulary)
    result = Recheck(Path(path), loaded.entry, list(loaded.problems))
    try:
        report = update_index(kb, only=[path], keep_last_good=True)
    except Exception as exc:  # noqa: BLE001 - the file is checked either way; say why
        result.index_summary = f"not indexed: {exc}"
        return result
    result.index_summary = report.summary()
    result.kept_last_good = bool(report.kept)
    if searcher is not None:
        searcher.refresh()
    return result


def entry_file_problems(kb: KnowledgeBase, entry_id: str) -> tuple[Path | None, list[Problem]]:
    """The file the index holds `entry_id` in, and that file's problems as it is now (for an
    entry whose file became invalid: the index keeps its last good version)."""
    # (start-up: opening the index for a search needs none of this)
    from practicebase.validate import validate_files

    try:
        rel = indexed_ids(kb).get(entry_id)
    except Exception:  # noqa: BLE001 - no usable index: nothing to point at
        return None, []
    if rel is None:
        return None, []
    path = kb.root / rel
    if not path.is_file():
        return None, []
    [loaded] = validate_files([path], kb.vocabulary)
    return path, list(loaded.problems)


def editor_command(path: Path) -> list[str]:
    """The command that opens `path` in the user's editor ($VISUAL, $EDITOR, else vi)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return [*shlex.split(editor), str(path)]


# --- a new knowledge base ----------------------------------------------------------------------

INIT_VOCABULARY = """\
# Local additions to the vocabulary (docs/entry-format.md, "Vocabularies").
# Everything here is optional; a file of comments changes nothing. For example:
#
# extra_forces:
#   - {id: jersey, name: States of Jersey Police, aliases: [SOJP]}
# extra_themes:
#   - {id: prisons-radicalisation, meaning: Radicalisation in prisons}
# acronyms:
#   SOJP: States of Jersey Police
# extra_recommendations:          # the inspection's exact wording replaces a provisional label
#   - {id: CT4-2020-R4, label: "The wording of recommendation 4, pasted from the report"}
"""

INIT_GITIGNORE = """\
# The search index is a cache rebuilt from entries/ (`practicebase index`): never commit it.
/index/
# What an interrupted `practicebase add` can leave in entries/ (swept by the next add or index)
.practicebase-tmp-*
.practicebase-move-*
"""

INIT_CONTRIBUTING = """\
# Contributing a practice entry

Each entry is one file under `entries/<force>/`, describing one piece of Prevent practice:
the problem, what you did, what happened, how you know, and who to ask.

1. **Write** it from the template, with your force:
   `practicebase new --force GMP --out school-liaison.md`, then replace every example
   value (title, summary, contact, and the hint under each `##` section).
2. **Check** it: `practicebase validate school-liaison.md --strict` lists every problem as
   `file:line: error|warning: field: message`; fix them until it says 0 errors, 0 warnings.
3. **Add** it: `practicebase add school-liaison.md` files it as
   `entries/<force>/<id>.md` with an `added:` line recording the day (leave it out of your
   file), refuses an unedited template or an id already taken, and warns when it looks like
   an entry already here (update that one instead).
4. **Submit** it: commit the new file under `entries/` and open a pull request (or send the
   file to the knowledge base's editors). Never include anything above OFFICIAL-SENSITIVE.

`practicebase` with no command opens the app to search what other forces have done.
"""

INIT_ENTRIES_README = """\
# Entries

One practice entry per file, filed by `practicebase add` as `<force>/<id>.md` (or `.yaml`).
See ../CONTRIBUTING.md. This README is not an entry.
"""


@dataclass
class InitReport:
    """What `init_knowledge_base` made, and what was there already."""

    root: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


class NotEmpty(Exception):
    """The folder has other files in it and is not a knowledge base."""


def init_knowledge_base(root: Path) -> InitReport:
    """Make a knowledge base at `root`: `entries/`, a commented `vocabulary.yaml`, a
    `.gitignore` keeping `index/` out, and a CONTRIBUTING note. A folder that already is a
    knowledge base gets only what it lacks (nothing is written over); any other non-empty
    folder is refused with `NotEmpty`."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise NotEmpty(f"{root} is not a folder")
    is_kb = (root / "entries").is_dir()
    if root.is_dir() and not is_kb:
        others = sorted(p.name for p in root.iterdir())
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise NotEmpty(
                f"{root} is not empty ({shown}) and is not a knowledge base (no entries/); "
                "choose a new or empty folder"
            )
    report = InitReport(root)
    root.mkdir(parents=True, exist_ok=True)
    if is_kb:
        report.kept.append("entries/")
    else:
        (root / "entries").mkdir()
        fsync_dir(root)
        report.created.append("entries/")
    files = {
        "vocabulary.yaml": INIT_VOCABULARY,
        ".gitignore": INIT_GITIGNORE,
        "CONTRIBUTING.md": INIT_CONTRIBUTING,
        "entries/README.md": INIT_ENTRIES_README,
    }
    for name, text in files.items():
        try:
            create_file(root / name, text.encode("utf-8"))
        except FileExistsError:
            report.kept.append(name)
        else:
            report.created.append(name)
    return report
