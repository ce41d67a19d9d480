"""`practicebase new`: a filled-in entry template to copy and edit."""

from __future__ import annotations

import argparse
from pathlib import Path

from practicebase.template import DEFAULT_ID, template

HELP = "print a filled-in entry template (Markdown, or YAML with --yaml), or write it to --out"

EPILOG = (
    "Example: `practicebase new --force GMP --out school-liaison.md`, then edit the file, "
    "`practicebase validate school-liaison.md` and `practicebase add school-liaison.md`."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("--yaml", action="store_true", help="the pure YAML form (default .md)")
    parser.add_argument(
        "--force",
        metavar="ID",
        help="your force: an id, official name or alias (e.g. GMP); needed, or asked for on a "
        "terminal",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write to this new file instead of printing it"
    )


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

    # No default force: a template filed unedited would land under someone else's force.
    force_name = args.force if args.force is not None else _ask_force()
    if not force_name:
        raise CommandError(
            "which force is the entry for? give --force ID (an id, official name or alias, "
            "e.g. --force GMP)",
            2,
        )
    resolved = vocabulary.resolve_force(force_name)
    if resolved is None:
        near = vocabulary.nearest_force(force_name)
        hint = ("; did you mean " + " or ".join(f"`{n}`" for n in near) + "?") if near else ""
        raise CommandError(f"unknown force `{force_name}`{hint}", 2)
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


def _ask_force() -> str | None:
    """Ask for the force on a terminal (the prompt on stderr, so stdout stays the template)."""
    import sys

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    sys.stderr.write("Your force (an id, official name or alias, e.g. GMP): ")
    sys.stderr.flush()
    try:
        return sys.stdin.readline().strip() or None
    except (OSError, KeyboardInterrupt):
        return None
