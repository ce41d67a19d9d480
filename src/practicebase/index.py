"""The Whoosh index of `entries/`: schema, incremental update, crash-safe rebuild, checks.

Layout of `index/` (a disposable cache of the entry files):

    index/CURRENT        {"schema": N, "generation": "gen-...", "vocabulary": "<hash>"}
    index/gen-.../       one complete Whoosh index
    index/write.lock     held by whoever is writing (update or rebuild)
    index/vocabulary.json  the parsed vocabulary (`vocabulary.load_vocabulary`'s cache)

A rebuild writes a new generation directory beside the live one and then replaces `CURRENT`
atomically (`os.replace`), so a rebuild killed at any moment leaves the previous index
searchable; old generations are removed afterwards. Incremental updates commit once to the
current generation. Anything wrong with the index (missing, damaged, built by another schema or
vocabulary) ends in `IndexUnavailable` with a clear message, or an automatic rebuild by
`update_index`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import pickle
import stat
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from practicebase.analysis import WORD_PATTERN, WordList, index_analyzer, markdown_to_text
from practicebase.entry import Entry, Problem
from practicebase.evidence import evidence_rank
from practicebase.fsutil import (
    WRITE_FAILURES,
    LockHolder,
    UnsafeFile,
    WriteLock,
    children_die_with_me,
    fsync_tree,
    pid_alive,
    read_regular_file,
    replace_file,
)
from practicebase.lazyre import lazy_pattern
from practicebase.textnorm import title_key

# The store and the validator (PyYAML, the Markdown checks) are imported by the functions that
# read entry files: opening the index for a search needs neither.

if TYPE_CHECKING:
    from practicebase.kb import KnowledgeBase
    from practicebase.vocabulary import Vocabulary

# 6: no character offsets in summary and body; 7: the `added` date and the evidence column
SCHEMA_VERSION = 7
POINTER = "CURRENT"
WORDS_FILE = "words.json"
LOCK_NAME = "write.lock"
GENERATION_PREFIX = "gen-"
LOCK_TIMEOUT = 1.0
# What `_rebuild_locked` names a generation: "gen-<time in ns, hex>-<pid>". `CURRENT` naming
# anything else (a path, a 360-byte name) is damage, never opened.
GENERATION_NAME = lazy_pattern(r"gen-[0-9a-f]{1,32}-[0-9]{1,10}")
POINTER_LIMIT = 4096  # bytes: `CURRENT` is about 100
WORDS_LIMIT = 256 << 20  # bytes of words.json read at most
# Each writer worker of a multi-process rebuild spills its postings to sorted runs once its
# pool reaches about this many MB (Whoosh's estimate; Python holds about 1.25 times it).
# Whoosh's 128 made a 50,000-entry rebuild's process tree 470 MB (PSS) against a 500 MB
# target; 64 gave 242 MB instead of 410 at 10,000 entries for under 5 % more CPU.
REBUILD_POOL_MB = 96

Progress = Callable[[int, int], None]


class IndexUnavailable(Exception):
    """The index cannot be opened; the message says why and what to run."""


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


class IndexReadError(Exception):
    """Whoosh failed while reading the index's files (unpickling, decompressing, decoding):
    damage. `storage_reads` turns such failures into this; `_damage_errors` includes it."""


def _damage_errors() -> tuple[type[BaseException], ...]:
    """The exception types that mean the index's files are damaged or vanished: Whoosh's
    index errors, what reading a truncated or corrupted file raises (struct, pickle, zlib,
    end of file), and OSError. Not TypeError, KeyError, AttributeError and the like: those
    are bugs, and calling them damage would hide them behind "run index --rebuild"."""
    from whoosh.index import EmptyIndexError, IndexVersionError
    from whoosh.index import IndexError as WhooshIndexError

    return (
        EmptyIndexError,
        IndexVersionError,
        WhooshIndexError,
        struct.error,
        pickle.UnpicklingError,
        zlib.error,
        EOFError,
        OSError,  # FileNotFoundError, truncated files, permissions
        IndexReadError,
    )


def _reading_code() -> tuple[str, ...]:
    """Folders and files of the code that reads the index's files: Whoosh, and our adapters of
    Whoosh's file reading."""
    import whoosh

    here = os.path.dirname(os.path.abspath(__file__))
    return (
        os.path.dirname(os.path.abspath(whoosh.__file__)) + os.sep,
        os.path.join(here, "whoosh_internals.py"),
        os.path.join(here, "whoosh_files.py"),
    )


def _raised_while_reading(exc: BaseException) -> bool:
    """True when the innermost frame of `exc` that belongs to Whoosh or to practicebase is
    Whoosh's (or our Whoosh file adapters'): a failure while Whoosh read the files, e.g. a
    `ModuleNotFoundError` or `AttributeError` from unpickling a corrupted table of contents.
    A failure in our own code (a bug) is not one, even when Whoosh called it."""
    reading = _reading_code()
    ours = os.path.dirname(os.path.abspath(__file__)) + os.sep
    verdict = False
    tb = exc.__traceback__
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if filename.startswith(reading[0]) or filename in reading[1:]:
            verdict = True
        elif filename.startswith(ours):
            verdict = False
        tb = tb.tb_next
    return verdict


@contextlib.contextmanager
def storage_reads() -> Iterator[None]:
    """Around code that reads the index through Whoosh: any error Whoosh raises while reading
    (a corrupted pickle can raise almost anything) becomes `IndexReadError`, i.e. damage;
    errors of our own code pass through unchanged, as the bugs they are."""
    try:
        yield
    except _damage_errors():
        raise
    except (IndexUnavailable, IndexBusy):
        raise
    except Exception as exc:
        if not _raised_while_reading(exc):
            raise
        raise IndexReadError(f"{type(exc).__name__} while reading the index: {exc}") from exc


@dataclass
class IndexReport:
    """What an index update did (or, for a check, would do)."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    total: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    rebuilt: bool = False
    # Why a rebuild happened, or what a check found (e.g. "no index yet").
    note: str = ""
    # Things worth saying that are not problems (e.g. a stale lock was broken).
    notices: list[str] = field(default_factory=list)
    # Files (relative to the root) now invalid whose last good version stays indexed.
    kept: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed or self.note)

    def summary(self) -> str:
        """One line like `+3 ~1 -0, 412 entries, 0.4 s`."""
        return (
            f"+{self.added} ~{self.changed} -{self.removed}, "
            f"{self.total} entr{'y' if self.total == 1 else 'ies'}, {self.seconds:.1f} s"
        )


# --- schema and documents ------------------------------------------------------------------

KEYWORD_FIELDS = (
    "force",
    "theme",
    "stage",
    "outcome",
    "status",
    "audience",
    "partner",
    "ideology",
    "classification",
    "tag",
    "recommendation",
)
TEXT_FIELDS = ("title", "summary", "body", "meta")
DATE_FIELDS = ("last_reviewed", "review_due", "started", "added")


def build_schema(vocabulary: Vocabulary):
    """The Whoosh schema. Text fields keep positions (phrases) but no character offsets:
    snippets are found at display time in the stored text of the hits shown."""
    from whoosh import columns, fields

    text = index_analyzer(vocabulary)
    spec: dict[str, Any] = {
        "id": fields.ID(stored=True, unique=True, sortable=True),
        "title": fields.TEXT(analyzer=text, stored=True),
        "summary": fields.TEXT(analyzer=text, stored=True),
        "body": fields.TEXT(analyzer=text, stored=True),
        "meta": fields.TEXT(analyzer=text),
        "data": fields.STORED(),
        "title_sort": fields.COLUMN(columns.VarBytesColumn()),
        "title_text": fields.COLUMN(columns.VarBytesColumn()),
        # What `indexed_files` needs of an entry, in one column: one read, not six.
        "record": fields.COLUMN(columns.VarBytesColumn()),
        # `evidence.evidence_rank` of the entry: the "evidence" sort reads one column.
        "evidence": fields.COLUMN(columns.VarBytesColumn()),
    }
    for name in KEYWORD_FIELDS:
        spec[name] = fields.KEYWORD(commas=True, lowercase=True)
    for name in DATE_FIELDS:
        spec[name] = fields.DATETIME(sortable=True)
    return fields.Schema(**spec)


def vocabulary_fingerprint(vocabulary: Vocabulary) -> str:
    """A hash of everything in the vocabulary that changes how entries are indexed."""
    data = {
        "forces": [(f.id, f.name, list(f.aliases)) for f in vocabulary.forces],
        "themes": [(t.id, t.meaning) for t in vocabulary.themes],
        "spelling": sorted(vocabulary.spelling_variants.items()),
        "acronyms": sorted(vocabulary.acronyms.items()),
        "synonyms": [list(group) for group in vocabulary.synonyms],
    }
    blob = json.dumps(data, sort_keys=True).encode("utf-8")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def _midnight(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day)


def entry_document(
    entry: Entry, vocabulary: Vocabulary, rel_path: str, mtime_ns: int, size: int, digest: str
) -> dict[str, Any]:
    """The Whoosh document for one entry."""

    body = markdown_to_text(entry.body)
    force_names: list[str] = []
    for fid in entry.forces:
        force = vocabulary.force_by_id(fid)
        force_names.extend([fid, *((force.name, *force.aliases) if force else ())])
    theme_words = [t.replace("-", " ") for t in entry.themes]
    meta = " \n".join(
        [
            " ; ".join(force_names),
            " ; ".join(theme_words),
            " ; ".join(entry.tags),
            " ; ".join(p.replace("-", " ") for p in entry.partners),
            " ; ".join(a.replace("-", " ") for a in entry.audience),
            " ; ".join(entry.recommendations),
        ]
    )
    doc: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "summary": entry.summary,
        "body": body,
        "meta": meta,
        "title_sort": entry.title.casefold().encode("utf-8"),
        "title_text": entry.title.encode("utf-8"),
        "record": encode_record(
            rel_path,
            IndexedFile(
                entry.id, mtime_ns, size, digest, entry.title, title_key(entry.title, vocabulary)
            ),
        ),
        "force": ",".join(entry.forces),
        "theme": ",".join(entry.themes),
        "stage": entry.stage,
        "status": entry.status,
        "audience": ",".join(entry.audience),
        "partner": ",".join(entry.partners),
        "ideology": ",".join(entry.ideology),
        "classification": entry.classification,
        "tag": ",".join(t.replace(",", " ") for t in entry.tags),
        "recommendation": ",".join(entry.recommendations),
        "evidence": evidence_rank(entry.stage, entry.sms_level, entry.outcome),
        "last_reviewed": _midnight(entry.last_reviewed),
        "review_due": _midnight(entry.review_due),
        "data": {
            "id": entry.id,
            "title": entry.title,
            "forces": tuple(entry.forces),
            "themes": tuple(entry.themes),
            "stage": entry.stage,
            "outcome": entry.outcome,
            "status": entry.status,
            "classification": entry.classification,
            "last_reviewed": entry.last_reviewed,
            "review_due": entry.review_due,
            "added": entry.added,
            "sms_level": entry.sms_level,
            "path": rel_path,
        },
    }
    if entry.outcome:
        doc["outcome"] = entry.outcome
    if entry.started:
        doc["started"] = _midnight(entry.started)
    if entry.added:
        doc["added"] = _midnight(entry.added)
    return {k: v for k, v in doc.items() if v != ""}


def document_words(doc: dict[str, Any]) -> set[str]:
    """The distinct lowercase words of a document's text, for the word list."""

    text = "\n".join((doc.get("title", ""), doc.get("summary", ""), doc.get("body", "")))
    return {w.lower() for w in WORD_PATTERN.findall(text + "\n" + doc.get("meta", ""))}


def read_words(location: Path):
    """The word list stored beside one generation (empty when missing or unreadable)."""

    try:
        text = read_regular_file(location / WORDS_FILE, WORDS_LIMIT).decode("utf-8")
        return WordList.from_json(text)
    except (OSError, ValueError, UnicodeDecodeError, TypeError, RecursionError):
        return WordList()


def _write_words(location: Path, words) -> None:
    replace_file(location / WORDS_FILE, words.to_json().encode("utf-8"))


# --- locations, pointer and lock -----------------------------------------------------------


def _pointer(index_dir: Path) -> dict[str, Any] | None:
    """The pointer's content, or None when it is missing or damaged."""
    try:
        return _read_pointer(index_dir)
    except IndexUnavailable:
        return None


def _read_pointer(index_dir: Path) -> dict[str, Any] | None:
    """The pointer's content; None when there is none; `IndexUnavailable` saying what is
    wrong when it is anything but a small regular file naming a generation as we name them.

    It is read as untrusted: `lstat` first and `O_NOFOLLOW | O_NONBLOCK`, so a FIFO, a link to
    `/dev/zero` or a device is refused without being read; at most POINTER_LIMIT bytes.
    """
    path = index_dir / POINTER
    try:
        data = read_regular_file(path, POINTER_LIMIT)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except UnsafeFile as exc:
        raise _pointer_damaged(f"is {exc.strerror}") from exc
    except OSError as exc:
        raise _pointer_damaged(f"cannot be read, {exc.strerror or exc}") from exc
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _pointer_damaged("is not what practicebase writes") from exc
    generation = value.get("generation") if isinstance(value, dict) else None
    if not isinstance(generation, str) or not GENERATION_NAME.fullmatch(generation):
        raise _pointer_damaged("names no generation practicebase writes")
    return value


def _pointer_damaged(reason: str) -> IndexUnavailable:
    # No colon in the reason: callers show the message up to its first colon.
    reason = reason.replace(":", ",")
    return IndexUnavailable(
        f"the search index is damaged (index/{POINTER} {reason}): "
        "run `practicebase index --rebuild`"
    )


def _write_pointer(index_dir: Path, generation: str, fingerprint: str) -> None:
    import shutil

    data = {"schema": SCHEMA_VERSION, "generation": generation, "vocabulary": fingerprint}
    path = index_dir / POINTER
    with contextlib.suppress(OSError):
        if stat.S_ISDIR(os.lstat(path).st_mode):
            # Damage only a rebuild meets: a folder where the pointer belongs (index/ is ours).
            shutil.rmtree(path)
    replace_file(path, json.dumps(data).encode("utf-8"))


def current_generation(kb: KnowledgeBase) -> str | None:
    """The name of the live generation directory, or None when there is no usable pointer."""
    pointer = _pointer(kb.index_dir)
    return pointer["generation"] if pointer else None


def damaged_index(exc: BaseException) -> IndexUnavailable:
    """The one message for an index that exists but cannot be read, naming the fix."""
    return IndexUnavailable(
        f"the search index is damaged ({type(exc).__name__}): run `practicebase index --rebuild`"
    )


def open_index(kb: KnowledgeBase):
    """Open the live index; `(whoosh index, generation)`. Raises `IndexUnavailable`."""
    ix, generation = _checked_pointer_index(kb)
    try:
        with storage_reads(), ix.reader() as reader:
            reader.doc_count()
    except _damage_errors() as exc:
        raise damaged_index(exc) from exc
    return ix, generation


def _open_dir(location: Path):
    from whoosh import index as windex

    # Start-up time: whoosh_internals imports Whoosh, loaded only when an index is opened.
    from practicebase.whoosh_internals import use_lazy_buffers

    use_lazy_buffers()
    try:
        with storage_reads():
            ix = windex.open_dir(str(location))
            _check_schema(ix.schema)
            return ix
    except _damage_errors() as exc:
        raise damaged_index(exc) from exc


def _schema_shape(schema) -> dict[str, str]:
    return {name: type(schema[name]).__name__ for name in schema.names()}


_EXPECTED_SHAPE: dict[str, str] = {}


def _check_schema(schema) -> None:
    """The schema unpickled from the table of contents has our fields, of our types: a
    corrupted one that still unpickles is damage, found here rather than as a KeyError deep
    in a search."""
    if not _EXPECTED_SHAPE:
        from whoosh import fields

        spec = {"id": fields.ID, "data": fields.STORED, "record": fields.COLUMN}
        spec.update(dict.fromkeys(("title", "summary", "body", "meta"), fields.TEXT))
        spec.update(dict.fromkeys(("title_sort", "title_text", "evidence"), fields.COLUMN))
        spec.update(dict.fromkeys(KEYWORD_FIELDS, fields.KEYWORD))
        spec.update(dict.fromkeys(DATE_FIELDS, fields.DATETIME))
        _EXPECTED_SHAPE.update({name: kind.__name__ for name, kind in spec.items()})
    try:
        shape = _schema_shape(schema)
    except Exception as exc:  # noqa: BLE001 - whatever a corrupted schema object does
        raise IndexReadError(f"the index's schema cannot be read: {exc}") from exc
    if shape != _EXPECTED_SHAPE:
        raise IndexReadError("the index's schema is not the one practicebase writes")


def _checked_pointer_index(kb: KnowledgeBase):
    """The live generation's Whoosh index after checking the pointer, schema and vocabulary."""
    generation = _checked_generation(kb)
    return _open_dir(kb.index_dir / generation), generation


def _checked_generation(kb: KnowledgeBase) -> str:
    """The live generation's name after checking the pointer, schema and vocabulary."""
    pointer = _read_pointer(kb.index_dir)
    if pointer is None:
        raise IndexUnavailable("no search index yet: run `practicebase index`")
    if pointer.get("schema") != SCHEMA_VERSION:
        raise IndexUnavailable(
            "the search index was built by another version of practicebase: "
            "run `practicebase index --rebuild`"
        )
    if pointer.get("vocabulary") != vocabulary_fingerprint(kb.vocabulary):
        raise IndexUnavailable(
            "the vocabulary has changed since the search index was built: "
            "run `practicebase index --rebuild`"
        )
    generation = pointer["generation"]
    try:
        is_folder = stat.S_ISDIR(os.lstat(kb.index_dir / generation).st_mode)
    except OSError:
        is_folder = False
    if not is_folder:
        raise IndexUnavailable(
            "the search index is damaged (its live generation is missing): "
            "run `practicebase index --rebuild`"
        )
    return generation


def open_searcher(kb: KnowledgeBase):
    """Open the live index for searching: `(whoosh index, generation, whoosh searcher)`.

    Like `open_index`, but the reader that proves the index readable becomes the searcher's,
    so a cold start opens the segment files once. Raises `IndexUnavailable`.
    """
    from whoosh.searching import Searcher as WhooshSearcher

    generation = _checked_generation(kb)
    spare = _take_spare(kb.index_dir / generation)
    if spare is not None:
        ix, reader = spare
        return ix, generation, WhooshSearcher(reader, fromindex=ix)
    ix = _open_dir(kb.index_dir / generation)
    try:
        with storage_reads():
            reader = ix.reader()
            reader.doc_count()
            return ix, generation, WhooshSearcher(reader, fromindex=ix)
    except _damage_errors() as exc:
        raise damaged_index(exc) from exc


@contextlib.contextmanager
def _write_lock(kb: KnowledgeBase, timeout: float = LOCK_TIMEOUT) -> Iterator[WriteLock]:
    """Hold `index/write.lock` (see `fsutil.WriteLock`), waiting at most `timeout` seconds;
    `IndexBusy` names the holder and how long it has held it. A lock kept only by the
    orphans of a dead holder is broken (`lock.broke` then names the dead holder)."""
    try:
        kb.index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnavailable(f"cannot create {kb.index_dir}: {exc.strerror or exc}") from exc
    lock = WriteLock(kb.index_dir / LOCK_NAME)
    deadline = time.monotonic() + timeout
    while True:
        try:
            holder = lock.try_acquire()
        except OSError as exc:
            raise IndexUnavailable(f"cannot lock {kb.index_dir}: {exc.strerror or exc}") from exc
        if holder is None:
            break
        if time.monotonic() >= deadline:
            raise IndexBusy(f"index busy: {holder.describe()}; try again in a moment")
        time.sleep(0.05)
    try:
        yield lock
    finally:
        lock.release()


def _broken_lock_notice(holder: LockHolder | None) -> list[str]:
    if holder is None:
        return []
    return [
        f"the search index's write lock was left by process {holder.pid}, which has died; "
        "it was broken safely"
    ]


def _whoosh_writer(ix, **kwargs):
    from whoosh.index import LockError

    # Start-up time: whoosh_internals imports Whoosh's writer, needed only to write.
    from practicebase.whoosh_internals import install_fast_indexing

    install_fast_indexing()
    try:
        return ix.writer(timeout=LOCK_TIMEOUT, **kwargs)
    except LockError as exc:
        raise IndexBusy(
            "index busy: another process holds the search index's write lock; try again in a moment"
        ) from exc


def _remove_stale_generations(index_dir: Path, keep: str | None) -> None:
    import shutil

    for child in index_dir.iterdir():
        if child.name.startswith(GENERATION_PREFIX) and child.name != keep and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
    with contextlib.suppress(OSError):
        (index_dir / f"{POINTER}.tmp").unlink()
    # A lock file that a breaker of a stale lock made and was killed before renaming.
    for child in index_dir.glob(f"{LOCK_NAME}.*.new"):
        pid = child.name[len(LOCK_NAME) + 1 : -len(".new")]
        if pid.isdigit() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                child.unlink()


# --- what is on disk -----------------------------------------------------------------------


class IndexedFile(NamedTuple):
    """What the index holds for one entry file, read from its `record` column (a named tuple:
    10,000 of them are made per read, three times faster than a frozen dataclass)."""

    id: str
    mtime: int
    size: int
    hash: str
    title: str = ""
    # The title as `duplicates` compares it (normalised words, space-separated).
    title_key: str = ""


_RECORD_SEPARATOR = "\x00"


def encode_record(rel_path: str, record: IndexedFile) -> bytes:
    """The `record` column's value: the fields joined by NUL, which no path or id holds and
    which titles have replaced."""
    parts = (
        rel_path,
        record.id,
        str(record.mtime),
        str(record.size),
        record.hash,
        record.title.replace(_RECORD_SEPARATOR, "\ufffd"),
        record.title_key.replace(_RECORD_SEPARATOR, "\ufffd"),
    )
    return _RECORD_SEPARATOR.join(parts).encode("utf-8")


def decode_record(value: bytes) -> tuple[str, IndexedFile]:
    """(relative path, record) from a `record` column value."""
    rel_path, entry_id, mtime, size, digest, title, key = value.decode("utf-8").split(
        _RECORD_SEPARATOR
    )
    return rel_path, IndexedFile(entry_id, int(mtime), int(size), digest, title, key)


_Indexed = IndexedFile


@dataclass
class _Plan:
    added: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    touched: list[Path] = field(default_factory=list)  # same content, new mtime
    unchanged: list[str] = field(default_factory=list)  # relative paths, same mtime and size
    removed: list[str] = field(default_factory=list)  # relative paths
    hashes: dict[Path, tuple[int, int, str]] = field(default_factory=dict)


def _rel(kb: KnowledgeBase, path: Path) -> str:
    text, root = str(path), str(kb.root)
    if text.startswith(root) and text[len(root) : len(root) + 1] == os.sep:
        # Lexical like `relative_to`, without building Path objects: an update asks this for
        # every file (0.3 s of CPU at 10,000 entries through `relative_to`).
        return text[len(root) + 1 :].replace(os.sep, "/")
    try:
        return path.relative_to(kb.root).as_posix()
    except ValueError:
        return path.as_posix()


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _hash_file(path: Path) -> str | None:
    """The content hash of a regular file; None for anything else (a FIFO would block, a
    symlink is refused by the loader anyway) or when it cannot be read."""
    import stat

    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        return _digest(path.read_bytes())
    except OSError:
        return None


_INDEXED_CACHE: dict[tuple, dict[str, IndexedFile]] = {}


def _toc_state(location: Path) -> tuple:
    """Names, sizes and mtimes of Whoosh's table-of-contents files: each commit writes a new
    one (its deletions included), so an unchanged state means unchanged documents."""
    state = []
    for name in sorted(os.listdir(location)):
        if name.endswith(".toc"):
            st = os.stat(location / name)
            state.append((name, st.st_size, st.st_mtime_ns))
    return tuple(state)


def _cached_indexed_files(ix, location: Path) -> dict[str, IndexedFile]:
    """`_indexed_files(ix)`, read once per process while the generation's table of contents
    stays the same, so `add`'s id check, duplicate check and index update share one read.

    The state is taken before and after the read and the result kept only when they agree,
    so a commit by another process meanwhile is never cached under the wrong state. Callers
    must not change the dict returned.
    """
    records, _consistent = _cached_read(ix, location)
    return records


def _cache_key(location: Path) -> tuple:
    return (str(location.resolve()), _toc_state(location))


def _cached_read(ix, location: Path, *, reader=None) -> tuple[dict[str, IndexedFile], bool]:
    """(`_cached_indexed_files`, whether the state stayed the same over the read)."""
    key = _cache_key(location)
    cached = _INDEXED_CACHE.get(key)
    if cached is not None:
        return cached, False
    records = _indexed_files(ix, reader=reader)
    consistent = _cache_key(location) == key
    if consistent:
        _INDEXED_CACHE.clear()
        _INDEXED_CACHE[key] = records
    return records, consistent


# At most one (cache key, whoosh index, reader) that `indexed_files` left open for the next
# `open_searcher` of the same state: `add` reads the columns and then searches, and opening
# a reader over every segment costs 0.05 s at 10,000 entries.
_SPARE: list[tuple[tuple, Any, Any]] = []
_SPARE_LOCK = threading.Lock()


def _keep_spare(key: tuple, ix, reader) -> None:
    with _SPARE_LOCK:
        old = list(_SPARE)
        _SPARE[:] = [(key, ix, reader)]
    for _key, old_ix, old_reader in old:
        _close_quietly(old_ix, old_reader)


def _take_spare(location: Path) -> tuple[Any, Any] | None:
    """The spare index and reader when they hold `location` as it is now, else None."""
    with _SPARE_LOCK:
        spare = _SPARE.pop() if _SPARE else None
    if spare is None:
        return None
    key, ix, reader = spare
    try:
        current = _cache_key(location)
    except OSError:
        current = None
    if current != key:
        _close_quietly(ix, reader)
        return None
    return ix, reader


def _close_quietly(ix, reader) -> None:
    with contextlib.suppress(Exception):
        reader.close()
    with contextlib.suppress(Exception):
        ix.close()


def _indexed_files(ix, *, reader=None) -> dict[str, IndexedFile]:
    """Relative path -> what the index holds for it, read from the `record` column in one
    sequential pass (no stored fields). `reader` is used, not closed, when given."""
    if reader is None:
        with ix.reader() as own:
            return _read_columns(own)
    return _read_columns(reader)


def _read_columns(reader) -> dict[str, IndexedFile]:
    """Every live document's record, from the one `record` column."""
    out: dict[str, IndexedFile] = {}
    if reader.doc_count_all() == 0:
        return out
    records = list(reader.column_reader("record"))
    if reader.has_deletions():
        live = set(reader.all_doc_ids())
        records = [value for docnum, value in enumerate(records) if docnum in live]
    for value in records:
        try:
            rel_path, record = decode_record(value)
        except (ValueError, TypeError, AttributeError) as exc:  # bytes no commit wrote
            raise IndexReadError(f"a damaged record in the index: {exc}") from exc
        out[rel_path] = record
    return out


def _disk_files(kb: KnowledgeBase, only: Iterable[Path] | None) -> tuple[list[Path], set[str]]:
    """(entry files to look at, relative paths in scope); scope None-like = everything."""
    # (start-up: a search reads no entry file)
    from practicebase.store import entry_files

    if only is None:
        files = entry_files(kb)
        return files, set()
    entries_dir = kb.entries_dir.resolve()
    files: list[Path] = []
    scope: set[str] = set()
    for raw in only:
        path = Path(raw)
        path = path if path.is_absolute() else (kb.root / path)
        try:
            path = path.parent.resolve() / path.name
            path.relative_to(entries_dir)
        except (OSError, ValueError):
            continue
        path = kb.root / path.relative_to(kb.root.resolve())
        scope.add(_rel(kb, path))
        if path.is_file() and path.suffix in (".md", ".yaml", ".yml"):
            files.append(path)
    return sorted(set(files)), scope


def _plan(kb: KnowledgeBase, indexed: dict[str, _Indexed], only: Iterable[Path] | None) -> _Plan:
    plan = _Plan()
    files, scope = _disk_files(kb, only)
    seen: set[str] = set()
    for path in files:
        rel = _rel(kb, path)
        seen.add(rel)
        st = _stat(path)
        if st is None:
            continue
        old = indexed.get(rel)
        if old is not None and (old.mtime, old.size) == st:
            plan.unchanged.append(rel)
            continue
        # Unreadable files (a symlink loop, no permission) still go to the loader, which
        # names the problem; they never match an indexed hash.
        digest = _hash_file(path) or ""
        plan.hashes[path] = (st[0], st[1], digest)
        if old is None:
            plan.added.append(path)
        elif old.hash == digest:
            plan.touched.append(path)
        else:
            plan.changed.append(path)
    for rel in indexed:
        if rel not in seen and (only is None or rel in scope):
            plan.removed.append(rel)
    return plan


# --- writing -------------------------------------------------------------------------------


def duplicate_id_problem(rel: str, entry_id: str, kept: str) -> Problem:
    """The error for a file whose id another file already holds: both files and the fix."""
    return Problem(
        rel,
        None,
        "error",
        "id",
        f"duplicate id '{entry_id}': already used by {kept}, which the index keeps; keep one "
        f"file: delete the other, or file the right one with `practicebase add --replace`",
    )


def _load(path: Path, vocabulary: Vocabulary) -> tuple[Entry | None, list[Problem]]:
    """The entry of one file and its errors; warnings are `validate`'s business, and the one
    costly warning-only rule (the body's Markdown layout limits) is skipped."""
    # (start-up: a search reads no entry file)
    from practicebase.validate import load_entry

    loaded = load_entry(path, vocabulary, layout_check=False)
    errors = [p for p in loaded.problems if p.is_error]
    if loaded.entry is None and not errors:
        errors = [Problem(str(path), None, "error", None, "could not be read as an entry")]
    return loaded.entry, errors


def update_index(
    kb: KnowledgeBase,
    *,
    only: Iterable[Path] | None = None,
    progress: Progress | None = None,
    keep_last_good: bool = False,
) -> IndexReport:
    """Bring the index up to date with `entries/` (or just the `only` paths), in one commit.

    Unchanged files are recognised by mtime and size without being read; files whose mtime
    changed are hashed. Invalid files are reported in `problems` and left out; with
    `keep_last_good`, an indexed entry whose file became invalid keeps its last good version
    in the index (named in `report.kept`) until the file is fixed or removed. A missing,
    damaged or outdated index is rebuilt.
    """
    started = time.perf_counter()
    with _naming_index_dir(kb), _write_lock(kb) as lock:
        try:
            ix, _generation = _open_for_update(kb)
        except IndexUnavailable as exc:
            report = _rebuild_locked(kb, progress=progress, procs=1)
            report.note = str(exc).split(":")[0]
            report.notices += _broken_lock_notice(lock.broke)
            report.seconds = time.perf_counter() - started
            return report
        # Leftovers of killed rebuilds (half-built generations, a temp pointer) go now.
        _remove_stale_generations(kb.index_dir, _generation)
        try:
            with storage_reads():
                report = _update_locked(
                    kb, ix, kb.index_dir / _generation, only, progress, keep_last_good
                )
        except _damage_errors() as exc:
            if isinstance(exc, OSError) and exc.errno in _NOT_DAMAGE:
                raise  # a full or failing disk: a rebuild would fail the same way
            report = _rebuild_locked(kb, progress=progress, procs=1)
            report.note = f"the search index was damaged ({type(exc).__name__})"
        finally:
            ix.close()
    report.notices += _broken_lock_notice(lock.broke)
    report.seconds = time.perf_counter() - started
    return report


# Write failures of the disk, not damage of the index: reported as they are (exit status 4).
_NOT_DAMAGE = WRITE_FAILURES - {errno.EACCES, errno.EPERM}


@contextlib.contextmanager
def _naming_index_dir(kb: KnowledgeBase) -> Iterator[None]:
    """An OSError that names no file (Whoosh's writes, a full disk) names `index/` instead,
    so the one-line message says where the failure was."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(kb.index_dir)) from exc


def _open_for_update(kb: KnowledgeBase):
    """`open_index`, without its reader check when this process has just read every column
    of this very state (the table of contents unchanged): that read was the check."""
    ix, generation = _checked_pointer_index(kb)
    location = kb.index_dir / generation
    try:
        if _cache_key(location) not in _INDEXED_CACHE:
            with storage_reads(), ix.reader() as reader:
                reader.doc_count()
    except _damage_errors() as exc:
        raise damaged_index(exc) from exc
    return ix, generation


def _update_locked(
    kb: KnowledgeBase,
    ix,
    location: Path,
    only: Iterable[Path] | None,
    progress: Progress | None,
    keep_last_good: bool = False,
) -> IndexReport:
    vocabulary = kb.vocabulary
    # Under the write lock nothing commits meanwhile, so a read this process made of the
    # same state (by `add`'s checks) is still exact.
    indexed = _cached_indexed_files(ix, location)
    plan = _plan(kb, indexed, only)
    report = IndexReport()
    work = [*plan.added, *plan.changed, *plan.touched]
    if not work and not plan.removed:
        report.total = len(indexed)
        return report

    # Ids that stay owned by files we are not touching, to refuse duplicates.
    leaving = {_rel(kb, p) for p in (*plan.changed, *plan.touched)} | set(plan.removed)
    owners = {old.id: rel for rel, old in indexed.items() if rel not in leaving}
    documents: list[dict[str, Any]] = []
    failed_existing: list[str] = []
    for done, path in enumerate(work, 1):
        rel = _rel(kb, path)
        entry, errors = _load(path, vocabulary)
        owner = owners.get(entry.id) if entry is not None else None
        if (
            owner is not None
            and owner != rel
            and owner in indexed
            and owner not in leaving
            and not os.path.lexists(kb.root / owner)
        ):
            # Its file is gone (another `add --replace` moved the entry meanwhile): the
            # index's record of it is stale, not a rival.
            plan.removed.append(owner)
            leaving.add(owner)
            owner = None
        if entry is not None and owner is not None and owner != rel:
            errors = [duplicate_id_problem(rel, entry.id, owner)]
            entry = None
        if entry is None:
            report.problems.extend(errors)
            if rel in indexed and keep_last_good:
                report.kept.append(rel)
            elif rel in indexed:
                failed_existing.append(rel)
        else:
            owners[entry.id] = rel
            mtime, size, digest = plan.hashes[path]
            documents.append(entry_document(entry, vocabulary, rel, mtime, size, digest))
            if path in plan.added:
                report.added += 1
            elif path in plan.changed:
                report.changed += 1
        if progress:
            progress(done, len(work))

    writer = _whoosh_writer(ix)
    try:
        stale = [indexed[rel].id for rel in (*plan.removed, *failed_existing)]
        for rel in (_rel(kb, p) for p in (*plan.changed, *plan.touched)):
            if rel in indexed and rel not in failed_existing and rel not in report.kept:
                stale.append(indexed[rel].id)
        stale += [doc["id"] for doc in documents]  # a new file may take over a removed id
        # Only ids the index holds need deleting: a new entry's id usually is not there,
        # and then no searcher over every segment is opened at all.
        live = {old.id for old in indexed.values()}
        stale = [entry_id for entry_id in stale if entry_id in live]
        if stale:
            # One searcher for all the deletes: `delete_by_term` without one, and
            # `update_document`, open a new searcher over every segment each time
            # (0.2 s apiece at 10,000 entries, twice per changed file).
            with writer.searcher() as searcher:
                for entry_id in dict.fromkeys(stale):
                    writer.delete_by_term("id", entry_id, searcher=searcher)
        for doc in documents:
            writer.add_document(**doc)
        writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise
    if documents:
        # Removed entries' words stay counted until the next rebuild: harmless for spelling
        # help, and it keeps updates from re-reading every document.
        words = read_words(location)
        for doc in documents:
            words.add(document_words(doc))
        _write_words(location, words)
    report.removed = len(plan.removed) + len(failed_existing)
    report.total = len(indexed) - report.removed + report.added
    return report


def rebuild_index(
    kb: KnowledgeBase, *, progress: Progress | None = None, procs: int = 1
) -> IndexReport:
    """Build a fresh index from every entry file beside the live one, then switch to it.

    `procs > 1` uses Whoosh's multi-process writer (it forks: call it only from a process
    without threads, e.g. the `practicebase index --rebuild` command).
    """
    started = time.perf_counter()
    with _naming_index_dir(kb), _write_lock(kb) as lock:
        if procs > 1:
            # Whoosh forks its writer workers: they die with this process (a killed rebuild
            # leaves no orphan), and never inherit the write lock.
            with children_die_with_me():
                report = _rebuild_locked(kb, progress=progress, procs=procs)
        else:
            report = _rebuild_locked(kb, progress=progress, procs=procs)
    report.notices += _broken_lock_notice(lock.broke)
    report.seconds = time.perf_counter() - started
    return report


def _rebuild_locked(kb: KnowledgeBase, *, progress: Progress | None, procs: int) -> IndexReport:
    import shutil

    from whoosh import index as windex

    # (start-up: a search reads no entry file)
    from practicebase.store import entry_files

    # Start-up time: whoosh_internals imports Whoosh's writer, needed only to write.
    from practicebase.whoosh_internals import install_fast_indexing

    vocabulary = kb.vocabulary
    index_dir = kb.index_dir
    keep = current_generation(kb)
    _remove_stale_generations(index_dir, keep if keep and (index_dir / keep).is_dir() else None)
    generation = f"{GENERATION_PREFIX}{time.time_ns():x}-{os.getpid()}"
    location = index_dir / generation
    location.mkdir()
    report = IndexReport(rebuilt=True)

    words = WordList()
    install_fast_indexing()
    try:
        ix = windex.create_in(str(location), build_schema(vocabulary))
        writer_args: dict[str, Any] = {}
        if procs > 1:
            writer_args = {"procs": procs, "multisegment": True, "limitmb": REBUILD_POOL_MB}
        writer = ix.writer(**writer_args)
        try:
            files = entry_files(kb)
            ids: dict[str, str] = {}
            for done, path in enumerate(files, 1):
                rel = _rel(kb, path)
                st = _stat(path)
                digest = _hash_file(path)
                entry, errors = _load(path, vocabulary)
                if entry is not None and entry.id in ids:
                    errors = [duplicate_id_problem(rel, entry.id, ids[entry.id])]
                    entry = None
                if entry is None or st is None or digest is None:
                    report.problems.extend(errors)
                else:
                    ids[entry.id] = rel
                    doc = entry_document(entry, vocabulary, rel, st[0], st[1], digest)
                    words.add(document_words(doc))
                    writer.add_document(**doc)
                    report.added += 1
                if progress:
                    progress(done, len(files))
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        ix.close()
        _write_words(location, words)
        fsync_tree(location)
        _write_pointer(index_dir, generation, vocabulary_fingerprint(vocabulary))
    except BaseException:
        shutil.rmtree(location, ignore_errors=True)
        raise
    _remove_stale_generations(index_dir, generation)
    report.total = report.added
    return report


def check_index(kb: KnowledgeBase) -> IndexReport:
    """What `update_index` would do, changing nothing (files are hashed, not parsed)."""
    # (start-up: a search reads no entry file)
    from practicebase.store import entry_files

    started = time.perf_counter()

    try:
        ix, _generation = open_index(kb)
    except IndexUnavailable as exc:
        files = entry_files(kb)
        return IndexReport(
            added=len(files),
            total=0,
            note=str(exc),
            seconds=time.perf_counter() - started,
        )
    try:
        with storage_reads():
            indexed = _indexed_files(ix)
        plan = _plan(kb, indexed, None)
    except _damage_errors() as exc:
        return IndexReport(
            note=f"the search index is damaged ({type(exc).__name__}): "
            "run `practicebase index --rebuild`",
            seconds=time.perf_counter() - started,
        )
    finally:
        ix.close()
    return IndexReport(
        added=len(plan.added),
        changed=len(plan.changed),
        removed=len(plan.removed),
        total=len(indexed),
        problems=_duplicate_ids(kb, indexed, plan),
        seconds=time.perf_counter() - started,
    )


def _duplicate_ids(
    kb: KnowledgeBase, indexed: dict[str, IndexedFile], plan: _Plan
) -> list[Problem]:
    """A problem for every file whose id an earlier file (in path order) holds too: the ids
    of unchanged files come from the index, the others' from the files (read cheaply)."""
    # (start-up: a search reads no entry file)
    from practicebase.store import stored_id

    ids = {rel: indexed[rel].id for rel in plan.unchanged}
    for path in plan.touched:
        rel = _rel(kb, path)
        ids[rel] = indexed[rel].id
    for path in (*plan.added, *plan.changed):
        ids[_rel(kb, path)] = stored_id(path)
    first: dict[str, str] = {}
    problems = []
    # Indexed files first: an update keeps the file the index holds and refuses the other.
    for rel in sorted(ids, key=lambda r: (r not in indexed, tuple(r.split("/")))):
        key = ids[rel].casefold()
        if key in first:
            problems.append(duplicate_id_problem(rel, ids[rel], first[key]))
        else:
            first[key] = rel
    return problems


def indexed_ids(kb: KnowledgeBase) -> dict[str, str]:
    """Entry id -> file path (relative to the root) of every indexed entry, read from the
    index's columns without opening any entry file (10,000 entries: milliseconds, where
    parsing them takes half a minute). Raises `IndexUnavailable`."""
    return {item.id: rel for rel, item in indexed_files(kb).items()}


def index_records(kb: KnowledgeBase) -> dict[str, IndexedFile] | None:
    """`indexed_files`, or None when there is no usable index (callers read the files).

    `indexed_files` keeps its read for the process while the index stays the same, so
    `add`'s id check, duplicate check and index update share one read.
    """
    if not kb.index_dir.is_dir():
        return None
    try:
        return indexed_files(kb)
    except Exception:  # noqa: BLE001 - no usable index: callers read the files instead
        return None


def indexed_files(kb: KnowledgeBase) -> dict[str, IndexedFile]:
    """File path (relative to the root) -> id, mtime, size, hash, title and title key of
    every indexed entry, from the index's `record` column. Raises `IndexUnavailable`.

    The reader that reads the columns is the check that the index is readable, and the
    result is kept for the process while the index is unchanged (see `_cached_indexed_files`).
    """
    ix, generation = _checked_pointer_index(kb)
    location = kb.index_dir / generation
    reader = None
    kept = False
    try:
        key = _cache_key(location)
        cached = _INDEXED_CACHE.get(key)
        if cached is not None:
            return cached
        with storage_reads():
            reader = ix.reader()
            records, consistent = _cached_read(ix, location, reader=reader)
        if consistent:
            # The reader proved this state readable: the next searcher can use it.
            _keep_spare(key, ix, reader)
            kept = True
        return records
    except _damage_errors() as exc:
        raise damaged_index(exc) from exc
    finally:
        if not kept:
            if reader is not None:
                with contextlib.suppress(Exception):
                    reader.close()
            ix.close()


def index_exists(kb: KnowledgeBase) -> bool:
    """True when a usable index pointer exists (the index itself may still be damaged)."""
    return _pointer(kb.index_dir) is not None
