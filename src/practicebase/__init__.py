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


class _DeferredModule(_types.ModuleType):
    """A module whose code runs at the first use of a name it does not have yet."""

    def __getattr__(self, attribute: str):  # only called for names not (yet) defined
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        _run_deferred(self)
        try:
            return self.__dict__[attribute]
        except KeyError:
            raise AttributeError(attribute) from None


_DEFERRED_RUN: set[str] = set()


def _run_deferred(module: _types.ModuleType) -> None:
    import threading

    with _DEFERRED_LOCK.setdefault(module.__name__, threading.Lock()):
        if module.__name__ not in _DEFERRED_RUN:
            module.__spec__.loader.exec_module(module)  # type: ignore[union-attr]
            _DEFERRED_RUN.add(module.__name__)


_DEFERRED_LOCK: dict = {}


def _defer_whoosh_morph_en() -> None:
    """Register `whoosh.lang.morph_en` to run its code only when it is first used.

    `whoosh.query` imports the module for the `variations` of its `Variations` query, which
    practicebase never builds, and the module compiles its ~1,000 English suffix rules when
    imported: about 5 ms of every `search` process. The deferred module offers a `variations`
    that runs the real code at its first call and then calls the real function; any other
    name runs it too, so the module behaves as Whoosh's own to anyone who uses it."""
    name = "whoosh.lang.morph_en"
    if name in _sys.modules:
        return
    try:
        from importlib.machinery import PathFinder

        import whoosh.lang

        spec = PathFinder.find_spec(name, whoosh.lang.__path__)
    except (ImportError, ValueError, AttributeError):
        return
    if spec is None or spec.loader is None:
        return
    module = _DeferredModule(name)
    module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
    module.__package__ = "whoosh.lang"

    def variations(word):
        _run_deferred(module)
        return module.__dict__["variations"](word)

    module.variations = variations  # type: ignore[attr-defined]
    _sys.modules[name] = module


_load_whoosh_compat()
_defer_whoosh_morph_en()
