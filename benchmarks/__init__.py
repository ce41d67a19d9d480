"""practicebase's benchmark suite: synthetic knowledge bases, an SQLite FTS5 baseline, targets.

Run on demand with `python -m benchmarks --entries 1000,10000`; see docs/performance.md.
Nothing here is imported by practicebase itself.
"""
