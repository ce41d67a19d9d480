"""`practicebase tui`: open the terminal app (also what `practicebase` alone does)."""

from __future__ import annotations

import argparse
import sys

HELP = "open the terminal app: search, read, filter and add entries (the default command)"


EPILOG = """examples:
  practicebase tui                             # the nearest knowledge base
  practicebase tui --light                     # (ctrl+t switches in the app)
  PRACTICEBASE_ROOT=~/prevent-kb practicebase tui

F1 in the app lists every key; F4 saves the results or an entry as Markdown or HTML.
Entries added since your last visit are marked new: the app keeps the day of your last
visit to each knowledge base in $XDG_STATE_HOME/practicebase/ (default
~/.local/state/practicebase/), never in the knowledge base.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--light", action="store_true", help="start with the light theme (ctrl+t toggles)"
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import CommandError, knowledge_base

    kb = knowledge_base(args)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError(
            "the terminal app needs an interactive terminal; "
            "for scripts use `practicebase search QUERY` or `practicebase show ID`"
        )
    from practicebase.tui.app import DARK_THEME, LIGHT_THEME, PracticebaseApp  # lazy: heavy

    app = PracticebaseApp(kb, theme=LIGHT_THEME if args.light else DARK_THEME)
    app.run()
    return int(app.return_code or 0)
