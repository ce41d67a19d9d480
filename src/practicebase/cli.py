"""The `practicebase` command: a thin dispatcher over one module per subcommand.

Each module in `practicebase.commands` defines `HELP`, `add_arguments(parser)` and
`run(args) -> int`, and imports the heavy parts (Whoosh, Textual) inside `run` so
that `--help` and simple commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from practicebase import __version__
from practicebase.sanitize import clean_line

COMMANDS = ("tui", "validate", "add", "new", "index", "search", "show", "report", "export")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practicebase",
        description=(
            "A knowledge base of Prevent practice shared between UK police forces. "
            "With no command, opens the terminal app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"practicebase {__version__}")
    parser.add_argument(
        "--root",
        metavar="PATH",
        help="knowledge base folder (holds entries/); default: $PRACTICEBASE_ROOT, "
        "else the nearest folder upwards with entries/",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"practicebase.commands.{name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "tui"])
    from practicebase.commands.common import CommandError
    from practicebase.vocabulary import VocabularyError

    try:
        return int(args.run(args) or 0)
    except CommandError as exc:
        print(f"practicebase: {clean_line(str(exc))}", file=sys.stderr)
        return exc.status
    except VocabularyError as exc:
        print(f"practicebase: {clean_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # last resort: a clear line, never a traceback
        if os.environ.get("PRACTICEBASE_DEBUG"):
            raise
        print(
            f"practicebase: internal error: {clean_line(type(exc).__name__ + ': ' + str(exc))}"
            " (set PRACTICEBASE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
