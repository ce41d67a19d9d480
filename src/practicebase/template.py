"""The entry template `practicebase new` writes, and how to recognise what is left of it.

The template validates as it stands, so only the user's edits can break it; its example
values (`PLACEHOLDER_TITLE`, `PLACEHOLDER_SUMMARY`, `PLACEHOLDER_EMAIL`, the hints under
each section) are recognised by `validate` (a warning, an error under --strict), and `add`
refuses an entry whose title, summary or contact is still the template's.
"""

from __future__ import annotations

from datetime import date

DEFAULT_ID = "new-practice-entry"

PLACEHOLDER_TITLE = "What the practice is, in a few words"
PLACEHOLDER_SUMMARY = (
    "One paragraph (at most 600 characters) saying what you did, for whom, "
    "and what happened. It is what people read in search results."
)
PLACEHOLDER_EMAIL = "prevent@example.police.uk"

FIELDS = f"""\
# A practice entry: replace the example values. Every field is described in
# docs/entry-format.md; lines starting with # are comments and can be deleted.
id: {{id}}  # short name: lower-case words joined by hyphens; also the file name
title: {PLACEHOLDER_TITLE}  # at most 150 characters
force: {{force}}  # your force: id, official name or alias; a list [a, b] for joint practice
themes: [referrals]  # one or more theme ids, e.g. [referrals, partner-health]
summary: >-
  One paragraph (at most 600 characters) saying what you did, for whom,
  and what happened. It is what people read in search results.
stage: untested  # untested, evaluated-locally or independently-evaluated
outcome: new-innovative  # worked, promising, new-innovative or didnt-work
status: active  # planned, pilot, active or ended
started: {{today}}  # YYYY-MM-DD (optional)
last_reviewed: {{today}}  # YYYY-MM-DD; review_due defaults to 12 months later
contact:
  role: Prevent Lead  # a role, not a person
  email: {PLACEHOLDER_EMAIL}  # a role mailbox outlives staff moves
audience: [adults]  # children, young-adults, adults, vulnerable-adults, police-staff
partners: [local-authority]  # local-authority, education, health, prisons-probation, ...
ideology: [not-specific]  # islamist, extreme-right-wing, mixed-unclear-unstable, other, ...
classification: OFFICIAL  # OFFICIAL or OFFICIAL-SENSITIVE; never SECRET
tags: [example]  # free words that help people find this
"""

SECTIONS = (
    ("Problem", "What problem were you solving, for whom, and how big was it?"),
    ("What we did", "What you set up, who took part, how long it took and what it cost."),
    ("Outcomes", "What changed, with numbers where you have them."),
    ("Evaluation", "How you know: who evaluated it and how (leave it out if untested)."),
    ("Lessons learned", "What you would do differently, including what did not work."),
    ("How to adopt", "What another force needs to do to try this, and who to ask."),
)

# How every placeholder warning's message starts (`is_placeholder_problem`).
STILL_TEMPLATE = "is still the template's example"
# The fields `add` refuses to file while they hold the template's example.
REFUSED_FIELDS = ("title", "summary", "contact.email")


def template(*, form: str, force_id: str, entry_id: str = DEFAULT_ID, today: date | None = None):
    """The template text: valid as it stands, so only the user's edits can break it."""
    fields = FIELDS.format(id=entry_id, force=force_id, today=(today or date.today()).isoformat())
    body = "".join(f"\n## {title}\n\n{hint}\n" for title, hint in SECTIONS)
    if form == "yaml":
        indented = "".join(
            f"  {line}\n" if line else "\n" for line in body.lstrip("\n").split("\n")
        )
        return fields + "body: |\n" + indented.rstrip("\n") + "\n"
    return "---\n" + fields + "---\n" + body


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def placeholders(title: str | None, summary: str | None, email: str | None, body: str):
    """(field, message) for each value still the template's example."""
    found: list[tuple[str, str]] = []
    if title and _same_text(title, PLACEHOLDER_TITLE):
        found.append(("title", f"{STILL_TEMPLATE}; say what the practice is"))
    if summary and _same_text(summary, PLACEHOLDER_SUMMARY):
        found.append(
            ("summary", f"{STILL_TEMPLATE}; say what you did, for whom, and what happened")
        )
    if email and email.strip().casefold() == PLACEHOLDER_EMAIL:
        found.append(("contact.email", f"{STILL_TEMPLATE}; give your team's role mailbox"))
    hints = [title for title, hint in SECTIONS if hint in body]
    if hints:
        names = ", ".join(f"`## {name}`" for name in hints)
        found.append(("body", f"{STILL_TEMPLATE} under {names}; replace the hint text"))
    return found


def is_placeholder_problem(problem) -> bool:
    """True for a problem `placeholders` found (a warning from validate)."""
    return problem.message.startswith(STILL_TEMPLATE)
