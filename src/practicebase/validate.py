"""Field rules: turning raw fields from `parse.py` into a checked `Entry`, or every problem.

Each rule reports a `Problem` naming the field and line and carries on, so a file's problems
are all reported at once. Values are text until a rule converts them: vocabularies are
matched case-insensitively and stored as ids, dates must be ISO `YYYY-MM-DD`.
"""

from __future__ import annotations

import calendar
import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from practicebase.entry import (
    RECOMMENDED_SECTIONS,
    Contact,
    Entry,
    EntryError,
    EntryForm,
    Link,
    Problem,
)
from practicebase.lazyre import lazy_pattern
from practicebase.markdown_render import check as check_markdown_limits
from practicebase.parse import (
    MAX_FILE_BYTES,
    RawEntry,
    clip,
    decode_text,
    form_for,
    parse_raw_text,
    read_entry_bytes,
)
from practicebase.template import placeholders
from practicebase.vocabulary import RECOMMENDATION_ID, Term, Vocabulary

SLUG = lazy_pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID_MIN, ID_MAX = 3, 80
TITLE_MAX = 150
SUMMARY_MAX = 600
SHORT_TEXT_MAX = 200
TAG_MAX = 50
URL_MAX = 2000
EMAIL_MAX = 254
PHONE = lazy_pattern(r"\+?[0-9][0-9 ()\-]{4,29}")
EMAIL = lazy_pattern(
    r"[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)
RECOMMENDATION = RECOMMENDATION_ID
ISO_DATE = lazy_pattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LINK_SCHEMES = ("http", "https", "mailto")
MAX_UNKNOWN_REPORTED = 20
REFUSED_CLASSIFICATIONS = ("SECRET", "TOP-SECRET")

LIST_MAX = {
    "force": 10,
    "themes": 25,
    "audience": 25,
    "partners": 25,
    "ideology": 25,
    "recommendations": 50,
    "related": 50,
    "links": 30,
    "tags": 30,
}

KNOWN_FIELDS = (
    "id",
    "title",
    "force",
    "themes",
    "summary",
    "stage",
    "outcome",
    "status",
    "started",
    "added",
    "last_reviewed",
    "review_due",
    "contact",
    "audience",
    "partners",
    "ideology",
    "recommendations",
    "classification",
    "sms_level",
    "related",
    "supersedes",
    "links",
    "tags",
)
CONTACT_FIELDS = ("role", "email", "name", "phone")
LINK_FIELDS = ("title", "url")
EVALUATED_STAGES = ("evaluated-locally", "independently-evaluated")

_HEADING = lazy_pattern(r"^(#{1,6})[ \t]+(.*)$")
_CODE_FENCE = lazy_pattern(r"^ {0,3}(```|~~~)")


@dataclass
class LoadedEntry:
    """One file's outcome: `entry` is None exactly when `problems` holds an error."""

    path: Path
    entry: Entry | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return self.entry is not None


def load_entry(
    path: Path, vocabulary: Vocabulary, *, strict: bool = False, layout_check: bool = True
) -> LoadedEntry:
    """Read, parse and check one entry file. Never raises for bad input.

    `layout_check=False` skips parsing the body as Markdown to check its layout limits: that
    check only ever warns, and it is the costliest rule on long real pages, so the index
    (which keeps errors only) leaves it out."""
    path = Path(path)
    try:
        data = read_entry_bytes(path, max_bytes=MAX_FILE_BYTES)
    except EntryError as exc:
        return LoadedEntry(path, None, list(exc.problems))
    if form_for(path) is None:
        message = "not an entry file name: it must end in .md, .yaml or .yml"
        return LoadedEntry(path, None, [Problem(str(path), None, "error", None, message)])
    return load_entry_bytes(
        data, path=path, vocabulary=vocabulary, strict=strict, layout_check=layout_check
    )


def load_entry_bytes(
    data: bytes,
    *,
    path: Path,
    vocabulary: Vocabulary,
    strict: bool = False,
    layout_check: bool = True,
) -> LoadedEntry:
    """Check the bytes of an entry file already read (so `add` writes exactly what it checked)."""
    source = str(path)
    form = form_for(path) or "md"
    try:
        text = decode_text(data, source)
        raw = parse_raw_text(text, form=form, source=source)
    except EntryError as exc:
        return _finish(path, None, list(exc.problems), strict)
    except Exception as exc:  # noqa: BLE001 - a parser bug must still be a message, not a crash
        message = f"cannot read: unexpected {type(exc).__name__} while parsing"
        return _finish(path, None, [Problem(source, None, "error", None, message)], strict)
    entry, problems = check_raw(
        raw, vocabulary, default_id=path.stem, layout_check=layout_check or strict
    )
    if entry is not None:
        entry = dataclasses.replace(entry, path=path)
    return _finish(path, entry, problems, strict)


def _finish(path: Path, entry: Entry | None, problems: list[Problem], strict: bool) -> LoadedEntry:
    if strict:
        problems = [dataclasses.replace(p, severity="error") for p in problems]
    if any(p.is_error for p in problems):
        entry = None
    return LoadedEntry(path, entry, problems)


def parse_entry_text(
    text: str, *, form: EntryForm, source: str, vocabulary: Vocabulary, default_id: str
) -> Entry:
    """The entry in `text`; raises only `EntryError` (with every error found)."""
    try:
        raw = parse_raw_text(text, form=form, source=source)
    except EntryError:
        raise
    except Exception as exc:  # noqa: BLE001 - keep the promise: only EntryError escapes
        message = f"cannot read: unexpected {type(exc).__name__} while parsing"
        raise EntryError([Problem(source, None, "error", None, message)]) from None
    entry, problems = check_raw(raw, vocabulary, default_id=default_id)
    errors = [p for p in problems if p.is_error]
    if entry is None or errors:
        raise EntryError(errors or problems)
    return entry


def validate_files(
    paths: Iterable[Path], vocabulary: Vocabulary, *, strict: bool = False
) -> list[LoadedEntry]:
    """Load every file and add cross-file problems: ids used twice (case-insensitively)."""
    loaded = [load_entry(Path(p), vocabulary, strict=strict) for p in paths]
    add_duplicate_id_problems(loaded)
    return loaded


def add_duplicate_id_problems(loaded: list[LoadedEntry]) -> None:
    """Mark entries sharing an id (compared case-insensitively) with an error naming the others."""
    by_id: dict[str, list[LoadedEntry]] = {}
    for item in loaded:
        if item.entry is not None:
            by_id.setdefault(item.entry.id.casefold(), []).append(item)
    for group in by_id.values():
        if len(group) < 2:
            continue
        for item in group:
            others = ", ".join(str(o.path) for o in group if o is not item)
            assert item.entry is not None
            item.problems.append(
                Problem(
                    str(item.path),
                    None,
                    "error",
                    "id",
                    f"id `{item.entry.id}` is also used by {others}; ids must be unique",
                )
            )
            item.entry = None


# --- the rules ----------------------------------------------------------------------------


def check_raw(
    raw: RawEntry, vocabulary: Vocabulary, *, default_id: str, layout_check: bool = True
) -> tuple[Entry | None, list[Problem]]:
    """Apply every field rule; returns the entry (None on any error) and all problems
    (without the body's Markdown layout warning when `layout_check` is False)."""
    checker = _Checker(raw, vocabulary, layout_check=layout_check)
    try:
        entry = checker.run(default_id)
    except Exception as exc:  # noqa: BLE001 - a rule's bug must be a message, not a crash
        entry = None
        message = f"cannot check: unexpected {type(exc).__name__} in the field rules"
        checker.problems.append(Problem(raw.source, None, "error", None, message))
    return entry, sorted(checker.problems, key=lambda p: p.line or 0)


class _Checker:
    """Holds one raw entry and the problems found while converting its fields."""

    def __init__(self, raw: RawEntry, vocabulary: Vocabulary, *, layout_check: bool = True):
        self.raw = raw
        self.vocabulary = vocabulary
        self.layout_check = layout_check
        self.problems: list[Problem] = list(raw.problems)
        self.failed_fields: set[str] = set()

    # reporting

    def error(self, field: str | None, message: str, *where: str | int) -> None:
        line = self.raw.line(*where) if where else (self.raw.line(field) if field else None)
        self.problems.append(Problem(self.raw.source, line, "error", field, message))
        if field:
            self.failed_fields.add(field.split(".")[0].split("[")[0])

    def warning(self, field: str | None, message: str, line: int | None = None) -> None:
        if line is None and field:
            line = self.raw.line(field.split(".")[0].split("[")[0])
        self.problems.append(Problem(self.raw.source, line, "warning", field, message))

    # the whole entry

    def run(self, default_id: str) -> Entry | None:
        f = self.raw.fields
        bad_fields = {
            p.field.split(".")[0].split("[")[0] for p in self.problems if p.field and p.is_error
        }
        self.failed_fields |= bad_fields
        unknown = [name for name in f if name not in KNOWN_FIELDS]
        for name in unknown[:MAX_UNKNOWN_REPORTED]:
            hint = _did_you_mean(name, KNOWN_FIELDS)
            self.warning(clip(name), f"unknown field (ignored){hint}")
        if len(unknown) > MAX_UNKNOWN_REPORTED:
            more = len(unknown) - MAX_UNKNOWN_REPORTED
            self.warning(None, f"{more} more unknown fields (ignored)", None)

        entry_id = self.entry_id(f.get("id"), default_id)
        title = self.text("title", f.get("title"), required=True, max_len=TITLE_MAX)
        forces = self.forces(f.get("force"))
        themes = self.terms("themes", f.get("themes"), self.vocabulary.themes, required=True)
        summary = self.text(
            "summary", f.get("summary"), required=True, max_len=SUMMARY_MAX, one_line=False
        )
        if summary and "\n\n" in summary:
            self.warning("summary", "should be one paragraph (it has a blank line)")
        stage = self.choice("stage", f.get("stage"), self.vocabulary.stages, required=True)
        outcome = self.choice("outcome", f.get("outcome"), self.vocabulary.outcomes)
        status = self.choice("status", f.get("status"), self.vocabulary.statuses) or "active"
        started = self.date("started", f.get("started"))
        added = self.date("added", f.get("added"))
        if added is not None and added > date.today():
            self.error("added", f"{added} is in the future")
        last_reviewed = self.date("last_reviewed", f.get("last_reviewed"), required=True)
        review_due = self.date("review_due", f.get("review_due"))
        if last_reviewed is not None:
            if last_reviewed > date.today():
                self.warning("last_reviewed", f"{last_reviewed} is in the future")
            if review_due is None and "review_due" not in self.failed_fields:
                review_due = add_months(last_reviewed, 12)
            elif review_due is not None and review_due < last_reviewed:
                self.warning("review_due", "is before last_reviewed")
        contact = self.contact(f.get("contact"))
        audience = self.terms("audience", f.get("audience"), self.vocabulary.audience)
        partners = self.terms("partners", f.get("partners"), self.vocabulary.partners)
        ideology = self.terms("ideology", f.get("ideology"), self.vocabulary.ideology)
        recommendations = self.recommendations(f.get("recommendations"))
        classification = self.classification(f.get("classification"))
        sms_level = self.sms_level(f.get("sms_level"))
        related = self.id_list("related", f.get("related"))
        supersedes = self.reference("supersedes", f.get("supersedes"))
        if entry_id is not None:
            if entry_id in related:
                self.warning("related", f"lists the entry's own id `{entry_id}`")
            if supersedes == entry_id:
                self.warning("supersedes", "names the entry's own id")
        links = self.links(f.get("links"))
        tags = self.tags(f.get("tags"))
        self.body_sections(stage)
        if self.layout_check:
            self.body_markdown()
        email = contact.email if contact is not None else None
        for name, message in placeholders(title, summary, email, self.raw.body):
            line = self.raw.body_line if name == "body" else self.raw.line(*name.split("."))
            self.warning(name, message, line)

        if any(p.is_error for p in self.problems):
            return None
        required = (entry_id, title, forces, themes, summary, stage, last_reviewed, contact)
        if not all(required) or review_due is None:
            raise ValueError("a required value is missing without an error")
        return Entry(
            id=entry_id,
            title=title,
            forces=forces,
            themes=themes,
            summary=summary,
            stage=stage,
            last_reviewed=last_reviewed,
            review_due=review_due,
            contact=contact,
            body=self.raw.body,
            outcome=outcome,
            status=status,
            started=started,
            added=added,
            audience=audience,
            partners=partners,
            ideology=ideology,
            recommendations=recommendations,
            classification=classification,
            sms_level=sms_level,
            related=related,
            supersedes=supersedes,
            links=links,
            tags=tags,
            form=self.raw.form,
        )

    # field kinds

    def present(self, name: str, value: Any, required: bool) -> bool:
        """False when the value is absent; reports it when required."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if name in self.failed_fields:
                return False
            if required:
                if name in self.raw.fields:
                    self.error(name, "is empty; it is required")
                else:
                    self.error(name, "required field is missing")
            return False
        return name not in self.failed_fields

    def text(
        self,
        name: str,
        value: Any,
        *,
        required: bool = False,
        max_len: int = SHORT_TEXT_MAX,
        one_line: bool = True,
        where: tuple[str | int, ...] | None = None,
    ) -> str | None:
        field = _dotted(where) if where else name
        if where:
            if value is None or (isinstance(value, str) and not value.strip()):
                if required and tuple(where) in self.raw.lines:
                    self.error(field, "is empty; it is required", *where)
                elif required:
                    self.error(field, "required field is missing", *where)
                return None
        elif not self.present(name, value, required):
            return None
        place = where or (name,)
        if not isinstance(value, str):
            self.error(field, f"must be text, not {_kind(value)}", *place)
            return None
        text = value.strip()
        if one_line and "\n" in text:
            self.error(field, "must be a single line", *place)
            return None
        if len(text) > max_len:
            self.error(field, f"is {len(text):,} characters; at most {max_len} allowed", *place)
            return None
        return text

    def items(self, name: str, value: Any, *, required: bool = False, example: str) -> list[Any]:
        """The items of a list field (empty when absent or wrong)."""
        if not self.present(name, value, required):
            return []
        if not isinstance(value, list):
            self.error(name, f"must be a list, e.g. `{name}: [{example}]`, not {_kind(value)}")
            return []
        if required and not value:
            self.error(name, "must list at least one value")
            return []
        limit = LIST_MAX.get(name)
        if limit is not None and len(value) > limit:
            self.error(name, f"has {len(value)} items; at most {limit} allowed")
            return []
        return value

    def strings(self, name: str, values: list[Any]) -> list[tuple[int, str]]:
        """(index, text) of each item that is non-empty single-line text; reports the rest."""
        good: list[tuple[int, str]] = []
        for index, item in enumerate(values):
            if item is None or (isinstance(item, str) and not item.strip()):
                self.error(f"{name}[{index}]", "is empty", name, index)
            elif not isinstance(item, str):
                self.error(f"{name}[{index}]", f"must be text, not {_kind(item)}", name, index)
            elif "\n" in item.strip():
                self.error(f"{name}[{index}]", "must be a single line", name, index)
            else:
                good.append((index, item.strip()))
        return good

    def entry_id(self, value: Any, default_id: str) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if "id" in self.raw.fields and value is not None:
                self.error("id", "is empty; leave it out to use the file name, or set an id")
                return None
            problem = _slug_problem(default_id)
            if problem is None:
                return default_id
            hint = _slug_hint(default_id)
            self.error(
                "id",
                f"no `id:` field and the file name {_q(default_id)} is not a valid id "
                f"({problem}); add an `id:` line{hint} or rename the file",
            )
            return None
        if "id" in self.failed_fields:
            return None
        if not isinstance(value, str):
            self.error("id", f"must be text, not {_kind(value)}")
            return None
        return self.slug("id", value.strip(), ("id",))

    def slug(self, field: str, value: str, where: tuple[str | int, ...]) -> str | None:
        problem = _slug_problem(value)
        if problem is None:
            return value
        self.error(field, f"{_q(value)} is not a valid id: {problem}{_slug_hint(value)}", *where)
        return None

    def forces(self, value: Any) -> tuple[str, ...]:
        if not self.present("force", value, True):
            return ()
        if isinstance(value, str):
            values: list[Any] = [value]
            places: list[tuple[str | int, ...]] = [("force",)]
        else:
            values = self.items("force", value, required=True, example="west-midlands, gmp")
            places = [("force", i) for i in range(len(values))]
        ids: list[str] = []
        for index, text in self.strings("force", values):
            place = places[index]
            field = "force" if isinstance(value, str) else f"force[{index}]"
            force_id = self.vocabulary.resolve_force(text)
            if force_id is None:
                near = self.vocabulary.nearest_force(text)
                hint = _suggest(near) or "; see the force ids in docs/entry-format.md"
                self.error(field, f"unknown force {_q(text)}{hint}", *place)
            elif force_id in ids:
                self.warning(field, f"{_q(text)} is listed twice", self.raw.line(*place))
            else:
                ids.append(force_id)
        return tuple(ids)

    def terms(
        self, name: str, value: Any, terms: tuple[Term, ...], *, required: bool = False
    ) -> tuple[str, ...]:
        allowed = [t.id for t in terms]
        example = ", ".join(allowed[:2])
        values = self.items(name, value, required=required, example=example)
        return self.match_all(name, values, allowed)

    def match_all(self, name: str, values: list[Any], allowed: list[str]) -> tuple[str, ...]:
        by_fold = {a.casefold(): a for a in allowed}
        found: list[str] = []
        for index, text in self.strings(name, values):
            match = by_fold.get(text.casefold())
            if match is None:
                hint = _suggest(self.vocabulary.nearest(text, allowed)) or (
                    f"; allowed: {', '.join(allowed)}" if len(allowed) <= 8 else ""
                )
                self.error(f"{name}[{index}]", f"unknown value {_q(text)}{hint}", name, index)
            elif match not in found:
                found.append(match)
        return tuple(found)

    def choice(
        self, name: str, value: Any, allowed: tuple[str, ...], *, required: bool = False
    ) -> str | None:
        text = self.text(name, value, required=required)
        if text is None:
            return None
        by_fold = {a.casefold(): a for a in allowed}
        match = by_fold.get(text.casefold())
        if match is None:
            hint = _suggest(self.vocabulary.nearest(text, list(allowed))) or (
                f"; allowed: {', '.join(allowed)}"
            )
            self.error(name, f"unknown value {_q(text)}{hint}")
        return match

    def date(self, name: str, value: Any, *, required: bool = False) -> date | None:
        text = self.text(name, value, required=required)
        if text is None:
            return None
        if not ISO_DATE.fullmatch(text):
            self.error(name, f"{_q(text)} must be a date written YYYY-MM-DD, e.g. 2026-03-31")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(name, f"{_q(text)} is not a valid date")
            return None

    def contact(self, value: Any) -> Contact | None:
        if not self.present("contact", value, True):
            return None
        if not isinstance(value, dict):
            self.error(
                "contact",
                f"must be a mapping with `role:` and `email:` lines indented below it, "
                f"not {_kind(value)}",
            )
            return None
        for key in value:
            if key not in CONTACT_FIELDS:
                hint = _did_you_mean(key, CONTACT_FIELDS)
                self.warning(
                    f"contact.{clip(key)}",
                    f"unknown field (ignored){hint}",
                    self.raw.line("contact", key),
                )
        role = self.text("contact", value.get("role"), required=True, where=("contact", "role"))
        email = self.text(
            "contact",
            value.get("email"),
            required=True,
            max_len=EMAIL_MAX,
            where=("contact", "email"),
        )
        name = self.text("contact", value.get("name"), where=("contact", "name"))
        phone = self.text("contact", value.get("phone"), max_len=40, where=("contact", "phone"))
        if email is not None and not EMAIL.fullmatch(email):
            self.error("contact.email", f"{_q(email)} is not an email address", "contact", "email")
            email = None
        if phone is not None and not PHONE.fullmatch(phone):
            self.error(
                "contact.phone",
                f"{_q(phone)} is not a phone number (digits, spaces, +, brackets and hyphens)",
                "contact",
                "phone",
            )
            phone = None
        if role is None or email is None:
            return None
        return Contact(role=role, email=email, name=name, phone=phone)

    def recommendations(self, value: Any) -> tuple[str, ...]:
        values = self.items("recommendations", value, example="CT4-2020-R4")
        found: list[str] = []
        for index, text in self.strings("recommendations", values):
            upper = text.upper()
            if not RECOMMENDATION.fullmatch(upper):
                short = self.vocabulary.resolve_recommendation(text)
                hint = f"; did you mean `{short}`?" if short else ""
                self.error(
                    f"recommendations[{index}]",
                    f"{_q(text)} is not a recommendation id like `CT4-2020-R4`{hint}",
                    "recommendations",
                    index,
                )
                continue
            self.known_recommendation(upper, index)
            if upper not in found:
                found.append(upper)
        return tuple(found)

    def known_recommendation(self, rec_id: str, index: int) -> None:
        """A warning (an error with --strict) for a well-formed id the vocabulary does not
        list: a typo, or a recommendation the knowledge base's vocabulary.yaml should add."""
        known = self.vocabulary.recommendation_ids()
        if not known or rec_id in known:
            return
        series = rec_id.rsplit("-R", 1)[0]
        same = [k for k in known if k.rsplit("-R", 1)[0] == series]
        if same:
            hint = f"; {series} has {same[0]} to {same[-1]}" if len(same) > 1 else ""
        else:
            hint = _suggest(self.vocabulary.nearest(rec_id, known))
        self.warning(
            f"recommendations[{index}]",
            f"unknown recommendation {_q(rec_id)}{hint} (a knowledge base can add it in "
            "vocabulary.yaml: `extra_recommendations:`)",
            self.raw.line("recommendations", index),
        )

    def classification(self, value: Any) -> str:
        text = self.text("classification", value)
        if text is None:
            return "OFFICIAL"
        folded = re.sub(r"[\s_]+", "-", text.upper())
        if folded in REFUSED_CLASSIFICATIONS or folded.startswith(("SECRET", "TOP-SECRET")):
            self.error(
                "classification",
                f"{_q(text)} is refused: SECRET and TOP SECRET material must never be stored "
                "in practicebase; only OFFICIAL and OFFICIAL-SENSITIVE entries are accepted",
            )
            return "OFFICIAL"
        allowed = [c for c in self.vocabulary.classifications if c not in REFUSED_CLASSIFICATIONS]
        if folded in allowed:
            return folded
        hint = (
            _suggest(self.vocabulary.nearest(text, allowed)) or f"; allowed: {', '.join(allowed)}"
        )
        self.error("classification", f"unknown value {_q(text)}{hint}")
        return "OFFICIAL"

    def sms_level(self, value: Any) -> int | None:
        text = self.text("sms_level", value)
        if text is None:
            return None
        if not re.fullmatch(r"[1-5]", text):
            self.error("sms_level", f"{_q(text)} must be a whole number from 1 to 5")
            return None
        return int(text)

    def reference(self, name: str, value: Any) -> str | None:
        text = self.text(name, value, max_len=ID_MAX + 20)
        if text is None:
            return None
        return self.slug(name, text, (name,))

    def id_list(self, name: str, value: Any) -> tuple[str, ...]:
        values = self.items(name, value, example="other-entry-id")
        found: list[str] = []
        for index, text in self.strings(name, values):
            checked = self.slug(f"{name}[{index}]", text, (name, index))
            if checked is not None and checked not in found:
                found.append(checked)
        return tuple(found)

    def links(self, value: Any) -> tuple[Link, ...]:
        values = self.items("links", value, example="{title: Guidance, url: 'https://...'}")
        found: list[Link] = []
        for index, item in enumerate(values):
            field = f"links[{index}]"
            if not isinstance(item, dict):
                self.error(
                    field,
                    f"must be a mapping with `title:` and `url:`, not {_kind(item)}",
                    "links",
                    index,
                )
                continue
            for key in item:
                if key not in LINK_FIELDS:
                    self.warning(
                        f"{field}.{clip(key)}",
                        "unknown field (ignored)",
                        self.raw.line("links", index, key),
                    )
            title = self.text(
                "links", item.get("title"), required=True, where=("links", index, "title")
            )
            url = self.text(
                "links",
                item.get("url"),
                required=True,
                max_len=URL_MAX,
                where=("links", index, "url"),
            )
            if url is not None:
                problem = _url_problem(url)
                if problem:
                    self.error(f"{field}.url", problem, "links", index, "url")
                    url = None
            if title is not None and url is not None:
                found.append(Link(title=title, url=url))
        return tuple(found)

    def tags(self, value: Any) -> tuple[str, ...]:
        values = self.items("tags", value, example="youth, online")
        found: list[str] = []
        folded: set[str] = set()
        for index, text in self.strings("tags", values):
            if len(text) > TAG_MAX:
                self.error(
                    f"tags[{index}]", f"is {len(text)} characters; at most {TAG_MAX}", "tags", index
                )
            elif text.casefold() not in folded:
                folded.add(text.casefold())
                found.append(text)
        return tuple(found)

    def body_sections(self, stage: str | None) -> None:
        present = section_titles(self.raw.body)
        missing = [s for s in RECOMMENDED_SECTIONS if s.casefold() not in present]
        evaluated = stage in EVALUATED_STAGES and "Evaluation" in missing
        if evaluated:
            self.warning(
                "stage",
                f"is `{stage}` but the body has no `## Evaluation` section saying how",
            )
            missing.remove("Evaluation")
        if missing:
            names = ", ".join(f"`## {s}`" for s in missing)
            plural = "s" if len(missing) > 1 else ""
            self.warning(
                "body", f"missing recommended section{plural}: {names}", self.raw.body_line
            )

    def body_markdown(self) -> None:
        overflow = check_markdown_limits(self.raw.body)
        if overflow is not None:
            self.warning(
                "body",
                f"{overflow}; the app and the HTML export show this body as plain text",
                self.raw.body_line,
            )


def section_titles(body: str) -> set[str]:
    """Case-folded titles of the level 2 and 3 headings in `body`, outside code blocks."""
    titles: set[str] = set()
    fence: str | None = None
    for line in body.split("\n"):
        if not line or line[0] not in "#`~ ":
            continue
        marker = _CODE_FENCE.match(line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif marker.group(1) == fence:
                fence = None
            continue
        if fence is not None:
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) in (2, 3):
            title = heading.group(2).rstrip(" \t#").rstrip(":")
            titles.add(" ".join(title.split()).casefold())
    return titles


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the 29th-31st become the month's last day when needed."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


# Names Windows reserves for devices, whatever the case and extension: a file `con.md` or
# `NUL.yaml` cannot be checked out there. An id is a lower-case slug (no dots, spaces or
# <>:"/\\|?*, nothing trailing), so these are the only ids a Windows or macOS checkout could
# not hold as file names (ids that differ only in case are refused as duplicates).
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(10)] + [f"lpt{n}" for n in range(10)]
)


def _slug_problem(value: str) -> str | None:
    if ID_MIN <= len(value) <= ID_MAX and SLUG.fullmatch(value):
        if value in WINDOWS_RESERVED:
            return "Windows reserves it for a device, so a checkout there could not hold its file"
        return None
    odd = next((c for c in value if not c.isascii() or not c.isprintable()), None)
    if odd is not None:
        name = unicodedata.name(odd, "")
        return f"it contains U+{ord(odd):04X} {name}".rstrip() + ", which is not a plain a-z letter"
    if not (ID_MIN <= len(value) <= ID_MAX):
        return f"must be {ID_MIN} to {ID_MAX} characters"
    if not SLUG.fullmatch(value):
        return "use lower-case letters and digits in words joined by single hyphens"
    return None


def _slug_hint(value: str) -> str:
    if not value.isascii():
        return ""
    candidate = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if candidate != value and _slug_problem(candidate) is None:
        return f", e.g. `{candidate}`"
    return ""


def _url_problem(url: str) -> str | None:
    if any(c.isspace() for c in url):
        return "must not contain spaces"
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in LINK_SCHEMES:
        shown = f"`{scheme}:` links are" if scheme else "a link without a scheme is"
        return f"{shown} not allowed; use an http, https or mailto address"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid address"
    if scheme in ("http", "https") and not parts.hostname:
        return "has no host name"
    if scheme == "mailto" and "@" not in parts.path:
        return "mailto link has no email address"
    return None


def _q(value: str) -> str:
    return f"`{clip(value)}`"


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value.casefold(), list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _suggest(near: list[str]) -> str:
    if not near:
        return ""
    return "; did you mean " + " or ".join(f"`{n}`" for n in near) + "?"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return "text"


def _dotted(where: tuple[str | int, ...]) -> str:
    text = str(where[0])
    for part in where[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


# --- writing an entry back ------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Safe YAML output with multi-line text as `|` blocks where YAML allows it."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def entry_fields(entry: Entry) -> dict[str, Any]:
    """The entry as file fields (ids, ISO dates as text), leaving out empty optional ones."""
    fields: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "force": entry.forces[0] if len(entry.forces) == 1 else list(entry.forces),
        "themes": list(entry.themes),
        "summary": entry.summary,
        "stage": entry.stage,
    }
    if entry.outcome:
        fields["outcome"] = entry.outcome
    fields["status"] = entry.status
    if entry.started:
        fields["started"] = entry.started.isoformat()
    if entry.added:
        fields["added"] = entry.added.isoformat()
    fields["last_reviewed"] = entry.last_reviewed.isoformat()
    fields["review_due"] = entry.review_due.isoformat()
    contact: dict[str, str] = {"role": entry.contact.role, "email": entry.contact.email}
    if entry.contact.name:
        contact["name"] = entry.contact.name
    if entry.contact.phone:
        contact["phone"] = entry.contact.phone
    fields["contact"] = contact
    for name in ("audience", "partners", "ideology", "recommendations"):
        if getattr(entry, name):
            fields[name] = list(getattr(entry, name))
    fields["classification"] = entry.classification
    if entry.sms_level is not None:
        fields["sms_level"] = str(entry.sms_level)
    if entry.related:
        fields["related"] = list(entry.related)
    if entry.supersedes:
        fields["supersedes"] = entry.supersedes
    if entry.links:
        fields["links"] = [{"title": link.title, "url": link.url} for link in entry.links]
    if entry.tags:
        fields["tags"] = list(entry.tags)
    return fields


def render_entry(entry: Entry, form: EntryForm) -> str:
    """File text for `entry` in `form` ("md" or "yaml") that reads back as an equal entry.

    Reading the text back with `parse_entry_text(..., form=form)` gives
    `dataclasses.replace(entry, form=form)`.
    """
    fields = entry_fields(entry)
    if form == "yaml":
        fields["body"] = entry.body
        return _dump(fields)
    return "---\n" + _dump(fields) + "---\n" + entry.body


def _dump(fields: dict[str, Any]) -> str:
    return yaml.dump(
        fields,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )


__all__ = [
    "LoadedEntry",
    "add_duplicate_id_problems",
    "add_months",
    "check_raw",
    "entry_fields",
    "load_entry",
    "load_entry_bytes",
    "parse_entry_text",
    "render_entry",
    "section_titles",
    "validate_files",
    "MAX_FILE_BYTES",
]
