"""`practicebase tui`: open the terminal app (also what `practicebase` alone does)."""

from __future__ import annotations

import argparse

HELP = "open the terminal app: search, read, filter and add entries (the default command)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--light", action="store_true", help="start with the light theme (ctrl+t toggles)"
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.commands.common import knowledge_base

    kb = knowledge_base(args)
    from practicebase.tui.app import LIGHT_THEME, PracticebaseApp  # lazy: Textual is heavy

    app = PracticebaseApp(kb, theme=LIGHT_THEME if args.light else "textual-dark")
    app.run()
    return int(app.return_code or 0)
