"""Locating a knowledge base: the folder that holds `entries/` and `index/`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from practicebase.vocabulary import Vocabulary, load_vocabulary

ROOT_ENV_VAR = "PRACTICEBASE_ROOT"


class KnowledgeBaseNotFound(Exception):
    """No knowledge base root could be found; the message says where we looked."""


@dataclass(frozen=True)
class KnowledgeBase:
    """A knowledge base root and the paths and vocabulary derived from it."""

    root: Path

    @property
    def entries_dir(self) -> Path:
        return self.root / "entries"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The packaged vocabulary, extended by the root's `vocabulary.yaml` if present."""
        return load_vocabulary(self.root, cache_dir=self.index_dir)


def locate(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> KnowledgeBase:
    """Find the root: `explicit`, else $PRACTICEBASE_ROOT, else nearest folder up with entries/."""
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return _checked(Path(explicit), "--root")
    if environ.get(ROOT_ENV_VAR):
        return _checked(Path(environ[ROOT_ENV_VAR]), ROOT_ENV_VAR)
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "entries").is_dir():
            return KnowledgeBase(folder)
    raise KnowledgeBaseNotFound(
        f"no knowledge base found: no 'entries/' folder in {start} or any folder above it; "
        f"use --root PATH or set {ROOT_ENV_VAR}"
    )


def _checked(path: Path, source: str) -> KnowledgeBase:
    path = path.expanduser().resolve()
    if not (path / "entries").is_dir():
        raise KnowledgeBaseNotFound(
            f"{path} (from {source}) is not a knowledge base: it has no 'entries/' folder"
        )
    return KnowledgeBase(path)
