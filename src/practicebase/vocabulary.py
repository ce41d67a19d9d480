"""Controlled vocabularies: forces, themes, audiences, partners, ideologies, inspection
recommendations, and search words.

Loaded from `data/vocabulary.yaml` in the package; a knowledge base may extend or override
any list with its own `vocabulary.yaml` at the root.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from practicebase.fsutil import atomic_write, read_regular_file
from practicebase.lazyre import lazy_pattern

# PyYAML (and the entry parser built on it) is imported only when a vocabulary.yaml is parsed:
# a search that finds the parsed vocabulary in the knowledge base's cache never needs it.


# How stage and outcome ids read to people (the app, the exports and reports).
STAGE_LABELS = {
    "untested": "untested",
    "evaluated-locally": "evaluated locally",
    "independently-evaluated": "independently evaluated",
}
OUTCOME_LABELS = {
    "worked": "worked",
    "promising": "promising",
    "new-innovative": "new / innovative",
    "didnt-work": "didn't work",
}


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
class Recommendation:
    """An inspection recommendation entries can link to, e.g. `CT4-2020-R4`.

    `provisional` labels are the packaged ones, whose wording (and which number each has) is
    not confirmed; a knowledge base's vocabulary.yaml can give the exact wording.
    """

    id: str
    label: str = ""
    provisional: bool = False

    @property
    def shown_label(self) -> str:
        """The label as reports show it: provisional ones say so."""
        if not self.label:
            return ""
        return f"{self.label} (provisional)" if self.provisional else self.label


# The shape of a recommendation id (checked in upper case): series, year, number.
RECOMMENDATION_ID = lazy_pattern(r"[A-Z][A-Z0-9]*-[0-9]{4}-R[0-9]+")
_SHORT_RECOMMENDATION = lazy_pattern(r"R[0-9]+", re.IGNORECASE)


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
    recommendations: tuple[Recommendation, ...] = ()

    def recommendation_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.recommendations)

    def recommendation(self, rec_id: str) -> Recommendation | None:
        """The recommendation with this id (any case), else None."""
        upper = rec_id.upper()
        return next((r for r in self.recommendations if r.id == upper), None)

    def resolve_recommendation(self, text: str) -> str | None:
        """The id for `CT4-2020-R4` or the short form `R4` (any case), else None.

        A short form names the first listed recommendation with that number (the packaged
        list has one series, so `R4` is `CT4-2020-R4`).
        """
        upper = "".join(text.split()).upper()
        if upper in self.recommendation_ids():
            return upper
        if _SHORT_RECOMMENDATION.fullmatch(upper):
            number = int(upper[1:])
            for rec in self.recommendations:
                if int(rec.id.rsplit("-R", 1)[1]) == number:
                    return rec.id
        return None

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


def load_vocabulary(root: Path | None = None, cache_dir: Path | None = None) -> Vocabulary:
    """The packaged vocabulary, merged with `root/vocabulary.yaml` when it exists.

    In the override file, each top-level list replaces the packaged one unless its key is
    prefixed with `extra_` (e.g. `extra_forces:`), which appends to it; `acronyms` and
    `spelling_variants` mappings are merged; `synonyms` groups are appended. A
    recommendation listed again (by id) replaces the earlier one in place, so
    `extra_recommendations:` can give the exact wording of a packaged label.

    With `cache_dir` (a knowledge base's `index/`, when it exists), the merged data is kept
    there as JSON and reused while both files are unchanged: parsing YAML (and importing
    PyYAML) is a large part of a short `search` process.
    """
    local = Path(root) / "vocabulary.yaml" if root is not None else None
    sources = _source_stamps(local)
    cache = cache_dir / CACHE_NAME if cache_dir is not None and sources is not None else None
    cached = _read_cache(cache, sources) if cache is not None else None
    if cached is not None:
        try:
            return _build(cached)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            pass  # not what this code writes: parse the files and write it afresh
    data = copy.deepcopy(_packaged_data())
    if local is not None and local.is_file():
        _merge(data, _parse_local(local))
    try:
        vocabulary = _build(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VocabularyError(f"vocabulary is malformed: {exc!r}") from exc
    if cache is not None:
        _write_cache(cache, sources, data)
    return vocabulary


# --- the parsed vocabulary, cached in the knowledge base's index/ ---------------------------

CACHE_NAME = "vocabulary.json"
CACHE_FORMAT = 1
CACHE_LIMIT = 4 << 20
_PACKAGED = Path(__file__).with_name("data") / "vocabulary.yaml"


def _source_stamps(local: Path | None) -> list | None:
    """What identifies the files the vocabulary is read from: the packaged file's path, size
    and modification time, and the local file's inode, size, modification and change times
    (a change time cannot be set back by hand), or None for no local file. None when a file
    cannot be stat'ed or the local one is not a regular file: then nothing is cached."""
    try:
        packaged = _PACKAGED.stat()
        stamps: list = [CACHE_FORMAT, str(_PACKAGED), packaged.st_size, packaged.st_mtime_ns]
        if local is None:
            return [*stamps, None]
        try:
            st = local.stat()
        except FileNotFoundError:
            return [*stamps, None]
        if not stat.S_ISREG(st.st_mode):
            return None
        return [*stamps, [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]]
    except OSError:
        return None


def _read_cache(path: Path, sources: list) -> dict | None:
    """The cached merged data when the cache was written from exactly these sources; read as
    warily as `index/CURRENT` (a regular file of bounded size, never through a link)."""
    try:
        cached = json.loads(read_regular_file(path, CACHE_LIMIT))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(cached, dict) or cached.get("sources") != sources:
        return None
    data = cached.get("data")
    return data if isinstance(data, dict) else None


def _write_cache(path: Path, sources: list, data: dict) -> None:
    """Keep the merged data for the next process; any failure only means no cache."""
    try:
        blob = json.dumps({"sources": sources, "data": data}, ensure_ascii=True).encode("ascii")
    except (TypeError, ValueError):  # a value JSON cannot hold (a YAML date, say)
        return
    if len(blob) > CACHE_LIMIT or not path.parent.is_dir():
        return
    with contextlib.suppress(OSError):
        atomic_write(path, blob)


@functools.lru_cache(maxsize=1)
def _packaged_data() -> dict:
    """The packaged vocabulary.yaml, parsed once per process (callers get a deep copy)."""
    import yaml

    try:  # the C parser is much faster; the packaged file is trusted data
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as Loader  # type: ignore[assignment]

    if _PACKAGED.is_file():
        text = _PACKAGED.read_text("utf-8")
    else:  # installed where the package is not plain files (a zip)
        from importlib import resources

        text = resources.files("practicebase").joinpath("data/vocabulary.yaml").read_text("utf-8")
    try:
        data = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        raise VocabularyError(f"packaged vocabulary.yaml: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError("packaged vocabulary.yaml: must be a mapping of lists")
    return data


def _parse_local(path: Path) -> dict:
    """A knowledge base's vocabulary.yaml, read as safely as an entry (it is data from users)
    and checked for the shapes `_build` expects, so every mistake names the file and key."""
    # (PyYAML and the entry parser: only for a local vocabulary.yaml)
    from practicebase.entry import EntryError
    from practicebase.parse import decode_text, parse_yaml_mapping, read_entry_bytes

    try:
        text = decode_text(read_entry_bytes(path), str(path))
        if all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n")):
            return {}
        data = parse_yaml_mapping(text, str(path))
    except EntryError as exc:
        problem = exc.problems[0]
        where = f" (line {problem.line})" if problem.line else ""
        what = f"{problem.field}: {problem.message}" if problem.field else problem.message
        raise VocabularyError(f"{path}: invalid YAML{where}: {what}") from None
    for key, value in data.items():
        problem = _local_problem(key, value)
        if problem:
            raise VocabularyError(f"{path}: `{_clip(key)}`: {problem}")
    return data


_SLUG = lazy_pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_UPPER_SLUG = lazy_pattern(r"[A-Z]+(?:-[A-Z]+)*")
_MAPPINGS = ("acronyms", "spelling_variants")
_NEVER_ALLOWED = ("SECRET", "TOP-SECRET")


def _local_problem(key: str, value: object) -> str | None:
    """What is wrong with one top-level entry of a local vocabulary.yaml, or None."""
    name = key[len("extra_") :] if key.startswith("extra_") else key
    if key == "version":
        return None if isinstance(value, str) else "must be text"
    if key in _MAPPINGS:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return "must be a mapping of words to text"
        return None
    if key == "synonyms":
        if not isinstance(value, list) or not all(
            isinstance(g, list) and all(isinstance(w, str) for w in g) for g in value
        ):
            return "must be a list of lists of words"
        return None
    if name not in ("forces", "recommendations", *_TERM_LISTS, *_PLAIN_LISTS):
        return "is not a vocabulary list (see docs/entry-format.md, Vocabularies)"
    if not isinstance(value, list):
        return "must be a list"
    for index, item in enumerate(value):
        problem = _item_problem(name, item)
        if problem:
            return f"item {index + 1}: {problem}"
    return None


def _item_problem(name: str, item: object) -> str | None:
    if name == "forces":
        if not isinstance(item, dict):
            return "a force must be a mapping with `id:` and `name:`"
        aliases = item.get("aliases") or []
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            return "a force needs a `name:`"
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            return "`aliases:` must be a list of names"
        return _id_problem(item.get("id"), _SLUG)
    if name == "recommendations":
        return _recommendation_problem(item)
    if name in _TERM_LISTS:
        if isinstance(item, dict):
            meaning = item.get("meaning")
            if meaning is not None and not isinstance(meaning, str):
                return "`meaning:` must be text"
            return _id_problem(item.get("id"), _SLUG)
        return _id_problem(item, _SLUG)
    if name == "classifications":
        if isinstance(item, str) and item.upper().replace(" ", "-") in _NEVER_ALLOWED:
            return "SECRET and TOP SECRET can never be allowed"
        return _id_problem(item, _UPPER_SLUG)
    return _id_problem(item, _SLUG)


RECOMMENDATION_LABEL_MAX = 200


def _recommendation_problem(item: object) -> str | None:
    rec_id = item.get("id") if isinstance(item, dict) else item
    if not isinstance(rec_id, str) or not RECOMMENDATION_ID.fullmatch(rec_id.upper()):
        shown = f"`{_clip(rec_id)}`" if isinstance(rec_id, str) else "a missing or non-text id"
        return f"{shown} is not a recommendation id like `CT4-2020-R4`"
    if isinstance(item, dict):
        label = item.get("label")
        if label is not None and not isinstance(label, str):
            return "`label:` must be text"
        if isinstance(label, str) and (
            "\n" in label.strip() or len(label) > RECOMMENDATION_LABEL_MAX
        ):
            return f"`label:` must be one line of at most {RECOMMENDATION_LABEL_MAX} characters"
    return None


def _id_problem(value: object, pattern: re.Pattern[str]) -> str | None:
    if not isinstance(value, str) or not pattern.fullmatch(value) or len(value) > 80:
        shown = f"`{_clip(value)}`" if isinstance(value, str) else "a missing or non-text id"
        return f"{shown} is not a valid id (lower-case words joined by hyphens)"
    return None


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


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
    recommendations: dict[str, Recommendation] = {}
    for item in data.get("recommendations") or ():
        fields = item if isinstance(item, dict) else {"id": item}
        rec = Recommendation(
            str(fields["id"]).upper(),
            " ".join(str(fields.get("label") or "").split()),
            fields.get("provisional") is True,  # only the packaged file says so (YAML true)
        )
        recommendations[rec.id] = rec
    return Vocabulary(
        forces=forces,
        **terms,
        **plain,
        acronyms={str(k): str(v) for k, v in (data.get("acronyms") or {}).items()},
        synonyms=tuple(tuple(str(w) for w in group) for group in data.get("synonyms") or ()),
        spelling_variants={
            str(k): str(v) for k, v in (data.get("spelling_variants") or {}).items()
        },
        recommendations=tuple(recommendations.values()),
    )
