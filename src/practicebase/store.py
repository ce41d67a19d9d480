"""The `entries/` folder: listing entry files, loading them, and filing new ones atomically.

An entry is filed at `entries/<first-force-id>/<id>.<md|yaml>`, a path built only from the
validated id and force id. The bytes written are exactly the bytes that were validated (with
an `added:` line inserted when the file has none, checked again: `with_added_date`): they
go to a temporary file in the destination folder (named so it is never read as an entry),
are fsynced, then linked into place without overwriting anything (or `os.replace`d when
replacing), so there is never a half-written or silently overwritten entry.

One entry, one file: filing happens under a lock on `entries/`, and the files holding the id
are looked up again under it, so concurrent adds and replaces of one id end with one file.
A replace that moves an entry to another folder first writes a small journal
(`entries/.practicebase-move-<pid>-<random>.json`: the id, the new file and its hash, the old
files), so a replace killed between filing the new file and removing the old one is finished
by the next `add` or `index` (`tidy_entries`): the old files go when the new one is complete,
and the journal alone goes when it is not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from practicebase.entry import Entry, EntryError, Problem
from practicebase.fsutil import atomic_write, create_file, fsync_dir, read_regular_file
from practicebase.kb import KnowledgeBase
from practicebase.lazyre import lazy_pattern
from practicebase.parse import (
    ENTRY_SUFFIXES,
    decode_text,
    form_for,
    parse_raw_text,
    read_entry_bytes,
    read_raw_entry,
)
from practicebase.validate import (
    SLUG,
    LoadedEntry,
    load_entry_bytes,
    validate_files,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".practicebase-tmp-"
TEMP_SUFFIX = ".part"
_TEMP_NAME = lazy_pattern(re.escape(TEMP_PREFIX) + r"(\d+)-")
MOVE_PREFIX = ".practicebase-move-"
MOVE_SUFFIX = ".json"
_MOVE_LIMIT = 64 << 10  # bytes of a move journal read at most
# What a journal may name: `<force-id>/<id>.<suffix>` below entries/, nothing else.
_FILED_PATH = lazy_pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*\.(?:md|yaml|yml)")

AddStatus = Literal["added", "replaced", "would add", "would replace", "failed"]


class StoreError(Exception):
    """An entry could not be filed; the message says why."""


@dataclass
class Candidate:
    """A source file read once and checked: `data` is exactly what gets written."""

    source: Path
    data: bytes | None
    loaded: LoadedEntry

    @property
    def entry(self) -> Entry | None:
        return self.loaded.entry


@dataclass
class AddOutcome:
    """What happened to one file given to `add`."""

    source: Path
    status: AddStatus
    destination: Path | None = None
    entry: Entry | None = None
    problems: list[Problem] = field(default_factory=list)
    removed: Path | None = None  # an older file of the same id, removed by --replace
    also_removed: list[Path] = field(default_factory=list)  # more of them (a crash's duplicates)

    @property
    def ok(self) -> bool:
        return self.status != "failed"


# --- listing and loading --------------------------------------------------------------------


def is_entry_name(name: str) -> bool:
    """True for names of entry files: .md/.yaml/.yml, not hidden, not a README, not a temp."""
    if name.startswith(".") or name.casefold() == "readme.md":
        return False
    return os.path.splitext(name)[1].lower() in ENTRY_SUFFIXES


def find_entry_files(folder: Path) -> list[Path]:
    """Entry files under `folder`, sorted; symlinked and hidden folders are not entered."""
    return [Path(path) for _parts, path in _walk_entry_files(folder)]


def _walk_entry_files(folder: Path | str) -> list[tuple[tuple[str, ...], str]]:
    """(parts below `folder`, path) of each entry file under `folder`, sorted as Paths sort."""
    return [(parts, path) for parts, path, _entry in _scan_entry_files(folder)]


def _scan_entry_files(
    folder: Path | str, *, ordered: bool = True
) -> list[tuple[tuple[str, ...], str, os.DirEntry]]:
    """(parts below `folder`, path, directory entry) of each entry file under `folder`,
    sorted as Paths sort unless not `ordered`; hidden and symlinked folders are not entered,
    unreadable ones are skipped.

    Strings, not Paths, and the directory entries kept so callers can lstat through them:
    at 10,000 files this is half the time of `os.walk` and a separate `os.lstat`.
    """
    found: list[tuple[tuple[str, ...], str, os.DirEntry]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(os.fspath(folder), ())]
    while pending:
        current, parts = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith(".") and not entry.is_symlink():
                    pending.append((entry.path, (*parts, entry.name)))
            elif is_entry_name(entry.name):
                found.append(((*parts, entry.name), entry.path, entry))
    if ordered:
        found.sort(key=lambda item: item[0])
    return found


def entry_files(kb: KnowledgeBase) -> list[Path]:
    """All entry files under `entries/`, sorted, excluding READMEs, hidden and temp files."""
    if not kb.entries_dir.is_dir():
        return []
    return find_entry_files(kb.entries_dir)


def load_all(kb: KnowledgeBase, *, strict: bool = False) -> list[LoadedEntry]:
    """Every entry file, loaded and checked, with duplicate ids marked."""
    return validate_files(entry_files(kb), kb.vocabulary, strict=strict)


def existing_ids(
    kb: KnowledgeBase, wanted: Iterable[str] | None = None, *, indexed: dict | None = None
) -> dict[str, Path]:
    """Case-folded id -> file, for every entry file (its `id:` field, else its file name);
    only for the ids in `wanted` (compared case-folded) when given.

    `indexed` is the search index's record of each file (`index.index_records`), when the
    caller has one: ids come from it for files it holds unchanged (same mtime and size, as
    `update_index` decides); only the other files (new, edited behind its back, invalid, or
    all of them without records) are read, without the full rules, so an entry with an
    unrelated error still holds its id against a newcomer.
    """
    if not kb.entries_dir.is_dir():
        return {}
    files = _scan_entry_files(kb.entries_dir, ordered=False)
    prefix = os.path.relpath(kb.entries_dir, kb.root).replace(os.sep, "/")
    keys = None if wanted is None else {key.casefold() for key in wanted}
    # Case-folded id -> (parts, path) of its first file in `entry_files` order.
    ids: dict[str, tuple[tuple[str, ...], str]] = {}
    for parts, path, entry in files:
        known = None
        if indexed is not None:
            record = indexed.get(f"{prefix}/{'/'.join(parts)}")
            if record is not None:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    pass
                else:
                    if record.mtime == st.st_mtime_ns and record.size == st.st_size:
                        known = record.id
        entry_id = known if known is not None else stored_id(Path(path))
        key = entry_id.casefold()
        if keys is not None and key not in keys:
            continue
        first = ids.get(key)
        if first is None or parts < first[0]:
            ids[key] = (parts, path)
    # Paths only for the ids returned: building 10,000 Path objects took a tenth of a second.
    return {key: Path(path) for key, (_parts, path) in ids.items()}


_ID_LINE = lazy_pattern(
    r"^id:[ \t]*(?P<quote>['\"]?)(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)(?P=quote)[ \t]*(?:#.*)?$"
)
# Lines that could set `id` some other way, or make the YAML more than a plain block mapping.
_ID_CANDIDATE = lazy_pattern(r"^(?:[\"']?id[\"']?[ \t]*:|[?{\[%&*!]|---|\.\.\.)", re.MULTILINE)


def stored_id(path: Path) -> str:
    """The id a file holds (its `id:` field, else its file name), read as cheaply as is safe.

    A plain `id: value` line at the top level is read directly; anything less simple is
    parsed in full. A file that cannot be read holds the id of its name.
    """
    try:
        text = decode_text(read_entry_bytes(path), str(path))
    except EntryError:
        return path.stem
    form = form_for(path) or "md"
    fields_text = text
    if form == "md":
        lines = text.split("\n", 200)
        closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
        if lines[0].rstrip() != "---" or closing is None:
            return path.stem
        fields_text = "\n".join(lines[1:closing])
    candidates = [m.start() for m in _ID_CANDIDATE.finditer(fields_text)]
    if not candidates:
        return path.stem
    if len(candidates) == 1:
        line = fields_text[candidates[0] :].split("\n", 1)[0]
        match = _ID_LINE.match(line)
        if match:
            return match.group("id")
    try:
        raw = parse_raw_text(text, form=form, source=str(path))
    except EntryError:
        return path.stem
    value = raw.fields.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else path.stem


# --- adding ---------------------------------------------------------------------------------


def check_source(kb: KnowledgeBase, src: Path, *, strict: bool = False) -> Candidate:
    """Read `src` once (safely) and check it; never raises for bad input."""
    src = Path(src)
    try:
        data = read_entry_bytes(src)
    except EntryError as exc:
        return Candidate(src, None, LoadedEntry(src, None, list(exc.problems)))
    if form_for(src) is None:
        message = "not an entry file name: it must end in .md, .yaml or .yml"
        problem = Problem(str(src), None, "error", None, message)
        return Candidate(src, None, LoadedEntry(src, None, [problem]))
    loaded = load_entry_bytes(data, path=src, vocabulary=kb.vocabulary, strict=strict)
    return Candidate(src, data, loaded)


_UTF8_BOM = b"\xef\xbb\xbf"
_FENCE_LINE = lazy_pattern(rb"---[ \t]*\r?")
_BODY_KEY_LINE = lazy_pattern(rb"^body[ \t]*:", re.MULTILINE)


def with_added_date(kb: KnowledgeBase, candidate: Candidate, day: date) -> Candidate:
    """The candidate with an `added: DAY` line inserted in its bytes when its entry has no
    `added` date, so the filed copy records when it joined the knowledge base.

    Nothing else in the file changes: in Markdown the line goes just before the closing
    `---` of the front matter, in YAML just before a top-level `body:` (else at the end),
    with the file's own line endings. The new bytes are checked again and must read as the
    same entry plus the date; if they do not (an unusual layout, an empty `added:` line),
    the candidate fails with a message asking for the line to be written by hand.
    """
    entry = candidate.entry
    if entry is None or candidate.data is None or entry.added is not None:
        return candidate
    data = _insert_added_line(candidate.data, entry.form, day)
    if data is not None:
        again = load_entry_bytes(data, path=candidate.source, vocabulary=kb.vocabulary)
        wanted = dataclasses.replace(entry, added=day)
        if again.entry is not None and again.entry == wanted:
            loaded = LoadedEntry(candidate.loaded.path, again.entry, candidate.loaded.problems)
            return Candidate(candidate.source, data, loaded)
    problem = Problem(
        str(candidate.source),
        None,
        "error",
        "added",
        f"could not add the line `added: {day.isoformat()}` to this file's fields; "
        "write it in yourself (or remove an empty `added:` line) and add the file again",
    )
    loaded = LoadedEntry(candidate.loaded.path, None, [*candidate.loaded.problems, problem])
    return Candidate(candidate.source, candidate.data, loaded)


def _insert_added_line(data: bytes, form: str, day: date) -> bytes | None:
    """`data` with an `added:` line inserted, or None when there is no safe place for it."""
    first_end = data.find(b"\n")
    newline = b"\r\n" if first_end > 0 and data[first_end - 1 : first_end] == b"\r" else b"\n"
    line = b"added: " + day.isoformat().encode("ascii") + newline
    if form == "md":
        start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
        if first_end < 0 or not _FENCE_LINE.fullmatch(data[start:first_end]):
            return None
        offset = first_end + 1
        while offset < len(data):
            end = data.find(b"\n", offset)
            end = len(data) if end < 0 else end
            if _FENCE_LINE.fullmatch(data[offset:end]):
                return data[:offset] + line + data[offset:]
            offset = end + 1
        return None
    body = _BODY_KEY_LINE.search(data)
    if body is not None:
        return data[: body.start()] + line + data[body.start() :]
    if data and not data.endswith(b"\n"):
        return data + newline + line
    return data + line


def filed_added_date(path: Path) -> date | None:
    """The `added` date a filed entry holds, or None (no date, unreadable, not a date)."""
    try:
        value = read_raw_entry(path).fields.get("added")
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return date.fromisoformat(value.strip())
        return None
    except (EntryError, ValueError, OSError):
        return None


def destination(kb: KnowledgeBase, entry: Entry) -> Path:
    """`entries/<first-force-id>/<id>.<md|yaml>`, checked to stay inside `entries/`."""
    force_id = entry.forces[0] if entry.forces else ""
    for label, value in (("id", entry.id), ("force id", force_id)):
        if not SLUG.fullmatch(value):
            raise StoreError(f"{label} `{value}` cannot be used in a file name")
    suffix = ".md" if entry.form == "md" else ".yaml"
    entries_dir = kb.entries_dir.resolve()
    target = entries_dir / force_id / f"{entry.id}{suffix}"
    if target.parent.parent != entries_dir:
        raise StoreError(f"refusing to write outside {kb.entries_dir}")
    return target


def add_file(
    kb: KnowledgeBase,
    src: Path,
    *,
    replace: bool = False,
    dry_run: bool = False,
    strict: bool = False,
) -> AddOutcome:
    """Check `src` and file it under `entries/`; see the module docstring for how."""
    return file_entry(kb, check_source(kb, src, strict=strict), replace=replace, dry_run=dry_run)


def file_entry(
    kb: KnowledgeBase,
    candidate: Candidate,
    *,
    replace: bool = False,
    dry_run: bool = False,
    known_ids: dict[str, Path] | None = None,
) -> AddOutcome:
    """File a checked candidate. `known_ids` (from `existing_ids`) is updated when given, so
    several files added in one call are checked against each other too."""
    src = candidate.source
    problems = list(candidate.loaded.problems)
    entry = candidate.entry
    if entry is None or candidate.data is None or any(p.is_error for p in problems):
        return AddOutcome(src, "failed", problems=problems)

    def failed(message: str, field: str | None = "id") -> AddOutcome:
        problems.append(Problem(str(src), None, "error", field, message))
        return AddOutcome(src, "failed", entry=entry, problems=problems)

    try:
        dest = destination(kb, entry)
    except StoreError as exc:
        return failed(str(exc))
    if known_ids is None:
        known_ids = existing_ids(kb)
    key = entry.id.casefold()
    existing = known_ids.get(key)
    if existing is not None and not replace:
        return failed(
            f"an entry with id `{entry.id}` already exists in {_shown(kb, existing)}; "
            "use --replace to replace it"
        )
    if dry_run:
        if os.path.lexists(dest) and (existing is None or not _same(existing, dest)):
            return failed(f"{_shown(kb, dest)} already exists and holds a different entry")
        old = existing if existing is not None and not _same(existing, dest) else None
        known_ids[key] = dest
        status: AddStatus = "would replace" if existing is not None else "would add"
        return AddOutcome(src, status, dest, entry, problems, removed=old)
    olds: list[Path] = []
    try:
        with _entries_lock(kb):
            _tidy_locked(kb)
            # Looked up again under the lock: another add may have filed, replaced or moved
            # this id since `known_ids` was read.
            named = _named_anywhere(kb, entry.id)
            holders = _holders(kb, entry.id, [*named, *([existing] if existing else [])])
            if not replace:
                clash = holders[0] if holders else (named[0] if named else None)
                if clash is not None:
                    return failed(
                        f"an entry with id `{entry.id}` was just added as {_shown(kb, clash)}"
                    )
            if os.path.lexists(dest) and not any(_same(h, dest) for h in holders):
                return failed(f"{_shown(kb, dest)} already exists and holds a different entry")
            olds = [h for h in holders if not _same(h, dest)]
            journal = _begin_move(kb, entry.id, dest, olds, candidate.data) if olds else None
            _write_atomically(kb, dest, candidate.data, replace=replace)
            try:
                _remove_old_files(olds)
            except OSError as exc:
                return failed(
                    f"filed as {_shown(kb, dest)}, but the old file could not be removed "
                    f"({_reason(exc)}); `practicebase index` finishes the move once it can",
                    None,
                )
            if journal is not None:
                _end_move(journal)
    except FileExistsError:
        return failed(f"{_shown(kb, dest)} already exists (added by another process meanwhile)")
    except (OSError, StoreError) as exc:
        return failed(f"could not write {_shown(kb, dest)}: {_reason(exc)}", None)
    known_ids[key] = dest
    status = "replaced" if holders else "added"
    return AddOutcome(
        src,
        status,
        dest,
        entry,
        problems,
        removed=olds[0] if olds else None,
        also_removed=olds[1:],
    )


def _holders(kb: KnowledgeBase, entry_id: str, candidates: list[Path]) -> list[Path]:
    """The `candidates` (the files named `<id>.*` in any force folder, and the file found
    holding it before the lock was taken) that hold `entry_id` now (their `id:` field,
    compared case-insensitively), in path order. Normally one; two after a crash or a hand
    copy."""
    key = entry_id.casefold()
    entries_dir = kb.entries_dir.resolve()
    found: dict[Path, Path] = {}
    for path in candidates:
        try:
            resolved = path.parent.resolve() / path.name
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        if not resolved.is_relative_to(entries_dir) or resolved in found:
            continue
        if stored_id(path).casefold() == key:
            found[resolved] = path
    return [found[k] for k in sorted(found, key=lambda p: p.relative_to(entries_dir).parts)]


def _remove_old_files(olds: Iterable[Path]) -> None:
    for old in olds:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
            fsync_dir(old.parent)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _begin_move(
    kb: KnowledgeBase, entry_id: str, dest: Path, olds: list[Path], data: bytes
) -> Path:
    """Write the journal of a replace that removes `olds` once `dest` holds `data`."""
    entries_dir = kb.entries_dir.resolve()

    def rel(path: Path) -> str:
        return (path.parent.resolve() / path.name).relative_to(entries_dir).as_posix()

    record = {
        "id": entry_id,
        "new": rel(dest),
        "hash": _digest(data),
        "old": [rel(o) for o in olds],
    }
    journal = kb.entries_dir / f"{MOVE_PREFIX}{os.getpid()}-{os.urandom(6).hex()}{MOVE_SUFFIX}"
    create_file(journal, json.dumps(record).encode("utf-8"))
    return journal


def _end_move(journal: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        journal.unlink()


def tidy_entries(kb: KnowledgeBase, *, wait: float = 1.0) -> list[str]:
    """Finish or drop the replaces that killed `add`s left half done, and remove their
    temporary files; what was done, one line each. Skipped (returns []) when another
    process holds the entries lock for `wait` seconds: that process tidies up itself."""
    if not kb.entries_dir.is_dir():
        return []
    try:
        with _entries_lock(kb, wait=wait):
            return _tidy_locked(kb)
    except (TimeoutError, OSError):
        return []


def _tidy_locked(kb: KnowledgeBase) -> list[str]:
    """`tidy_entries` for a caller that holds the entries lock."""
    done = _recover_moves(kb)
    swept = sweep_temp_files(kb)
    if swept:
        done.append(f"removed {swept} temporary file(s) of an interrupted add")
    return done


def _recover_moves(kb: KnowledgeBase) -> list[str]:
    """Under the entries lock every journal is one a killed `add --replace` left."""
    done: list[str] = []
    try:
        names = os.listdir(kb.entries_dir)
    except OSError:
        return done
    for name in sorted(names):
        if name.startswith(MOVE_PREFIX) and name.endswith(MOVE_SUFFIX):
            journal = kb.entries_dir / name
            message = _recover_move(kb, journal)
            if message:
                done.append(message)
            with contextlib.suppress(OSError):
                _end_move(journal)
    return done


def _recover_move(kb: KnowledgeBase, journal: Path) -> str | None:
    """Finish one journalled replace when its new file is complete; else leave the old files."""
    try:
        record = json.loads(read_regular_file(journal, _MOVE_LIMIT).decode("utf-8"))
        entry_id, new, digest, olds = (record[k] for k in ("id", "new", "hash", "old"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError, TypeError, KeyError):
        return None
    names = [new, *olds] if isinstance(olds, list) else []
    if not (
        isinstance(entry_id, str)
        and SLUG.fullmatch(entry_id)
        and isinstance(digest, str)
        and names
        and all(isinstance(n, str) and _FILED_PATH.fullmatch(n) for n in names)
    ):
        return None
    new_path = kb.entries_dir / new
    try:
        complete = _digest(read_regular_file(new_path, _MOVE_LIMIT * 64)) == digest
    except OSError:
        complete = False
    if not complete:
        return None  # killed before the new file was in place: the old one stays
    removed = []
    for old in olds:
        old_path = kb.entries_dir / old
        if old == new or not os.path.lexists(old_path) or not old_path.is_file():
            continue
        if old_path.is_symlink() or stored_id(old_path).casefold() != entry_id.casefold():
            continue
        with contextlib.suppress(FileNotFoundError):
            old_path.unlink()
            fsync_dir(old_path.parent)
            removed.append(old)
    if not removed:
        return None
    return (
        f"finished an interrupted `add --replace` of `{entry_id}`: kept entries/{new}, "
        f"removed {', '.join('entries/' + r for r in removed)}"
    )


def sweep_temp_files(kb: KnowledgeBase) -> int:
    """Remove temp files left in `entries/` by killed `add` processes; returns how many."""
    removed = 0
    if not kb.entries_dir.is_dir():
        return 0
    for current, dirs, _files in os.walk(kb.entries_dir, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        removed += _sweep_temp_files(Path(current))
    return removed


def _sweep_temp_files(folder: Path) -> int:
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        match = _TEMP_NAME.match(name)
        if match and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed += 1
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _write_atomically(kb: KnowledgeBase, dest: Path, data: bytes, *, replace: bool) -> None:
    """Temp file beside `dest`, fsync, then a no-clobber link (or os.replace); temp removed."""
    folder = dest.parent
    created = _ensure_folder(kb, folder)
    tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}{TEMP_SUFFIX}"
    try:
        atomic_write(dest, data, temp=tmp, replace=replace)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise


def _ensure_folder(kb: KnowledgeBase, folder: Path) -> bool:
    """Make `entries/<force>/` if needed (True when made); refuse symlinked or odd folders."""
    entries_dir = kb.entries_dir
    if not entries_dir.is_dir():
        raise StoreError(f"{entries_dir} is not a folder")
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        try:
            os.mkdir(folder, 0o755)
        except FileExistsError:
            info = os.lstat(folder)
        else:
            fsync_dir(folder.parent)
            return True
    if stat.S_ISLNK(info.st_mode):
        raise StoreError(f"{folder} is a symbolic link; refusing to write through it")
    if not stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{folder} is not a folder")
    if not folder.resolve().is_relative_to(entries_dir.resolve()):
        raise StoreError(f"{folder} is outside {entries_dir}")
    return False


@contextlib.contextmanager
def _entries_lock(kb: KnowledgeBase, *, wait: float | None = None) -> Iterator[None]:
    """Serialise adds to one knowledge base (an flock on the entries/ folder itself); waits
    as long as it takes, or at most `wait` seconds (then `TimeoutError`)."""
    if fcntl is None:
        yield
        return
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(kb.entries_dir, flags)
    try:
        if wait is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError("entries/ is locked by another add") from None
                    time.sleep(0.02)
        yield
    finally:
        os.close(fd)


def _named_anywhere(kb: KnowledgeBase, entry_id: str) -> list[Path]:
    """The entry files named `<id>.*` in any force folder (case-insensitively)."""
    wanted = {f"{entry_id}{suffix}".casefold() for suffix in ENTRY_SUFFIXES}
    try:
        folders = sorted(p for p in kb.entries_dir.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return []
    found = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [folder / name for name in sorted(names) if name.casefold() in wanted]
    return found


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _shown(kb: KnowledgeBase, path: Path) -> str:
    """A path relative to the knowledge base root when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(kb.root.resolve()))
    except (ValueError, OSError):
        return str(path)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "no space left on the disk"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
        return exc.strerror or str(exc)
    return str(exc)


def expand_sources(paths: Sequence[Path]) -> Iterable[Path]:
    """Files as given, folders as the entry files inside them (recursively, sorted)."""
    for path in paths:
        path = Path(path)
        if path.is_dir() and not path.is_symlink():
            yield from find_entry_files(path)
        else:
            yield path
