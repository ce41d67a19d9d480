"""The `practicebase` command: a thin dispatcher over one module per subcommand.

Each module in `practicebase.commands` defines `HELP`, `add_arguments(parser)` and
`run(args) -> int`, and imports the heavy parts (Whoosh, Textual) inside `run` so
that `--help` and simple commands start fast.

Exit statuses (README, "Commands"): 0 success; 1 the command found problems; 2 a usage error
or a knowledge base that could not be opened; 3 an internal error (a bug: one line, and the
traceback with `--debug`); 4 an I/O failure (a full disk, a read-only or failing device, an
output that cannot be written), with one line naming the path.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from practicebase import __version__
from practicebase.sanitize import clean_line

COMMANDS = ("tui", "init", "validate", "add", "new", "index", "search", "show", "report", "export")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_IO = 4  # the same numbers as practicebase.commands.common.EXIT_*


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the `command` about to run, only that command's options
    are built (the others are listed by name and help): building every command's options
    costs a short `search` or `show` process about 10 ms."""
    parser = argparse.ArgumentParser(
        prog="practicebase",
        description=(
            "A knowledge base of Prevent practice shared between UK police forces. "
            "With no command, opens the terminal app."
        ),
        epilog=(
            "examples:\n"
            "  practicebase                                  # open the terminal app\n"
            "  practicebase search referrals -online\n"
            "  practicebase validate ~/Downloads/school-liaison.md\n"
            "  practicebase report coverage\n\n"
            "Every command has --help with examples."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"practicebase {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an internal error, print the traceback (for a bug report)",
    )
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
        if command is None or name == command:
            module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command `argv` names, read past the global options; None when that is not certain
    (no command, `--help`, an abbreviated or unknown option): then every command is built."""
    tokens = iter(argv)
    for token in tokens:
        if token in ("--debug",) or token.startswith("--root="):
            continue
        if token == "--root":
            next(tokens, None)
            continue
        return token if token in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = list(argv if argv is not None else sys.argv[1:])
    parser = build_parser(chosen_command(arguments))
    args = parser.parse_args(arguments)
    if args.command is None:
        args = parser.parse_args([*arguments, "tui"])
    from practicebase.commands.common import STDOUT, CommandError
    from practicebase.vocabulary import VocabularyError

    try:
        status = int(args.run(args) or 0)
        try:
            # Written now, not at exit, so a full disk is reported like any other failure.
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, STDOUT) from exc
        return status
    except CommandError as exc:
        _say(str(exc))
        return exc.status
    except VocabularyError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        _discard_stdout()
        return EXIT_OK
    except OSError as exc:
        if args.debug or os.environ.get("PRACTICEBASE_DEBUG"):
            raise
        _say(_io_failure(exc))
        return EXIT_IO
    except Exception as exc:  # a bug: a clear line, and the traceback only when asked for
        if args.debug or os.environ.get("PRACTICEBASE_DEBUG"):
            raise
        _say(
            f"internal error: {type(exc).__name__}: {exc}; please report it "
            "(run again with --debug for the details)"
        )
        return EXIT_INTERNAL


def _say(message: str) -> None:
    """One line on stderr; a stderr that cannot be written is no reason for a traceback."""
    if len(message) > 500:
        message = message[:500] + "..."
    with contextlib.suppress(OSError, ValueError):
        print(f"practicebase: {clean_line(message)}", file=sys.stderr)


def _io_failure(exc: OSError) -> str:
    """`<path>: <reason>` for a failed read or write (`cannot write the standard output:
    <reason>` when that failed, and then what is left of it is discarded, so the
    interpreter's own flush at exit cannot fail again)."""
    from practicebase.commands.common import STDOUT

    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename == STDOUT:
        _discard_stdout()
        return f"cannot write the standard output: {reason}"
    if exc.filename is None:
        return f"I/O error: {reason}"
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{where}: {reason}"


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
