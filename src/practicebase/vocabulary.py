"""Controlled vocabularies: forces, themes, audiences, partners, ideologies, and search words.

Loaded from `data/vocabulary.yaml` in the package; a knowledge base may extend or override
any list with its own `vocabulary.yaml` at the root.
"""

from __future__ import annotations

import copy
import difflib
import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

try:  # the C parser is much faster; the packaged file is trusted data
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class VocabularyError(Exception):
    """A vocabulary file could not be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Force:
    """A police force or counter-terrorism unit that can own practice."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    """One allowed value of a vocabulary, with what it means."""

    id: str
    meaning: str = ""


@dataclass(frozen=True)
class Vocabulary:
    """Every list an entry is checked against, plus the data search uses to widen queries."""

    forces: tuple[Force, ...]
    themes: tuple[Term, ...]
    audience: tuple[Term, ...]
    partners: tuple[Term, ...]
    ideology: tuple[Term, ...]
    stages: tuple[str, ...]
    outcomes: tuple[str, ...]
    statuses: tuple[str, ...]
    classifications: tuple[str, ...]
    acronyms: dict[str, str] = field(default_factory=dict)
    synonyms: tuple[tuple[str, ...], ...] = ()
    spelling_variants: dict[str, str] = field(default_factory=dict)

    def force_by_id(self, force_id: str) -> Force | None:
        return self._forces_by_id.get(force_id)

    def resolve_force(self, text: str) -> str | None:
        """The force id for an id, official name or alias (case-insensitive), else None."""
        return self._force_lookup.get(_fold(text))

    def force_name(self, force_id: str) -> str:
        force = self._forces_by_id.get(force_id)
        return force.name if force else force_id

    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def nearest(self, value: str, choices: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
        """The closest known values to `value`, for "did you mean" messages."""
        folded = {_fold(c): c for c in choices}
        close = difflib.get_close_matches(_fold(value), list(folded), n=n, cutoff=0.6)
        return [folded[c] for c in close]

    def nearest_force(self, text: str, n: int = 3) -> list[str]:
        """Force ids whose id, name or alias is closest to `text`."""
        close = difflib.get_close_matches(
            _fold(text), list(self._force_lookup), n=n * 3, cutoff=0.6
        )
        ids: list[str] = []
        for key in close:
            fid = self._force_lookup[key]
            if fid not in ids:
                ids.append(fid)
        return ids[:n]

    @property
    def _forces_by_id(self) -> dict[str, Force]:
        cached = self.__dict__.get("_forces_by_id_cache")
        if cached is None:
            cached = {f.id: f for f in self.forces}
            object.__setattr__(self, "_forces_by_id_cache", cached)
        return cached

    @property
    def _force_lookup(self) -> dict[str, str]:
        cached = self.__dict__.get("_force_lookup_cache")
        if cached is None:
            cached = {}
            for force in self.forces:
                for label in (force.id, force.name, *force.aliases):
                    cached.setdefault(_fold(label), force.id)
            object.__setattr__(self, "_force_lookup_cache", cached)
        return cached


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


_TERM_LISTS = ("themes", "audience", "partners", "ideology")
_PLAIN_LISTS = ("stages", "outcomes", "statuses", "classifications")


def load_vocabulary(root: Path | None = None) -> Vocabulary:
    """The packaged vocabulary, merged with `root/vocabulary.yaml` when it exists.

    In the override file, each top-level list replaces the packaged one unless its key is
    prefixed with `extra_` (e.g. `extra_forces:`), which appends to it; `acronyms` and
    `spelling_variants` mappings are merged; `synonyms` groups are appended.
    """
    data = copy.deepcopy(_packaged_data())
    if root is not None:
        local = Path(root) / "vocabulary.yaml"
        if local.is_file():
            _merge(data, _parse_local(local))
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VocabularyError(f"vocabulary is malformed: {exc!r}") from exc


@functools.lru_cache(maxsize=1)
def _packaged_data() -> dict:
    """The packaged vocabulary.yaml, parsed once per process (callers get a deep copy)."""
    text = resources.files("practicebase").joinpath("data/vocabulary.yaml").read_text("utf-8")
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise VocabularyError(f"packaged vocabulary.yaml: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError("packaged vocabulary.yaml: must be a mapping of lists")
    return data


def _parse_local(path: Path) -> dict:
    """A knowledge base's vocabulary.yaml, read as safely as an entry (it is data from users)."""
    from practicebase.entry import EntryError
    from practicebase.parse import decode_text, parse_yaml_mapping, read_entry_bytes

    try:
        text = decode_text(read_entry_bytes(path), str(path))
        return parse_yaml_mapping(text, str(path))
    except EntryError as exc:
        problem = exc.problems[0]
        where = f" (line {problem.line})" if problem.line else ""
        raise VocabularyError(f"{path}: invalid YAML{where}: {problem.message}") from None


def _merge(base: dict, local: dict) -> None:
    for key, value in local.items():
        if key in ("acronyms", "spelling_variants") and isinstance(value, dict):
            base.setdefault(key, {}).update(value)
        elif key == "synonyms" and isinstance(value, list):
            base.setdefault(key, []).extend(value)
        elif isinstance(key, str) and key.startswith("extra_") and isinstance(value, list):
            base.setdefault(key[len("extra_") :], []).extend(value)
        else:
            base[key] = value


def _build(data: dict) -> Vocabulary:
    forces = tuple(
        Force(str(f["id"]), str(f["name"]), tuple(str(a) for a in f.get("aliases") or ()))
        for f in data["forces"]
    )
    terms = {
        key: tuple(
            Term(str(t["id"]), str(t.get("meaning", ""))) if isinstance(t, dict) else Term(str(t))
            for t in data.get(key) or ()
        )
        for key in _TERM_LISTS
    }
    plain = {key: tuple(str(v) for v in data.get(key) or ()) for key in _PLAIN_LISTS}
    return Vocabulary(
        forces=forces,
        **terms,
        **plain,
        acronyms={str(k): str(v) for k, v in (data.get("acronyms") or {}).items()},
        synonyms=tuple(tuple(str(w) for w in group) for group in data.get("synonyms") or ()),
        spelling_variants={
            str(k): str(v) for k, v in (data.get("spelling_variants") or {}).items()
        },
    )
