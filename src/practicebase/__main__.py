"""`python -m practicebase` and the `practicebase` command: run the command line, then end
the process without the interpreter's shutdown when nothing is left running."""

import os
import sys
import threading

from practicebase.cli import main


def run() -> None:
    """Run the command line and exit with its status. Once the output is written and no
    other thread runs, the process ends at once: the interpreter's shutdown (tearing down
    some 400 modules, then a last garbage collection) costs 15-20 ms, a tenth of a search,
    and nothing practicebase does needs it."""
    status = main()
    if threading.active_count() == 1:
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
