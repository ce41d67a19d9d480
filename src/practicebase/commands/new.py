"""`practicebase new`: a filled-in entry template to copy and edit."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

HELP = "print a filled-in entry template (Markdown, or YAML with --yaml), or write it to --out"

DEFAULT_ID = "new-practice-entry"
DEFAULT_FORCE = "metropolitan"

FIELDS = """\
# A practice entry: replace the example values. Every field is described in
# docs/entry-format.md; lines starting with # are comments and can be deleted.
id: {id}  # short name: lower-case words joined by hyphens; also the file name
title: What the practice is, in a few words  # at most 150 characters
force: {force}  # your force: id, official name or alias; a list [a, b] for joint practice
themes: [referrals]  # one or more theme ids, e.g. [referrals, partner-health]
summary: >-
  One paragraph (at most 600 characters) saying what you did, for whom,
  and what happened. It is what people read in search results.
stage: untested  # untested, evaluated-locally or independently-evaluated
outcome: new-innovative  # worked, promising, new-innovative or didnt-work
status: active  # planned, pilot, active or ended
started: {today}  # YYYY-MM-DD (optional)
last_reviewed: {today}  # YYYY-MM-DD; review_due defaults to 12 months later
contact:
  role: Prevent Lead  # a role, not a person
  email: prevent@example.police.uk  # a role mailbox outlives staff moves
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

EPILOG = (
    "Example: `practicebase new --force GMP --out school-liaison.md`, then edit the file, "
    "`practicebase validate school-liaison.md` and `practicebase add school-liaison.md`."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--yaml", action="store_true", help="the pure YAML form (default .md)")
    parser.add_argument(
        "--force", metavar="ID", help="your force: an id, official name or alias (e.g. GMP)"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write to this new file instead of printing it"
    )


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


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import CommandError, knowledge_base, out
    from practicebase.export import OutputInTheWay, write_new_file
    from practicebase.parse import form_for
    from practicebase.validate import SLUG
    from practicebase.vocabulary import load_vocabulary

    try:
        vocabulary = knowledge_base(args).vocabulary
    except CommandError:
        vocabulary = load_vocabulary(None)

    force_id = DEFAULT_FORCE
    if args.force is not None:
        resolved = vocabulary.resolve_force(args.force)
        if resolved is None:
            near = vocabulary.nearest_force(args.force)
            hint = ("; did you mean " + " or ".join(f"`{n}`" for n in near) + "?") if near else ""
            raise CommandError(f"unknown force `{args.force}`{hint}", 2)
        force_id = resolved

    form = "yaml" if args.yaml else "md"
    entry_id = DEFAULT_ID
    if args.out is not None:
        out_path = Path(args.out)
        implied = form_for(out_path)
        if implied is None:
            raise CommandError(f"{out_path}: the file name must end in .md, .yaml or .yml", 2)
        if args.yaml and implied != "yaml":
            raise CommandError(f"{out_path}: --yaml needs a file name ending in .yaml or .yml", 2)
        form = implied
        if SLUG.fullmatch(out_path.stem) and 3 <= len(out_path.stem) <= 80:
            entry_id = out_path.stem
    text = template(form=form, force_id=force_id, entry_id=entry_id)

    if args.out is None:
        out(text.rstrip("\n"))
        return 0
    # Only ever a new file: not over a file, a link (even dangling), a FIFO or a device, and
    # never through a link (exit 1). A write that fails (exit 4) leaves nothing behind.
    try:
        write_new_file(out_path, text, offer_force=False)
    except OutputInTheWay as exc:
        raise CommandError(str(exc), exc.status) from None
    out(
        f"wrote {out_path}; edit it, then `practicebase validate {out_path}` and "
        f"`practicebase add {out_path}`"
    )
    return 0
