"""`python -m practicebase` and the `practicebase` command: run the command line; a command that
only reads ends without the interpreter's shutdown."""

import gc
import os
import sys
import threading

from practicebase.cli import chosen_command, main

READ_ONLY_COMMANDS = ("search", "show")
"""Commands that write no file: their process may skip the garbage collector and end at once."""


def run() -> None:
    """Run the command line and exit with its status.

    A `search` or `show` is a short process that writes nothing but its output, so for them
    the cyclic garbage collector stays off (its passes over the objects of every import were
    about 5% of a search) and, once the output is flushed and no other thread runs, the
    process ends at once: the interpreter's shutdown (tearing down some 400 modules, then a
    last collection) costs 15-20 ms, a tenth of a search. Every other command, which may
    write files, gets the usual start and the usual exit."""
    read_only = chosen_command(sys.argv[1:]) in READ_ONLY_COMMANDS
    if read_only:
        gc.disable()
    status = main()
    if read_only and threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # the usual exit reports it
        else:
            os._exit(status)
    raise SystemExit(status)


if __name__ == "__main__":
    run()
