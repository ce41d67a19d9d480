"""Allow `python -m practicebase`."""

from practicebase.cli import main

raise SystemExit(main())
