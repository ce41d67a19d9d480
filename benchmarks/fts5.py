"""The baseline: SQLite FTS5 from the standard library over the same entry files.

Porter tokenizer, bm25 with title and summary boosted, snippet() on the body, total count
and facet counts from a side table: the same work a practicebase search does, done the
way a careful SQLite application would. Parsing reads the same files with PyYAML.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from benchmarks.queries import BenchQuery

SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE meta(docid INTEGER PRIMARY KEY, eid TEXT UNIQUE, path TEXT, mtime_ns INTEGER);
CREATE TABLE facets(docid INTEGER, field TEXT, value TEXT);
CREATE INDEX facets_field_value ON facets(field, value, docid);
CREATE INDEX facets_docid ON facets(docid);
"""
FACET_FIELDS = ("force", "theme", "stage", "outcome", "status", "audience", "classification")
_SOURCE_KEYS = {"force": "force", "theme": "themes", "audience": "audience"}
_MARKUP = re.compile(r"[#*_`>\[\]()]+|^\s*-\s+", re.MULTILINE)


@cache
def _yaml() -> tuple:
    """PyYAML and its fastest safe loader, imported only by the processes that parse entries
    (a query process needs neither, and a lean baseline is the honest one)."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_entry(path: Path) -> dict:
    """The fields of one entry file (front matter or pure YAML), body stripped of markup."""
    yaml, _Loader = _yaml()
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        _, front, body = text.split("---\n", 2)
        data = yaml.load(front, Loader=_Loader)
        data["body"] = body
    else:
        data = yaml.load(text, Loader=_Loader)
    data["body"] = _MARKUP.sub(" ", data.get("body") or "")
    data.setdefault("id", path.stem)
    return data


def _facet_rows(docid: int, data: dict) -> Iterable[tuple[int, str, str]]:
    for field in FACET_FIELDS:
        value = data.get(_SOURCE_KEYS.get(field, field))
        if value is None:
            value = {"status": "active", "classification": "OFFICIAL"}.get(field)
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            yield docid, field, str(v)


class Fts5Index:
    """One FTS5 database file of a knowledge base's entries."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits(docid INTEGER PRIMARY KEY)")

    @classmethod
    def build(cls, db_path: Path, paths: Iterable[Path]) -> Fts5Index:
        """A fresh database holding every file in `paths`, in one transaction."""
        if db_path.exists():
            db_path.unlink()
        index = cls(db_path)
        index.conn.executescript(SCHEMA)
        with index.conn:
            for path in paths:
                index._insert(path)
        return index

    def _insert(self, path: Path) -> None:
        data = read_entry(path)
        cur = self.conn.execute(
            "INSERT INTO docs(title, summary, body) VALUES (?, ?, ?)",
            (data["title"], data["summary"], data["body"]),
        )
        docid = cur.lastrowid
        self.conn.execute(
            "INSERT INTO meta(docid, eid, path, mtime_ns) VALUES (?, ?, ?, ?)",
            (docid, data["id"], str(path), path.stat().st_mtime_ns),
        )
        self.conn.executemany("INSERT INTO facets VALUES (?, ?, ?)", _facet_rows(docid, data))

    def upsert(self, paths: Iterable[Path]) -> None:
        """Replace the rows of changed files, in one transaction."""
        with self.conn:
            for path in paths:
                row = self.conn.execute(
                    "SELECT docid FROM meta WHERE path = ?", (str(path),)
                ).fetchone()
                if row:
                    for table, key in (("docs", "rowid"), ("meta", "docid"), ("facets", "docid")):
                        self.conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (row[0],))
                self._insert(path)

    def changed_files(self, entries_dir: Path) -> list[Path]:
        """Files whose mtime differs from the index's record, plus new ones (a cheap check)."""
        known = dict(self.conn.execute("SELECT path, mtime_ns FROM meta"))
        changed = []
        for dirpath, _dirs, files in os.walk(entries_dir):
            for name in files:
                path = os.path.join(dirpath, name)
                if known.get(path) != os.stat(path).st_mtime_ns:
                    changed.append(Path(path))
        return changed

    def search(
        self, query: BenchQuery, limit: int = 20, *, facets: bool = True
    ) -> tuple[int, list[tuple]]:
        """(total, top `limit` rows with snippets); facet counts computed too, like a search page
        (unless `facets` is False, as for `practicebase search --json`).

        The matching rowids go once into a temporary table that the count, the top page and
        the facet counts all read, so the MATCH runs twice, not three times.
        """
        parts, args = [], []
        if query.fts:
            parts.append("SELECT rowid FROM docs WHERE docs MATCH ?")
            args.append(query.fts)
        for field, value in query.filters:
            parts.append("SELECT docid FROM facets WHERE field = ? AND value = ?")
            args += [field, value]
        try:
            self.conn.execute("DELETE FROM temp.hits")
            total = self.conn.execute(
                "INSERT INTO temp.hits " + " INTERSECT ".join(parts), args
            ).rowcount
            if query.fts:
                rows = self.conn.execute(
                    "SELECT rowid, title, snippet(docs, 2, '[', ']', '...', 12), "
                    "bm25(docs, 3.0, 2.0, 1.0) AS score FROM docs WHERE docs MATCH ? "
                    "AND +rowid IN temp.hits ORDER BY score LIMIT ?",
                    (query.fts, limit),
                ).fetchall()
            else:
                rows = self.conn.execute(
                    "SELECT rowid, title, substr(body, 1, 120), 0 FROM docs "
                    "WHERE rowid IN temp.hits LIMIT ?",
                    (limit,),
                ).fetchall()
            if facets:
                self.conn.execute(
                    "SELECT field, value, count(*) FROM temp.hits JOIN facets USING (docid) "
                    "GROUP BY field, value ORDER BY 3 DESC"
                ).fetchall()
        except sqlite3.OperationalError:
            return 0, []  # FTS5 rejects some typed input (e.g. a bare '-'): no results
        return total, rows

    def search_plain(self, query: BenchQuery, limit: int = 20) -> list[tuple]:
        """Top `limit` with snippets only (no total, no facets): FTS5's best case."""
        if not query.fts:
            return []
        try:
            return self.conn.execute(
                "SELECT rowid, title, snippet(docs, 2, '[', ']', '...', 12), "
                "bm25(docs, 3.0, 2.0, 1.0) AS score FROM docs WHERE docs MATCH ? "
                "ORDER BY score LIMIT ?",
                (query.fts, limit),
            ).fetchall()
        except sqlite3.OperationalError:
            return []

    def close(self) -> None:
        self.conn.close()


def timed_build(db_path: Path, entries_dir: Path) -> dict:
    """Build from every entry file under `entries_dir`; returns seconds and size."""
    paths = sorted(
        p for p in entries_dir.rglob("*") if p.suffix in (".md", ".yaml", ".yml") and p.is_file()
    )
    start = time.perf_counter()
    index = Fts5Index.build(db_path, paths)
    seconds = time.perf_counter() - start
    index.close()
    return {"seconds": seconds, "entries": len(paths), "bytes": db_path.stat().st_size}


# --- whole processes, timed like practicebase's commands ------------------------------------
#
#   python -m benchmarks.fts5 build DB ENTRIES          a fresh database of every entry file
#   python -m benchmarks.fts5 index DB ENTRIES          re-read the files whose mtime changed
#   python -m benchmarks.fts5 add DB FILE COPY          copy FILE to COPY, insert it
#   python -m benchmarks.fts5 search DB QUERY-JSON      total and top 20 with snippets as JSON
#
# Each starts Python, imports what it needs (sqlite3, PyYAML to parse entries) and prints its
# answer, as `practicebase index`, `add` and `search --json --limit 20` do.


def _main(argv: list[str]) -> int:
    import json
    import shutil
    import sys

    command, args = argv[0], argv[1:]
    if command == "build":
        result = timed_build(Path(args[0]), Path(args[1]))
        print(f"{result['entries']} entries")
    elif command == "index":
        index = Fts5Index(Path(args[0]))
        changed = index.changed_files(Path(args[1]))
        index.upsert(changed)
        index.close()
        print(f"{len(changed)} changed")
    elif command == "add":
        source, copy = Path(args[1]), Path(args[2])
        read_entry(source)  # refuse what does not parse, as `add` checks first
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        index = Fts5Index(Path(args[0]))
        index.upsert([copy])
        index.close()
        print(f"added {copy.name}")
    elif command == "search":
        spec = json.loads(args[1])
        query = BenchQuery("process", spec["text"], spec["fts"], tuple(map(tuple, spec["filters"])))
        index = Fts5Index(Path(args[0]))
        total, rows = index.search(query, limit=20, facets=False)
        index.close()
        hits = [{"rowid": r[0], "title": r[1], "snippet": r[2], "score": r[3]} for r in rows]
        json.dump({"total": total, "hits": hits}, sys.stdout, indent=2)
        print()
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
