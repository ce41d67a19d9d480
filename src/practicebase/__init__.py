"""practicebase: a knowledge base for sharing Prevent practice between UK police forces."""

import sys as _sys
import types as _types

__version__ = "0.1.0"


def _load_whoosh_compat() -> None:
    """Import `whoosh.compat` (which every Whoosh module imports) without `urllib.request`.

    Whoosh 2.7's compat module runs `from urllib.request import urlretrieve` for a function
    practicebase never calls; that import pulls in http.client, email and ssl, about 20 ms
    of every `search` or `show`. While compat loads, a stand-in module offers an
    `urlretrieve` that imports the real one when called; the stand-in is removed at once, so
    anything that imports `urllib.request` later gets the real module. This runs when the
    package is imported, before any thread exists and before any Whoosh import."""
    if "whoosh.compat" in _sys.modules or "urllib.request" in _sys.modules:
        return

    def urlretrieve(*args, **kwargs):
        from urllib.request import urlretrieve as real

        return real(*args, **kwargs)

    stand_in = _types.ModuleType("urllib.request")
    stand_in.urlretrieve = urlretrieve  # type: ignore[attr-defined]
    _sys.modules["urllib.request"] = stand_in
    try:
        import whoosh.compat  # noqa: F401
    except ImportError:
        pass  # Whoosh missing: the commands that need it say so
    finally:
        if _sys.modules.get("urllib.request") is stand_in:
            del _sys.modules["urllib.request"]


_load_whoosh_compat()
